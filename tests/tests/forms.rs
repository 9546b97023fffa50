//! Field forms (issue 22): `athar form xlsform` writes a form that pyxform (the converter
//! KoboToolbox and ODK use, `tests/clients/xlsform_check.py`) converts without warnings;
//! submissions built from the converted form's own question paths and choices, posted as
//! a KoboToolbox REST service posts them (basic authentication, group prefixes, `_uuid`,
//! `_geolocation`, attachments), are imported: a retry is unchanged, an edit is an
//! update, a place typed under "other" is learned, and a bad submission answers 422 with
//! its report.

use std::collections::BTreeMap;
use std::process::Command;

use athar_e2e::{Run as _, Server, Target, get_json, imports_total, workspace_root};
use serde_json::{Value, json};

const TOKEN: &str = "form-test-editor-token";

/// The converted form: question paths and choice lists.
struct Form {
    paths: Vec<String>,
    choices: BTreeMap<String, Vec<String>>,
}

fn converted(target: &Target) -> (Value, Form) {
    let xlsx = target.dir().join("incident-form.xlsx");
    let written = target
        .athar()
        .args(["form", "xlsform", "--lang", "ar,en", "--out"])
        .arg(&xlsx)
        .run();
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let output = Command::new(workspace_root().join("target/python-venv/bin/python"))
        .arg(workspace_root().join("tests/clients/xlsform_check.py"))
        .arg(&xlsx)
        .arg(target.dir().join("incident-form.xml"))
        .run();
    assert!(
        output.status.success(),
        "pyxform could not convert the form (scripts/setup-python installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    let form = Form {
        paths: summary["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["path"].as_str().unwrap().to_owned())
            .collect(),
        choices: serde_json::from_value(summary["choices"].clone()).unwrap(),
    };
    (summary, form)
}

/// A submission as KoboToolbox posts it, its answers keyed by the form's own paths.
fn submission(form: &Form, uuid: &str, instance: &str, answers: &[(&str, &str)]) -> Value {
    let mut posted = json!({
        "_id": 17,
        "_uuid": uuid,
        "_xform_id_string": "athar_incident",
        "_submission_time": "2024-04-03T10:05:00",
        "_attachments": [],
        "_status": "submitted_via_web",
        "formhub/uuid": "0f5e2d",
        "__version__": "v1",
        "meta/instanceID": format!("uuid:{instance}"),
    });
    for (question, answer) in answers {
        let path = form
            .paths
            .iter()
            .find(|p| p.rsplit('/').next() == Some(question))
            .unwrap_or_else(|| panic!("the form has no question {question}"));
        posted[path] = Value::from(*answer);
        if *question == "location" {
            let mut parts = answer.split(' ').map(|p| p.parse::<f64>().unwrap());
            posted["_geolocation"] = json!([parts.next(), parts.next()]);
        }
    }
    posted
}

/// Posts a submission with basic authentication, as KoboToolbox's REST service does.
fn post(base: &str, body: &Value, authorization: Option<&str>) -> (u16, Value) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), body.to_string()).unwrap();
    let mut command = Command::new("curl");
    command.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST"]);
    if let Some(authorization) = authorization {
        command.args(["-H", &format!("Authorization: {authorization}")]);
    }
    let output = command
        .args(["-H", "Content-Type: application/json", "--data-binary"])
        .arg(format!("@{}", file.path().display()))
        .arg(format!("{base}/v1/intake/kobo"))
        .run();
    let text = String::from_utf8(output.stdout).unwrap();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (
        status.parse().unwrap(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

fn basic(token: &str) -> String {
    // base64 of "kobo:" + token, written out by hand to keep the test free of a decoder
    // it shares with the server.
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("kobo:{token}").into_bytes();
    let mut encoded = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                encoded.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                encoded.push('=');
            }
        }
    }
    format!("Basic {encoded}")
}

