//! Each rule, with a pair just inside and a pair just outside its limit.

use athar_duplicates::{CasualtyCounts, LocationPrecision, Reason, Report, compare};
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::support::{ORIGIN, april, at, killed, north, report};

fn pairs(a: &Report<'_>, b: &Report<'_>) -> bool {
    compare(a, b).is_some()
}

#[test]
fn reports_of_one_source_are_never_paired() {
    let a = report(1, "civil-defence");
    assert!(!pairs(&a, &report(2, "civil-defence")));
    assert!(pairs(&a, &report(2, "local-council")));
}

#[test]
fn reports_of_different_kinds_are_never_paired() {
    let a = report(1, "civil-defence");
    let b = Report {
        kind: "fire",
        ..report(2, "local-council")
    };
    assert!(!pairs(&a, &b));
}

#[test]
fn exact_points_pair_within_2_km_and_not_beyond() {
    let a = report(1, "civil-defence");
    let inside = Report {
        point: Some(north(ORIGIN, 1.99)),
        ..report(2, "local-council")
    };
    let outside = Report {
        point: Some(north(ORIGIN, 2.01)),
        ..inside
    };
    let candidate = compare(&a, &inside).unwrap();
    assert!(candidate.reasons.contains(&Reason::WithinKm(1.99)));
    assert!(!pairs(&a, &outside));
}

#[test]
fn a_community_centre_pairs_within_5_km_and_not_beyond() {
    let a = Report {
        precision: LocationPrecision::Community,
        ..report(1, "civil-defence")
    };
    for precision in [LocationPrecision::Exact, LocationPrecision::Community] {
        let inside = Report {
            point: Some(north(ORIGIN, 4.99)),
            precision,
            ..report(2, "local-council")
        };
        let outside = Report {
            point: Some(north(ORIGIN, 5.01)),
            ..inside
        };
        assert!(pairs(&a, &inside), "{precision:?}");
        assert!(pairs(&inside, &a), "{precision:?}");
        assert!(!pairs(&a, &outside), "{precision:?}");
    }
}

#[test]
fn admin_points_count_as_no_point() {
    let admin = |id, source| Report {
        precision: LocationPrecision::Admin,
        ..report(id, source)
    };
    // The same district centre is no evidence of place.
    assert!(!pairs(
        &admin(1, "civil-defence"),
        &admin(2, "local-council")
    ));
    // A common community is, and no distance is claimed.
    let a = Report {
        community_id: Some("C4150"),
        ..admin(1, "civil-defence")
    };
    let b = Report {
        community_id: Some("C4150"),
        point: Some(north(ORIGIN, 30.0)),
        ..admin(2, "local-council")
    };
    let candidate = compare(&a, &b).unwrap();
    assert!(candidate.reasons.contains(&Reason::SameCommunity));
    assert!(
        !candidate
            .reasons
            .iter()
            .any(|reason| matches!(reason, Reason::WithinKm(_)))
    );
}

#[test]
fn points_outside_the_range_of_degrees_count_as_no_point() {
    let a = Report {
        point: Some((f64::NAN, 35.6)),
        ..report(1, "civil-defence")
    };
    let b = Report {
        point: Some((f64::NAN, 35.6)),
        ..report(2, "local-council")
    };
    assert!(!pairs(&a, &b));
}

#[test]
fn point_less_reports_pair_by_their_community() {
    let in_community = |id, source, community| Report {
        point: None,
        community_id: community,
        ..report(id, source)
    };
    let a = in_community(1, "civil-defence", Some("C4150"));
    assert!(pairs(&a, &in_community(2, "local-council", Some("C4150"))));
    assert!(!pairs(&a, &in_community(2, "local-council", Some("C4151"))));
    assert!(!pairs(&a, &in_community(2, "local-council", None)));
    assert!(!pairs(
        &in_community(1, "civil-defence", None),
        &in_community(2, "local-council", None)
    ));
    // One with a point, one without, of one community.
    let with_point = Report {
        community_id: Some("C4150"),
        ..report(3, "local-council")
    };
    assert!(pairs(&a, &with_point));
}

