//! Published months over HTTP: make a release (editor), list and read them, withdraw one
//! (admin). What a release answers is read through `release=ID` on every read endpoint
//! (see `AppState::view`); the releases themselves are `athar_app::releases`.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::releases::{Manifest, ReleaseError, Request};
use athar_core::FieldError;
use serde::Serialize;
use serde_json::Value;

use crate::{ApiError, AppState};

impl From<ReleaseError> for ApiError {
    fn from(error: ReleaseError) -> Self {
        match error {
            ReleaseError::Invalid { field, message } => Self::Invalid {
                detail: format!("{field}: {message}"),
                errors: vec![FieldError::new(&field, &message)],
            },
            ReleaseError::Exists(_) => Self::Conflict(error.to_string()),
            ReleaseError::NotFound(_) => Self::NotFound(error.to_string()),
            ReleaseError::Withdrawn { .. } => Self::Gone(error.to_string()),
            ReleaseError::Store(error) => error.into(),
            ReleaseError::Corrupt { .. } => Self::internal(error),
        }
    }
}

/// A JSON object body of at most the configured size.
async fn object_body(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    match super::writes::json_body(request, payload, state).await? {
        Value::Object(fields) => Ok(fields),
        _ => Err(ApiError::Invalid {
            detail: "the body is not a JSON object".into(),
            errors: Vec::new(),
        }),
    }
}

/// `POST /v1/releases` (editor) with `{"id", "title", "from", "to"}` and any of the
/// shared filters (`kind`, `admin1`, …, as in query strings): freezes the incidents they
/// select as they are now. 201 with the manifest; 409 when the id is taken.
#[utoipa::path(
    post,
    path = "/v1/releases",
    tag = "Releases",
    request_body(content = Object, content_type = "application/json", description = "{\"id\": \"2024-04\", \"title\": \"April 2024\", \"from\": \"2024-04-01\", \"to\": \"2024-04-30\"}, with any shared filter (\"kind\": \"attack\", …)"),
    responses(
        (status = 201, description = "The release's manifest", body = athar_app::releases::Manifest),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A release with this id exists", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is missing or wrong", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let fields = object_body(&request, payload, &state).await?;
    let snapshot = state.snapshot();
    let request = Request::from_fields(
        &fields,
        (snapshot.vocabularies(), &*state.resolver()),
        Some(&caller.name),
    )?;
    let gazetteer = state.gazetteer();
    let manifest = state
        .releases
        .create(
            &state.store,
            (&snapshot, &gazetteer),
            request,
            &state.settings.privacy,
        )
        .await?;
    Ok(HttpResponse::Created().json(manifest))
}

/// The releases.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReleaseList {
    /// Every release, newest first, withdrawn ones included (with their withdrawal).
    releases: Vec<Manifest>,
}

/// `GET /v1/releases`: every release, newest first.
#[utoipa::path(
    get,
    path = "/v1/releases",
    tag = "Releases",
    responses((status = 200, description = "Every release, newest first", body = ReleaseList))
)]
pub(crate) async fn list(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let public = state.viewer(&request).is_public();
    HttpResponse::Ok().json(ReleaseList {
        releases: state
            .releases
            .manifests()
            .iter()
            .map(|manifest| manifest.as_seen_by(public))
            .collect(),
    })
}

/// A release's manifest with its totals.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReleaseDocument {
    /// The manifest.
    #[serde(flatten)]
    manifest: Manifest,
    /// Incidents and casualties by kind (slug).
    totals: std::collections::BTreeMap<String, athar_app::stats::Figures>,
}

