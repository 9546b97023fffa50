//! Counts per community, statistics, time series and vocabularies: the numbers of a
//! monthly report.

use actix_web::{HttpRequest, HttpResponse, web};
use athar_core::{Filter, Slug, VocabularyName};
use athar_gazetteer::Gazetteer;
use athar_index::{CommunityCount, Interval, Snapshot, Totals};
use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value, json};

use crate::http::{cached, not_modified};
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::privacy::Viewer;

const MAX_BUCKETS: usize = 10_000;

/// One community of a ranking: a resolved place with its gazetteer id, names and point; an
/// unresolved name under its most frequent spellings and the centroid of its incidents.
/// For places of the bundled GeoNames gazetteer, whose Arabic names are sometimes unusual
/// or wrong (دار تعزة for دارة عزة), the Arabic spelling the reports used most is shown;
/// an imported community list's names are shown as they are.
pub(crate) fn community_entry(
    snapshot: &Snapshot,
    places: &Gazetteer,
    count: &CommunityCount,
) -> Value {
    let info = &snapshot.communities()[count.community as usize];
    let place = info.resolved.then(|| places.get(&info.key)).flatten();
    let point = place.and_then(|p| p.lon_lat).or(info.centroid);
    let from_geonames = place.is_some_and(|p| p.id.starts_with("geonames:"));
    let name_ar = if from_geonames {
        info.name_ar
            .as_deref()
            .or(place.and_then(|p| p.name_ar.as_deref()))
    } else {
        place
            .and_then(|p| p.name_ar.as_deref())
            .or(info.name_ar.as_deref())
    };
    json!({
        "rank": count.rank,
        "community_id": info.key,
        "pcode": place.map_or(info.pcode.as_deref(), |p| p.pcode.as_deref()),
        "name_ar": name_ar,
        "name_en": place.and_then(|p| p.name_en.as_deref()).or(info.name_en.as_deref()),
        "status": place.map_or("unresolved", |p| p.status.as_str()),
        "count": count.count,
        "killed": count.killed,
        "injured": count.injured,
        "lon": point.map(|c| c.0),
        "lat": point.map(|c| c.1),
        "previous_count": count.previous_count,
        "change": count.previous_count.map(|previous| count.count as i64 - previous as i64),
    })
}

/// The first `limit` communities ranked by the incidents of `rows` (which `filter`
/// selected), compared with the period before; and how many communities there are.
pub(crate) fn ranking(
    snapshot: &Snapshot,
    places: &Gazetteer,
    viewer: Viewer<'_>,
    filter: &Filter,
    rows: &[athar_index::RowId],
    limit: usize,
) -> (Vec<Value>, usize) {
    let previous_filter = previous_period(filter);
    let previous = previous_filter
        .as_ref()
        .map(|filter| snapshot.select(filter));
    let ranking = snapshot.community_counts(rows, previous.as_deref());
    // What an anonymous reader may not see (see `privacy`): withheld communities lose
    // their counts and their rank, and follow the others in the order of their ids, so
    // that neither a tie nor a place in the order says how many they had.
    let withheld = viewer
        .withheld(snapshot, filter, previous_filter.as_ref())
        .with_complement(&ranking);
    let (mut shown, mut hidden): (Vec<_>, Vec<_>) = ranking
        .iter()
        .partition(|c| !withheld.now.contains(&c.community));
    let key = |c: &&CommunityCount| &snapshot.communities()[c.community as usize].key;
    hidden.sort_by(|a, b| key(a).cmp(key(b)));
    shown.append(&mut hidden);
    let entries = shown
        .into_iter()
        .take(limit)
        .map(|c| {
            let mut entry = community_entry(snapshot, places, c);
            if withheld.now.contains(&c.community) {
                withhold(&mut entry);
            } else if withheld.before.contains(&c.community) {
                entry["previous_count"] = Value::Null;
                entry["change"] = Value::Null;
            }
            entry
        })
        .collect();
    (entries, ranking.len())
}

/// Hides a community's small counts from an anonymous reader (see `privacy`).
pub(crate) fn withhold(entry: &mut Value) {
    for field in [
        "rank",
        "count",
        "killed",
        "injured",
        "previous_count",
        "change",
    ] {
        entry[field] = Value::Null;
    }
    entry["suppressed"] = json!(true);
}

