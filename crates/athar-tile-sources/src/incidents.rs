//! The incidents layer, from the in-memory snapshot.
//!
//! At and above the cluster zoom every incident is a point. Below it, incidents are
//! clustered on a global grid of cells 64 tile pixels wide, aligned to the tiles: a cell
//! lies in exactly one tile, so clusters are the same whichever tile shows them, and the
//! counts of a tile's features add up to the incidents in that tile. The 64-pixel buffer
//! holds exactly the ring of neighbouring cells, so a cluster near an edge is drawn whole.

use athar_core::{BBox, Filter};
use athar_index::{RowId, Snapshot, TileFields, TilePoint};
use athar_tiles::layer::{Key, PointLayer};
use athar_tiles::{EXTENT, Tile, lon_lat_to_mercator, mercator_to_lon_lat};

/// The zoom from which every incident is its own point.
pub const CLUSTER_ZOOM: u8 = 12;
/// The side of a cluster cell, in tile pixels.
const CELL_PIXELS: i32 = 64;
/// The name of the incidents layer.
pub const LAYER: &str = "incidents";

fn cell([x, y]: [f64; 2], z: u8) -> (i64, i64) {
    let size = Tile::size(z) * f64::from(CELL_PIXELS) / f64::from(EXTENT);
    #[allow(clippy::cast_possible_truncation)] // at most 2^22 × 64 cells a side
    let index = |value: f64| (value / size).floor() as i64;
    (
        index(x + athar_tiles::HALF_WORLD),
        index(athar_tiles::HALF_WORLD - y),
    )
}

/// The first zoom at which incidents spread over `min`..`max` fall in two cells.
fn expansion_zoom(min: [f64; 2], max: [f64; 2], z: u8) -> u8 {
    (z + 1..CLUSTER_ZOOM)
        .find(|&zoom| cell(min, zoom) != cell(max, zoom))
        .unwrap_or(CLUSTER_ZOOM)
}

/// The incidents of the snapshot inside the tile and its buffer that pass the filter,
/// with their Web Mercator points.
fn points_in<'s>(
    snapshot: &'s Snapshot,
    filter: &Filter,
    tile: &Tile,
) -> Vec<(TilePoint<'s>, [f64; 2])> {
    let bounds = tile.buffered_bounds();
    let [west, south] = mercator_to_lon_lat([bounds.min_x, bounds.min_y]);
    let [east, north] = mercator_to_lon_lat([bounds.max_x, bounds.max_y]);
    let tile_box = BBox::new(west, south, east, north);
    let area = match filter.bbox {
        None => tile_box,
        Some(asked) => BBox::new(
            asked.west.max(tile_box.west),
            asked.south.max(tile_box.south),
            asked.east.min(tile_box.east),
            asked.north.min(tile_box.north),
        ),
    };
    if area.west > area.east || area.south > area.north {
        return Vec::new();
    }
    // The box in degrees is the tile's, up to rounding: the tile's own bounds decide.
    snapshot
        .select_tile_points(filter, area)
        .into_iter()
        .map(|point| {
            let (lon, lat) = point.lon_lat();
            (point, lon_lat_to_mercator(lon, lat))
        })
        .filter(|(_, mercator)| bounds.contains(*mercator))
        .collect()
}

