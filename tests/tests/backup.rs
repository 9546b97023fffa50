//! Backups that restore, on both stores: `athar backup` while a server answers reads and
//! takes writes, then `athar restore` into an empty store, compared table by table
//! (Python's sqlite3 or psql reading every row), and a server started on the restored
//! store answering the same statistics and tiles as the original.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use athar_e2e::{Run as _, Server, Target, get, post_json, wait_until, workspace_root};

const TOKEN: &str = "backup-test-admin-token";

/// POSTs one incident: whether it was taken.
fn write_one(base: &str, n: u64) -> bool {
    let body = format!(
        r#"{{"source_id":"load-{n}","kind":"fire","occurred_on":"2024-04-{day:02}","community":"Idlib","latitude":35.93,"longitude":36.63,"killed":0,"injured":1}}"#,
        day = n % 28 + 1
    );
    matches!(
        post_json(&format!("{base}/v1/incidents?source=load"), TOKEN, &body),
        200 | 201
    )
}

async fn backups_taken_under_load_restore_table_by_table(postgres: bool) {
    let original = Target::new(postgres).await;
    let ingested = original
        .athar()
        .arg("ingest")
        .arg(workspace_root().join("tests/fixtures/report-month-2024-04.csv"))
        .run();
    assert!(
        ingested.status.success(),
        "{}",
        String::from_utf8_lossy(&ingested.stderr)
    );
    let token = original
        .athar()
        .args(["token", "create", "field-team", "--role", "editor"])
        .run();
    assert!(token.status.success());
    let server = Server::start(
        original
            .athar()
            .arg("serve")
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    let base = server.base.clone();
    // Load: reads and writes, until the backup is written.
    let running = Arc::new(AtomicBool::new(true));
    let written = Arc::new(AtomicU64::new(0));
    let load = {
        let (running, written, base) = (Arc::clone(&running), Arc::clone(&written), base.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while running.load(Ordering::Relaxed) {
                n += 1;
                if write_one(&base, n) {
                    written.fetch_add(1, Ordering::Relaxed);
                }
                assert_eq!(get(&format!("{base}/v1/stats?kind=fire")).status, 200);
            }
        })
    };
    let writes = Duration::from_mins(1);
    wait_until(writes, "three writes before the backup", || {
        written.load(Ordering::Relaxed) >= 3
    });
    let busy = original.dir().join("under-load.backup");
    let backed_up = original.athar().arg("backup").arg(&busy).run();
    assert!(
        backed_up.status.success(),
        "{}",
        String::from_utf8_lossy(&backed_up.stderr)
    );
    // Writes the backup cannot hold: made after it was written.
    let at_backup = written.load(Ordering::Relaxed);
    wait_until(writes, "writes after the backup", || {
        written.load(Ordering::Relaxed) >= at_backup + 2
    });
    running.store(false, Ordering::Relaxed);
    load.join().unwrap();
    // A backup never overwrites.
    assert!(
        !original
            .athar()
            .arg("backup")
            .arg(&busy)
            .run()
            .status
            .success()
    );

    // The backup taken under load: an earlier state. Each table's rows were all in the
    // original, as they were; the load's later writes are missing.
    let restored = Target::new(postgres).await;
    let done = restored.athar().arg("restore").arg(&busy).run();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let (now, then) = (original.tables(), restored.tables());
    assert_eq!(
        now.keys().collect::<Vec<_>>(),
        then.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for table in [
        "incidents",
        "changes",
        "releases",
        "vocabulary_terms",
        "_sqlx_migrations",
    ] {
        let rows = &now[table];
        let missing: Vec<&String> = then[table]
            .iter()
            .filter(|row| !rows.contains(row))
            .collect();
        assert!(
            missing.is_empty(),
            "{table}: {} rows not in the original: {:?}",
            missing.len(),
            missing.first()
        );
    }
    assert!(
        then["incidents"].len() >= 494 + 3,
        "{}",
        then["incidents"].len()
    );
    assert!(
        then["incidents"].len() < now["incidents"].len(),
        "the load's later writes are not in it"
    );
    assert_eq!(then["tokens"].len(), 1);
    // Not into a store that holds incidents.
    let again = restored.athar().arg("restore").arg(&busy).run();
    assert!(!again.status.success());

    // Quiet now: a second backup restores every table exactly, and a server on it answers
    // what the original does.
    let quiet = original.dir().join("quiet.backup");
    assert!(
        original
            .athar()
            .arg("backup")
            .arg(&quiet)
            .run()
            .status
            .success()
    );
    let copy = Target::new(postgres).await;
    let done = copy.athar().arg("restore").arg(&quiet).run();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let (now, copied) = (original.tables(), copy.tables());
    for (table, rows) in &now {
        assert_eq!(rows, &copied[table], "{table} differs");
    }
    let second = Server::start(copy.athar().arg("serve"));
    for path in [
        "/v1/stats",
        "/v1/stats?kind=attack&from=2024-04-01&to=2024-04-30",
        "/v1/communities/counts?kind=fire",
    ] {
        let (a, b) = (
            get(&format!("{base}{path}")),
            get(&format!("{}{path}", second.base)),
        );
        assert_eq!((a.status, &a.body), (b.status, &b.body), "{path}");
    }
    for tile in [
        "/tiles/incidents/8/154/100.mvt",
        "/tiles/incidents/10/616/402.mvt?kind=fire",
    ] {
        let (a, b) = (
            get(&format!("{base}{tile}")),
            get(&format!("{}{tile}", second.base)),
        );
        assert_eq!(a.status, 200, "{tile}");
        assert!(a.body == b.body, "{tile} differs");
    }
}

#[tokio::test]
async fn backups_restore_on_the_embedded_store() {
    backups_taken_under_load_restore_table_by_table(false).await;
}

#[tokio::test]
async fn backups_restore_on_postgis() {
    backups_taken_under_load_restore_table_by_table(true).await;
}