#[test]
fn a_point_and_no_point_without_a_common_community_do_not_pair() {
    let a = report(1, "civil-defence");
    let b = Report {
        point: None,
        community_id: Some("C4150"),
        ..report(2, "local-council")
    };
    assert!(!pairs(&a, &b));
}

#[test]
fn points_of_one_community_pair_within_10_km_and_not_beyond() {
    let a = Report {
        community_id: Some("C4150"),
        ..report(1, "civil-defence")
    };
    let inside = Report {
        point: Some(north(ORIGIN, 9.99)),
        community_id: Some("C4150"),
        ..report(2, "local-council")
    };
    let outside = Report {
        point: Some(north(ORIGIN, 10.01)),
        ..inside
    };
    let candidate = compare(&a, &inside).unwrap();
    assert!(candidate.reasons.contains(&Reason::SameCommunity));
    assert!(candidate.reasons.contains(&Reason::WithinKm(9.99)));
    assert!(!pairs(&a, &outside));
}

#[test]
fn dates_pair_one_day_apart_and_not_two() {
    let a = report(1, "civil-defence");
    for (day, expected) in [(11, true), (13, true), (10, false), (14, false)] {
        let b = Report {
            date: april(day),
            ..report(2, "local-council")
        };
        assert_eq!(pairs(&a, &b), expected, "day {day}");
        assert_eq!(pairs(&b, &a), expected, "day {day}");
    }
    let b = Report {
        date: april(13),
        ..report(2, "local-council")
    };
    assert!(
        compare(&a, &b)
            .unwrap()
            .reasons
            .contains(&Reason::OneDayApart)
    );
    assert!(
        compare(&a, &report(2, "local-council"))
            .unwrap()
            .reasons
            .contains(&Reason::SameDay)
    );
}

#[test]
fn times_pair_within_three_hours_and_not_beyond() {
    let a = Report {
        time: at(10, 0),
        ..report(1, "civil-defence")
    };
    let inside = Report {
        time: at(13, 0),
        ..report(2, "local-council")
    };
    let outside = Report {
        time: at(13, 1),
        ..inside
    };
    assert!(
        compare(&a, &inside)
            .unwrap()
            .reasons
            .contains(&Reason::TimesWithinMinutes(180))
    );
    assert!(!pairs(&a, &outside));
    assert!(!pairs(&outside, &a));
}

#[test]
fn times_are_compared_across_midnight() {
    let late = Report {
        time: at(23, 30),
        ..report(1, "civil-defence")
    };
    let after_midnight = Report {
        date: april(13),
        time: at(1, 0),
        ..report(2, "local-council")
    };
    let candidate = compare(&late, &after_midnight).unwrap();
    assert!(candidate.reasons.contains(&Reason::TimesWithinMinutes(90)));
    assert!(candidate.reasons.contains(&Reason::OneDayApart));
    assert_eq!(compare(&after_midnight, &late), Some(candidate));
    // 02:31 the next day is three hours and one minute after 23:30.
    assert!(!pairs(
        &late,
        &Report {
            time: at(2, 31),
            ..after_midnight
        }
    ));
    // Near in the clock, far in time: the same day's first and last minutes ...
    let early = Report {
        time: at(0, 10),
        ..report(2, "local-council")
    };
    assert!(!pairs(
        &early,
        &Report {
            time: at(23, 50),
            ..report(1, "civil-defence")
        }
    ));
    // ... and one hour apart on the clock, a day apart.
    assert!(!pairs(
        &late,
        &Report {
            time: at(22, 30),
            ..after_midnight
        }
    ));
}

#[test]
fn a_time_on_one_report_alone_constrains_nothing() {
    let a = Report {
        time: at(0, 5),
        ..report(1, "civil-defence")
    };
    let b = Report {
        date: april(13),
        ..report(2, "local-council")
    };
    let candidate = compare(&a, &b).unwrap();
    assert!(
        !candidate
            .reasons
            .iter()
            .any(|reason| matches!(reason, Reason::TimesWithinMinutes(_)))
    );
}

