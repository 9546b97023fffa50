//! The index over reports, and the search for candidates.
//!
//! How it works: every report gets small numbers for its kind, its source and, when
//! resolved, its community, and its [`Facts`] (what the rules read of it, 64 bytes). Two
//! indexes then hold the reports' facts in the order of 128-bit keys:
//!
//! - by place: `kind | day | grid row | grid column | report`, for reports with a point,
//!   on a grid of [`CELL_DEGREES`];
//! - by community: `kind | day | community | report`, for reports resolved to one.
//!
//! The report's position sits in the key's low 32 bits, so each index is built by one
//! unstable sort of a `Vec<u128>` and one gathering of facts in that order. A report's
//! neighbours are a few ranges of consecutive keys, each found by binary search: for each
//! of the three days around its own, the grid cells within [`COMMUNITY_CENTRE_KM`] of its
//! point (three rows of one or two runs of columns) and its community. No pair of reports
//! of different kinds or of days more than one apart is ever looked at, and the facts of a
//! range are read front to back: the reports themselves are read only for the ids of the
//! candidates.
//!
//! Fresh reports are searched in the order of their keys, so that each binary search walks
//! much of the path of the one before, already in the cache: over a million reports this
//! halved the time of ten thousand searches (100 to 50 ms).
//!
//! A pair can be found by both searches. The place search keeps a pair only when its
//! points alone place it (within their limit); the community search only when they do not.
//! So each fresh report meets each of its candidates once, and a pair of two fresh
//! reports is kept from the one with the smaller position.

use std::collections::HashMap;

use athar_core::LonLat;

use crate::rules::{Facts, KM_PER_DEGREE_OF_LATITUDE, Numbers, assess};
use crate::{COMMUNITY_CENTRE_KM, Candidate, EXACT_POINTS_KM, MAX_DAYS_APART, Report};

/// The side of a grid cell, in degrees: about 5.6 km north–south and 4.5 km east–west in
/// Syria, so that the cells within 5 km of a point are three rows of three or four.
const CELL_DEGREES: f64 = 0.05;

/// Grid columns around the world.
const COLUMNS: i64 = 7200;

const _: () = assert!((360.0 / CELL_DEGREES) as i64 == COLUMNS);
// The place search reaches as far as the widest limit of points.
const _: () = assert!(COMMUNITY_CENTRE_KM >= EXACT_POINTS_KM);

/// A report's position in the low 32 bits of a key.
const POSITION_BITS: u32 = 32;

/// An index over reports that finds candidate pairs without comparing all pairs.
///
/// Building it sorts two arrays of keys, one entry per report with a point and one per
/// report resolved to a community, and keeps beside each key what the rules read of the
/// report (64 bytes): at most 160 bytes per report. Over a million reports it took 0.3 to
/// 0.4 s on two cores shared with another build (`examples/detect_bench.rs`).
#[derive(Debug)]
pub struct Detector<'a> {
    reports: &'a [Report<'a>],
    kinds: HashMap<&'a str, u32>,
    sources: HashMap<&'a str, u32>,
    communities: HashMap<&'a str, u32>,
    by_place: Index,
    by_community: Index,
}

/// Keys in order, and the facts of the reports they stand for in the same order.
#[derive(Debug)]
struct Index {
    keys: Vec<u128>,
    facts: Vec<Facts>,
}

impl Index {
    fn new(mut keys: Vec<u128>, facts: &[Facts]) -> Self {
        keys.sort_unstable();
        let facts = keys.iter().map(|&key| facts[position(key)]).collect();
        Self { keys, facts }
    }

    /// The positions and facts of the reports whose keys lie in `[low, high]`, the
    /// position bits ignored.
    fn range(&self, low: u128, high: u128) -> impl Iterator<Item = (usize, &Facts)> {
        let high = high | u128::from(u32::MAX);
        // Ranges are short: their end is found by reading on, not by a second search.
        let start = self.keys.partition_point(|&key| key < low);
        self.keys[start..]
            .iter()
            .take_while(move |&&key| key <= high)
            .map(|&key| position(key))
            .zip(&self.facts[start..])
    }
}

