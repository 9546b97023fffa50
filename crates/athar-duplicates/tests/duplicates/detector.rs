//! The detector finds what comparing every pair finds, each pair once, in order.

use std::collections::HashSet;

use athar_duplicates::{Candidate, CasualtyCounts, Detector, LocationPrecision, Report, compare};
use uuid::Uuid;

use crate::support::{ORIGIN, Rng, april, at, killed, report};

const SOURCES: [&str; 3] = ["civil-defence", "local-council", "health-directorate"];
const KINDS: [&str; 2] = ["attack", "fire"];
const COMMUNITIES: [&str; 12] = [
    "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12",
];

/// Reports crowded into a box of 0.25° around Kafr Nabl over six days, of every
/// precision, with and without times, points and communities: many candidates, and many
/// pairs just beyond a limit.
fn crowded(count: usize, seed: u64) -> Vec<Report<'static>> {
    let mut rng = Rng(seed);
    (0..count)
        .map(|index| {
            let precision = match rng.below(10) {
                0..=5 => LocationPrecision::Exact,
                6..=8 => LocationPrecision::Community,
                _ => LocationPrecision::Admin,
            };
            let point = (rng.below(10) != 0).then(|| {
                (
                    ORIGIN.0 + 0.25 * (rng.uniform() - 0.5),
                    ORIGIN.1 + 0.25 * (rng.uniform() - 0.5),
                )
            });
            let time = (rng.below(2) == 0)
                .then(|| at(rng.below(24) as u32, rng.below(60) as u32))
                .flatten();
            let community_id = (rng.below(3) != 0).then(|| COMMUNITIES[rng.below(12) as usize]);
            Report {
                id: Uuid::from_u64_pair(rng.next(), index as u64),
                source: SOURCES[rng.below(3) as usize],
                kind: KINDS[rng.below(2) as usize],
                date: april(10 + rng.below(6) as u32),
                time,
                point,
                precision,
                community_id,
                casualties: CasualtyCounts {
                    killed: rng.below(8) as u32,
                    injured: rng.below(12) as u32,
                    ..CasualtyCounts::default()
                },
            }
        })
        .collect()
}

/// Every pair with at least one of `fresh`, compared one by one, in the detector's order.
fn brute_force(reports: &[Report<'_>], fresh: impl Fn(usize) -> bool) -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for i in 0..reports.len() {
        for j in i + 1..reports.len() {
            if (fresh(i) || fresh(j))
                && let Some(candidate) = compare(&reports[i], &reports[j])
            {
                candidates.push(candidate);
            }
        }
    }
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.incidents.cmp(&b.incidents))
    });
    candidates
}

#[test]
fn all_candidates_are_exactly_the_pairs_compared_one_by_one() {
    let reports = crowded(1500, 7);
    let found = Detector::new(&reports).all_candidates();
    assert!(
        found.len() > 1000,
        "{} candidates: too few to test",
        found.len()
    );
    assert_eq!(found, brute_force(&reports, |_| true));
}

#[test]
fn candidates_for_fresh_reports_are_exactly_their_pairs_compared_one_by_one() {
    let reports = crowded(1500, 11);
    let detector = Detector::new(&reports);
    // Every seventh report, some given twice, out of order.
    let mut fresh: Vec<usize> = (0..reports.len()).step_by(7).rev().collect();
    fresh.extend([0, 7, 14]);
    let found = detector.candidates_for(&fresh);
    assert!(
        found.len() > 100,
        "{} candidates: too few to test",
        found.len()
    );
    assert_eq!(found, brute_force(&reports, |i| i % 7 == 0));
    assert!(detector.candidates_for(&[]).is_empty());
}

#[test]
fn each_pair_comes_once_smaller_id_first_sorted_by_score_then_ids() {
    let reports = crowded(1500, 13);
    let found = Detector::new(&reports).candidates_for(&(0..700).collect::<Vec<_>>());
    let mut seen = HashSet::new();
    for candidate in &found {
        assert!(candidate.incidents[0] < candidate.incidents[1]);
        assert!(
            seen.insert(candidate.incidents),
            "{:?} twice",
            candidate.incidents
        );
    }
    for pair in found.windows(2) {
        let by_score = pair[0].score.total_cmp(&pair[1].score);
        assert!(
            by_score.is_gt() || (by_score.is_eq() && pair[0].incidents < pair[1].incidents),
            "{pair:?}"
        );
    }
}