/// A date as `YYYY-MM-DD`, written without allocating (years 0 to 9999).
fn iso_date(date: chrono::NaiveDate, out: &mut [u8; 10]) -> &str {
    use chrono::Datelike;
    let digits = |out: &mut [u8], mut value: u32| {
        for byte in out.iter_mut().rev() {
            *byte = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    digits(&mut out[0..4], date.year().clamp(0, 9999).unsigned_abs());
    out[4] = b'-';
    digits(&mut out[5..7], date.month());
    out[7] = b'-';
    digits(&mut out[8..10], date.day());
    std::str::from_utf8(out).unwrap_or_default()
}

/// The keys of the incidents layer's point features, numbered once per tile.
struct IncidentKeys {
    id: Key,
    kind: Key,
    occurred_on: Key,
    killed: Key,
    injured: Key,
    community: Key,
    community_id: Key,
    perpetrator: Key,
    weapon: Key,
    place_type: Key,
}

impl IncidentKeys {
    fn new(layer: &mut PointLayer<'_>) -> Self {
        Self {
            id: layer.key("id"),
            kind: layer.key("kind"),
            occurred_on: layer.key("occurred_on"),
            killed: layer.key("killed"),
            injured: layer.key("injured"),
            community: layer.key("community"),
            community_id: layer.key("community_id"),
            perpetrator: layer.key("perpetrator"),
            weapon: layer.key("weapon"),
            place_type: layer.key("place_type"),
        }
    }
}

/// One incident as a point feature with its properties, at its point in Web Mercator
/// metres (`mercator`; the snapshot is the reader's view, so it is a point this reader may
/// see).
fn incident_feature<'s>(
    (layer, keys): (&mut PointLayer<'s>, &IncidentKeys),
    tile: &Tile,
    fields: &TileFields<'s>,
    mercator: [f64; 2],
) {
    use chrono::Datelike as _;
    let mut id = [0; uuid::fmt::Hyphenated::LENGTH];
    let mut date = [0; 10];
    // Days from the common era: one value per date in the layer.
    let day = u64::from(fields.occurred_on.num_days_from_ce().cast_unsigned());
    layer.point(tile.pixel(mercator), |feature| {
        feature
            .new_string(keys.id, fields.id.hyphenated().encode_lower(&mut id))
            .string(keys.kind, fields.kind.as_str())
            .string_for(
                keys.occurred_on,
                day,
                iso_date(fields.occurred_on, &mut date),
            )
            .uint(keys.killed, u64::from(fields.killed))
            .uint(keys.injured, u64::from(fields.injured))
            .string(keys.community, fields.community);
        if let Some(id) = fields.community_id {
            feature.string(keys.community_id, id);
        }
        for (key, slug) in [
            (keys.perpetrator, fields.perpetrator),
            (keys.weapon, fields.weapon),
            (keys.place_type, fields.place_type),
        ] {
            if let Some(slug) = slug {
                feature.string(key, slug.as_str());
            }
        }
    });
}

/// The incidents of one cell of the global grid, summed.
#[derive(Debug, Clone)]
struct Cell {
    count: u64,
    sum: [f64; 2],
    min: [f64; 2],
    max: [f64; 2],
    killed: u64,
    injured: u64,
    /// Incidents by kind, in the order of the kind vocabulary: kept in the cell for the
    /// vocabulary's six kinds (a vector of its own per cell made the index of a million
    /// incidents about a quarter larger, and an index is kept for each recent filter).
    kinds: smallvec::SmallVec<[u32; 6]>,
    /// One of its incidents (the only one when `count` is 1).
    row: RowId,
}

impl Cell {
    /// A cell with no incidents yet, `row` the first it will hold.
    fn empty(kinds: usize, row: RowId) -> Self {
        Self {
            count: 0,
            sum: [0.0; 2],
            min: [f64::INFINITY; 2],
            max: [f64::NEG_INFINITY; 2],
            killed: 0,
            injured: 0,
            kinds: smallvec::smallvec![0; kinds],
            row,
        }
    }

    /// Adds one incident at `point`, of the kind numbered `kind` in the index's kinds.
    fn add(&mut self, point: [f64; 2], (killed, injured): (u32, u32), kind: Option<usize>) {
        self.count += 1;
        for (axis, value) in point.into_iter().enumerate() {
            self.sum[axis] += value;
            self.min[axis] = self.min[axis].min(value);
            self.max[axis] = self.max[axis].max(value);
        }
        self.killed += u64::from(killed);
        self.injured += u64::from(injured);
        if let Some(kind) = kind {
            self.kinds[kind] += 1;
        }
    }

    fn merge(&mut self, other: &Self) {
        self.count += other.count;
        for axis in 0..2 {
            self.sum[axis] += other.sum[axis];
            self.min[axis] = self.min[axis].min(other.min[axis]);
            self.max[axis] = self.max[axis].max(other.max[axis]);
        }
        self.killed += other.killed;
        self.injured += other.injured;
        for (mine, theirs) in self.kinds.iter_mut().zip(&other.kinds) {
            *mine += theirs;
        }
    }
}

/// The cells of one zoom as they are summed: in the order first met, found by key. Most
/// points (met in the R-tree's order) and most child cells (met in key order) go to the
/// cell of the one before, which is then found without hashing.
#[derive(Default)]
struct Summing {
    cells: Vec<((u32, u32), Cell)>,
    places: foldhash::HashMap<(u32, u32), usize>,
    previous: Option<((u32, u32), usize)>,
}

impl Summing {
    fn get(&mut self, key: (u32, u32)) -> Option<&mut Cell> {
        let place = match self.previous {
            Some((previous, place)) if previous == key => place,
            _ => *self.places.get(&key)?,
        };
        self.previous = Some((key, place));
        Some(&mut self.cells[place].1)
    }

    fn add(&mut self, key: (u32, u32), cell: Cell) {
        self.places.insert(key, self.cells.len());
        self.previous = Some((key, self.cells.len()));
        self.cells.push((key, cell));
    }

    fn get_or_add(&mut self, key: (u32, u32), empty: impl FnOnce() -> Cell) -> &mut Cell {
        if self.get(key).is_none() {
            self.add(key, empty());
        }
        let (_, place) = self.previous.expect("just met");
        &mut self.cells[place].1
    }

    /// The cells sorted by key (row, then column).
    fn into_sorted(mut self) -> Vec<((u32, u32), Cell)> {
        self.cells.sort_unstable_by_key(|(key, _)| *key);
        self.cells.shrink_to_fit();
        self.cells
    }
}

/// The incidents that match one filter, summed into the cells of every zoom below the
/// cluster zoom: built once per filter and snapshot version (one pass over the matching
/// incidents, then each zoom from the one above), after which a clustered tile is a range
/// lookup. Cells are keyed by (row, column) of the global grid.
pub struct ClusterIndex {
    /// Per zoom, the cells holding incidents, sorted by key.
    levels: Vec<Vec<((u32, u32), Cell)>>,
    kinds: Vec<String>,
}

impl ClusterIndex {
    /// The memory it holds, in bytes (for the cache's bound).
    pub fn bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|level| level.capacity() * std::mem::size_of::<((u32, u32), Cell)>())
            .sum::<usize>()
            + self.kinds.len() * 32
    }

    /// The index of the incidents `filter` selects in `snapshot`.
    pub fn build(snapshot: &Snapshot, filter: &athar_core::Filter) -> Self {
        let kinds: Vec<String> = snapshot
            .vocabularies()
            .terms_of(athar_core::VocabularyName::Kind)
            .map(|term| term.slug.as_str().to_owned())
            .collect();
        // The kinds as the snapshot numbers them, with their places in `kinds`.
        let numbers: Vec<(u16, usize)> = kinds
            .iter()
            .enumerate()
            .filter_map(|(at, kind)| Some((snapshot.term_number(kind)?, at)))
            .collect();
        let deepest = CLUSTER_ZOOM - 1;
        let mut cells = Summing::default();
        snapshot.for_each_tile_point(filter, |point| {
            let (lon, lat) = point.lon_lat();
            let at = lon_lat_to_mercator(lon, lat);
            let (cx, cy) = cell(at, deepest);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // within the grid
            let key = (cy as u32, cx as u32);
            let kind = numbers
                .iter()
                .find(|(number, _)| *number == point.kind_number())
                .map(|(_, at)| *at);
            cells
                .get_or_add(key, || Cell::empty(kinds.len(), point.row()))
                .add(at, point.casualties(), kind);
        });
        let mut levels = vec![Vec::new(); usize::from(CLUSTER_ZOOM)];
        levels[usize::from(deepest)] = cells.into_sorted();
        for z in (0..deepest).rev() {
            let mut parents = Summing::default();
            for ((cy, cx), child) in &levels[usize::from(z) + 1] {
                match parents.get((cy / 2, cx / 2)) {
                    Some(parent) => parent.merge(child),
                    None => parents.add((cy / 2, cx / 2), child.clone()),
                }
            }
            levels[usize::from(z)] = parents.into_sorted();
        }
        Self { levels, kinds }
    }

    /// The cells of a tile and of the ring around it (its 64-pixel buffer).
    fn cells_of(&self, tile: &Tile) -> impl Iterator<Item = &Cell> {
        let per_tile = (EXTENT / CELL_PIXELS).unsigned_abs();
        let last = (1u32 << tile.z) * per_tile - 1;
        let range = |start: u32| (start.saturating_sub(1), (start + per_tile).min(last));
        let (x0, x1) = range(tile.x * per_tile);
        let (y0, y1) = range(tile.y * per_tile);
        let level = &self.levels[usize::from(tile.z)];
        (y0..=y1).flat_map(move |cy| {
            let start = level.partition_point(|(key, _)| *key < (cy, x0));
            let end = level.partition_point(|(key, _)| *key <= (cy, x1));
            level[start..end].iter().map(|(_, cell)| cell)
        })
    }
}

