//! The map a report embeds: MapLibre styles with absolute URLs for the serving host, the
//! front-end files Athar serves itself (never from a CDN), the `/embed` page and oEmbed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use std::hash::BuildHasher as _;

use crate::http::base_url;
use crate::query::Query;
use crate::routes::tiles::{Coding, compressed};
use crate::state::cached_or_made;
use crate::{ApiError, AppState};
use athar_app::params::Parameters as _;

/// The bundled styles, by name.
const STYLES: [(&str, &str); 2] = [
    (
        "incidents",
        include_str!("../../../../styles/incidents.json"),
    ),
    (
        "incidents-dark",
        include_str!("../../../../styles/incidents-dark.json"),
    ),
];

/// The front-end files served under `/assets/`, and where they are under the web folder.
const ASSETS: [(&str, &str, &str); 5] = [
    (
        "maplibre-gl/maplibre-gl.mjs",
        "node_modules/maplibre-gl/dist/maplibre-gl.mjs",
        "text/javascript",
    ),
    (
        "maplibre-gl/maplibre-gl-shared.mjs",
        "node_modules/maplibre-gl/dist/maplibre-gl-shared.mjs",
        "text/javascript",
    ),
    (
        "maplibre-gl/maplibre-gl-worker.mjs",
        "node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs",
        "text/javascript",
    ),
    (
        "maplibre-gl/maplibre-gl.css",
        "node_modules/maplibre-gl/dist/maplibre-gl.css",
        "text/css",
    ),
    (
        "rtl-text/mapbox-gl-rtl-text.js",
        "node_modules/@mapbox/mapbox-gl-rtl-text/dist/mapbox-gl-rtl-text.js",
        "text/javascript",
    ),
];

/// A raw `name=value` pair's name, decoded as the query string is parsed.
fn pair_name(pair: &str) -> String {
    web::Query::<Vec<(String, String)>>::from_query(pair)
        .ok()
        .and_then(|pairs| pairs.into_inner().into_iter().next())
        .map(|(name, _)| name)
        .unwrap_or_default()
}

/// The request's raw `name=value` pairs whose name is not one of `leave_out`, as they were
/// written.
fn raw_pairs<'a>(request: &'a HttpRequest, leave_out: &[&str]) -> Vec<&'a str> {
    request
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| !leave_out.contains(&pair_name(pair).as_str()))
        .collect()
}

