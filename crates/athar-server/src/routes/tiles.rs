//! Mapbox Vector Tiles of the incidents, from the in-memory snapshot.
//!
//! At and above the cluster zoom every incident is a point. Below it, incidents are
//! clustered on a global grid of cells 64 tile pixels wide, aligned to the tiles: a cell
//! lies in exactly one tile, so clusters are the same whichever tile shows them, and the
//! counts of a tile's features add up to the incidents in that tile. The 64-pixel buffer
//! holds exactly the ring of neighbouring cells, so a cluster near an edge is drawn whole.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_core::BBox;
use athar_index::{RowId, Snapshot, TileFields, TilePoint};
use athar_tiles::layer::{Key, PointLayer};
use athar_tiles::{EXTENT, Tile, lon_lat_to_mercator, mercator_to_lon_lat};
use fast_mvt::{MvtCoord, MvtFeatureBuilder, MvtGeomType, MvtLayerBuilder, MvtValueRef};

use crate::query::Query;
use crate::state::View;
use crate::state::cached_or_made;
use crate::{ApiError, AppState};
use athar_app::privacy::OwnedViewer;

/// The zoom from which every incident is its own point.
pub(crate) const CLUSTER_ZOOM: u8 = 12;
/// The memory for cluster indexes, one per filter recently asked for. An index of a
/// million incidents holds about 200,000 cells and took about 30 MB (measured by the
/// server's resident memory after 16 filters), so about eight are kept for a million
/// incidents, and a stream of new filters, which any reader can send, grows the server by
/// at most this.
const CLUSTER_INDEX_BYTES: u64 = 256 * 1024 * 1024;
/// The memory for the community points of recent filters.
const COMMUNITY_POINTS_BYTES: u64 = 32 * 1024 * 1024;
/// The side of a cluster cell, in tile pixels.
const CELL_PIXELS: i32 = 64;
/// The media type of vector tiles (a constant header value: not parsed per response).
const MVT_CONTENT_TYPE: header::HeaderValue =
    header::HeaderValue::from_static("application/vnd.mapbox-vector-tile");
/// The name of the incidents layer.
pub(crate) const LAYER: &str = "incidents";

/// The tile a request under a tile route names: the `{z}/{x}/{y}` after the route's
/// prefix. Tile routes are scopes matched by their static prefix, so the router runs no
/// regular expression on them (matching `{z}/{x}/{y}` took a tenth of the server's time
/// on cached tiles). Anything but GET and HEAD is a 405, more or fewer parts a 404.
pub(crate) fn tile_of_request(request: &HttpRequest) -> Result<Tile, ApiError> {
    if !matches!(
        *request.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        return Err(ApiError::MethodNotAllowed("GET, HEAD"));
    }
    let rest = request.match_info().unprocessed();
    let mut parts = rest.strip_prefix('/').unwrap_or_default().split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(z), Some(x), Some(y), None) => tile_of_path(z, x, y),
        _ => Err(ApiError::NotFound(format!(
            "'{rest}' is not a tile path (/{{z}}/{{x}}/{{y}})"
        ))),
    }
}

/// z/x/y from the path, `y` with an optional `.mvt` or `.pbf`: not a number is a 400, off
/// the grid a 404.
pub(crate) fn tile_of_path(z: &str, x: &str, y: &str) -> Result<Tile, ApiError> {
    Tile::from_path(z, x, y).map_err(|error| match error {
        athar_tiles::PathError::NotANumber { coordinate, .. } => ApiError::BadParameter {
            parameter: coordinate.into(),
            message: error.to_string(),
        },
        athar_tiles::PathError::NotATile { .. } => ApiError::NotFound(error.to_string()),
    })
}

/// The cell of the global grid at zoom `z` that holds a Web Mercator point.
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
    query: &Query,
    tile: &Tile,
) -> Vec<(TilePoint<'s>, [f64; 2])> {
    let bounds = tile.buffered_bounds();
    let [west, south] = mercator_to_lon_lat([bounds.min_x, bounds.min_y]);
    let [east, north] = mercator_to_lon_lat([bounds.max_x, bounds.max_y]);
    let tile_box = BBox {
        min_lon: west,
        min_lat: south,
        max_lon: east,
        max_lat: north,
    };
    let area = match query.filter.bbox {
        None => tile_box,
        Some(asked) => BBox {
            min_lon: asked.min_lon.max(tile_box.min_lon),
            min_lat: asked.min_lat.max(tile_box.min_lat),
            max_lon: asked.max_lon.min(tile_box.max_lon),
            max_lat: asked.max_lat.min(tile_box.max_lat),
        },
    };
    if area.min_lon > area.max_lon || area.min_lat > area.max_lat {
        return Vec::new();
    }
    // The box in degrees is the tile's, up to rounding: the tile's own bounds decide.
    snapshot
        .select_tile_points(&query.filter, area)
        .into_iter()
        .map(|point| {
            let (lon, lat) = point.lon_lat();
            (point, lon_lat_to_mercator(lon, lat))
        })
        .filter(|(_, mercator)| bounds.contains(*mercator))
        .collect()
}

