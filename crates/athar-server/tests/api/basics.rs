//! The demo month served from a fresh store; filters, paging and bad parameters.

use std::collections::BTreeSet;

use athar_app::DEMO_CSV;
use athar_gazetteer::community_key;

use crate::support::{Backend, TestStore, both_backends, client, get};

/// The demo rows as a reference, read with an independent CSV reader.
fn demo_rows() -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(DEMO_CSV);
    reader.records().map(Result::unwrap).collect()
}

fn demo_column(name: &str) -> usize {
    let mut reader = csv::Reader::from_reader(DEMO_CSV);
    reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap()
}

both_backends!(
    a_fresh_store_serves_the_demo_month,
    filters_match_a_reference_count_and_group_spellings,
    pages_cover_every_match_once,
    bbox_and_datetime_match_a_brute_force_count,
    bad_parameters_are_client_errors_that_name_the_parameter,
    data_survives_a_restart_and_demo_is_not_loaded_twice,
);

async fn a_fresh_store_serves_the_demo_month(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let (status, health) = get(&format!("{address}/healthz")).await;
    assert_eq!(status, 200);
    assert_eq!(
        health["incidents"].as_u64().unwrap() as usize,
        demo_rows().len()
    );
    let (status, ready) = get(&format!("{address}/readyz")).await;
    assert_eq!((status, ready["database"].as_str()), (200, Some("up")));
    let (_, vocabularies) = get(&format!("{address}/v1/vocabularies")).await;
    let weapons = vocabularies["vocabularies"]["weapon"].as_array().unwrap();
    assert_eq!(weapons.len(), 10);
    assert!(
        weapons
            .iter()
            .any(|t| t["slug"] == "drone" && t["label_ar"] == "طائرة مسيرة")
    );
}

async fn filters_match_a_reference_count_and_group_spellings(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let rows = demo_rows();
    let (kind, community, weapon, day) = (
        demo_column("kind"),
        demo_column("community"),
        demo_column("weapon"),
        demo_column("occurred_on"),
    );

    let expected_fires = rows.iter().filter(|r| &r[kind] == "fire").count();
    let (_, fires) = get(&format!(
        "{address}/collections/incidents/items?kind=fire&limit=1"
    ))
    .await;
    assert_eq!(
        fires["numberMatched"].as_u64().unwrap() as usize,
        expected_fires
    );
    assert_eq!(fires["numberReturned"], 1);

    // One village, three spellings in the data: asking with any of them finds all.
    let key = community_key("فطيره");
    let expected: Vec<_> = rows
        .iter()
        .filter(|r| community_key(&r[community]) == key)
        .collect();
    let spellings: BTreeSet<&str> = expected.iter().map(|r| &r[community]).collect();
    assert!(
        spellings.len() >= 2,
        "the demo should spell Fatira more than one way: {spellings:?}"
    );
    let (_, fatira) = get(&format!(
        "{address}/collections/incidents/items?community=%D9%82%D8%B1%D9%8A%D8%A9%20%D9%81%D8%B7%D9%8A%D8%B1%D8%A9&limit=1000"
    ))
    .await;
    assert_eq!(
        fatira["numberMatched"].as_u64().unwrap() as usize,
        expected.len()
    );
    let served: BTreeSet<String> = fatira["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["community"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(served, spellings.iter().map(|s| (*s).to_owned()).collect());

    let expected_drones = rows
        .iter()
        .filter(|r| {
            &r[kind] == "attack"
                && &r[weapon] == "drone"
                && ("2024-04-10"..="2024-04-19").contains(&&r[day])
        })
        .count();
    let (_, drones) = get(&format!(
        "{address}/collections/incidents/items?kind=attack&weapon=drone&from=2024-04-10&to=2024-04-19&limit=1"
    ))
    .await;
    assert_eq!(
        drones["numberMatched"].as_u64().unwrap() as usize,
        expected_drones
    );
}

async fn pages_cover_every_match_once(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    // Follow `next` links from the first page: every filter is kept, nothing is lost or
    // served twice.
    let expected = demo_rows()
        .iter()
        .filter(|r| &r[demo_column("kind")] == "attack")
        .count();
    let mut seen = BTreeSet::new();
    let mut url = Some(format!(
        "{address}/collections/incidents/items?kind=attack&limit=37"
    ));
    let mut pages = 0;
    while let Some(next) = url {
        let (status, page) = get(&next).await;
        assert_eq!(status, 200, "{next}");
        pages += 1;
        for feature in page["features"].as_array().unwrap() {
            assert_eq!(
                feature["properties"]["kind"], "attack",
                "the filter was lost on {next}"
            );
            assert!(
                seen.insert(feature["id"].as_str().unwrap().to_owned()),
                "served twice: {next}"
            );
        }
        assert_eq!(page["numberMatched"].as_u64().unwrap() as usize, expected);
        url = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|link| link["rel"] == "next")
            .map(|link| link["href"].as_str().unwrap().to_owned());
        if let Some(prev) = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "prev")
        {
            assert!(prev["href"].as_str().unwrap().contains("kind=attack"));
        }
    }
    assert_eq!(seen.len(), expected);
    assert_eq!(pages, expected.div_ceil(37));
}