/// The report's position in a key.
fn position(key: u128) -> usize {
    (key as u32) as usize
}

// Keys, from the high bits: kind (32 bits), day (32), then either grid row (19 bits for
// 3,601 rows) and column (13 bits for 7,200 columns), or community (32); position (32).

/// A day's bits, ordered as the days are.
fn day_bits(day: i32) -> u128 {
    u128::from(day.cast_unsigned() ^ 0x8000_0000)
}

fn place_key(kind: u32, day: i32, row: u32, column: u32) -> u128 {
    u128::from(kind) << 96
        | day_bits(day) << 64
        | u128::from(row) << 45
        | u128::from(column) << POSITION_BITS
}

fn community_key(kind: u32, day: i32, community: u32) -> u128 {
    u128::from(kind) << 96 | day_bits(day) << 64 | u128::from(community) << POSITION_BITS
}

fn row(lat: f64) -> u32 {
    ((lat + 90.0) / CELL_DEGREES).floor() as u32
}

fn column(lon: f64) -> u32 {
    (((lon + 180.0) / CELL_DEGREES).floor() as i64).rem_euclid(COLUMNS) as u32
}

/// The grid cells that can hold a point within [`COMMUNITY_CENTRE_KM`] of `point`, as
/// (row, first column, last column), written into `ranges`. Columns wrap at the
/// antimeridian; near a pole every column is searched.
fn cells_near(point: LonLat, ranges: &mut Vec<(u32, u32, u32)>) {
    ranges.clear();
    // A point within r km is within r / (km per degree) degrees of latitude; 1% more
    // covers rounding.
    let reach = COMMUNITY_CENTRE_KM / KM_PER_DEGREE_OF_LATITUDE * 1.01;
    let south = (point.lat - reach).max(-90.0);
    let north = (point.lat + reach).min(90.0);
    // Degrees of longitude shrink towards the poles: the parallel nearest the pole bounds
    // them (a slight overestimate of the great circle's reach).
    let cos = south.abs().max(north.abs()).to_radians().cos();
    let half_width = if cos > 0.0 {
        reach / cos
    } else {
        f64::INFINITY
    };
    let (west, east) = if half_width >= 180.0 {
        (0, COLUMNS - 1)
    } else {
        (
            ((point.lon - half_width + 180.0) / CELL_DEGREES).floor() as i64,
            ((point.lon + half_width + 180.0) / CELL_DEGREES).floor() as i64,
        )
    };
    let last_column = (COLUMNS - 1) as u32;
    let (runs, count) = if east - west + 1 >= COLUMNS {
        ([(0, last_column), (0, 0)], 1)
    } else {
        let first = west.rem_euclid(COLUMNS) as u32;
        let last = east.rem_euclid(COLUMNS) as u32;
        if first <= last {
            ([(first, last), (0, 0)], 1)
        } else {
            ([(first, last_column), (0, last)], 2)
        }
    };
    for grid_row in row(south)..=row(north) {
        for &(first, last) in &runs[..count] {
            ranges.push((grid_row, first, last));
        }
    }
}

/// Numbers the distinct strings it is given, in order of first sight.
fn intern<'a>(numbers: &mut HashMap<&'a str, u32>, value: &'a str) -> u32 {
    let next = numbers.len() as u32;
    *numbers.entry(value).or_insert(next)
}

