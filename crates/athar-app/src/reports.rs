//! The monthly report's figures (`GET /v1/reports/monthly.json`): per kind present in the
//! month, the figures of `/v1/stats` for the month and that kind (incidents, casualties
//! with women and children, each breakdown with counts and percentages, communities),
//! the communities with the most (ties kept together), incidents since 1 January, and the
//! filter that produced them, so that any number can be checked against `/v1/stats`.
//! [`document`] words them as the report's text, with its charts, for HTML and PDF.

pub mod document;

use std::collections::BTreeMap;

use athar_core::Filter;
use athar_index::Snapshot;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::counts;
use crate::privacy::OwnedViewer;
use crate::stats::{self, KindFigures};

/// The most communities a kind lists among those with the most (a tie past it is cut).
pub const MAX_TOP: usize = 50;

/// One kind of the month.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindReport {
    /// The month's figures of the kind, as `/v1/stats` gives them, but for
    /// `top_communities`: the first five, and any tied with the fifth (at most
    /// [`MAX_TOP`]).
    #[serde(flatten)]
    pub figures: KindFigures,
    /// The query of `/v1/stats` that gives these figures.
    pub filter: String,
    /// Incidents of the kind from 1 January to the month's last day (null when withheld,
    /// or when the release reported on starts after 1 January).
    pub year_to_date: Option<u64>,
    /// The query of `/v1/stats` that gives `year_to_date`.
    pub year_to_date_filter: String,
    /// The kind's paragraphs of the report, in the language asked for (`lang`), when one
    /// was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Vec<String>>,
}

/// The month's report, as figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlyReport {
    /// Each kind present in the month, by its slug.
    pub kinds: BTreeMap<String, KindReport>,
    /// The month, `YYYY-MM`.
    pub month: String,
    /// The release reported on, when one is.
    pub release: Option<String>,
}

/// A month that is not `YYYY-MM`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{0}' is not a month: write YYYY-MM, for example 2024-04")]
pub struct BadMonth(pub String);

/// A month: as written (`YYYY-MM`), and its first and last days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    /// As written.
    pub text: String,
    /// Its first day.
    pub first: NaiveDate,
    /// Its last day.
    pub last: NaiveDate,
}

impl Month {
    /// A month written `YYYY-MM`.
    ///
    /// # Errors
    /// When `month` is not a month.
    pub fn parse(month: &str) -> Result<Self, BadMonth> {
        let bad = || BadMonth(month.chars().take(40).collect());
        let (year, number) = month.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 || number.len() != 2 {
            return Err(bad());
        }
        let (year, number): (i32, u32) = (
            year.parse().map_err(|_| bad())?,
            number.parse().map_err(|_| bad())?,
        );
        let first = NaiveDate::from_ymd_opt(year, number, 1).ok_or_else(bad)?;
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(bad)?;
        Ok(Self {
            text: month.to_owned(),
            first,
            last: next.pred_opt().ok_or_else(bad)?,
        })
    }
}

impl Month {
    /// The month a period covers exactly (a release of April: 1 to 30 April), if it does.
    pub fn of_period(from: NaiveDate, to: NaiveDate) -> Option<Self> {
        let month = Self::parse(&from.format("%Y-%m").to_string()).ok()?;
        (month.first == from && month.last == to).then_some(month)
    }
}

/// The map of the month's attacks, as `viewer` may see it (`view`: points, or
/// communities for readers who may not see incidents one by one), titled with its
/// caption.
pub fn attack_map(
    (snapshot, viewer): (&Snapshot, &OwnedViewer),
    month: &Month,
    words: &athar_reports::Words,
    view: crate::maps::MapView,
) -> Result<athar_maps::MapSpec, athar_reports::WordsError> {
    let filter = Filter {
        from: Some(month.first),
        to: Some(month.last),
        kinds: vec![athar_core::Slug::parse("attack").expect("a valid slug")],
        ..Filter::default()
    };
    let title = document::map_caption(month, words)?;
    Ok(crate::maps::spec(
        (snapshot, &viewer.places, viewer.viewer()),
        &crate::maps::MapRequest {
            filter: &filter,
            view,
            size: (720, 560),
            scale: athar_maps::PixelRatio::One,
            language: words.language(),
            title: Some(&title),
        },
    ))
}

