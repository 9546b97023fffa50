//! The clustered incidents layer over 1,000,000 generated incidents: every tile of every
//! clustered zoom over the incidents' extent, encoded as the server sends it and decoded as
//! a client reads it, has no two symbols closer than the sum of their radii (across tile
//! borders too), counts that add up to the incidents, and each lone incident at its point.
//! The same checks over the demo month, through the real server, are in
//! `tests/tests/clusters.rs`.

use std::sync::Arc;

use athar_core::{
    Casualties, CasualtyCounts, Filter, Incident, IncidentRecord, LocationPrecision, OccurredAt,
    Point, Slug, Vocabularies,
};
use athar_index::Snapshot;
use athar_test_support::clusters::{Symbol, check_lone, check_zoom, decode};
use athar_tile_sources::incidents::{CLUSTER_ZOOM, ClusterIndex, Sizing, incidents_tile};
use athar_tiles::{Tile, lon_lat_to_mercator};

/// `rows` incidents over north-west Syria: 2,000 villages 2–3 km apart, each with a few
/// dozen spots a hundred metres apart, and now and then one far from the rest.
fn generate(rows: usize) -> Vec<Incident> {
    let kinds = ["attack", "attack", "fire", "traffic_accident", "drowning"];
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    (0..rows)
        .map(|i| {
            let village = (i * 7_919) % 2_000;
            let mut lon = 36.2 + (village % 50) as f64 * 0.03 + (i % 13) as f64 * 0.001;
            let mut lat = 35.4 + (village / 50) as f64 * 0.025 + (i % 7) as f64 * 0.001;
            if i % 100_003 == 0 {
                (lon, lat) = (38.5 + (i / 100_003) as f64 * 0.2, 36.5);
            }
            Incident {
                id: uuid::Uuid::from_u128(i as u128 + 1),
                record: IncidentRecord {
                    source: "test".into(),
                    source_id: Some(format!("t{i}")),
                    kind: Slug::parse(kinds[i % kinds.len()]).unwrap(),
                    occurred: OccurredAt::day(start + chrono::Duration::days((i % 700) as i64)),
                    location: Some(Point::from_degrees(lon, lat).unwrap()),
                    location_precision: LocationPrecision::Exact,
                    community: format!("village {village}"),
                    community_key: format!("{village}"),
                    community_pcode: None,
                    admin1: None,
                    admin2: None,
                    admin3: None,
                    perpetrator: None,
                    weapon: None,
                    place_type: None,
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
        })
        .collect()
}

#[test]
fn a_million_incidents_never_overlap_and_add_up_at_every_clustered_zoom() {
    let rows = 1_000_000;
    let incidents = generate(rows);
    let points: std::collections::BTreeMap<String, [f64; 2]> = incidents
        .iter()
        .map(|incident| {
            let point = incident.record.location.unwrap();
            let (lon, lat) = (point.lon.degrees(), point.lat.degrees());
            (
                incident.id.hyphenated().to_string(),
                lon_lat_to_mercator(lon, lat),
            )
        })
        .collect();
    let snapshot = Snapshot::build(1, Arc::new(Vocabularies::defaults()), incidents);
    let kinds: Vec<String> = snapshot
        .vocabularies()
        .terms_of(athar_core::VocabularyName::Kind)
        .map(|term| term.slug.as_str().to_owned())
        .collect();
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    let filter = Filter::default();
    for sizing in [Sizing::Count, Sizing::Casualties] {
        let index = ClusterIndex::build(&snapshot, &filter, sizing);
        let radius = |symbol: &Symbol| sizing.radius(symbol.count, symbol.casualties);
        for z in 0..CLUSTER_ZOOM {
            // Every tile over the incidents' extent, and one more all round.
            let corner = |lon: f64, lat: f64| Tile::containing(lon_lat_to_mercator(lon, lat), z);
            let (north_west, south_east) = (corner(36.1, 36.6), corner(40.6, 35.3));
            let mut tiles = Vec::new();
            for y in north_west.y.saturating_sub(1)..=south_east.y + 1 {
                for x in north_west.x.saturating_sub(1)..=south_east.x + 1 {
                    let tile = Tile { z, x, y };
                    let symbols = incidents_tile(&snapshot, &filter, Some(&index), &tile)
                        .map(|bytes| decode(bytes, &kinds))
                        .unwrap_or_default();
                    tiles.push(((x, y), symbols));
                }
            }
            let shown = check_zoom(z, &tiles, &radius).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(shown.incidents, rows as u64, "z{z} {sizing:?}");
            check_lone(z, &shown, &points).unwrap_or_else(|error| panic!("{error}"));
            // The far incidents stand alone at the widest zooms where nothing is near.
            if z >= 9 {
                for i in (0..rows).step_by(100_003) {
                    let id = uuid::Uuid::from_u128(i as u128 + 1)
                        .hyphenated()
                        .to_string();
                    assert!(
                        shown.lone.contains_key(&id),
                        "z{z}: far incident {id} not alone"
                    );
                }
            }
            eprintln!(
                "z{z} {sizing:?}: {} symbols, {} lone",
                shown.symbols,
                shown.lone.len()
            );
        }
    }
}