/// `?a&b…`, or nothing without pairs.
fn query_string(pairs: &[&str]) -> String {
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// The request's parameters, and its filters as a query string (`?kind=attack…`) to carry
/// into URLs (parsed first, so unknown parameters and bad filters are refused).
fn filter_query(
    request: &HttpRequest,
    state: &AppState,
    own: &[&str],
) -> Result<(Query, String), ApiError> {
    let snapshot = state.snapshot();
    let query = Query::parse(request, snapshot.vocabularies(), &*state.resolver(), own)?;
    Ok((query, query_string(&raw_pairs(request, own))))
}

/// The parameters of a hotspot map, which the page and its style pass on to the hotspot
/// tiles (`/tiles/hotspots/…`).
const HOTSPOT_PARAMETERS: [&str; 6] = [
    "resolution",
    "distance_km",
    "fdr",
    "trend",
    "interval",
    "periods",
];

/// Checks the hotspot parameters (given only with `view=hotspots`, `interval` and
/// `periods` only with `trend=true`) as the hotspot tiles will read them, and says whether
/// the map is of emerging-hotspot categories.
fn hotspot_options(query: &Query, view: &str) -> Result<bool, ApiError> {
    let refuse = |name: &str, message: &str| ApiError::BadParameter {
        parameter: name.into(),
        message: message.into(),
    };
    if view != "hotspots" {
        return match HOTSPOT_PARAMETERS
            .iter()
            .find(|name| query.get(name).is_some())
        {
            Some(name) => Err(refuse(name, "is a parameter of view=hotspots")),
            None => Ok(false),
        };
    }
    query.number("resolution", 7, 5, 9)?;
    query.decimal("distance_km", 0.001, athar_hotspots::MAX_DISTANCE_KM)?;
    query.choice("fdr", &["true", "false"], "false")?;
    let trend = query.choice("trend", &["true", "false"], "false")? == "true";
    query.choice("interval", &["month", "week"], "month")?;
    query.number(
        "periods",
        6,
        athar_hotspots::MIN_PERIODS,
        athar_hotspots::MAX_PERIODS,
    )?;
    if !trend
        && let Some(name) = ["interval", "periods"]
            .iter()
            .find(|name| query.get(name).is_some())
    {
        return Err(refuse(name, "is a parameter of trend=true"));
    }
    Ok(trend)
}

/// A legend entry of a hotspot map: the value of `class` (or `category`), its fill
/// colour, and its label in English and Arabic.
type Entry = (&'static str, &'static str, &'static str, &'static str);

/// The classes of a Gi* map, hot to cold, in ColorBrewer's diverging RdBu (its nine-class
/// scheme without the two palest colours, which vanish on the basemap).
#[rustfmt::skip]
const HOTSPOT_CLASSES: [Entry; 7] = [
    ("hot_99", "#b2182b", "Hot spot, 99% confidence", "بؤرة ساخنة، ثقة 99٪"),
    ("hot_95", "#d6604d", "Hot spot, 95% confidence", "بؤرة ساخنة، ثقة 95٪"),
    ("hot_90", "#f4a582", "Hot spot, 90% confidence", "بؤرة ساخنة، ثقة 90٪"),
    ("not_significant", "#9e9e9e", "Not significant", "غير دالة إحصائياً"),
    ("cold_90", "#92c5de", "Cold spot, 90% confidence", "بؤرة باردة، ثقة 90٪"),
    ("cold_95", "#4393c3", "Cold spot, 95% confidence", "بؤرة باردة، ثقة 95٪"),
    ("cold_99", "#2166ac", "Cold spot, 99% confidence", "بؤرة باردة، ثقة 99٪"),
];

/// The categories of an emerging-hotspot map: reds and browns for hot patterns, blues and
/// teals for cold ones.
#[rustfmt::skip]
const TREND_CATEGORIES: [Entry; 17] = [
    ("new", "#f4a582", "New hot spot", "بؤرة ساخنة جديدة"),
    ("consecutive", "#d6604d", "Consecutive hot spot", "بؤرة ساخنة متتالية"),
    ("intensifying", "#67001f", "Intensifying hot spot", "بؤرة ساخنة متصاعدة"),
    ("persistent", "#b2182b", "Persistent hot spot", "بؤرة ساخنة مستمرة"),
    ("diminishing", "#fddbc7", "Diminishing hot spot", "بؤرة ساخنة متراجعة"),
    ("sporadic", "#e08214", "Sporadic hot spot", "بؤرة ساخنة متقطعة"),
    ("oscillating", "#8c510a", "Oscillating hot spot", "بؤرة ساخنة متذبذبة"),
    ("historical", "#bf812d", "Historical hot spot", "بؤرة ساخنة سابقة"),
    ("new_cold", "#92c5de", "New cold spot", "بؤرة باردة جديدة"),
    ("consecutive_cold", "#4393c3", "Consecutive cold spot", "بؤرة باردة متتالية"),
    ("intensifying_cold", "#053061", "Intensifying cold spot", "بؤرة باردة متصاعدة"),
    ("persistent_cold", "#2166ac", "Persistent cold spot", "بؤرة باردة مستمرة"),
    ("diminishing_cold", "#d1e5f0", "Diminishing cold spot", "بؤرة باردة متراجعة"),
    ("sporadic_cold", "#35978f", "Sporadic cold spot", "بؤرة باردة متقطعة"),
    ("oscillating_cold", "#01665e", "Oscillating cold spot", "بؤرة باردة متذبذبة"),
    ("historical_cold", "#80cdc1", "Historical cold spot", "بؤرة باردة سابقة"),
    ("no_pattern", "#9e9e9e", "No pattern", "بلا نمط"),
];

/// The fill opacity of units that are neither hot nor cold, and of the others.
const QUIET_OPACITY: f64 = 0.1;
const FILL_OPACITY: f64 = 0.8;

/// The property a hotspot map is coloured by, its entries, and its quiet value.
fn hotspot_entries(trend: bool) -> (&'static str, &'static [Entry], &'static str) {
    if trend {
        ("category", &TREND_CATEGORIES, "no_pattern")
    } else {
        ("class", &HOTSPOT_CLASSES, "not_significant")
    }
}

/// A bundled style with its sources' URLs on this host and with these filters: the URL
/// strings are filled and the document written again by the JSON serializer, so that
/// nothing in a host or a filter (a quote, a backslash) can break or extend the document.
fn with_urls(style: &str, base: &str, filters: &str, incidents: bool) -> Result<String, ApiError> {
    let broken = |error: String| ApiError::Internal(format!("the bundled style: {error}"));
    let mut style: serde_json::Value =
        serde_json::from_str(style).map_err(|e| broken(e.to_string()))?;
    if !incidents {
        // For a reader who may see counts only: no incident source, nor its layers.
        if let Some(layers) = style["layers"].as_array_mut() {
            layers.retain(|layer| layer["source"] != "incidents");
        }
    }
    let sources = style["sources"]
        .as_object_mut()
        .ok_or_else(|| broken("no sources".into()))?;
    if !incidents {
        sources.remove("incidents");
    }
    for source in sources.values_mut() {
        if let Some(url) = source["url"].as_str() {
            source["url"] = json!(fill(url, &[("base", base), ("query", filters)]));
        }
    }
    Ok(style.to_string())
}

/// The map's view (`view`): points, communities or hotspots. When none is asked for,
/// points, or communities for a reader who may see counts only (`--public-incidents
/// false`), who is refused the others.
fn map_view<'q>(
    state: &AppState,
    request: &HttpRequest,
    query: &'q Query,
) -> Result<&'q str, ApiError> {
    let default = if state.incidents_visible(request) {
        "points"
    } else {
        "communities"
    };
    let view = query.choice("view", &["points", "communities", "hotspots"], default)?;
    if view != "communities" {
        state.require_incident_level(request)?;
    }
    Ok(view)
}

