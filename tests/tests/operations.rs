//! Running Athar for real: `/metrics` read by the reference Prometheus parser
//! (`prometheus_client` in `target/python-venv`, from `scripts/setup-python`), its counters
//! moving as requests are made, who may read it (`--metrics-from`), and the request log
//! as JSON lines (`--log-format json`): one line per request with its route template and
//! id, and never a token or a query's private fields.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use athar_e2e::{Run as _, Server, Target, get, post_json, wait_until, workspace_root};
use serde_json::Value;

const TOKEN: &str = "ops-test-token-4b7d1e";

/// GET `url` with curl, with these headers: (status, body).
fn fetch(url: &str, headers: &[&str]) -> (u16, String) {
    let mut command = Command::new("curl");
    command.args(["-sS", "--max-time", "60", "-w", "\n%{http_code}"]);
    for header in headers {
        command.args(["-H", header]);
    }
    let output = command.arg(url).run_within(Duration::from_mins(1));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or((&text, "0"));
    (status.trim().parse().unwrap_or(0), body.to_owned())
}

/// Every sample of a metrics text, as the reference parser reads it.
fn parsed(text: &str) -> Vec<Value> {
    let mut child = Command::new(workspace_root().join("target/python-venv/bin/python"))
        .arg(workspace_root().join("tests/clients/metrics_check.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("target/python-venv (scripts/setup-python makes it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the Prometheus parser refused /metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The value of the sample `name` whose labels include `labels`.
fn sample(samples: &[Value], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s["name"] == name
                && labels
                    .iter()
                    .all(|(key, value)| s["labels"][*key] == *value)
        })
        .and_then(|s| s["value"].as_f64())
}

#[test]
#[allow(clippy::float_cmp)] // whole counts, exactly
fn metrics_move_with_requests_and_the_request_log_keeps_no_secret() {
    let target = Target::sqlite();
    let server = Server::start(
        target
            .athar()
            .args(["serve", "--demo", "--log-format", "json"])
            .env("RUST_LOG", "info")
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    let base = &server.base;
    let tile = format!("{base}/tiles/incidents/8/154/100.mvt?kind=attack");
    let first = parsed(&fetch(&format!("{base}/metrics"), &[]).1);
    let route = [("route", "/tiles/incidents/{z}/{x}/{y}"), ("status", "200")];
    let before = sample(&first, "athar_http_requests_total", &route).unwrap_or(0.0);
    let hits_before = sample(
        &first,
        "athar_tile_cache_hits_total",
        &[("layer", "incidents")],
    )
    .unwrap_or(0.0);
    // A tile twice (made, then from the cache), a private filter, an import with a token
    // (two good rows and one bad), and a request carrying its own id.
    for _ in 0..2 {
        assert_eq!(fetch(&tile, &[]).0, 200);
    }
    assert_eq!(
        fetch(&format!("{base}/v1/stats?community=SecretVillageName"), &[]).0,
        200
    );
    let csv = target.dir().join("two-good-one-bad.csv");
    std::fs::write(
        &csv,
        "kind,occurred_on,community,latitude,longitude,killed,injured\n\
         fire,2024-04-03,Idlib,35.93,36.63,0,1\n\
         fire,2024-04-04,Sarmada,36.18,36.72,0,0\n\
         fire,not-a-date,Idlib,35.93,36.63,0,0\n",
    )
    .unwrap();
    let imported = Command::new("curl")
        .args([
            "-sS",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {TOKEN}"),
        ])
        .args(["-H", "Content-Type: text/csv", "--data-binary"])
        .arg(format!("@{}", csv.display()))
        .arg(format!("{base}/v1/imports?source=ops-test"))
        .run_within(Duration::from_mins(1));
    let report: Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(
        (
            report["accepted"].as_u64(),
            report["rejected_rows"].as_u64()
        ),
        (Some(2), Some(1)),
        "{report}"
    );
    let answered = Command::new("curl")
        .args([
            "-sS",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-H",
            "X-Request-Id: ops-check-42",
        ])
        .arg(format!("{base}/healthz"))
        .run_within(Duration::from_mins(1));
    let headers = String::from_utf8_lossy(&answered.stdout).to_ascii_lowercase();
    assert!(headers.contains("x-request-id: ops-check-42"), "{headers}");
    // An id that is not a plain one is replaced, not logged.
    assert_eq!(
        fetch(&format!("{base}/healthz"), &["X-Request-Id: <script>"]).0,
        200
    );

    // The counters moved, by route template, and the gauges say what the server holds.
    let metrics = fetch(&format!("{base}/metrics"), &[]);
    assert_eq!(metrics.0, 200);
    let after = parsed(&metrics.1);
    let requests = sample(&after, "athar_http_requests_total", &route).unwrap();
    assert!(requests >= before + 2.0, "{before} → {requests}");
    assert!(
        !metrics.1.contains("/tiles/incidents/8/"),
        "routes are templates, never raw paths"
    );
    let hits = sample(
        &after,
        "athar_tile_cache_hits_total",
        &[("layer", "incidents")],
    )
    .unwrap();
    assert!(hits > hits_before, "{hits_before} → {hits}");
    assert!(
        sample(
            &after,
            "athar_tile_cache_misses_total",
            &[("layer", "incidents")]
        )
        .unwrap()
            >= 1.0
    );
    assert!(sample(&after, "athar_tile_cache_bytes", &[("layer", "incidents")]).unwrap() > 0.0);
    assert!(
        sample(
            &after,
            "athar_http_request_duration_seconds_count",
            &[("route", "/tiles/incidents/{z}/{x}/{y}")]
        )
        .unwrap()
            >= 2.0
    );
    assert!(
        sample(
            &after,
            "athar_http_response_bytes_total",
            &[("route", "/tiles/incidents/{z}/{x}/{y}")]
        )
        .unwrap()
            > 0.0
    );
    assert_eq!(
        sample(
            &after,
            "athar_import_rows_total",
            &[("outcome", "accepted")]
        ),
        Some(
            2.0 + sample(
                &first,
                "athar_import_rows_total",
                &[("outcome", "accepted")]
            )
            .unwrap_or(0.0)
        )
    );
    assert_eq!(
        sample(
            &after,
            "athar_import_rows_total",
            &[("outcome", "rejected")]
        ),
        Some(
            1.0 + sample(
                &first,
                "athar_import_rows_total",
                &[("outcome", "rejected")]
            )
            .unwrap_or(0.0)
        )
    );
    // The snapshot gauge counts the two imported incidents within a moment.
    let before_import = sample(&first, "athar_snapshot_incidents", &[]).unwrap();
    wait_until(
        Duration::from_secs(5),
        "the imported incidents in the gauge",
        || {
            sample(
                &parsed(&fetch(&format!("{base}/metrics"), &[]).1),
                "athar_snapshot_incidents",
                &[],
            ) == Some(before_import + 2.0)
        },
    );
    assert!(sample(&after, "athar_snapshot_version", &[]).unwrap() >= 1.0);
    assert!(sample(&after, "athar_change_log_sequence", &[]).unwrap() >= 2.0);
    assert!(sample(&after, "athar_db_pool_connections", &[("state", "open")]).unwrap() >= 1.0);
    assert!(sample(&after, "athar_process_resident_memory_bytes", &[]).unwrap() > 1e6);
    assert!(sample(&after, "athar_process_cpu_seconds_total", &[]).unwrap() > 0.0);

    // The request log: JSON lines, one per request, with the route template and the id;
    // never the token, nor a private filter's value.
    // (A line is written once its answer is sent.)
    wait_until(Duration::from_secs(5), "the request log's lines", || {
        server
            .log()
            .iter()
            .any(|line| line.contains("ops-check-42"))
    });
    let log = server.log();
    let requests: Vec<Value> = log
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["target"] == "athar::request")
        .collect();
    for line in &requests {
        for field in [
            "method",
            "route",
            "status",
            "bytes",
            "duration_ms",
            "request_id",
        ] {
            assert!(!line[field].is_null(), "{field} missing: {line}");
        }
    }
    assert!(
        requests
            .iter()
            .any(|line| line["route"] == "/tiles/incidents/{z}/{x}/{y}"
                && line["bytes"].as_u64() > Some(0))
    );
    assert!(
        requests
            .iter()
            .any(|line| line["request_id"] == "ops-check-42")
    );
    assert!(
        requests
            .iter()
            .any(|line| line["route"] == "/v1/imports" && line["token"] == "admin")
    );
    assert!(!requests.iter().any(|line| line["request_id"] == "<script>"));
    for line in &log {
        assert!(!line.contains(TOKEN), "the token in the log: {line}");
        assert!(
            !line.contains("SecretVillageName"),
            "a private filter in the log: {line}"
        );
    }
}

#[test]
fn metrics_are_open_to_loopback_by_default_and_as_configured_otherwise() {
    let target = Target::sqlite();
    // Only a network this machine is not in: refused, whoever asks.
    let elsewhere = Server::start(
        target
            .athar()
            .args(["serve", "--metrics-from", "10.0.0.0/8"])
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    assert_eq!(fetch(&format!("{}/metrics", elsewhere.base), &[]).0, 403);
    drop(elsewhere);
    // Tokens: refused without one, answered with one.
    let tokens = Server::start(
        target
            .athar()
            .args(["serve", "--metrics-from", "token"])
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    let url = format!("{}/metrics", tokens.base);
    assert_eq!(fetch(&url, &[]).0, 403);
    assert_eq!(
        fetch(&url, &[&format!("Authorization: Bearer {TOKEN}")]).0,
        200
    );
    drop(tokens);
    // A bad list is refused at start, naming the entry.
    let refused = target
        .athar()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--metrics-from",
            "10.0.0.0/99",
        ])
        .run();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("10.0.0.0/99"));
    // The default: loopback.
    let default = Server::start(target.athar().arg("serve"));
    let (status, body) = fetch(&format!("{}/metrics", default.base), &[]);
    assert_eq!(status, 200);
    assert!(!parsed(&body).is_empty());
    assert_eq!(get(&format!("{}/healthz", default.base)).status, 200);
}

/// POSTs one incident to `base` with `token`: the status.
fn write_one(base: &str, token: &str, source_id: &str) -> u16 {
    let body = format!(
        r#"{{"source_id":"{source_id}","kind":"attack","occurred_on":"2024-05-02","community":"سرمين","latitude":35.904,"longitude":36.725,"weapon":"drone","killed":1}}"#
    );
    post_json(&format!("{base}/v1/incidents?source=ops"), token, &body)
}

/// Tokens from the command line: made (printed once), known to two servers of one
/// PostGIS database, listed with their last use, and refused by the other server within
/// two seconds of being revoked; expired ones refused, names never reused.
#[tokio::test]
async fn tokens_made_and_revoked_from_the_command_line_reach_every_server() {
    let target = Target::new(true).await;
    let first = Server::start(target.athar().arg("serve"));
    let second = Server::start(target.athar().arg("serve"));
    let created = target
        .athar()
        .args(["token", "create", "field-team", "--role", "editor"])
        .run();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("athar_") && token.len() >= 50, "{token}");
    // Made on the command line, known to both servers within a second or two (each reads
    // the tokens every second, on its own clock).
    let started = std::time::Instant::now();
    let mut accepted_by = [false, false];
    while started.elapsed() < Duration::from_secs(3) && accepted_by != [true, true] {
        for (at, server) in [&second, &first].into_iter().enumerate() {
            if !accepted_by[at] {
                accepted_by[at] = matches!(
                    write_one(&server.base, &token, &format!("t{at}")),
                    200 | 201
                );
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        accepted_by,
        [true, true],
        "not accepted within {:?}",
        started.elapsed()
    );
    // Readers may not write; a token past its expiry is refused, one before it is not.
    let made = |name: &str, role: &str, expires: Option<&str>| {
        let mut command = target.athar();
        command.args(["token", "create", name, "--role", role]);
        if let Some(day) = expires {
            command.args(["--expires", day]);
        }
        let output = command.run();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let reader = made("analyst", "reader", None);
    let expired = made("old-team", "editor", Some("2020-01-31"));
    let current = made("new-team", "editor", Some("2099-12-31"));
    // The servers read the stored tokens all at once: once one made now is known, all are.
    wait_until(Duration::from_secs(3), "the new tokens", || {
        matches!(write_one(&first.base, &current, "t-current"), 200 | 201)
    });
    assert_eq!(write_one(&first.base, &reader, "t-reader"), 403);
    assert_eq!(write_one(&first.base, &expired, "t-expired"), 401);
    // A name is never reused.
    let again = target
        .athar()
        .args(["token", "create", "field-team", "--role", "admin"])
        .run();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("field-team"));
    // The list: names, roles, expiry, and the last use within the ten seconds it is kept.
    let mut listed = String::new();
    for _ in 0..30 {
        listed = String::from_utf8(target.athar().args(["token", "list"]).run().stdout).unwrap();
        let line = listed
            .lines()
            .find(|line| line.starts_with("field-team\t"))
            .unwrap_or("");
        if !line.ends_with("\t-\t-") && !line.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let line = listed
        .lines()
        .find(|line| line.starts_with("field-team\t"))
        .unwrap();
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!((fields[1], fields[2]), ("editor", "-"), "{listed}");
    assert_ne!(fields[4], "-", "no last use: {listed}");
    assert!(listed.contains("old-team\teditor\t2020-01-31"), "{listed}");
    assert!(!listed.contains(&token), "the list shows no token");
    // Revoked: the other server refuses it within two seconds.
    let revoked = target.athar().args(["token", "revoke", "field-team"]).run();
    assert!(revoked.status.success());
    // Each server reads the tokens every second, each on its own clock: both refuse it
    // within two seconds of the revocation.
    let started = std::time::Instant::now();
    let mut refused = [false, false];
    while started.elapsed() < Duration::from_secs(2) && refused != [true, true] {
        for (at, server) in [&second, &first].into_iter().enumerate() {
            if !refused[at] && write_one(&server.base, &token, &format!("t-after-{at}")) == 401 {
                refused[at] = true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        refused,
        [true, true],
        "still accepted {:?} after the revocation",
        started.elapsed()
    );
    assert!(
        !target
            .athar()
            .args(["token", "revoke", "field-team"])
            .run()
            .status
            .success()
    );
}

/// The CLI at its default level writes its progress, report and real errors, and no log
/// lines: no SQL, no driver notes (sqlx's slow-statement warnings carried whole SQL
/// statements), nothing at info.
#[test]
fn the_command_line_logs_nothing_but_its_progress_and_report() {
    let target = Target::sqlite();
    let mut command = target.athar();
    command
        .env_remove("RUST_LOG")
        .arg("ingest")
        .arg(workspace_root().join("tests/fixtures/report-month-2024-04.csv"));
    let output = command.run();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    for line in stderr.lines() {
        assert!(
            !line.contains(" INFO ") && !line.contains(" WARN ") && !line.contains("sqlx"),
            "a log line from the CLI: {line}"
        );
        assert!(
            !line.to_ascii_uppercase().contains("INSERT INTO"),
            "SQL on the terminal: {line}"
        );
    }
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        report.contains(": 494 accepted, 0 updated, 0 unchanged, 0 rejected"),
        "the report: {report}"
    );
}