/// `GET /v1/releases/{id}`: a release's manifest, with its totals by kind; 410 with the
/// reason when it was withdrawn.
#[utoipa::path(
    get,
    path = "/v1/releases/{id}",
    tag = "Releases",
    params(("id" = String, Path, description = "The release's id")),
    responses(
        (status = 200, description = "The manifest, with totals by kind", body = ReleaseDocument),
        (status = 404, description = "No such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "Withdrawn, and why", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn release(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let release = state.releases.published(&id)?;
    // What this reader may see (see `privacy`).
    let public = state.viewer(&request).is_public();
    let (snapshot, _) = release.seen_by(public);
    let totals = athar_app::releases::kind_totals(
        &snapshot,
        &snapshot.select(&athar_core::Filter::default()),
    );
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=31536000, immutable",
        ))
        // Readers without a token see less of the manifest.
        .insert_header((actix_web::http::header::VARY, "Authorization"))
        .json(ReleaseDocument {
            manifest: release.manifest.as_seen_by(public),
            totals,
        }))
}

/// `DELETE /v1/releases/{id}` (admin) with `{"reason": "…"}`: withdraws a release. It
/// stays listed, and answers 410 with the reason wherever it is asked for.
#[utoipa::path(
    delete,
    path = "/v1/releases/{id}",
    tag = "Releases",
    params(("id" = String, Path, description = "The release's id")),
    request_body(content = Object, content_type = "application/json", description = "{\"reason\": \"why\"}"),
    responses(
        (status = 200, description = "The manifest with its withdrawal", body = athar_app::releases::Manifest),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn withdraw(
    request: HttpRequest,
    id: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.tokens.authorize(&request, crate::Role::Admin)?;
    let fields = object_body(&request, payload, &state).await?;
    let reason = fields
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let manifest = state
        .releases
        .withdraw(
            &state.store,
            &id,
            (Some(&caller.name), reason),
            &state.settings.privacy,
        )
        .await?;
    Ok(HttpResponse::Ok().json(manifest))
}

/// `GET /v1/releases/{id}/diff?against=OTHER&format=json|csv`: what changed since
/// publication, over the release's period and filters: incidents added and removed, each
/// changed field (a re-assignment to another place as `community_id`), and the totals of
/// both sides by kind; against the live data, or another release.
#[utoipa::path(
    get,
    path = "/v1/releases/{id}/diff",
    tag = "Releases",
    params(
        ("id" = String, Path, description = "The release's id"),
        ("against" = Option<String>, Query, description = "Another release (default: the live data)"),
        ("format" = Option<String>, Query, description = "json (default) or csv"),
    ),
    responses(
        (status = 200, description = "What changed", body = athar_app::releases::Diff),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "Withdrawn, and why", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn diff(
    request: HttpRequest,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use athar_app::params::Parameters as _;
    let release = state.releases.published(&id)?;
    let query = crate::query::Query::parse(
        &request,
        release.snapshot.vocabularies(),
        &*release.places,
        &["against", "format"],
    )?;
    if query.filter != athar_core::Filter::default() {
        return Err(ApiError::BadParameter {
            parameter: "(query string)".into(),
            message: "a diff is over the release's own period and filters; it takes only 'against' and 'format'".into(),
        });
    }
    let csv = query.choice("format", &["json", "csv"], "json")? == "csv";
    let public = state.viewer(&request).is_public();
    let (mine, _) = release.seen_by(public);
    let (theirs, places, immutable) = if let Some(other) = query.get("against") {
        let (snapshot, places) = state.releases.published(other)?.seen_by(public);
        (snapshot, places, true)
    } else {
        let view = state.view(&request)?;
        (view.snapshot, view.places, false)
    };
    let manifest = release.manifest.clone();
    let body = state
        .compute(move || {
            let filter =
                athar_app::releases::manifest_filter(&manifest, (theirs.vocabularies(), &*places));
            let diff = athar_app::releases::diff(&mine, &theirs, &filter);
            if csv {
                diff.csv().map_err(ApiError::internal)
            } else {
                serde_json::to_string(&diff).map_err(ApiError::internal)
            }
        })
        .await??;
    Ok(HttpResponse::Ok()
        .content_type(if csv {
            "text/csv; charset=utf-8"
        } else {
            "application/json"
        })
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            if immutable {
                "public, max-age=31536000, immutable"
            } else {
                "public, max-age=60"
            },
        ))
        .insert_header((actix_web::http::header::VARY, "Authorization"))
        .body(body))
}
