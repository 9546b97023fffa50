//! Writes with tokens and roles, the change log, ETags, CORS and compression.

use serde_json::{Value, json};

use crate::support::{
    ADMIN_TOKEN, Backend, EDITOR_TOKEN, READER_TOKEN, TestStore, body_of, both_backends, client,
    get,
};

both_backends!(
    writes_need_a_token_with_the_editor_role,
    incidents_are_created_edited_and_deleted_with_an_audit_trail,
    etags_answer_304_until_the_data_changes,
    writes_by_another_process_reach_the_snapshot,
);

/// Imports JSON through a store opened on its own, as the CLI or another replica would.
async fn import_elsewhere(settings: &athar_server::Settings, json: &str) {
    let other = athar_app::open_store(
        settings
            .database_url
            .as_ref()
            .map(athar_server::Secret::expose),
        &settings.data_dir,
    )
    .await
    .unwrap();
    athar_app::run_import(
        &other,
        std::sync::Arc::new(athar_core::Vocabularies::defaults()),
        std::sync::Arc::new(athar_gazetteer::Gazetteer::empty()),
        athar_ingest::Format::Json,
        std::io::Cursor::new(json.as_bytes().to_vec()),
        athar_store::ImportMeta {
            source: "cli".into(),
            format: "json".into(),
            file_name: None,
            actor: None,
        },
    )
    .await
    .unwrap();
}

const ONE: &str = r#"{"source_id":"w1","kind":"attack","occurred_on":"2024-05-02","community":"سرمين","latitude":35.904,"longitude":36.725,"weapon":"drone","killed":1}"#;

async fn post(
    address: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: String,
) -> (u16, Value, Option<String>) {
    let mut request = client()
        .post(format!("{address}{path}"))
        .insert_header(("Content-Type", content_type));
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let response = request.send_body(body).await.unwrap();
    let authenticate = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, body) = body_of(response).await;
    (status, body, authenticate)
}

