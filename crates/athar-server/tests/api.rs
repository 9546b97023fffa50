//! End-to-end: the real server on a random port, over HTTP, against SQLite and against a
//! fresh PostGIS database.

use std::collections::BTreeSet;

use athar_gazetteer::community_key;
use athar_server::{Application, DEMO_CSV, DatabaseUrl, Settings};
use athar_test_support::FreshDatabase;
use serde_json::Value;

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's data lives; kept alive for the whole test.
struct TestStore {
    dir: tempfile::TempDir,
    database: Option<FreshDatabase>,
}

impl TestStore {
    async fn new(backend: Backend) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            database: match backend {
                Backend::Sqlite => None,
                Backend::Postgres => Some(FreshDatabase::create().await),
            },
        }
    }

    async fn spawn(&self, demo: bool) -> String {
        let settings = Settings {
            listen: "127.0.0.1:0".into(),
            data_dir: self.dir.path().join("athar-data"),
            database_url: self.database.as_ref().map(|db| DatabaseUrl::new(db.url())),
            demo,
        };
        let application = Application::build(settings)
            .await
            .expect("the application starts");
        let address = format!("http://127.0.0.1:{}", application.port());
        actix_web::rt::spawn(application.run_until_stopped());
        address
    }
}

async fn get(url: &str) -> (u16, Value) {
    let mut response = awc::Client::default()
        .get(url)
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let body = response
        .body()
        .limit(64 * 1024 * 1024)
        .await
        .expect("body read");
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

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

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await;
            }
        }
    )*};
}

both_backends!(
    a_fresh_store_serves_the_demo_month,
    filters_match_a_reference_count_and_group_spellings,
    pages_cover_every_match_once,
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
    assert_eq!(vocabularies["terms"].as_array().unwrap().len(), 49);
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
    let mut seen = BTreeSet::new();
    let mut offset = 0;
    loop {
        let (_, page) = get(&format!(
            "{address}/collections/incidents/items?limit=50&offset={offset}"
        ))
        .await;
        let features = page["features"].as_array().unwrap();
        if features.is_empty() {
            break;
        }
        for feature in features {
            assert!(
                seen.insert(feature["id"].as_str().unwrap().to_owned()),
                "duplicate across pages"
            );
        }
        offset += 50;
    }
    assert_eq!(seen.len(), demo_rows().len());
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
    let response = awc::Client::default()
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
