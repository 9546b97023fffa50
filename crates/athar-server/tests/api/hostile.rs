//! Hostile input: oversized and deeply nested bodies, huge numbers, bad bounding boxes,
//! malformed UTF-8, and SQL metacharacters in every parameter and field. Each answered
//! with a clear 4xx (or taken literally), never a 500, and nothing stored is changed.

use serde_json::Value;

use crate::support::{Backend, EDITOR_TOKEN, TestStore, both_backends, client, get};

both_backends!(hostile_requests_get_client_errors_and_change_nothing);

const SQL: &str = "'; DROP TABLE incidents; --";

async fn post(address: &str, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let mut response = client()
        .post(format!("{address}{path}"))
        .insert_header(("Authorization", format!("Bearer {EDITOR_TOKEN}")))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let body = response.body().limit(1 << 20).await.unwrap_or_default();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn hostile_requests_get_client_errors_and_change_nothing(backend: Backend) {
    let store = TestStore::new(backend).await;
    let mut settings = store.settings(true);
    settings.import_limit = 64 * 1024;
    settings.body_limit = 16 * 1024;
    let address = store.spawn_with(settings).await;
    let (_, health) = get(&format!("{address}/healthz")).await;
    let before = health["incidents"].as_u64().unwrap();
    let (_, stats_before) = get(&format!("{address}/v1/stats?to=2024-04-30")).await;

    // Every filter parameter with SQL in it: a 400 naming it, or (for free text) no match.
    let encoded = crate::support::encoded(SQL);
    for parameter in athar_core::FILTER_PARAMETERS {
        for path in [
            "/collections/incidents/items",
            "/v1/stats",
            "/v1/communities/counts",
        ] {
            let (status, body) = get(&format!("{address}{path}?{parameter}={encoded}")).await;
            assert!(
                status == 400 || status == 200,
                "{path}?{parameter}: {status} {body}"
            );
            if status == 400 {
                assert!(body["detail"].as_str().is_some(), "{body}");
            }
        }
    }
    for (path, expected) in [
        ("/collections/incidents/items?limit=1000000000", 400),
        (
            "/collections/incidents/items?offset=99999999999999999999999",
            400,
        ),
        (
            "/collections/incidents/items?bbox=-1e308,-1e308,1e308,1e308",
            400,
        ),
        ("/collections/incidents/items?bbox=NaN,0,1,1", 400),
        ("/collections/incidents/items?bbox=-180,-90,180,90", 200),
        ("/collections/incidents/items?bbox=1,2,3", 400),
        ("/collections/incidents/items?kind=%FF%FE", 400),
        ("/collections/incidents/items?from=99999-01-01", 400),
        (
            "/v1/stats/series?interval=day&from=0001-01-01&to=9999-12-31",
            400,
        ),
        ("/tiles/incidents/99999999999/0/0.mvt", 400),
        ("/tiles/incidents/99/0/0.mvt", 404),
        ("/tiles/incidents/3/-1/0.mvt", 400),
        ("/maps/static.png?width=4000&height=4000&scale=2", 400),
        ("/v1/exports/incidents.csv?lang=%00", 400),
    ] {
        let (status, body) = get(&format!("{address}{path}")).await;
        assert_eq!(status, expected, "{path}: {body}");
    }

    // Bodies: too large, nested too deep, not UTF-8, not JSON, SQL in every field.
    let big = vec![b'a'; 128 * 1024];
    let (status, _) = post(&address, "/v1/imports?source=x", "text/csv", big).await;
    assert_eq!(status, 413);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes();
    let (status, body) = post(
        &address,
        "/v1/incidents",
        "application/json",
        nested.clone(),
    )
    .await;
    assert!((400..500).contains(&status), "nested: {status} {body}");
    // The same at the field-form intake, and a body over its limit; a spreadsheet that is
    // not one, under a spreadsheet's media type.
    let (status, body) = post(&address, "/v1/intake/kobo", "application/json", nested).await;
    assert_eq!(status, 413, "nested submission over the limit: {body}");
    // Nested deeper than the JSON reader goes, within the body limit: read and refused.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes();
    let (status, body) = post(&address, "/v1/intake/kobo", "application/json", deep).await;
    assert_eq!(status, 422, "nested submission: {body}");
    let (status, body) = post(&address, "/v1/intake/kobo", "text/plain", b"{}".to_vec()).await;
    assert_eq!(status, 400, "a form post is no submission: {body}");
    let (status, _) = post(
        &address,
        "/v1/intake/kobo",
        "application/json",
        vec![b' '; 2 << 20],
    )
    .await;
    assert_eq!(status, 413);
    let (status, body) = post(
        &address,
        "/v1/imports?source=x",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK\x03\x04 not a workbook".to_vec(),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = post(
        &address,
        "/v1/incidents",
        "application/json",
        vec![0xff, 0xfe, b'{'],
    )
    .await;
    assert!((400..500).contains(&status), "not UTF-8: {status} {body}");
    let (status, body) = post(
        &address,
        "/v1/imports?source=x",
        "text/csv",
        b"source_id,kind,occurred_on,community,latitude,longitude\nz1,attack,2024-05-01,\xff\xfe,35.9,36.7\n".to_vec(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rejected"][0]["field"], "community", "{body}");
    let literal = serde_json::json!({
        "source": SQL, "source_id": SQL, "kind": "attack", "occurred_on": "2024-05-01",
        "community": SQL, "latitude": 35.9, "longitude": 36.7, "notes": SQL, "admin1": SQL,
    });
    let (status, body) = post(
        &address,
        "/v1/incidents",
        "application/json",
        literal.to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        (status, body["accepted"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    let (_, page) = get(&format!(
        "{address}/collections/incidents/items?community={encoded}"
    ))
    .await;
    assert_eq!(
        page["features"][0]["properties"]["notes"], SQL,
        "stored literally"
    );

    // Nothing else changed: the one literal incident was added, the rest is as it was.
    let (_, health) = get(&format!("{address}/healthz")).await;
    assert_eq!(health["incidents"].as_u64(), Some(before + 1));
    // (the demo month is April 2024; the literal incident is in May).
    let (_, stats_after) = get(&format!("{address}/v1/stats?to=2024-04-30")).await;
    assert!(stats_before["incidents"].as_u64() > Some(0));
    assert_eq!(stats_after, stats_before);
}

/// What a client sends cannot rewrite what others are answered: forwarded headers are
/// believed only from a trusted proxy, a title cannot fill the page's other placeholders,
/// a filter cannot break a style, and the change log varies with the reader.
#[actix_web::test]
async fn headers_titles_and_filters_cannot_rewrite_answers() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(true);
    settings.privacy.precision = athar_app::privacy::PublicPrecision::Round(2);
    let address = store.spawn_with(settings).await;
    let tilejson = |forwarded: bool| {
        let mut request = client().get(format!("{address}/tiles/incidents.json"));
        if forwarded {
            request = request
                .insert_header(("X-Forwarded-Host", "evil.example"))
                .insert_header(("X-Forwarded-Proto", "https"))
                .insert_header(("Forwarded", "host=evil.example;proto=https"));
        }
        request
    };
    let mut response = tilejson(true).send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    let tiles = body["tiles"][0].as_str().unwrap();
    assert!(
        tiles.starts_with(&address) && !tiles.contains("evil"),
        "{tiles}"
    );

    // From a trusted proxy, the forwarded host and scheme are the links'.
    let trusted = TestStore::new(Backend::Sqlite).await;
    let mut settings = trusted.settings(false);
    settings.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let proxied = trusted.spawn_with(settings).await;
    let mut response = client()
        .get(format!("{proxied}/tiles/incidents.json"))
        .insert_header(("X-Forwarded-Host", "maps.example.org"))
        .insert_header(("X-Forwarded-Proto", "https"))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(
        body["tiles"][0]
            .as_str()
            .unwrap()
            .starts_with("https://maps.example.org/tiles/incidents/"),
        "{body}"
    );

    // A title that reads like the page's placeholders is shown as text, once.
    let title = crate::support::encoded("{{config}}<img src=x onerror=alert(1)>{{title}}");
    let mut response = client()
        .get(format!("{address}/embed?lang=en&title={title}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let page = String::from_utf8(response.body().await.unwrap().to_vec()).unwrap();
    // Escaped in the markup; as a JSON string only in the page's configuration script.
    for line in page.lines().filter(|line| line.contains("<img src=x")) {
        assert!(line.trim_start().starts_with("const config = {"), "{line}");
    }
    assert_eq!(
        page.matches("\"attribution\"").count(),
        1,
        "the configuration is in the page once"
    );
    assert!(
        page.contains("{{config}}&lt;img"),
        "the title as given, escaped"
    );

    // A filter value with a backslash and quotes leaves the style valid JSON.
    let (status, style) = get(&format!(
        "{address}/styles/incidents.json?community={}",
        crate::support::encoded("a\\\"}")
    ))
    .await;
    assert_eq!(status, 200, "{style}");
    assert!(
        style["sources"]["incidents"]["url"]
            .as_str()
            .unwrap()
            .contains("community="),
        "{style}"
    );

    // The change log varies with the reader.
    let response = client()
        .get(format!("{address}/v1/changes?since=0"))
        .send()
        .await
        .unwrap();
    let vary = response.headers().get("vary").unwrap().to_str().unwrap();
    assert!(vary.contains("Authorization"), "{vary}");
}

/// `--read-rate-per-ip`: anonymous analyses, maps and exports from one address beyond the
/// rate are answered 429 with `Retry-After`; token holders are not counted.
#[actix_web::test]
async fn heavy_reads_are_limited_per_address() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(true);
    settings.read_rate_per_ip = 2;
    let address = store.spawn_with(settings).await;
    let map = format!("{address}/maps/static.svg?width=300&height=200");
    for _ in 0..2 {
        assert_eq!(get(&map).await.0, 200);
    }
    let response = client().get(&map).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(
        get(&format!("{address}/v1/hotspots")).await.0,
        429,
        "analyses count with maps"
    );
    let response = client()
        .get(&map)
        .insert_header((
            "Authorization",
            format!("Bearer {}", crate::support::READER_TOKEN),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "a token holder is not counted"
    );
    // Other reads are not counted.
    assert_eq!(get(&format!("{address}/v1/stats")).await.0, 200);
}

/// Past nine tenths of `--memory-limit-mb`, heavy work (analyses, static maps) answers 503
/// with `Retry-After`, while other reads go on.
#[actix_web::test]
async fn heavy_work_is_refused_near_the_memory_ceiling() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(true);
    // Any running server is past nine tenths of one MiB.
    settings.memory_limit_mb = 1;
    let address = store.spawn_with(settings).await;
    let response = client()
        .get(format!("{address}/maps/static.svg?width=300&height=200"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(get(&format!("{address}/v1/hotspots")).await.0, 503);
    assert_eq!(get(&format!("{address}/v1/stats")).await.0, 200);
}