/// The keys of the incidents layer's clusters, numbered once per tile.
struct ClusterKeys {
    cluster: Key,
    count: Key,
    /// One per kind, in the order of the cluster index's kinds.
    kinds: Vec<Key>,
    killed: Key,
    injured: Key,
    expansion_zoom: Key,
}

impl ClusterKeys {
    fn new(layer: &mut PointLayer<'_>, index: &ClusterIndex) -> Self {
        Self {
            cluster: layer.key("cluster"),
            count: layer.key("count"),
            kinds: index.kinds.iter().map(|kind| layer.key(kind)).collect(),
            killed: layer.key("killed"),
            injured: layer.key("injured"),
            expansion_zoom: layer.key("expansion_zoom"),
        }
    }
}

/// A cell of two or more incidents as a cluster: a point at their centroid, with their
/// count, counts by kind, casualties, and the zoom at which they part.
fn cluster_feature((layer, keys): (&mut PointLayer<'_>, &ClusterKeys), tile: &Tile, cell: &Cell) {
    let count = cell.count as f64;
    let centroid = [cell.sum[0] / count, cell.sum[1] / count];
    layer.point(tile.pixel(centroid), |feature| {
        feature
            .bool(keys.cluster, true)
            .uint(keys.count, cell.count);
        for (&key, &n) in keys.kinds.iter().zip(&cell.kinds) {
            if n > 0 {
                feature.uint(key, u64::from(n));
            }
        }
        feature
            .uint(keys.killed, cell.killed)
            .uint(keys.injured, cell.injured)
            .uint(
                keys.expansion_zoom,
                u64::from(expansion_zoom(cell.min, cell.max, tile.z)),
            );
    });
}

/// The incidents a filter selects, as the source of their layer: points at and above the
/// cluster zoom, clusters from `clusters` (the filter's index) below it.
pub struct IncidentsSource<'a> {
    /// The snapshot (the reader's view of it).
    pub snapshot: &'a Snapshot,
    /// The filter.
    pub filter: &'a Filter,
    /// The filter's cluster index, needed below [`CLUSTER_ZOOM`].
    pub clusters: Option<&'a ClusterIndex>,
}

