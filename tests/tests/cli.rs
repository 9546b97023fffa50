//! The `athar` binary as a user runs it, against SQLite and a fresh PostGIS database.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use athar_e2e::{Run as _, Server, Target, binary, both_backends};
use athar_store::Store;
use serde_json::Value;

fn ingest_json(target: &Target, file: &Path) -> (i32, Value, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = target.athar().args(["ingest", "--json"]).arg(file).run();
    let report = serde_json::from_slice(&stdout).unwrap_or(Value::Null);
    (
        status.code().unwrap(),
        report,
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

const GOOD: &str = "\
source_id,kind,occurred_on,community,latitude,longitude,weapon,killed
c1,attack,2024-04-01,سرمين,35.904,36.725,artillery,0
c2,attack,2024-04-02,بلدة سرمين,35.905,36.726,drone,1
c3,fire,2024-04-03,إدلب,35.930,36.634,,0
";

both_backends!(
    ingest_reports_every_row_and_sets_the_exit_code,
    an_unreadable_file_fails_and_stores_nothing,
    killing_an_import_midway_stores_all_or_nothing,
    a_community_list_is_imported_and_names_resolve_against_it,
    export_writes_the_filtered_incidents_in_each_format,
);

async fn export_writes_the_filtered_incidents_in_each_format(target: Target) {
    let good = target.write("april.csv", GOOD);
    assert_eq!(ingest_json(&target, &good).0, 0);
    // Attacks only: two of the three rows, as CSV with its HXL row, in Arabic.
    let csv = target.dir().join("attacks.csv");
    let output = target
        .athar()
        .args(["export", "--kind", "attack", "--lang", "ar", "--out"])
        .arg(&csv)
        .run();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut reader =
        csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1 + 2, "the HXL row and two attacks");
    assert!(rows[0][0].starts_with('#'));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut ids: Vec<&str> = rows[1..].iter().map(|r| &r[column("source_id")]).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["c1", "c2"]);
    assert_eq!(&rows[1][column("kind_label")], "استهداف عسكري");

    // A GeoPackage that GDAL reads, with the same filter from a date.
    let gpkg = target.dir().join("since.gpkg");
    let output = target
        .athar()
        .args(["export", "--from", "2024-04-02", "--out"])
        .arg(&gpkg)
        .run();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let info = Command::new("ogrinfo")
        .args(["-so", "-ro"])
        .arg(&gpkg)
        .arg("incidents")
        .run();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("Feature Count: 2"), "{info}");

    // GeoJSON on standard output.
    let output = target
        .athar()
        .args([
            "export", "--format", "geojson", "--out", "-", "--kind", "fire",
        ])
        .run();
    let collection: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(collection["features"].as_array().unwrap().len(), 1);

    // Bad filters and formats are named, and nothing is written.
    for (arguments, expected) in [
        (&["--kind", "volcano"][..], "--kind"),
        (&["--from", "2024-02-30"][..], "--from"),
        (&["--format", "xlsx"][..], "xlsx"),
    ] {
        let output = target
            .athar()
            .args(["export", "--out"])
            .arg(target.dir().join("bad.csv"))
            .args(arguments)
            .run();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!target.dir().join("bad.csv").exists());
    }
}

