//! The statistics of a monthly report: incidents and casualties by kind, each broken down
//! by perpetrator, weapon, place type, cause and vehicle, with shares and the top
//! communities, as typed results. What anonymous readers may not see is withheld here
//! (see [`crate::privacy`]). Fields are in alphabetical order, as the JSON answers have
//! always listed them.

use std::collections::BTreeMap;

use athar_core::{Filter, Slug, VocabularyName};
use athar_index::{Breakdown, KindStats, Snapshot, Totals};
use chrono::NaiveDate;
use serde::Serialize;

use crate::counts::CommunityEntry;
use crate::privacy::OwnedViewer;

/// Incidents and casualties (null when withheld from an anonymous reader).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Incidents.
    pub incidents: Option<u64>,
    /// Injured.
    pub injured: Option<u64>,
    /// Injured children.
    pub injured_children: Option<u64>,
    /// Injured women.
    pub injured_women: Option<u64>,
    /// Killed.
    pub killed: Option<u64>,
    /// Killed children.
    pub killed_children: Option<u64>,
    /// Killed women.
    pub killed_women: Option<u64>,
}

impl Figures {
    /// The figures of `totals`.
    pub fn of(t: &Totals) -> Self {
        Self {
            incidents: Some(t.incidents),
            injured: Some(t.injured),
            injured_children: Some(t.injured_children),
            injured_women: Some(t.injured_women),
            killed: Some(t.killed),
            killed_children: Some(t.killed_children),
            killed_women: Some(t.killed_women),
        }
    }
}

/// One term's count in a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BreakdownEntry {
    /// The number of incidents recording the term.
    pub count: u64,
    /// Its Arabic label.
    pub label_ar: String,
    /// Its English label.
    pub label_en: String,
    /// The share as a whole percentage, as reports print it.
    pub percent: f64,
    /// `count` / incidents of the kind.
    pub share: f64,
    /// The term; null for incidents that do not record one.
    pub slug: Option<String>,
}

/// The statistics of one kind (its figures null, and its lists empty, when withheld).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KindFigures {
    /// By cause.
    pub by_cause: Vec<BreakdownEntry>,
    /// By perpetrator.
    pub by_perpetrator: Vec<BreakdownEntry>,
    /// By the place hit.
    pub by_place_type: Vec<BreakdownEntry>,
    /// By vehicle.
    pub by_vehicle: Vec<BreakdownEntry>,
    /// By weapon.
    pub by_weapon: Vec<BreakdownEntry>,
    /// Distinct communities.
    pub communities: Option<u64>,
    /// Incidents and casualties.
    #[serde(flatten)]
    pub figures: Figures,
    /// The kind's Arabic label.
    pub label_ar: String,
    /// The kind's English label.
    pub label_en: String,
    /// Present, and true, when the figures are withheld from an anonymous reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<bool>,
    /// The first five communities.
    pub top_communities: Vec<CommunityEntry>,
}

/// Statistics by kind for a filter.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Distinct communities.
    pub communities: Option<u64>,
    /// The filter's first day.
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Incidents and casualties.
    #[serde(flatten)]
    pub figures: Figures,
    /// Each kind present, by its slug.
    pub kinds: BTreeMap<String, KindFigures>,
    /// Present, and true, when the totals are withheld from an anonymous reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<bool>,
    /// The filter's last day.
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// The English and Arabic labels of a term (`Not recorded` for none).
pub fn labels(
    snapshot: &Snapshot,
    vocabulary: VocabularyName,
    slug: Option<&Slug>,
) -> (String, String) {
    match slug {
        None => ("Not recorded".to_owned(), "غير مسجل".to_owned()),
        Some(slug) => match snapshot.vocabularies().get(vocabulary, slug.as_str()) {
            Some(term) => (term.label_en.clone(), term.label_ar.clone()),
            None => (slug.as_str().to_owned(), slug.as_str().to_owned()),
        },
    }
}

