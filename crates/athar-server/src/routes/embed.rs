//! The map a report embeds: MapLibre styles with absolute URLs for the serving host, the
//! front-end files Athar serves itself (never from a CDN), the `/embed` page and oEmbed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use std::hash::BuildHasher as _;

use crate::http::base_url;
use crate::query::Query;
use crate::routes::tiles::{Coding, compressed};
use crate::state::cached_or_made;
use crate::{ApiError, AppState};
use athar_app::embed::{self, HOTSPOT_PARAMETERS, OEmbed, PAGE_PARAMETERS, Page, View};
use athar_app::params::{Parameters as _, Pick as _};

/// The front-end files served under `/assets/`: built into the binary, Brotli-compressed
/// (by `scripts/vendor-web`, from the npm packages pinned in `web/package-lock.json`), with
/// their media types. Their licences and versions are beside them in `assets/`.
const ASSETS: [(&str, &[u8], &str); 5] = [
    (
        "maplibre-gl/maplibre-gl.mjs",
        include_bytes!("../../assets/maplibre-gl.mjs.br"),
        "text/javascript",
    ),
    (
        "maplibre-gl/maplibre-gl-shared.mjs",
        include_bytes!("../../assets/maplibre-gl-shared.mjs.br"),
        "text/javascript",
    ),
    (
        "maplibre-gl/maplibre-gl-worker.mjs",
        include_bytes!("../../assets/maplibre-gl-worker.mjs.br"),
        "text/javascript",
    ),
    (
        "maplibre-gl/maplibre-gl.css",
        include_bytes!("../../assets/maplibre-gl.css.br"),
        "text/css",
    ),
    (
        "rtl-text/mapbox-gl-rtl-text.js",
        include_bytes!("../../assets/mapbox-gl-rtl-text.js.br"),
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
    let view = state.view(request)?;
    let query = Query::parse(request, view.snapshot.vocabularies(), &*view.resolver, own)?;
    Ok((query, query_string(&raw_pairs(request, own))))
}

/// The map's view (`view`): points, communities or hotspots. When none is asked for,
/// points, or communities for a reader who may see counts only (`--public-incidents
/// false`), who is refused the others.
fn map_view(state: &AppState, request: &HttpRequest, query: &Query) -> Result<View, ApiError> {
    let default = if state.incidents_visible(request) {
        View::Points
    } else {
        View::Communities
    };
    let view = View::of(query, default)?;
    if view != View::Communities {
        state.require_incident_level(request)?;
    }
    Ok(view)
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
        ("view" = Option<String>, Query, description = "points (default) or communities: the incidents and communities layers; casualties: the same, every incident symbol sized by killed and injured (tiles with size=casualties); hotspots: the hotspot hexagons instead (layers hotspots and hotspots-outline)"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "With view=hotspots: the H3 resolution (default 7)"),
        ("distance_km" = Option<f64>, Query, description = "With view=hotspots: the neighbourhood distance (default: the least that gives every hexagon a neighbour)"),
        ("fdr" = Option<bool>, Query, description = "With view=hotspots: the FDR correction"),
        ("trend" = Option<bool>, Query, description = "With view=hotspots: emerging-hotspot categories instead of one map"),
        ("interval" = Option<athar_hotspots::Interval>, Query, description = "With trend=true: month (default) or week"),
        ("periods" = Option<u32>, Query, minimum = 2, maximum = 520, description = "With trend=true: the number of periods (default 6)"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "A MapLibre style document", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad filter or parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such style", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn style(
    request: HttpRequest,
    name: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = name.trim_end_matches(".json");
    let mut own = vec!["view"];
    own.extend(HOTSPOT_PARAMETERS);
    let (query, filters) = filter_query(&request, &state, &own)?;
    let view = map_view(&state, &request, &query)?;
    let trend = embed::hotspot_options(&query, view)?;
    // The hotspot tiles take the filters and hotspot parameters, as given.
    let hotspot_query = query_string(&raw_pairs(&request, &["view"]));
    let body = style_document(
        (&request, &state),
        name,
        (view, trend),
        (&filters, &hotspot_query),
    )?;
    // A release's style is the same for good.
    let version = state.view(&request)?.snapshot.version();
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CACHE_CONTROL,
            crate::http::Tag::shared(version).cache_control(),
        ))
        // Readers without a token may be given a style without the incidents.
        .insert_header((header::VARY, "Authorization"))
        .body(body))
}