async fn a_community_list_is_imported_and_names_resolve_against_it(target: Target) {
    // An organisation's list with its own point for OCHA's Ftireh (C4070): the list's
    // place replaces the bundled one of the same p-code.
    let list = target.write(
        "communities.csv",
        "admin1Name_en,admin1Pcode,admin4Name_en,admin4Name_ar,admin4Pcode,latitude,longitude\n\
         Idlib,SY07,Fatira,فطيرة,C4070,35.6461,36.4806\n\
         Idlib,SY07,Nowhere,مكان,C9999,95,36.5\n",
    );
    let import = |target: &Target| {
        let output = target
            .athar()
            .args(["gazetteer", "import"])
            .arg(&list)
            .run();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        (output.status.code().unwrap(), report)
    };
    let (code, report) = import(&target);
    assert_eq!(code, 2, "a rejected row sets exit code 2: {report}");
    assert_eq!(
        (report["accepted"].as_u64(), report["unchanged"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(report["rejected"][0]["row"], 3);
    assert_eq!(report["rejected"][0]["field"], "latitude");
    let (_, again) = import(&target);
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    // A corrected list updates the place in place.
    std::fs::write(
        &list,
        "admin4Name_en,admin4Name_ar,admin4Pcode,latitude,longitude,admin1Name_en\n\
         Fatira,فطيرة,C4070,35.6461,36.4806,Idlib\n",
    )
    .unwrap();
    let (code, corrected) = import(&target);
    assert_eq!(
        (code, corrected["updated"].as_u64()),
        (0, Some(1)),
        "{corrected}"
    );

    // A report that names the village without coordinates: it takes the list's place.
    let month = target.write(
        "month.csv",
        "source_id,kind,occurred_on,community,admin1\nf1,attack,2024-04-01,قرية فطيره,Idlib\n",
    );
    let (code, report, stderr) = ingest_json(&target, &month);
    assert_eq!(
        (code, report["accepted"].as_u64()),
        (0, Some(1)),
        "{report} {stderr}"
    );
    let incidents = Store::open(&target.location())
        .await
        .unwrap()
        .load_incidents()
        .await
        .unwrap();
    let record = &incidents[0].record;
    assert_eq!(record.resolution.community_id.as_deref(), Some("C4070"));
    assert_eq!(
        record.resolution.method,
        athar_core::ResolutionMethod::Exact
    );
    let point = record.location.unwrap();
    assert_eq!(
        (point.lon.degrees(), point.lat.degrees()),
        (36.4806, 35.6461)
    );
    assert_eq!(
        record
            .community_pcode
            .as_ref()
            .map(athar_core::Pcode::as_str),
        Some("C4070")
    );
}

async fn ingest_reports_every_row_and_sets_the_exit_code(target: Target) {
    let good = target.write("april.csv", GOOD);
    let (code, report, stderr) = ingest_json(&target, &good);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (
            report["accepted"].as_u64(),
            report["rejected"].as_array().map(Vec::len)
        ),
        (Some(3), Some(0))
    );

    let (code, report, _) = ingest_json(&target, &good);
    assert_eq!(
        (
            code,
            report["unchanged"].as_u64(),
            report["accepted"].as_u64()
        ),
        (0, Some(3), Some(0))
    );

    let changed = target.write("april.csv", &GOOD.replace("drone,1", "drone,2"));
    let (_, report, _) = ingest_json(&target, &changed);
    assert_eq!(
        (report["updated"].as_u64(), report["unchanged"].as_u64()),
        (Some(1), Some(2))
    );

    let mixed = target.write(
        "mixed.csv",
        "source_id,kind,occurred_on,community,latitude,longitude,killed,killed_children
m1,attack,2024-04-05,أريحا,35.81,36.61,1,0
m2,attack,2024-04-05,أريحا,35.81,36.61,1,2
m3,fire,2024-04-05,أريحا,95,36.61,0,0
m4,fire,2024-04-06,أريحا,35.81,36.61,0,0
",
    );
    let (code, report, _) = ingest_json(&target, &mixed);
    assert_eq!(code, 2);
    assert_eq!(report["accepted"], 2);
    assert_eq!(report["rejected_rows"], 2);
    let rejected: Vec<(u64, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected, [(3, "killed_children"), (4, "latitude")]);
    assert_eq!(target.count().await, 5);

    // The human-readable report names rows and fields too.
    let output = target.athar().arg("ingest").arg(&mixed).run();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("0 accepted, 0 updated, 2 unchanged, 2 rejected"),
        "{text}"
    );
    assert!(
        text.contains("row 4, latitude: 95 is outside the allowed range -90 to 90"),
        "{text}"
    );
}

async fn an_unreadable_file_fails_and_stores_nothing(target: Target) {
    let good = target.write("april.csv", GOOD);
    assert_eq!(ingest_json(&target, &good).0, 0);
    // Valid features first, then the file breaks off: none of it may be stored.
    let broken = target.write(
        "broken.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[36.6,35.9]},"properties":{"kind":"fire","occurred_on":"2024-04-02","community":"سرمين"}},"#,
    );
    let (code, _, stderr) = ingest_json(&target, &broken);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("invalid GeoJSON") && stderr.contains("nothing from this file was stored"),
        "{stderr}"
    );
    assert_eq!(target.count().await, 3);
    let unknown = target.write("notes.txt.docx", "x");
    let (code, _, stderr) = ingest_json(&target, &unknown);
    assert_eq!(code, 1);
    assert!(stderr.contains("--format"), "{stderr}");
    // A workbook that is not one: refused whole, naming what it is not.
    let garbage = target.write("notes.xlsx", "x");
    let (code, _, stderr) = ingest_json(&target, &garbage);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("the spreadsheet cannot be read"),
        "{stderr}"
    );
    assert_eq!(target.count().await, 3);
}

