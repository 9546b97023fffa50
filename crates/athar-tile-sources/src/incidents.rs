//! The incidents layer, from the in-memory snapshot.
//!
//! At and above the cluster zoom every incident is a point. Below it, incidents are
//! clustered so that no two symbols overlap at the style's sizes ([`Sizing`]). Clusters are
//! made once per filter for the whole world, so they are the same whichever tile shows
//! them and as the map pans: incidents are first summed into cells 8 screen pixels wide
//! at the deepest clustered zoom; then, at each zoom from there up, any two symbols whose
//! circles would touch are merged (the larger takes in its neighbours, and again until
//! none touch), and the next zoom out starts from these clusters. A cluster is drawn at
//! its incidents' centroid with their exact count, counts by kind and casualties, and a
//! lone incident at its own point. Each is written in the tile holding its centre and in
//! the buffers of the tiles its circle reaches, so that circles are drawn whole.
//!
//! Sizes are in screen pixels: MapLibre draws a vector tile 512 pixels wide.

use athar_core::{BBox, Filter};
use athar_index::{RowId, Snapshot, TileFields, TilePoint};
use athar_tiles::layer::{Key, PointLayer};
use athar_tiles::{EXTENT, Tile, lon_lat_to_mercator, mercator_to_lon_lat};

/// The zoom from which every incident is its own point.
pub const CLUSTER_ZOOM: u8 = 12;
/// The side of a cell of the key grid, in tile units (8 screen pixels).
const CELL_PIXELS: i32 = 64;
/// The name of the incidents layer.
pub const LAYER: &str = "incidents";

/// The screen pixels a symbol's circle reaches, at the largest.
const MAX_RADIUS: f64 = 31.5;
/// The cells of the key grid around a tile whose clusters its buffer shows: enough for the
/// largest circle (a cell is 8 screen pixels).
const RING_CELLS: u32 = 4;
/// Two symbols closer than the sum of their radii and this (screen pixels) are merged:
/// a feature's point is rounded to an eighth of a pixel in its tile.
const MARGIN: f64 = 0.25;
/// The side of the grid used to find neighbours while merging, in screen pixels: two
/// symbols that touch are in the same or neighbouring squares.
const NEIGHBOUR_PIXELS: f64 = 64.0;
// The ring reaches the largest circle, and touching circles are neighbours.
const _: () = assert!(RING_CELLS as f64 * 8.0 >= MAX_RADIUS);
const _: () = assert!(NEIGHBOUR_PIXELS >= 2.0 * MAX_RADIUS + MARGIN);

/// How symbols are sized, as the bundled styles draw them (`styles/incidents.json`; a test
/// of `athar-app` reads the styles and compares): by incidents (the default), or by killed
/// and injured (`view=casualties`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Sizing {
    /// A lone incident a small dot, a cluster a circle growing with its count.
    #[default]
    Count,
    /// Every symbol a circle growing with its killed and injured.
    Casualties,
}

/// The `circle-radius` steps of clusters in the count view: (from this many, pixels).
pub const COUNT_STEPS: [(u64, f64); 4] = [(0, 12.0), (10, 16.0), (50, 22.0), (200, 30.0)];
/// The `circle-radius` of a lone incident in the count view, in pixels.
pub const POINT_RADIUS: f64 = 6.0;
/// The `circle-radius` steps of every symbol in the casualties view: (from this many killed
/// and injured, pixels).
pub const CASUALTY_STEPS: [(u64, f64); 5] =
    [(0, 5.0), (1, 8.0), (5, 12.0), (20, 18.0), (100, 26.0)];
/// The `circle-stroke-width` of every symbol, drawn outside its radius.
pub const STROKE: f64 = 1.5;
const _: () =
    assert!(MAX_RADIUS >= COUNT_STEPS[3].1 + STROKE && MAX_RADIUS >= CASUALTY_STEPS[4].1 + STROKE);

impl Sizing {
    /// The radius of a symbol of `count` incidents with `casualties` killed and injured,
    /// stroke included, in screen pixels.
    #[must_use]
    pub fn radius(self, count: u64, casualties: u64) -> f64 {
        let step = |steps: &[(u64, f64)], value: u64| {
            steps
                .iter()
                .rev()
                .find(|(from, _)| value >= *from)
                .map_or(steps[0].1, |(_, radius)| *radius)
        };
        STROKE
            + match self {
                Self::Count if count == 1 => POINT_RADIUS,
                Self::Count => step(&COUNT_STEPS, count),
                Self::Casualties => step(&CASUALTY_STEPS, casualties),
            }
    }
}

/// Screen pixels per Web Mercator metre at zoom `z` (a tile is 512 pixels wide).
fn pixels_per_metre(z: u8) -> f64 {
    512.0 / Tile::size(z)
}

/// The cell of the key grid (8 screen pixels, 64 tile units) holding `[x, y]` at zoom `z`:
/// (column, row) from the world's north-west corner.
fn cell([x, y]: [f64; 2], z: u8) -> (i64, i64) {
    let size = Tile::size(z) * f64::from(CELL_PIXELS) / f64::from(EXTENT);
    #[allow(clippy::cast_possible_truncation)] // at most 2^22 × 64 cells a side
    let index = |value: f64| (value / size).floor() as i64;
    (
        index(x + athar_tiles::HALF_WORLD),
        index(athar_tiles::HALF_WORLD - y),
    )
}

