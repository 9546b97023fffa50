//! Downloads: incidents as GeoJSON, CSV (with HXL hashtags), GeoPackage or KML, and the
//! per-community counts as CSV or GeoJSON, each with the shared filters.
//!
//! Incidents stream from the snapshot in chunks written on a blocking thread: an export of
//! a million incidents holds a chunk at a time, and stops when the client goes away. A
//! GeoPackage is written to a temporary file first (SQLite needs to seek), then streamed.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::http::{Tag, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::counts::FileFormat;
use athar_app::counts::{ranking, ranking_csv, ranking_geojson};
use athar_app::export::{
    ExportFormat, ExportOptions, geopackage_file, send_file_chunks, write_text_chunks,
};
use athar_app::params::{Parameters as _, Pick as _};
use athar_core::Language;

/// Chunks written ahead of the client.
const CHUNKS_AHEAD: usize = 4;

/// The export options of a request: `lang` (en or ar) and `hxl` (true or false).
fn options(query: &Query) -> Result<ExportOptions, ApiError> {
    Ok(ExportOptions {
        lang: query.pick("lang", Language::English)?,
        hxl: query.flag("hxl", true)?,
    })
}

fn attachment(
    format: &str,
    tag: Tag,
    content_type: &str,
    name: &str,
) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type)
        .insert_header((header::ETAG, tag.etag()))
        .insert_header((header::CACHE_CONTROL, tag.cache_control()))
        .insert_header((header::VARY, "Authorization"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"athar-{name}.{format}\""),
        ));
    response
}

/// A response body fed by `produce` on a blocking thread. `produce` gets a sender that
/// returns false once the client has gone, and should stop then.
fn blocking_stream(
    produce: impl FnOnce(&mut dyn FnMut(Vec<u8>) -> bool) + Send + 'static,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(CHUNKS_AHEAD);
    tokio::task::spawn_blocking(move || {
        let mut send = |chunk: Vec<u8>| sender.blocking_send(Bytes::from(chunk)).is_ok();
        produce(&mut send);
    });
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (Ok(chunk), receiver))
    })
}

/// `GET /v1/exports/incidents.{format}`: every incident matching the filters, as a file.
#[utoipa::path(
    get,
    path = "/v1/exports/incidents.{format}",
    tag = "Exports",
    params(
        ("format" = athar_app::export::ExportFormat, Path, description = "geojson, csv (with HXL hashtags), gpkg (OGC GeoPackage) or kml"),
        crate::openapi::FilterParams,
        ("lang" = Option<athar_core::Language>, Query, description = "The language of the label columns beside vocabulary slugs (default en)"),
        ("hxl" = Option<bool>, Query, description = "CSV only: whether a row of HXL hashtags follows the header (default true)"),
    ),
    responses(
        (status = 200, description = "The incidents, as a download", content(
            (Object = "application/geo+json"),
            (String = "text/csv"),
            (String = "application/geopackage+sqlite3"),
            (String = "application/vnd.google-earth.kml+xml"),
        )),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn incidents(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = ExportFormat::from_extension(&path).ok_or_else(|| {
        ApiError::NotFound(format!(
            "there is no export format '{path}'; use geojson, csv, gpkg or kml"
        ))
    })?;
    // What this reader may see (see `privacy`).
    state.require_incident_level(&request)?;
    let view = state.view(&request)?;
    let (tag, snapshot, release) = (view.tag(), view.snapshot, view.release);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*view.resolver,
        &["lang", "hxl"],
    )?;
    let options = options(&query)?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    state.authorize_heavy_read(&request)?;
    // Held until the export has been written (or its client went away).
    let permit = state.export_permit()?;
    let rows = snapshot.select(&query.filter);
    let mut response = attachment(format.extension(), tag, format.media_type(), "incidents");
    if format != ExportFormat::GeoPackage {
        return Ok(response.streaming(blocking_stream(move |send| {
            write_text_chunks(&snapshot, &rows, (format, options), send);
            drop(permit);
        })));
    }
    let as_of = release.map(|release| release.manifest.created_at.clone());
    let file = tokio::task::spawn_blocking(move || {
        geopackage_file(&snapshot, rows, options, as_of.as_deref())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let length = file.metadata().map_err(ApiError::internal)?.len();
    response.insert_header((header::CONTENT_LENGTH, length));
    Ok(response.streaming(blocking_stream(move |send| {
        let _permit = permit;
        send_file_chunks(file, send);
    })))
}

/// `GET /v1/exports/communities.{format}`: every community ranked by incidents for the
/// filters, with the previous period, as CSV (with HXL hashtags) or GeoJSON.
#[utoipa::path(
    get,
    path = "/v1/exports/communities.{format}",
    tag = "Exports",
    params(
        ("format" = athar_app::counts::FileFormat, Path, description = "csv (with HXL hashtags) or geojson"),
        crate::openapi::FilterParams,
        ("hxl" = Option<bool>, Query, description = "CSV only: whether a row of HXL hashtags follows the header (default true)"),
    ),
    responses(
        (status = 200, description = "The communities, as a download", content(
            (String = "text/csv"),
            (Object = "application/geo+json"),
        )),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such format", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn communities(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = match FileFormat::from_extension(&path) {
        Some(FileFormat::Csv) => ExportFormat::Csv,
        Some(FileFormat::Geojson) => ExportFormat::GeoJson,
        None => {
            return Err(ApiError::NotFound(format!(
                "there is no community export format '{path}'; use csv or geojson"
            )));
        }
    };
    let view = state.view(&request)?;
    let (tag, snapshot) = (view.tag(), &view.snapshot);
    let query = Query::parse(&request, snapshot.vocabularies(), &*view.resolver, &["hxl"])?;
    let hxl = query.flag("hxl", true)?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    state.authorize_heavy_read(&request)?;
    let rows = snapshot.select(&query.filter);
    let ranked = ranking(
        (snapshot, &view.places, view.viewer),
        &query.filter,
        &rows,
        usize::MAX,
    );
    let body = match format {
        ExportFormat::Csv => format!(
            "\u{feff}{}",
            ranking_csv(&ranked.entries, hxl).map_err(ApiError::internal)?
        ),
        _ => ranking_geojson(&ranked.entries),
    };
    Ok(attachment(format.extension(), tag, format.media_type(), "communities").body(body))
}
