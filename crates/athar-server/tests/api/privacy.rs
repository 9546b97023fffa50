//! Location privacy: with a public precision, private fields and small-count suppression
//! configured, readers without a token get rounded points, no notes and withheld small
//! counts, in items, exports, tiles, counts and maps; a reader token sees what is stored.

use serde_json::Value;

use crate::support::{Backend, READER_TOKEN, TestStore, client, import_csv};

const MONTH: &str = "\
source_id,kind,occurred_on,community,latitude,longitude,killed,notes
p1,attack,2024-05-02,سرمين,35.90312,36.72456,1,منزل عائلة محددة
p2,attack,2024-05-03,سرمين,35.90377,36.72411,0,
p3,attack,2024-05-04,سرمين,35.90401,36.72533,0,
p4,attack,2024-05-05,أريحا,35.81234,36.61187,2,شاهد عيان
p5,fire,2024-05-06,أريحا,35.81299,36.61111,0,
";

async fn fetch(url: &str, token: Option<&str>) -> (u16, Vec<u8>, Option<String>) {
    let mut request = client().get(url);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut response = request.send().await.unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.body().limit(64 * 1024 * 1024).await.unwrap();
    (response.status().as_u16(), body.to_vec(), etag)
}

async fn json(url: &str, token: Option<&str>) -> Value {
    let (status, body, _) = fetch(url, token).await;
    assert_eq!(status, 200, "{url}");
    serde_json::from_slice(&body).unwrap()
}

fn on_grid(value: f64, decimals: i32) -> bool {
    let scaled = value * 10f64.powi(decimals);
    (scaled - scaled.round()).abs() < 1e-6
}