fn with_casualties(id: u128, source: &'static str, casualties: CasualtyCounts) -> Report<'static> {
    Report {
        casualties,
        ..report(id, source)
    }
}

#[test]
fn differently_rounded_figures_are_compatible_and_contradictions_are_not() {
    // |a − b| ≤ max(2, 25% of the larger).
    for (x, y, expected) in [
        (7, 8, true),
        (12, 10, true),
        (0, 2, true),
        (40, 50, true),
        (12, 16, true), // exactly 25% of 16
        (0, 3, false),
        (1, 4, false),     // 3 > max(2, 1)
        (12, 17, false),   // 5 > 4.25
        (40, 55, false),   // 15 > 13.75
        (100, 133, true),  // 33 ≤ 33.25
        (100, 134, false), // 34 > 33.5
    ] {
        let a = with_casualties(1, "civil-defence", killed(x));
        let b = with_casualties(2, "local-council", killed(y));
        assert_eq!(pairs(&a, &b), expected, "{x} and {y}");
        assert_eq!(pairs(&b, &a), expected, "{y} and {x}");
        if expected {
            assert!(
                compare(&a, &b)
                    .unwrap()
                    .reasons
                    .contains(&Reason::CasualtiesCompatible)
            );
        }
    }
}

#[test]
fn each_casualty_figure_is_checked_on_its_own() {
    let fields: [fn(&mut CasualtyCounts) -> &mut u32; 6] = [
        |c| &mut c.killed,
        |c| &mut c.killed_women,
        |c| &mut c.killed_children,
        |c| &mut c.injured,
        |c| &mut c.injured_women,
        |c| &mut c.injured_children,
    ];
    let base = CasualtyCounts {
        killed: 10,
        killed_women: 2,
        killed_children: 3,
        injured: 20,
        injured_women: 4,
        injured_children: 5,
    };
    let a = with_casualties(1, "civil-defence", base);
    for (index, field) in fields.iter().enumerate() {
        let mut near = base;
        *field(&mut near) += 2;
        assert!(
            pairs(&a, &with_casualties(2, "local-council", near)),
            "field {index}"
        );
        let mut far = base;
        *field(&mut far) += 9;
        assert!(
            !pairs(&a, &with_casualties(2, "local-council", far)),
            "field {index}"
        );
    }
    let equal = compare(&a, &with_casualties(2, "local-council", base)).unwrap();
    assert!(equal.reasons.contains(&Reason::CasualtiesEqual));
}

#[test]
fn no_casualties_is_a_figure_not_an_unknown() {
    let none = with_casualties(1, "civil-defence", CasualtyCounts::default());
    assert!(pairs(
        &none,
        &with_casualties(2, "local-council", killed(2))
    ));
    assert!(!pairs(
        &none,
        &with_casualties(2, "local-council", killed(3))
    ));
}

#[test]
fn reasons_list_every_rule_that_held_and_read_as_json() {
    let a = Report {
        time: at(10, 20),
        community_id: Some("C4150"),
        casualties: killed(7),
        ..report(2, "civil-defence")
    };
    let b = Report {
        time: at(10, 40),
        point: Some(north(ORIGIN, 0.8)),
        community_id: Some("C4150"),
        casualties: killed(8),
        ..report(1, "local-council")
    };
    let candidate = compare(&a, &b).unwrap();
    assert_eq!(
        serde_json::to_value(&candidate).unwrap(),
        json!({
            "incidents": [Uuid::from_u128(1), Uuid::from_u128(2)],
            "reasons": [
                "different_sources",
                "same_kind",
                {"within_km": 0.8},
                "same_community",
                "same_day",
                {"times_within_minutes": 20},
                "casualties_compatible",
            ],
            // 0.30 × (1 − 0.8 / 5) + 0.15 + 0.20 + 0.15 × (1 − 20 / 180) + 0.10
            "score": 0.835,
        })
    );
}

#[test]
fn the_strongest_evidence_scores_1() {
    let a = Report {
        time: at(10, 20),
        community_id: Some("C4150"),
        casualties: killed(3),
        ..report(1, "civil-defence")
    };
    let b = Report {
        source: "local-council",
        id: Uuid::from_u128(2),
        ..a
    };
    assert!((compare(&a, &b).unwrap().score - 1.0).abs() < f32::EPSILON);
}

/// The score of `b` against the civil defence's report at the origin.
fn score(b: Report<'static>) -> f32 {
    compare(&report(1, "civil-defence"), &b).unwrap().score
}

#[test]
fn closer_evidence_never_scores_less() {
    let council = || report(2, "local-council");
    let at_km = |km| {
        score(Report {
            point: Some(north(ORIGIN, km)),
            ..council()
        })
    };
    assert!(at_km(0.1) > at_km(0.9));
    assert!(at_km(0.9) > at_km(1.9));
    assert!(
        score(council())
            > score(Report {
                date: april(13),
                ..council()
            })
    );
    assert!(
        score(council())
            > score(Report {
                casualties: killed(1),
                ..council()
            })
    );
    let timed = |minutes: u32| {
        compare(
            &Report {
                time: at(10, 0),
                ..report(1, "civil-defence")
            },
            &Report {
                time: at(10 + minutes / 60, minutes % 60),
                ..council()
            },
        )
        .unwrap()
        .score
    };
    assert!(timed(0) > timed(30));
    assert!(timed(30) > timed(170));
    // A reported point says more than a community centre at the same distance.
    assert!(
        score(council())
            > score(Report {
                precision: LocationPrecision::Community,
                ..council()
            })
    );
}

#[test]
fn scores_have_three_decimals() {
    let b = Report {
        point: Some(north(ORIGIN, 0.123_456)),
        ..report(2, "local-council")
    };
    let value = f64::from(score(b));
    assert!((0.0..=1.0).contains(&value));
    assert!(
        ((value * 1000.0).round() - value * 1000.0).abs() < 1e-3,
        "{value}"
    );
}

fn any_report(id: u128, source: &'static str) -> impl Strategy<Value = Report<'static>> {
    (
        0u32..3,
        proptest::option::of((0u32..24, 0u32..60)),
        proptest::option::of((-0.03f64..0.03, -0.03f64..0.03)),
        0usize..3,
        proptest::option::of(prop_oneof![Just("C1"), Just("C2")]),
        0u32..12,
        0u32..12,
    )
        .prop_map(
            move |(day, time, offset, precision, community_id, dead, hurt)| Report {
                date: april(11 + day),
                time: time.and_then(|(h, m)| at(h, m)),
                point: offset.map(|(x, y)| (ORIGIN.0 + x, ORIGIN.1 + y)),
                precision: [
                    LocationPrecision::Exact,
                    LocationPrecision::Community,
                    LocationPrecision::Admin,
                ][precision],
                community_id,
                casualties: CasualtyCounts {
                    killed: dead,
                    injured: hurt,
                    ..CasualtyCounts::default()
                },
                ..report(id, source)
            },
        )
}

proptest! {
    #[test]
    fn comparison_is_symmetric(
        a in any_report(1, "civil-defence"),
        b in any_report(2, "local-council"),
    ) {
        prop_assert_eq!(compare(&a, &b), compare(&b, &a));
    }
}

#[test]
fn the_schema_names_every_reason_as_it_is_written() {
    use utoipa::PartialSchema;
    let schema = serde_json::to_value(Reason::schema()).unwrap();
    let named: Vec<serde_json::Value> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variant| match variant["enum"].get(0) {
            Some(name) => name.clone(),
            None => json!(variant["required"][0]),
        })
        .collect();
    let written: Vec<serde_json::Value> = [
        Reason::DifferentSources,
        Reason::SameKind,
        Reason::WithinKm(0.8),
        Reason::SameCommunity,
        Reason::SameDay,
        Reason::OneDayApart,
        Reason::TimesWithinMinutes(20),
        Reason::CasualtiesEqual,
        Reason::CasualtiesCompatible,
    ]
    .iter()
    .map(|reason| match serde_json::to_value(reason).unwrap() {
        serde_json::Value::Object(member) => json!(member.keys().next().unwrap()),
        name => name,
    })
    .collect();
    assert_eq!(named, written);
    let candidate = serde_json::to_value(athar_duplicates::Candidate::schema()).unwrap();
    assert_eq!(candidate["properties"]["incidents"]["maxItems"], 2);
}
