//! The gazetteer over HTTP: search places by name in either script, resolve a written name
//! with the candidates and why, and one place with its incident counts.
//!
//! The places are the bundled GeoNames gazetteer (CC BY 4.0, attributed in every answer),
//! with the communities of the store: imported lists, learned and confirmed places.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::communities;
use athar_gazetteer::{Query as NameQuery, community_key};
use serde_json::Value;

use crate::http::{cached, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::params::Parameters as _;

/// A typed answer as JSON.
fn to_json(body: &impl serde::Serialize) -> Result<String, ApiError> {
    serde_json::to_string(body).map_err(ApiError::internal)
}

/// The parameters of an endpoint that takes no incident filters.
fn own_parameters(
    request: &HttpRequest,
    state: &AppState,
    own: &[&str],
) -> Result<Query, ApiError> {
    let view = state.view(request)?;
    let query = Query::parse(request, view.snapshot.vocabularies(), &*view.resolver, own)?;
    if query.filter == athar_core::Filter::default() {
        Ok(query)
    } else {
        let name = request
            .query_string()
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .find(|name| !own.contains(name))
            .unwrap_or("(query string)");
        Err(ApiError::BadParameter {
            parameter: name.into(),
            message: format!("unknown parameter (allowed: {})", own.join(", ")),
        })
    }
}

/// A coordinate parameter in a range, or absent.
fn coordinate(query: &Query, name: &str, range: f64) -> Result<Option<f64>, ApiError> {
    query
        .get(name)
        .map(|value| {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= range)
                .ok_or_else(|| ApiError::BadParameter {
                    parameter: name.into(),
                    message: format!("'{value}' is not a number from -{range} to {range}"),
                })
        })
        .transpose()
}

