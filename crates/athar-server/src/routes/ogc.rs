//! OGC API – Features, Part 1: landing page, conformance, collections, items.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::features;

use crate::http::{base_url, cached, not_modified, query_string};
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::params::{Parameters as _, Pick as _};

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;
const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";

/// A typed document as JSON.
fn to_json(body: &impl serde::Serialize) -> String {
    // Serialising these documents (strings and numbers) cannot fail.
    serde_json::to_string(body).unwrap_or_default()
}

#[utoipa::path(get, path = "/", tag = "OGC API – Features", responses((status = 200, description = "The landing page", body = athar_app::features::Landing)))]
pub(crate) async fn landing(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let base = base_url(&request);
    let tag = crate::http::Tag::shared(state.snapshot().version());
    if let Some(response) = not_modified(&request, tag) {
        return response;
    }
    let body = to_json(&features::landing(&base));
    cached(tag, JSON, body)
}

#[utoipa::path(get, path = "/conformance", tag = "OGC API – Features", responses((status = 200, description = "Conformance classes", body = athar_app::features::Conformance)))]
pub(crate) async fn conformance(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let tag = crate::http::Tag::shared(state.snapshot().version());
    if let Some(response) = not_modified(&request, tag) {
        return response;
    }
    let body = to_json(&features::CONFORMANCE);
    cached(tag, JSON, body)
}

#[utoipa::path(get, path = "/collections", tag = "OGC API – Features", responses((status = 200, description = "The collections", body = athar_app::features::Collections)))]
pub(crate) async fn collections(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let base = base_url(&request);
    let view = state.view(&request)?;
    if let Some(response) = not_modified(&request, view.tag()) {
        return Ok(response);
    }
    let body = to_json(&features::collections(&base, &view.snapshot));
    Ok(cached(view.tag(), JSON, body))
}

#[utoipa::path(get, path = "/collections/incidents", tag = "OGC API – Features", responses((status = 200, description = "The incidents collection", body = athar_app::features::Collection)))]
pub(crate) async fn incidents_collection(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    if let Some(response) = not_modified(&request, view.tag()) {
        return Ok(response);
    }
    let body = to_json(&features::collection(&base_url(&request), &view.snapshot));
    Ok(cached(view.tag(), JSON, body))
}

/// `GET /collections/incidents/items`: a page of incidents, with `next` and `prev` links
/// that keep every filter.
#[utoipa::path(
    get,
    path = "/collections/incidents/items",
    tag = "OGC API – Features",
    params(
        crate::openapi::FilterParams,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "Features per page (default 100)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Features to skip"),
        ("f" = Option<athar_app::features::ItemsFormat>, Query, description = "json or geojson"),
    ),
    responses(
        (status = 200, description = "A page of incidents", body = athar_app::features::Page, content_type = "application/geo+json"),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn items(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.require_incident_level(&request)?;
    let view = state.view(&request)?;
    let (tag, snapshot) = (view.tag(), view.snapshot);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*view.resolver,
        &["limit", "offset", "f"],
    )?;
    let limit = query.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = query.number("offset", 0, 0, i64::MAX as usize)?;
    query.pick("f", features::ItemsFormat::Json)?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let base = format!("{}{}", base_url(&request), request.path());
    let body = state
        .compute(move || -> Result<String, ApiError> {
            let page = |offset: usize| {
                let mut pairs: Vec<(String, String)> = query
                    .pairs
                    .iter()
                    .filter(|(name, _)| name != "offset" && name != "limit")
                    .cloned()
                    .collect();
                pairs.push(("limit".into(), limit.to_string()));
                pairs.push(("offset".into(), offset.to_string()));
                format!("{base}?{}", query_string(&pairs))
            };
            features::page(&snapshot, &query.filter, (limit, offset), &page)
                .map_err(ApiError::internal)
        })
        .await??;
    Ok(cached(tag, GEOJSON, body))
}

/// `GET /collections/incidents/items/{id}`.
#[utoipa::path(
    get,
    path = "/collections/incidents/items/{id}",
    tag = "OGC API – Features",
    params(("id" = String, Path, description = "The incident's id")),
    responses(
        (status = 200, description = "One incident", body = athar_app::features::Feature, content_type = "application/geo+json"),
        (status = 404, description = "No such incident", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn item(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.require_incident_level(&request)?;
    let view = state.view(&request)?;
    let not_found = || ApiError::NotFound(format!("there is no incident '{path}'"));
    let id = uuid::Uuid::parse_str(&path).map_err(|_| not_found())?;
    let Some(row) = view.snapshot.find(id) else {
        // A report merged into another event answers with the event, in the live data.
        if view.release.is_none()
            && let Some(kept) = state.store.merged_into(id).await?
        {
            return Ok(HttpResponse::MovedPermanently()
                .insert_header((
                    actix_web::http::header::LOCATION,
                    format!("{}/collections/incidents/items/{kept}", base_url(&request)),
                ))
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .finish());
        }
        return Err(not_found());
    };
    if let Some(response) = not_modified(&request, view.tag()) {
        return Ok(response);
    }
    let mut feature =
        features::incident_document(&view.snapshot.incident(row), &base_url(&request));
    // An event several sources reported carries every report, for token holders.
    if view.release.is_none()
        && state
            .tokens
            .authorize(&request, crate::Role::Reader)
            .is_ok()
    {
        let event = athar_app::duplicates::event(&state.store, id).await?;
        if event.sources.len() > 1 {
            feature["properties"]["sources"] =
                serde_json::to_value(&event.sources).map_err(ApiError::internal)?;
        }
    }
    Ok(cached(view.tag(), GEOJSON, feature.to_string()))
}
