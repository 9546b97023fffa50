//! The snapshot against brute force: every selection equals `Filter::matches` over the
//! incidents it was built from.

use std::sync::Arc;

use athar_core::{
    BBox, Filter, Incident, IncidentDraft, IncidentRecord, Slug, ValidationContext, Vocabularies,
    VocabularyName,
};
use athar_gazetteer::{Gazetteer, community_key};
use athar_index::{Interval, Snapshot, TileFields, TilePoint};
use chrono::NaiveDate;
use proptest::prelude::*;
use uuid::Uuid;

const COMMUNITIES: [&str; 6] = ["فطيرة", "فطيره", "قرية فطيرة", "سرمين", "Sarmin", "أريحا"];
const WEAPONS: [&str; 3] = ["artillery", "drone", ""];
const PERPETRATORS: [&str; 3] = ["government_forces", "russian_forces", ""];
const PLACE_TYPES: [&str; 3] = ["home", "road", ""];

static VOCABULARIES: std::sync::LazyLock<Vocabularies> =
    std::sync::LazyLock::new(Vocabularies::defaults);

fn record(
    kind: &str,
    day: u32,
    community: &str,
    point: Option<(f64, f64)>,
    weapon: &str,
    killed: u32,
) -> IncidentRecord {
    let gazetteer = Gazetteer::empty();
    let context = ValidationContext::new(&VOCABULARIES, &gazetteer);
    let mut draft = IncidentDraft::default();
    let (lon, lat) = point.map_or((String::new(), String::new()), |(lon, lat)| {
        (lon.to_string(), lat.to_string())
    });
    for (field, value) in [
        ("source", "test"),
        ("kind", kind),
        ("occurred_on", &format!("2024-04-{day:02}")),
        ("community", community),
        ("longitude", &lon),
        ("latitude", &lat),
        ("weapon", if kind == "attack" { weapon } else { "" }),
        (
            "perpetrator",
            if kind == "attack" {
                PERPETRATORS[day as usize % PERPETRATORS.len()]
            } else {
                ""
            },
        ),
        (
            "place_type",
            PLACE_TYPES[killed as usize % PLACE_TYPES.len()],
        ),
        ("killed", &killed.to_string()),
        (
            "admin1",
            if day.is_multiple_of(2) {
                "Idlib"
            } else {
                "Aleppo"
            },
        ),
    ] {
        draft.set(field, value).unwrap();
    }
    let mut context = context;
    context.today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    draft.validate(&context).unwrap()
}

fn incidents_strategy() -> impl Strategy<Value = Vec<Incident>> {
    prop::collection::vec(
        (
            prop::sample::select(vec!["attack", "fire", "traffic_accident"]),
            1u32..=30,
            prop::sample::select(COMMUNITIES.to_vec()),
            (36.0f64..37.0, 35.5f64..36.5),
            prop::sample::select(WEAPONS.to_vec()),
            0u32..4,
        ),
        0..120,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(kind, day, community, point, weapon, killed)| Incident {
                id: Uuid::new_v4(),
                record: record(kind, day, community, Some(point), weapon, killed),
            })
            .collect()
    })
}

