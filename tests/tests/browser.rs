//! The embeddable map in a real browser: the real server with the demo month, and
//! `tests/browser/embed.mjs` opening /embed in both languages in Debian's headless Chromium
//! through Playwright (from `web/node_modules`: `scripts/setup-web --browser` installs
//! both). Screenshots and the downloaded maps are saved in `target/screenshots/`.
//!
//! The script prints a line per check, `ok   …` or `FAIL …`, straight to this process's
//! standard output (never captured: `scripts/test` counts them in its closing line), and
//! exits with an error when a check fails.

use std::io::Write as _;
use std::process::Command;
use std::time::Duration;

use athar_e2e::{Run as _, Server, Target, workspace_root};

#[test]
fn the_embeddable_map_passes_its_checks_in_headless_chromium() {
    let root = workspace_root();
    assert!(
        root.join("web/node_modules/playwright-core").is_dir(),
        "web/node_modules/playwright-core is missing: run scripts/setup-web --browser \
         (scripts/test does)"
    );
    let target = Target::sqlite();
    // Started outside the checkout: the map's front-end files are the binary's own, as on
    // a machine with no Node and no `web/` folder.
    let server = Server::start(
        target
            .athar()
            .current_dir(target.dir())
            .args(["serve", "--demo"])
            .env("ATHAR_ADMIN_TOKEN", "browser-test"),
    );
    // A published month for the page to show.
    let made = Command::new("curl")
        .args([
            "-fsS",
            "-X",
            "POST",
            "-H",
            "Authorization: Bearer browser-test",
        ])
        .args(["-H", "Content-Type: application/json", "--data"])
        .arg(
            r#"{"id": "2024-04", "title": "April 2024", "from": "2024-04-01", "to": "2024-04-30"}"#,
        )
        .arg(format!("{}/v1/releases", server.base))
        .status_within(Duration::from_mins(1));
    assert!(made.success(), "the release was not made ({made})");
    // The checks' lines start lines of their own, even after the test harness's
    // `test … ` when it runs one test at a time.
    std::io::stdout().write_all(b"\n").unwrap();
    let status = Command::new("node")
        .arg("tests/browser/embed.mjs")
        .arg(&server.base)
        .arg("target/screenshots")
        .arg("2024-04")
        .current_dir(root)
        .status_within(Duration::from_mins(15));
    assert!(
        status.success(),
        "tests/browser/embed.mjs failed ({status}): see its FAIL lines above"
    );
}

/// The monthly report's HTML in both languages, in headless Chromium
/// (`tests/browser/report.mjs`): its sections, direction, figures and download links, and a
/// screenshot of each language in `target/screenshots/`.
#[test]
fn the_monthly_report_reads_in_headless_chromium() {
    let root = workspace_root();
    assert!(
        root.join("web/node_modules/playwright-core").is_dir(),
        "web/node_modules/playwright-core is missing: run scripts/setup-web --browser \
         (scripts/test does)"
    );
    let target = Target::sqlite();
    let ingest = target
        .athar()
        .arg("ingest")
        .arg(root.join("tests/fixtures/report-month-2024-04.csv"))
        .run();
    assert!(
        ingest.status.success(),
        "{}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    let server = Server::start(target.athar().arg("serve"));
    std::io::stdout().write_all(b"\n").unwrap();
    let status = Command::new("node")
        .arg("tests/browser/report.mjs")
        .arg(&server.base)
        .arg("target/screenshots")
        .current_dir(root)
        .status_within(Duration::from_mins(10));
    assert!(
        status.success(),
        "tests/browser/report.mjs failed ({status}): see its FAIL lines above"
    );
}
