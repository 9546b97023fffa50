//! The in-memory snapshot every read is answered from.
//!
//! A [`Snapshot`] is immutable: the server builds a new one after each committed write and
//! swaps it in, so readers never wait and never see half a write. It keeps each incident
//! as a compact fixed-size row (strings interned or kept in one text arena, vocabulary
//! terms as small integers, casualties as `u16`), sorted by date, plus an R-tree over the
//! points whose entries also carry what a vector tile shows of each incident, so that a
//! tile reads neighbouring memory ([`Snapshot::select_tile_points`]). A date range is then a binary search, an area an R-tree query, and every other
//! filter a comparison of integers on the rows that remain.
//!
//! [`Snapshot::select`] returns the rows a [`athar_core::Filter`] matches, and is tested
//! against [`athar_core::Filter::matches`] as its reference. Counts per community,
//! statistics by kind and time series are computed from a selection.
#![deny(missing_docs)]

mod aggregate;
mod persist;
mod snapshot;

pub use aggregate::{Breakdown, CommunityCount, Interval, KindStats, SeriesBucket, Totals};
pub use snapshot::{
    ClusterPoint, CommunityInfo, RowId, Snapshot, SnapshotBuilder, TileFields, TilePoint,
};
