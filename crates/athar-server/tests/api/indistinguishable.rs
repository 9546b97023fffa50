//! Privacy by construction: with privacy settings on, no anonymous answer depends on an
//! exact point. Every stored point is moved to another point with the same public point
//! (for community precision, one that resolves to the same place), and a battery of
//! anonymous requests over every read endpoint (bbox queries at several scales around the
//! old and new points, tiles from z0 to z22 around them, TileJSON, hotspots and trends,
//! communities, review, resolve, counts in every format, exports, static maps, embed
//! pages) must answer byte for byte as before. Volatile fields, documented in
//! RELIABILITY.md: the items' `timeStamp`.

use std::collections::BTreeSet;

use crate::support::{ADMIN_TOKEN, Backend, TestStore, both_backends, client, encoded};

const DEMO: &str = include_str!("../../../../data/demo/incidents-2024-04.csv");

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Another value with the same rounding to two decimals, 0.0031° (about 300 m) from the
/// rounded one on the other side.
fn moved(value: f64) -> f64 {
    let rounded = round(value, 2);
    let other = if value >= rounded {
        rounded - 0.0031
    } else {
        rounded + 0.0031
    };
    assert_eq!(round(other, 2), rounded);
    other
}

/// The demo month's points (lon, lat), and the month with every point moved.
fn demo_moved() -> (Vec<(f64, f64)>, Vec<(f64, f64)>, String) {
    let mut lines = DEMO.lines();
    let header = lines.next().unwrap();
    let columns: Vec<&str> = header.split(',').collect();
    let lat_at = columns.iter().position(|c| *c == "latitude").unwrap();
    let lon_at = columns.iter().position(|c| *c == "longitude").unwrap();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut csv = format!("{header}\n");
    for line in lines {
        let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
        let lat: f64 = fields[lat_at].parse().unwrap();
        let lon: f64 = fields[lon_at].parse().unwrap();
        let (new_lon, new_lat) = (moved(lon), moved(lat));
        before.push((lon, lat));
        after.push((new_lon, new_lat));
        fields[lat_at] = format!("{new_lat:.5}");
        fields[lon_at] = format!("{new_lon:.5}");
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    (before, after, csv)
}

/// The tile at zoom `z` holding a point, as the server numbers tiles.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let tile = athar_tiles::Tile::containing(athar_tiles::lon_lat_to_mercator(lon, lat), z);
    (tile.x, tile.y)
}

/// The requests of the battery: every read endpoint, and those that take a point around
/// each of `points` (a sample of the old and new exact points and of the public ones).
fn battery(points: &[(f64, f64)], ids: &[String], places: &[String]) -> Vec<String> {
    let mut urls: BTreeSet<String> = BTreeSet::new();
    let filters = [
        "",
        "kind=attack",
        "kind=fire",
        "from=2024-04-10&to=2024-04-20",
    ];
    for filter in filters {
        let q = if filter.is_empty() {
            String::new()
        } else {
            format!("?{filter}")
        };
        let a = if filter.is_empty() {
            String::new()
        } else {
            format!("&{filter}")
        };
        for path in [
            "/collections/incidents/items",
            "/v1/stats",
            "/v1/stats/series",
            "/v1/communities/counts",
            "/v1/communities/review",
            "/v1/duplicates",
            "/v1/exports/incidents.geojson",
            "/v1/exports/incidents.csv",
            "/v1/exports/incidents.kml",
            "/v1/exports/communities.csv",
            "/v1/exports/communities.geojson",
            "/tiles/incidents.json",
            "/tiles/communities.json",
            "/styles/incidents.json",
            "/maps/static.svg",
            "/embed",
            "/v1/hotspots",
            "/v1/hotspots/trend",
        ] {
            urls.insert(format!("{path}{q}"));
        }
        urls.insert(format!("/collections/incidents/items?limit=1000{a}"));
        urls.insert(format!("/v1/communities/counts?format=geojson{a}"));
        urls.insert(format!("/v1/communities/counts?format=csv{a}"));
        urls.insert(format!("/v1/hotspots?unit=community{a}"));
        urls.insert(format!("/v1/hotspots/trend?periods=3&interval=week{a}"));
        urls.insert(format!(
            "/v1/hotspots/trend?unit=community&periods=3&interval=week{a}"
        ));
        urls.insert(format!("/embed?view=hotspots{a}"));
        urls.insert(format!("/embed?view=communities&lang=en{a}"));
        urls.insert(format!("/embed?slider=month{a}"));
        urls.insert(format!("/tiles/incidents/9/308/204.mvt?size=casualties{a}"));
        urls.insert(format!("/maps/static.png?width=400&height=300{a}"));
        urls.insert(format!("/maps/static.svg?view=communities{a}"));
        for z in [5, 7, 9] {
            for (lon, lat) in points.iter().step_by(4) {
                let (x, y) = tile_of(*lon, *lat, z);
                urls.insert(format!("/tiles/hotspots/{z}/{x}/{y}.mvt{q}"));
            }
        }
    }
    urls.insert("/collections".into());
    urls.insert("/collections/incidents".into());
    urls.insert("/v1/reports/monthly.json?month=2024-04".into());
    urls.insert("/v1/reports/monthly.json?month=2024-03".into());
    for lang in ["ar", "en"] {
        for format in ["html", "pdf"] {
            urls.insert(format!(
                "/v1/reports/monthly.{format}?month=2024-04&lang={lang}"
            ));
        }
        urls.insert(format!(
            "/v1/reports/monthly.json?month=2024-04&lang={lang}"
        ));
    }
    for figure in ["map.svg", "map.png", "weapons.svg", "casualties.png"] {
        urls.insert(format!(
            "/v1/reports/monthly/{figure}?month=2024-04&lang=ar"
        ));
    }
    urls.insert("/oembed?url=http%3A%2F%2F127.0.0.1%2Fembed%3Fkind%3Dattack".into());
    for (lon, lat) in points {
        for half in [0.00005, 0.0005, 0.005, 0.02, 0.2] {
            let bbox = format!(
                "bbox={:.5},{:.5},{:.5},{:.5}",
                lon - half,
                lat - half,
                lon + half,
                lat + half
            );
            urls.insert(format!("/v1/stats?{bbox}"));
            urls.insert(format!("/collections/incidents/items?{bbox}"));
        }
        for z in 0..=22 {
            let (x, y) = tile_of(*lon, *lat, z);
            urls.insert(format!("/tiles/incidents/{z}/{x}/{y}.mvt"));
            urls.insert(format!("/tiles/incidents/{z}/{x}/{y}.mvt?kind=attack"));
            urls.insert(format!("/tiles/communities/{z}/{x}/{y}.mvt"));
        }
        urls.insert(format!(
            "/v1/communities/resolve?name={}&lon={lon:.5}&lat={lat:.5}",
            encoded("البارة")
        ));
    }
    for id in ids {
        urls.insert(format!("/v1/incidents/{id}/sources"));
        urls.insert(format!("/collections/incidents/items/{id}"));
    }
    for place in places {
        urls.insert(format!("/v1/communities/{}", encoded(place)));
        urls.insert(format!("/v1/communities/{}?kind=attack", encoded(place)));
    }
    for name in ["البارة", "كنصفرة", "فطيرة", "Sarmin", "ادلب"] {
        urls.insert(format!("/v1/communities?q={}", encoded(name)));
        urls.insert(format!("/v1/communities/resolve?name={}", encoded(name)));
    }
    urls.into_iter().collect()
}