/// A style with the hotspot tiles (`tiles`, a URL template) as hexagons coloured by class
/// (or category) with a thin outline, over the context layers, in place of the incidents
/// and communities.
fn with_hotspots(style: &str, tiles: &str, dark: bool, trend: bool) -> Result<String, ApiError> {
    let broken = |error: String| ApiError::Internal(format!("the bundled style: {error}"));
    let mut style: serde_json::Value =
        serde_json::from_str(style).map_err(|e| broken(e.to_string()))?;
    let (property, entries, quiet) = hotspot_entries(trend);
    let mut colour = vec![json!("match"), json!(["get", property])];
    for (value, fill, _, _) in entries {
        colour.extend([json!(value), json!(fill)]);
    }
    colour.push(json!("#9e9e9e"));
    let outline = if dark { "#1d2126" } else { "#ffffff" };
    let layers = [
        json!({
            "id": "hotspots",
            "type": "fill",
            "source": "hotspots",
            "source-layer": "hotspots",
            "paint": {
                "fill-color": colour,
                "fill-opacity": ["match", ["get", property], quiet, QUIET_OPACITY, FILL_OPACITY],
            },
        }),
        json!({
            "id": "hotspots-outline",
            "type": "line",
            "source": "hotspots",
            "source-layer": "hotspots",
            "paint": {
                "line-color": ["match", ["get", property], quiet, "#8c8c8c", outline],
                "line-opacity": ["match", ["get", property], quiet, 0.3, 0.9],
                "line-width": 0.6,
            },
        }),
    ];
    let sources = style["sources"]
        .as_object_mut()
        .ok_or_else(|| broken("no sources".into()))?;
    sources.retain(|name, _| name == "context");
    sources.insert(
        "hotspots".into(),
        json!({ "type": "vector", "tiles": [tiles], "minzoom": 0, "maxzoom": 12 }),
    );
    let list = style["layers"]
        .as_array_mut()
        .ok_or_else(|| broken("no layers".into()))?;
    list.retain(|layer| {
        layer
            .get("source")
            .and_then(serde_json::Value::as_str)
            .is_none_or(|source| source == "context")
    });
    let at = list
        .iter()
        .position(|layer| layer["id"] == "places")
        .unwrap_or(list.len());
    list.splice(at..at, layers);
    serde_json::to_string(&style).map_err(|e| broken(e.to_string()))
}