fn filter_strategy() -> impl Strategy<Value = Filter> {
    (
        prop::option::of(1u32..=30),
        prop::option::of(1u32..=30),
        prop::sample::subsequence(vec!["attack", "fire", "traffic_accident"], 0..=2),
        prop::option::of((36.0f64..37.0, 35.5f64..36.5, 0.0f64..0.6, 0.0f64..0.6)),
        prop::option::of(prop::sample::select(COMMUNITIES.to_vec())),
        prop::option::of(prop::sample::select(vec!["idlib", "ALEPPO", "Hama"])),
        prop::sample::subsequence(vec!["artillery", "drone", "missile"], 0..=2),
        (
            prop::sample::subsequence(vec!["government_forces", "sdf"], 0..=2),
            prop::sample::subsequence(vec!["home", "school"], 0..=2),
        ),
    )
        .prop_map(
            |(from, to, kinds, bbox, community, admin1, weapons, (perpetrators, place_types))| {
                Filter {
                    from: from.map(|d| NaiveDate::from_ymd_opt(2024, 4, d).unwrap()),
                    to: to.map(|d| NaiveDate::from_ymd_opt(2024, 4, d).unwrap()),
                    kinds: kinds.into_iter().map(|k| Slug::parse(k).unwrap()).collect(),
                    bbox: bbox.map(|(lon, lat, w, h)| BBox {
                        west: lon,
                        south: lat,
                        east: lon + w,
                        north: lat + h,
                    }),
                    community_key: community.map(community_key),
                    admin1: admin1.map(str::to_owned),
                    weapons: weapons
                        .into_iter()
                        .map(|w| Slug::parse(w).unwrap())
                        .collect(),
                    perpetrators: perpetrators
                        .into_iter()
                        .map(|p| Slug::parse(p).unwrap())
                        .collect(),
                    place_types: place_types
                        .into_iter()
                        .map(|p| Slug::parse(p).unwrap())
                        .collect(),
                    ..Filter::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn selections_equal_the_reference_filter(incidents in incidents_strategy(), filter in filter_strategy()) {
        let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents.clone());
        let selected: Vec<Uuid> = snapshot.select(&filter).into_iter().map(|row| snapshot.incident(row).id).collect();
        let mut expected: Vec<&Incident> = incidents.iter().filter(|i| filter.matches(&i.record)).collect();
        expected.sort_by_key(|i| (i.record.occurred.date(), i.id));
        let expected: Vec<Uuid> = expected.into_iter().map(|i| i.id).collect();
        prop_assert_eq!(selected, expected);
        // The same rows as cluster indexes sum them, with their kinds, casualties and
        // points.
        let mut visited = Vec::new();
        snapshot.for_each_cluster_point(&filter, |point| {
            let fields = snapshot.tile_fields(point.row);
            assert_eq!((point.killed, point.injured), (fields.killed, fields.injured));
            assert_eq!(Some(point.kind), snapshot.term_number(fields.kind.as_str()));
            let (lon, lat) = fields.lon_lat.expect("a located row");
            let expected = athar_core::geo::lon_lat_to_mercator(lon, lat);
            assert!((0..2).all(|axis| (point.mercator[axis] - expected[axis]).abs() < 1.0));
            visited.push(point.row);
        });
        visited.sort_unstable();
        prop_assert_eq!(visited, snapshot.select(&filter));
        // What tiles read from the R-tree is what the rows hold, for the same rows.
        if let Some(bbox) = filter.bbox {
            let points = snapshot.select_tile_points(&filter, bbox);
            prop_assert_eq!(points.iter().map(TilePoint::row).collect::<Vec<_>>(), snapshot.select(&filter));
            for point in &points {
                let fields = snapshot.point_fields(point);
                prop_assert_eq!(fields, snapshot.tile_fields(point.row()));
                let incident = snapshot.incident(point.row());
                let record = &incident.record;
                let location = record.location.as_ref().map(|p| (p.lon.degrees(), p.lat.degrees()));
                prop_assert_eq!(
                    (fields.id, fields.lon_lat, fields.kind, fields.occurred_on),
                    (incident.id, location, &record.kind, record.occurred.date())
                );
                prop_assert_eq!(
                    (fields.killed, fields.injured),
                    (record.casualties.killed(), record.casualties.injured())
                );
                prop_assert_eq!(
                    (fields.community, fields.community_id),
                    (record.community.as_str(), record.resolution.community_id.as_deref())
                );
                prop_assert_eq!(
                    (fields.perpetrator, fields.weapon, fields.place_type),
                    (record.perpetrator.as_ref(), record.weapon.as_ref(), record.place_type.as_ref())
                );
            }
        }
    }

    #[test]
    fn every_incident_comes_back_whole(incidents in incidents_strategy()) {
        let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents.clone());
        for incident in &incidents {
            let row = snapshot.find(incident.id).unwrap();
            prop_assert_eq!(&snapshot.incident(row), incident);
        }
    }

    #[test]
    fn a_patched_snapshot_equals_one_built_afresh(incidents in incidents_strategy(), more in incidents_strategy(), cut in 0usize..10, few in 0usize..4, filter in filter_strategy()) {
        let vocabularies = Arc::new(Vocabularies::defaults());
        let before = Snapshot::build(1, Arc::clone(&vocabularies), incidents.clone());
        let deleted: Vec<Uuid> = incidents.iter().take(cut).map(|i| i.id).collect();
        // Some rows edited in place (same id), some added.
        // Sometimes only a few: those are merged in place rather than rebuilt.
        let mut upserts = if few > 0 { more.into_iter().take(few).collect() } else { more };
        if let (Some(first), Some(edit)) = (incidents.get(cut), upserts.first_mut()) {
            edit.id = first.id;
        }
        let patched = before.patch(2, Arc::clone(&vocabularies), &upserts, &deleted);
        let mut expected: Vec<Incident> = incidents.into_iter().filter(|i| !deleted.contains(&i.id)).collect();
        expected.retain(|i| !upserts.iter().any(|u| u.id == i.id));
        expected.extend(upserts);
        let fresh = Snapshot::build(2, vocabularies, expected);
        let all = Filter::default();
        let ids = |s: &Snapshot| s.select(&all).into_iter().map(|row| s.incident(row)).collect::<Vec<_>>();
        prop_assert_eq!(ids(&patched), ids(&fresh));
        prop_assert_eq!(patched.communities(), fresh.communities());
        // The R-tree answers the same: spatial selections, the extent, tile points.
        let chosen = |s: &Snapshot| s.select(&filter).into_iter().map(|row| s.incident(row).id).collect::<Vec<_>>();
        prop_assert_eq!(chosen(&patched), chosen(&fresh));
        prop_assert_eq!(patched.spatial_extent(), fresh.spatial_extent());
        if let Some(bbox) = filter.bbox {
            fn tile_points<'s>(s: &'s Snapshot, filter: &Filter, bbox: BBox) -> Vec<(Uuid, TileFields<'s>)> {
                s.select_tile_points(filter, bbox)
                    .iter()
                    .map(|point| (s.incident(point.row()).id, s.point_fields(point)))
                    .collect()
            }
            prop_assert_eq!(tile_points(&patched, &filter, bbox), tile_points(&fresh, &filter, bbox));
        }
        for incident in fresh.select(&all).into_iter().map(|row| fresh.incident(row)) {
            let row = patched.find(incident.id).unwrap();
            prop_assert_eq!(patched.incident(row), incident);
        }
    }

    #[test]
    fn a_snapshot_read_back_from_its_cache_is_the_same(incidents in incidents_strategy()) {
        let vocabularies = Arc::new(Vocabularies::defaults());
        let snapshot = Snapshot::build(3, Arc::clone(&vocabularies), incidents);
        let mut bytes = Vec::new();
        snapshot.write_cache(&mut bytes, "store-a", 42).unwrap();
        let (read, seq) = Snapshot::read_cache(bytes.as_slice(), "store-a", Arc::clone(&vocabularies), 4).unwrap().unwrap();
        prop_assert_eq!(seq, 42);
        prop_assert_eq!(read.version(), 4);
        let all = Filter::default();
        let whole = |s: &Snapshot| s.select(&all).into_iter().map(|row| (s.incident(row), s.mercator(row))).collect::<Vec<_>>();
        prop_assert_eq!(whole(&read), whole(&snapshot));
        prop_assert_eq!(read.communities(), snapshot.communities());
        // Another store's cache is not used; a damaged one is refused.
        prop_assert!(Snapshot::read_cache(bytes.as_slice(), "store-b", Arc::clone(&vocabularies), 4).unwrap().is_none());
        let cut = &bytes[..bytes.len() - 1];
        prop_assert!(Snapshot::read_cache(cut, "store-a", Arc::clone(&vocabularies), 4).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        prop_assert!(Snapshot::read_cache(longer.as_slice(), "store-a", vocabularies, 4).is_err());
    }

    #[test]
    fn totals_counts_and_series_agree(incidents in incidents_strategy(), filter in filter_strategy()) {
        let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents);
        let rows = snapshot.select(&filter);
        let totals = snapshot.totals(&rows);
        let ranking = snapshot.community_counts(&rows, None);
        prop_assert_eq!(ranking.iter().map(|c| c.count).sum::<u64>(), totals.incidents);
        prop_assert_eq!(ranking.iter().map(|c| c.killed).sum::<u64>(), totals.killed);
        let stats = snapshot.kind_stats(&rows);
        prop_assert_eq!(stats.iter().map(|k| k.totals.incidents).sum::<u64>(), totals.incidents);
        for kind in &stats {
            for (_, breakdown) in &kind.breakdowns {
                if !breakdown.is_empty() {
                    prop_assert_eq!(breakdown.iter().map(|b| b.count).sum::<u64>(), kind.totals.incidents);
                }
            }
        }
        let first = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(2024, 4, 30).unwrap();
        for interval in [Interval::Day, Interval::Week, Interval::Month] {
            let series = snapshot.series(&rows, interval, first, last);
            prop_assert_eq!(series.iter().map(|b| b.totals.incidents).sum::<u64>(), totals.incidents);
        }
    }
}

