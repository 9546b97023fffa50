//! Several replicas behind a cache, as `docker-compose.yml`'s "replicas" profile runs them,
//! with processes: two `athar serve` on one PostGIS database, and Debian's nginx in front
//! with `deploy/nginx/templates/athar.conf.template` (filled for loopback). Checks that
//! nginx spreads requests over both replicas, keeps public answers (a tile is made once,
//! then served from its cache, per encoding), answers ETags with 304, never keeps or
//! serves from its cache a token holder's answers, does not pass /metrics, and that a
//! write through it reaches both replicas.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use athar_e2e::{Run as _, Server, Target, post_json, wait_until, workspace_root};

const TOKEN: &str = "replicas-test-admin-token";

/// nginx in the foreground, stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    /// A graceful stop: killed outright, nginx's master would leave its workers behind.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-QUIT", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// nginx with the deployment's template, in `dir`, over `upstreams`.
fn start_nginx(dir: &std::path::Path, upstreams: [&str; 2]) -> (Nginx, String) {
    let port = free_port();
    let template = std::fs::read_to_string(
        workspace_root().join("deploy/nginx/templates/athar.conf.template"),
    )
    .unwrap();
    let cache = dir.join("cache");
    let site = template
        .replace("${ATHAR_UPSTREAM_1}", upstreams[0])
        .replace("${ATHAR_UPSTREAM_2}", upstreams[1])
        .replace("${NGINX_CACHE_DIR}", &cache.display().to_string())
        .replace("${NGINX_LISTEN}", &format!("127.0.0.1:{port}"));
    assert!(!site.contains("${"), "a placeholder left: {site}");
    std::fs::write(dir.join("athar.conf"), site).unwrap();
    let d = dir.display();
    // As root, nginx's workers would otherwise run as nobody, who may not write here.
    let user = if Command::new("id").arg("-u").run().stdout.starts_with(b"0") {
        "user root;\n"
    } else {
        ""
    };
    std::fs::write(
        dir.join("nginx.conf"),
        format!(
            "{user}worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
             scgi_temp_path {d}/scgi;\n  include {d}/athar.conf;\n}}\n"
        ),
    )
    .unwrap();
    // Held at once, so that it is stopped whatever happens next.
    let mut nginx = Nginx(
        Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx (scripts/test installs Debian's)"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let error_log = || std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
    wait_until(Duration::from_secs(20), "nginx answering", || {
        if let Some(status) = nginx.0.try_wait().unwrap() {
            panic!("nginx exited ({status}): {}", error_log());
        }
        head(&format!("{base}/healthz"), &[]).0 == 200
    });
    (nginx, base)
}

/// GET `url` with `headers`: the status and the answer's headers.
fn head(url: &str, headers: &[&str]) -> (u16, String) {
    let mut command = Command::new("curl");
    command.args(["-sS", "-o", "/dev/null", "-D", "-", "-w", "%{http_code}"]);
    for header in headers {
        command.args(["-H", header]);
    }
    let output = command.arg(url).run_within(Duration::from_mins(1));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (headers, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.trim().parse().unwrap_or(0), headers.to_owned())
}

/// The value of the header `name` (any case), lower-cased but for ETags.
fn header(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| {
            let value = value.trim();
            if name == "etag" {
                value.to_owned()
            } else {
                value.to_ascii_lowercase()
            }
        })
    })
}