async fn writes_need_a_token_with_the_editor_role(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let json = "application/json";
    let (status, problem, challenge) =
        post(&address, "/v1/incidents", None, json, ONE.into()).await;
    assert_eq!(status, 401, "{problem}");
    assert!(challenge.unwrap().starts_with("Bearer"));
    let (status, wrong, _) = post(&address, "/v1/incidents", Some("wrong"), json, ONE.into()).await;
    assert_eq!(status, 401);
    // An expired token gets the very answer a wrong one gets: a guessed token cannot be
    // confirmed by its expiry.
    let (status, problem, _) = post(
        &address,
        "/v1/incidents",
        Some("expired-token"),
        json,
        ONE.into(),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(problem, wrong);
    assert!(!problem.to_string().contains("expired"), "{problem}");
    let (status, problem, _) = post(
        &address,
        "/v1/incidents",
        Some(READER_TOKEN),
        json,
        ONE.into(),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (status, report, _) = post(
        &address,
        "/v1/incidents",
        Some(EDITOR_TOKEN),
        json,
        ONE.into(),
    )
    .await;
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    // Bodies over the limit: 1 MB for JSON.
    let huge = format!("[{}]", vec![ONE; 8_000].join(","));
    assert!(huge.len() > 1024 * 1024);
    let (status, problem, _) = post(&address, "/v1/incidents", Some(ADMIN_TOKEN), json, huge).await;
    assert_eq!(status, 413, "{problem}");
    assert_eq!(
        get(&format!("{address}/healthz")).await.1["incidents"],
        1,
        "nothing from the refused body is stored"
    );
    // Imports say what they cannot read.
    let (status, problem, _) = post(
        &address,
        "/v1/imports",
        Some(ADMIN_TOKEN),
        "application/pdf",
        "x".into(),
    )
    .await;
    assert_eq!(
        (status, problem["parameter"].as_str()),
        (400, Some("Content-Type"))
    );
    let (status, problem, _) = post(
        &address,
        "/v1/imports",
        Some(ADMIN_TOKEN),
        "application/geo+json",
        "{\"type\":".into(),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
}

async fn incidents_are_created_edited_and_deleted_with_an_audit_trail(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let json = "application/json";
    let (_, report, _) = post(
        &address,
        "/v1/incidents?source=field",
        Some(EDITOR_TOKEN),
        json,
        ONE.into(),
    )
    .await;
    assert_eq!(report["accepted"], 1);
    let (_, page) = get(&format!("{address}/collections/incidents/items")).await;
    let id = page["features"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(page["features"][0]["properties"]["source"], "field");

    let patch = |body: Value| {
        let address = address.clone();
        let id = id.clone();
        async move {
            let response = client()
                .patch(format!("{address}/v1/incidents/{id}"))
                .insert_header(("Authorization", format!("Bearer {EDITOR_TOKEN}")))
                .insert_header(("Content-Type", "application/json"))
                .send_body(body.to_string())
                .await
                .unwrap();
            body_of(response).await
        }
    };
    let (status, edited) =
        patch(json!({"killed": 3, "killed_children": 2, "notes": "تصحيح"})).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(
        (
            edited["properties"]["killed"].as_u64(),
            edited["changed"].as_bool()
        ),
        (Some(3), Some(true))
    );
    let (_, item) = get(&format!("{address}/collections/incidents/items/{id}")).await;
    assert_eq!(item["properties"]["notes"], "تصحيح");
    assert_eq!(
        item["properties"]["weapon"], "drone",
        "fields not named are kept"
    );

    let (status, problem) = patch(json!({"killed_children": 9})).await;
    assert_eq!(status, 422);
    assert_eq!(
        problem["errors"][0]["field"], "killed_children",
        "{problem}"
    );
    let (status, problem) = patch(json!({"source_id": "other"})).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("source_id"))
    );

    let response = client()
        .delete(format!("{address}/v1/incidents/{id}"))
        .insert_header(("Authorization", format!("Bearer {ADMIN_TOKEN}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(
        get(&format!("{address}/collections/incidents/items/{id}"))
            .await
            .0,
        404
    );

    let (_, log) = get(&format!("{address}/v1/changes?since=0")).await;
    let entries: Vec<(&str, &str)> = log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["op"].as_str().unwrap(), c["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("insert", "field-editor"),
            ("update", "field-editor"),
            ("delete", "admin")
        ]
    );
    // What changed, field by field: the edit's three fields; the deleted incident whole.
    let update = &log["changes"][1]["fields"];
    assert_eq!(
        update,
        &json!([
            {"field": "killed", "before": "1", "after": "3"},
            {"field": "killed_children", "before": "0", "after": "2"},
            {"field": "notes", "before": null, "after": "تصحيح"},
        ]),
        "{log}"
    );
    let deleted = log["changes"][2]["fields"].as_array().unwrap();
    for (field, before) in [("weapon", "drone"), ("killed", "3"), ("notes", "تصحيح")] {
        assert!(
            deleted.contains(&json!({"field": field, "before": before, "after": null})),
            "{field} in {deleted:?}"
        );
    }
    assert!(log["changes"][0]["fields"].is_null());
    assert!(log["changes"][2]["at"].as_str().unwrap().ends_with('Z'));
    let last = log["next_since"].as_i64().unwrap();
    let (_, tail) = get(&format!("{address}/v1/changes?since={last}")).await;
    assert!(tail["changes"].as_array().unwrap().is_empty());
}

async fn etags_answer_304_until_the_data_changes(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let url = format!("{address}/v1/stats?kind=attack");
    let response = client()
        .get(&url)
        .insert_header(("Origin", "https://reports.example.org"))
        .insert_header(("Accept-Encoding", "gzip"))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    let etag = headers.get("etag").unwrap().to_str().unwrap().to_owned();
    assert_eq!(headers.get("access-control-allow-origin").unwrap(), "*");
    assert_eq!(headers.get("content-encoding").unwrap(), "gzip");
    let again = client()
        .get(&url)
        .insert_header(("If-None-Match", etag.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let (_, before) = get(&url).await;
    post(
        &address,
        "/v1/incidents",
        Some(EDITOR_TOKEN),
        "application/json",
        ONE.into(),
    )
    .await;
    // The figures count the new attack: nothing computed before the write is served after.
    let (_, now) = get(&url).await;
    assert_eq!(
        now["incidents"].as_u64().unwrap(),
        before["incidents"].as_u64().unwrap() + 1
    );
    assert_eq!(
        now["killed"].as_u64().unwrap(),
        before["killed"].as_u64().unwrap() + 1
    );
    let after = client()
        .get(&url)
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status().as_u16(), 200, "a write changes the ETag");
    let head = client().head(&url).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
}

async fn writes_by_another_process_reach_the_snapshot(backend: Backend) {
    let store = TestStore::new(backend).await;
    let settings = store.settings(false);
    let address = store.spawn_with(settings.clone()).await;
    import_elsewhere(&settings, ONE).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if get(&format!("{address}/healthz")).await.1["incidents"] == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the write never reached the server's snapshot"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// With the database gone, reads are answered from the snapshot, `/readyz` says so,
/// writes answer 503 with `Retry-After`; when it returns, writes resume.
#[actix_web::test]
async fn reads_are_answered_while_the_database_is_away() {
    use sqlx::{Connection, Executor};
    let store = TestStore::new(Backend::Postgres).await;
    let address = store.spawn(true).await;
    let database = store.database.as_ref().unwrap();
    let name = database.url().rsplit('/').next().unwrap().to_owned();
    let mut admin = sqlx::PgConnection::connect(&athar_test_support::server_url())
        .await
        .unwrap();
    let (_, before) = get(&format!("{address}/v1/stats?kind=attack")).await;
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false"
        )))
        .await
        .unwrap();
    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )))
        .await
        .unwrap();

    let (status, during) = get(&format!("{address}/v1/stats?kind=attack")).await;
    assert_eq!((status, &during), (200, &before));
    let (status, page) = get(&format!("{address}/collections/incidents/items?limit=5")).await;
    assert_eq!((status, page["numberReturned"].as_u64()), (200, Some(5)));
    let (status, ready) = get(&format!("{address}/readyz")).await;
    assert_eq!((status, ready["database"].as_str()), (503, Some("down")));
    let response = client()
        .post(format!("{address}/v1/incidents"))
        .insert_header(("Authorization", format!("Bearer {EDITOR_TOKEN}")))
        .insert_header(("Content-Type", "application/json"))
        .send_body(ONE)
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "5");

    admin
        .execute(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS true"
        )))
        .await
        .unwrap();
    assert_eq!(get(&format!("{address}/readyz")).await.0, 200);
    let (status, report, _) = post(
        &address,
        "/v1/incidents",
        Some(EDITOR_TOKEN),
        "application/json",
        ONE.into(),
    )
    .await;
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
}