fn breakdown(
    snapshot: &Snapshot,
    vocabulary: VocabularyName,
    items: &[Breakdown],
    of: u64,
) -> Vec<BreakdownEntry> {
    items
        .iter()
        .map(|item| {
            let (label_en, label_ar) = labels(snapshot, vocabulary, item.slug.as_ref());
            let share = item.count as f64 / of as f64;
            BreakdownEntry {
                slug: item.slug.as_ref().map(|s| s.as_str().to_owned()),
                label_en,
                label_ar,
                count: item.count,
                share,
                percent: (share * 100.0).round(),
            }
        })
        .collect()
}

fn kind_figures(
    snapshot: &Snapshot,
    viewer: &OwnedViewer,
    filter: &Filter,
    kind: &KindStats,
) -> KindFigures {
    let (label_en, label_ar) = labels(snapshot, VocabularyName::Kind, Some(&kind.kind));
    let of_vocabulary = |wanted: VocabularyName| {
        kind.breakdowns
            .iter()
            .find(|(vocabulary, _)| *vocabulary == wanted)
            .map(|(vocabulary, items)| {
                breakdown(snapshot, *vocabulary, items, kind.totals.incidents)
            })
            .unwrap_or_default()
    };
    // The kind's small counts are withheld from anonymous readers as in the ranking.
    let mut of_kind = filter.clone();
    of_kind.kinds = vec![kind.kind.clone()];
    let mut withheld = viewer.viewer().withheld(snapshot, &of_kind, None);
    if !withheld.now.is_empty() {
        // The kind's whole ranking, for the complement (the top five alone do not say
        // which shown community has the fewest incidents).
        let all = snapshot.community_counts(&snapshot.select(&of_kind), None);
        withheld = withheld.with_complement(&all);
    }
    let top_communities = kind
        .top_communities
        .iter()
        .map(|c| {
            let mut entry = CommunityEntry::new(snapshot, &viewer.places, c);
            if withheld.now.contains(&c.community) {
                entry.withhold();
            }
            entry
        })
        .collect();
    let t = &kind.totals;
    let mut figures = KindFigures {
        by_cause: of_vocabulary(VocabularyName::Cause),
        by_perpetrator: of_vocabulary(VocabularyName::Perpetrator),
        by_place_type: of_vocabulary(VocabularyName::PlaceType),
        by_vehicle: of_vocabulary(VocabularyName::Vehicle),
        by_weapon: of_vocabulary(VocabularyName::Weapon),
        communities: Some(kind.communities),
        figures: Figures::of(t),
        label_ar,
        label_en,
        suppressed: None,
        top_communities,
    };
    if viewer
        .viewer()
        .withholds_total(filter, &kind.kind, kind.totals.incidents)
    {
        figures.withhold();
    }
    figures
}

impl KindFigures {
    /// Hides every figure from an anonymous reader.
    pub fn withhold(&mut self) {
        for list in [
            &mut self.by_cause,
            &mut self.by_perpetrator,
            &mut self.by_place_type,
            &mut self.by_vehicle,
            &mut self.by_weapon,
        ] {
            list.clear();
        }
        self.top_communities.clear();
        self.communities = None;
        self.figures = Figures::default();
        self.suppressed = Some(true);
    }
}

/// The statistics of the incidents `filter` selects, as `viewer` may see them.
pub fn stats(snapshot: &Snapshot, viewer: &OwnedViewer, filter: &Filter) -> Stats {
    let rows = snapshot.select(filter);
    let totals: Totals = snapshot.totals(&rows);
    let kinds: BTreeMap<String, KindFigures> = snapshot
        .kind_stats(&rows)
        .iter()
        .map(|kind| {
            (
                kind.kind.to_string(),
                kind_figures(snapshot, viewer, filter, kind),
            )
        })
        .collect();
    // The totals over every kind, less the others, would give a withheld one.
    let withheld = kinds.values().any(|figures| figures.suppressed.is_some());
    Stats {
        communities: Some(snapshot.community_counts(&rows, None).len() as u64),
        from: filter.from,
        figures: if withheld {
            Figures::default()
        } else {
            Figures::of(&totals)
        },
        kinds,
        suppressed: withheld.then_some(true),
        to: filter.to,
    }
}

/// Incidents and casualties of one kind in a bucket of a series.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KindTotals {
    /// Incidents and casualties.
    #[serde(flatten)]
    pub figures: Figures,
    /// Present, and true, when the figures are withheld from an anonymous reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<bool>,
}

