//! Two sources report one month: the civil defence twenty incidents, the local council the
//! same twenty as it saw them (points 100–1500 m away, some a day later, some with no
//! point, casualties counted differently) and five of its own.

use std::collections::HashSet;

use athar_duplicates::{CasualtyCounts, Detector, LocationPrecision, Report};
use chrono::{Days, NaiveTime, Timelike};
use uuid::Uuid;

use crate::support::{april, at, north, shifted};

/// Ten towns of Idlib, each at least 9 km from the others: (community id, lon, lat).
const TOWNS: [(&str, f64, f64); 10] = [
    ("C4150", 36.560, 35.614), // Kafr Nabl
    ("C4135", 36.673, 35.643), // Maarat al-Numan
    ("C3871", 36.633, 35.930), // Idlib
    ("C3912", 36.608, 35.813), // Ariha
    ("C3945", 36.800, 35.865), // Saraqib
    ("C4272", 36.318, 35.812), // Jisr al-Shughur
    ("C1163", 36.853, 36.281), // Darat Izza
    ("C1120", 36.830, 36.136), // Atarib
    ("C3855", 36.722, 36.178), // Sarmada
    ("C3822", 36.520, 36.207), // Harem
];

const KILLED: [u32; 20] = [
    7, 12, 0, 3, 1, 25, 2, 0, 5, 40, 9, 4, 0, 16, 2, 6, 0, 11, 3, 8,
];
const INJURED: [u32; 20] = [
    3, 20, 1, 0, 5, 30, 0, 2, 8, 60, 4, 10, 0, 22, 1, 7, 3, 15, 0, 12,
];
// The council's figures: 7 → 8, 12 → 10, 25 → 20, 40 → 50, 30 → 25, 60 → 50, …
const COUNCIL_KILLED: [u32; 20] = [
    8, 10, 0, 3, 2, 20, 2, 1, 6, 50, 10, 4, 0, 15, 3, 5, 0, 12, 3, 10,
];
const COUNCIL_INJURED: [u32; 20] = [
    3, 20, 1, 0, 6, 25, 0, 2, 10, 50, 4, 10, 2, 20, 1, 7, 3, 15, 0, 12,
];

fn casualties(killed: u32, injured: u32) -> CasualtyCounts {
    CasualtyCounts {
        killed,
        injured,
        ..CasualtyCounts::default()
    }
}

/// The civil defence's incident `k`: two in each town, 13 days apart, a point up to
/// 800 m from the town's centre, a time for every other one (23:20 for incident 6).
fn civil_defence(k: usize) -> Report<'static> {
    let (community, lon, lat) = TOWNS[k % 10];
    let time = match k {
        6 => at(23, 20),
        _ if k.is_multiple_of(2) => at(6 + (k as u32 * 5) % 16, (k as u32 * 7) % 60),
        _ => None,
    };
    Report {
        id: Uuid::from_u128(100 + k as u128),
        source: "civil-defence",
        kind: "attack",
        date: april(2 + (k % 10) as u32 + 13 * (k / 10) as u32),
        time,
        point: Some(shifted((lon, lat), 80.0 * (k % 11) as f64, 53.0 * k as f64)),
        precision: LocationPrecision::Exact,
        community_id: (k % 5 != 4).then_some(community),
        casualties: casualties(KILLED[k], INJURED[k]),
    }
}

/// The council's report of incident `k`.
fn council_copy(original: &Report<'static>, k: usize) -> Report<'static> {
    let one_day_later = k % 3 == 1 || k == 6;
    let date = if one_day_later {
        original.date.checked_add_days(Days::new(1)).unwrap()
    } else {
        original.date
    };
    let time = match (original.time, one_day_later) {
        // The civil defence's 23:20 is the council's 00:40 the next day.
        (Some(_), true) if k == 6 => at(0, 40),
        (Some(time), false) if k.is_multiple_of(4) => {
            let minutes = time.num_seconds_from_midnight() / 60 + (k as u32 * 3) % 50 - 20;
            NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0)
        }
        _ => None,
    };
    // Two reports name the community and give no point.
    let point = (![3, 17].contains(&k)).then(|| {
        shifted(
            original.point.unwrap(),
            100.0 + 70.0 * k as f64,
            137.0 * k as f64,
        )
    });
    Report {
        id: Uuid::from_u128(200 + k as u128),
        source: "local-council",
        date,
        time,
        point,
        casualties: casualties(COUNCIL_KILLED[k], COUNCIL_INJURED[k]),
        ..*original
    }
}

/// The council's five incidents of its own: each at a place or on a day of one of the
/// civil defence's, but not both.
fn council_own(originals: &[Report<'static>]) -> [Report<'static>; 5] {
    let own = |n: u128, original: &Report<'static>| Report {
        id: Uuid::from_u128(300 + n),
        source: "local-council",
        ..*original
    };
    let later =
        |original: &Report<'static>, days| original.date.checked_add_days(Days::new(days)).unwrap();
    [
        // Incident 0's place, three days later.
        Report {
            date: later(&originals[0], 3),
            ..own(0, &originals[0])
        },
        // Incident 1's day, 12 km east, no community.
        Report {
            point: originals[1].point.map(|(lon, lat)| (lon + 0.13, lat)),
            community_id: None,
            ..own(1, &originals[1])
        },
        // Incident 13's community, four days later, no point.
        Report {
            point: None,
            date: later(&originals[13], 4),
            ..own(2, &originals[13])
        },
        // Incident 4's day, 3 km north.
        Report {
            point: originals[4].point.map(|point| north(point, 3.0)),
            ..own(3, &originals[4])
        },
        // Incident 15's place, two days earlier.
        Report {
            date: originals[15].date.checked_sub_days(Days::new(2)).unwrap(),
            ..own(4, &originals[15])
        },
    ]
}

#[test]
fn two_sources_reporting_one_month_pair_their_common_incidents() {
    let originals: Vec<Report<'static>> = (0..20).map(civil_defence).collect();
    let mut reports = originals.clone();
    reports.extend((0..20).map(|k| council_copy(&originals[k], k)));
    reports.extend(council_own(&originals));
    assert_eq!(reports.len(), 45);

    let true_pairs: HashSet<[Uuid; 2]> = (0..20)
        .map(|k| [Uuid::from_u128(100 + k), Uuid::from_u128(200 + k)])
        .collect();
    let candidates = Detector::new(&reports).all_candidates();
    let found = candidates
        .iter()
        .filter(|candidate| true_pairs.contains(&candidate.incidents))
        .count();
    let false_pairs: Vec<_> = candidates
        .iter()
        .filter(|candidate| !true_pairs.contains(&candidate.incidents))
        .collect();
    assert!(
        found >= 19,
        "{found} of the 20 true pairs found: {candidates:#?}"
    );
    assert!(false_pairs.len() <= 1, "false pairs: {false_pairs:#?}");

    // After the council's import alone (its 25 rows), the same candidates.
    let fresh: Vec<usize> = (20..45).collect();
    assert_eq!(Detector::new(&reports).candidates_for(&fresh), candidates);
}
