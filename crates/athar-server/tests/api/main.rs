//! End-to-end: the real server on a random port, over HTTP, against SQLite and against a
//! fresh PostGIS database.

// Exact float comparison is the point where a share must equal count / total; tuples of
// expected rows read best inline.
#![allow(clippy::float_cmp, clippy::type_complexity, clippy::similar_names)]

mod basics;
mod communities;
mod duplicates;
mod embed;
mod exports;
mod hostile;
mod hotspots;
mod indistinguishable;
mod maps;
mod monthly;
mod outage;
mod privacy;
mod releases;
mod report;
mod support;
mod tiles;
mod villages;
mod writes;
