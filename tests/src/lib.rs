//! The harness of Athar's black-box tests: the real `athar` binary started as a child
//! process, on SQLite in a temporary folder or on a fresh PostGIS database, driven over the
//! command line and over HTTP on a free loopback port, as a user does.
//!
//! The binary is the one `ATHAR_BIN` names, else `athar` in the target folder the test runs
//! from (`target/debug/athar` for `target/debug/deps/<test>`). Under cargo it is built
//! first (`cargo build -p athar-cli --bin athar`, a no-op when fresh), so that a test never
//! drives a stale binary: `cargo test` builds only the test targets, and cargo's lock on the
//! build folder is released before tests run.
//!
//! Every child is bounded in time: a command that outlives its limit is killed and the test
//! fails. A server is killed, and waited for, when its [`Server`] is dropped.
#![deny(missing_docs)]

use std::ffi::OsStr;
use std::io::{BufRead as _, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{OnceLock, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use athar_store::{Store, StoreLocation};
use athar_test_support::FreshDatabase;
use serde_json::Value;

/// The workspace's root folder (this package is its `tests/`).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the athar-e2e package is the workspace's tests/ folder")
}

/// The `athar` binary: `ATHAR_BIN`, else `athar` beside this test's `deps/` folder (built
/// first when the test runs under cargo).
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("ATHAR_BIN") {
            let path = PathBuf::from(path);
            assert!(
                path.is_file(),
                "ATHAR_BIN is {}, which is not a file",
                path.display()
            );
            return path;
        }
        let test = std::env::current_exe().expect("the test's own path");
        let profile = test
            .parent()
            .and_then(Path::parent)
            .expect("a test runs from target/<profile>/deps/");
        if let Some(cargo) = std::env::var_os("CARGO") {
            build(&cargo, profile);
        }
        let path = profile.join(format!("athar{}", std::env::consts::EXE_SUFFIX));
        assert!(
            path.is_file(),
            "there is no athar binary at {}: build it with `cargo build -p athar-cli` (or name \
             one with ATHAR_BIN)",
            path.display()
        );
        path
    })
}