async fn bbox_and_datetime_match_a_brute_force_count(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let rows = demo_rows();
    let (lat, lon, day) = (
        demo_column("latitude"),
        demo_column("longitude"),
        demo_column("occurred_on"),
    );
    for (bbox, from, to) in [
        ((36.5, 35.6, 36.7, 35.95), "2024-04-01", "2024-04-30"),
        ((36.7, 35.85, 36.9, 36.3), "2024-04-08", "2024-04-21"),
        ((36.0, 35.0, 37.0, 37.0), "2024-04-15", "2024-04-15"),
        ((36.52, 35.62, 36.56, 35.70), "2024-04-01", "2024-04-10"),
    ] {
        let expected = rows
            .iter()
            .filter(|r| {
                let (y, x): (f64, f64) = (r[lat].parse().unwrap(), r[lon].parse().unwrap());
                (bbox.0..=bbox.2).contains(&x)
                    && (bbox.1..=bbox.3).contains(&y)
                    && (from..=to).contains(&&r[day])
            })
            .count();
        let url = format!(
            "{address}/collections/incidents/items?bbox={},{},{},{}&datetime={from}T00:00:00Z/{to}T23:59:59Z&limit=1",
            bbox.0, bbox.1, bbox.2, bbox.3
        );
        let (_, page) = get(&url).await;
        assert_eq!(
            page["numberMatched"].as_u64().unwrap() as usize,
            expected,
            "{url}"
        );
    }
}

async fn bad_parameters_are_client_errors_that_name_the_parameter(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    for (query, parameter) in [
        ("bbox=36,35,37", "bbox"),
        ("bbox=37,35,36,36", "bbox"),
        ("from=2024-04-31", "from"),
        ("from=2024-05-01&to=2024-04-01", "to"),
        ("kind=earthquake", "kind"),
        ("limit=0", "limit"),
        ("limit=1000000000", "limit"),
        ("colour=red", "colour"),
        ("datetime=yesterday", "datetime"),
    ] {
        let (status, problem) =
            get(&format!("{address}/collections/incidents/items?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(problem["parameter"], parameter, "{query}: {problem}");
        assert_eq!(problem["status"], 400);
        assert!(
            problem["detail"].as_str().unwrap().contains(parameter),
            "{problem}"
        );
    }
    let response = client()
        .post(format!("{address}/collections/incidents/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.headers().get("allow").unwrap(), "GET, HEAD");
}

async fn data_survives_a_restart_and_demo_is_not_loaded_twice(backend: Backend) {
    let store = TestStore::new(backend).await;
    let first = store.spawn(true).await;
    let (_, before) = get(&format!("{first}/healthz")).await;
    let second = store.spawn(true).await;
    let (_, after) = get(&format!("{second}/healthz")).await;
    assert_eq!(before["incidents"], after["incidents"]);
    assert_eq!(
        after["incidents"].as_u64().unwrap() as usize,
        demo_rows().len()
    );
}
