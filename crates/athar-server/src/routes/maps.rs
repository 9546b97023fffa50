//! `GET /maps/static.{svg,png,pdf}`: a map of the filtered incidents rendered on the
//! server (by `athar-maps`), with the bundled context layers, a legend with counts, the
//! title and period, a scale bar, a north arrow and the sources, in Arabic or English.
//! The same filters as the widget and the tiles; the same parameters give the same bytes.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::maps::{MapRequest, MapView, spec};
use athar_maps::{Format, Language, PixelRatio};

use crate::http::not_modified_tag;
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::params::{Parameters as _, Pick as _};

/// The most pixels a rendered map may have (2,000 × 2,000, or the default 1,200 × 800 at
/// scale 2): rendering a PNG took about 88 bytes a pixel at its peak (measured: 4,000 ×
/// 4,000 pixels took the server 1.6 GB above its resting memory, 2,000 × 2,000 350 MB),
/// and a render runs beside other work. SVG and PDF are drawn as vectors and cost no pixels,
/// but are held to the same size.
const MAX_PIXELS: u64 = 4_000_000;

/// The longest title, in characters.
const MAX_TITLE: usize = 300;

/// The map's size in CSS pixels and its pixel ratio, checked before any work: within the
/// renderer's bounds, and within [`MAX_PIXELS`] device pixels.
fn size(query: &Query) -> Result<(u32, u32, PixelRatio), ApiError> {
    let width = query.number("width", 1200, 1, 100_000)?;
    let height = query.number("height", 800, 1, 100_000)?;
    let ratio = query.number("scale", 1, 1, 2)?;
    let scale = PixelRatio::try_from(ratio as u32).map_err(map_error)?;
    let pixels = (width * height * ratio * ratio) as u64;
    if pixels > MAX_PIXELS {
        return Err(ApiError::BadParameter {
            parameter: if ratio > 1 { "scale" } else { "height" }.into(),
            message: format!(
                "{width} × {height} at scale {ratio} is {pixels} pixels; at most {MAX_PIXELS} are drawn"
            ),
        });
    }
    if query
        .get("title")
        .is_some_and(|t| t.chars().count() > MAX_TITLE)
    {
        return Err(ApiError::BadParameter {
            parameter: "title".into(),
            message: format!("is longer than {MAX_TITLE} characters"),
        });
    }
    Ok((width as u32, height as u32, scale))
}

fn map_error(error: athar_maps::MapError) -> ApiError {
    if error.is_internal() {
        ApiError::internal(error)
    } else {
        ApiError::BadParameter {
            parameter: "map".into(),
            message: error.to_string(),
        }
    }
}

/// `GET /maps/static.{format}`.
#[utoipa::path(
    get,
    path = "/maps/static.{format}",
    tag = "Maps",
    params(
        ("format" = athar_maps::Format, Path, description = "svg, png or pdf"),
        crate::openapi::FilterParams,
        ("lang" = Option<athar_core::Language>, Query, description = "The map's language and direction (default en)"),
        ("title" = Option<String>, Query, description = "The title (default: Incidents)"),
        ("width" = Option<u32>, Query, minimum = 200, maximum = 4000, description = "Width in CSS pixels (default 1200)"),
        ("height" = Option<u32>, Query, minimum = 200, maximum = 4000, description = "Height in CSS pixels (default 800)"),
        ("scale" = Option<u32>, Query, minimum = 1, maximum = 2, description = "PNG pixels per CSS pixel, 2 for print (default 1)"),
        ("view" = Option<athar_app::maps::MapView>, Query, description = "points (one symbol per incident, by kind) or communities (proportional circles)"),
    ),
    responses(
        (status = 200, description = "The map", content(
            (String = "image/svg+xml"),
            (String = "image/png"),
            (String = "application/pdf"),
        )),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn static_map(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::from_extension(&path).ok_or_else(|| {
        ApiError::NotFound(format!(
            "there is no map format '{path}'; use svg, png or pdf"
        ))
    })?;
    let view = state.view(&request)?;
    let snapshot = &view.snapshot;
    let snapshot_version = snapshot.version();
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*view.resolver,
        &["lang", "title", "width", "height", "scale", "view"],
    )?;
    let language = query.pick("lang", Language::English)?;
    // The query is part of the tag: the same URL on a newer snapshot is another map.
    let tag = format!(
        "W/\"v{}-{:016x}{}\"",
        snapshot.version(),
        xxhash_rust::xxh3::xxh3_64(request.query_string().as_bytes()),
        if view.viewer.is_public() { "-p" } else { "" }
    );
    if let Some(response) = not_modified_tag(&request, tag.clone()) {
        return Ok(response);
    }
    // Checked before the incidents are gathered.
    let (width, height, scale) = size(&query)?;
    let incidents = state.incidents_visible(&request);
    let map_view = query.pick(
        "view",
        if incidents {
            MapView::Points
        } else {
            MapView::Communities
        },
    )?;
    if map_view == MapView::Points {
        state.require_incident_level(&request)?;
    }
    state.authorize_heavy_read(&request)?;
    let spec = spec(
        (snapshot, &view.places, view.viewer),
        &MapRequest {
            filter: &query.filter,
            view: map_view,
            size: (width, height),
            scale,
            language,
            title: query.get("title"),
        },
    );
    // Rendering shares the limit of the other heavy computations.
    let bytes = state
        .compute_heavy(move || athar_maps::render(&spec, format))
        .await?
        .map_err(map_error)?;
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((header::ETAG, tag))
        .insert_header((
            header::CACHE_CONTROL,
            crate::http::Tag::new(snapshot_version, false).cache_control(),
        ))
        .insert_header((header::VARY, "Authorization"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"athar-map.{}\"", format.extension()),
        ))
        .body(bytes))
}
