//! Third-party API clients against the real server with the demo month, from PyPI in the
//! virtual environment `target/python-venv` that `scripts/setup-python` makes (pinned in
//! `tests/clients/requirements.txt`):
//! - OWSLib reads the OGC API – Features collection, a filtered page of items and an item
//!   (`tests/clients/owslib_check.py`);
//! - schemathesis fuzzes every operation of /openapi.json, with an admin token so that the
//!   writes are exercised too. Every check runs except positive_data_acceptance: some
//!   schema-valid requests are rightly refused (an inverted date range, an unknown
//!   vocabulary term) and an OpenAPI schema cannot say so. Bounded: a fixed number of
//!   examples per operation. The stateful phase is left out: the document declares no
//!   links, and the links schemathesis infers from TileJSON tile URLs point at the wrong
//!   operations (the exports, whose paths end in `.{format}`).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use athar_e2e::{Run as _, Server, Target, workspace_root};

const TOKEN: &str = "schemathesis-admin-token";

/// A program of the clients' virtual environment; the test fails without it.
fn venv(program: &str) -> PathBuf {
    let path = workspace_root()
        .join("target/python-venv/bin")
        .join(program);
    assert!(
        path.is_file(),
        "{} is missing: make the clients' Python environment with scripts/setup-python \
         (scripts/test does)",
        path.display()
    );
    path
}

/// `athar serve --demo` on SQLite, with an admin token.
fn serve_demo(target: &Target) -> Server {
    Server::start(
        target
            .athar()
            .args(["serve", "--demo"])
            .env("ATHAR_ADMIN_TOKEN", TOKEN),
    )
}

fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn owslib_reads_the_collection_a_filtered_page_and_an_item() {
    let python = venv("python");
    let target = Target::sqlite();
    let server = serve_demo(&target);
    let output = Command::new(python)
        .arg(workspace_root().join("tests/clients/owslib_check.py"))
        .arg(&server.base)
        .run_within(Duration::from_mins(2));
    assert_success("owslib_check.py", &output);
    print!("{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn schemathesis_finds_no_failure_in_any_operation() {
    let schemathesis = venv("schemathesis");
    let target = Target::sqlite();
    let server = serve_demo(&target);
    let base = &server.base;
    let output = Command::new(schemathesis)
        .arg("run")
        .arg(format!("{base}/openapi.json"))
        .args(["--url", base])
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        .args([
            "--max-examples",
            "25",
            "--workers",
            "2",
            "--seed",
            "20241122",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .arg("--no-color")
        .current_dir(workspace_root())
        .run_within(Duration::from_mins(20));
    assert_success("schemathesis", &output);
    print!("{}", String::from_utf8_lossy(&output.stdout));
}
