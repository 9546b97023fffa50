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
use athar_app::params::Pick as _;
use athar_app::tile_data::TileData;
use athar_core::Filter;
use athar_index::Snapshot;
use athar_tile_sources::TileSource as _;
use athar_tile_sources::communities::{CommunitiesSource, CommunityPoint};
use athar_tile_sources::context::ContextSource;
use athar_tile_sources::incidents::{CLUSTER_ZOOM, ClusterIndex, IncidentsSource, Sizing};
use athar_tile_sources::tilejson::{self, Layer};
use athar_tiles::Tile;

use crate::observe::TileOutcome;

use crate::query::Query;
use crate::state::View;
use crate::state::cached_or_made;
use crate::{ApiError, AppState};
use athar_app::privacy::OwnedViewer;

/// The media type of vector tiles (a constant header value: not parsed per response).
const MVT_CONTENT_TYPE: header::HeaderValue =
    header::HeaderValue::from_static("application/vnd.mapbox-vector-tile");

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
/// The ETag of a tile: the snapshot version and the request's filters.
fn tile_etag(version: u64, request: &HttpRequest, public: bool) -> String {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let filters = BuildHasherDefault::<DefaultHasher>::default().hash_one(request.query_string());
    let public = if public { "-p" } else { "" };
    format!("W/\"v{version}-{filters:x}{public}\"")
}

/// Layer name, tile, query string, snapshot version, whether for an anonymous reader, and
/// how it is compressed.
type TileKey = (&'static str, Tile, String, u64, bool, Coding);

/// The tile cache: `None` for a tile with no features (answered 204).
type Tiles = moka::future::Cache<TileKey, Option<actix_web::web::Bytes>>;

/// Encoded tiles by layer, z/x/y, filters and snapshot version, bounded by their bytes;
/// and what the tiles are drawn from (see [`TileData`]).
pub struct TileCache {
    /// Encoded tiles as shared bytes: a hit is sent without copying.
    tiles: Option<Tiles>,
    /// Cluster indexes and community points.
    data: TileData,
}

impl TileCache {
    /// The bytes of tiles held, by layer (as the cache weighs them).
    pub(crate) fn bytes_by_layer(&self) -> Vec<(&'static str, u64)> {
        let mut layers: Vec<(&'static str, u64)> = Vec::new();
        for (key, tile) in self.tiles.iter().flat_map(moka::future::Cache::iter) {
            let bytes = tile.as_ref().map_or(64, |bytes| bytes.len() as u64 + 64);
            match layers.iter_mut().find(|(layer, _)| *layer == key.0) {
                Some((_, total)) => *total += bytes,
                None => layers.push((key.0, bytes)),
            }
        }
        layers
    }

    /// Empties the caches of derived data (cluster indexes, community points), which are
    /// made again on demand; encoded tiles are kept, as they are bounded and cheap.
    pub(crate) fn shed(&self) {
        self.data.shed();
    }

    /// A cache holding at most `megabytes` MiB of tiles (0: tiles are not cached), its
    /// evictions counted in `metrics`.
    pub(crate) fn new(megabytes: u64, metrics: &Arc<crate::observe::Metrics>) -> Self {
        let metrics = Arc::clone(metrics);
        let tiles = (megabytes > 0).then(|| {
            moka::future::Cache::builder()
                .weigher(|_: &TileKey, tile: &Option<actix_web::web::Bytes>| {
                    u32::try_from(tile.as_ref().map_or(64, |bytes| bytes.len() + 64))
                        .unwrap_or(u32::MAX)
                })
                .max_capacity(megabytes * 1024 * 1024)
                .eviction_listener(move |key: Arc<TileKey>, _, cause| {
                    if cause == moka::notification::RemovalCause::Size {
                        metrics.tile(TileOutcome::Eviction, key.0);
                    }
                })
                .build()
        });
        Self {
            tiles,
            data: TileData::default(),
        }
    }
}

/// The community points for the filter, from the cache when it holds them (made on a
/// computation thread otherwise).
async fn community_points(
    state: &AppState,
    (snapshot, viewer): (&Arc<Snapshot>, OwnedViewer),
    filter: Filter,
) -> Result<Arc<Vec<CommunityPoint>>, ApiError> {
    let key = (filter, snapshot.version(), viewer.viewer().is_public());
    if let Some(points) = state.tiles.data.cached_points(&key) {
        return Ok(points);
    }
    let (snapshot, data) = (Arc::clone(snapshot), state.tiles.data.clone());
    state
        .compute(move || data.points(&snapshot, &viewer, &key.0))
        .await
}

/// The cluster index of the filter, built on first use for each snapshot version.
async fn cluster_index(
    state: &AppState,
    (snapshot, public): (&Arc<Snapshot>, bool),
    filter: Filter,
    sizing: Sizing,
) -> Result<Arc<ClusterIndex>, ApiError> {
    let key = ((filter, snapshot.version(), public), sizing);
    if let Some(index) = state.tiles.data.cached_clusters(&key) {
        return Ok(index);
    }
    let (snapshot, data) = (Arc::clone(snapshot), state.tiles.data.clone());
    state
        .compute(move || data.clusters(&snapshot, public, &key.0.0, sizing))
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
            let sizing = sizing(&query)?;
            let clusters = if tile.z < CLUSTER_ZOOM {
                Some(cluster_index(state, (&snapshot, public), query.filter.clone(), sizing).await?)
            } else {
                None
            };
            tokio::task::spawn_blocking(move || {
                IncidentsSource {
                    snapshot: &snapshot,
                    filter: &query.filter,
                    clusters: clusters.as_deref(),
                }
                .tile(&tile)
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from)
        }
        Layer::Context => tokio::task::spawn_blocking(move || ContextSource.tile(&tile))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from),
        Layer::Communities => {
            let points = community_points(state, (&snapshot, viewer), query.filter).await?;
            Ok(CommunitiesSource(&points).tile(&tile)?)
        }
    }
}