both_backends!(a_restart_starts_from_the_cached_snapshot_and_catches_up);

/// A second start on the same data folder reads the cached snapshot, applies what the
/// change log added meanwhile, and serves the same numbers as a full load.
async fn a_restart_starts_from_the_cached_snapshot_and_catches_up(backend: Backend) {
    let store = TestStore::new(backend).await;
    let settings = store.settings(true);
    let first = store.spawn_with(settings.clone()).await;
    let (_, health) = get(&format!("{first}/healthz")).await;
    assert_eq!(health["loaded_from"], "store");
    // The first start caches its snapshot in the background.
    let cache = settings.data_dir.join("snapshot.cache");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !cache.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "no cached snapshot was written"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Written while no server of this folder is looking: only the change log knows.
    import_elsewhere(&settings, ONE).await;
    let second = store.spawn_with(settings.clone()).await;
    let (_, restarted) = get(&format!("{second}/healthz")).await;
    assert_eq!(restarted["loaded_from"], "cache");
    assert_eq!(
        restarted["incidents"].as_u64(),
        health["incidents"].as_u64().map(|n| n + 1)
    );
    let stats =
        |address: String| async move { get(&format!("{address}/v1/stats?kind=attack")).await.1 };
    // A third server with no cache (another folder) computes the same statistics.
    let mut fresh_settings = settings.clone();
    fresh_settings.data_dir = store.dir.path().join("elsewhere");
    if fresh_settings.database_url.is_none() {
        // SQLite keeps its store in the data folder: point at the same file instead.
        fresh_settings.database_url = Some(athar_server::Secret::new(format!(
            "sqlite://{}",
            settings.data_dir.join("athar.db").display()
        )));
    }
    let third = store.spawn_with(fresh_settings).await;
    assert_eq!(
        get(&format!("{third}/healthz")).await.1["loaded_from"],
        "store"
    );
    assert_eq!(stats(second).await, stats(third).await);
}