#[tokio::test]
async fn the_form_converts_and_kobo_submissions_are_imported() {
    let target = Target::sqlite();
    let (summary, form) = converted(&target);
    assert_eq!(summary["warnings"], json!([]), "{summary}");
    assert_eq!(summary["id"], "athar_incident");
    assert_eq!(summary["default_language"], "Arabic (ar)");
    for question in [
        "incident/kind",
        "incident/occurred_on",
        "incident/admin1",
        "incident/community_pcode",
        "incident/community",
        "incident/location",
        "incident/place_type",
        "incident/perpetrator",
        "incident/weapon",
        "incident/cause",
        "incident/vehicle",
        "incident/killed",
        "incident/killed_women",
        "incident/killed_children",
        "incident/injured",
        "incident/injured_women",
        "incident/injured_children",
        "incident/notes",
    ] {
        assert!(
            form.paths.iter().any(|p| p == question),
            "{question}: {:?}",
            form.paths
        );
    }
    for kind in ["attack", "fire", "traffic_accident", "drowning"] {
        assert!(form.choices["kind"].iter().any(|c| c == kind), "{kind}");
    }
    assert!(form.choices["community"].iter().any(|c| c == "C4070"));
    assert_eq!(
        form.choices["community"].last().map(String::as_str),
        Some("other")
    );
    assert!(form.choices["admin1"].iter().any(|c| c == "SY07"));
    // Athar's checks, as the XForm carries them.
    let xml = std::fs::read_to_string(target.dir().join("incident-form.xml")).unwrap();
    assert!(xml.contains("today()"), "no future dates");
    assert!(
        xml.contains("= 'attack'"),
        "perpetrator and weapon for attacks only"
    );
    assert!(xml.contains("selected(kinds"), "choices by kind");

    let server = Server::start(
        target
            .athar()
            .arg("serve")
            .env("ATHAR_TOKENS", "")
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    let base = &server.base;
    let auth = basic(TOKEN);
    let perpetrator = form.choices["perpetrator"][0].clone();
    let weapon = form.choices["weapon"][0].clone();
    let attack = |killed: &str, children: &str, instance: &str| {
        submission(
            &form,
            "6c0f5c4e-1d7e-4a1b-9a5e-0e3b1c2d3e4f",
            instance,
            &[
                ("kind", "attack"),
                ("occurred_on", "2024-04-03"),
                ("admin1", "SY07"),
                ("community_pcode", "C4070"),
                ("location", "35.6097 36.4853 0 0"),
                ("perpetrator", &perpetrator),
                ("weapon", &weapon),
                ("place_type", "home"),
                ("killed", killed),
                ("killed_women", "0"),
                ("killed_children", children),
                ("injured", "2"),
                ("injured_women", "1"),
                ("injured_children", "0"),
                ("notes", "قصف مدفعي"),
            ],
        )
    };
    let (status, report) = post(base, &attack("1", "1", "first"), Some(&auth));
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    // KoboToolbox retries: nothing changes.
    let (status, report) = post(base, &attack("1", "1", "first"), Some(&auth));
    assert_eq!(
        (status, report["unchanged"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    // The submission is edited and sent again: an update.
    let (status, report) = post(
        base,
        &attack("2", "1", "second"),
        Some(&format!("Bearer {TOKEN}")),
    );
    assert_eq!(
        (status, report["updated"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    // A place typed under "other" is learned.
    let other = submission(
        &form,
        "85cb9aff-005e-4edd-9739-dc9c1a829c44",
        "85cb9aff",
        &[
            ("kind", "fire"),
            ("occurred_on", "2024-04-05"),
            ("admin1", "SY07"),
            ("community_pcode", "other"),
            ("community", "مخيم الأمل"),
            ("location", "35.93 36.64 0 0"),
            ("cause", "electrical_short"),
            ("place_type", "camp"),
            ("killed", "0"),
            ("killed_women", "0"),
            ("killed_children", "0"),
            ("injured", "0"),
            ("injured_women", "0"),
            ("injured_children", "0"),
        ],
    );
    let (status, report) = post(base, &other, Some(&auth));
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    // Women and children beyond the total: 422 with the report, nothing stored.
    let mut bad = attack("1", "1", "third");
    bad["_uuid"] = json!("0b1c");
    bad["incident/killed_women"] = json!("1");
    let (status, report) = post(base, &bad, Some(&auth));
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        report["rejected"][0]["field"], "killed_children",
        "{report}"
    );
    assert!(
        report["rejected"][0]["message"]
            .as_str()
            .unwrap()
            .contains("killed_women + killed_children (2) exceeds killed (1)"),
        "{report}"
    );
    // No token, or not a submission.
    assert_eq!(post(base, &attack("1", "1", "x"), None).0, 401);
    assert_eq!(
        post(base, &json!({"incident/kind": "fire"}), Some(&auth)).0,
        422
    );

    let figures = get_json(&format!("{base}/v1/stats?from=2024-04-01&to=2024-04-30")).unwrap();
    assert_eq!(figures["incidents"], 2, "{figures}");
    assert_eq!(
        figures["kinds"]["attack"]["killed"], 2,
        "the edit is counted"
    );
    let places = get_json(&format!(
        "{base}/v1/communities/counts?kind=fire&format=json"
    ))
    .unwrap();
    assert!(places.to_string().contains("مخيم الأمل"), "{places}");
}

/// The ODK Central stand-in (`tests/clients/odk_standin.py`), stopped when dropped.
struct Standin {
    child: std::process::Child,
    port: u16,
}

impl Standin {
    fn start(rows: &std::path::Path) -> Self {
        use std::io::BufRead as _;
        let mut child = Command::new(workspace_root().join("target/python-venv/bin/python"))
            .arg(workspace_root().join("tests/clients/odk_standin.py"))
            .arg(rows)
            .args([
                "1",
                "athar_incident",
                "collector@example.org",
                "field-secret",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the stand-in prints its port");
        Self { child, port }
    }
}

impl Drop for Standin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A submission as ODK Central's OData feed lists it.
fn odk_row(
    id: &str,
    (submitted, updated): (&str, Option<&str>),
    instance: &str,
    killed: u32,
) -> Value {
    json!({
        "__id": format!("uuid:{id}"),
        "__system": {"submissionDate": submitted, "updatedAt": updated, "submitterId": "5",
                     "reviewState": null, "deviceId": null, "edits": u32::from(updated.is_some())},
        "meta": {"instanceID": format!("uuid:{instance}")},
        "incident": {
            "kind": "attack", "occurred_on": "2024-04-03", "admin1": "SY07",
            "community_pcode": "C4070",
            "location": {"type": "Point", "coordinates": [36.4853, 35.6097, 0], "properties": {"accuracy": 5}},
            "perpetrator": "government_forces", "weapon": "artillery", "place_type": "home",
            "killed": killed, "killed_women": 0, "killed_children": 0,
            "injured": 0, "injured_women": 0, "injured_children": 0, "notes": null,
        },
    })
}

fn pull(target: &Target, port: u16, password: &str) -> (i32, Value, String) {
    let output = target
        .athar()
        .args([
            "intake",
            "odk",
            "--project",
            "1",
            "--form",
            "athar_incident",
            "--url",
        ])
        .arg(format!("http://127.0.0.1:{port}"))
        .env("ATHAR_ODK_USER", "collector@example.org")
        .env("ATHAR_ODK_PASSWORD", password)
        .run();
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `athar intake odk` pulls a form's submissions through a stand-in that answers ODK
/// Central's documented OData shapes (pages, `$filter` on the submission and update
/// times, basic authentication): new ones are imported, a second pull reads nothing, an
/// edited one updates, and a wrong password fails without storing anything.
#[tokio::test]
async fn odk_central_submissions_are_pulled_and_edits_update() {
    let target = Target::sqlite();
    let rows = target.dir().join("submissions.json");
    let first = [
        odk_row("a1", ("2024-04-03T10:00:00.000Z", None), "a1", 0),
        odk_row("b2", ("2024-04-03T11:00:00.000Z", None), "b2", 1),
        odk_row("c3", ("2024-04-03T12:00:00.000Z", None), "c3", 0),
    ];
    std::fs::write(&rows, serde_json::to_string(&first).unwrap()).unwrap();
    let standin = Standin::start(&rows);
    let (code, report, stderr) = pull(&target, standin.port, "wrong");
    assert_eq!(code, 1, "{report} {stderr}");
    assert!(stderr.contains("401"), "{stderr}");
    let (code, report, stderr) = pull(&target, standin.port, "field-secret");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        (report["read"].as_u64(), report["pages"].as_u64()),
        (Some(3), Some(2)),
        "{report}"
    );
    assert_eq!(imports_total(&report, "accepted"), 3, "{report}");
    assert_eq!(report["position"], "2024-04-03T12:00:00.000Z");
    // The next pull reads again from five minutes before the last change seen (a
    // submission stored late is not missed): c3 only, unchanged.
    let (_, again, _) = pull(&target, standin.port, "field-secret");
    assert_eq!(again["read"], 1, "{again}");
    assert_eq!(
        (
            imports_total(&again, "unchanged"),
            imports_total(&again, "accepted")
        ),
        (1, 0),
        "{again}"
    );
    // b2 is edited in Central (a new instance id, the same __id) and d4 arrives.
    let second = [
        first[0].clone(),
        odk_row(
            "b2",
            ("2024-04-03T11:00:00.000Z", Some("2024-04-04T08:00:00.000Z")),
            "b2-edit",
            2,
        ),
        first[2].clone(),
        odk_row("d4", ("2024-04-04T09:00:00.000Z", None), "d4", 0),
    ];
    std::fs::write(&rows, serde_json::to_string(&second).unwrap()).unwrap();
    let (code, report, stderr) = pull(&target, standin.port, "field-secret");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["read"], 3, "{report}");
    assert_eq!(
        (
            imports_total(&report, "updated"),
            imports_total(&report, "accepted"),
            imports_total(&report, "unchanged")
        ),
        (1, 1, 1),
        "{report}"
    );
    let server = Server::start(target.athar().arg("serve"));
    let stats = get_json(&format!("{}/v1/stats?kind=attack", server.base)).unwrap();
    assert_eq!(
        (stats["incidents"].as_u64(), stats["killed"].as_u64()),
        (Some(4), Some(2)),
        "{stats}"
    );
}
