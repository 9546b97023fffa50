//! Counts per community, statistics by kind, and time series, over a selection of rows.

use std::collections::{BTreeMap, HashMap};

use athar_core::{Slug, VocabularyName};
use chrono::{Datelike, Duration, NaiveDate};

use crate::{RowId, Snapshot};

/// Incidents and casualties summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Incidents.
    pub incidents: u64,
    /// Killed.
    pub killed: u64,
    /// Women among the killed.
    pub killed_women: u64,
    /// Children among the killed.
    pub killed_children: u64,
    /// Injured.
    pub injured: u64,
    /// Women among the injured.
    pub injured_women: u64,
    /// Children among the injured.
    pub injured_children: u64,
}

impl Totals {
    fn add(&mut self, casualties: [u16; 6]) {
        let [k, kw, kc, i, iw, ic] = casualties.map(u64::from);
        self.incidents += 1;
        self.killed += k;
        self.killed_women += kw;
        self.killed_children += kc;
        self.injured += i;
        self.injured_women += iw;
        self.injured_children += ic;
    }
}

/// One community's line in a ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityCount {
    /// 1 for the most incidents; ties share a rank (1, 2, 2, 4).
    pub rank: u32,
    /// Index into [`Snapshot::communities`].
    pub community: u32,
    /// Incidents.
    pub count: u64,
    /// Killed.
    pub killed: u64,
    /// Injured.
    pub injured: u64,
    /// Incidents in the comparison period, when one was given.
    pub previous_count: Option<u64>,
}

/// A count for one term of a vocabulary (`None`: not recorded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    /// The term, or `None` for incidents that do not record one.
    pub slug: Option<Slug>,
    /// Incidents.
    pub count: u64,
}

/// The statistics of one kind of incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindStats {
    /// The kind.
    pub kind: Slug,
    /// Incidents and casualties.
    pub totals: Totals,
    /// Distinct communities.
    pub communities: u64,
    /// Breakdowns by vocabulary, each sorted by count (then slug); empty when no incident
    /// of the kind records that vocabulary.
    pub breakdowns: Vec<(VocabularyName, Vec<Breakdown>)>,
    /// The first five of the community ranking.
    pub top_communities: Vec<CommunityCount>,
}

/// The length of a time-series bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = IntervalName)]
pub enum Interval {
    /// Calendar days.
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

impl Interval {
    /// The buckets that meet `from..=to`, each cut to it: (first day, last day), oldest
    /// first (ISO weeks and calendar months, as the series count them).
    pub fn buckets_within(
        self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Iterator<Item = (NaiveDate, NaiveDate)> {
        let mut start = self.start_of(from);
        std::iter::from_fn(move || {
            if start > to {
                return None;
            }
            let next = self.next(start);
            let bucket = (start.max(from), next.pred_opt().unwrap_or(next).min(to));
            // (At the calendar's end, `next` cannot move on: stop after this bucket.)
            start = if next > start { next } else { NaiveDate::MAX };
            Some(bucket)
        })
    }

    fn start_of(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
            Self::Month => date.with_day(1).unwrap_or(date),
        }
    }

    fn next(self, start: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => start + Duration::days(1),
            Self::Week => start + Duration::days(7),
            Self::Month => start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(start),
        }
    }
}

/// One bucket of a time series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesBucket {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Totals for every kind, and per kind (kinds with incidents only).
    pub totals: Totals,
    /// Per kind.
    pub kinds: Vec<(Slug, Totals)>,
}

const BREAKDOWNS: [VocabularyName; 5] = [
    VocabularyName::Perpetrator,
    VocabularyName::Weapon,
    VocabularyName::PlaceType,
    VocabularyName::Cause,
    VocabularyName::Vehicle,
];

impl Snapshot {
    /// Sums the rows.
    pub fn totals(&self, rows: &[RowId]) -> Totals {
        let mut totals = Totals::default();
        for row in rows {
            totals.add(self.casualties_of(*row));
        }
        totals
    }

