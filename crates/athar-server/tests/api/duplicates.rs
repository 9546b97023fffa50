//! The same incidents from two sources (issue "One place, one incident"): a civil-defence
//! month of 20 attacks in Arabic, and a local council's month that repeats them with its
//! own points (100–1,500 m away), OCHA's Latin names, a day later for some, casualty
//! figures rounded otherwise, and 5 attacks of its own. `GET /v1/duplicates` must find at
//! least 19 of the 20 pairs and propose at most one false pair; only token holders see it.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::Value;

use crate::support::{ADMIN_TOKEN, Backend, TestStore, body_of, both_backends, client, get};

both_backends!(the_same_incidents_from_two_sources_are_proposed_as_pairs);

const OCHA: &str = include_str!("../../../../data/gazetteer/syria_communities_ocha.csv");

/// 25 OCHA communities of Idlib at least 6 km from each other: (English, Arabic, lon, lat).
fn places() -> Vec<(String, String, f64, f64)> {
    let mut reader = csv::Reader::from_reader(OCHA.as_bytes());
    let mut chosen: Vec<(String, String, f64, f64)> = Vec::new();
    for record in reader.records() {
        let record = record.unwrap();
        if &record[3] != "SY07" || record[1].contains(['(', '-', '/']) {
            continue;
        }
        let (lat, lon): (f64, f64) = (record[9].parse().unwrap(), record[10].parse().unwrap());
        let far = chosen
            .iter()
            .all(|c| athar_gazetteer::distance_km((c.2, c.3), (lon, lat)) > 6.0);
        if far {
            chosen.push((record[1].to_owned(), record[2].to_owned(), lon, lat));
        }
        if chosen.len() == 25 {
            break;
        }
    }
    assert_eq!(chosen.len(), 25);
    chosen
}

async fn import(address: &str, source: &str, csv: String) -> Value {
    let response = client()
        .post(format!("{address}/v1/imports?source={source}"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(csv)
        .await
        .unwrap();
    let (status, report) = body_of(response).await;
    assert_eq!(status, 200, "{report}");
    report
}

async fn the_same_incidents_from_two_sources_are_proposed_as_pairs(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let places = places();
    let header = "source_id,kind,occurred_on,community,latitude,longitude,admin1,perpetrator,weapon,killed,injured\n";
    let (mut first, mut second) = (header.to_owned(), header.to_owned());
    for (i, (english, arabic, lon, lat)) in places.iter().take(20).enumerate() {
        let day = i + 1;
        let (killed, injured) = (i % 3, 4 + i % 9);
        let _ = writeln!(
            first,
            "cd-{i:02},attack,2024-04-{day:02},{arabic},{lat:.5},{lon:.5},Idlib,government_forces,artillery,{killed},{injured}"
        );
        // The council's point is 100–1,500 m off, east and north; a day later for every
        // third; injured rounded to the nearest even number or off by one.
        let shift = 0.001 + 0.000_65 * (i % 20) as f64;
        let late = if i % 3 == 0 { day + 1 } else { day };
        let rounded = if i % 2 == 0 {
            injured + 1
        } else {
            injured - injured % 2
        };
        let _ = writeln!(
            second,
            "lc-{i:02},attack,2024-04-{late:02},{english},{:.5},{:.5},Idlib,government_forces,artillery,{killed},{rounded}",
            lat + shift * 0.6,
            lon + shift * 0.6,
        );
    }
    for (i, (english, _, lon, lat)) in places.iter().skip(20).enumerate() {
        let _ = writeln!(
            second,
            "lc-own-{i},attack,2024-04-{:02},{english},{lat:.5},{lon:.5},Idlib,unknown,drone,0,1",
            3 + i * 5
        );
    }
    assert_eq!(
        import(&address, "civil-defence", first).await["accepted"],
        20
    );
    assert_eq!(
        import(&address, "local-council", second).await["accepted"],
        25
    );

    // Which incident is which report.
    let (_, items) = get(&format!("{address}/collections/incidents/items?limit=100")).await;
    let source_id: HashMap<String, String> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["properties"]["source_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(source_id.len(), 45);

    // Anonymous readers are refused: pairs are proposed on exact points and figures.
    let (status, _) = get(&format!("{address}/v1/duplicates")).await;
    assert_eq!(status, 401);

    let response = client()
        .get(format!("{address}/v1/duplicates?limit=1000"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (status, found) = body_of(response).await;
    assert_eq!(status, 200, "{found}");
    let mut true_pairs = BTreeSet::new();
    let mut false_pairs = Vec::new();
    for candidate in found["candidates"].as_array().unwrap() {
        let [a, b] = [0, 1].map(|i| source_id[candidate["incidents"][i].as_str().unwrap()].clone());
        let (cd, lc) = if a.starts_with("cd-") { (a, b) } else { (b, a) };
        assert!(candidate["score"].as_f64().unwrap() > 0.0, "{candidate}");
        assert!(
            !candidate["reasons"].as_array().unwrap().is_empty(),
            "{candidate}"
        );
        if cd.starts_with("cd-") && lc == cd.replace("cd-", "lc-") {
            true_pairs.insert(cd);
        } else {
            false_pairs.push(format!("{cd} / {lc}: {candidate}"));
        }
    }
    println!(
        "two sources: {} of 20 true pairs found, {} false pairs proposed",
        true_pairs.len(),
        false_pairs.len()
    );
    assert!(true_pairs.len() >= 19, "{true_pairs:?}");
    assert!(false_pairs.len() <= 1, "{false_pairs:?}");
    assert_eq!(
        found["total"],
        found["candidates"].as_array().unwrap().len()
    );

    // Filters narrow the incidents one side must match; a bad limit is a client error.
    let response = client()
        .get(format!(
            "{address}/v1/duplicates?from=2024-04-01&to=2024-04-05"
        ))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (_, early) = body_of(response).await;
    let early = early["candidates"].as_array().unwrap().len();
    assert!((4..=6).contains(&early), "{early}");
    let response = client()
        .get(format!("{address}/v1/duplicates?limit=0"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
}