/// Every answer of the battery, as anonymous readers get it, with the volatile fields
/// blanked.
async fn answers(address: &str, urls: &[String]) -> Vec<(u16, Vec<u8>)> {
    let mut answers = Vec::with_capacity(urls.len());
    for url in urls {
        let mut response = client()
            .get(format!("{address}{url}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let body = response.body().limit(256 * 1024 * 1024).await.unwrap();
        assert!(status < 500, "{url}: {status}");
        let mut body = body.to_vec();
        if url.starts_with("/collections/incidents/items?") || url == "/collections/incidents/items"
        {
            let mut page: serde_json::Value = serde_json::from_slice(&body).unwrap();
            page["timeStamp"] = serde_json::Value::Null;
            body = page.to_string().into_bytes();
        }
        answers.push((status, body));
    }
    answers
}

/// Every incident, as a reader with `token` (or an anonymous one) sees it.
async fn every_item(address: &str, token: Option<&str>) -> serde_json::Value {
    let mut request = client().get(format!("{address}/collections/incidents/items?limit=1000"));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut response = request.send().await.unwrap();
    response.json().limit(64 * 1024 * 1024).await.unwrap()
}

async fn move_every_point(backend: Backend, precision: &str) {
    let store = TestStore::new(backend).await;
    let mut settings = store.settings(true);
    settings.privacy = athar_app::privacy::Privacy {
        precision: athar_app::privacy::PublicPrecision::parse(precision).unwrap(),
        private_fields: vec!["notes".into(), "source_id".into()],
        ..athar_app::privacy::Privacy::default()
    };
    let address = store.spawn_with(settings).await;
    let (before, after, moved_csv) = demo_moved();

    // The ids and places the battery asks for, as anonymous readers see them.
    let items = every_item(&address, None).await;
    let features = items["features"].as_array().unwrap();
    assert_eq!(features.len(), before.len());
    let ids: Vec<String> = features
        .iter()
        .step_by(7)
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    let mut places: BTreeSet<String> = BTreeSet::new();
    let mut public_points = Vec::new();
    for feature in features {
        if let Some(place) = feature["properties"]["community_id"].as_str() {
            places.insert(place.to_owned());
        }
        let c = &feature["geometry"]["coordinates"];
        public_points.push((c[0].as_f64().unwrap(), c[1].as_f64().unwrap()));
    }
    let learned = places.iter().filter(|p| p.starts_with("learned:")).count();
    // With OCHA's list bundled, the demo month's villages are listed places; Atmeh camp
    // is in no list and is learned at the centroid of its incidents' exact points.
    assert!(
        learned >= 1,
        "the demo month founds learned places ({learned})"
    );
    // A sample of the points: the old and new exact ones and the public ones.
    let sample: Vec<(f64, f64)> = (0..before.len())
        .step_by(9)
        .flat_map(|i| [before[i], after[i], public_points[i]])
        .collect();
    let places: Vec<String> = places.into_iter().collect();
    let urls = battery(&sample, &ids, &places);
    let first = answers(&address, &urls).await;
    // A release of the month now, and another after the points move: anonymous readers
    // get the same answers from both.
    publish(&address, "release-a").await;
    let pinned = |id: &str| -> Vec<String> {
        urls.iter()
            .filter(|url| {
                [
                    "/tiles/",
                    "/v1/stats",
                    "/v1/communities/counts",
                    "/v1/exports",
                    "/collections/incidents/items",
                ]
                .iter()
                .any(|prefix| url.starts_with(prefix))
            })
            .map(|url| {
                let joint = if url.contains('?') { '&' } else { '?' };
                format!("{url}{joint}release={id}")
            })
            .chain([
                format!("/v1/releases/{id}/diff"),
                format!("/v1/releases/{id}/diff?format=csv"),
            ])
            .collect()
    };
    let first_release = answers(&address, &pinned("release-a")).await;
    // Who published it, and when in the day, is not public (as in the change log).
    let (status, manifest) = crate::support::get(&format!("{address}/v1/releases/release-a")).await;
    assert_eq!(status, 200, "{manifest}");
    assert_eq!(
        manifest["created_by"],
        serde_json::Value::Null,
        "{manifest}"
    );
    assert_eq!(
        manifest["created_at"].as_str().map(str::len),
        Some(10),
        "{manifest}"
    );

    // Every stored point moves; the public ones stay.
    let response = client()
        .post(format!(
            "{address}/v1/imports?source={}",
            encoded("athar-demo (synthetic)")
        ))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .insert_header(("Content-Type", "text/csv"))
        .send_body(moved_csv)
        .await
        .unwrap();
    let (status, report) = crate::support::body_of(response).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        report["updated"].as_u64(),
        Some(before.len() as u64),
        "{report}"
    );
    // The stored points did move (a token holder sees them).
    let trusted = every_item(&address, Some(ADMIN_TOKEN)).await;
    let old: BTreeSet<String> = before
        .iter()
        .map(|(lon, lat)| serde_json::json!([lon, lat]).to_string())
        .collect();
    assert!(
        trusted["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !old.contains(&f["geometry"]["coordinates"].to_string()))
    );

    let second = answers(&address, &urls).await;
    // Against the live data after the move, the release made before it shows anonymous
    // readers no change (the public points did not move), and a token holder every one.
    let (status, diff) =
        crate::support::get(&format!("{address}/v1/releases/release-a/diff")).await;
    assert_eq!(status, 200, "{diff}");
    assert_eq!(diff["changed"], serde_json::json!([]), "{diff}");
    let response = client()
        .get(format!("{address}/v1/releases/release-a/diff"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    let (_, trusted_diff) = crate::support::body_of(response).await;
    assert_eq!(
        trusted_diff["changed"].as_array().map(Vec::len),
        Some(before.len()),
        "a token holder sees every point moved"
    );
    publish(&address, "release-b").await;
    let second_release: Vec<(u16, Vec<u8>)> = answers(&address, &pinned("release-b"))
        .await
        .into_iter()
        .map(|(status, body)| match String::from_utf8(body) {
            // Links name the release they came from (tiles are binary: left as they are).
            Ok(text) => (status, text.replace("release-b", "release-a").into_bytes()),
            Err(binary) => (status, binary.into_bytes()),
        })
        .collect();
    let pinned_urls = pinned("release-a");
    assert!(
        pinned_urls.len() > 100,
        "{} pinned requests",
        pinned_urls.len()
    );
    let mut differing = Vec::new();
    for ((url, a), b) in urls
        .iter()
        .chain(&pinned_urls)
        .zip(first.iter().chain(&first_release))
        .zip(second.iter().chain(&second_release))
    {
        if a != b {
            differing.push(format!(
                "{url}: {} {} bytes -> {} {} bytes",
                a.0,
                a.1.len(),
                b.0,
                b.1.len()
            ));
        }
    }
    assert!(
        differing.is_empty(),
        "{} of {} anonymous answers depend on exact points:\n{}",
        differing.len(),
        urls.len() + pinned_urls.len(),
        differing.join("\n")
    );
}

/// Publishes the whole demo month as release `id`.
async fn publish(address: &str, id: &str) {
    let response = client()
        .post(format!("{address}/v1/releases"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send_json(&serde_json::json!({"id": id, "title": "April", "from": "2024-04-01", "to": "2024-04-30"}))
        .await
        .unwrap();
    let (status, manifest) = crate::support::body_of(response).await;
    assert_eq!(status, 201, "{manifest}");
}

async fn rounded_points(backend: Backend) {
    move_every_point(backend, "round:2").await;
}

async fn community_points(backend: Backend) {
    move_every_point(backend, "community").await;
}

both_backends!(rounded_points, community_points);