impl<'a> Detector<'a> {
    /// Indexes the reports.
    ///
    /// # Panics
    /// With more than `u32::MAX` reports.
    pub fn new(reports: &'a [Report<'a>]) -> Self {
        assert!(
            u32::try_from(reports.len()).is_ok(),
            "at most {} reports can be indexed",
            u32::MAX
        );
        let mut kinds = HashMap::new();
        let mut sources = HashMap::new();
        let mut communities = HashMap::new();
        let mut facts = Vec::with_capacity(reports.len());
        let mut by_place = Vec::with_capacity(reports.len());
        let mut by_community = Vec::with_capacity(reports.len());
        for (position, report) in reports.iter().enumerate() {
            let numbers = Numbers {
                source: intern(&mut sources, report.source),
                kind: intern(&mut kinds, report.kind),
                community: report.community_id.map(|id| intern(&mut communities, id)),
            };
            let report_facts = Facts::of(report, numbers);
            let position = position as u128;
            if let Some(point) = report_facts.point() {
                by_place.push(
                    place_key(
                        numbers.kind,
                        report_facts.day,
                        row(point.lat),
                        column(point.lon),
                    ) | position,
                );
            }
            if let Some(community) = numbers.community {
                by_community
                    .push(community_key(numbers.kind, report_facts.day, community) | position);
            }
            facts.push(report_facts);
        }
        Self {
            reports,
            kinds,
            sources,
            communities,
            by_place: Index::new(by_place, &facts),
            by_community: Index::new(by_community, &facts),
        }
    }

    /// The reports indexed.
    pub fn reports(&self) -> &'a [Report<'a>] {
        self.reports
    }

    /// Candidates pairing each of `fresh` (positions in the reports, such as the rows of
    /// the import just done) with any other report of a different source. Each pair once
    /// (a pair of two fresh reports too, and a position given twice counts once), its ids
    /// in order, the pairs by score descending, then by ids.
    ///
    /// # Panics
    /// When a position is out of range of the reports.
    pub fn candidates_for(&self, fresh: &[usize]) -> Vec<Candidate> {
        let mut fresh = fresh.to_vec();
        fresh.sort_unstable();
        fresh.dedup();
        if let Some(&last) = fresh.last() {
            assert!(
                last < self.reports.len(),
                "fresh position {last} is out of range of the {} reports",
                self.reports.len()
            );
        }
        let mut candidates = Vec::new();
        let mut cells = Vec::new();
        for position in self.in_index_order(fresh.iter().copied()) {
            // A pair of fresh reports is kept from the smaller position.
            self.search(
                position,
                |other| other > position || fresh.binary_search(&other).is_err(),
                &mut cells,
                &mut candidates,
            );
        }
        sort(&mut candidates);
        candidates
    }

    /// Every candidate pair among all the reports, in the order of
    /// [`candidates_for`](Self::candidates_for).
    pub fn all_candidates(&self) -> Vec<Candidate> {
        let mut candidates = Vec::new();
        let mut cells = Vec::new();
        for position in self.in_index_order(0..self.reports.len()) {
            self.search(
                position,
                |other| other > position,
                &mut cells,
                &mut candidates,
            );
        }
        sort(&mut candidates);
        candidates
    }

    /// The positions in the order of their place key, then of their community key: the
    /// order in which to search them so that each binary search walks much of the path
    /// of the one before, already in the cache (in random order, each misses the cache a
    /// dozen times). Reports with neither a point nor a community, which have no
    /// candidates, are left out.
    fn in_index_order(&self, positions: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut keyed: Vec<(bool, u128, usize)> = positions
            .filter_map(|position| {
                let report = &self.reports[position];
                let numbers = self.numbers(report);
                let facts = Facts::of(report, numbers);
                if let Some(point) = facts.point() {
                    let key = place_key(numbers.kind, facts.day, row(point.lat), column(point.lon));
                    Some((false, key, position))
                } else {
                    let key = community_key(numbers.kind, facts.day, numbers.community?);
                    Some((true, key, position))
                }
            })
            .collect();
        keyed.sort_unstable();
        keyed.into_iter().map(|(_, _, position)| position).collect()
    }

    /// The numbers of an indexed report's strings.
    fn numbers(&self, report: &Report<'_>) -> Numbers {
        Numbers {
            source: self.sources[report.source],
            kind: self.kinds[report.kind],
            community: report.community_id.map(|id| self.communities[id]),
        }
    }

    /// Appends the candidates of the report at `position` with the reports `keep` accepts.
    fn search(
        &self,
        position: usize,
        keep: impl Fn(usize) -> bool,
        cells: &mut Vec<(u32, u32, u32)>,
        candidates: &mut Vec<Candidate>,
    ) {
        let report = &self.reports[position];
        let numbers = self.numbers(report);
        let facts = Facts::of(report, numbers);
        if let Some(point) = facts.point() {
            cells_near(point, cells);
        } else {
            cells.clear();
        }
        // A report meets itself too, and is turned away as of its own source.
        let mut consider = |other: usize, other_facts: &Facts, by_distance: bool| {
            if let Some(assessment) = assess(&facts, other_facts)
                && assessment.by_distance == by_distance
                && keep(other)
            {
                candidates.push(assessment.candidate(report.id, self.reports[other].id));
            }
        };
        for day in facts.day - MAX_DAYS_APART..=facts.day + MAX_DAYS_APART {
            for &(grid_row, first, last) in cells.iter() {
                let low = place_key(numbers.kind, day, grid_row, first);
                let high = place_key(numbers.kind, day, grid_row, last);
                for (other, other_facts) in self.by_place.range(low, high) {
                    consider(other, other_facts, true);
                }
            }
            if let Some(community) = numbers.community {
                let key = community_key(numbers.kind, day, community);
                for (other, other_facts) in self.by_community.range(key, key) {
                    consider(other, other_facts, false);
                }
            }
        }
    }
}