/// The parameters a layer's tiles take besides the filters: `size` for the incidents.
fn own_parameters(layer: Layer) -> &'static [&'static str] {
    if layer == Layer::Incidents {
        &["size"]
    } else {
        &[]
    }
}

/// How the incidents' symbols are sized (`size=count`, the default, or `casualties`).
fn sizing(query: &Query) -> Result<Sizing, ApiError> {
    Ok(query.pick("size", Sizing::Count)?)
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
            &*view.resolver,
            own_parameters(layer),
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
    let view = state.view(request)?;
    let (version, public) = (view.snapshot.version(), view.viewer.is_public());
    let etag = tile_etag(version, request, public);
    if let Some(response) = crate::http::not_modified_tag(request, etag.clone()) {
        return Ok(response);
    }
    let Some(tiles) = state.tiles.tiles.as_ref() else {
        state.metrics.tile(TileOutcome::Miss, layer);
        let coding = Coding::of(request, false);
        let body = match make(view, tile).await? {
            Some(plain) if coding != Coding::Identity => {
                Some(compressed(plain.into(), coding, false).await?)
            }
            plain => plain.map(Into::into),
        };
        return Ok(mvt_response(
            body,
            coding,
            (Some(etag), crate::http::Tag::new(version, public)),
        ));
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
        state.metrics.tile(TileOutcome::Hit, layer);
        return Ok(mvt_response(
            body,
            coding,
            (Some(etag), crate::http::Tag::new(version, public)),
        ));
    }
    state.metrics.tile(TileOutcome::Miss, layer);
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
    Ok(mvt_response(
        body,
        coding,
        (Some(etag), crate::http::Tag::new(version, public)),
    ))
}

/// A vector tile's answer: 200 with the tile (compressed as `coding` says), or 204 when
/// there is none; public for a minute, varying with the encoding and the reader's token.
pub(crate) fn mvt_response(
    body: Option<actix_web::web::Bytes>,
    coding: Coding,
    (etag, tag): (Option<String>, crate::http::Tag),
) -> HttpResponse {
    let mut response = match body {
        Some(_) => HttpResponse::Ok(),
        None => HttpResponse::NoContent(),
    };
    if let Some(etag) = etag {
        response.insert_header((header::ETAG, etag));
    }
    response
        .insert_header((header::CACHE_CONTROL, tag.cache_control()))
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
        .map_err(ApiError::internal)?
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
        .map_err(|e| ApiError::internal(format!("compressing a tile: {e}")))
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
        .map_err(|e| ApiError::internal(format!("gzipping a tile: {e}")))
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
        (status = 400, description = "Not a tile coordinate, or a bad filter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::error::Problem, content_type = "application/problem+json"),
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
        (status = 400, description = "Not a tile coordinate, or a bad filter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::error::Problem, content_type = "application/problem+json"),
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
        (status = 400, description = "Not a tile coordinate", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn context(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    tile_response(&request, &state, Layer::Context).await
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
    let view = state.view(request)?;
    let snapshot = &view.snapshot;
    // The filters are checked here, so that a bad one fails now, not in every tile.
    let parsed = Query::parse(
        request,
        snapshot.vocabularies(),
        &*view.resolver,
        own_parameters(layer),
    )?;
    if layer == Layer::Incidents {
        sizing(&parsed)?;
    }
    let query = request.query_string();
    let template = layer.tile_template(
        &crate::http::base_url(request),
        &if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
    );
    let body = serde_json::to_string(&tilejson::tilejson(layer, snapshot, template))
        .map_err(ApiError::internal)?;
    Ok(crate::http::cached(view.tag(), "application/json", body))
}

/// `GET /tiles/incidents.json`: TileJSON 3.0.0 for the incidents layer, with the filters
/// of the request in its tile URLs.
#[utoipa::path(
    get,
    path = "/tiles/incidents.json",
    tag = "Tiles",
    params(crate::openapi::FilterParams),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = athar_tile_sources::tilejson::TileJson, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::error::Problem, content_type = "application/problem+json"),
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
    responses((status = 200, description = "TileJSON 3.0.0", body = athar_tile_sources::tilejson::TileJson, content_type = "application/json"))
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
        (status = 200, description = "TileJSON 3.0.0", body = athar_tile_sources::tilejson::TileJson, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::error::Problem, content_type = "application/problem+json"),
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
                tiles: TileCache::new(16, &Arc::new(crate::observe::Metrics::default()))
                    .tiles
                    .expect("a cache"),
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
            let key = (
                athar_tile_sources::incidents::LAYER,
                tile,
                query.to_owned(),
                1,
                true,
                Coding::Identity,
            );
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
