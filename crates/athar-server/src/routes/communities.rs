//! The gazetteer over HTTP: search places by name in either script, resolve a written name
//! with the candidates and why, and one place with its incident counts.
//!
//! The places are the bundled GeoNames gazetteer (CC BY 4.0, attributed in every answer).

use actix_web::{HttpRequest, HttpResponse, web};
use athar_gazetteer::{Community, GEONAMES_ATTRIBUTION, Query as NameQuery, community_key};
use serde_json::{Value, json};

use crate::http::{cached, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};

fn community_json(community: &Community) -> Value {
    let admin =
        |area: &athar_gazetteer::AdminArea| json!({ "name": area.name, "pcode": area.pcode });
    json!({
        "id": community.id,
        "pcode": community.pcode,
        "name_ar": community.name_ar,
        "name_en": community.name_en,
        "alternate_names": community.alternate_names,
        "kind": community.kind.as_str(),
        "status": community.status.as_str(),
        "lon": community.lon_lat.map(|p| p.0),
        "lat": community.lon_lat.map(|p| p.1),
        "admin1": admin(&community.admin1),
        "admin2": admin(&community.admin2),
        "admin3": admin(&community.admin3),
    })
}

/// The parameters of an endpoint that takes no incident filters.
fn own_parameters(
    request: &HttpRequest,
    state: &AppState,
    own: &[&str],
) -> Result<Query, ApiError> {
    let snapshot = state.snapshot();
    let query = Query::parse(request, snapshot.vocabularies(), &*state.resolver(), own)?;
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
        (status = 200, description = "Matching places, best first, with the GeoNames attribution", body = Object, content_type = "application/json"),
        (status = 400, description = "A missing or bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
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
    let found: Vec<Value> = state
        .places
        .search(q, limit)
        .into_iter()
        .map(community_json)
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "q": q,
        "communities": found,
        "attribution": GEONAMES_ATTRIBUTION,
    })))
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
        (status = 200, description = "The place chosen (or none), its method (pcode, exact, alias, fuzzy, unresolved), score and reason, and every candidate", body = Object, content_type = "application/json"),
        (status = 400, description = "A missing or bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
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
    let resolution = state.places.resolve(&NameQuery {
        name,
        pcode: query.get("pcode"),
        admin1: query.get("admin1"),
        point,
    });
    let candidates: Vec<Value> = resolution
        .candidates
        .iter()
        .map(|candidate| {
            let mut entry = json!(candidate);
            if let Some(place) = state.places.get(&candidate.community_id) {
                entry["community"] = community_json(place);
            }
            entry
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "name": name,
        "key": community_key(name),
        "community_id": resolution.community_id,
        "community": resolution.community_id.as_deref().and_then(|id| state.places.get(id)).map(community_json),
        "method": resolution.method,
        "score": resolution.score,
        "reason": resolution.reason,
        "candidates": candidates,
        "attribution": GEONAMES_ATTRIBUTION,
    })))
}

/// `GET /v1/communities/{id}`: one place, with the incidents counted under its names for
/// the filters given (every incident when none).
#[utoipa::path(
    get,
    path = "/v1/communities/{id}",
    tag = "Communities",
    params(
        ("id" = String, Path, description = "The place's id (`geonames:<id>`, or its p-code)"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "The place, with its incident counts", body = Object, content_type = "application/json"),
        (status = 400, description = "A bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such place", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn community(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = state.snapshot();
    let query = Query::parse(&request, snapshot.vocabularies(), &*state.resolver(), &[])?;
    let place = state
        .places
        .get(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no community with id '{id}'")))?;
    if let Some(response) = not_modified(&request, snapshot.version()) {
        return Ok(response);
    }
    // Incidents are grouped by the key of the name they were reported under; every key of
    // the place's names counts for it.
    let keys: std::collections::HashSet<String> = place.names().map(community_key).collect();
    let rows = snapshot.select(&query.filter);
    let (mut incidents, mut killed, mut injured) = (0u64, 0u64, 0u64);
    let mut spellings = Vec::new();
    for count in snapshot.community_counts(&rows, None) {
        let info = &snapshot.communities()[count.community as usize];
        if keys.contains(&info.key) {
            incidents += count.count;
            killed += count.killed;
            injured += count.injured;
            spellings.push(json!({
                "key": info.key,
                "name_ar": info.name_ar,
                "name_en": info.name_en,
                "count": count.count,
            }));
        }
    }
    let mut body = community_json(place);
    body["incidents"] = json!({
        "count": incidents,
        "killed": killed,
        "injured": injured,
        "reported_as": spellings,
    });
    body["attribution"] = json!(GEONAMES_ATTRIBUTION);
    Ok(cached(
        snapshot.version(),
        "application/json",
        body.to_string(),
    ))
}