#[test]
fn results_are_symmetric() {
    let reports = crowded(800, 17);
    let detector = Detector::new(&reports);
    let pairs_of = |position: usize| -> HashSet<[Uuid; 2]> {
        detector
            .candidates_for(&[position])
            .into_iter()
            .map(|candidate| candidate.incidents)
            .collect()
    };
    let position_of = |id: Uuid| reports.iter().position(|report| report.id == id).unwrap();
    let mut checked = 0;
    for (position, report) in reports.iter().enumerate().take(100) {
        for pair in pairs_of(position) {
            let other = position_of(if pair[0] == report.id {
                pair[1]
            } else {
                pair[0]
            });
            assert!(pairs_of(other).contains(&pair));
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
    // The order of the reports changes nothing.
    let reversed: Vec<Report<'_>> = reports.iter().rev().copied().collect();
    assert_eq!(
        Detector::new(&reversed).all_candidates(),
        detector.all_candidates()
    );
}

#[test]
fn reports_of_one_source_are_never_paired() {
    let reports = [report(1, "civil-defence"), report(2, "civil-defence")];
    let detector = Detector::new(&reports);
    assert!(detector.all_candidates().is_empty());
    assert!(detector.candidates_for(&[0, 1]).is_empty());
}

#[test]
fn a_pair_of_two_fresh_reports_comes_once() {
    let reports = [
        report(1, "civil-defence"),
        report(2, "local-council"),
        report(3, "civil-defence"),
    ];
    let detector = Detector::new(&reports);
    let found = detector.candidates_for(&[1, 0, 1]);
    let ids: Vec<[Uuid; 2]> = found.iter().map(|c| c.incidents).collect();
    assert_eq!(
        ids,
        [
            [Uuid::from_u128(1), Uuid::from_u128(2)],
            [Uuid::from_u128(2), Uuid::from_u128(3)]
        ]
    );
}

#[test]
fn point_less_reports_are_paired_by_their_community() {
    let reports = [
        Report {
            point: None,
            community_id: Some("C4150"),
            ..report(1, "civil-defence")
        },
        Report {
            point: None,
            community_id: Some("C4150"),
            date: april(13),
            ..report(2, "local-council")
        },
        // A point and the community: pairs with both of the others' sources.
        Report {
            community_id: Some("C4150"),
            casualties: killed(1),
            ..report(3, "health-directorate")
        },
        // Another community.
        Report {
            point: None,
            community_id: Some("C4151"),
            ..report(4, "health-directorate")
        },
    ];
    let detector = Detector::new(&reports);
    let ids: HashSet<[u128; 2]> = detector
        .all_candidates()
        .iter()
        .map(|c| c.incidents.map(|id| id.as_u128()))
        .collect();
    assert_eq!(ids, HashSet::from([[1, 2], [1, 3], [2, 3]]));
    assert_eq!(detector.candidates_for(&[0]).len(), 2);
}

#[test]
fn points_across_the_antimeridian_are_neighbours() {
    // 2.2 km apart on the equator, on either side of 180°.
    let a = Report {
        point: Some((179.99, 0.0)),
        precision: LocationPrecision::Community,
        ..report(1, "civil-defence")
    };
    let b = Report {
        point: Some((-179.99, 0.0)),
        ..report(2, "local-council")
    };
    let reports = [a, b];
    let detector = Detector::new(&reports);
    assert_eq!(detector.all_candidates().len(), 1);
    assert_eq!(detector.candidates_for(&[1]).len(), 1);
}

#[test]
fn points_near_a_pole_are_neighbours() {
    let a = Report {
        point: Some((0.0, 89.99)),
        precision: LocationPrecision::Community,
        ..report(1, "civil-defence")
    };
    let b = Report {
        point: Some((180.0, 89.99)),
        ..report(2, "local-council")
    };
    let reports = [a, b];
    assert_eq!(Detector::new(&reports).all_candidates().len(), 1);
}

#[test]
#[should_panic(expected = "fresh position 2 is out of range of the 2 reports")]
fn a_fresh_position_beyond_the_reports_is_a_bug() {
    let reports = [report(1, "civil-defence"), report(2, "local-council")];
    Detector::new(&reports).candidates_for(&[2]);
}
