//! The same incident reported by several sources: candidate pairs, decisions on them
//! (merge, dismiss, unmerge) and every report of an event. Token holders only.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::duplicates::{self, DecisionError, Status};
use athar_app::params::Parameters as _;
use athar_store::DuplicateError;
use serde_json::Value;

use super::writes::json_body;
use crate::query::Query;
use crate::{ApiError, AppState};

fn private_json(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(body)
}

impl From<DecisionError> for ApiError {
    fn from(error: DecisionError) -> Self {
        match error {
            DecisionError::BadPair(_) => Self::NotFound(error.to_string()),
            DecisionError::KeepOutsidePair => Self::Invalid {
                detail: error.to_string(),
                errors: vec![athar_core::FieldError::new(
                    "keep",
                    "must be one of the pair's incidents",
                )],
            },
            DecisionError::Refused(DuplicateError::NotFound(_)) => {
                Self::NotFound(error.to_string())
            }
            DecisionError::Refused(DuplicateError::NotMerged(_)) => {
                Self::Conflict(error.to_string())
            }
            DecisionError::Refused(DuplicateError::Store(error)) | DecisionError::Store(error) => {
                error.into()
            }
        }
    }
}

/// `GET /v1/duplicates` (a token of any role): pairs of incidents of different sources
/// that are probably one event (same kind, near in place and time, casualty figures that
/// do not contradict), with at least one under the filters given, best first, each with
/// its score and the reasons it was proposed; or, with `status=merged|dismissed`, the
/// decisions people made.
#[utoipa::path(
    get,
    path = "/v1/duplicates",
    tag = "Incidents",
    params(
        crate::openapi::FilterParams,
        ("status" = Option<String>, Query, description = "`open` (default: proposed, not decided), `merged` or `dismissed`"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1_000, description = "Pairs listed (default 100)"),
    ),
    responses(
        (status = 200, description = "Candidate pairs, best first (`status=open`)", body = athar_app::duplicates::Duplicates, content_type = "application/json"),
        (status = 400, description = "A bad filter, status or limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token: pairs are proposed on exact points and figures", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.tokens.authorize(&request, crate::Role::Reader)?;
    let view = state.view(&request)?;
    let query = Query::parse(
        &request,
        view.snapshot.vocabularies(),
        &*view.resolver,
        &["limit", "status"],
    )?;
    let limit = query.number("limit", 100, 1, duplicates::MAX_LIMIT)?;
    let status = Status::parse(query.choice("status", &Status::NAMES, "open")?)
        .expect("a status of the list");
    if status != Status::Open {
        let body = duplicates::decisions(&state.store, status).await?;
        return Ok(private_json(
            serde_json::to_string(&body).map_err(ApiError::internal)?,
        ));
    }
    let decided = duplicates::decided_pairs(&state.store).await?;
    let snapshot = view.snapshot;
    let filter = query.filter;
    let body = state
        .compute(move || {
            serde_json::to_string(&duplicates::find(&snapshot, &filter, limit, |pair| {
                decided.contains(pair)
            }))
            .map_err(ApiError::internal)
        })
        .await??;
    Ok(private_json(body))
}

/// `POST /v1/duplicates/{id}/merge` (editor), with `{"keep": ID}` optional: makes one
/// event of a pair. The kept incident (by default the first reported) counts and carries
/// every report; the other stops counting but is kept, and its URL redirects to the kept
/// one. In the change log as `merge`.
#[utoipa::path(
    post,
    path = "/v1/duplicates/{id}/merge",
    tag = "Incidents",
    params(("id" = String, Path, description = "The pair: two incident ids, smaller first, joined by `_`")),
    request_body(content = Object, description = "`{\"keep\": ID}`, optional", content_type = "application/json"),
    responses(
        (status = 200, description = "The event, with every report of it", body = athar_app::duplicates::Event, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an editor's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pair or incident, or one already merged", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`keep` is not one of the pair", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn merge(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let has_body = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok())
        .is_some_and(|length| length != "0");
    let body = if has_body {
        json_body(&request, payload, &state).await?
    } else {
        Value::Null
    };
    let keep = match &body["keep"] {
        Value::Null => None,
        Value::String(id) => Some(uuid::Uuid::parse_str(id).map_err(|_| ApiError::Invalid {
            detail: format!("'keep' is not an incident id: '{id}'"),
            errors: vec![athar_core::FieldError::new("keep", "is not an incident id")],
        })?),
        other => {
            return Err(ApiError::Invalid {
                detail: format!("'keep' must be an incident id, not {other}"),
                errors: vec![athar_core::FieldError::new("keep", "must be a string")],
            });
        }
    };
    let event = duplicates::merge(&state.store, &path, keep, &caller.name).await?;
    state.catch_up().await?;
    Ok(private_json(
        serde_json::to_string(&event).map_err(ApiError::internal)?,
    ))
}

/// `POST /v1/duplicates/{id}/dismiss` (editor): records that a pair are different events;
/// it is not proposed again. In the change log as `dismiss`.
#[utoipa::path(
    post,
    path = "/v1/duplicates/{id}/dismiss",
    tag = "Incidents",
    params(("id" = String, Path, description = "The pair: two incident ids, smaller first, joined by `_`")),
    responses(
        (status = 200, description = "The decision", body = athar_app::duplicates::Decisions, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an editor's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such pair or incident", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn dismiss(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let decisions = duplicates::dismiss(&state.store, &path, &caller.name).await?;
    state.catch_up().await?;
    Ok(private_json(
        serde_json::to_string(&decisions).map_err(ApiError::internal)?,
    ))
}

/// `POST /v1/incidents/{id}/unmerge` (editor): undoes the merges of an incident (merged
/// into another, or kept with others merged into it): both count again. In the change log
/// as `unmerge`.
#[utoipa::path(
    post,
    path = "/v1/incidents/{id}/unmerge",
    tag = "Incidents",
    params(("id" = String, Path, description = "An incident id")),
    responses(
        (status = 200, description = "The incidents that count again", body = athar_app::duplicates::Unmerged, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is not an editor's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing is merged into or from it", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn unmerge(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let id = uuid::Uuid::parse_str(&path)
        .map_err(|_| ApiError::NotFound(format!("there is no incident '{path}'")))?;
    let restored = duplicates::unmerge(&state.store, id, &caller.name).await?;
    state.catch_up().await?;
    Ok(private_json(
        serde_json::to_string(&restored).map_err(ApiError::internal)?,
    ))
}

/// `GET /v1/incidents/{id}/sources` (a token of any role): every report of an event, the
/// incident itself and those merged into it, each with its source, source id and figures.
#[utoipa::path(
    get,
    path = "/v1/incidents/{id}/sources",
    tag = "Incidents",
    params(("id" = String, Path, description = "An incident id")),
    responses(
        (status = 200, description = "Every report of the event", body = athar_app::duplicates::Event, content_type = "application/json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn sources(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.tokens.authorize(&request, crate::Role::Reader)?;
    let not_found = || ApiError::NotFound(format!("there is no incident '{path}'"));
    let id = uuid::Uuid::parse_str(&path).map_err(|_| not_found())?;
    let event = duplicates::event(&state.store, id).await?;
    if event.sources.is_empty() {
        return Err(not_found());
    }
    Ok(private_json(
        serde_json::to_string(&event).map_err(ApiError::internal)?,
    ))
}
