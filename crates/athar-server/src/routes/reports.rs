//! The monthly report: its figures (JSON), the report itself (HTML, PDF), and each of its
//! charts and its map alone (SVG, PNG).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_app::maps::MapView;
use athar_app::params::{Parameters as _, Pick as _};
use athar_app::privacy::OwnedViewer;
use athar_app::reports::document::{self, CHARTS, Provenance};
use athar_app::reports::{Month, MonthlyReport};
use athar_core::Language;
use athar_index::Snapshot;
use athar_reports::{Document, Downloads, Words};

use crate::http::{Tag, cached, encode, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};

/// What every monthly report request reads.
struct MonthlyRequest {
    snapshot: Arc<Snapshot>,
    viewer: OwnedViewer,
    month: Month,
    language: Option<Language>,
    release: Option<(String, String, chrono::NaiveDate)>,
    tag: Tag,
    /// The query to repeat in links to the figures.
    query: String,
}

impl MonthlyRequest {
    fn read(request: &HttpRequest, state: &AppState) -> Result<Self, ApiError> {
        let view = state.view(request)?;
        let query = Query::parse(
            request,
            view.snapshot.vocabularies(),
            &*view.resolver,
            &["month", "lang"],
        )?;
        if query.filter != athar_core::Filter::default() {
            return Err(ApiError::BadParameter {
                parameter: "(query string)".into(),
                message: "the monthly report takes 'month', 'lang' and 'release' only".into(),
            });
        }
        let manifest = view.release.as_ref().map(|release| &release.manifest);
        let month = match query.get("month") {
            Some(month) => Month::parse(month).map_err(|error| ApiError::BadParameter {
                parameter: "month".into(),
                message: error.to_string(),
            })?,
            None => manifest
                .and_then(|m| Month::of_period(m.from, m.to))
                .ok_or_else(|| ApiError::BadParameter {
                    parameter: "month".into(),
                    message: "is required: YYYY-MM, for example 2024-04 (a release of one \
                              whole month gives its own)"
                        .into(),
                })?,
        };
        let language = match query.get("lang") {
            Some(_) => Some(query.pick("lang", Language::English)?),
            None => None,
        };
        let release = manifest.map(|m| (m.id.clone(), m.sha256.clone(), m.from));
        let mut pairs = vec![format!("month={}", month.text)];
        if let Some(language) = language {
            pairs.push(format!("lang={}", language.code()));
        }
        if let Some((id, _, _)) = &release {
            pairs.push(format!("release={}", encode(id)));
        }
        Ok(Self {
            tag: view.tag(),
            viewer: OwnedViewer::new(view.viewer, view.places),
            snapshot: view.snapshot,
            month,
            language,
            release,
            query: pairs.join("&"),
        })
    }

    fn figures(&self) -> MonthlyReport {
        athar_app::reports::monthly(
            &self.snapshot,
            &self.viewer,
            &self.month,
            self.release
                .as_ref()
                .map(|(id, _, from)| (id.as_str(), *from)),
        )
    }

    fn words(&self) -> Words {
        Words::bundled(self.language.unwrap_or(Language::English))
    }

    fn provenance(&self) -> Provenance<'_> {
        match &self.release {
            Some((id, sha256, from)) => Provenance::Release {
                id,
                sha256,
                from: *from,
            },
            None => Provenance::Live,
        }
    }

    /// The whole report worded, with its map.
    fn document(&self, view: MapView, links: bool) -> Result<Document, ApiError> {
        athar_app::reports::report_document(
            (&self.snapshot, &self.viewer),
            &self.month,
            self.language.unwrap_or(Language::English),
            self.provenance(),
            view,
            links.then(|| Downloads {
                base: "monthly/".into(),
                query: self.query.clone(),
            }),
        )
        .map_err(ApiError::internal)
    }

    fn file_name(&self, extension: &str) -> String {
        let language = self.language.unwrap_or(Language::English).code();
        format!(
            "athar-report-{}-{language}{}.{extension}",
            self.month.text,
            self.release
                .as_ref()
                .map(|(id, _, _)| format!("-{id}"))
                .unwrap_or_default()
        )
    }
}