    /// Ranks communities by incidents. `previous`, the rows of a comparison period, fills
    /// `previous_count`. Ties share a rank and are ordered by name.
    pub fn community_counts(
        &self,
        rows: &[RowId],
        previous: Option<&[RowId]>,
    ) -> Vec<CommunityCount> {
        let mut by_community: HashMap<u32, CommunityCount> = HashMap::new();
        for row in rows {
            let community = self.community_index(*row);
            let entry = by_community.entry(community).or_insert(CommunityCount {
                rank: 0,
                community,
                count: 0,
                killed: 0,
                injured: 0,
                previous_count: previous.map(|_| 0),
            });
            let casualties = self.casualties_of(*row);
            entry.count += 1;
            entry.killed += u64::from(casualties[0]);
            entry.injured += u64::from(casualties[3]);
        }
        if let Some(previous) = previous {
            for row in previous {
                if let Some(entry) = by_community.get_mut(&self.community_index(*row)) {
                    *entry.previous_count.get_or_insert(0) += 1;
                }
            }
        }
        let communities = self.communities();
        let name = |index: u32| {
            let info = &communities[index as usize];
            info.name_ar
                .as_deref()
                .or(info.name_en.as_deref())
                .unwrap_or(&info.key)
        };
        let mut ranking: Vec<CommunityCount> = by_community.into_values().collect();
        ranking.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| name(a.community).cmp(name(b.community)))
        });
        let mut rank = 0;
        let mut previous_count = None;
        for (position, entry) in ranking.iter_mut().enumerate() {
            if previous_count != Some(entry.count) {
                rank = position as u32 + 1;
                previous_count = Some(entry.count);
            }
            entry.rank = rank;
        }
        ranking
    }

    /// Statistics by kind, kinds ordered by incidents (then slug).
    pub fn kind_stats(&self, rows: &[RowId]) -> Vec<KindStats> {
        let mut by_kind: BTreeMap<&Slug, Vec<RowId>> = BTreeMap::new();
        for row in rows {
            by_kind.entry(self.kind_slug(*row)).or_default().push(*row);
        }
        let mut stats: Vec<KindStats> = by_kind
            .into_iter()
            .map(|(kind, rows)| {
                let ranking = self.community_counts(&rows, None);
                let breakdowns = BREAKDOWNS
                    .iter()
                    .map(|vocabulary| (*vocabulary, self.breakdown(&rows, *vocabulary)))
                    .collect();
                KindStats {
                    kind: kind.clone(),
                    totals: self.totals(&rows),
                    communities: ranking.len() as u64,
                    breakdowns,
                    top_communities: ranking.into_iter().take(5).collect(),
                }
            })
            .collect();
        stats.sort_by(|a, b| {
            b.totals
                .incidents
                .cmp(&a.totals.incidents)
                .then_with(|| a.kind.cmp(&b.kind))
        });
        stats
    }

    fn breakdown(&self, rows: &[RowId], vocabulary: VocabularyName) -> Vec<Breakdown> {
        let mut counts: HashMap<Option<&Slug>, u64> = HashMap::new();
        for row in rows {
            *counts.entry(self.term(*row, vocabulary)).or_default() += 1;
        }
        if counts.keys().all(Option::is_none) {
            return Vec::new();
        }
        let mut breakdown: Vec<Breakdown> = counts
            .into_iter()
            .map(|(slug, count)| Breakdown {
                slug: slug.cloned(),
                count,
            })
            .collect();
        // Recorded terms by count, "not recorded" last.
        breakdown.sort_by(|a, b| {
            (a.slug.is_none(), std::cmp::Reverse(a.count), &a.slug).cmp(&(
                b.slug.is_none(),
                std::cmp::Reverse(b.count),
                &b.slug,
            ))
        });
        breakdown
    }

    /// Counts per bucket from `first` to `last` (inclusive), every bucket present.
    pub fn series(
        &self,
        rows: &[RowId],
        interval: Interval,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Vec<SeriesBucket> {
        let mut buckets: BTreeMap<NaiveDate, (Totals, BTreeMap<&Slug, Totals>)> = BTreeMap::new();
        let mut start = interval.start_of(first);
        while start <= last {
            buckets.insert(start, Default::default());
            start = interval.next(start);
        }
        for row in rows {
            let Some(date) = self.date_of(*row) else {
                continue;
            };
            if let Some((totals, kinds)) = buckets.get_mut(&interval.start_of(date)) {
                let casualties = self.casualties_of(*row);
                totals.add(casualties);
                kinds
                    .entry(self.kind_slug(*row))
                    .or_default()
                    .add(casualties);
            }
        }
        buckets
            .into_iter()
            .map(|(start, (totals, kinds))| SeriesBucket {
                start,
                end: interval.next(start) - Duration::days(1),
                totals,
                kinds: kinds
                    .into_iter()
                    .map(|(kind, totals)| (kind.clone(), totals))
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_within_a_period_are_cut_to_it() {
        let day = |text: &str| text.parse::<NaiveDate>().unwrap();
        let buckets = |interval: Interval, from: &str, to: &str| -> Vec<(String, String)> {
            interval
                .buckets_within(day(from), day(to))
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        // ISO weeks, Monday to Sunday: 3 April 2024 is a Wednesday.
        assert_eq!(
            buckets(Interval::Week, "2024-04-03", "2024-04-16"),
            pairs(&[
                ("2024-04-03", "2024-04-07"),
                ("2024-04-08", "2024-04-14"),
                ("2024-04-15", "2024-04-16")
            ])
        );
        // Calendar months across a year's end.
        assert_eq!(
            buckets(Interval::Month, "2023-12-15", "2024-02-10"),
            pairs(&[
                ("2023-12-15", "2023-12-31"),
                ("2024-01-01", "2024-01-31"),
                ("2024-02-01", "2024-02-10")
            ])
        );
        assert_eq!(
            buckets(Interval::Day, "2024-02-28", "2024-03-01").len(),
            3,
            "a leap year's February"
        );
        assert!(buckets(Interval::Day, "2024-03-02", "2024-03-01").is_empty());
    }
}
