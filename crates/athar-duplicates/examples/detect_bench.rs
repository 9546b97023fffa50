//! Times a detector over a million generated reports in north-west Syria: building it, and
//! finding the candidates of ten thousand fresh reports (the last ten thousand, as after
//! an import), with the reports spread over a year and crowded into one month.
//!
//! ```sh
//! cargo run --release -p athar-duplicates --example detect_bench
//! ```
//!
//! Prints the median of several runs of each step. The target: candidates for ten
//! thousand fresh reports well under a second in both shapes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use athar_duplicates::{CasualtyCounts, Detector, LocationPrecision, Report};
use chrono::{Days, NaiveDate, NaiveTime};
use uuid::Uuid;

const REPORTS: usize = 1_000_000;
const FRESH: usize = 10_000;
const COMMUNITIES: usize = 600;
const RUNS: usize = 5;

const SOURCES: [&str; 8] = [
    "civil-defence",
    "local-council",
    "health-directorate",
    "monitoring-network",
    "education-cluster",
    "ngo-forum",
    "media-centre",
    "field-team",
];

/// Kinds, with their shares of the reports.
const KINDS: [(&str, f64); 6] = [
    ("attack", 0.45),
    ("fire", 0.20),
    ("traffic_accident", 0.15),
    ("explosive_remnant", 0.10),
    ("building_collapse", 0.05),
    ("other", 0.05),
];

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Small counts, now and then a large one.
    fn casualties(&mut self) -> u32 {
        match self.below(10) {
            0..=5 => 0,
            6..=8 => 1 + self.below(4) as u32,
            _ => 5 + self.below(40) as u32,
        }
    }
}

/// Communities: ids and centres in the box lon 36.2–37.3, lat 35.5–36.7.
fn communities(rng: &mut Rng) -> Vec<(String, (f64, f64))> {
    (0..COMMUNITIES)
        .map(|n| {
            (
                format!("C{n:04}"),
                (36.2 + 1.1 * rng.uniform(), 35.5 + 1.2 * rng.uniform()),
            )
        })
        .collect()
}

/// Reports over `days` days from 1 January 2024: a third in the 60 largest communities;
/// 65% exact points up to 3 km from their community's centre, 25% at the centre, 10% at
/// an area's centre; 85% resolved to their community; 60% with a time.
fn reports<'a>(
    rng: &mut Rng,
    communities: &'a [(String, (f64, f64))],
    days: u64,
) -> Vec<Report<'a>> {
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    (0..REPORTS)
        .map(|_| {
            let community = if rng.below(3) == 0 {
                rng.below(60)
            } else {
                rng.below(COMMUNITIES as u64)
            } as usize;
            let (id, centre) = (&communities[community].0, communities[community].1);
            let (precision, point) = match rng.below(20) {
                0..=12 => (
                    LocationPrecision::Exact,
                    (
                        centre.0 + 0.06 * (rng.uniform() - 0.5),
                        centre.1 + 0.06 * (rng.uniform() - 0.5),
                    ),
                ),
                13..=17 => (LocationPrecision::Community, centre),
                _ => (
                    LocationPrecision::Admin,
                    (
                        36.2 + 0.275 * (rng.below(4) as f64 + 0.5),
                        35.5 + 0.3 * (rng.below(4) as f64 + 0.5),
                    ),
                ),
            };
            let mut share = rng.uniform();
            let kind = KINDS
                .iter()
                .find(|(_, weight)| {
                    share -= weight;
                    share < 0.0
                })
                .map_or("other", |(kind, _)| kind);
            let time = (rng.below(5) < 3)
                .then(|| NaiveTime::from_hms_opt(rng.below(24) as u32, rng.below(60) as u32, 0))
                .flatten();
            Report {
                id: Uuid::from_u64_pair(rng.next(), rng.next()),
                source: SOURCES[rng.below(SOURCES.len() as u64) as usize],
                kind,
                date: first
                    .checked_add_days(Days::new(rng.below(days)))
                    .expect("a date in range"),
                time,
                point: Some(point),
                precision,
                community_id: (rng.below(20) < 17).then_some(id.as_str()),
                casualties: CasualtyCounts {
                    killed: rng.casualties(),
                    injured: rng.casualties(),
                    ..CasualtyCounts::default()
                },
            }
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let mut rng = Rng(2024);
    let communities = communities(&mut rng);
    let fresh: Vec<usize> = (REPORTS - FRESH..REPORTS).collect();
    for (shape, days) in [("one year", 366), ("one month", 31)] {
        let reports = reports(&mut rng, &communities, days);
        let mut builds = Vec::new();
        for _ in 0..RUNS {
            let start = Instant::now();
            black_box(Detector::new(black_box(&reports)));
            builds.push(start.elapsed());
        }
        let detector = Detector::new(&reports);
        let mut detections = Vec::new();
        let mut found = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            found = black_box(detector.candidates_for(black_box(&fresh))).len();
            detections.push(start.elapsed());
        }
        println!(
            "{REPORTS} reports over {shape} ({days} days): build {:.1} ms; \
             candidates for {FRESH} fresh {:.1} ms ({found} candidates)",
            median(builds).as_secs_f64() * 1000.0,
            median(detections).as_secs_f64() * 1000.0,
        );
    }
}
