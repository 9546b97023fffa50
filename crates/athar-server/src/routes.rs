//! The routes, in one place for the binary and the tests.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_core::{FILTER_PARAMETERS, Filter};
use serde_json::json;

use crate::features::incident_feature;
use crate::{ApiError, AppState};

/// Items per page when `limit` is not given, and the most a page may hold.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

/// Registers every route.
pub fn router(config: &mut web::ServiceConfig) {
    config
        .service(get_only("/healthz", healthz))
        .service(get_only("/readyz", readyz))
        .service(get_only("/v1/vocabularies", vocabularies))
        .service(get_only("/collections/incidents/items", incident_items));
}

/// A resource that answers GET (and HEAD), and 405 with `Allow` to anything else.
fn get_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(|| async {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "GET, HEAD"))
                .finish()
        }))
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    HttpResponse::Ok().json(json!({
        "status": "ok",
        "incidents": snapshot.incidents.len(),
        "snapshot_version": snapshot.version,
        "store": state.store.backend(),
    }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await;
    match ping {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({ "status": "ready", "database": "up" })),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "not ready", "database": "down" }))
        }
        Err(_) => HttpResponse::ServiceUnavailable().json(
            json!({ "status": "not ready", "database": "down", "detail": "no answer within 2 s" }),
        ),
    }
}

async fn vocabularies(state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    let terms: Vec<_> = snapshot.vocabularies.terms().collect();
    HttpResponse::Ok().json(json!({ "terms": terms }))
}

fn query_pairs(request: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .map(web::Query::into_inner)
        .map_err(|error| ApiError::BadParameter {
            parameter: "(query string)".into(),
            message: format!("cannot be decoded: {error}"),
        })
}

fn parse_number(parameter: &str, value: &str, max: usize) -> Result<usize, ApiError> {
    value
        .parse::<usize>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| ApiError::BadParameter {
            parameter: parameter.into(),
            message: format!("'{value}' is not a whole number from 0 to {max}"),
        })
}

/// `GET /collections/incidents/items`: incidents as a GeoJSON FeatureCollection, filtered.
async fn incident_items(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = state.snapshot();
    let resolver = state.resolver();
    let mut filter = Filter::default();
    let (mut limit, mut offset) = (DEFAULT_LIMIT, 0);
    for (name, value) in query_pairs(&request)? {
        match name.as_str() {
            "limit" => {
                limit = parse_number("limit", &value, MAX_LIMIT)?;
                if limit == 0 {
                    return Err(ApiError::BadParameter {
                        parameter: "limit".into(),
                        message: format!("must be from 1 to {MAX_LIMIT}"),
                    });
                }
            }
            "offset" => offset = parse_number("offset", &value, usize::MAX)?,
            "f" if value == "json" || value == "geojson" => {}
            _ => {
                if !filter.apply_parameter(&name, &value, &snapshot.vocabularies, &*resolver)? {
                    return Err(ApiError::BadParameter {
                        parameter: name,
                        message: format!(
                            "unknown parameter (allowed: limit, offset, {})",
                            FILTER_PARAMETERS.join(", ")
                        ),
                    });
                }
            }
        }
    }
    let matching: Vec<_> = snapshot
        .incidents
        .iter()
        .filter(|incident| filter.matches(&incident.record))
        .collect();
    let features: Vec<_> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|incident| incident_feature(incident))
        .collect();
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header((header::ETAG, format!("\"{}\"", snapshot.version)))
        .body(
            json!({
                "type": "FeatureCollection",
                "numberMatched": matching.len(),
                "numberReturned": features.len(),
                "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "features": features,
            })
            .to_string(),
        ))
}
