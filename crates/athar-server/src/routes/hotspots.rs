//! Hotspots: where incidents are concentrated beyond chance (Getis-Ord Gi*), over H3
//! hexagons or communities, as GeoJSON (`/v1/hotspots`), as emerging-hotspot categories
//! over consecutive periods (`/v1/hotspots/trend`) and as vector tiles
//! (`/tiles/hotspots/{z}/{x}/{y}`). The statistics are in `athar-hotspots`; here the
//! request's filters choose the incidents, and results are cached per snapshot version
//! and parameters (a map's tiles share one computation).
//!
//! The study area is explicit: the `bbox` given, else the governorate of `admin1`, else
//! the extent of the matching incidents; units without incidents inside it count as zeros,
//! and the area is returned with the result.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::hotspots::{Analysis, Kind, encode_tile, map_analysis, trend_analysis};

use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::params::Parameters as _;
use athar_app::privacy::OwnedViewer;

/// The parameters of a hotspot analysis besides the filters.
const OWN: [&str; 10] = [
    "unit",
    "resolution",
    "method",
    "distance_km",
    "k",
    "fdr",
    "interval",
    "periods",
    "confidence",
    "trend_of",
];

/// The analysis of a request, from the cache (per snapshot version, parameters and
/// whether the reader is anonymous) or computed now on a blocking thread.
async fn analysis(
    (state, view): (&AppState, crate::state::View<'_>),
    kind: Kind,
    query: Query,
) -> Result<Arc<Analysis>, ApiError> {
    let snapshot = view.snapshot;
    let viewer = OwnedViewer::new(view.viewer, view.places);
    // The parameters in a canonical order, so that tiles and documents share results.
    let mut pairs = query.pairs.clone();
    pairs.sort();
    let key = (kind, pairs, snapshot.version(), viewer.viewer().is_public());
    if let Some(found) = state.hotspots.get(&key) {
        return Ok(found);
    }
    // Requests that miss together (a map's tiles) wait for one computation.
    let neighbourhoods = state.hotspot_neighbourhoods.clone();
    let cache = state.hotspots.clone();
    // An analysis is heavy work (see `AppState::compute_heavy`).
    state
        .compute_heavy(move || {
            cache.try_get_with(key, || {
                match kind {
                    Kind::Map => map_analysis(&snapshot, &query, &viewer, &neighbourhoods),
                    Kind::Trend => trend_analysis(&snapshot, &query, &viewer, &neighbourhoods),
                }
                .map(Arc::new)
                .map_err(ApiError::from)
            })
        })
        .await?
        .map_err(|shared| shared.as_ref().clone())
}

/// The analysis of a request, for the map page's legend (its outline: study area,
/// neighbourhood, categories, periods…). It is computed (or found) in the same cache as
/// the tiles of the same parameters, which it warms.
pub(crate) async fn outline(
    request: &HttpRequest,
    state: &AppState,
    trend: bool,
    query: Query,
) -> Result<Arc<Analysis>, ApiError> {
    let kind = if trend { Kind::Trend } else { Kind::Map };
    analysis((state, state.view(request)?), kind, query).await
}

fn parse(request: &HttpRequest, state: &AppState, extra: &[&str]) -> Result<Query, ApiError> {
    let view = state.view(request)?;
    let mut own: Vec<&str> = OWN.to_vec();
    own.extend_from_slice(extra);
    Query::parse(request, view.snapshot.vocabularies(), &*view.resolver, &own)
}

fn document_response(tag: crate::http::Tag, analysis: &Analysis) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header((header::ETAG, tag.etag()))
        .insert_header((header::CACHE_CONTROL, tag.cache_control()))
        .insert_header((header::VARY, "Authorization"))
        .body(analysis.body.clone())
}

