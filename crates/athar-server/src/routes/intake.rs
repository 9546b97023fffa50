//! Intake from field forms: KoboToolbox's REST service posts each submission here.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::ImportError;
use athar_app::intake::{self, IntakeError};

use crate::routes::writes::read_body;
use crate::{ApiError, AppState};

/// `POST /v1/intake/kobo`: one submission of Athar's form as a KoboToolbox REST service
/// posts it (JSON; the token as a bearer token or as basic authentication's password),
/// imported like one row under the source `kobo:FORM`. A retry changes nothing; an edit
/// sent again updates. A submission that is rejected answers 422 with the import report,
/// so that KoboToolbox shows it as failed.
#[utoipa::path(
    post,
    path = "/v1/intake/kobo",
    tag = "Writes",
    request_body(content = Object, content_type = "application/json", description = "A submission as KoboToolbox posts it: group/question keys, _uuid, _geolocation, meta/instanceID…"),
    responses(
        (status = 200, description = "The import report", body = athar_app::ImportReport),
        (status = 400, description = "Not application/json", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Rejected (the import report), or not a submission (a problem)", content(
            (athar_app::ImportReport = "application/json"),
            (crate::error::Problem = "application/problem+json"),
        )),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn kobo(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_intake(&request)?;
    // JSON only: a cross-site form post (text/plain) is refused before anything is read.
    let media_type = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if !media_type.trim_start().starts_with("application/json") {
        return Err(ApiError::BadParameter {
            parameter: "Content-Type".into(),
            message: format!("'{media_type}' is not a submission: send application/json"),
        });
    }
    let body = read_body(&request, payload, state.settings.body_limit).await?;
    let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| ApiError::Invalid {
        detail: format!("a submission is a JSON object: {e}"),
        errors: Vec::new(),
    })?;
    let gazetteer = state.gazetteer();
    let submission = intake::read_submission(&json, &gazetteer).map_err(|e| ApiError::Invalid {
        detail: e.to_string(),
        errors: Vec::new(),
    })?;
    let snapshot = state.snapshot();
    let report = intake::import_submissions(
        &state.store,
        (std::sync::Arc::clone(snapshot.vocabularies()), gazetteer),
        vec![submission],
        (intake::kobo_source(&json), Some(caller.name.clone())),
    )
    .await
    .map_err(|error| match error {
        IntakeError::Import(ImportError::Input(error)) => ApiError::Invalid {
            detail: error.to_string(),
            errors: Vec::new(),
        },
        IntakeError::Import(ImportError::Store(error)) => ApiError::from(error),
        other => ApiError::internal(other),
    })?;
    state.catch_up().await?;
    Ok(if report.rejected_rows > 0 {
        HttpResponse::UnprocessableEntity().json(report)
    } else {
        HttpResponse::Ok().json(report)
    })
}
