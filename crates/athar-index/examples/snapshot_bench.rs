//! Snapshot figures for 1,000,000 generated incidents: build time, resident memory per
//! incident, and the median time of the queries a monthly report makes.
//!
//!     cargo run --release -p athar-index --example snapshot_bench [-- ROWS]

use std::alloc::System;
use std::sync::Arc;
use std::time::{Duration, Instant};

use athar_core::{
    Casualties, CasualtyCounts, Filter, Incident, IncidentRecord, LocationPrecision, OccurredAt,
    Point, Slug, Vocabularies,
};
use chrono::NaiveDate;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use uuid::Uuid;

/// Counts the bytes allocated and not yet freed, so that the snapshot's own size can be
/// read after the input it was built from is gone.
#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn live_bytes() -> usize {
    let stats = ALLOCATOR.stats();
    let live =
        stats.bytes_allocated as isize + stats.bytes_reallocated - stats.bytes_deallocated as isize;
    live.max(0) as usize
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn generate(rows: usize) -> Vec<Incident> {
    let kinds = [
        "attack",
        "attack",
        "attack",
        "fire",
        "traffic_accident",
        "drowning",
    ];
    let weapons = ["artillery", "drone", "guided_missile", "rocket_launcher"];
    let places = ["agricultural_land", "home", "road", "school", "market"];
    let start = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap();
    // 2,000 communities, spread over north-west Syria.
    (0..rows)
        .map(|i| {
            let community = (i * 7_919) % 2_000;
            let kind = kinds[i % kinds.len()];
            let attack = kind == "attack";
            let lon = 36.2 + (community % 50) as f64 * 0.03 + (i % 13) as f64 * 0.001;
            let lat = 35.4 + (community / 50) as f64 * 0.025 + (i % 7) as f64 * 0.001;
            Incident {
                id: Uuid::now_v7(),
                record: IncidentRecord {
                    source: "bench".into(),
                    source_id: Some(format!("b{i}")),
                    kind: Slug::parse(kind).unwrap(),
                    occurred: OccurredAt::day(start + chrono::Duration::days((i % 5_000) as i64)),
                    location: Some(Point::from_degrees(lon, lat).unwrap()),
                    location_precision: LocationPrecision::Exact,
                    community: format!("قرية {community}"),
                    community_key: format!("{community}"),
                    community_pcode: None,
                    admin1: Some(
                        if community % 3 == 0 {
                            "Aleppo"
                        } else {
                            "Idlib"
                        }
                        .into(),
                    ),
                    admin2: None,
                    admin3: None,
                    place_type: Some(Slug::parse(places[i % places.len()]).unwrap()),
                    perpetrator: attack.then(|| Slug::parse("government_forces").unwrap()),
                    weapon: attack.then(|| Slug::parse(weapons[i % weapons.len()]).unwrap()),
                    cause: None,
                    vehicle: None,
                    casualties: Casualties::new(CasualtyCounts {
                        killed: (i % 3) as u32,
                        injured: (i % 5) as u32,
                        ..CasualtyCounts::default()
                    })
                    .unwrap(),
                    notes: Some("قصف مدفعي".into()),
                    resolution: athar_core::CommunityResolution::default(),
                },
            }
        })
        .collect()
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let before = live_bytes();
    let incidents = generate(rows);
    let started = Instant::now();
    let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents);
    let build = started.elapsed();
    let after = live_bytes();
    println!("incidents: {rows}");
    println!(
        "snapshot build (from incidents in memory): {:.2} s",
        build.as_secs_f64()
    );
    println!(
        "heap held by the snapshot: {:.0} MB, {:.0} bytes per incident (counted by the allocator, input freed)",
        after.saturating_sub(before) as f64 / 1e6,
        after.saturating_sub(before) as f64 / rows as f64
    );

    let vocabularies = Vocabularies::defaults();
    let month = Filter {
        from: NaiveDate::from_ymd_opt(2020, 4, 1),
        to: NaiveDate::from_ymd_opt(2020, 4, 30),
        kinds: vec![
            vocabularies
                .lookup(athar_core::VocabularyName::Kind, "attack")
                .unwrap(),
        ],
        ..Filter::default()
    };
    let previous = Filter {
        from: NaiveDate::from_ymd_opt(2020, 3, 2),
        to: NaiveDate::from_ymd_opt(2020, 3, 31),
        ..month.clone()
    };
    let runs = 50;
    let time = |work: &mut dyn FnMut() -> usize| {
        let mut size = 0;
        let samples = (0..runs)
            .map(|_| {
                let started = Instant::now();
                size = work();
                started.elapsed()
            })
            .collect();
        (median(samples), size)
    };
    let (counts, communities) = time(&mut || {
        let rows = snapshot.select(&month);
        let previous_rows = snapshot.select(&previous);
        snapshot.community_counts(&rows, Some(&previous_rows)).len()
    });
    println!(
        "community counts for a month of attacks, with the previous month: median {:.2} ms ({communities} communities)",
        counts.as_secs_f64() * 1e3
    );
    let (stats, kinds) = time(&mut || {
        let all_kinds = Filter {
            kinds: Vec::new(),
            ..month.clone()
        };
        snapshot.kind_stats(&snapshot.select(&all_kinds)).len()
    });
    println!(
        "statistics for a month, every kind: median {:.2} ms ({kinds} kinds)",
        stats.as_secs_f64() * 1e3
    );
    let (select_all, matched) = time(&mut || snapshot.select(&Filter::default()).len());
    println!(
        "selecting every incident (numberMatched of an unfiltered page): median {:.2} ms ({matched})",
        select_all.as_secs_f64() * 1e3
    );
    let all = snapshot.select(&Filter::default());
    let (page, bytes) = time(&mut || {
        let features: Vec<Incident> = all
            .iter()
            .skip(rows / 2)
            .take(1_000)
            .map(|row| snapshot.incident(*row))
            .collect();
        serde_json::to_string(&features).map_or(0, |json| json.len())
    });
    println!(
        "a page of 1,000 incidents from the middle, rebuilt and written as JSON: median {:.2} ms ({bytes} bytes)",
        page.as_secs_f64() * 1e3
    );
    let (bbox, found) = time(&mut || {
        let area = Filter {
            bbox: Some(athar_core::BBox {
                west: 36.5,
                south: 35.6,
                east: 36.7,
                north: 35.8,
            }),
            ..month.clone()
        };
        snapshot.select(&area).len()
    });
    println!(
        "a month of attacks in a bbox: median {:.2} ms ({found} incidents)",
        bbox.as_secs_f64() * 1e3
    );
    let mut edited = generate(1);
    edited[0].id = snapshot.incident(all[rows / 3]).id;
    let added = generate(1);
    let upserts = [edited.remove(0), added[0].clone()];
    let mut patch_samples = Vec::new();
    for version in 0..10 {
        let started = Instant::now();
        let patched = snapshot.patch(
            2 + version,
            Arc::clone(snapshot.vocabularies()),
            &upserts,
            &[],
        );
        patch_samples.push(started.elapsed());
        assert_eq!(patched.len(), rows + 1);
    }
    println!(
        "a write applied to the snapshot (one incident changed, one added): median {:.1} ms",
        median(patch_samples).as_secs_f64() * 1e3
    );
}

use athar_index::Snapshot;