/// `GET /styles/{name}.json`: a bundled MapLibre style (`incidents`, `incidents-dark`)
/// with absolute tile URLs for this host, carrying the request's filters; with
/// `view=hotspots`, the hotspot tiles (with the hotspot parameters) instead of the
/// incidents.
#[utoipa::path(
    get,
    path = "/styles/{name}.json",
    tag = "Map",
    params(
        ("name" = String, Path, description = "incidents or incidents-dark"),
        ("view" = Option<String>, Query, description = "points (default) or communities: the incidents and communities layers; hotspots: the hotspot hexagons instead (layers hotspots and hotspots-outline)"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "With view=hotspots: the H3 resolution (default 7)"),
        ("distance_km" = Option<f64>, Query, description = "With view=hotspots: the neighbourhood distance (default: the least that gives every hexagon a neighbour)"),
        ("fdr" = Option<bool>, Query, description = "With view=hotspots: the FDR correction"),
        ("trend" = Option<bool>, Query, description = "With view=hotspots: emerging-hotspot categories instead of one map"),
        ("interval" = Option<crate::openapi::TrendInterval>, Query, description = "With trend=true: month (default) or week"),
        ("periods" = Option<u32>, Query, minimum = 2, maximum = 520, description = "With trend=true: the number of periods (default 6)"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "A MapLibre style document", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad filter or parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such style", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn style(
    request: HttpRequest,
    name: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = name.trim_end_matches(".json");
    let style = STYLES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, style)| *style)
        .ok_or_else(|| {
            ApiError::NotFound(format!("no style '{name}' (incidents, incidents-dark)"))
        })?;
    let mut own = vec!["view"];
    own.extend(HOTSPOT_PARAMETERS);
    let (query, filters) = filter_query(&request, &state, &own)?;
    let incidents = state.incidents_visible(&request);
    let view = map_view(&state, &request, &query)?;
    let trend = hotspot_options(&query, view)?;
    let base = base_url(&request);
    let mut body = with_urls(style, &base, &filters, incidents)?;
    if view == "hotspots" {
        // The filters and hotspot parameters, as given.
        let tiles = format!(
            "{base}/tiles/hotspots/{{z}}/{{x}}/{{y}}.mvt{}",
            query_string(&raw_pairs(&request, &["view"]))
        );
        body = with_hotspots(&body, &tiles, name == "incidents-dark", trend)?;
    }
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        // Readers without a token may be given a style without the incidents.
        .insert_header((header::VARY, "Authorization"))
        .body(body))
}