/// The number of incidents `base` counts.
fn incidents(base: &str) -> u64 {
    athar_e2e::get_json(&format!("{base}/v1/stats")).unwrap()["incidents"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn two_replicas_behind_nginx_share_a_cache_that_keeps_no_token_holders_answers() {
    let target = Target::new(true).await;
    let ingested = target
        .athar()
        .arg("ingest")
        .arg(workspace_root().join("tests/fixtures/report-month-2024-04.csv"))
        .run();
    assert!(ingested.status.success());
    let replicas: Vec<Server> = (0..2)
        .map(|_| {
            Server::start(
                target
                    .athar()
                    .arg("serve")
                    .env("ATHAR_ADMIN_TOKEN", TOKEN)
                    // nginx's address: its X-Forwarded-* headers are believed.
                    .env("ATHAR_TRUSTED_PROXIES", "127.0.0.1"),
            )
        })
        .collect();
    let upstreams: Vec<String> = replicas
        .iter()
        .map(|server| server.base.trim_start_matches("http://").to_owned())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (_nginx, base) = start_nginx(dir.path(), [&upstreams[0], &upstreams[1]]);

    // Spread: requests no cache holds go to both replicas.
    let mut served_by = std::collections::BTreeSet::new();
    for day in 1..=12 {
        let (status, headers) = head(&format!("{base}/v1/stats?from=2024-04-{day:02}"), &[]);
        assert_eq!(status, 200);
        served_by.insert(header(&headers, "x-upstream").expect("nginx names the replica"));
    }
    assert_eq!(served_by.len(), 2, "{served_by:?}");

    // A tile: made once, then from the cache; per encoding; 304 for its ETag.
    let tile = format!("{base}/tiles/incidents/8/154/100.mvt?kind=attack");
    let (status, first) = head(&tile, &["Accept-Encoding: gzip"]);
    assert_eq!(
        (status, header(&first, "x-cache-status")),
        (200, Some("miss".to_owned())),
        "{first}"
    );
    let (_, again) = head(&tile, &["Accept-Encoding: gzip"]);
    assert_eq!(
        header(&again, "x-cache-status"),
        Some("hit".to_owned()),
        "{again}"
    );
    assert_eq!(header(&again, "content-encoding"), Some("gzip".to_owned()));
    let (_, plain) = head(&tile, &[]);
    assert_eq!(
        header(&plain, "content-encoding"),
        None,
        "a gzip copy served to a client that did not ask: {plain}"
    );
    let etag = header(&again, "etag").expect("an etag");
    let (status, _) = head(
        &tile,
        &["Accept-Encoding: gzip", &format!("If-None-Match: {etag}")],
    );
    assert_eq!(status, 304);

    // A token holder's answers are never taken from the cache, nor kept: after a token
    // holder's request for a tile no one asked for, an anonymous one still misses.
    let bearer = format!("Authorization: Bearer {TOKEN}");
    for _ in 0..2 {
        let (status, headers) = head(&tile, &["Accept-Encoding: gzip", &bearer]);
        assert_eq!(
            (status, header(&headers, "x-cache-status")),
            (200, Some("bypass".to_owned())),
            "{headers}"
        );
    }
    let fresh = format!("{base}/tiles/incidents/8/154/100.mvt?kind=fire");
    let (_, kept) = head(&fresh, &["Accept-Encoding: gzip", &bearer]);
    assert_eq!(
        header(&kept, "x-cache-status"),
        Some("bypass".to_owned()),
        "{kept}"
    );
    let (_, anonymous) = head(&fresh, &["Accept-Encoding: gzip"]);
    assert_eq!(
        header(&anonymous, "x-cache-status"),
        Some("miss".to_owned()),
        "{anonymous}"
    );
    // Metrics are read from each replica, not through the proxy.
    assert_eq!(head(&format!("{base}/metrics"), &[]).0, 404);

    // A write through nginx reaches both replicas.
    let before = incidents(&replicas[0].base);
    assert!(matches!(
        post_json(
            &format!("{base}/v1/incidents?source=replicas"),
            TOKEN,
            r#"{"source_id":"through-nginx","kind":"fire","occurred_on":"2024-04-20","community":"Idlib","latitude":35.93,"longitude":36.63}"#
        ),
        200 | 201
    ));
    wait_until(Duration::from_secs(5), "the write on both replicas", || {
        replicas
            .iter()
            .all(|server| incidents(&server.base) == before + 1)
    });
}

/// The read path of `--read-database-url`: snapshots loaded and the change log followed
/// from a second database standing for a streaming replica (a restored backup of the
/// store, then written to directly, as replication would), while writes go to the store.
#[tokio::test]
async fn a_replica_named_for_reads_is_where_snapshots_and_the_change_log_come_from() {
    let primary = Target::new(true).await;
    let ingested = primary
        .athar()
        .arg("ingest")
        .arg(workspace_root().join("tests/fixtures/report-month-2024-04.csv"))
        .run();
    assert!(ingested.status.success());
    let backup = primary.dir().join("for-the-replica.backup");
    assert!(
        primary
            .athar()
            .arg("backup")
            .arg(&backup)
            .run()
            .status
            .success()
    );
    let replica = Target::new(true).await;
    assert!(
        replica
            .athar()
            .arg("restore")
            .arg(&backup)
            .run()
            .status
            .success()
    );
    let replica_url = match &replica {
        Target::Postgres(database, _) => database.url().to_owned(),
        Target::Sqlite(_) => unreachable!("a PostGIS target"),
    };
    let server = Server::start(
        primary
            .athar()
            .arg("serve")
            .env("ATHAR_READ_DATABASE_URL", &replica_url)
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    let loaded = incidents(&server.base);
    assert_eq!(loaded, 494);
    // What reaches the replica reaches the server (the poll follows its change log).
    let csv = replica.dir().join("replicated.csv");
    std::fs::write(
        &csv,
        "kind,occurred_on,community,latitude,longitude\nfire,2024-04-21,Idlib,35.93,36.63\n",
    )
    .unwrap();
    assert!(
        replica
            .athar()
            .arg("ingest")
            .arg(&csv)
            .run()
            .status
            .success()
    );
    wait_until(Duration::from_secs(5), "the replica's change", || {
        incidents(&server.base) == loaded + 1
    });
    // A write goes to the store, not to the replica: the store has it; the server shows it
    // once the replica does (here, never).
    assert!(matches!(
        post_json(
            &format!("{}/v1/incidents?source=replicas", server.base),
            TOKEN,
            r#"{"source_id":"to-the-store","kind":"fire","occurred_on":"2024-04-22","community":"Idlib","latitude":35.93,"longitude":36.63}"#
        ),
        200 | 201
    ));
    let exported = primary.dir().join("store.csv");
    assert!(
        primary
            .athar()
            .args(["export", "--out"])
            .arg(&exported)
            .run()
            .status
            .success()
    );
    assert!(
        std::fs::read_to_string(&exported)
            .unwrap()
            .contains("to-the-store")
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(incidents(&server.base), loaded + 1);
}