/// `GET /v1/hotspots`: Getis-Ord Gi* over H3 hexagons or communities.
#[utoipa::path(
    get,
    path = "/v1/hotspots",
    tag = "Hotspots",
    params(
        crate::openapi::FilterParams,
        ("unit" = Option<athar_app::hotspots::Unit>, Query, description = "h3 (hexagons, default) or community (the gazetteer's places)"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "H3 resolution (default 7, about 5 km² a hexagon)"),
        ("method" = Option<athar_app::hotspots::Method>, Query, description = "gi_star (the only method)"),
        ("distance_km" = Option<f64>, Query, description = "Neighbours within this distance of a unit's centre (default: the least distance that gives every unit a neighbour)"),
        ("k" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Instead of a distance: the k nearest units"),
        ("fdr" = Option<bool>, Query, description = "Classify with the Benjamini-Hochberg False Discovery Rate correction (default false)"),
    ),
    responses(
        (status = 200, description = "A FeatureCollection of units with count, gi_z, gi_p and class, and the study area", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "A bad parameter, or no study area", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn hotspots(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.require_incident_level(&request)?;
    let query = parse(&request, &state, &[])?;
    state.authorize_heavy_read(&request)?;
    let view = state.view(&request)?;
    let tag = view.tag();
    let found = analysis((&state, view), Kind::Map, query).await?;
    Ok(document_response(tag, &found))
}

/// `GET /v1/hotspots/trend`: emerging hotspots over consecutive periods.
#[utoipa::path(
    get,
    path = "/v1/hotspots/trend",
    tag = "Hotspots",
    params(
        crate::openapi::FilterParams,
        ("unit" = Option<athar_app::hotspots::Unit>, Query, description = "h3 (default) or community"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "H3 resolution (default 7)"),
        ("distance_km" = Option<f64>, Query, description = "Neighbourhood distance (default: the least that gives every unit a neighbour)"),
        ("k" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Instead of a distance: the k nearest units"),
        ("interval" = Option<athar_hotspots::Interval>, Query, description = "month (default) or week"),
        ("periods" = Option<u32>, Query, minimum = 2, maximum = 520, description = "Consecutive periods ending with `to` (else the last incident's day); default 6"),
        ("fdr" = Option<bool>, Query, description = "FDR correction in each period (default true)"),
        ("confidence" = Option<String>, Query, description = "90 (default), 95 or 99: the confidence from which a period counts as hot or cold"),
        ("trend_of" = Option<String>, Query, description = "counts (default): the Mann-Kendall trend of each unit's counts tells intensifying and diminishing spots from persistent ones; gi_z: the trend of its Gi* z-scores, as ArcGIS does"),
    ),
    responses(
        (status = 200, description = "A FeatureCollection of units with their category, hot and cold periods and Mann-Kendall trends", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn trend(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.require_incident_level(&request)?;
    let query = parse(&request, &state, &[])?;
    state.authorize_heavy_read(&request)?;
    let view = state.view(&request)?;
    let tag = view.tag();
    let found = analysis((&state, view), Kind::Trend, query).await?;
    Ok(document_response(tag, &found))
}

/// `GET /tiles/hotspots/{z}/{x}/{y}`: the units of `/v1/hotspots` (or, with
/// `trend=true`, of `/v1/hotspots/trend`) as a vector tile, layer `hotspots`: hexagons as
/// polygons, communities as points.
#[utoipa::path(
    get,
    path = "/tiles/hotspots/{z}/{x}/{y}",
    tag = "Tiles",
    params(
        ("z" = u32, Path, minimum = 0, maximum = 22, description = "Zoom"),
        ("x" = u32, Path, description = "Column from the west, below 2^z"),
        ("y" = String, Path, description = "Row from the north, below 2^z, optionally with .mvt or .pbf"),
        crate::openapi::FilterParams,
        ("unit" = Option<athar_app::hotspots::Unit>, Query, description = "h3 (default) or community"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "H3 resolution (default 7)"),
        ("distance_km" = Option<f64>, Query, description = "Neighbourhood distance"),
        ("fdr" = Option<bool>, Query, description = "FDR correction"),
        ("trend" = Option<bool>, Query, description = "Emerging-hotspot categories instead of one map (with interval and periods)"),
        ("interval" = Option<athar_hotspots::Interval>, Query, description = "month (default) or week, with trend=true"),
        ("periods" = Option<u32>, Query, minimum = 2, maximum = 520, description = "Periods, with trend=true"),
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile with one layer, hotspots", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 204, description = "No unit in the tile"),
        (status = 400, description = "Not a tile coordinate, or a bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn tile(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // The analysis is shared with the document of the same parameters; the tile is cached
    // as the other layers' are (it is the same for the same parameters and snapshot).
    // The snapshot is the one the tile is cached under.
    state.require_incident_level(&request)?;
    crate::routes::tiles::cached_tile(&request, &state, "hotspots", async |view, tile| {
        let query = parse(&request, &state, &["trend"])?;
        let kind = if query.flag("trend", false)? {
            Kind::Trend
        } else {
            Kind::Map
        };
        let mut for_analysis = query;
        for_analysis.pairs.retain(|(name, _)| name != "trend");
        let found = analysis((&state, view), kind, for_analysis).await?;
        tokio::task::spawn_blocking(move || encode_tile(&found, &tile))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from)
    })
    .await
}