/// Writes are limited per token and per address; a refused write says when to come back
/// and stores nothing.
#[actix_web::test]
async fn writes_are_limited_per_token_and_per_address() {
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.write_rate_per_token = 2;
    settings.write_rate_per_ip = 1_000;
    let address = store.spawn_with(settings).await;
    let body = |n: u32| ONE.replace("\"w1\"", &format!("\"rate-{n}\""));
    for n in 0..2 {
        let (status, _, _) = post(
            &address,
            "/v1/incidents",
            Some(EDITOR_TOKEN),
            "application/json",
            body(n),
        )
        .await;
        assert_eq!(status, 200);
    }
    let response = client()
        .post(format!("{address}/v1/incidents"))
        .insert_header(("Content-Type", "application/json"))
        .insert_header(("Authorization", format!("Bearer {EDITOR_TOKEN}")))
        .send_body(body(2))
        .await
        .unwrap();
    let retry: u64 = response
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (status, problem) = body_of(response).await;
    assert_eq!(status, 429, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("field-editor"),
        "{problem}"
    );
    // Another token is not held back by the first one's writes.
    let (status, _, _) = post(
        &address,
        "/v1/incidents",
        Some(ADMIN_TOKEN),
        "application/json",
        body(3),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(get(&format!("{address}/healthz")).await.1["incidents"], 3);

    // Per address: every token from one address shares the limit, and a token-less
    // request counts too (guessing tokens is limited).
    let store = TestStore::new(Backend::Sqlite).await;
    let mut settings = store.settings(false);
    settings.write_rate_per_token = 1_000;
    settings.write_rate_per_ip = 3;
    let address = store.spawn_with(settings).await;
    let (status, _, _) = post(
        &address,
        "/v1/incidents",
        Some("a-guess"),
        "application/json",
        body(0),
    )
    .await;
    assert_eq!(status, 401);
    for (n, token) in [(1, EDITOR_TOKEN), (2, ADMIN_TOKEN)] {
        let (status, _, _) = post(
            &address,
            "/v1/incidents",
            Some(token),
            "application/json",
            body(n),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, problem, _) = post(
        &address,
        "/v1/incidents",
        Some(ADMIN_TOKEN),
        "application/json",
        body(4),
    )
    .await;
    assert_eq!(status, 429, "{problem}");
    assert!(
        problem["detail"].as_str().unwrap().contains("127.0.0.1"),
        "{problem}"
    );
    // Reads are not limited.
    for _ in 0..10 {
        assert_eq!(get(&format!("{address}/v1/stats")).await.0, 200);
    }
}

/// Two Athar servers on one PostgreSQL: a write through one is read through the other
/// within a second (the change log is polled every 250 ms), in both directions.
#[actix_web::test]
async fn two_replicas_on_one_database_agree_within_a_second() {
    let store = TestStore::new(Backend::Postgres).await;
    let first = store.spawn(true).await;
    let mut second_settings = store.settings(false);
    second_settings.data_dir = store.dir.path().join("replica");
    let second = store.spawn_with(second_settings).await;
    let count = |address: String| async move {
        get(&format!("{address}/healthz")).await.1["incidents"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(first.clone()).await, count(second.clone()).await);
    for (n, (writer, reader)) in [(&first, &second), (&second, &first)]
        .into_iter()
        .enumerate()
    {
        let before = count(reader.clone()).await;
        let (status, report, _) = post(
            writer,
            "/v1/incidents",
            Some(EDITOR_TOKEN),
            "application/json",
            ONE.replace("\"w1\"", &format!("\"replica-{n}\"")),
        )
        .await;
        assert_eq!(status, 200, "{report}");
        let written = std::time::Instant::now();
        while count(reader.clone()).await != before + 1 {
            assert!(
                written.elapsed() < std::time::Duration::from_secs(1),
                "the write through one server was not read through the other within a second"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    // And they answer the same numbers.
    let stats = |address: String| async move { get(&format!("{address}/v1/stats")).await.1 };
    assert_eq!(stats(first).await, stats(second).await);
}