/// The key of a cell, (row, column), as the index sorts them.
fn key_of(at: [f64; 2], z: u8) -> (u32, u32) {
    let (cx, cy) = cell(at, z);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // within the grid
    (cy.max(0) as u32, cx.max(0) as u32)
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

/// Incidents summed: a cell of the grid while summing, then a symbol of the map.
#[derive(Debug, Clone)]
struct Cell {
    count: u64,
    sum: [f64; 2],
    killed: u64,
    injured: u64,
    /// Incidents by kind, in the order of the kind vocabulary: kept in the cell for the
    /// vocabulary's six kinds (a vector of its own per cell made the index of a million
    /// incidents about a quarter larger, and an index is kept for each recent filter).
    kinds: smallvec::SmallVec<[u32; 6]>,
    /// One of its incidents (the only one when `count` is 1).
    row: RowId,
    /// The zoom at which its incidents part into more than one symbol.
    expansion_zoom: u8,
}

impl Cell {
    /// A cell with no incidents yet, `row` the first it will hold.
    fn empty(kinds: usize, row: RowId) -> Self {
        Self {
            count: 0,
            sum: [0.0; 2],
            killed: 0,
            injured: 0,
            kinds: smallvec::smallvec![0; kinds],
            row,
            expansion_zoom: CLUSTER_ZOOM,
        }
    }

    /// Adds one incident at `point`, of the kind numbered `kind` in the index's kinds.
    fn add(&mut self, point: [f64; 2], (killed, injured): (u32, u32), kind: Option<usize>) {
        self.count += 1;
        for (axis, value) in point.into_iter().enumerate() {
            self.sum[axis] += value;
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
        }
        self.killed += other.killed;
        self.injured += other.injured;
        for (mine, theirs) in self.kinds.iter_mut().zip(&other.kinds) {
            *mine += theirs;
        }
    }

    /// Where it is drawn: its incidents' centroid, in Web Mercator metres.
    fn centroid(&self) -> [f64; 2] {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let count = self.count as f64;
        [self.sum[0] / count, self.sum[1] / count]
    }

    /// Its circle's radius, in screen pixels.
    fn radius(&self, sizing: Sizing) -> f64 {
        sizing.radius(self.count, self.killed + self.injured)
    }
}

/// The symbols of zoom `z` from `cells` (the cells or clusters of the zoom below, or the
/// grid's cells at the deepest): any two whose circles come within [`MARGIN`] of each
/// other are merged, the one with more incidents taking in its neighbours, until none do.
/// A symbol made of two or more parts at this zoom parts at the next.
fn merge_touching(mut cells: Vec<Cell>, z: u8, sizing: Sizing) -> Vec<Cell> {
    let scale = pixels_per_metre(z);
    loop {
        // Each cell's screen point and radius, and the cells by square of the neighbour
        // grid (sorted, to find a square's cells by binary search).
        let points: Vec<[f64; 2]> = cells
            .iter()
            .map(|cell| {
                let [x, y] = cell.centroid();
                [
                    (x + athar_tiles::HALF_WORLD) * scale,
                    (athar_tiles::HALF_WORLD - y) * scale,
                ]
            })
            .collect();
        #[allow(clippy::cast_possible_truncation)] // at most 2^21 squares a side
        let square = |[x, y]: [f64; 2]| {
            (
                (y / NEIGHBOUR_PIXELS).floor() as i64,
                (x / NEIGHBOUR_PIXELS).floor() as i64,
            )
        };
        let mut squares: Vec<((i64, i64), usize)> = points
            .iter()
            .enumerate()
            .map(|(at, point)| (square(*point), at))
            .collect();
        squares.sort_unstable();
        let radii: Vec<f64> = cells.iter().map(|cell| cell.radius(sizing)).collect();
        let mut order: Vec<usize> = (0..cells.len()).collect();
        order.sort_by_key(|&at| (std::cmp::Reverse(cells[at].count), at));
        let mut taken = vec![false; cells.len()];
        let mut merged = Vec::with_capacity(cells.len());
        let mut changed = false;
        for at in order {
            if taken[at] {
                continue;
            }
            taken[at] = true;
            let mut symbol = cells[at].clone();
            let (row, column) = square(points[at]);
            let mut parts = 1;
            for r in row - 1..=row + 1 {
                let start = squares.partition_point(|(key, _)| *key < (r, column - 1));
                let end = squares.partition_point(|(key, _)| *key <= (r, column + 1));
                for &(_, other) in &squares[start..end] {
                    let [dx, dy] = [
                        points[other][0] - points[at][0],
                        points[other][1] - points[at][1],
                    ];
                    let reach = radii[at] + radii[other] + MARGIN;
                    if !taken[other] && dx * dx + dy * dy < reach * reach {
                        taken[other] = true;
                        symbol.merge(&cells[other]);
                        parts += 1;
                    }
                }
            }
            if parts > 1 {
                symbol.expansion_zoom = z + 1;
                changed = true;
            }
            merged.push(symbol);
        }
        cells = merged;
        if !changed {
            return cells;
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
    sizing: Sizing,
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

    /// The index of the incidents `filter` selects in `snapshot`, its symbols sized as
    /// `sizing` says.
    pub fn build(snapshot: &Snapshot, filter: &athar_core::Filter, sizing: Sizing) -> Self {
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
        snapshot.for_each_cluster_point(filter, |point| {
            let at = point.mercator;
            let key = key_of(at, deepest);
            let kind = numbers
                .iter()
                .find(|(number, _)| *number == point.kind)
                .map(|(_, at)| *at);
            cells
                .get_or_add(key, || Cell::empty(kinds.len(), point.row))
                .add(at, (point.killed, point.injured), kind);
        });
        let mut levels = vec![Vec::new(); usize::from(CLUSTER_ZOOM)];
        let mut symbols: Vec<Cell> = cells
            .into_sorted()
            .into_iter()
            .map(|(_, cell)| cell)
            .collect();
        for z in (0..CLUSTER_ZOOM).rev() {
            symbols = merge_touching(symbols, z, sizing);
            let mut level: Vec<((u32, u32), Cell)> = symbols
                .iter()
                .map(|symbol| (key_of(symbol.centroid(), z), symbol.clone()))
                .collect();
            level.sort_unstable_by_key(|(key, _)| *key);
            level.shrink_to_fit();
            levels[usize::from(z)] = level;
        }
        Self {
            levels,
            kinds,
            sizing,
        }
    }

    /// How its symbols are sized.
    #[must_use]
    pub fn sizing(&self) -> Sizing {
        self.sizing
    }

    /// The symbols whose centre is in the tile or near enough for their circle to reach
    /// into it.
    fn cells_of(&self, tile: &Tile) -> impl Iterator<Item = &Cell> {
        let per_tile = (EXTENT / CELL_PIXELS).unsigned_abs();
        let last = (1u32 << tile.z) * per_tile - 1;
        let range = |start: u32| {
            (
                start.saturating_sub(RING_CELLS),
                (start + per_tile - 1 + RING_CELLS).min(last),
            )
        };
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
    layer.point(tile.pixel(cell.centroid()), |feature| {
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
            .uint(keys.expansion_zoom, u64::from(cell.expansion_zoom));
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
    }

    /// A lone incident at `[x, y]` screen pixels of zoom `z`, in Web Mercator metres.
    fn lone(z: u8, [x, y]: [f64; 2]) -> Cell {
        let scale = pixels_per_metre(z);
        let mut cell = Cell::empty(1, RowId::default());
        let at = [
            x / scale - athar_tiles::HALF_WORLD,
            athar_tiles::HALF_WORLD - y / scale,
        ];
        cell.add(at, (1, 0), Some(0));
        cell
    }

    #[test]
    fn symbols_merge_exactly_when_their_circles_would_touch() {
        let z = 9;
        let base = [150_000.0, 100_000.0];
        let at = |dx: f64| lone(z, [base[0] + dx, base[1]]);
        // Two dots (radius 6, stroke 1.5): apart at 15.5 pixels, merged at 15.
        assert_eq!(
            merge_touching(vec![at(0.0), at(15.5)], z, Sizing::Count).len(),
            2
        );
        let merged = merge_touching(vec![at(0.0), at(15.0)], z, Sizing::Count);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            (merged[0].count, merged[0].killed, merged[0].expansion_zoom),
            (2, 2, z + 1)
        );
        // Merging grows the circle, which then takes in a third dot 20 pixels from the
        // pair's centre that neither dot touched (7.5 + 13.5 > 20 > 7.5 + 7.5).
        let three = merge_touching(vec![at(0.0), at(15.0), at(27.5)], z, Sizing::Count);
        assert_eq!(three.len(), 1, "{three:?}");
        assert_eq!(three[0].count, 3);
        // Sized by casualties, two dots of one killed each (radius 8 + 1.5) touch at 18.
        assert_eq!(
            merge_touching(vec![at(0.0), at(18.0)], z, Sizing::Casualties).len(),
            1
        );
        assert_eq!(
            merge_touching(vec![at(0.0), at(19.5)], z, Sizing::Casualties).len(),
            2
        );
    }

    #[test]
    #[allow(clippy::float_cmp)] // the steps' own values, exactly
    fn radii_follow_the_steps() {
        assert_eq!(Sizing::Count.radius(1, 40), 7.5);
        assert_eq!(Sizing::Count.radius(2, 0), 13.5);
        assert_eq!(Sizing::Count.radius(10, 0), 17.5);
        assert_eq!(Sizing::Count.radius(199, 0), 23.5);
        assert_eq!(Sizing::Count.radius(200, 0), MAX_RADIUS);
        assert_eq!(Sizing::Casualties.radius(1, 0), 6.5);
        assert_eq!(Sizing::Casualties.radius(9, 100), 27.5);
    }
}
