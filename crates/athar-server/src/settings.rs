//! Settings: flags, then environment, then defaults.

use std::fmt;
use std::path::PathBuf;

/// A secret (database URL with a password, a token): it never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("[redacted]")
    }
}

/// A database URL, which may hold a password.
pub type DatabaseUrl = Secret;

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
    /// A PostgreSQL streaming replica of the store to load snapshots from and follow the
    /// change log on (`ATHAR_READ_DATABASE_URL`); none: the store itself.
    pub read_database_url: Option<DatabaseUrl>,
    /// Load the demo month into an empty store at start.
    pub demo: bool,
    /// A token with the admin role (`ATHAR_ADMIN_TOKEN`).
    pub admin_token: Option<Secret>,
    /// A JSON file of further tokens (`ATHAR_TOKENS_FILE`): `[{"name", "role",
    /// "sha256", "expires"}]`, with the SHA-256 of each token in hex.
    pub tokens_file: Option<PathBuf>,
    /// Largest import body in bytes (`ATHAR_IMPORT_LIMIT`, default 100 MB).
    pub import_limit: usize,
    /// Largest other request body in bytes (`ATHAR_BODY_LIMIT`, default 1 MB).
    pub body_limit: usize,
    /// Origins allowed to read from a browser (`ATHAR_CORS_ORIGINS`, comma separated);
    /// empty means any origin, as widgets are embedded anywhere.
    pub cors_origins: Vec<String>,
    /// How often to look for writes made by other processes (milliseconds; 0: never).
    pub poll_interval_ms: u64,
    /// Memory for encoded vector tiles, in MiB (`ATHAR_TILE_CACHE_MB`, default 64; 0
    /// turns the cache off).
    pub tile_cache_mb: u64,
    /// Who may read `/metrics` (`ATHAR_METRICS_FROM`, default loopback only).
    pub metrics_from: Vec<crate::observe::MetricsAccess>,
    /// Who may frame `/embed` (`ATHAR_FRAME_ANCESTORS`, the CSP `frame-ancestors` sources,
    /// default `*`: reports embed the map anywhere).
    pub frame_ancestors: String,
    /// Writes allowed per minute for one token (`ATHAR_WRITE_RATE_PER_TOKEN`, default 600;
    /// 0: no limit). An import counts as one write.
    pub write_rate_per_token: u32,
    /// Writes allowed per minute from one client address (`ATHAR_WRITE_RATE_PER_IP`,
    /// default 600; 0: no limit), counted before the token is checked.
    pub write_rate_per_ip: u32,
    /// What anonymous readers see (`ATHAR_PUBLIC_PRECISION`, `ATHAR_PRIVATE_FIELDS`,
    /// `ATHAR_SUPPRESS_BELOW`, `ATHAR_SUPPRESS_KINDS`); by default, everything.
    pub privacy: athar_app::privacy::Privacy,
    /// Proxies whose `Forwarded` and `X-Forwarded-*` headers are believed
    /// (`ATHAR_TRUSTED_PROXIES`, comma-separated addresses; default none): the host and
    /// scheme of links, and the client address that rate limits count.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Heavy reads (hotspot analyses, static maps, exports) allowed per minute from one
    /// client address without a token (`ATHAR_READ_RATE_PER_IP`, default 0: no limit).
    pub read_rate_per_ip: u32,
    /// The resident memory the server keeps under, in MiB (`ATHAR_MEMORY_LIMIT_MB`,
    /// default 2048): past nine tenths of it, caches of derived data are emptied and heavy
    /// work is refused (503 with `Retry-After`) until it is back under.
    pub memory_limit_mb: u64,
    /// Pairs of an import's incidents and other sources' scoring at least this are merged
    /// at once (`ATHAR_MERGE_DUPLICATES_ABOVE`, 0–1; default none: every pair waits for a
    /// person).
    pub merge_duplicates_above: Option<f32>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("athar-data"),
            database_url: None,
            read_database_url: None,
            demo: false,
            admin_token: None,
            tokens_file: None,
            import_limit: 100 * 1024 * 1024,
            body_limit: 1024 * 1024,
            cors_origins: Vec::new(),
            poll_interval_ms: 250,
            merge_duplicates_above: None,
            tile_cache_mb: 64,
            frame_ancestors: "*".into(),
            metrics_from: vec![crate::observe::MetricsAccess::Loopback],
            write_rate_per_token: 600,
            write_rate_per_ip: 600,
            privacy: athar_app::privacy::Privacy::default(),
            trusted_proxies: Vec::new(),
            read_rate_per_ip: 0,
            memory_limit_mb: 2048,
        }
    }
}
