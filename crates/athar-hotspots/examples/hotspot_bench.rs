//! Times hotspot maps and emerging hotspots over a million generated incidents in
//! north-west Syria (H3 resolution 7, 10 km bands, 12 months).
//!
//! ```sh
//! cargo run --release -p athar-hotspots --example hotspot_bench
//! ```
//!
//! Prints the median of several runs of each step. The targets: a Gi* map (counting the
//! points and Gi*) under 200 ms, emerging hotspots (counting by month, Gi* per month and
//! the trends) under 1 s, with units and weights built once per resolution, box and
//! distance and reused, as a server would cache them.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use athar_hotspots::{
    BoundingBox, DatedPoint, EmergingOptions, GiStarOptions, Interval, LonLat, Periods,
    SpatialWeights, Units, emerging_hotspots, gi_star, study_area,
};
use chrono::{Days, NaiveDate};

const INCIDENTS: usize = 1_000_000;
const RUNS: usize = 7;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal number (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// Incidents: a third uniform over the box, the rest in clusters around towns of
/// different sizes, some of them growing over the year.
fn incidents(bbox: &BoundingBox, periods: &Periods) -> Vec<DatedPoint> {
    let towns = [
        (36.63, 35.93, 0.04, 1.0),
        (36.38, 36.2, 0.03, 0.6),
        (36.7, 36.2, 0.05, 0.8),
        (36.17, 35.6, 0.02, 0.3),
        (37.15, 36.2, 0.06, 1.2),
        (36.85, 35.55, 0.03, 0.4),
        (36.0, 36.45, 0.04, 0.5),
    ];
    let total_weight: f64 = towns.iter().map(|t| t.3).sum();
    let first = periods.start(0);
    let days = (periods.end(periods.len() - 1) - first).num_days() as f64;
    let mut rng = Rng(2024);
    (0..INCIDENTS)
        .map(|i| {
            let position = if i % 3 == 0 {
                LonLat::new(
                    bbox.west + (bbox.east - bbox.west) * rng.uniform(),
                    bbox.south + (bbox.north - bbox.south) * rng.uniform(),
                )
            } else {
                let mut pick = rng.uniform() * total_weight;
                let town = towns
                    .iter()
                    .find(|t| {
                        pick -= t.3;
                        pick <= 0.0
                    })
                    .unwrap_or(&towns[0]);
                LonLat::new(
                    town.0 + town.2 * rng.normal(),
                    town.1 + town.2 * rng.normal(),
                )
            };
            // Later dates more likely near the first two towns: trends to find.
            let skew = if position.lon < 36.7 && position.lat > 35.85 {
                0.6
            } else {
                1.0
            };
            let day = (rng.uniform().powf(skew) * days) as u64;
            DatedPoint {
                position,
                date: first.checked_add_days(Days::new(day)).unwrap_or(first),
            }
        })
        .collect()
}

fn median<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = black_box(run());
        times.push(start.elapsed());
        last = Some(result);
    }
    times.sort();
    (times[RUNS / 2], last.expect("at least one run"))
}

fn ms(duration: Duration) -> String {
    format!("{:8.1} ms", duration.as_secs_f64() * 1000.0)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hotspot_bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> athar_hotspots::Result<()> {
    let bbox = study_area(35.7, 35.3, 37.6, 36.75)?;
    let last = NaiveDate::from_ymd_opt(2024, 12, 31).expect("a valid date");
    let periods = Periods::ending_at(Interval::Month, last, 12)?;
    let incidents = incidents(&bbox, &periods);
    let positions: Vec<LonLat> = incidents.iter().map(|i| i.position).collect();
    println!(
        "{INCIDENTS} incidents, H3 resolution 7, 10 km bands, 12 months; median of {RUNS} runs"
    );

    let (t_units, units) = median(|| Units::h3(7, bbox));
    let units = units?;
    let (t_weights, weights) = median(|| SpatialWeights::distance_band(&units, Some(10.0)));
    let weights = weights?;
    let (fewest, most) = weights.neighbour_count_range();
    println!(
        "units ({} cells, with the point locator)  {}",
        units.len(),
        ms(t_units)
    );
    println!(
        "weights ({fewest} to {most} neighbours)             {}",
        ms(t_weights)
    );

    let (t_count, counts) = median(|| units.count_points(positions.iter().copied()));
    let counts = counts?;
    let options = GiStarOptions { fdr: true };
    let (t_gi, map) = median(|| gi_star(&weights, &counts, options));
    let map = map?;
    println!("count points                             {}", ms(t_count));
    println!("Gi* with FDR                             {}", ms(t_gi));
    println!(
        "Gi* map (count + Gi*)                    {}   target 200 ms",
        ms(t_count + t_gi)
    );
    println!(
        "Gi* map without cached units and weights {}",
        ms(t_units + t_weights + t_count + t_gi)
    );

    let (t_count_dated, space_time) =
        median(|| units.count_dated_points(incidents.iter().copied(), periods));
    let space_time = space_time?;
    let (t_emerging, emerging) =
        median(|| emerging_hotspots(&weights, &space_time, EmergingOptions::default()));
    let emerging = emerging?;
    println!(
        "count points by month                    {}",
        ms(t_count_dated)
    );
    println!(
        "Gi* per month, Mann-Kendall, categories  {}",
        ms(t_emerging)
    );
    println!(
        "emerging hotspots (count + analysis)     {}   target 1000 ms",
        ms(t_count_dated + t_emerging)
    );

    // The plain way, for comparison: h3o's to_cell for every point.
    let resolution = h3o::Resolution::Seven;
    let plain_unit = |p: &LonLat| {
        h3o::LatLng::new(p.lat, p.lon)
            .ok()
            .and_then(|p| units.index_of_cell(p.to_cell(resolution)))
    };
    let (t_to_cell, _) = median(|| positions.iter().filter_map(plain_unit).count());
    println!(
        "(count points with to_cell, for comparison {})",
        ms(t_to_cell).trim()
    );
    let disagreements = positions
        .iter()
        .filter(|p| units.unit_of(**p) != plain_unit(p))
        .count();
    println!("points the locator and to_cell assign differently: {disagreements}");
    assert_eq!(disagreements, 0, "the locator and to_cell disagree");

    println!(
        "{} incidents in units, {} outside; classes {:?}",
        counts.total(),
        counts.outside(),
        map.class_counts()
            .iter()
            .map(|(c, n)| format!("{}={n}", c.as_str()))
            .collect::<Vec<_>>()
    );
    println!(
        "emerging categories: {:?}",
        emerging
            .category_counts()
            .iter()
            .filter(|(_, n)| *n > 0)
            .collect::<Vec<_>>()
    );
    Ok(())
}