/// The map the report draws for this reader: points, or communities for readers who may
/// not see incidents one by one.
fn map_view(request: &HttpRequest, state: &AppState) -> MapView {
    if state.incidents_visible(request) {
        MapView::Points
    } else {
        MapView::Communities
    }
}

fn file(tag: Tag, media_type: &str, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((header::ETAG, tag.etag()))
        .insert_header((header::CACHE_CONTROL, tag.cache_control()))
        .insert_header((header::VARY, "Authorization"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{name}\""),
        ))
        .body(body)
}

/// `GET /v1/reports/monthly.json?month=YYYY-MM`: the monthly report's figures, per kind
/// present, each with the `/v1/stats` query that gives it (and with `release=ID`, the
/// release's; with `lang`, each kind's paragraphs of the report too).
#[utoipa::path(
    get,
    path = "/v1/reports/monthly.json",
    tag = "Reports",
    params(
        ("month" = Option<String>, Query, description = "The month, YYYY-MM (required unless the release covers one whole month)"),
        ("lang" = Option<athar_core::Language>, Query, description = "ar or en: add each kind's paragraphs of the report in that language"),
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
    let monthly = MonthlyRequest::read(&request, &state)?;
    if let Some(response) = not_modified(&request, monthly.tag) {
        return Ok(response);
    }
    let tag = monthly.tag;
    let body = state
        .compute(move || {
            let mut report = monthly.figures();
            if monthly.language.is_some() {
                let words = monthly.words();
                let worded = document::document(
                    &report,
                    &monthly.month,
                    &words,
                    monthly.provenance(),
                    None,
                    None,
                )
                .map_err(ApiError::internal)?;
                for section in worded.sections {
                    if let Some(kind) = report.kinds.get_mut(&section.kind) {
                        kind.text = Some(section.paragraphs);
                    }
                }
            }
            serde_json::to_string(&report).map_err(ApiError::internal)
        })
        .await??;
    Ok(cached(tag, "application/json", body))
}

/// `GET /v1/reports/monthly.html?month=YYYY-MM&lang=ar|en`: the monthly report as one
/// HTML page, its charts and map inline, with links to download each alone.
#[utoipa::path(
    get,
    path = "/v1/reports/monthly.html",
    tag = "Reports",
    params(
        ("month" = Option<String>, Query, description = "The month, YYYY-MM (required unless the release covers one whole month)"),
        ("lang" = Option<athar_core::Language>, Query, description = "ar or en (default en)"),
        ("release" = Option<String>, Query, description = "A release's id: its data"),
    ),
    responses(
        (status = 200, description = "The report", body = String, content_type = "text/html"),
        (status = 400, description = "No month, or not YYYY-MM, or another parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The release was withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many heavy reads from this address", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn monthly_html(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut response = rendered(
        &request,
        &state,
        ("html", "text/html; charset=utf-8"),
        |monthly, view| Ok(monthly.document(view, true)?.html().into_bytes()),
    )
    .await?;
    // The page is self-contained: its own styles and inline drawings, images from here.
    if response.status() == actix_web::http::StatusCode::OK {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'",
            ),
        );
    }
    Ok(response)
}