impl crate::TileSource for IncidentsSource<'_> {
    fn tile(&self, tile: &Tile) -> Result<Option<Vec<u8>>, crate::TileError> {
        Ok(incidents_tile(
            self.snapshot,
            self.filter,
            self.clusters,
            tile,
        ))
    }
}

/// The tile's features: incidents at and above the cluster zoom, clusters below (from the
/// cluster index of the filter). Written with Athar's own point layer encoder (see
/// `athar_tiles::layer`), not the general one of the other layers.
pub fn incidents_tile(
    snapshot: &Snapshot,
    filter: &Filter,
    clusters: Option<&ClusterIndex>,
    tile: &Tile,
) -> Option<Vec<u8>> {
    let mut layer = PointLayer::new(LAYER, EXTENT.unsigned_abs());
    let keys = IncidentKeys::new(&mut layer);
    match clusters {
        Some(index) if tile.z < CLUSTER_ZOOM => {
            let cluster_keys = ClusterKeys::new(&mut layer, index);
            for cell in index.cells_of(tile) {
                if cell.count == 1 {
                    let fields = snapshot.tile_fields(cell.row);
                    if let Some((lon, lat)) = fields.lon_lat {
                        let point = lon_lat_to_mercator(lon, lat);
                        incident_feature((&mut layer, &keys), tile, &fields, point);
                    }
                } else {
                    cluster_feature((&mut layer, &cluster_keys), tile, cell);
                }
            }
        }
        _ => {
            for (point, mercator) in points_in(snapshot, filter, tile) {
                let fields = snapshot.point_fields(&point);
                incident_feature((&mut layer, &keys), tile, &fields, mercator);
            }
        }
    }
    layer.encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_aligned_to_tiles_and_split_as_one_zooms_in() {
        // A cell never straddles two tiles: the cell's tile is the point's tile.
        let idlib = lon_lat_to_mercator(36.6339, 35.9306);
        for z in 0..CLUSTER_ZOOM {
            let (cx, cy) = cell(idlib, z);
            let tile = Tile::containing(idlib, z);
            let per_tile = i64::from(EXTENT / CELL_PIXELS);
            assert_eq!(
                (cx / per_tile, cy / per_tile),
                (i64::from(tile.x), i64::from(tile.y))
            );
        }
        // Two points 1 km apart share a cell at zoom 5 and part by zoom 11.
        let east = [idlib[0] + 1_000.0, idlib[1]];
        assert_eq!(cell(idlib, 5), cell(east, 5));
        let zoom = expansion_zoom(idlib, east, 5);
        assert!(cell(idlib, zoom) != cell(east, zoom));
        assert_eq!(cell(idlib, zoom - 1), cell(east, zoom - 1));
        // Points at one place never part below the cluster zoom.
        assert_eq!(expansion_zoom(idlib, idlib, 3), CLUSTER_ZOOM);
    }
}