/// By score descending, then by ids.
fn sort(candidates: &mut [Candidate]) {
    candidates.sort_unstable_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.incidents.cmp(&b.incidents))
    });
}

#[cfg(test)]
mod tests {
    use athar_core::geo::MEAN_EARTH_RADIUS_KM;
    use proptest::prelude::*;

    use super::*;

    /// The point `km` from `start` along the initial bearing `degrees`, on the sphere.
    fn destination(start: LonLat, km: f64, degrees: f64) -> LonLat {
        let angle = km / MEAN_EARTH_RADIUS_KM;
        let (lat, bearing) = (start.lat.to_radians(), degrees.to_radians());
        let end_lat = (lat.sin() * angle.cos() + lat.cos() * angle.sin() * bearing.cos()).asin();
        let end_lon = start.lon.to_radians()
            + (bearing.sin() * angle.sin() * lat.cos())
                .atan2(angle.cos() - lat.sin() * end_lat.sin());
        let lon = (end_lon.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
        LonLat::new(lon, end_lat.to_degrees())
    }

    proptest! {
        #[test]
        fn the_cells_near_a_point_hold_every_point_within_5_km(
            // Anywhere, and often near the antimeridian and the poles.
            lon in prop_oneof![-180.0f64..=180.0, 179.9f64..=180.0, -180.0f64..=-179.9],
            lat in prop_oneof![-90.0f64..=90.0, 89.0f64..=90.0, -90.0f64..=-89.0],
            km in 0.0f64..=COMMUNITY_CENTRE_KM,
            bearing in 0.0f64..360.0,
        ) {
            let start = LonLat::new(lon, lat);
            let end = destination(start, km, bearing);
            prop_assume!(end.is_valid());
            let mut cells = Vec::new();
            cells_near(start, &mut cells);
            let (end_row, end_column) = (row(end.lat), column(end.lon));
            prop_assert!(
                cells.iter().any(|&(grid_row, first, last)| {
                    grid_row == end_row && (first..=last).contains(&end_column)
                }),
                "{end:?} ({end_row}, {end_column}) not in {cells:?}"
            );
        }
    }

    #[test]
    fn a_point_in_syria_searches_three_rows_of_a_few_columns() {
        let mut cells = Vec::new();
        cells_near(LonLat::new(36.56, 35.61), &mut cells);
        assert_eq!(cells.len(), 3);
        assert!(cells.iter().all(|&(_, first, last)| last - first <= 3));
    }
}