/// `GET /v1/reports/monthly.pdf?month=YYYY-MM&lang=ar|en`: the monthly report as an A4
/// PDF (Arabic right to left, fonts embedded, text selectable, page numbers).
#[utoipa::path(
    get,
    path = "/v1/reports/monthly.pdf",
    tag = "Reports",
    params(
        ("month" = Option<String>, Query, description = "The month, YYYY-MM (required unless the release covers one whole month)"),
        ("lang" = Option<athar_core::Language>, Query, description = "ar or en (default en)"),
        ("release" = Option<String>, Query, description = "A release's id: its data"),
    ),
    responses(
        (status = 200, description = "The report", body = Vec<u8>, content_type = "application/pdf"),
        (status = 400, description = "No month, or not YYYY-MM, or another parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The release was withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many heavy reads from this address", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn monthly_pdf(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    rendered(
        &request,
        &state,
        ("pdf", "application/pdf"),
        |monthly, view| {
            monthly
                .document(view, false)?
                .pdf()
                .map_err(ApiError::internal)
        },
    )
    .await
}

/// What the HTML and PDF answers share: the request read, a 304 when the reader has the
/// answer, the heavy-read allowance, then `render` within the heavy computations' limit,
/// sent as a file named for the month, language and release.
async fn rendered(
    request: &HttpRequest,
    state: &AppState,
    (extension, media_type): (&str, &str),
    render: impl FnOnce(MonthlyRequest, MapView) -> Result<Vec<u8>, ApiError> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let monthly = MonthlyRequest::read(request, state)?;
    if let Some(response) = not_modified(request, monthly.tag) {
        return Ok(response);
    }
    state.authorize_heavy_read(request)?;
    let (tag, view) = (monthly.tag, map_view(request, state));
    let name = monthly.file_name(extension);
    let body = state.compute_heavy(move || render(monthly, view)).await??;
    Ok(file(tag, media_type, &name, body))
}

/// `GET /v1/reports/monthly/{figure}.{svg|png}?month=YYYY-MM&lang=ar|en`: one chart of the
/// report (`casualties`, `weapons`, `fire-places`, `accident-causes`) or its `map`, alone.
#[utoipa::path(
    get,
    path = "/v1/reports/monthly/{figure}",
    tag = "Reports",
    params(
        ("figure" = String, Path, description = "casualties, weapons, fire-places, accident-causes or map, then .svg or .png"),
        ("month" = Option<String>, Query, description = "The month, YYYY-MM (required unless the release covers one whole month)"),
        ("lang" = Option<athar_core::Language>, Query, description = "ar or en (default en)"),
        ("release" = Option<String>, Query, description = "A release's id: its data"),
    ),
    responses(
        (status = 200, description = "The figure", content(
            (String = "image/svg+xml"),
            (String = "image/png"),
        )),
        (status = 400, description = "No month, or not YYYY-MM, or another parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such figure, or the month has none (its kind is absent), or no such release", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "The release was withdrawn", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many heavy reads from this address", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn figure(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let no_such = || {
        ApiError::NotFound(format!(
            "there is no report figure '{}': use {} or map, then .svg or .png",
            path.chars().take(60).collect::<String>(),
            CHARTS.join(", ")
        ))
    };
    let (id, extension) = path.rsplit_once('.').ok_or_else(no_such)?;
    let png = match extension {
        "svg" => false,
        "png" => true,
        _ => return Err(no_such()),
    };
    if id != "map" && !CHARTS.contains(&id) {
        return Err(no_such());
    }
    let id = id.to_owned();
    let monthly = MonthlyRequest::read(&request, &state)?;
    if let Some(response) = not_modified(&request, monthly.tag) {
        return Ok(response);
    }
    state.authorize_heavy_read(&request)?;
    let (tag, view) = (monthly.tag, map_view(&request, &state));
    let name =
        monthly
            .file_name(extension)
            .replacen("athar-report-", &format!("athar-report-{id}-"), 1);
    let language = monthly.language.unwrap_or(Language::English);
    let body = state
        .compute_heavy(move || -> Result<Vec<u8>, ApiError> {
            let report = monthly.figures();
            let words = monthly.words();
            let absent = || {
                ApiError::NotFound(format!(
                    "the report of {} has no '{id}': its kind has no incidents there",
                    monthly.month.text
                ))
            };
            if id == "map" {
                let svg = athar_app::reports::attack_map_svg(
                    (&monthly.snapshot, &monthly.viewer),
                    (&monthly.month, &report),
                    &words,
                    view,
                )
                .map_err(ApiError::internal)?
                .ok_or_else(absent)?;
                return if png {
                    athar_maps::svg_to_png(&svg, language, 1).map_err(ApiError::internal)
                } else {
                    Ok(svg.into_bytes())
                };
            }
            let chart = document::charts(&report, &words)
                .map_err(ApiError::internal)?
                .into_iter()
                .find(|chart| chart.id == id)
                .ok_or_else(absent)?;
            let svg = chart.svg(language);
            if png {
                athar_maps::svg_to_png(&svg, language, 2).map_err(ApiError::internal)
            } else {
                Ok(svg.into_bytes())
            }
        })
        .await??;
    let media_type = if png { "image/png" } else { "image/svg+xml" };
    Ok(file(tag, media_type, &name, body))
}