/// The bundled style `name` for this request: its sources' URLs on this host with
/// `filters` (no incidents for a reader who may see counts only), its symbols sized by
/// casualties for `view=casualties`, or the hotspot tiles with `hotspot_query` for
/// `view=hotspots` (of emerging-hotspot categories with `trend`).
fn style_document(
    (request, state): (&HttpRequest, &AppState),
    name: &str,
    (view, trend): (View, bool),
    (filters, hotspot_query): (&str, &str),
) -> Result<String, ApiError> {
    let style = embed::bundled_style(name).ok_or_else(|| {
        ApiError::NotFound(format!("no style '{name}' (incidents, incidents-dark)"))
    })?;
    let base = base_url(request);
    let mut body = embed::style_with_urls(style, &base, filters, state.incidents_visible(request))?;
    if view == View::Casualties {
        body = embed::style_sized_by_casualties(&body)?;
    }
    if view == View::Hotspots {
        let tiles = format!("{base}/tiles/hotspots/{{z}}/{{x}}/{{y}}.mvt{hotspot_query}");
        body = embed::style_with_hotspots(&body, &tiles, name == "incidents-dark", trend)?;
    }
    Ok(body)
}

/// `GET /assets/{path}`: MapLibre GL JS and the RTL text plugin, built into the server.
#[utoipa::path(
    get,
    path = "/assets/{path}",
    tag = "Map",
    params(("path" = String, Path, description = "maplibre-gl/maplibre-gl.mjs, maplibre-gl/maplibre-gl-worker.mjs, maplibre-gl/maplibre-gl-shared.mjs, maplibre-gl/maplibre-gl.css or rtl-text/mapbox-gl-rtl-text.js")),
    responses(
        (status = 200, description = "The file", body = String, content_type = "text/javascript"),
        (status = 404, description = "No such file", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let (body, etag) = state.assets.get(index, coding).await?;
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

/// The front-end files as sent. Brotli is sent as built in; the plain file is decompressed
/// once and gzip made from it once, on first request, each with the ETag of the plain
/// contents. Compressing the 1.1 MB MapLibre module for each request took about 33 ms, so a
/// server answered 88 such requests a second: fewer than a report with an embedded map can
/// draw.
pub(crate) struct AssetCache {
    files: moka::future::Cache<(usize, Coding), (web::Bytes, String)>,
}

impl AssetCache {
    pub(crate) fn new() -> Self {
        Self {
            files: moka::future::Cache::new(3 * ASSETS.len() as u64),
        }
    }

    /// The file `ASSETS[index]` encoded as `coding` says, and its ETag.
    async fn get(&self, index: usize, coding: Coding) -> Result<(web::Bytes, String), ApiError> {
        let plain = async {
            cached_or_made(&self.files, (index, Coding::Identity), async {
                let packed = ASSETS[index].1;
                let bytes = tokio::task::spawn_blocking(move || {
                    let mut plain = Vec::with_capacity(packed.len() * 5);
                    brotli::BrotliDecompress(&mut &packed[..], &mut plain).map(|()| plain)
                })
                .await
                .map_err(ApiError::internal)?
                .map_err(|error| {
                    ApiError::internal(format!(
                        "the built-in {} is damaged: {error}",
                        ASSETS[index].0
                    ))
                })?;
                let etag = format!(
                    "W/\"{:016x}\"",
                    foldhash::quality::FixedState::with_seed(0).hash_one(&bytes)
                );
                Ok((web::Bytes::from(bytes), etag))
            })
            .await
        };
        match coding {
            Coding::Identity => plain.await,
            Coding::Brotli => {
                let (_, etag) = plain.await?;
                Ok((web::Bytes::from_static(ASSETS[index].1), etag))
            }
            Coding::Gzip => {
                cached_or_made(&self.files, (index, coding), async {
                    let (bytes, etag) = plain.await?;
                    Ok((compressed(bytes, coding, true).await?, etag))
                })
                .await
            }
        }
    }
}

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
        ("view" = Option<String>, Query, description = "points (default, clustered), casualties (clustered, sized by killed and injured), communities (proportional circles) or hotspots (Getis-Ord Gi* over H3 hexagons, as /v1/hotspots)"),
        ("theme" = Option<String>, Query, description = "light (default) or dark"),
        ("slider" = Option<String>, Query, description = "day, week or month: a time slider over the filter's period (from–to, else the incidents' dates), at most 100 steps; the map, legend and caption follow it"),
        ("at" = Option<String>, Query, description = "With slider: the first day of the step shown (the page keeps it in its URL)"),
        ("resolution" = Option<u32>, Query, minimum = 5, maximum = 9, description = "With view=hotspots: the H3 resolution (default 7)"),
        ("distance_km" = Option<f64>, Query, description = "With view=hotspots: the neighbourhood distance (default: the least that gives every hexagon a neighbour)"),
        ("fdr" = Option<bool>, Query, description = "With view=hotspots: classify with the False Discovery Rate correction (default false; true by default with trend=true)"),
        ("trend" = Option<bool>, Query, description = "With view=hotspots: the emerging-hotspot categories of /v1/hotspots/trend instead of one map"),
        ("interval" = Option<athar_hotspots::Interval>, Query, description = "With trend=true: month (default) or week"),
        ("periods" = Option<u32>, Query, minimum = 2, maximum = 520, description = "With trend=true: the number of periods (default 6)"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "The map page", body = String, content_type = "text/html"),
        (status = 400, description = "A bad parameter (with view=hotspots, also no incident to analyse)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn embed(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut own = PAGE_PARAMETERS.to_vec();
    own.extend(HOTSPOT_PARAMETERS);
    let (query, filters) = filter_query(&request, &state, &own)?;
    // The bounds are those of what this reader may see (see `privacy`).
    let view = state.view(&request)?;
    let viewer = athar_app::privacy::OwnedViewer::new(view.viewer, view.places);
    let (snapshot, release) = (view.snapshot, view.release);
    let pinned = release.is_some();
    let arabic = query.choice("lang", &["ar", "en"], "ar")? == "ar";
    let view = map_view(&state, &request, &query)?;
    let theme = query.choice("theme", &["light", "dark"], "light")?;
    let trend = embed::hotspot_options(&query, view)?;
    let style = if theme == "dark" {
        "incidents-dark"
    } else {
        "incidents"
    };
    // A time slider: its unit, and the step the URL is at (read by the page's script);
    // checked before any work is done for the page.
    let unit = match query.get("slider") {
        None => None,
        Some(_) if view == View::Hotspots => {
            return Err(ApiError::BadParameter {
                parameter: "slider".into(),
                message: "is not offered with view=hotspots".into(),
            });
        }
        Some(_) => Some(query.pick("slider", athar_index::Interval::Month)?),
    };
    if let Some(at) = query.get("at")
        && (unit.is_none() || chrono::NaiveDate::parse_from_str(at, "%Y-%m-%d").is_err())
    {
        return Err(ApiError::BadParameter {
            parameter: "at".into(),
            message: format!("'{at}' is not a day (YYYY-MM-DD) of a slider= page"),
        });
    }
    let mut outline = None;
    if view == View::Hotspots {
        // The analysis the tiles will show (computed now, and cached for them): its study
        // area to look at and its neighbourhood for the legend. Its parameters are the
        // tiles': the filters and hotspot parameters, without `trend`.
        let (mut analysed, _) = filter_query(&request, &state, &own)?;
        analysed
            .pairs
            .retain(|(name, _)| !PAGE_PARAMETERS.contains(&name.as_str()) && name != "trend");
        outline = Some(crate::routes::hotspots::outline(&request, &state, trend, analysed).await?);
    }
    // The style, inline: no request for it nor for its sources' TileJSON.
    let style = style_document(
        (&request, &state),
        style,
        (view, trend),
        (
            &filters,
            &query_string(&raw_pairs(&request, &PAGE_PARAMETERS)),
        ),
    )?;
    let style = embed::inline_style(&style, &snapshot, (arabic, view))?;
    let (legend, slider) = {
        let (snapshot, filter) = (snapshot.clone(), query.filter.clone());
        state
            .compute(move || {
                let legend = embed::legend_of(&snapshot, &viewer, &filter, arabic);
                let slider = unit
                    .map(|unit| {
                        embed::slider(&snapshot, &viewer, (&filter, legend.period), unit, arabic)
                    })
                    .transpose();
                slider.map(|slider| (legend, slider))
            })
            .await??
    };
    let page = embed::page(
        &snapshot,
        &Page {
            arabic,
            view,
            title: query.get("title"),
            filters: &filters,
            style,
            hotspots: outline.as_ref().map(|found| (&found.outline, trend)),
            release: release.as_ref().map(|release| &release.manifest),
            legend: &legend,
            slider: slider.as_ref(),
        },
    );
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&page, &state.settings.frame_ancestors),
        ));
    if pinned {
        // A release's page is the same for good (a live one is not cached).
        response.insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
    }
    Ok(response.body(page))
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
        (status = 200, description = "oEmbed 1.0, type rich", body = athar_app::embed::OEmbed, content_type = "application/json"),
        (status = 400, description = "A missing or bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a map of this server", body = crate::error::Problem, content_type = "application/problem+json"),
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
    Ok(HttpResponse::Ok().json(OEmbed::of(url, &base, width, height)))
}