#[actix_web::test]
async fn anonymous_readers_see_what_the_privacy_settings_allow() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.privacy = athar_server::privacy::Privacy {
        precision: athar_server::privacy::PublicPrecision::Round(2),
        private_fields: vec!["notes".into()],
        suppress_below: 3,
        suppress_kinds: vec!["attack".into()],
    };
    let address = store.spawn_with(settings).await;
    import_csv(&address, MONTH).await;

    // Items: rounded points and no notes without a token; as stored with one.
    let items = format!("{address}/collections/incidents/items?limit=100");
    let public = json(&items, None).await;
    let trusted = json(&items, Some(READER_TOKEN)).await;
    for feature in public["features"].as_array().unwrap() {
        let [lon, lat] = [0, 1].map(|i| feature["geometry"]["coordinates"][i].as_f64().unwrap());
        assert!(on_grid(lon, 2) && on_grid(lat, 2), "{feature}");
        assert!(feature["properties"]["notes"].is_null(), "{feature}");
    }
    let p1 = trusted["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["source_id"] == "p1")
        .unwrap();
    assert_eq!(p1["geometry"]["coordinates"][0].as_f64(), Some(36.72456));
    assert_eq!(p1["properties"]["notes"], "منزل عائلة محددة");

    // Exports: the same.
    let (_, csv, _) = fetch(&format!("{address}/v1/exports/incidents.csv"), None).await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(!csv.contains("منزل عائلة محددة") && !csv.contains("36.72456"));
    assert!(csv.contains("36.72"));
    let (_, csv, _) = fetch(
        &format!("{address}/v1/exports/incidents.csv"),
        Some(READER_TOKEN),
    )
    .await;
    assert!(String::from_utf8(csv).unwrap().contains("36.72456"));

    // Counts: Ariha's one attack is withheld from the public; Sarmin's three are not.
    let counts = format!("{address}/v1/communities/counts?kind=attack");
    let public = json(&counts, None).await;
    let by_name = |ranking: &Value, name: &str| -> Value {
        ranking["communities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name_ar"].as_str().is_some_and(|n| n.contains(name)))
            .cloned()
            .unwrap()
    };
    assert_eq!(by_name(&public, "سرمين")["count"], 3);
    let ariha = by_name(&public, "أريحا");
    assert!(
        ariha["count"].is_null() && ariha["suppressed"] == true,
        "{ariha}"
    );
    assert_eq!(
        by_name(&json(&counts, Some(READER_TOKEN)).await, "أريحا")["count"],
        1
    );
    // Nor do the statistics' top communities show it.
    let stats = json(&format!("{address}/v1/stats"), None).await;
    let top = stats["kinds"]["attack"]["top_communities"]
        .as_array()
        .unwrap();
    let ariha = top
        .iter()
        .find(|c| c["name_ar"].as_str().is_some_and(|n| n.contains("أريحا")))
        .unwrap();
    assert!(
        ariha["count"].is_null() && ariha["suppressed"] == true,
        "{ariha}"
    );
    let stats = json(&format!("{address}/v1/stats"), Some(READER_TOKEN)).await;
    let top = stats["kinds"]["attack"]["top_communities"]
        .as_array()
        .unwrap();
    assert!(top.iter().any(|c| c["count"] == 1));
    // Fires are not a withheld kind.
    let fires = json(&format!("{address}/v1/communities/counts?kind=fire"), None).await;
    assert_eq!(by_name(&fires, "أريحا")["count"], 1);

    // Tiles at zoom 14: a point of the public tile lies on the 0.01° grid.
    let tile = |lon: f64, lat: f64, z: u8| {
        let n = f64::from(1u32 << z);
        let x = ((lon + 180.0) / 360.0 * n) as u32;
        let lat_r = lat.to_radians();
        let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            as u32;
        (x, y)
    };
    let (x, y) = tile(36.72, 35.90, 14);
    let url = format!("{address}/tiles/incidents/14/{x}/{y}.mvt");
    let (status, public_tile, public_tag) = fetch(&url, None).await;
    assert_eq!(status, 200);
    let (_, trusted_tile, trusted_tag) = fetch(&url, Some(READER_TOKEN)).await;
    assert_ne!(public_tile, trusted_tile);
    assert_ne!(public_tag, trusted_tag, "the ETag tells the two apart");
    let reader = mvt_reader::Reader::new(public_tile).unwrap();
    let features = reader.get_features_as::<i32>(0).unwrap();
    assert!(!features.is_empty());
    for feature in features {
        let geo_types::Geometry::MultiPoint(points) = feature.geometry else {
            panic!("a point")
        };
        for point in points {
            // Back from tile pixels to degrees: within a pixel (about 2 m) of the grid.
            let n = f64::from(1u32 << 14) * 4096.0;
            let lon = (f64::from(x) * 4096.0 + f64::from(point.x())) / n * 360.0 - 180.0;
            let scaled = lon * 100.0;
            assert!((scaled - scaled.round()).abs() < 0.003, "{lon}");
        }
    }

    // Static maps differ too, and say so in their ETag.
    let map = format!("{address}/maps/static.png?kind=attack&width=300&height=200");
    let (_, public_map, public_tag) = fetch(&map, None).await;
    let (_, trusted_map, trusted_tag) = fetch(&map, Some(READER_TOKEN)).await;
    assert_ne!(public_tag, trusted_tag);
    assert!(!public_map.is_empty() && !trusted_map.is_empty());

    // The change log's before and after hold exact points and notes: withheld without a
    // token.
    let corrected = MONTH.replace("منزل عائلة محددة", "منزل آخر");
    assert_eq!(import_csv(&address, &corrected).await["updated"], 1);
    let log = format!("{address}/v1/changes?since=0");
    let public = json(&log, None).await;
    let trusted = json(&log, Some(READER_TOKEN)).await;
    let fields = |log: &Value| -> Vec<Value> {
        log["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["fields"].clone())
            .collect()
    };
    assert!(fields(&public).iter().all(Value::is_null), "{public}");
    assert_eq!(
        fields(&trusted).last().unwrap(),
        &serde_json::json!([{"field": "notes", "before": "منزل عائلة محددة", "after": "منزل آخر"}])
    );
}

#[actix_web::test]
async fn a_bad_privacy_setting_stops_the_start() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.privacy.private_fields = vec!["killed".into()];
    let error = athar_server::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(
        error.to_string().contains("private field 'killed'"),
        "{error}"
    );
}
