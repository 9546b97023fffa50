//! Duplicate detection after an import: 1,000,000 incidents of one source in the snapshot,
//! then 10,000 of another source (each a report of one of them, 100–900 m off, the same
//! day or the next): how long finding the new incidents' candidate pairs takes (reading
//! the snapshot's rows, indexing them, searching around each new incident).
//!
//! `cargo run --release -p athar-app --example duplicates_bench [ROWS] [FRESH]`

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use athar_core::{
    Casualties, CasualtyCounts, Incident, IncidentRecord, LocationPrecision, OccurredAt, Point,
    Slug, Vocabularies,
};
use athar_index::Snapshot;
use chrono::NaiveDate;
use uuid::Uuid;

fn incident(i: usize, source: &str, shift: f64, day_offset: i64) -> Incident {
    let community = (i * 7_919) % 2_000;
    let lon = 36.2 + (community % 50) as f64 * 0.03 + (i % 13) as f64 * 0.001 + shift;
    let lat = 35.4 + (community / 50) as f64 * 0.025 + (i % 7) as f64 * 0.001 + shift;
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    Incident {
        id: Uuid::now_v7(),
        record: IncidentRecord {
            source: source.into(),
            source_id: Some(format!("{source}{i}")),
            kind: Slug::parse(["attack", "fire", "traffic_accident"][i % 3]).unwrap(),
            occurred: OccurredAt::day(
                start + chrono::Duration::days((i % 365) as i64 + day_offset),
            ),
            location: Some(Point::from_degrees(lon, lat).unwrap()),
            location_precision: LocationPrecision::Exact,
            community: format!("قرية {community}"),
            community_key: format!("{community}"),
            community_pcode: None,
            admin1: Some("Idlib".into()),
            admin2: None,
            admin3: None,
            place_type: None,
            perpetrator: None,
            weapon: None,
            cause: None,
            vehicle: None,
            casualties: Casualties::new(CasualtyCounts {
                killed: (i % 3) as u32,
                injured: (i % 5) as u32,
                ..CasualtyCounts::default()
            })
            .unwrap(),
            notes: None,
            resolution: athar_core::CommunityResolution::default(),
        },
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let fresh_rows: usize = args.next().map_or(10_000, |a| a.parse().unwrap());
    let mut incidents: Vec<Incident> = (0..rows).map(|i| incident(i, "store", 0.0, 0)).collect();
    let fresh: HashSet<Uuid> = (0..fresh_rows)
        .map(|j| {
            let i = j * (rows / fresh_rows);
            let report = incident(i, "council", 0.001 + (j % 8) as f64 * 0.001, (j % 2) as i64);
            let id = report.id;
            incidents.push(report);
            id
        })
        .collect();
    let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents);
    println!(
        "{} incidents in the snapshot, {} of them just imported from another source",
        snapshot.len(),
        fresh.len()
    );
    for run in 1..=3 {
        let started = Instant::now();
        let pairs = athar_app::duplicates::candidates_of(&snapshot, &fresh, |_| false);
        println!(
            "run {run}: {} candidate pairs in {:.0} ms",
            pairs.len(),
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
