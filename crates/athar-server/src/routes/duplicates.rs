//! Candidate duplicates: the same incident reported by several sources.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::duplicates;
use athar_app::params::Parameters as _;

use crate::query::Query;
use crate::{ApiError, AppState};

/// `GET /v1/duplicates` (a token of any role): pairs of incidents of different sources
/// that are probably one event (same kind, near in place and time, casualty figures that
/// do not contradict), with at least one under the filters given, best first, each with
/// its score and the reasons it was proposed.
#[utoipa::path(
    get,
    path = "/v1/duplicates",
    tag = "Incidents",
    params(
        crate::openapi::FilterParams,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1_000, description = "Pairs listed (default 100)"),
    ),
    responses(
        (status = 200, description = "Candidate pairs, best first", body = athar_app::duplicates::Duplicates, content_type = "application/json"),
        (status = 400, description = "A bad filter or limit", body = crate::error::Problem, content_type = "application/problem+json"),
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
        &["limit"],
    )?;
    let limit = query.number("limit", 100, 1, duplicates::MAX_LIMIT)?;
    let snapshot = view.snapshot;
    let filter = query.filter;
    let body = state
        .compute(move || {
            serde_json::to_string(&duplicates::find(&snapshot, &filter, limit))
                .map_err(ApiError::internal)
        })
        .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}