/// One bucket of a series: a day, a week or a month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Bucket {
    /// Its last day.
    #[schema(value_type = String, format = Date)]
    pub end: NaiveDate,
    /// Incidents and casualties of every kind.
    #[serde(flatten)]
    pub figures: Figures,
    /// Per kind with incidents, by slug.
    pub kinds: BTreeMap<String, KindTotals>,
    /// Its first day.
    #[schema(value_type = String, format = Date)]
    pub start: NaiveDate,
    /// Present, and true, when the figures are withheld from an anonymous reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<bool>,
}

/// Counts and casualties per interval and kind, every interval present.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Series {
    /// The buckets, first to last.
    pub buckets: Vec<Bucket>,
    /// The first day: the filter's, else the first incident's.
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// `day`, `week` or `month`.
    pub interval: athar_index::Interval,
    /// The last day: the filter's, else the last incident's.
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

/// The most buckets a series is served with.
pub const MAX_BUCKETS: usize = 10_000;

/// The series of the incidents `filter` selects, by `interval`, as `viewer` may see it;
/// refused past [`MAX_BUCKETS`].
pub fn series(
    snapshot: &Snapshot,
    viewer: crate::privacy::Viewer<'_>,
    filter: &Filter,
    interval: athar_index::Interval,
) -> Result<Series, crate::params::ParamError> {
    use athar_index::Interval;
    let rows = snapshot.select(filter);
    let extent = snapshot.date_extent();
    let first = filter
        .from
        .or_else(|| rows.first().and_then(|_| extent.map(|e| e.0)));
    let last = filter
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
                return Err(crate::params::ParamError::new(
                    "interval",
                    format!(
                        "the period would need about {approximate} buckets; at most {MAX_BUCKETS} are served (narrow from/to or use a longer interval)"
                    ),
                ));
            }
            snapshot.series(&rows, interval, first, last)
        }
        _ => Vec::new(),
    };
    let buckets = buckets
        .iter()
        .map(|bucket| {
            let kinds: BTreeMap<String, KindTotals> = bucket
                .kinds
                .iter()
                .map(|(kind, totals)| {
                    let withheld = viewer.withholds_total(filter, kind, totals.incidents);
                    let figures = KindTotals {
                        figures: if withheld {
                            Figures::default()
                        } else {
                            Figures::of(totals)
                        },
                        suppressed: withheld.then_some(true),
                    };
                    (kind.to_string(), figures)
                })
                .collect();
            // The totals over every kind, less the others, would give a withheld one.
            let withheld = kinds.values().any(|k| k.suppressed.is_some());
            Bucket {
                end: bucket.end,
                figures: if withheld {
                    Figures::default()
                } else {
                    Figures::of(&bucket.totals)
                },
                kinds,
                start: bucket.start,
                suppressed: withheld.then_some(true),
            }
        })
        .collect();
    Ok(Series {
        buckets,
        from: first,
        interval,
        to: last,
    })
}

/// One term of a vocabulary with both labels.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TermLabels {
    /// Its Arabic label.
    pub label_ar: String,
    /// Its English label.
    pub label_en: String,
    /// The term.
    pub slug: String,
}

/// Every term with both labels, by vocabulary, as a report's tables name them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VocabularyTerms {
    /// The terms of each vocabulary, by its name (`kind`, `perpetrator`, `weapon`, …).
    pub vocabularies: BTreeMap<String, Vec<TermLabels>>,
}

/// Every term of `vocabularies` with both labels.
pub fn vocabulary_terms(vocabularies: &athar_core::Vocabularies) -> VocabularyTerms {
    VocabularyTerms {
        vocabularies: VocabularyName::ALL
            .iter()
            .map(|vocabulary| {
                let terms = vocabularies
                    .terms_of(*vocabulary)
                    .map(|term| TermLabels {
                        label_ar: term.label_ar.clone(),
                        label_en: term.label_en.clone(),
                        slug: term.slug.as_str().to_owned(),
                    })
                    .collect();
                (vocabulary.to_string(), terms)
            })
            .collect(),
    }
}

crate::params::named!(athar_index::Interval {
    athar_index::Interval::Day => "day",
    athar_index::Interval::Week => "week",
    athar_index::Interval::Month => "month",
});