pub(crate) fn encode_error(error: &fast_mvt::MvtError) -> ApiError {
    ApiError::Internal(format!("encoding a tile: {error}"))
}

/// A feature under construction, its properties added as the layer's keys and values.
pub(crate) struct Feature(MvtFeatureBuilder);

impl Feature {
    /// A point feature at a Web Mercator point.
    pub(crate) fn point(
        layer: MvtLayerBuilder,
        tile: &Tile,
        point: [f64; 2],
    ) -> Result<Self, ApiError> {
        let [x, y] = tile.pixel(point);
        let mut feature = layer.feature_of(MvtGeomType::Point);
        feature
            .points([MvtCoord { x, y }])
            .map_err(|e| encode_error(&e))?;
        Ok(Self(feature))
    }

    /// A polygon feature of one exterior ring of tile pixels.
    pub(crate) fn polygon(layer: MvtLayerBuilder, ring: &[[i32; 2]]) -> Result<Self, ApiError> {
        let mut feature = layer.feature_of(MvtGeomType::Polygon);
        feature
            .ring(ring.iter().map(|&[x, y]| MvtCoord { x, y }), true)
            .map_err(|e| encode_error(&e))?;
        Ok(Self(feature))
    }

    fn tag(&mut self, key: &str, value: MvtValueRef<'_>) -> Result<&mut Self, ApiError> {
        self.0.tag_ref(key, value).map_err(|e| encode_error(&e))?;
        Ok(self)
    }

    pub(crate) fn text(&mut self, key: &str, value: &str) -> Result<&mut Self, ApiError> {
        self.tag(key, MvtValueRef::String(value))
    }

    pub(crate) fn count(&mut self, key: &str, value: u64) -> Result<&mut Self, ApiError> {
        self.tag(key, MvtValueRef::UInt(value))
    }

    pub(crate) fn number(&mut self, key: &str, value: f64) -> Result<&mut Self, ApiError> {
        self.tag(key, MvtValueRef::Double(value))
    }

    fn flag(&mut self, key: &str, value: bool) -> Result<&mut Self, ApiError> {
        self.tag(key, MvtValueRef::Bool(value))
    }

    /// Adds the feature to its layer.
    pub(crate) fn end(self) -> MvtLayerBuilder {
        self.0.end()
    }
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
pub(crate) struct ClusterIndex {
    /// Per zoom, the cells holding incidents, sorted by key.
    levels: Vec<Vec<((u32, u32), Cell)>>,
    kinds: Vec<String>,
}

impl ClusterIndex {
    /// The memory it holds, in bytes (for the cache's bound).
    fn bytes(&self) -> usize {
        self.levels
            .iter()
            .map(|level| level.capacity() * std::mem::size_of::<((u32, u32), Cell)>())
            .sum::<usize>()
            + self.kinds.len() * 32
    }

    fn build(snapshot: &Snapshot, filter: &athar_core::Filter) -> Self {
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

/// The tile's features: incidents at and above the cluster zoom, clusters below (from the
/// cluster index of the filter). Written with Athar's own point layer encoder (see
/// `athar_tiles::layer`), not the general one of the other layers.
pub(crate) fn incidents_tile(
    snapshot: &Snapshot,
    query: &Query,
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
            for (point, mercator) in points_in(snapshot, query, tile) {
                let fields = snapshot.point_fields(&point);
                incident_feature((&mut layer, &keys), tile, &fields, mercator);
            }
        }
    }
    layer.encode()
}

/// A layer of the tile extent Athar uses.
pub(crate) fn layer_builder(name: &str) -> Result<MvtLayerBuilder, ApiError> {
    let mut layer = MvtLayerBuilder::new(name).map_err(|e| encode_error(&e))?;
    layer.extent(fast_mvt::MvtExtent::new(EXTENT.unsigned_abs()).expect("a positive extent"));
    Ok(layer)
}

/// The ETag of a tile: the snapshot version and the request's filters.
fn tile_etag(version: u64, request: &HttpRequest, public: bool) -> String {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let filters = BuildHasherDefault::<DefaultHasher>::default().hash_one(request.query_string());
    let public = if public { "-p" } else { "" };
    format!("W/\"v{version}-{filters:x}{public}\"")
}

/// The layers served as tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Layer {
    /// Incidents, clustered below the cluster zoom.
    Incidents,
    /// One point per community, with its counts for the filters.
    Communities,
    /// The offline basemap: boundaries and places.
    Context,
}

impl Layer {
    fn name(self) -> &'static str {
        match self {
            Self::Incidents => LAYER,
            Self::Communities => "communities",
            Self::Context => "context",
        }
    }
}

/// A community as the communities layer draws it.
#[derive(Debug, Clone)]
pub(crate) struct CommunityPoint {
    id: String,
    name_ar: Option<String>,
    name_en: Option<String>,
    status: String,
    /// Its counts are too small to show an anonymous reader (see `privacy`).
    withheld: bool,
    count: u64,
    killed: u64,
    injured: u64,
    point: [f64; 2],
}