#[test]
fn spellings_of_one_village_rank_as_one_and_ties_share_a_rank() {
    let mut incidents = Vec::new();
    let mut add = |community: &str, n: usize| {
        for _ in 0..n {
            incidents.push(Incident {
                id: Uuid::new_v4(),
                record: record("attack", 3, community, Some((36.5, 35.6)), "artillery", 1),
            });
        }
    };
    add("فطيرة", 2);
    add("فطيره", 1);
    add("قرية فطيرة", 1);
    add("سرمين", 2);
    add("أريحا", 2);
    add("Binnish", 1);
    let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents);
    let rows = snapshot.select(&Filter::default());
    let ranking = snapshot.community_counts(&rows, None);
    let named: Vec<(u32, String, u64)> = ranking
        .iter()
        .map(|c| {
            let info = &snapshot.communities()[c.community as usize];
            (
                c.rank,
                info.name_ar.clone().or(info.name_en.clone()).unwrap(),
                c.count,
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (1, "فطيرة".to_owned(), 4),
            (2, "أريحا".to_owned(), 2),
            (2, "سرمين".to_owned(), 2),
            (4, "Binnish".to_owned(), 1),
        ]
    );
}

#[test]
fn breakdowns_list_recorded_terms_by_count_and_unrecorded_last() {
    let incidents: Vec<Incident> = [("artillery", 3), ("drone", 2), ("", 1)]
        .into_iter()
        .flat_map(|(weapon, n)| {
            (0..n).map(move |_| Incident {
                id: Uuid::new_v4(),
                record: record("attack", 5, "سرمين", Some((36.7, 35.9)), weapon, 0),
            })
        })
        .collect();
    let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents);
    let stats = snapshot.kind_stats(&snapshot.select(&Filter::default()));
    let weapons = &stats[0]
        .breakdowns
        .iter()
        .find(|(v, _)| *v == VocabularyName::Weapon)
        .unwrap()
        .1;
    let listed: Vec<(Option<&str>, u64)> = weapons
        .iter()
        .map(|b| (b.slug.as_ref().map(Slug::as_str), b.count))
        .collect();
    assert_eq!(
        listed,
        [(Some("artillery"), 3), (Some("drone"), 2), (None, 1)]
    );
    let causes = &stats[0]
        .breakdowns
        .iter()
        .find(|(v, _)| *v == VocabularyName::Cause)
        .unwrap()
        .1;
    assert!(causes.is_empty(), "no attack records a cause");
}