/// `GET /v1/communities?q=&limit=`: places whose names match `q` in either script: the
/// name itself first, then names that start with it, then names that contain it.
#[utoipa::path(
    get,
    path = "/v1/communities",
    tag = "Communities",
    params(
        ("q" = String, Query, min_length = 1, description = "A name, or part of one, in Arabic or Latin script"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1_000, description = "Places listed (default 20)"),
    ),
    responses(
        (status = 200, description = "Matching places, best first, with the OCHA and GeoNames attribution", body = athar_app::communities::Search, content_type = "application/json"),
        (status = 400, description = "A missing or bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn search(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = own_parameters(&request, &state, &["q", "limit"])?;
    let limit = query.number("limit", 20, 1, 1_000)?;
    let q = query.get("q").ok_or_else(|| ApiError::BadParameter {
        parameter: "q".into(),
        message: "is required: a name, or part of one, in Arabic or Latin script".into(),
    })?;
    if community_key(q).is_empty() {
        return Err(ApiError::BadParameter {
            parameter: "q".into(),
            message: format!("'{q}' holds no letters or digits"),
        });
    }
    let places = state.view(&request)?.places;
    Ok(HttpResponse::Ok().json(communities::search(&places, q, limit)))
}

/// `GET /v1/communities/resolve?name=&admin1=&lon=&lat=&pcode=`: the place a written name
/// stands for, how it was matched and how sure, and every candidate considered with why it
/// was kept or ruled out.
#[utoipa::path(
    get,
    path = "/v1/communities/resolve",
    tag = "Communities",
    params(
        ("name" = String, Query, description = "The community name as written, Arabic or Latin"),
        ("admin1" = Option<String>, Query, description = "The governorate written with it (either script, or its p-code)"),
        ("pcode" = Option<String>, Query, description = "A p-code written with it"),
        ("lon" = Option<f64>, Query, minimum = -180, maximum = 180, description = "The incident's longitude (with lat)"),
        ("lat" = Option<f64>, Query, minimum = -90, maximum = 90, description = "The incident's latitude (with lon)"),
    ),
    responses(
        (status = 200, description = "The place chosen (or none), its method (pcode, exact, alias, fuzzy, unresolved), score and reason, and every candidate", body = athar_app::communities::Resolved, content_type = "application/json"),
        (status = 400, description = "A missing or bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn resolve(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = own_parameters(&request, &state, &["name", "admin1", "pcode", "lon", "lat"])?;
    let name = query.get("name").ok_or_else(|| ApiError::BadParameter {
        parameter: "name".into(),
        message: "is required: the community name as written".into(),
    })?;
    let point = match (
        coordinate(&query, "lon", 180.0)?,
        coordinate(&query, "lat", 90.0)?,
    ) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        (None, None) => None,
        (Some(_), None) => {
            return Err(ApiError::BadParameter {
                parameter: "lat".into(),
                message: "is missing while lon is given (give both or neither)".into(),
            });
        }
        (None, Some(_)) => {
            return Err(ApiError::BadParameter {
                parameter: "lon".into(),
                message: "is missing while lat is given (give both or neither)".into(),
            });
        }
    };
    let places = state.view(&request)?.places;
    let asked = NameQuery {
        name,
        pcode: query.get("pcode"),
        admin1: query.get("admin1"),
        point,
    };
    let resolution = places.resolve(&asked);
    Ok(HttpResponse::Ok().json(communities::resolve(&places, &asked, &resolution)))
}

/// `GET /v1/communities/{id}`: one place, with the incidents whose names resolved to it,
/// counted for the filters given (every incident when none).
#[utoipa::path(
    get,
    path = "/v1/communities/{id}",
    tag = "Communities",
    params(
        ("id" = String, Path, description = "The place's id (`geonames:<id>`, or its p-code)"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "The place, with its incident counts", body = athar_app::communities::Place, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such place", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn community(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    let (snapshot, places) = (&view.snapshot, &view.places);
    let query = Query::parse(&request, snapshot.vocabularies(), &*view.resolver, &[])?;
    let place = places
        .get(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no community with id '{id}'")))?;
    if let Some(response) = not_modified(&request, view.tag()) {
        return Ok(response);
    }
    let body = communities::place_with_counts(snapshot, view.viewer, &query.filter, place);
    Ok(cached(view.tag(), "application/json", to_json(&body)?))
}

/// `GET /v1/communities/review`: what a person should look at: every name that resolved to
/// no place (by normalised spelling) and every place learned from incidents, each with its
/// incidents for the filters given, most first.
#[utoipa::path(
    get,
    path = "/v1/communities/review",
    tag = "Communities",
    params(crate::openapi::FilterParams),
    responses(
        (status = 200, description = "Unresolved names and learned places with their incident counts", body = athar_app::communities::Review, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn review(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    let (snapshot, places) = (&view.snapshot, &view.places);
    let query = Query::parse(&request, snapshot.vocabularies(), &*view.resolver, &[])?;
    if let Some(response) = not_modified(&request, view.tag()) {
        return Ok(response);
    }
    let body = communities::review(snapshot, places, view.viewer, &query.filter);
    Ok(cached(view.tag(), "application/json", to_json(&body)?))
}

/// A required text field of a JSON body.
fn text_field<'a>(body: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    body[field]
        .as_str()
        .filter(|value| !community_key(value).is_empty())
        .ok_or_else(|| ApiError::Invalid {
            detail: format!("'{field}' is required: a community name with letters"),
            errors: vec![athar_core::FieldError::new(field, "is required")],
        })
}

/// `POST /v1/communities/{id}/aliases` with `{"name": "…"}` (editor): attaches a spelling
/// to a place. Incidents of that spelling that resolved to nothing, or to the place
/// learned for it in the same governorate, move to the place at once.
#[utoipa::path(
    post,
    path = "/v1/communities/{id}/aliases",
    tag = "Communities",
    params(("id" = String, Path, description = "The place's id")),
    request_body(content = Object, content_type = "application/json", description = "{\"name\": \"the spelling\"}"),
    responses(
        (status = 200, description = "The spelling is attached; how many incidents moved", body = athar_app::communities::AliasAdded, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such place", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No name in the body", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn add_alias(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let place = state
        .gazetteer()
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("no community with id '{id}'")))?;
    let body = super::writes::json_body(&request, payload, &state).await?;
    let name = text_field(&body, "name")?;
    let added = communities::add_alias(&state.live, &place, name, &caller.name).await?;
    Ok(HttpResponse::Ok().json(added))
}

/// `POST /v1/communities/{id}/merge` with `{"into": "<place id>"}` (editor): merges a
/// learned place into another place: its incidents move there, its names become that
/// place's spellings, and it is removed.
#[utoipa::path(
    post,
    path = "/v1/communities/{id}/merge",
    tag = "Communities",
    params(("id" = String, Path, description = "The learned place's id")),
    request_body(content = Object, content_type = "application/json", description = "{\"into\": \"the id of the place it is\"}"),
    responses(
        (status = 200, description = "Merged; how many incidents moved", body = athar_app::communities::Merged, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such place", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a learned place, or no target", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn merge(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let places = state.gazetteer();
    let learned = places
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("no community with id '{id}'")))?;
    let body = super::writes::json_body(&request, payload, &state).await?;
    let into = body["into"].as_str().unwrap_or_default();
    let merged = communities::merge(&state.live, &learned, into, &caller.name)
        .await
        .map_err(|error| {
            let field = match error {
                communities::MergeError::NotLearned { .. } => "id",
                communities::MergeError::NoTarget(_) => "into",
                communities::MergeError::Store(error) => return ApiError::from(error),
            };
            let message = error.to_string();
            ApiError::Invalid {
                detail: message.clone(),
                errors: vec![athar_core::FieldError::new(field, &message)],
            }
        })?;
    Ok(HttpResponse::Ok().json(merged))
}

/// `POST /v1/communities/imports` (editor): a community list as CSV (OCHA's admin4
/// columns or plain ones), inserted or updated in place by id; answers what changed and
/// the rows rejected with their row and column.
#[utoipa::path(
    post,
    path = "/v1/communities/imports",
    tag = "Communities",
    request_body(content = String, content_type = "text/csv", description = "pcode/admin4Pcode, name_ar/admin4Name_ar, name_en/admin4Name_en, lat/latitude, lon/longitude, admin1–3 names and p-codes, kind, alternate names"),
    responses(
        (status = 200, description = "accepted, updated, unchanged and rejected rows", body = Object, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a community list", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn import_list(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.authorize_write(&request)?;
    let body = super::writes::read_body(&request, payload, state.settings.import_limit).await?;
    let report = athar_app::import_community_list(&state.store, &body[..])
        .await
        .map_err(|e| match e {
            athar_app::gazetteer::CommunityImportError::List(error) => ApiError::Invalid {
                detail: error.to_string(),
                errors: Vec::new(),
            },
            athar_app::gazetteer::CommunityImportError::Store(error) => ApiError::from(error),
        })?;
    state.reload_gazetteer().await?;
    Ok(HttpResponse::Ok().json(report))
}