/// Layer name, tile, query string, snapshot version, whether for an anonymous reader, and
/// how it is compressed.
type TileKey = (&'static str, Tile, String, u64, bool, Coding);

/// The tile cache: `None` for a tile with no features (answered 204).
type Tiles = moka::future::Cache<TileKey, Option<actix_web::web::Bytes>>;

/// Encoded tiles by layer, z/x/y, filters and snapshot version, bounded by their bytes;
/// and the community counts behind the communities layer, by filters and version.
pub struct TileCache {
    /// Encoded tiles as shared bytes: a hit is sent without copying.
    tiles: Option<Tiles>,
    communities: moka::sync::Cache<(String, u64, bool), Arc<Vec<CommunityPoint>>>,
    /// By filter, snapshot version and whether of the public view.
    clusters: moka::sync::Cache<(String, u64, bool), Arc<ClusterIndex>>,
}

impl TileCache {
    /// Empties the caches of derived data (cluster indexes, community points), which are
    /// made again on demand; encoded tiles are kept, as they are bounded and cheap.
    pub(crate) fn shed(&self) {
        self.communities.invalidate_all();
        self.clusters.invalidate_all();
    }

    /// A cache holding at most `megabytes` MiB of tiles (0: tiles are not cached).
    pub fn new(megabytes: u64) -> Self {
        let tiles = (megabytes > 0).then(|| {
            moka::future::Cache::builder()
                .weigher(|_: &TileKey, tile: &Option<actix_web::web::Bytes>| {
                    u32::try_from(tile.as_ref().map_or(64, |bytes| bytes.len() + 64))
                        .unwrap_or(u32::MAX)
                })
                .max_capacity(megabytes * 1024 * 1024)
                .build()
        });
        Self {
            tiles,
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

/// Every community of the ranking for the filters, with the point it is drawn at.
fn community_points(
    snapshot: &Snapshot,
    viewer: &OwnedViewer,
    query: &Query,
) -> Vec<CommunityPoint> {
    let places = &viewer.places;
    let rows = snapshot.select(&query.filter);
    let counts = snapshot.community_counts(&rows, None);
    let withheld = viewer
        .viewer()
        .withheld(snapshot, &query.filter, None)
        .with_complement(&counts);
    counts
        .iter()
        .filter_map(|count| {
            let entry = super::aggregates::community_entry(snapshot, places, count);
            let text = |field: &str| entry[field].as_str().map(str::to_owned);
            let (lon, lat) = (entry["lon"].as_f64()?, entry["lat"].as_f64()?);
            Some(CommunityPoint {
                id: text("community_id")?,
                name_ar: text("name_ar"),
                name_en: text("name_en"),
                status: text("status").unwrap_or_default(),
                withheld: withheld.now.contains(&count.community),
                count: count.count,
                killed: count.killed,
                injured: count.injured,
                point: lon_lat_to_mercator(lon, lat),
            })
        })
        .collect()
}

/// The communities of a tile (and its buffer) as proportional symbols.
fn communities_tile(
    communities: &[CommunityPoint],
    tile: &Tile,
) -> Result<Option<Vec<u8>>, ApiError> {
    let bounds = tile.buffered_bounds();
    let mut layer = layer_builder(Layer::Communities.name())?;
    for community in communities.iter().filter(|c| bounds.contains(c.point)) {
        let mut feature = Feature::point(layer, tile, community.point)?;
        feature.text("community_id", &community.id)?;
        for (name, value) in [
            ("name_ar", &community.name_ar),
            ("name_en", &community.name_en),
        ] {
            if let Some(value) = value {
                feature.text(name, value)?;
            }
        }
        feature.text("status", &community.status)?;
        if community.withheld {
            feature.flag("suppressed", true)?;
        } else {
            feature
                .count("count", community.count)?
                .count("killed", community.killed)?
                .count("injured", community.injured)?;
        }
        layer = feature.end();
    }
    Ok((layer.num_features() > 0).then(|| layer.encode()))
}

/// The community points for the filters, from the cache when it holds them.
async fn cached_community_points(
    state: &AppState,
    (snapshot, viewer): (&Arc<Snapshot>, OwnedViewer),
    query: Query,
    filters: String,
) -> Result<Arc<Vec<CommunityPoint>>, ApiError> {
    let key = (filters, snapshot.version(), viewer.viewer().is_public());
    if let Some(points) = state.tiles.communities.get(&key) {
        return Ok(points);
    }
    // Requests that miss together wait for one computation (`get_with` coalesces them)
    // instead of each computing the same points.
    let (snapshot, cache) = (Arc::clone(snapshot), state.tiles.communities.clone());
    state
        .compute(move || {
            cache.get_with(key, || {
                Arc::new(community_points(&snapshot, &viewer, &query))
            })
        })
        .await
}

/// The cluster index of the request's filters, built on first use for each snapshot
/// version.
async fn cluster_index(
    state: &AppState,
    (snapshot, public): (&Arc<Snapshot>, bool),
    query: &Query,
) -> Result<Arc<ClusterIndex>, ApiError> {
    let key = (
        serde_json::to_string(&query.filter).unwrap_or_default(),
        snapshot.version(),
        public,
    );
    if let Some(index) = state.tiles.clusters.get(&key) {
        return Ok(index);
    }
    // The first request of a filter builds its index; those that arrive meanwhile wait
    // for it rather than build their own (a cold map opens with dozens of tiles at once).
    let (snapshot, filter) = (Arc::clone(snapshot), query.filter.clone());
    let cache = state.tiles.clusters.clone();
    state
        .compute(move || cache.get_with(key, || Arc::new(ClusterIndex::build(&snapshot, &filter))))
        .await
}

/// Encodes a tile of `layer` (none when it would be empty).
async fn encode(
    state: &AppState,
    (layer, viewer): (Layer, OwnedViewer),
    snapshot: Arc<Snapshot>,
    query: Query,
    tile: Tile,
) -> Result<Option<Vec<u8>>, ApiError> {
    match layer {
        Layer::Incidents => {
            let public = viewer.viewer().is_public();
            let clusters = if tile.z < CLUSTER_ZOOM {
                Some(cluster_index(state, (&snapshot, public), &query).await?)
            } else {
                None
            };
            tokio::task::spawn_blocking(move || {
                incidents_tile(&snapshot, &query, clusters.as_deref(), &tile)
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))
        }
        Layer::Context => tokio::task::spawn_blocking(move || context_tile(&tile))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        Layer::Communities => {
            let filters = serde_json::to_string(&query.filter).unwrap_or_default();
            let points =
                cached_community_points(state, (&snapshot, viewer), query, filters).await?;
            communities_tile(&points, &tile)
        }
    }
}

/// The offline basemap of a tile: boundary lines clipped to the tile and its buffer, and
/// the places drawn at its zoom.
fn context_tile(tile: &Tile) -> Result<Option<Vec<u8>>, ApiError> {
    let map = athar_app::basemap::basemap();
    let bounds = tile.buffered_bounds();
    let within = |[x, y]: [f64; 2]| {
        x >= bounds.min_x && x <= bounds.max_x && y >= bounds.min_y && y <= bounds.max_y
    };
    let coord = |point| {
        let [x, y] = tile.pixel(point);
        MvtCoord { x, y }
    };
    let mut lines = layer_builder("boundaries")?;
    for boundary in &map.boundaries {
        let b = boundary.bounds;
        if b.max_x < bounds.min_x
            || b.min_x > bounds.max_x
            || b.max_y < bounds.min_y
            || b.min_y > bounds.max_y
        {
            continue;
        }
        // The line's parts inside the buffered tile: a segment that leaves it ends a part.
        let mut runs: Vec<Vec<MvtCoord>> = Vec::new();
        let mut open = false;
        for pair in boundary.points.windows(2) {
            match bounds.clip_segment(pair[0], pair[1]) {
                Some((start, end)) => {
                    // A segment starting inside continues the part; one entering starts
                    // a new part, and one leaving ends it.
                    if !open || !within(pair[0]) {
                        runs.push(vec![coord(start)]);
                    }
                    if let Some(run) = runs.last_mut() {
                        run.push(coord(end));
                    }
                    open = within(pair[1]);
                }
                None => open = false,
            }
        }
        // Runs shorter than a pixel draw nothing and are not valid MVT lines.
        for run in &mut runs {
            run.dedup();
        }
        runs.retain(|run| run.len() > 1);
        if runs.is_empty() {
            continue;
        }
        let mut feature = lines.feature_of(MvtGeomType::LineString);
        for run in runs {
            feature.line(run).map_err(|e| encode_error(&e))?;
        }
        let mut feature = Feature(feature);
        feature
            .text("kind", boundary.kind)?
            .text("name_en", &boundary.name_en)?;
        if let Some(name) = boundary.name_ar {
            feature.text("name_ar", name)?;
        }
        lines = feature.end();
    }
    let mut places = layer_builder("places")?;
    for place in map
        .places
        .iter()
        .filter(|p| p.min_zoom <= tile.z && within(p.point))
    {
        let mut feature = Feature::point(places, tile, place.point)?;
        feature.text("kind", place.kind)?;
        for (name, value) in [("name_ar", &place.name_ar), ("name_en", &place.name_en)] {
            if let Some(value) = value {
                feature.text(name, value)?;
            }
        }
        places = feature.end();
    }
    // A tile is its layers' messages one after another; empty layers are left out.
    let layers: Vec<Vec<u8>> = [lines, places]
        .into_iter()
        .filter(|layer| layer.num_features() > 0)
        .map(MvtLayerBuilder::encode)
        .collect();
    Ok((!layers.is_empty()).then(|| layers.concat()))
}

/// A tile of `layer`, from the cache when it holds it.
async fn tile_response(
    request: &HttpRequest,
    state: &AppState,
    layer: Layer,
) -> Result<HttpResponse, ApiError> {
    if layer == Layer::Incidents {
        state.require_incident_level(request)?;
    }
    cached_tile(request, state, layer.name(), async |view, tile| {
        let query = Query::parse(
            request,
            view.snapshot.vocabularies(),
            &*state.resolver(),
            &[],
        )?;
        let viewer = OwnedViewer::new(view.viewer, view.places);
        encode(state, (layer, viewer), view.snapshot, query, tile).await
    })
    .await
}

/// A tile of the layer named `layer`, with its ETag (304 when the client holds it), from
/// the cache when it holds it, otherwise made by `make` (which parses the request's
/// parameters) and cached; gzipped for clients that accept it.
pub(crate) async fn cached_tile(
    request: &HttpRequest,
    state: &AppState,
    layer: &'static str,
    make: impl AsyncFnOnce(View<'_>, Tile) -> Result<Option<Vec<u8>>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let tile = tile_of_request(request)?;
    let view = state.view(request);
    let (version, public) = (view.snapshot.version(), view.viewer.is_public());
    let etag = tile_etag(version, request, public);
    if let Some(response) = crate::http::not_modified_tag(request, etag.clone()) {
        return Ok(response);
    }
    let Some(tiles) = state.tiles.tiles.as_ref() else {
        let coding = Coding::of(request, false);
        let body = match make(view, tile).await? {
            Some(plain) if coding != Coding::Identity => {
                Some(compressed(plain.into(), coding, false).await?)
            }
            plain => plain.map(Into::into),
        };
        return Ok(mvt_response(body, coding, Some(etag)));
    };
    let coding = Coding::of(request, true);
    let key = |coding: Coding| -> TileKey {
        (
            layer,
            tile,
            request.query_string().to_owned(),
            version,
            public,
            coding,
        )
    };
    // Only tiles of valid filters are cached, so a hit needs no parsing. Tiles are cached
    // as sent: plain, and compressed for clients that accept it (as browsers do), so that
    // a hit is never compressed again.
    if let Some(body) = tiles.get(&key(coding)).await {
        return Ok(mvt_response(body, coding, Some(etag)));
    }
    // A miss is boxed: waiting on another request's making takes a future of about 40 KB,
    // which every hit would otherwise carry (and copy) too.
    let missed = Box::pin(async {
        let plain = async {
            cached_or_made(tiles, key(Coding::Identity), async {
                Ok(make(view, tile).await?.map(Into::into))
            })
            .await
        };
        if coding == Coding::Identity {
            plain.await
        } else {
            cached_or_made(tiles, key(coding), async {
                match plain.await? {
                    Some(plain) => compressed(plain, coding, true).await.map(Some),
                    None => Ok(None),
                }
            })
            .await
        }
    });
    let body = missed.await?;
    Ok(mvt_response(body, coding, Some(etag)))
}

/// A vector tile's answer: 200 with the tile (compressed as `coding` says), or 204 when
/// there is none; public for a minute, varying with the encoding and the reader's token.
pub(crate) fn mvt_response(
    body: Option<actix_web::web::Bytes>,
    coding: Coding,
    etag: Option<String>,
) -> HttpResponse {
    let mut response = match body {
        Some(_) => HttpResponse::Ok(),
        None => HttpResponse::NoContent(),
    };
    if let Some(etag) = etag {
        response.insert_header((header::ETAG, etag));
    }
    response
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::VARY, "Accept-Encoding, Authorization"));
    match body {
        Some(bytes) => {
            if let Some(name) = coding.content_encoding() {
                // Set here, the compression middleware leaves the body as it is.
                response.insert_header((header::CONTENT_ENCODING, name));
            }
            response
                .insert_header((header::CONTENT_TYPE, MVT_CONTENT_TYPE))
                .body(bytes)
        }
        None => response.finish(),
    }
}

/// How a tile is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Coding {
    /// As it is.
    Identity,
    /// Gzipped.
    Gzip,
    /// Compressed with Brotli: 11 to 14% smaller than gzip here (the z12 tile of the
    /// benchmark: 87,175 bytes against 97,657; the z14 tile: 8,110 against 9,383), at
    /// about the same cost at quality 5. Only cached tiles are, as they are compressed
    /// once.
    Brotli,
}

impl Coding {
    /// What the client takes: Brotli (for a tile to be cached) or gzip, whichever it
    /// weighs higher, Brotli on a tie; as it is when it takes neither. An encoding is
    /// taken when named with a weight above zero or, when not named, covered by `*` (the
    /// header as actix-web parses it).
    pub(crate) fn of(request: &HttpRequest, cached: bool) -> Self {
        use actix_web::http::header::{AcceptEncoding, Encoding, Header as _, Preference, Quality};
        let Ok(accepted) = AcceptEncoding::parse(request) else {
            return Self::Identity;
        };
        let weight = |encoding: Encoding| {
            let named = |wanted: &Preference<Encoding>| {
                accepted
                    .iter()
                    .find(|item| &item.item == wanted)
                    .map(|item| item.quality)
            };
            named(&Preference::Specific(encoding))
                .or_else(|| named(&Preference::Any))
                .filter(|quality| *quality > Quality::ZERO)
        };
        let gzip = weight(Encoding::gzip());
        let brotli = if cached {
            weight(Encoding::brotli())
        } else {
            None
        };
        match (brotli, gzip) {
            (Some(brotli), Some(gzip)) if brotli >= gzip => Self::Brotli,
            (Some(_), None) => Self::Brotli,
            (_, Some(_)) => Self::Gzip,
            (None, None) => Self::Identity,
        }
    }

    /// The `Content-Encoding` of a tile sent so.
    pub(crate) fn content_encoding(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }
}

/// A tile (or any file) compressed as `coding` says, on a blocking thread.
pub(crate) async fn compressed(
    plain: actix_web::web::Bytes,
    coding: Coding,
    cached: bool,
) -> Result<actix_web::web::Bytes, ApiError> {
    let compress = move || match coding {
        Coding::Brotli => brotli_compressed(&plain).map(Into::into),
        Coding::Gzip => gzipped(&plain, cached).map(Into::into),
        Coding::Identity => Ok(plain),
    };
    tokio::task::spawn_blocking(compress)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// A tile compressed with Brotli at quality 5. On the benchmark's z12 tile, quality 9 took
/// five times as long for under 1% less, and quality 11 fifty times as long (half a second)
/// for 16% less.
fn brotli_compressed(bytes: &[u8]) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(bytes.len() / 2);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map(|_| out)
        .map_err(|e| ApiError::Internal(format!("compressing a tile: {e}")))
}

/// A tile gzipped: at level 6 when it is cached (once per tile and snapshot version), at
/// level 1 when it is made for one request. With the cache off, level 1 served 2.7 times
/// as many zoom-12 tiles a second (233 against 87, 1M incidents) for a tile 30% larger
/// (127 against 97 KB), and 2.3 times as many at zoom 14 (11% larger).
fn gzipped(bytes: &[u8], cached: bool) -> Result<Vec<u8>, ApiError> {
    use std::io::Write as _;
    let level = if cached {
        flate2::Compression::default()
    } else {
        flate2::Compression::fast()
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 2), level);
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .map_err(|e| ApiError::Internal(format!("gzipping a tile: {e}")))
}

/// `GET /tiles/incidents/{z}/{x}/{y}` (also `.mvt` and `.pbf`): the incidents of a tile
/// with the shared filters; 204 when the tile holds none.
#[utoipa::path(
    get,
    path = "/tiles/incidents/{z}/{x}/{y}",
    tag = "Tiles",
    params(
        ("z" = u32, Path, minimum = 0, maximum = 22, description = "Zoom"),
        ("x" = u32, Path, description = "Column from the west, below 2^z"),
        ("y" = String, Path, description = "Row from the north, below 2^z, optionally with .mvt or .pbf"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile with one layer, incidents: points at and above zoom 12, clusters below", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 204, description = "No incident in the tile"),
        (status = 400, description = "Not a tile coordinate, or a bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn incidents(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tile_response(&request, &state, Layer::Incidents).await
}

/// `GET /tiles/communities/{z}/{x}/{y}` (also `.mvt` and `.pbf`): one point per community
/// with its incidents, killed and injured for the filters (proportional symbols), and its
/// names in both scripts; 204 when the tile holds none.
#[utoipa::path(
    get,
    path = "/tiles/communities/{z}/{x}/{y}",
    tag = "Tiles",
    params(
        ("z" = u32, Path, minimum = 0, maximum = 22, description = "Zoom"),
        ("x" = u32, Path, description = "Column from the west, below 2^z"),
        ("y" = String, Path, description = "Row from the north, below 2^z, optionally with .mvt or .pbf"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile with one layer, communities", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 204, description = "No community in the tile"),
        (status = 400, description = "Not a tile coordinate, or a bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn communities(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tile_response(&request, &state, Layer::Communities).await
}

/// `GET /tiles/context/{z}/{x}/{y}` (also `.mvt` and `.pbf`): the offline basemap from
/// bundled data: the country outline and governorate boundaries (layer `boundaries`) and
/// the gazetteer's places with Arabic and English names (layer `places`).
#[utoipa::path(
    get,
    path = "/tiles/context/{z}/{x}/{y}",
    tag = "Tiles",
    params(
        ("z" = u32, Path, minimum = 0, maximum = 22, description = "Zoom"),
        ("x" = u32, Path, description = "Column from the west, below 2^z"),
        ("y" = String, Path, description = "Row from the north, below 2^z, optionally with .mvt or .pbf"),
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile with the layers boundaries and places", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 204, description = "Nothing of the basemap in the tile"),
        (status = 400, description = "Not a tile coordinate", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn context(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tile_response(&request, &state, Layer::Context).await
}

/// The vector layers of a tile set and their fields, as TileJSON lists them.
fn vector_layers(layer: Layer, snapshot: &Snapshot) -> serde_json::Value {
    let described = |id: &str, fields: serde_json::Map<String, serde_json::Value>| serde_json::json!({ "id": id, "fields": fields, "minzoom": 0, "maxzoom": athar_tiles::MAX_ZOOM });
    if layer == Layer::Context {
        let named = |kind: &str| {
            let mut fields = serde_json::Map::new();
            for name in ["name_en", "name_ar"] {
                fields.insert(name.to_owned(), "String".into());
            }
            fields.insert("kind".to_owned(), kind.into());
            fields
        };
        return serde_json::json!([
            described("boundaries", named("String: country or governorate")),
            described(
                "places",
                named("String: city, town, village, camp or neighbourhood")
            ),
        ]);
    }
    serde_json::json!([described(layer.name(), fields(layer, snapshot))])
}

/// The fields of the incidents or communities layer.
fn fields(layer: Layer, snapshot: &Snapshot) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = serde_json::Map::new();
    let mut add = |name: &str, kind: &str| {
        fields.insert(name.to_owned(), serde_json::Value::from(kind));
    };
    match layer {
        Layer::Context => {}
        Layer::Incidents => {
            for name in [
                "id",
                "kind",
                "occurred_on",
                "community",
                "community_id",
                "perpetrator",
                "weapon",
                "place_type",
            ] {
                add(name, "String");
            }
            for name in ["killed", "injured", "count", "expansion_zoom"] {
                add(name, "Number");
            }
            add("cluster", "Boolean");
            for term in snapshot
                .vocabularies()
                .terms_of(athar_core::VocabularyName::Kind)
            {
                add(term.slug.as_str(), "Number");
            }
        }
        Layer::Communities => {
            for name in ["community_id", "name_ar", "name_en", "status"] {
                add(name, "String");
            }
            for name in ["count", "killed", "injured"] {
                add(name, "Number");
            }
        }
    }
    fields
}

/// TileJSON 3.0.0 for a layer: tile URLs that carry the request's filters.
fn tilejson(
    request: &HttpRequest,
    state: &AppState,
    layer: Layer,
) -> Result<HttpResponse, ApiError> {
    if layer == Layer::Incidents {
        state.require_incident_level(request)?;
    }
    let view = state.view(request);
    let snapshot = &view.snapshot;
    // The filters are checked here, so that a bad one fails now, not in every tile.
    Query::parse(request, snapshot.vocabularies(), &*state.resolver(), &[])?;
    let query = request.query_string();
    let template = format!(
        "{}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{}{query}",
        crate::http::base_url(request),
        layer.name(),
        if query.is_empty() { "" } else { "?" },
    );
    // The incidents' extent, or north-west Syria when there are none yet.
    let [west, south, east, north] = match layer {
        Layer::Context => [35.6, 32.3, 42.4, 37.4],
        _ => snapshot
            .spatial_extent()
            .unwrap_or([35.7, 35.0, 38.5, 36.9]),
    };
    let body = serde_json::json!({
        "tilejson": "3.0.0",
        "name": format!("Athar {}", layer.name()),
        "description": match layer {
            Layer::Incidents => "Incidents: one point each from zoom 12, clusters below",
            Layer::Communities => "Communities with their incident counts",
            Layer::Context => "Offline basemap: the country, its governorates and places (Natural Earth, GeoNames)",
        },
        "tiles": [template],
        "vector_layers": vector_layers(layer, snapshot),
        "bounds": [west, south, east, north],
        "center": [f64::midpoint(west, east), f64::midpoint(south, north), 8],
        "minzoom": 0,
        "maxzoom": athar_tiles::MAX_ZOOM,
        "attribution": athar_gazetteer::GEONAMES_ATTRIBUTION,
    });
    Ok(crate::http::cached(
        view.tag(),
        "application/json",
        body.to_string(),
    ))
}

/// `GET /tiles/incidents.json`: TileJSON 3.0.0 for the incidents layer, with the filters
/// of the request in its tile URLs.
#[utoipa::path(
    get,
    path = "/tiles/incidents.json",
    tag = "Tiles",
    params(crate::openapi::FilterParams),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn incidents_tilejson(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tilejson(&request, &state, Layer::Incidents)
}

/// `GET /tiles/context.json`: TileJSON 3.0.0 for the offline basemap.
#[utoipa::path(
    get,
    path = "/tiles/context.json",
    tag = "Tiles",
    responses((status = 200, description = "TileJSON 3.0.0", body = Object, content_type = "application/json"))
)]
pub(crate) async fn context_tilejson(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tilejson(&request, &state, Layer::Context)
}

/// `GET /tiles/communities.json`: TileJSON 3.0.0 for the communities layer.
#[utoipa::path(
    get,
    path = "/tiles/communities.json",
    tag = "Tiles",
    params(crate::openapi::FilterParams),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn communities_tilejson(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tilejson(&request, &state, Layer::Communities)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::FutureExt as _;

    /// A tile cache whose makings count themselves and wait at a gate the test opens.
    struct Makings {
        tiles: Tiles,
        made: AtomicUsize,
        gate: tokio::sync::Semaphore,
    }

    impl Makings {
        fn new(open: usize) -> Self {
            Self {
                tiles: TileCache::new(16).tiles.expect("a cache"),
                made: AtomicUsize::new(0),
                gate: tokio::sync::Semaphore::new(open),
            }
        }

        /// A request for the tile of `query`: if it is the one to make the tile, it counts
        /// the making, waits for the gate and answers `answer`.
        fn request(
            &self,
            query: &str,
            answer: Result<&'static [u8], ApiError>,
        ) -> impl Future<Output = Result<Option<web::Bytes>, ApiError>> + '_ {
            let tile = Tile::new(12, 2464, 1609).expect("a tile");
            let key = (LAYER, tile, query.to_owned(), 1, true, Coding::Identity);
            cached_or_made(&self.tiles, key, async move {
                self.made.fetch_add(1, Ordering::SeqCst);
                let _open = self.gate.acquire().await.expect("the gate is never closed");
                answer.map(|tile| Some(web::Bytes::from_static(tile)))
            })
        }

        fn made(&self) -> usize {
            self.made.load(Ordering::SeqCst)
        }
    }

    #[tokio::test]
    async fn requests_missing_one_tile_together_make_it_once() {
        let makings = Makings::new(0);
        let mut requests: Vec<Pin<Box<_>>> = (0..16)
            .map(|_| Box::pin(makings.request("kind=attack", Ok(b"the tile"))))
            .collect();
        // Every request has asked before the first making ends.
        for request in &mut requests {
            assert!(request.as_mut().now_or_never().is_none());
        }
        // Another tile is made on its own meanwhile.
        let other = makings.request("kind=fire", Ok(b"another tile"));
        makings.gate.add_permits(1);
        for request in requests {
            assert_eq!(request.await.unwrap().as_deref(), Some(&b"the tile"[..]));
        }
        assert_eq!(other.await.unwrap().as_deref(), Some(&b"another tile"[..]));
        assert_eq!(makings.made(), 2);
        // Later requests are hits.
        let again = makings.request("kind=attack", Ok(b"made again"));
        assert_eq!(again.await.unwrap().as_deref(), Some(&b"the tile"[..]));
        assert_eq!(makings.made(), 2);
    }

    #[tokio::test]
    async fn a_tile_whose_maker_went_away_is_made_by_a_request_that_waited() {
        let makings = Makings::new(0);
        let mut first = Box::pin(makings.request("", Ok(b"first")));
        let mut second = Box::pin(makings.request("", Ok(b"second")));
        assert!(first.as_mut().now_or_never().is_none());
        assert!(second.as_mut().now_or_never().is_none());
        assert_eq!(makings.made(), 1);
        drop(first); // its client hung up
        makings.gate.add_permits(1);
        assert_eq!(second.await.unwrap().as_deref(), Some(&b"second"[..]));
        assert_eq!(makings.made(), 2);
    }

    #[tokio::test]
    async fn a_failed_making_is_answered_and_not_kept() {
        let makings = Makings::new(1);
        let refusal = ApiError::BadParameter {
            parameter: "kind".into(),
            message: "no such kind".into(),
        };
        let failed = makings.request("kind=x", Err(refusal.clone()));
        assert_eq!(failed.await.unwrap_err().to_string(), refusal.to_string());
        let retried = makings.request("kind=x", Ok(b"made"));
        assert_eq!(retried.await.unwrap().as_deref(), Some(&b"made"[..]));
        assert_eq!(makings.made(), 2);
    }

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

    #[test]
    fn tiles_are_compressed_as_the_client_takes() {
        use Coding::{Brotli, Gzip, Identity};
        // The header; the coding of a cached tile; of a tile made for one request.
        for (accepted, cached, made) in [
            ("gzip", Gzip, Gzip),
            ("gzip, deflate, br, zstd", Brotli, Gzip),
            ("br;q=1.0, GZIP;q=0.5", Brotli, Gzip),
            ("br;q=0.5, gzip", Gzip, Gzip),
            ("*", Brotli, Gzip),
            ("br, *;q=0.1", Brotli, Gzip),
            ("br", Brotli, Identity),
            ("gzip;q=0, *", Brotli, Identity),
            ("", Identity, Identity),
            ("identity", Identity, Identity),
            ("gzip;q=0", Identity, Identity),
            ("*;q=0", Identity, Identity),
            ("gzip;q=x", Identity, Identity),
        ] {
            let request = actix_web::test::TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, accepted))
                .to_http_request();
            assert_eq!(
                (Coding::of(&request, true), Coding::of(&request, false)),
                (cached, made),
                "{accepted}"
            );
        }
        let request = actix_web::test::TestRequest::default().to_http_request();
        assert_eq!(Coding::of(&request, true), Identity);
        let tile = b"a tile, a tile, a tile".repeat(40);
        for cached in [true, false] {
            let mut plain = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(gzipped(&tile, cached).unwrap().as_slice()),
                &mut plain,
            )
            .unwrap();
            assert_eq!(plain, tile);
        }
        let mut plain = Vec::new();
        brotli::BrotliDecompress(
            &mut brotli_compressed(&tile).unwrap().as_slice(),
            &mut plain,
        )
        .unwrap();
        assert_eq!(plain, tile);
    }

    #[test]
    fn tile_paths_are_checked() {
        assert_eq!(
            tile_of_path("3", "2", "5.mvt").unwrap(),
            Tile::new(3, 2, 5).unwrap()
        );
        assert_eq!(
            tile_of_path("3", "2", "5.pbf").unwrap(),
            Tile::new(3, 2, 5).unwrap()
        );
        assert_eq!(
            tile_of_path("3", "2", "5").unwrap(),
            Tile::new(3, 2, 5).unwrap()
        );
        assert!(matches!(
            tile_of_path("a", "2", "5"),
            Err(ApiError::BadParameter { .. })
        ));
        assert!(matches!(
            tile_of_path("3", "2", "5.png"),
            Err(ApiError::BadParameter { .. })
        ));
        assert!(matches!(
            tile_of_path("3", "8", "5"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            tile_of_path("23", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            tile_of_path("300", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
    }
}
