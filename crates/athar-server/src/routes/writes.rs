//! Writes with a bearer token (editor role): imports, new incidents, edits, deletions; and
//! the change log that mirrors follow.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_ingest::Format;
use athar_store::ImportMeta;
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::ImportError;
use athar_app::params::Parameters as _;

/// A JSON body of at most the configured size.
pub(crate) async fn json_body(
    request: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<Value, ApiError> {
    let body = read_body(request, payload, state.settings.body_limit).await?;
    serde_json::from_slice(&body).map_err(|e| ApiError::Invalid {
        detail: format!("the body is not JSON: {e}"),
        errors: Vec::new(),
    })
}

/// Reads a body of at most `limit` bytes.
pub(crate) async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadParameter {
            parameter: "(body)".into(),
            message: format!("could not be read: {e}"),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A write's own parameters (`source`, and `sheet` for imports), each if given.
fn write_parameters<const N: usize>(
    request: &HttpRequest,
    state: &AppState,
    names: [&str; N],
) -> Result<[Option<String>; N], ApiError> {
    let snapshot = state.snapshot();
    let query = Query::parse(request, snapshot.vocabularies(), &*state.resolver(), &names)?;
    if query.filter != athar_core::Filter::default() {
        return Err(ApiError::BadParameter {
            parameter: "(query string)".into(),
            message: format!("this write takes only {}", names.join(" and ")),
        });
    }
    Ok(names.map(|name| query.get(name).map(str::to_owned)))
}

async fn import_body(
    state: &AppState,
    caller: &Caller,
    (format, options): (Format, athar_ingest::ReadOptions),
    body: Vec<u8>,
    source: String,
) -> Result<HttpResponse, ApiError> {
    let snapshot = state.snapshot();
    let meta = ImportMeta {
        source,
        format: format.as_str().into(),
        file_name: None,
        actor: Some(caller.name.clone()),
    };
    let report = athar_app::import::run_import_with(
        &state.store,
        (Arc::clone(snapshot.vocabularies()), state.gazetteer()),
        (format, options),
        std::io::Cursor::new(body),
        meta,
    )
    .await
    .map_err(|error| match error {
        ImportError::Input(error) => ApiError::Invalid {
            detail: error.to_string(),
            errors: Vec::new(),
        },
        ImportError::Store(error) => ApiError::from(error),
        other => ApiError::internal(other),
    })?;
    state.catch_up().await?;
    let mut report = report;
    report.duplicates = Some(
        athar_app::duplicates::after_import(
            &state.live,
            report.import_id,
            state.settings.merge_duplicates_above,
        )
        .await?,
    );
    Ok(HttpResponse::Ok().json(report))
}

/// `POST /v1/imports?source=&sheet=`: a CSV (`text/csv`), GeoJSON
/// (`application/geo+json`), JSON or spreadsheet (`.xlsx`, `.xls`, `.ods` by their media
/// types) body, imported in one transaction; answers the import report.
#[utoipa::path(
    post,
    path = "/v1/imports",
    tag = "Writes",
    params(
        ("source" = Option<String>, Query, description = "The source of rows that name none"),
        ("sheet" = Option<String>, Query, description = "The sheet of a workbook to read (default: the first with a header Athar recognises)"),
    ),
    request_body(content = String, content_type = "text/csv", description = "CSV, GeoJSON (application/geo+json), JSON (application/json), or a spreadsheet: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet (.xlsx), application/vnd.ms-excel (.xls), application/vnd.oasis.opendocument.spreadsheet (.ods)"),
    responses(
        (status = 200, description = "The import report", body = athar_app::ImportReport),
        (status = 400, description = "An unknown content type or parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body cannot be read as a whole", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn import(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let [source, sheet] = write_parameters(&request, &state, ["source", "sheet"])?;
    let source = source.unwrap_or_else(|| format!("import by {}", caller.name));
    let media_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let format = Format::from_media_type(media_type).ok_or_else(|| ApiError::BadParameter {
        parameter: "Content-Type".into(),
        message: format!("'{media_type}' is not importable (allowed: text/csv, application/geo+json, application/json, and spreadsheets: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/vnd.ms-excel, application/vnd.oasis.opendocument.spreadsheet)"),
    })?;
    let body = read_body(&request, payload, state.settings.import_limit).await?;
    let options = athar_ingest::ReadOptions {
        sheet,
        ..athar_ingest::ReadOptions::default()
    };
    import_body(&state, &caller, (format, options), body, source).await
}

/// `POST /v1/incidents`: one incident object or an array of them, as JSON.
#[utoipa::path(
    post,
    path = "/v1/incidents",
    tag = "Writes",
    params(("source" = Option<String>, Query, description = "The source of incidents that name none")),
    request_body(content = Object, content_type = "application/json", description = "An incident object (its fields as the README lists them), or an array of them"),
    responses(
        (status = 200, description = "The import report", body = athar_app::ImportReport),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let [source] = write_parameters(&request, &state, ["source"])?;
    let source = source.unwrap_or_else(|| format!("api:{}", caller.name));
    let body = read_body(&request, payload, state.settings.body_limit).await?;
    import_body(
        &state,
        &caller,
        (Format::Json, athar_ingest::ReadOptions::default()),
        body,
        source,
    )
    .await
}

fn incident_id(path: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(path)
        .map_err(|_| ApiError::NotFound(format!("there is no incident '{path}'")))
}

/// `PATCH /v1/incidents/{id}`: a JSON object of the fields to change (`null` clears one);
/// the whole incident is validated again.
#[utoipa::path(
    patch,
    path = "/v1/incidents/{id}",
    tag = "Writes",
    params(("id" = String, Path, description = "The incident's id")),
    request_body(content = Object, content_type = "application/json", description = "The fields to change; null clears one"),
    responses(
        (status = 200, description = "The incident as it now is", body = athar_app::features::Feature, content_type = "application/geo+json"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over the limit", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The edit breaks the rules", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn edit(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let id = incident_id(&path)?;
    let body = read_body(&request, payload, state.settings.body_limit).await?;
    let changes: serde_json::Map<String, Value> =
        serde_json::from_slice(&body).map_err(|e| ApiError::Invalid {
            detail: format!("the body must be a JSON object of fields: {e}"),
            errors: Vec::new(),
        })?;
    let snapshot = state.snapshot();
    let row = snapshot
        .find(id)
        .ok_or_else(|| ApiError::NotFound(format!("there is no incident '{id}'")))?;
    let current = snapshot.incident(row);
    let record = athar_app::edits::patched(
        &current.record,
        &changes,
        (snapshot.vocabularies(), &*state.resolver()),
    )
    .map_err(|errors| ApiError::Invalid {
        detail: "the edit breaks the rules of an incident".into(),
        errors,
    })?;
    let counts = state
        .store
        .update_incident(id, record, Some(&caller.name))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("there is no incident '{id}'")))?;
    state.catch_up().await?;
    let snapshot = state.snapshot();
    let row = snapshot
        .find(id)
        .ok_or_else(|| ApiError::internal(format!("incident {id} vanished after an edit")))?;
    let mut feature = serde_json::to_value(athar_app::features::feature(&snapshot.incident(row)))
        .map_err(ApiError::internal)?;
    feature["changed"] = json!(counts.updated > 0);
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .body(feature.to_string()))
}

/// `DELETE /v1/incidents/{id}`.
#[utoipa::path(
    delete,
    path = "/v1/incidents/{id}",
    tag = "Writes",
    params(("id" = String, Path, description = "The incident's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many writes from this token or address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role may not write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such incident", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn delete(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = state.authorize_write(&request)?;
    let id = incident_id(&path)?;
    if !state.store.delete_incident(id, Some(&caller.name)).await? {
        return Err(ApiError::NotFound(format!("there is no incident '{id}'")));
    }
    state.catch_up().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /v1/changes?since=SEQ&limit=N`: the change log after `since`, oldest first,
/// deletions included: who, when, which incident, and what changed field by field.
#[utoipa::path(
    get,
    path = "/v1/changes",
    tag = "Writes",
    params(
        ("since" = Option<i64>, Query, minimum = 0, description = "The last sequence already seen"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "Entries (default 1000)"),
    ),
    responses(
        (status = 200, description = "The change log after `since`", body = athar_app::changes::ChangeLog),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn changes(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let snapshot = state.snapshot();
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*state.resolver(),
        &["since", "limit"],
    )?;
    if query.filter != athar_core::Filter::default() {
        return Err(ApiError::BadParameter {
            parameter: "(query string)".into(),
            message: "the change log takes only 'since' and 'limit'".into(),
        });
    }
    let since = query.number("since", 0, 0, i64::MAX as usize)? as i64;
    let limit = query.number("limit", 1_000, 1, 10_000)? as i64;
    let changes = state.store.changes_since(since, limit).await?;
    let log = athar_app::changes::change_log(changes, since, state.viewer(&request));
    // Through a JSON value: each entry's members in alphabetical order, as this answer has
    // always listed them.
    let body = serde_json::to_value(&log).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::VARY, "Authorization"))
        .json(body))
}