/// A ranking as a GeoJSON FeatureCollection of community points (none for a name that
/// has no point).
pub(crate) fn ranking_geojson(entries: Vec<Value>) -> String {
    let features: Vec<Value> = entries
        .into_iter()
        .map(|entry| {
            let geometry = match (entry["lon"].as_f64(), entry["lat"].as_f64()) {
                (Some(lon), Some(lat)) => json!({ "type": "Point", "coordinates": [lon, lat] }),
                _ => Value::Null,
            };
            json!({ "type": "Feature", "id": entry["community_id"], "geometry": geometry, "properties": entry })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// The columns of a ranking in CSV, with their HXL hashtags.
const RANKING_COLUMNS: [(&str, &str); 12] = [
    ("rank", "#meta+rank"),
    ("community_id", "#loc+id"),
    ("pcode", "#loc+code"),
    ("name_ar", "#loc+name+i_ar"),
    ("name_en", "#loc+name+i_en"),
    ("count", "#event+num"),
    ("killed", "#affected+killed"),
    ("injured", "#affected+injured"),
    ("lon", "#geo+lon"),
    ("lat", "#geo+lat"),
    ("previous_count", "#event+num+previous"),
    ("change", "#event+num+change"),
];

/// A ranking as CSV, with a row of HXL hashtags under the header when `hxl` is set.
pub(crate) fn ranking_csv(entries: &[Value], hxl: bool) -> Result<String, ApiError> {
    let failed = |e: csv::Error| ApiError::Internal(e.to_string());
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(RANKING_COLUMNS.map(|(name, _)| name))
        .map_err(failed)?;
    if hxl {
        writer
            .write_record(RANKING_COLUMNS.map(|(_, tag)| tag))
            .map_err(failed)?;
    }
    for entry in entries {
        let cells = RANKING_COLUMNS.map(|(column, _)| match &entry[column] {
            Value::Null => String::new(),
            Value::String(text) => athar_app::export::neutralised(text).into_owned(),
            other => other.to_string(),
        });
        writer.write_record(&cells).map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// The period of the same length just before `filter`'s, when it has both ends.
fn previous_period(filter: &Filter) -> Option<Filter> {
    let (from, to) = (filter.from?, filter.to?);
    let days = (to - from).num_days() + 1;
    let mut previous = filter.clone();
    previous.to = Some(from - Duration::days(1));
    previous.from = Some(from - Duration::days(days));
    Some(previous)
}

fn totals_json(totals: &Totals) -> Map<String, Value> {
    let value = json!({
        "incidents": totals.incidents,
        "killed": totals.killed,
        "killed_women": totals.killed_women,
        "killed_children": totals.killed_children,
        "injured": totals.injured,
        "injured_women": totals.injured_women,
        "injured_children": totals.injured_children,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `GET /v1/communities/counts`: communities ranked by incidents, with the previous
/// period of the same length for comparison.
#[utoipa::path(
    get,
    path = "/v1/communities/counts",
    tag = "Counts and statistics",
    params(
        crate::openapi::FilterParams,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100_000, description = "Communities listed (default 100)"),
        ("format" = Option<crate::openapi::CountsFormat>, Query, description = "json (default), geojson or csv"),
    ),
    responses(
        (status = 200, description = "Communities ranked by incidents", content(
            (crate::openapi::CommunityCounts = "application/json"),
            (Object = "application/geo+json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "A bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn community_counts(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request);
    let (tag, snapshot) = (view.tag(), view.snapshot);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*state.resolver(),
        &["limit", "format"],
    )?;
    let limit = query.number("limit", 100, 1, 100_000)?;
    let format = query.choice("format", &["json", "geojson", "csv"], "json")?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let format = format.to_owned();
    let viewer = athar_app::privacy::OwnedViewer::new(view.viewer, view.places);
    let (content_type, body) = state
        .compute(move || -> Result<_, ApiError> {
            let rows = snapshot.select(&query.filter);
            let (entries, communities) = ranking(
                &snapshot,
                &viewer.places,
                viewer.viewer(),
                &query.filter,
                &rows,
                limit,
            );
            Ok(match format.as_str() {
                "geojson" => ("application/geo+json", ranking_geojson(entries)),
                "csv" => ("text/csv; charset=utf-8", ranking_csv(&entries, false)?),
                _ => {
                    let totals = snapshot.totals(&rows);
                    let body = json!({
                        "from": query.filter.from,
                        "to": query.filter.to,
                        "total_incidents": totals.incidents,
                        "total_communities": communities,
                        "communities": entries,
                    });
                    ("application/json", body.to_string())
                }
            })
        })
        .await??;
    Ok(cached(tag, content_type, body))
}

fn label(snapshot: &Snapshot, vocabulary: VocabularyName, slug: Option<&Slug>) -> (Value, Value) {
    match slug {
        None => (json!("Not recorded"), json!("غير مسجل")),
        Some(slug) => match snapshot.vocabularies().get(vocabulary, slug.as_str()) {
            Some(term) => (json!(term.label_en), json!(term.label_ar)),
            None => (json!(slug.as_str()), json!(slug.as_str())),
        },
    }
}

/// `GET /v1/stats`: incidents and casualties by kind, each broken down by perpetrator,
/// weapon, place type, cause and vehicle, with shares and the top communities.
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "Counts and statistics",
    params(crate::openapi::FilterParams),
    responses(
        (status = 200, description = "Incidents and casualties by kind, with breakdowns", body = crate::openapi::Stats),
        (status = 400, description = "A bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn stats(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request);
    let (tag, snapshot, viewer) = (view.tag(), view.snapshot, view.viewer);
    let query = Query::parse(&request, snapshot.vocabularies(), &*state.resolver(), &[])?;
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let version = snapshot.version();
    // Kept by query, snapshot version and kind of reader (what privacy lets them see), and
    // made once for requests that ask together: a report's figures are asked for by each
    // of its readers, and each computation reads every matching incident.
    let key = (
        request.query_string().to_owned(),
        version,
        viewer.is_public(),
    );
    let viewer = athar_app::privacy::OwnedViewer::new(viewer, view.places);
    let body = crate::state::cached_or_made(&state.stats, key, async {
        state
            .compute(move || stats_body(&snapshot, &viewer, &query))
            .await
    })
    .await?;
    Ok(cached(tag, "application/json", body))
}

/// The statistics of `/v1/stats`, computed off the request workers.
fn stats_body(
    snapshot: &Snapshot,
    viewer: &athar_app::privacy::OwnedViewer,
    query: &Query,
) -> String {
    let places = &viewer.places;
    let rows = snapshot.select(&query.filter);
    let totals = snapshot.totals(&rows);
    let mut kinds = Map::new();
    let mut any_withheld = false;
    for kind in snapshot.kind_stats(&rows) {
        let mut entry = totals_json(&kind.totals);
        entry.insert("communities".into(), json!(kind.communities));
        let (label_en, label_ar) = label(snapshot, VocabularyName::Kind, Some(&kind.kind));
        entry.insert("label_en".into(), label_en);
        entry.insert("label_ar".into(), label_ar);
        for (vocabulary, breakdown) in &kind.breakdowns {
            let list: Vec<Value> = breakdown
                .iter()
                .map(|item| {
                    let (label_en, label_ar) = label(snapshot, *vocabulary, item.slug.as_ref());
                    let share = item.count as f64 / kind.totals.incidents as f64;
                    json!({
                        "slug": item.slug,
                        "label_en": label_en,
                        "label_ar": label_ar,
                        "count": item.count,
                        "share": share,
                        "percent": (share * 100.0).round(),
                    })
                })
                .collect();
            entry.insert(format!("by_{vocabulary}"), json!(list));
        }
        // The kind's small counts are withheld from anonymous readers as in the ranking
        // (see `privacy`).
        let mut of_kind = query.filter.clone();
        of_kind.kinds = vec![kind.kind.clone()];
        let withheld = if viewer.viewer().is_public() {
            let all = snapshot.community_counts(&snapshot.select(&of_kind), None);
            viewer
                .viewer()
                .withheld(snapshot, &of_kind, None)
                .with_complement(&all)
        } else {
            athar_app::privacy::Withheld::default()
        };
        let top: Vec<Value> = kind
            .top_communities
            .iter()
            .map(|c| {
                let mut entry = community_entry(snapshot, places, c);
                if withheld.now.contains(&c.community) {
                    withhold(&mut entry);
                }
                entry
            })
            .collect();
        entry.insert("top_communities".into(), json!(top));
        if viewer
            .viewer()
            .withholds_total(&query.filter, &kind.kind, kind.totals.incidents)
        {
            athar_app::privacy::withhold_totals(&mut entry);
            any_withheld = true;
        }
        kinds.insert(kind.kind.to_string(), Value::Object(entry));
    }
    let mut body = totals_json(&totals);
    // The totals over every kind, less the others, would give the withheld one.
    if any_withheld {
        athar_app::privacy::withhold_totals(&mut body);
    }
    body.insert("from".into(), json!(query.filter.from));
    body.insert("to".into(), json!(query.filter.to));
    body.insert(
        "communities".into(),
        json!(snapshot.community_counts(&rows, None).len()),
    );
    body.insert("kinds".into(), Value::Object(kinds));
    Value::Object(body).to_string()
}

/// `GET /v1/stats/series`: counts and casualties per day, week or month, per kind.
#[utoipa::path(
    get,
    path = "/v1/stats/series",
    tag = "Counts and statistics",
    params(crate::openapi::FilterParams, ("interval" = Option<crate::openapi::IntervalName>, Query, description = "day, week or month (default)")),
    responses(
        (status = 200, description = "Counts per interval and kind", body = crate::openapi::Series),
        (status = 400, description = "A bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn series(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = state.view(&request);
    let (tag, snapshot) = (view.tag(), view.snapshot);
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*state.resolver(),
        &["interval"],
    )?;
    let interval = match query.choice("interval", &["day", "week", "month"], "month")? {
        "day" => Interval::Day,
        "week" => Interval::Week,
        _ => Interval::Month,
    };
    if let Some(response) = not_modified(&request, tag) {
        return Ok(response);
    }
    let viewer = athar_app::privacy::OwnedViewer::new(view.viewer, view.places);
    let body = state
        .compute(move || series_body(&snapshot, viewer.viewer(), &query, interval))
        .await??;
    Ok(cached(tag, "application/json", body))
}

/// The buckets of `/v1/stats/series`, computed off the request workers.
fn series_body(
    snapshot: &Snapshot,
    viewer: athar_app::privacy::Viewer<'_>,
    query: &Query,
    interval: Interval,
) -> Result<String, ApiError> {
    let rows = snapshot.select(&query.filter);
    let extent = snapshot.date_extent();
    let first = query
        .filter
        .from
        .or_else(|| rows.first().and_then(|_| extent.map(|e| e.0)));
    let last = query
        .filter
        .to
        .or_else(|| rows.last().and_then(|_| extent.map(|e| e.1)));
    let buckets = match (first, last) {
        (Some(first), Some(last)) => {
            let days = (last - first).num_days().unsigned_abs() as usize + 1;
            let approximate = match interval {
                Interval::Day => days,
                Interval::Week => days / 7 + 2,
                Interval::Month => days / 28 + 2,
            };
            if approximate > MAX_BUCKETS {
                return Err(ApiError::BadParameter {
                    parameter: "interval".into(),
                    message: format!(
                        "the period would need about {approximate} buckets; at most {MAX_BUCKETS} are served (narrow from/to or use a longer interval)"
                    ),
                });
            }
            snapshot.series(&rows, interval, first, last)
        }
        _ => Vec::new(),
    };
    let buckets: Vec<Value> = buckets
        .iter()
        .map(|bucket| {
            let mut entry = totals_json(&bucket.totals);
            entry.insert("start".into(), json!(bucket.start));
            entry.insert("end".into(), json!(bucket.end));
            let mut any_withheld = false;
            let kinds: Map<String, Value> = bucket
                .kinds
                .iter()
                .map(|(kind, totals)| {
                    let mut figures = totals_json(totals);
                    if viewer.withholds_total(&query.filter, kind, totals.incidents) {
                        athar_app::privacy::withhold_totals(&mut figures);
                        any_withheld = true;
                    }
                    (kind.to_string(), Value::Object(figures))
                })
                .collect();
            if any_withheld {
                athar_app::privacy::withhold_totals(&mut entry);
            }
            entry.insert("kinds".into(), Value::Object(kinds));
            Value::Object(entry)
        })
        .collect();
    let body = json!({
        "interval": query.get("interval").unwrap_or("month"),
        "from": first.map(|d: NaiveDate| d.to_string()),
        "to": last.map(|d: NaiveDate| d.to_string()),
        "buckets": buckets,
    });
    Ok(body.to_string())
}

/// `GET /v1/vocabularies`: every term with both labels, by vocabulary.
#[utoipa::path(get, path = "/v1/vocabularies", tag = "Counts and statistics", responses((status = 200, description = "Every term with English and Arabic labels", body = crate::openapi::VocabulariesDoc)))]
pub(crate) async fn vocabularies(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.snapshot();
    let tag = crate::http::Tag::shared(snapshot.version());
    if let Some(response) = not_modified(&request, tag) {
        return response;
    }
    let mut vocabularies = Map::new();
    for vocabulary in VocabularyName::ALL {
        let terms: Vec<Value> = snapshot
            .vocabularies()
            .terms_of(vocabulary)
            .map(|term| json!({ "slug": term.slug, "label_en": term.label_en, "label_ar": term.label_ar }))
            .collect();
        vocabularies.insert(vocabulary.to_string(), json!(terms));
    }
    cached(
        tag,
        "application/json",
        json!({ "vocabularies": vocabularies }).to_string(),
    )
}