async fn killing_an_import_midway_stores_all_or_nothing(target: Target) {
    const ROWS: usize = 300_000;
    let mut csv = String::from("source_id,kind,occurred_on,community,latitude,longitude\n");
    for i in 0..ROWS {
        writeln!(csv, "k{i},attack,2024-04-{:02},سرمين,35.9,36.7", i % 30 + 1).unwrap();
    }
    let big = target.write("big.csv", &csv);
    let mut child = target.athar().arg("ingest").arg(&big).spawn().unwrap();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let finished_before_kill = child.try_wait().unwrap().is_some();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let stored = target.count().await;
    assert!(
        stored == 0 || stored == ROWS as u64,
        "{stored} of {ROWS} rows are stored after SIGKILL: an import must be all or nothing"
    );
    if finished_before_kill {
        eprintln!(
            "note: the import finished within {:?}, before the kill",
            started.elapsed()
        );
    } else {
        assert_eq!(stored, 0, "killed mid-import, yet rows were committed");
    }
}

#[test]
fn help_names_the_configuration() {
    let output = Command::new(binary()).args(["serve", "--help"]).run();
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in ["DATABASE_URL", "ATHAR_DATA_DIR", "ATHAR_LISTEN", "--demo"] {
        assert!(
            help.contains(variable),
            "serve --help does not mention {variable}:\n{help}"
        );
    }
}

const TOKEN: &str = "server-test-admin-token";

/// A server of this target on a free port, with an admin token.
fn serve(target: &Target) -> Server {
    Server::start(target.athar().arg("serve").env("ATHAR_ADMIN_TOKEN", TOKEN))
}

fn big_csv(target: &Target, rows: usize) -> PathBuf {
    let mut csv = String::from("source_id,kind,occurred_on,community,latitude,longitude\n");
    for i in 0..rows {
        writeln!(csv, "s{i},attack,2024-04-{:02},سرمين,35.9,36.7", i % 30 + 1).unwrap();
    }
    target.write("big.csv", &csv)
}

both_backends!(
    a_server_killed_mid_import_keeps_all_or_nothing,
    sigterm_lets_a_download_in_progress_finish
);

/// SIGKILL while the server imports a large file over HTTP: afterwards the store holds
/// the whole file or none of it, and a restarted server serves exactly what is stored.
async fn a_server_killed_mid_import_keeps_all_or_nothing(target: Target) {
    const ROWS: usize = 300_000;
    let big = big_csv(&target, ROWS);
    let mut server = serve(&target);
    let mut upload = Command::new("curl")
        .args(["-sS", "--max-time", "60", "-o", "/dev/null", "-X", "POST"])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args(["-H", "Content-Type: text/csv", "--data-binary"])
        .arg(format!("@{}", big.display()))
        .arg(format!("{}/v1/imports?source=big", server.base))
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let _ = upload.wait();
    let stored = target.count().await;
    assert!(
        stored == 0 || stored == ROWS as u64,
        "{stored} of {ROWS} rows are stored after SIGKILL: an import must be all or nothing"
    );
    drop(server);
    let restarted = serve(&target);
    assert_eq!(
        restarted.healthz().unwrap()["incidents"].as_u64(),
        Some(stored),
        "a restart serves exactly what is committed"
    );
}

/// SIGTERM while a large export is streaming: the download completes whole, then the
/// server exits cleanly.
async fn sigterm_lets_a_download_in_progress_finish(target: Target) {
    const ROWS: usize = 60_000;
    let big = big_csv(&target, ROWS);
    assert_eq!(ingest_json(&target, &big).0, 0);
    let mut server = serve(&target);
    let file = target.dir().join("export.geojson");
    let mut download = Command::new("curl")
        .args(["-sS", "--max-time", "300", "--fail", "-o"])
        .arg(&file)
        .arg(format!("{}/v1/exports/incidents.geojson", server.base))
        .spawn()
        .unwrap();
    // Once the response has begun, ask the server to stop.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&file).map_or(0, |m| m.len()) == 0 {
        assert!(Instant::now() < deadline, "the download never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.signal("-TERM");
    assert!(download.wait().unwrap().success(), "the download was cut");
    let collection: Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("the whole GeoJSON arrived");
    assert_eq!(collection["features"].as_array().unwrap().len(), ROWS);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "the server exits cleanly: {status}");
    // No new connection is accepted once it has stopped.
    assert!(server.healthz().is_none());
}