/// `cargo build -p athar-cli --bin athar` into the target folder and profile of `profile`
/// (`target/debug` is the `dev` profile).
fn build(cargo: &OsStr, profile: &Path) {
    let name = profile
        .file_name()
        .and_then(OsStr::to_str)
        .expect("the profile folder has a name");
    let output = Command::new(cargo)
        .args(["build", "--quiet", "-p", "athar-cli", "--bin", "athar"])
        .args(["--profile", if name == "debug" { "dev" } else { name }])
        .arg("--target-dir")
        .arg(
            profile
                .parent()
                .expect("the profile folder is in a target folder"),
        )
        .current_dir(workspace_root())
        .run_within(Duration::from_mins(30));
    assert!(
        output.status.success(),
        "`cargo build -p athar-cli --bin athar` failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Running a command to its end within a time limit; past it the command is killed and the
/// test fails.
pub trait Run {
    /// Runs the command with its output captured (and no input), within five minutes.
    fn run(&mut self) -> Output {
        self.run_within(Duration::from_mins(5))
    }

    /// Runs the command with its output captured (and no input), within `limit`.
    fn run_within(&mut self, limit: Duration) -> Output;

    /// Runs the command with the standard output and error of this process, within `limit`.
    fn status_within(&mut self, limit: Duration) -> ExitStatus;
}

impl Run for Command {
    fn run_within(&mut self, limit: Duration) -> Output {
        let mut child = self
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {self:?}: {error}"));
        let stdout = drain(child.stdout.take());
        let stderr = drain(child.stderr.take());
        let Some(status) = wait_within(&mut child, limit) else {
            panic!("{self:?} did not finish within {limit:?} and was killed");
        };
        Output {
            status,
            stdout: stdout.join().unwrap_or_default(),
            stderr: stderr.join().unwrap_or_default(),
        }
    }

    fn status_within(&mut self, limit: Duration) -> ExitStatus {
        let mut child = self
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {self:?}: {error}"));
        wait_within(&mut child, limit)
            .unwrap_or_else(|| panic!("{self:?} did not finish within {limit:?} and was killed"))
    }
}

/// Reads a pipe to its end on a thread of its own (so that a full pipe never blocks the
/// child).
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// The child's exit status, or `None` after killing it (and waiting for it) at `limit`.
fn wait_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait for a child") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Where a test's data lives, kept for the whole test: a folder (with the SQLite store in
/// `athar-data/` when there is no database) and, for PostGIS, a fresh database.
pub enum Target {
    /// The embedded store in the folder.
    Sqlite(tempfile::TempDir),
    /// A fresh PostGIS database, dropped at the end (`DATABASE_URL` names its server; a
    /// test fails without it), and a folder.
    Postgres(FreshDatabase, tempfile::TempDir),
}

impl Target {
    /// A fresh PostGIS database when `postgres`, else the embedded store.
    pub async fn new(postgres: bool) -> Self {
        if postgres {
            Self::Postgres(FreshDatabase::create().await, tempfile::tempdir().unwrap())
        } else {
            Self::sqlite()
        }
    }

    /// The embedded store in a fresh folder.
    pub fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().unwrap())
    }

    /// Every table of its store, each row as text, sorted (`tests/clients/table_dump.py`:
    /// Python's sqlite3 for the embedded store, psql for PostGIS).
    pub fn tables(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut command = Command::new("python3");
        command.arg(workspace_root().join("tests/clients/table_dump.py"));
        match self {
            Self::Sqlite(dir) => command
                .arg("sqlite")
                .arg(dir.path().join("athar-data/athar.db")),
            Self::Postgres(database, _) => command.arg("postgres").arg(database.url()),
        };
        let output = command.run_within(Duration::from_mins(2));
        assert!(
            output.status.success(),
            "the tables could not be read: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// The test's folder.
    pub fn dir(&self) -> &Path {
        match self {
            Self::Sqlite(dir) | Self::Postgres(_, dir) => dir.path(),
        }
    }

    /// `athar` on this target, run from the workspace's root as a user of a checkout
    /// does: its data folder in the test's folder,
    /// `DATABASE_URL` the fresh database or unset, no other `ATHAR_*` setting from the
    /// environment, and only warnings logged.
    pub fn athar(&self) -> Command {
        let mut command = Command::new(binary());
        command.current_dir(workspace_root());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("ATHAR_") {
                command.env_remove(name);
            }
        }
        command
            .env("ATHAR_DATA_DIR", self.dir().join("athar-data"))
            .env("RUST_LOG", "warn");
        match self {
            Self::Sqlite(_) => command.env_remove("DATABASE_URL"),
            Self::Postgres(database, _) => command.env("DATABASE_URL", database.url()),
        };
        command
    }

    /// Writes a file in the test's folder.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Where `athar` keeps the data of this target.
    pub fn location(&self) -> StoreLocation {
        match self {
            Self::Sqlite(dir) => {
                StoreLocation::Sqlite(dir.path().join("athar-data").join("athar.db"))
            }
            Self::Postgres(database, _) => StoreLocation::Postgres(database.url().to_owned()),
        }
    }

    /// How many incidents are stored, read from the store itself.
    pub async fn count(&self) -> u64 {
        Store::open(&self.location())
            .await
            .unwrap()
            .count_incidents()
            .await
            .unwrap()
    }
}

/// A test on each backend: `both_backends!(name)` makes `name::sqlite` and `name::postgres`,
/// which call `async fn name(target: Target)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::Target::new(false).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name($crate::Target::new(true).await).await;
            }
        }
    )*};
}

/// How long a server may take to answer `/healthz` (the demo month loads first).
const START_LIMIT: Duration = Duration::from_mins(2);

