//! OGC API – Features, Part 1: landing page, conformance, collections, items.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_index::Snapshot;
use serde_json::{Value, json};

use crate::features::{Feature, feature, incident_feature};
use crate::http::{base_url, cached, not_modified, query_string};
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::params::Parameters as _;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const JSON: &str = "application/json";
const GEOJSON: &str = "application/geo+json";

fn link(href: impl Into<String>, rel: &str, media_type: &str, title: &str) -> Value {
    let href = href.into();
    json!({ "href": href, "rel": rel, "type": media_type, "title": title })
}

#[utoipa::path(get, path = "/", tag = "OGC API – Features", responses((status = 200, description = "The landing page", body = crate::openapi::Landing)))]
pub(crate) async fn landing(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let base = base_url(&request);
    let tag = crate::http::Tag::shared(state.snapshot().version());
    if let Some(response) = not_modified(&request, tag) {
        return response;
    }
    let body = json!({
        "title": "Athar",
        "description": "Incidents in north-west Syria: military attacks, fires, traffic accidents, drownings and more, with counts by community.",
        "links": [
            link(format!("{base}/"), "self", JSON, "This document"),
            link(format!("{base}/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "The API definition"),
            link(format!("{base}/docs"), "service-doc", "text/html", "The API documentation"),
            link(format!("{base}/conformance"), "conformance", JSON, "Conformance classes"),
            link(format!("{base}/collections"), "data", JSON, "Collections"),
        ],
    });
    cached(tag, JSON, body.to_string())
}

#[utoipa::path(get, path = "/conformance", tag = "OGC API – Features", responses((status = 200, description = "Conformance classes", body = crate::openapi::Conformance)))]
pub(crate) async fn conformance(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let tag = crate::http::Tag::shared(state.snapshot().version());
    if let Some(response) = not_modified(&request, tag) {
        return response;
    }
    let body = json!({
        "conformsTo": [
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        ]
    });
    cached(tag, JSON, body.to_string())
}

fn incidents_collection_document(base: &str, snapshot: &Snapshot) -> Value {
    let bbox = snapshot
        .spatial_extent()
        .unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let interval = snapshot
        .date_extent()
        .map_or(json!([null, null]), |(first, last)| {
            json!([format!("{first}T00:00:00Z"), format!("{last}T23:59:59Z")])
        });
    json!({
        "id": "incidents",
        "title": "Incidents",
        "description": "Every recorded incident, one point each, with its kind, date, community, casualties and classification.",
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": { "bbox": [bbox], "crs": CRS84 },
            "temporal": { "interval": [interval], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian" },
        },
        "links": [
            link(format!("{base}/collections/incidents"), "self", JSON, "This collection"),
            link(format!("{base}/collections/incidents/items"), "items", GEOJSON, "The incidents"),
        ],
    })
}

#[utoipa::path(get, path = "/collections", tag = "OGC API – Features", responses((status = 200, description = "The collections", body = crate::openapi::Collections)))]
pub(crate) async fn collections(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let base = base_url(&request);
    let view = state.view(&request);
    if let Some(response) = not_modified(&request, view.tag()) {
        return response;
    }
    let body = json!({
        "links": [link(format!("{base}/collections"), "self", JSON, "Collections")],
        "collections": [incidents_collection_document(&base, &view.snapshot)],
    });
    cached(view.tag(), JSON, body.to_string())
}

#[utoipa::path(get, path = "/collections/incidents", tag = "OGC API – Features", responses((status = 200, description = "The incidents collection", body = crate::openapi::Collection)))]
pub(crate) async fn incidents_collection(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let view = state.view(&request);
    if let Some(response) = not_modified(&request, view.tag()) {
        return response;
    }
    let body = incidents_collection_document(&base_url(&request), &view.snapshot);
    cached(view.tag(), JSON, body.to_string())
}

#[derive(serde::Serialize)]
struct Page<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    links: Vec<Value>,
    features: Vec<Feature<'a>>,
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
        ("f" = Option<crate::openapi::ItemsFormat>, Query, description = "json or geojson"),
    ),
    responses(
        (status = 200, description = "A page of incidents", body = crate::openapi::IncidentPage, content_type = "application/geo+json"),
        (status = 400, description = "A bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn items(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.require_incident_level(&request)?;
    let view = state.view(&request);
    let (tag, snapshot) = (view.tag(), view.snapshot);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*state.resolver(),
        &["limit", "offset", "f"],
    )?;
    let limit = query.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let offset = query.number("offset", 0, 0, i64::MAX as usize)?;
    query.choice("f", &["json", "geojson"], "json")?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let base = format!("{}{}", base_url(&request), request.path());
    let body = state
        .compute(move || -> Result<String, ApiError> {
            let rows = snapshot.select(&query.filter);
            let incidents: Vec<_> = rows
                .iter()
                .skip(offset)
                .take(limit)
                .map(|row| snapshot.incident(*row))
                .collect();
            let features: Vec<_> = incidents.iter().map(feature).collect();
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
            let mut links = vec![link(page(offset), "self", GEOJSON, "This page")];
            if offset + features.len() < rows.len() {
                links.push(link(page(offset + limit), "next", GEOJSON, "Next page"));
            }
            if offset > 0 {
                links.push(link(
                    page(offset.saturating_sub(limit)),
                    "prev",
                    GEOJSON,
                    "Previous page",
                ));
            }
            let body = Page {
                kind: "FeatureCollection",
                number_matched: rows.len(),
                number_returned: features.len(),
                time_stamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                links,
                features,
            };
            serde_json::to_string(&body).map_err(|e| ApiError::Internal(e.to_string()))
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
        (status = 200, description = "One incident", body = crate::openapi::IncidentFeature, content_type = "application/geo+json"),
        (status = 404, description = "No such incident", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn item(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.require_incident_level(&request)?;
    let view = state.view(&request);
    let not_found = || ApiError::NotFound(format!("there is no incident '{path}'"));
    let id = uuid::Uuid::parse_str(&path).map_err(|_| not_found())?;
    let row = view.snapshot.find(id).ok_or_else(not_found)?;
    if let Some(response) = not_modified(&request, view.tag()) {
        return Ok(response);
    }
    let base = base_url(&request);
    let mut feature = incident_feature(&view.snapshot.incident(row));
    feature["links"] = json!([
        link(
            format!("{base}/collections/incidents/items/{id}"),
            "self",
            GEOJSON,
            "This incident"
        ),
        link(
            format!("{base}/collections/incidents"),
            "collection",
            JSON,
            "The collection"
        ),
    ]);
    Ok(cached(view.tag(), GEOJSON, feature.to_string()))
}
