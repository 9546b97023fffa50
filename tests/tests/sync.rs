//! Two Athars (issue 22): `athar sync pull` copies the first's month into the second
//! (sources `NAME/<its source>`), then an edit and a deletion on the first reach the
//! second on the next pull, and a pull with nothing new reads nothing. Both servers are
//! the real binary; the second's figures are compared with the first's over HTTP.

use std::process::Command;

use athar_e2e::{Run as _, Server, Target, get_json, imports_total};
use serde_json::Value;

const TOKEN: &str = "sync-test-admin-token";

fn pull(target: &Target, url: &str) -> Value {
    let output = target
        .athar()
        .args(["sync", "pull", url, "--name", "north"])
        .env("ATHAR_SYNC_TOKEN", TOKEN)
        .run();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn month(base: &str) -> Value {
    get_json(&format!("{base}/v1/stats?from=2024-04-01&to=2024-04-30")).unwrap()
}

fn write(method: &str, url: &str, body: Option<&str>) {
    let mut command = Command::new("curl");
    command
        .args(["-fsS", "-o", "/dev/null", "-X", method])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")]);
    if let Some(body) = body {
        command.args(["-H", "Content-Type: application/json", "--data", body]);
    }
    let output = command.arg(url).run();
    assert!(
        output.status.success(),
        "{method} {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_second_athar_mirrors_the_first_with_edits_and_deletions() {
    let first = Target::sqlite();
    let origin = Server::start(
        first
            .athar()
            .args(["serve", "--demo"])
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    );
    let second = Target::sqlite();
    let report = pull(&second, &origin.base);
    let stored = month(&origin.base);
    let incidents = stored["incidents"].as_u64().unwrap();
    assert!(incidents > 200, "{stored}");
    assert_eq!(imports_total(&report, "accepted"), incidents, "{report}");
    {
        let mirror = Server::start(second.athar().arg("serve"));
        assert_eq!(
            month(&mirror.base),
            stored,
            "the mirror's month is the first's"
        );
        let page = get_json(&format!(
            "{}/collections/incidents/items?limit=1",
            mirror.base
        ))
        .unwrap();
        let source = page["features"][0]["properties"]["source"]
            .as_str()
            .unwrap();
        assert!(source.starts_with("north/"), "{source}");
    }

    // An edit and a deletion on the first.
    let page = get_json(&format!(
        "{}/collections/incidents/items?limit=2&kind=attack",
        origin.base
    ))
    .unwrap();
    let ids: Vec<&str> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    write(
        "PATCH",
        &format!("{}/v1/incidents/{}", origin.base, ids[0]),
        Some(r#"{"notes": "edited on the first", "injured": 40}"#),
    );
    write(
        "DELETE",
        &format!("{}/v1/incidents/{}", origin.base, ids[1]),
        None,
    );
    let report = pull(&second, &origin.base);
    assert_eq!(report["read"], 2, "{report}");
    assert_eq!(
        (
            imports_total(&report, "updated"),
            report["deleted"].as_u64()
        ),
        (1, Some(1)),
        "{report}"
    );
    let changed = month(&origin.base);
    assert_eq!(changed["incidents"].as_u64(), Some(incidents - 1));
    let mirror = Server::start(second.athar().arg("serve"));
    assert_eq!(
        month(&mirror.base),
        changed,
        "the edit and the deletion reached the mirror"
    );
    // Nothing new: nothing read.
    drop(mirror);
    let report = pull(&second, &origin.base);
    assert_eq!(report["read"], 0, "{report}");
}
