//! The monthly report.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::params::Parameters as _;

use crate::http::{cached, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};

/// `GET /v1/reports/monthly.json?month=YYYY-MM`: the monthly report's figures, per kind
/// present, each with the `/v1/stats` query that gives it (and with `release=ID`, the
/// release's). The text, charts, HTML and PDF are still to come.
#[utoipa::path(
    get,
    path = "/v1/reports/monthly.json",
    tag = "Counts and statistics",
    params(
        ("month" = String, Query, description = "The month, YYYY-MM"),
        ("release" = Option<String>, Query, description = "A release's id: its data"),
    ),
    responses(
        (status = 200, description = "The month's figures by kind", body = athar_app::reports::MonthlyReport, content_type = "application/json"),
        (status = 400, description = "No month, or not YYYY-MM, or another parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The release was withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn monthly(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    let query = Query::parse(
        &request,
        view.snapshot.vocabularies(),
        &*view.resolver,
        &["month"],
    )?;
    if query.filter != athar_core::Filter::default() {
        return Err(ApiError::BadParameter {
            parameter: "(query string)".into(),
            message: "the monthly report takes 'month' and 'release' only".into(),
        });
    }
    let month = query.get("month").ok_or_else(|| ApiError::BadParameter {
        parameter: "month".into(),
        message: "is required: YYYY-MM, for example 2024-04".into(),
    })?;
    let month =
        athar_app::reports::Month::parse(month).map_err(|error| ApiError::BadParameter {
            parameter: "month".into(),
            message: error.to_string(),
        })?;
    let tag = view.tag();
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let release = view.release.as_ref().map(|r| r.manifest.id.clone());
    let viewer = athar_app::privacy::OwnedViewer::new(view.viewer, view.places);
    let snapshot = view.snapshot;
    let body = state
        .compute(move || {
            let report =
                athar_app::reports::monthly(&snapshot, &viewer, &month, release.as_deref());
            serde_json::to_string(&report).map_err(ApiError::internal)
        })
        .await??;
    Ok(cached(tag, "application/json", body))
}
