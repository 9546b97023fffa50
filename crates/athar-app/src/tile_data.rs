//! What the incidents and communities tile layers are drawn from, per filter and view,
//! made once and kept while it is asked for: the cluster index of a filter, and every
//! community of its ranking with the point it is drawn at. The server keeps the encoded
//! tiles; these are what a cold tile is encoded from.

use std::sync::Arc;

use athar_core::Filter;
use athar_index::Snapshot;
use athar_tile_sources::communities::CommunityPoint;
use athar_tile_sources::incidents::{ClusterIndex, Sizing};
use athar_tiles::lon_lat_to_mercator;

use crate::counts::CommunityEntry;
use crate::privacy::OwnedViewer;

/// The memory for cluster indexes, one per filter recently asked for. An index of a
/// million incidents holds about 200,000 cells and took about 30 MB (measured by the
/// server's resident memory after 16 filters), so about eight are kept for a million
/// incidents, and a stream of new filters, which any reader can send, grows the server by
/// at most this.
const CLUSTER_INDEX_BYTES: u64 = 256 * 1024 * 1024;
/// The memory for the community points of recent filters.
const COMMUNITY_POINTS_BYTES: u64 = 32 * 1024 * 1024;

/// A filter, the snapshot version it was read on, and whether for the public view.
pub type Key = (Filter, u64, bool);

/// Cluster indexes and community points by filter, snapshot version and view, each cache
/// bounded by the bytes it holds. Cloning shares the caches.
#[derive(Clone)]
pub struct TileData {
    communities: moka::sync::Cache<Key, Arc<Vec<CommunityPoint>>>,
    clusters: moka::sync::Cache<(Key, Sizing), Arc<ClusterIndex>>,
}

impl Default for TileData {
    fn default() -> Self {
        Self {
            communities: moka::sync::Cache::builder()
                .weigher(|_, points: &Arc<Vec<CommunityPoint>>| {
                    u32::try_from(points.len() * 256).unwrap_or(u32::MAX)
                })
                .max_capacity(COMMUNITY_POINTS_BYTES)
                .build(),
            clusters: moka::sync::Cache::builder()
                .weigher(|_, index: &Arc<ClusterIndex>| {
                    u32::try_from(index.bytes()).unwrap_or(u32::MAX)
                })
                .max_capacity(CLUSTER_INDEX_BYTES)
                .build(),
        }
    }
}

impl TileData {
    /// Empties both caches (what they hold is made again on demand).
    pub fn shed(&self) {
        self.communities.invalidate_all();
        self.clusters.invalidate_all();
    }

    /// The community points of `key`, if they are kept.
    pub fn cached_points(&self, key: &Key) -> Option<Arc<Vec<CommunityPoint>>> {
        self.communities.get(key)
    }

    /// The community points of `filter` over `snapshot` as `viewer` sees them, made now if
    /// they are not kept; callers that miss together wait for one making.
    pub fn points(
        &self,
        snapshot: &Snapshot,
        viewer: &OwnedViewer,
        filter: &Filter,
    ) -> Arc<Vec<CommunityPoint>> {
        let key = (
            filter.clone(),
            snapshot.version(),
            viewer.viewer().is_public(),
        );
        self.communities
            .get_with(key, || Arc::new(community_points(snapshot, viewer, filter)))
    }

    /// The cluster index of `key`, if it is kept.
    pub fn cached_clusters(&self, key: &(Key, Sizing)) -> Option<Arc<ClusterIndex>> {
        self.clusters.get(key)
    }

    /// The cluster index of `filter` over `snapshot` (the view `public` says), built now if
    /// it is not kept; callers that miss together (a cold map opens with dozens of tiles at
    /// once) wait for one build.
    pub fn clusters(
        &self,
        snapshot: &Snapshot,
        public: bool,
        filter: &Filter,
        sizing: Sizing,
    ) -> Arc<ClusterIndex> {
        let key = ((filter.clone(), snapshot.version(), public), sizing);
        self.clusters.get_with(key, || {
            Arc::new(ClusterIndex::build(snapshot, filter, sizing))
        })
    }
}

/// Every community of the ranking for `filter`, with the point it is drawn at, as
/// `viewer` may see it.
pub fn community_points(
    snapshot: &Snapshot,
    viewer: &OwnedViewer,
    filter: &Filter,
) -> Vec<CommunityPoint> {
    let places = &viewer.places;
    let rows = snapshot.select(filter);
    let counts = snapshot.community_counts(&rows, None);
    let withheld = viewer
        .viewer()
        .withheld(snapshot, filter, None)
        .with_complement(&counts);
    // Places among the shown counts, most first, ties sharing the place of the first.
    let mut shown: Vec<u64> = counts
        .iter()
        .filter(|count| !withheld.now.contains(&count.community))
        .map(|count| count.count)
        .collect();
    shown.sort_unstable_by(|a, b| b.cmp(a));
    let rank_of = |count: u64| {
        let above = shown.partition_point(|&other| other > count);
        u32::try_from(above + 1).ok()
    };
    counts
        .iter()
        .filter_map(|count| {
            let entry = CommunityEntry::new(snapshot, places, count);
            let point = lon_lat_to_mercator(entry.lon?, entry.lat?);
            let withheld = withheld.now.contains(&count.community);
            Some(CommunityPoint {
                id: entry.community_id,
                name_ar: entry.name_ar,
                name_en: entry.name_en,
                status: entry.status,
                withheld,
                count: count.count,
                killed: count.killed,
                injured: count.injured,
                rank: if withheld { None } else { rank_of(count.count) },
                point,
            })
        })
        .collect()
}