both_backends!(a_release_made_from_the_command_line_is_served);

/// `athar release create` freezes a period; a server then serves it, and refuses the id
/// again.
async fn a_release_made_from_the_command_line_is_served(target: Target) {
    let good = target.write("april.csv", GOOD);
    assert_eq!(ingest_json(&target, &good).0, 0);
    let create = |id: &str| {
        target
            .athar()
            .args(["release", "create", id, "--title", "Attacks, April 2024"])
            .args([
                "--from",
                "2024-04-01",
                "--to",
                "2024-04-30",
                "--kind",
                "attack",
            ])
            .run()
    };
    let output = create("2024-04");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let manifest: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest["incidents"], 2, "{manifest}");
    assert_eq!(manifest["filters"], "kind=attack", "{manifest}");
    assert_eq!(
        manifest["sha256"].as_str().map(str::len),
        Some(64),
        "{manifest}"
    );
    let again = create("2024-04");
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("never replaced"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let server = serve(&target);
    let listed = athar_e2e::get_json(&format!("{}/v1/releases/2024-04", server.base)).unwrap();
    assert_eq!(listed["sha256"], manifest["sha256"]);
    assert_eq!(listed["totals"]["attack"]["incidents"], 2, "{listed}");
    let stats = athar_e2e::get_json(&format!("{}/v1/stats?release=2024-04", server.base)).unwrap();
    assert_eq!(stats["incidents"], 2, "{stats}");
}

both_backends!(duplicates_are_listed_merged_and_unmerged_from_the_command_line);

/// `athar duplicates`: two organisations' reports of one attack are proposed as a pair,
/// merged into one event (a server then counts one), and the merge undone; a bad pair id
/// is refused with a message and a non-zero exit code.
async fn duplicates_are_listed_merged_and_unmerged_from_the_command_line(target: Target) {
    let civil_defence = target.write(
        "civil-defence.csv",
        "source_id,kind,occurred_on,community,latitude,longitude,killed,injured\n\
         cd1,attack,2024-04-05,سرمين,35.9040,36.7250,1,4\n",
    );
    let council = target.write(
        "council.csv",
        "source_id,kind,occurred_on,community,latitude,longitude,killed,injured\n\
         lc1,attack,2024-04-06,Sarmin,35.9070,36.7280,1,5\n\
         lc2,attack,2024-04-20,Binnish,35.9571,36.7137,0,0\n",
    );
    for (file, source) in [
        (&civil_defence, "civil-defence"),
        (&council, "local-council"),
    ] {
        let output = target
            .athar()
            .args(["ingest", "--source", source])
            .arg(file)
            .run();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let duplicates = |args: &[&str]| {
        let output = target.athar().arg("duplicates").args(args).run();
        let body: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        (
            output.status.success(),
            body,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (ok, listed, stderr) = duplicates(&["list", "--from", "2024-04-01", "--to", "2024-04-30"]);
    assert!(ok, "{stderr}");
    assert_eq!(listed["total"], 1, "{listed}");
    let pair = listed["candidates"][0]["id"].as_str().unwrap().to_owned();
    let (ok, event, stderr) = duplicates(&["merge", &pair, "--actor", "coordinator"]);
    assert!(ok, "{stderr}");
    assert_eq!(event["sources"].as_array().unwrap().len(), 2, "{event}");
    let kept = event["incident_id"].as_str().unwrap().to_owned();
    let (_, decided, _) = duplicates(&["list", "--status", "merged"]);
    assert_eq!(decided["decisions"][0]["actor"], "coordinator", "{decided}");
    {
        let server = serve(&target);
        let stats = athar_e2e::get_json(&format!("{}/v1/stats", server.base)).unwrap();
        assert_eq!(
            stats["incidents"], 2,
            "one event and the other attack: {stats}"
        );
    }
    let (ok, restored, stderr) = duplicates(&["unmerge", &kept]);
    assert!(ok, "{stderr}");
    assert_eq!(
        restored["restored"].as_array().unwrap().len(),
        1,
        "{restored}"
    );
    let (ok, _, stderr) = duplicates(&["merge", "not-a-pair"]);
    assert!(!ok);
    assert!(stderr.contains("not a pair id"), "{stderr}");
    let (ok, _, stderr) = duplicates(&["list", "--status", "maybe"]);
    assert!(!ok);
    assert!(stderr.contains("--status"), "{stderr}");
}
