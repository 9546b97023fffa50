//! A real PostgreSQL stopped and started under a running Athar: a private cluster of this
//! test's own (initdb in a temporary folder, on a free port), so that stopping it touches
//! nothing else. Reads keep answering from the snapshot, `/readyz` says the database is
//! down while `/healthz` stays up, writes answer 503 with `Retry-After` and store nothing,
//! and when PostgreSQL is back writes resume without a restart, every accepted write in
//! the change log.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{EDITOR_TOKEN, TestStore, client, get};

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL cluster run by the `postgres` user (PostgreSQL refuses root) in a folder
/// of its own; stopped and removed on drop.
struct PrivateCluster {
    dir: tempfile::TempDir,
    port: u16,
}

fn as_postgres(command: &str) -> std::process::Output {
    let output = Command::new("su")
        .args(["postgres", "-c", command])
        .output()
        .expect("su postgres (scripts/test runs as root and installs PostgreSQL 15)");
    assert!(
        output.status.success(),
        "{command}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

impl PrivateCluster {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { dir, port };
        as_postgres(&format!(
            "{BIN}/initdb -D {} -A trust -U postgres --no-sync -E UTF8 --locale C.UTF-8",
            cluster.data().display()
        ));
        cluster.run();
        as_postgres(&format!(
            "{BIN}/psql -h 127.0.0.1 -p {port} -U postgres -qc 'CREATE DATABASE athar' -d postgres"
        ));
        as_postgres(&format!(
            "{BIN}/psql -h 127.0.0.1 -p {port} -U postgres -qc 'CREATE EXTENSION postgis' -d athar"
        ));
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/athar", self.port)
    }

    fn run(&self) {
        as_postgres(&format!(
            "{BIN}/pg_ctl -D {} -w -l {}/log -o \"-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off\" start",
            self.data().display(),
            self.dir.path().display(),
            self.port,
            self.socket_dir().display()
        ));
    }

    fn stop(&self) {
        as_postgres(&format!(
            "{BIN}/pg_ctl -D {} -w -m fast stop",
            self.data().display()
        ));
    }

    fn count(&self, sql: &str) -> u64 {
        let output = as_postgres(&format!(
            "{BIN}/psql -h 127.0.0.1 -p {} -U postgres -d athar -Atqc \"{sql}\"",
            self.port
        ));
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new("su")
            .args([
                "postgres",
                "-c",
                &format!(
                    "{BIN}/pg_ctl -D {} -w -m immediate stop",
                    self.data().display()
                ),
            ])
            .output();
    }
}

async fn write(address: &str, source_id: &str) -> (u16, Option<String>, Value) {
    let body = format!(
        r#"{{"source_id":"{source_id}","kind":"fire","occurred_on":"2024-05-02","community":"إدلب","latitude":35.93,"longitude":36.63}}"#
    );
    let mut response = client()
        .post(format!("{address}/v1/incidents"))
        .insert_header(("Authorization", format!("Bearer {EDITOR_TOKEN}")))
        .insert_header(("Content-Type", "application/json"))
        .send_body(body)
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.body().await.unwrap();
    (
        status,
        retry,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[actix_web::test]
async fn stopping_and_starting_postgresql_loses_no_read_and_no_write() {
    let cluster = actix_web::rt::task::spawn_blocking(PrivateCluster::start)
        .await
        .unwrap();
    let store = TestStore::new(crate::support::Backend::Sqlite).await;
    let mut settings = store.settings(true);
    settings.database_url = Some(athar_server::DatabaseUrl::new(cluster.url()));
    let address = store.spawn_with(settings).await;
    let (_, before) = get(&format!("{address}/v1/stats?kind=attack")).await;
    let (status, accepted, _) = write(&address, "before").await;
    assert_eq!((status, accepted), (200, None));
    let stored_before = cluster.count("SELECT count(*) FROM incidents");

    let cluster = actix_web::rt::task::spawn_blocking(move || {
        cluster.stop();
        cluster
    })
    .await
    .unwrap();
    // Reads: every one answered, the same as before.
    for path in [
        "/v1/stats?kind=attack",
        "/collections/incidents/items?limit=5",
        "/v1/communities/counts?limit=5",
        "/tiles/incidents/8/153/102.mvt",
    ] {
        let (status, _) = get(&format!("{address}{path}")).await;
        assert!(status == 200 || status == 204, "{path}: {status}");
    }
    assert_eq!(
        get(&format!("{address}/v1/stats?kind=attack")).await.1,
        before
    );
    let (status, ready) = get(&format!("{address}/readyz")).await;
    assert_eq!((status, ready["database"].as_str()), (503, Some("down")));
    assert_eq!(get(&format!("{address}/healthz")).await.0, 200);
    // Writes: refused with a time to come back, none stored.
    for n in 0..3 {
        let (status, retry, _) = write(&address, &format!("during-{n}")).await;
        assert_eq!(status, 503);
        assert!(retry.is_some(), "503 without Retry-After");
    }

    let cluster = actix_web::rt::task::spawn_blocking(move || {
        cluster.run();
        cluster
    })
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while get(&format!("{address}/readyz")).await.0 != 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "/readyz never came back"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, _, report) = write(&address, "after").await;
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    // Exactly the accepted writes are stored and logged; nothing of the refused ones.
    assert_eq!(
        cluster.count("SELECT count(*) FROM incidents"),
        stored_before + 1
    );
    assert_eq!(
        cluster.count("SELECT count(*) FROM incidents WHERE source_id LIKE 'during-%'"),
        0
    );
    assert_eq!(
        cluster.count(
            "SELECT count(*) FROM changes c JOIN incidents i ON i.id = c.incident_id WHERE i.source_id IN ('before', 'after') AND c.op = 'insert'"
        ),
        2
    );
    // And the snapshot caught up without a restart.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, page) = get(&format!(
            "{address}/collections/incidents/items?kind=fire&from=2024-05-02&to=2024-05-02&limit=100"
        ))
        .await;
        let ids: Vec<&str> = page["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["properties"]["source_id"].as_str())
            .collect();
        if ids.contains(&"after") && ids.contains(&"before") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{ids:?}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