/// `athar serve` on a free loopback port; killed, and waited for, when dropped.
pub struct Server {
    /// The server's process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Every line of its standard error so far.
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `command`, an `athar serve …`, with `--listen 127.0.0.1:0`: the system picks
    /// a free port, which the server names on its standard error. Waits until `/healthz`
    /// answers. The server's standard error is the test's (shown when it fails).
    pub fn start(command: &mut Command) -> Self {
        let mut child = command
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
        let stderr = child.stderr.take().expect("piped");
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut server = Self {
            child,
            base: String::new(),
            log: std::sync::Arc::clone(&log),
        };
        let (sender, port) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("athar: serving on http://127.0.0.1:") {
                    let _ = sender.send(port.trim().to_owned());
                }
                eprintln!("athar serve: {line}");
                log.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + START_LIMIT;
        let port = loop {
            match port.recv_timeout(Duration::from_millis(100)) {
                Ok(port) => break port,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                // Its standard error is closed: it is exiting.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            server.assert_running(deadline);
        };
        server.base = format!("http://127.0.0.1:{port}");
        while server.healthz().is_none() {
            server.assert_running(deadline);
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn assert_running(&mut self, deadline: Instant) {
        if let Some(status) = self.child.try_wait().expect("wait for the server") {
            panic!("athar serve exited ({status}) before it served (its log is above)");
        }
        assert!(
            Instant::now() < deadline,
            "athar serve did not answer /healthz within {START_LIMIT:?}"
        );
    }

    /// The lines it has written to its standard error so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// `/healthz`, when it answers.
    pub fn healthz(&self) -> Option<Value> {
        get_json(&format!("{}/healthz", self.base))
    }

    /// Sends `signal` (as `kill` takes it: `-TERM`) to the server.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs the JSON `body` to `url` with the bearer `token`, within a minute: the status.
pub fn post_json(url: &str, token: &str, body: &str) -> u16 {
    let output = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-H", "Content-Type: application/json", "--data", body])
        .arg(url)
        .run_within(Duration::from_mins(1));
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Polls `ready` every 100 ms until it holds; fails the test, naming `what`, once
/// `limit` has passed.
pub fn wait_until(limit: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// GET `url` with curl, within 30 seconds: the JSON of a successful answer, or `None`.
pub fn get_json(url: &str) -> Option<Value> {
    let output = Command::new("curl")
        .args(["-fsS", "--max-time", "30", url])
        .run_within(Duration::from_mins(1));
    serde_json::from_slice(&output.stdout).ok()
}

/// An answer read whole: its status, media type and body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// GET `url` with curl, within 60 seconds, whatever its status.
pub fn get(url: &str) -> Answer {
    let file = tempfile::NamedTempFile::new().unwrap();
    let output = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "60",
            "-w",
            "%{http_code}\n%{content_type}",
            "-o",
        ])
        .arg(file.path())
        .arg(url)
        .run_within(Duration::from_mins(2));
    assert!(
        output.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = String::from_utf8_lossy(&output.stdout);
    let (status, content_type) = written.split_once('\n').unwrap_or((&written, ""));
    Answer {
        status: status.trim().parse().unwrap_or(0),
        content_type: content_type.trim().to_owned(),
        body: std::fs::read(file.path()).unwrap(),
    }
}

/// The sum of a field (`accepted`, `updated`, …) over a pull's import reports (`imports`
/// of `athar sync pull` and `athar intake odk`). Fails the test when the report has no
/// list of imports, or an import lacks the field.
pub fn imports_total(report: &Value, field: &str) -> u64 {
    report["imports"]
        .as_array()
        .unwrap_or_else(|| panic!("no imports in the report: {report}"))
        .iter()
        .map(|import| {
            import[field]
                .as_u64()
                .unwrap_or_else(|| panic!("an import without {field}: {import}"))
        })
        .sum()
}
