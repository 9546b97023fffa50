//! Compact rows, interning and selection.
//!
//! The snapshot and its builder are here; [`interning`] stores strings, terms and texts
//! once, [`rows`] compacts incidents into rows and rebuilds them, [`tiles`] holds what
//! vector tiles read (the R-tree's entries), [`selection`] answers filters,
//! [`communities`] keeps the community table and [`patching`] makes a new snapshot from
//! a few changes.

mod communities;
mod interning;
mod patching;
mod rows;
mod selection;
mod tiles;

pub use communities::CommunityInfo;
pub(crate) use interning::TextRef;
pub(crate) use rows::Row;
pub use selection::ClusterPoint;
pub use tiles::{TileFields, TilePoint};

use std::collections::HashMap;
use std::sync::Arc;

use athar_core::{Incident, Slug, Vocabularies};
use chrono::NaiveDate;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use interning::Interner;
use tiles::Entry;

/// The position of a row in a snapshot.
pub type RowId = u32;

pub(crate) const NONE: u32 = u32::MAX;
pub(crate) const NO_TERM: u16 = u16::MAX;

/// Builds a snapshot one incident at a time, so that a store can stream its rows in
/// without holding them all as full incidents first.
pub struct SnapshotBuilder {
    pub(crate) snapshot: Snapshot,
}

impl SnapshotBuilder {
    /// An empty builder.
    pub fn new(vocabularies: Arc<Vocabularies>) -> Self {
        Self {
            snapshot: Snapshot {
                version: 0,
                vocabularies,
                rows: Vec::new(),
                strings: Interner::default(),
                slugs: Vec::new(),
                slug_ids: HashMap::new(),
                text: String::new(),
                tree: RTree::new(),
                communities: Vec::new(),
                community_of_key: HashMap::new(),
            },
        }
    }

    /// Adds an incident (in any order).
    pub fn push(&mut self, incident: &Incident) {
        let row = self.snapshot.compact(incident);
        self.snapshot.rows.push(row);
    }

    /// Sorts, indexes and returns the snapshot.
    pub fn finish(mut self, version: u64) -> Snapshot {
        self.snapshot.version = version;
        self.snapshot.rows.shrink_to_fit();
        self.snapshot.text.shrink_to_fit();
        self.snapshot.index();
        self.snapshot
    }
}

/// An immutable view of every incident.
pub struct Snapshot {
    pub(crate) version: u64,
    pub(crate) vocabularies: Arc<Vocabularies>,
    pub(crate) rows: Vec<Row>,
    pub(crate) strings: Interner,
    pub(crate) slugs: Vec<Slug>,
    pub(crate) slug_ids: HashMap<Slug, u16>,
    pub(crate) text: String,
    pub(crate) tree: RTree<GeomWithData<[f64; 2], Entry>>,
    pub(crate) communities: Vec<CommunityInfo>,
    /// community key id → index in `communities`.
    pub(crate) community_of_key: HashMap<u32, u32>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Snapshot")
            .field("version", &self.version)
            .field("incidents", &self.rows.len())
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// An empty snapshot.
    pub fn empty(vocabularies: Arc<Vocabularies>) -> Self {
        Self::build(0, vocabularies, Vec::new())
    }

    /// Builds a snapshot of `incidents` (in any order).
    pub fn build(version: u64, vocabularies: Arc<Vocabularies>, incidents: Vec<Incident>) -> Self {
        let mut builder = SnapshotBuilder::new(vocabularies);
        builder.snapshot.rows.reserve_exact(incidents.len());
        for incident in &incidents {
            builder.push(incident);
        }
        drop(incidents);
        builder.finish(version)
    }

    /// Sorts the rows (by date, then time with undated times first, then id) and makes the
    /// R-tree and the community table for them.
    fn index(&mut self) {
        self.rows.sort_unstable_by_key(Row::order);
        let points = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(index, row)| Entry::located(row, index as RowId))
            .collect();
        self.tree = RTree::bulk_load(points);
        self.index_communities();
    }

    /// The same snapshot under another version (for one built before its version was
    /// known, as a release's, whose version comes from its hash).
    #[must_use]
    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version;
        self
    }

    /// The version, used as the ETag of reads.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The vocabularies the snapshot was built with.
    pub fn vocabularies(&self) -> &Arc<Vocabularies> {
        &self.vocabularies
    }

    /// Number of incidents.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The dates covered, first and last.
    pub fn date_extent(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((
            self.date_of(0)?,
            self.date_of(self.rows.len().checked_sub(1)? as RowId)?,
        ))
    }

    /// The bounding box of every point: `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn spatial_extent(&self) -> Option<[f64; 4]> {
        let envelope = self.tree.root().envelope();
        (self.tree.size() > 0).then(|| {
            let (lower, upper) = (envelope.lower(), envelope.upper());
            [lower[0], lower[1], upper[0], upper[1]]
        })
    }
}