/// A report that could not be written (a defect: the words and drawing are Athar's).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The language files.
    #[error(transparent)]
    Words(#[from] athar_reports::WordsError),
    /// The map.
    #[error(transparent)]
    Map(#[from] athar_maps::MapError),
}

/// The map of the month's attacks as SVG, when the month has any in `report`.
pub fn attack_map_svg(
    (snapshot, viewer): (&Snapshot, &OwnedViewer),
    (month, report): (&Month, &MonthlyReport),
    words: &athar_reports::Words,
    view: crate::maps::MapView,
) -> Result<Option<String>, ReportError> {
    if !report.kinds.contains_key("attack") {
        return Ok(None);
    }
    let spec = attack_map((snapshot, viewer), month, words, view)?;
    Ok(Some(athar_maps::render_svg(&spec)?))
}

/// The whole report of `month` worded in `language`, with its charts and the map of its
/// attacks (drawn as `view`), ready to be written as HTML or PDF.
pub fn report_document(
    (snapshot, viewer): (&Snapshot, &OwnedViewer),
    month: &Month,
    language: athar_core::Language,
    provenance: document::Provenance<'_>,
    view: crate::maps::MapView,
    downloads: Option<athar_reports::Downloads>,
) -> Result<athar_reports::Document, ReportError> {
    let release = match provenance {
        document::Provenance::Release { id, from, .. } => Some((id, from)),
        document::Provenance::Live => None,
    };
    let report = monthly(snapshot, viewer, month, release);
    let words = athar_reports::Words::bundled(language);
    let map = attack_map_svg((snapshot, viewer), (month, &report), &words, view)?;
    Ok(document::document(
        &report, month, &words, provenance, map, downloads,
    )?)
}

/// The report of `month` over `snapshot` (the live data, or a release: its id and the
/// first day it holds), as `viewer` may see it. A release that starts after 1 January
/// cannot count the year to date, which is then null.
pub fn monthly(
    snapshot: &Snapshot,
    viewer: &OwnedViewer,
    month: &Month,
    release: Option<(&str, NaiveDate)>,
) -> MonthlyReport {
    let (from, to) = (month.first, month.last);
    let filter = Filter {
        from: Some(from),
        to: Some(to),
        ..Filter::default()
    };
    let january = NaiveDate::from_ymd_opt(from.year(), 1, 1).expect("1 January exists");
    let holds_january = release.is_none_or(|(_, first)| first <= january);
    // Every kind's incidents since 1 January, at once (each kind's figures are withheld
    // from anonymous readers as the kind's own statistics would be).
    let since_january = stats::stats(
        snapshot,
        viewer,
        &Filter {
            from: Some(january),
            ..filter.clone()
        },
    );
    let mut kinds = BTreeMap::new();
    for (kind, mut figures) in stats::stats(snapshot, viewer, &filter).kinds {
        let Ok(slug) = athar_core::Slug::parse(&kind) else {
            continue;
        };
        let of_kind = Filter {
            kinds: vec![slug],
            ..filter.clone()
        };
        // The first five, and those tied with the fifth.
        let rows = snapshot.select(&of_kind);
        let ranked = counts::ranking(
            (snapshot, &viewer.places, viewer.viewer()),
            &of_kind,
            &rows,
            MAX_TOP,
        )
        .entries;
        let fifth = ranked.get(4).and_then(|entry| entry.rank);
        figures.top_communities = ranked
            .into_iter()
            .enumerate()
            .take_while(|(index, entry)| *index < 5 || (fifth.is_some() && entry.rank == fifth))
            .map(|(_, mut entry)| {
                // As the statistics list them: the month alone.
                entry.previous_count = None;
                entry.change = None;
                entry
            })
            .collect();
        let year_to_date = since_january
            .kinds
            .get(&kind)
            .and_then(|k| k.figures.incidents)
            .filter(|_| holds_january);
        kinds.insert(
            kind.clone(),
            KindReport {
                figures,
                filter: format!("from={from}&to={to}&kind={kind}"),
                year_to_date,
                year_to_date_filter: format!("from={january}&to={to}&kind={kind}"),
                text: None,
            },
        );
    }
    MonthlyReport {
        kinds,
        month: month.text.clone(),
        release: release.map(|(id, _)| id.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_read_as_their_first_and_last_days() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let days = |text: &str| Month::parse(text).map(|month| (month.first, month.last));
        assert_eq!(days("2024-04"), Ok((day("2024-04-01"), day("2024-04-30"))));
        assert_eq!(days("2024-02"), Ok((day("2024-02-01"), day("2024-02-29"))));
        assert_eq!(days("2023-12"), Ok((day("2023-12-01"), day("2023-12-31"))));
        for bad in ["2024-13", "2024-4", "April", "2024-00", "24-04", ""] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
    }
}
