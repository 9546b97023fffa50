//! Settings: flags, then environment, then defaults.

use std::fmt;
use std::path::PathBuf;

/// A database URL, which may hold a password: it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL itself, for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("DatabaseUrl([redacted])")
    }
}

/// How Athar runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address to listen on (`ATHAR_LISTEN`, default `127.0.0.1:8080`).
    pub listen: String,
    /// Where the embedded store lives when there is no database URL (`ATHAR_DATA_DIR`,
    /// default `./athar-data`).
    pub data_dir: PathBuf,
    /// PostgreSQL (`DATABASE_URL`); none means the embedded SQLite store.
    pub database_url: Option<DatabaseUrl>,
    /// Load the demo month into an empty store at start.
    pub demo: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("athar-data"),
            database_url: None,
            demo: false,
        }
    }
}