/// `GET /assets/{path}`: MapLibre GL JS and the RTL text plugin, from the npm packages
/// installed under the web folder (`ATHAR_WEB_DIR`, default `web`).
#[utoipa::path(
    get,
    path = "/assets/{path}",
    tag = "Map",
    params(("path" = String, Path, description = "maplibre-gl/maplibre-gl.mjs, maplibre-gl/maplibre-gl-worker.mjs, maplibre-gl/maplibre-gl-shared.mjs, maplibre-gl/maplibre-gl.css or rtl-text/mapbox-gl-rtl-text.js")),
    responses(
        (status = 200, description = "The file", body = String, content_type = "text/javascript"),
        (status = 404, description = "No such file", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn asset(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let index = ASSETS
        .iter()
        .position(|(served, _, _)| *served == path.as_str())
        .ok_or_else(|| ApiError::NotFound(format!("no asset '{path}'")))?;
    let coding = Coding::of(&request, true);
    let (body, etag) = state
        .assets
        .get(index, coding, &state.settings.web_dir)
        .await?;
    if let Some(response) = crate::http::not_modified_tag(&request, etag.clone()) {
        return Ok(response);
    }
    let mut response = HttpResponse::Ok();
    response
        .content_type(ASSETS[index].2)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"));
    if let Some(name) = coding.content_encoding() {
        // Set here, the compression middleware leaves the body as it is.
        response.insert_header((header::CONTENT_ENCODING, name));
    }
    Ok(response.body(body))
}

/// The front-end files as sent: read once, compressed once for each encoding clients ask
/// for, with an ETag from their contents. Compressing the 1.1 MB MapLibre module for each
/// request took about 33 ms, so a server answered 88 such requests a second: fewer than a
/// report with an embedded map can draw.
pub(crate) struct AssetCache {
    files: moka::future::Cache<(usize, Coding), (web::Bytes, String)>,
}

impl AssetCache {
    pub(crate) fn new() -> Self {
        Self {
            files: moka::future::Cache::new(3 * ASSETS.len() as u64),
        }
    }

    /// The file `ASSETS[index]` compressed as `coding` says, and its ETag. A file that
    /// cannot be read is not kept: the next request reads it again.
    async fn get(
        &self,
        index: usize,
        coding: Coding,
        web_dir: &std::path::Path,
    ) -> Result<(web::Bytes, String), ApiError> {
        let plain = async {
            cached_or_made(&self.files, (index, Coding::Identity), async {
                    let location = web_dir.join(ASSETS[index].1);
                    let bytes = tokio::fs::read(&location).await.map_err(|error| {
                        ApiError::Internal(format!(
                            "{} cannot be read ({error}); install the front-end packages with `npm ci --prefix web`",
                            location.display()
                        ))
                    })?;
                    let etag = format!("W/\"{:016x}\"", foldhash::quality::FixedState::with_seed(0).hash_one(&bytes));
                    Ok((web::Bytes::from(bytes), etag))
                })
                .await
        };
        if coding == Coding::Identity {
            return plain.await;
        }
        cached_or_made(&self.files, (index, coding), async {
            let (bytes, etag) = plain.await?;
            Ok((compressed(bytes, coding, true).await?, etag))
        })
        .await
    }
}

/// Escapes text for HTML.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page's own parameters.
const EMBED_PARAMETERS: [&str; 4] = ["lang", "title", "view", "theme"];

/// `GET /embed?kind=&from=&to=&lang=ar|en&title=&view=points|communities|hotspots&theme=light|dark`:
/// a self-contained map page for an iframe: MapLibre from this server, a legend, the title,
/// the attribution, popups in the chosen language, clusters that zoom on click, the map's
/// position in the URL, right-to-left layout for Arabic, and links that download the view
/// as `/maps/static.png` (or `.pdf`) with the same filters, language and view. With
/// `view=hotspots`, the Gi* hotspot hexagons (`/tiles/hotspots`) with a diverging legend,
/// or with `trend=true` the emerging-hotspot categories, and no download links (the static
/// maps draw no hotspots).
#[utoipa::path(
    get,
    path = "/embed",
    tag = "Map",
    params(
        ("lang" = Option<String>, Query, description = "ar (default) or en"),
        ("title" = Option<String>, Query, description = "The map's title"),
        ("view" = Option<String>, Query, description = "points (default, clustered), communities (proportional circles) or hotspots (Getis-Ord Gi* over H3 hexagons, as /v1/hotspots)"),
        ("theme" = Option<String>, Query, description = "light (default) or dark"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "With view=hotspots: the H3 resolution (default 7)"),
        ("distance_km" = Option<f64>, Query, description = "With view=hotspots: the neighbourhood distance (default: the least that gives every hexagon a neighbour)"),
        ("fdr" = Option<bool>, Query, description = "With view=hotspots: classify with the False Discovery Rate correction (default false; true by default with trend=true)"),
        ("trend" = Option<bool>, Query, description = "With view=hotspots: the emerging-hotspot categories of /v1/hotspots/trend instead of one map"),
        ("interval" = Option<crate::openapi::TrendInterval>, Query, description = "With trend=true: month (default) or week"),
        ("periods" = Option<u32>, Query, minimum = 2, maximum = 520, description = "With trend=true: the number of periods (default 6)"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "The map page", body = String, content_type = "text/html"),
        (status = 400, description = "A bad parameter (with view=hotspots, also no incident to analyse)", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn embed(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut own = EMBED_PARAMETERS.to_vec();
    own.extend(HOTSPOT_PARAMETERS);
    let (query, filters) = filter_query(&request, &state, &own)?;
    // The bounds are those of what this reader may see (see `privacy`).
    let snapshot = state.view(&request).snapshot;
    let lang = query.choice("lang", &["ar", "en"], "ar")?;
    let view = map_view(&state, &request, &query)?;
    let theme = query.choice("theme", &["light", "dark"], "light")?;
    let trend = hotspot_options(&query, view)?;
    let arabic = lang == "ar";
    let title = query.get("title").map_or_else(
        || {
            if arabic {
                "الحوادث".to_owned()
            } else {
                "Incidents".to_owned()
            }
        },
        str::to_owned,
    );
    let kinds: Vec<serde_json::Value> = snapshot
        .vocabularies()
        .terms_of(athar_core::VocabularyName::Kind)
        .map(|term| json!({ "slug": term.slug.as_str(), "label": if arabic { &term.label_ar } else { &term.label_en } }))
        .collect();
    let style = if theme == "dark" {
        "incidents-dark"
    } else {
        "incidents"
    };
    let mut bounds = json!(
        snapshot
            .spatial_extent()
            .map(|[w, s, e, n]| [[w, s], [e, n]])
    );
    let mut style_query = filters.clone();
    let mut hotspots = serde_json::Value::Null;
    if view == "hotspots" {
        // The analysis the tiles will show (computed now, and cached for them): its study
        // area to look at and its neighbourhood for the legend. Its parameters are the
        // tiles': the filters and hotspot parameters, without `trend`.
        let (mut analysed, _) = filter_query(&request, &state, &own)?;
        analysed
            .pairs
            .retain(|(name, _)| !EMBED_PARAMETERS.contains(&name.as_str()) && name != "trend");
        let summary = crate::routes::hotspots::summary(&request, &state, trend, analysed).await?;
        if let Some([w, s, e, n]) = summary["study_area"]
            .as_array()
            .and_then(|area| {
                area.iter()
                    .map(serde_json::Value::as_f64)
                    .collect::<Option<Vec<_>>>()
            })
            .and_then(|area| <[f64; 4]>::try_from(area).ok())
        {
            bounds = json!([[w, s], [e, n]]);
        }
        hotspots = hotspot_legend(&summary, trend, arabic);
        let mut pairs = raw_pairs(&request, &EMBED_PARAMETERS);
        pairs.push("view=hotspots");
        style_query = query_string(&pairs);
    }
    let config = json!({
        "lang": lang,
        "view": view,
        "title": title,
        "filters": filters,
        "style": format!("{}/styles/{style}.json{style_query}", base_url(&request)),
        "kinds": kinds,
        "attribution": athar_gazetteer::GEONAMES_ATTRIBUTION,
        "bounds": bounds,
        "hotspots": hotspots,
        "labels": if arabic {
            json!({ "incidents": "حادثة", "killed": "قتلى", "injured": "جرحى", "zoom": "انقر للتكبير" })
        } else {
            json!({ "incidents": "incidents", "killed": "killed", "injured": "injured", "zoom": "click to zoom in" })
        },
    });
    let (download, download_pdf) = if arabic {
        ("تنزيل الخريطة", "تنزيل الخريطة بصيغة PDF")
    } else {
        ("Download map", "Download map as PDF")
    };
    // The static maps draw no hotspots: no download links for them.
    let downloads = if view == "hotspots" {
        ""
    } else {
        DOWNLOAD_LINKS
    };
    // The download links hold placeholders of their own, filled with the page's.
    let page = fill(EMBED_PAGE, &[("downloads", downloads)]);
    let config = config.to_string().replace("</", "<\\/");
    let page = fill(
        &page,
        &[
            ("download", download),
            ("download_pdf", download_pdf),
            ("lang", lang),
            ("dir", if arabic { "rtl" } else { "ltr" }),
            ("title", &escaped(&title)),
            ("config", &config),
        ],
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&page, &state.settings.frame_ancestors),
        ))
        .body(page))
}

/// `template` with each `{{name}}` of `values` replaced by its value, in one pass: what a
/// value holds (a title that reads `{{config}}`) is never filled in turn. Placeholders
/// not in `values` are left as they are.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, value)| (*value, end))
        });
        if let Some((value, end)) = value {
            out.push_str(value);
            rest = &after[end + 2..];
        } else {
            out.push_str("{{");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The page's "Download map" links (their URLs are set by its script).
const DOWNLOAD_LINKS: &str = r#"<div class="downloads">
    <a id="download-png" href="/maps/static.png" download="athar-map.png" type="image/png">{{download}}</a>
    <a id="download-pdf" class="secondary" href="/maps/static.pdf" download="athar-map.pdf"
       type="application/pdf" aria-label="{{download_pdf}}" title="{{download_pdf}}">PDF</a>
  </div>"#;

/// Text isolated left to right (LRI … PDI), so that Arabic around it does not reorder
/// it: a date's hyphens, or the `*)` after a Latin name, would otherwise move.
fn ltr(text: &str) -> String {
    format!("\u{2066}{text}\u{2069}")
}

/// The legend of a hotspot map in the page's language: its title, its entries (colour,
/// label, opacity), lines on the units, neighbourhood and periods, and the labels of its
/// popups.
fn hotspot_legend(summary: &serde_json::Value, trend: bool, arabic: bool) -> serde_json::Value {
    let (property, entries, quiet) = hotspot_entries(trend);
    let label = |entry: &Entry| if arabic { entry.3 } else { entry.2 };
    let present =
        |value: &str| !trend || value == quiet || summary["category_counts"].get(value).is_some();
    let rows: Vec<serde_json::Value> = entries
        .iter()
        .filter(|entry| present(entry.0))
        .map(|entry| {
            json!({
                "value": entry.0,
                "label": label(entry),
                "colour": entry.1,
                "opacity": if entry.0 == quiet { 0.3 } else { FILL_OPACITY },
            })
        })
        .collect();
    let names: serde_json::Map<String, serde_json::Value> = HOTSPOT_CLASSES
        .iter()
        .chain(&TREND_CATEGORIES)
        .map(|entry| (entry.0.to_owned(), json!(label(entry))))
        .collect();
    let resolution = summary["resolution"].as_u64().unwrap_or(7);
    let mut notes = vec![if arabic {
        format!("سداسيات H3، الدقة {resolution}")
    } else {
        format!("H3 hexagons, resolution {resolution}")
    }];
    let neighbourhood = &summary["neighbourhood"];
    if let Some(km) = neighbourhood["distance_km"].as_f64() {
        let km = if km < 1.0 {
            format!("{km:.2}")
        } else {
            format!("{km:.1}")
        };
        notes.push(if arabic {
            format!("الجوار: المراكز ضمن {km} كم")
        } else {
            format!("Neighbours: centres within {km} km")
        });
    } else if let Some(k) = neighbourhood["k"].as_u64() {
        notes.push(if arabic {
            format!("الجوار: أقرب {k} وحدات")
        } else {
            format!("Neighbours: the {k} nearest")
        });
    }
    if summary["fdr"] == true {
        notes.push(
            if arabic {
                "مع تصحيح معدل الاكتشاف الخاطئ (FDR)"
            } else {
                "False Discovery Rate (FDR) correction"
            }
            .to_owned(),
        );
    }
    if trend {
        let periods = summary["periods"].as_array().map_or(&[][..], Vec::as_slice);
        if let (Some(first), Some(last)) = (periods.first(), periods.last()) {
            let (from, to) = (
                first["from"].as_str().unwrap_or_default(),
                last["to"].as_str().unwrap_or_default(),
            );
            let weekly = summary["interval"] == "week";
            let n = periods.len();
            notes.push(match (arabic, weekly) {
                (true, true) => format!("فترات أسبوعية: {n}، من {} إلى {}", ltr(from), ltr(to)),
                (true, false) => format!("فترات شهرية: {n}، من {} إلى {}", ltr(from), ltr(to)),
                (false, true) => format!("{n} weekly periods, {from} to {to}"),
                (false, false) => format!("{n} monthly periods, {from} to {to}"),
            });
        }
    }
    let title = match (arabic, trend) {
        (true, false) => format!("البؤر الساخنة ({})", ltr("Getis-Ord Gi*")),
        (true, true) => format!("البؤر الناشئة ({})", ltr("Getis-Ord Gi*")),
        (false, false) => "Hotspots (Getis-Ord Gi*)".to_owned(),
        (false, true) => "Emerging hotspots (Getis-Ord Gi*)".to_owned(),
    };
    json!({
        "property": property,
        "trend": trend,
        "title": title,
        "rows": rows,
        "notes": notes,
        "names": names,
        "labels": if arabic {
            json!({ "count": "الحوادث", "z": "الدرجة المعيارية (z)", "p": "القيمة الاحتمالية (p)", "below": "أقل من 0.001", "total": "مجموع الحوادث", "last": "الفترة الأخيرة" })
        } else {
            json!({ "count": "Incidents", "z": "z-score", "p": "p-value", "below": "< 0.001", "total": "Incidents in all periods", "last": "Last period" })
        },
    })
}

/// The page's Content-Security-Policy: everything from this server only, the one inline
/// script allowed by its hash (it carries the request's configuration, so the hash is
/// made per page), MapLibre's workers from blobs, and framing as configured.
fn content_security_policy(page: &str, frame_ancestors: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let script = page
        .split_once("<script type=\"module\">")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .map_or("", |(script, _)| script);
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    format!(
        "default-src 'self'; script-src 'self' 'sha256-{hash}'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; worker-src 'self' blob:; child-src 'self' blob:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// `GET /oembed?url=…&maxwidth=&maxheight=`: oEmbed (rich) for an `/embed` URL of this
/// host, so that a report's CMS can paste the link.
#[utoipa::path(
    get,
    path = "/oembed",
    tag = "Map",
    params(
        ("url" = String, Query, description = "An /embed URL of this server"),
        ("format" = Option<String>, Query, description = "json (the only one)"),
        ("maxwidth" = Option<u32>, Query, minimum = 1, description = "Largest width, pixels"),
        ("maxheight" = Option<u32>, Query, minimum = 1, description = "Largest height, pixels"),
    ),
    responses(
        (status = 200, description = "oEmbed 1.0, type rich", body = Object, content_type = "application/json"),
        (status = 400, description = "A missing or bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a map of this server", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn oembed(
    request: HttpRequest,
    params: web::Query<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let url = params.get("url").ok_or_else(|| ApiError::BadParameter {
        parameter: "url".into(),
        message: "is required: the /embed URL of a map".into(),
    })?;
    let base = base_url(&request);
    if !url.starts_with(&format!("{base}/embed")) {
        return Err(ApiError::NotFound(format!(
            "'{url}' is not a map of this server ({base}/embed…)"
        )));
    }
    if params.get("format").is_some_and(|f| f != "json") {
        return Err(ApiError::BadParameter {
            parameter: "format".into(),
            message: "only json is served".into(),
        });
    }
    let dimension = |name: &str, default: u32| -> Result<u32, ApiError> {
        params.get(name).map_or(Ok(default), |value| {
            value
                .parse::<u32>()
                .ok()
                .filter(|v| *v > 0)
                .map(|v| v.min(default))
                .ok_or_else(|| ApiError::BadParameter {
                    parameter: name.into(),
                    message: format!("'{value}' is not a positive whole number"),
                })
        })
    };
    let (width, height) = (dimension("maxwidth", 800)?, dimension("maxheight", 600)?);
    let html = format!(
        "<iframe src=\"{}\" width=\"{width}\" height=\"{height}\" style=\"border:0\" loading=\"lazy\" allowfullscreen></iframe>",
        escaped(url)
    );
    Ok(HttpResponse::Ok().json(json!({
        "version": "1.0",
        "type": "rich",
        "provider_name": "Athar",
        "provider_url": base,
        "title": "Athar map",
        "html": html,
        "width": width,
        "height": height,
    })))
}

const EMBED_PAGE: &str = include_str!("embed.html");
