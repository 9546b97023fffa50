//! Counts per community, statistics, time series and vocabularies: the numbers of a
//! monthly report.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_index::Interval;

use athar_app::counts::{Format, Ranking, RankingDocument, ranking, ranking_csv, ranking_geojson};

use crate::http::{cached, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::params::{Parameters as _, Pick as _};

/// `GET /v1/communities/counts`: communities ranked by incidents, with the previous
/// period of the same length for comparison.
#[utoipa::path(
    get,
    path = "/v1/communities/counts",
    tag = "Counts and statistics",
    params(
        crate::openapi::FilterParams,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100_000, description = "Communities listed (default 100)"),
        ("format" = Option<athar_app::counts::Format>, Query, description = "json (default), geojson or csv"),
    ),
    responses(
        (status = 200, description = "Communities ranked by incidents", content(
            (athar_app::counts::RankingDocument = "application/json"),
            (Object = "application/geo+json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn community_counts(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    let (tag, snapshot) = (view.tag(), view.snapshot);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*view.resolver,
        &["limit", "format"],
    )?;
    let limit = query.number("limit", 100, 1, 100_000)?;
    let format = query.pick("format", Format::Json)?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let viewer = athar_app::privacy::OwnedViewer::new(view.viewer, view.places);
    let (content_type, body) = state
        .compute(move || -> Result<_, ApiError> {
            let rows = snapshot.select(&query.filter);
            let Ranking {
                entries,
                communities,
            } = ranking(
                (&snapshot, &viewer.places, viewer.viewer()),
                &query.filter,
                &rows,
                limit,
            );
            Ok(match format {
                Format::Geojson => ("application/geo+json", ranking_geojson(&entries)),
                Format::Csv => (
                    "text/csv; charset=utf-8",
                    ranking_csv(&entries, false).map_err(ApiError::internal)?,
                ),
                Format::Json => {
                    let document = RankingDocument {
                        communities: entries,
                        from: query.filter.from,
                        to: query.filter.to,
                        total_communities: communities,
                        total_incidents: snapshot.totals(&rows).incidents,
                    };
                    // Through a JSON value: each entry's members in alphabetical order, as
                    // this answer has always listed them.
                    let body = serde_json::to_value(&document).map_err(ApiError::internal)?;
                    ("application/json", body.to_string())
                }
            })
        })
        .await??;
    Ok(cached(tag, content_type, body))
}

/// `GET /v1/stats`: incidents and casualties by kind, each broken down by perpetrator,
/// weapon, place type, cause and vehicle, with shares and the top communities.
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "Counts and statistics",
    params(crate::openapi::FilterParams),
    responses(
        (status = 200, description = "Incidents and casualties by kind, with breakdowns", body = athar_app::stats::Stats),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn stats(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    let (tag, snapshot, viewer) = (view.tag(), view.snapshot, view.viewer);
    let query = Query::parse(&request, snapshot.vocabularies(), &*view.resolver, &[])?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let version = snapshot.version();
    // Kept by filter, snapshot version and kind of reader (what privacy lets them see),
    // and made once for requests that ask together: a report's figures are asked for by
    // each of its readers, and each computation reads every matching incident.
    let key = (query.filter.clone(), version, viewer.is_public());
    let viewer = athar_app::privacy::OwnedViewer::new(viewer, view.places);
    let body = crate::state::cached_or_made(&state.stats, key, async {
        state
            .compute(move || {
                let figures = athar_app::stats::stats(&snapshot, &viewer, &query.filter);
                serde_json::to_string(&figures).unwrap_or_default()
            })
            .await
    })
    .await?;
    Ok(cached(tag, "application/json", body))
}

/// `GET /v1/stats/series`: counts and casualties per day, week or month, per kind.
#[utoipa::path(
    get,
    path = "/v1/stats/series",
    tag = "Counts and statistics",
    params(crate::openapi::FilterParams, ("interval" = Option<athar_index::Interval>, Query, description = "day, week or month (default)")),
    responses(
        (status = 200, description = "Counts per interval and kind", body = athar_app::stats::Series),
        (status = 400, description = "A bad parameter", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn series(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request)?;
    let (tag, snapshot) = (view.tag(), view.snapshot);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*view.resolver,
        &["interval"],
    )?;
    let interval = query.pick("interval", Interval::Month)?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let viewer = athar_app::privacy::OwnedViewer::new(view.viewer, view.places);
    let body = state
        .compute(move || {
            athar_app::stats::series(&snapshot, viewer.viewer(), &query.filter, interval)
                .map(|series| serde_json::to_string(&series).unwrap_or_default())
        })
        .await??;
    Ok(cached(tag, "application/json", body))
}

/// `GET /v1/vocabularies`: every term with both labels, by vocabulary.
#[utoipa::path(get, path = "/v1/vocabularies", tag = "Counts and statistics", responses((status = 200, description = "Every term with English and Arabic labels", body = athar_app::stats::VocabularyTerms)))]
pub(crate) async fn vocabularies(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    let tag = crate::http::Tag::shared(snapshot.version());
    if let Some(response) = not_modified(&request, tag) {
        return response;
    }
    let terms = athar_app::stats::vocabulary_terms(snapshot.vocabularies());
    cached(
        tag,
        "application/json",
        serde_json::to_string(&terms).unwrap_or_default(),
    )
}
