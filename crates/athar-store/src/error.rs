//! Errors of the store.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed or refused.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The settings do not name a usable store.
    #[error("{0}")]
    Config(String),
    /// A stored row breaks the domain's rules (edited by hand, or by an older release).
    #[error("stored incident {id} is invalid: {message}")]
    Corrupt {
        /// The row's id.
        id: String,
        /// What was wrong.
        message: String,
    },
    /// A file-system operation failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// What was asked clashes with what is stored.
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    /// Whether the database could not be reached (as opposed to refusing a statement).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_),
            ) => true,
            // SQLite still locked by another writer when the busy timeout ran out (SQLITE_BUSY
            // and its extended codes).
            Self::Database(sqlx::Error::Database(error))
                if error
                    .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                    .is_some() =>
            {
                error
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .is_some_and(|code| code & 0xff == SQLITE_BUSY)
            }
            // PostgreSQL refusing the connection itself: connection exceptions (08...),
            // shutdowns and restarts (57P...), a database that is gone (3D000) or not
            // accepting connections (55000); or a table held by a bulk import past the
            // reader's lock timeout (55P03).
            Self::Database(sqlx::Error::Database(error)) => error.code().is_some_and(|code| {
                code.starts_with("08")
                    || code.starts_with("57P")
                    || code == "3D000"
                    || code == "55000"
                    || code == "55P03"
            }),
            _ => false,
        }
    }
}

/// SQLite's primary result code for a database locked by another connection.
const SQLITE_BUSY: i32 = 5;

/// Results of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
