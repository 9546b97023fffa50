//! Athar's application layer: what the HTTP server and the command line both do, between
//! the domain crates (core, gazetteer, index, ingest, hotspots, maps, tiles, store) and the
//! edges that call it (`athar-server` for HTTP, `athar-cli` for the terminal).
//!
//! - [`edits`]: one incident edited, field by field, and validated again.
//! - [`embed`]: the map a report embeds: its styles, page, hotspot legend and oEmbed.
//! - [`hotspots`]: Gi* maps and emerging hotspots over the reader's view, ready to serve.
//! - [`import`]: the import pipeline (parse, validate, resolve, learn places, store in one
//!   transaction, report every rejected row).
//! - [`changes`]: the change log as a reader may see it.
//! - [`communities`]: places found, resolved, counted and queued for review.
//! - [`counts`]: communities ranked by incidents, as typed entries, with what is withheld.
//! - [`export`]: incidents as GeoJSON, CSV with HXL hashtags, KML and GeoPackage.
//! - [`features`]: OGC API – Features documents, and incidents as GeoJSON features.
//! - [`gazetteer`]: the gazetteer a running Athar resolves against, and places learned
//!   from incidents.
//! - [`live`]: the snapshot, gazetteer and public view of a running store, kept up to date.
//! - [`maps`]: what a static map shows, for the renderer of `athar-maps`.
//! - [`params`]: an endpoint's own parameters, read alike from the server and the CLI.
//! - [`privacy`]: what anonymous readers may see, and the public view they are served from.
//! - [`tile_data`]: what the incidents and communities tiles are drawn from, cached.
//! - [`stats`]: the statistics of a report, by kind, as typed results.
//! - [`releases`]: published months, frozen, each a snapshot of its own.
//! - [`snapshot`]: every incident of a store compacted into a snapshot.
#![deny(missing_docs)]

pub mod changes;
pub mod communities;
pub mod counts;
pub mod duplicates;
pub mod edits;
pub mod embed;
pub mod export;
pub mod features;
pub mod gazetteer;
pub mod hotspots;
pub mod import;
pub mod intake;
pub mod live;
pub mod maps;
pub mod params;
pub mod privacy;
pub mod pull;
pub mod releases;
pub mod reports;
pub mod snapshot;
pub mod stats;
pub mod tile_data;

pub use gazetteer::{
    CommunityImportError, import_community_list, learned_id, load_gazetteer, open_store,
};
pub use import::{DEMO_CSV, ImportError, ImportReport, Rejection, run_import};
