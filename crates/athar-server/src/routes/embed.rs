//! The map a report embeds: MapLibre styles with absolute URLs for the serving host, the
//! front-end files Athar serves itself (never from a CDN), the `/embed` page and oEmbed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::http::base_url;
use crate::query::Query;
use crate::{ApiError, AppState};

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

/// The request's parameters, and its filters as a query string (`?kind=attack…`) to carry
/// into URLs (parsed first, so unknown parameters and bad filters are refused).
fn filter_query(
    request: &HttpRequest,
    state: &AppState,
    own: &[&str],
) -> Result<(Query, String), ApiError> {
    let snapshot = state.snapshot();
    let query = Query::parse(request, snapshot.vocabularies(), &*state.resolver(), own)?;
    let filters: Vec<&str> = request
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| !own.contains(&pair.split('=').next().unwrap_or_default()))
        .collect();
    let filters = if filters.is_empty() {
        String::new()
    } else {
        format!("?{}", filters.join("&"))
    };
    Ok((query, filters))
}

/// `GET /styles/{name}.json`: a bundled MapLibre style (`incidents`, `incidents-dark`)
/// with absolute tile URLs for this host, carrying the request's filters.
#[utoipa::path(
    get,
    path = "/styles/{name}.json",
    tag = "Map",
    params(("name" = String, Path, description = "incidents or incidents-dark"), crate::openapi::FilterParams),
    responses(
        (status = 200, description = "A MapLibre style document", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
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
    let (_, query) = filter_query(&request, &state, &[])?;
    let body = style
        .replace("{{base}}", &base_url(&request))
        .replace("{{query}}", &query);
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
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
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_, file, content_type) = ASSETS
        .iter()
        .find(|(served, _, _)| *served == path.as_str())
        .ok_or_else(|| ApiError::NotFound(format!("no asset '{path}'")))?;
    let location = state.settings.web_dir.join(file);
    let bytes = tokio::fs::read(&location).await.map_err(|error| {
        ApiError::Internal(format!(
            "{} cannot be read ({error}); install the front-end packages with `npm ci --prefix web`",
            location.display()
        ))
    })?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(bytes))
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

/// `GET /embed?kind=&from=&to=&lang=ar|en&title=&view=points|communities&theme=light|dark`:
/// a self-contained map page for an iframe: MapLibre from this server, a legend, the title,
/// the attribution, popups in the chosen language, clusters that zoom on click, the map's
/// position in the URL, right-to-left layout for Arabic, and links that download the view
/// as `/maps/static.png` (or `.pdf`) with the same filters, language and view.
#[utoipa::path(
    get,
    path = "/embed",
    tag = "Map",
    params(
        ("lang" = Option<String>, Query, description = "ar (default) or en"),
        ("title" = Option<String>, Query, description = "The map's title"),
        ("view" = Option<String>, Query, description = "points (default, clustered) or communities (proportional circles)"),
        ("theme" = Option<String>, Query, description = "light (default) or dark"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "The map page", body = String, content_type = "text/html"),
        (status = 400, description = "A bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn embed(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (query, filters) = filter_query(&request, &state, &EMBED_PARAMETERS)?;
    let snapshot = state.snapshot();
    let lang = query.choice("lang", &["ar", "en"], "ar")?;
    let view = query.choice("view", &["points", "communities"], "points")?;
    let theme = query.choice("theme", &["light", "dark"], "light")?;
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
    let config = json!({
        "lang": lang,
        "view": view,
        "title": title,
        "filters": filters,
        "style": format!("{}/styles/{style}.json{filters}", base_url(&request)),
        "kinds": kinds,
        "attribution": athar_gazetteer::GEONAMES_ATTRIBUTION,
        "bounds": snapshot.spatial_extent().map(|[w, s, e, n]| [[w, s], [e, n]]),
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
    let page = EMBED_PAGE
        .replace("{{download}}", download)
        .replace("{{download_pdf}}", download_pdf)
        .replace("{{lang}}", lang)
        .replace("{{dir}}", if arabic { "rtl" } else { "ltr" })
        .replace("{{title}}", &escaped(&title))
        .replace("{{config}}", &config.to_string().replace("</", "<\\/"));
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            content_security_policy(&page, &state.settings.frame_ancestors),
        ))
        .body(page))
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
