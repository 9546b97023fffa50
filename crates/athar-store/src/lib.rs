//! Persistence through sqlx: PostGIS in production, SQLite as the embedded default.
//!
//! [`Store`] is one type over both backends, chosen by the database URL: a `postgres://`
//! URL opens PostGIS, no URL opens `athar.db` in the data directory. Both run the same
//! model (incidents, communities, vocabularies, the import log and the change log) from
//! their own migrations (`migrations/postgres`, `migrations/sqlite`), and the same test
//! suite runs against both.
//!
//! Imports go through an [`ImportSession`]: one transaction, into which validated rows are
//! classified by key (new, changed, unchanged), staged in batches (COPY on PostgreSQL,
//! multi-row inserts on SQLite) and then merged in a few set-based statements. Dropping a session without [`ImportSession::finish`] rolls
//! everything back, so a failed or interrupted import leaves the store as it was.
#![deny(missing_docs)]

mod backup;
mod changes;
mod communities;
mod copy_in;
mod copy_out;
mod cursors;
mod duplicates;
mod error;
mod import;
mod incidents;
mod postgres;
mod releases;
mod row;
mod sqlite;
mod tokens;

use std::path::{Path, PathBuf};

use athar_core::{Term, Vocabularies};
use sqlx::{PgPool, SqlitePool};
use uuid::Uuid;

pub use backup::restore;
pub use changes::{Change, ImportTotals};
pub use communities::CommunityCounts;
pub use duplicates::{Decision, DuplicateError, pair_id};
pub use error::{Result, StoreError};
pub use import::{ImportMeta, ImportSession, MergeCounts};
pub use releases::{NewRelease, StoredRelease};
pub use tokens::StoredToken;

/// Begins a transaction that will write.
///
/// SQLite's plain `BEGIN` takes the write lock only at the first write. A transaction that
/// read first and finds another connection has written since cannot take it, and fails at
/// once with "database is locked" instead of waiting. `BEGIN IMMEDIATE` takes the lock up
/// front, waiting (under the busy timeout) for the writer ahead of it.
trait BeginWrite {
    type Db: sqlx::Database;

    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Self::Db>>;
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;

    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Self::Db>> {
        self.begin().await
    }
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;

    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, Self::Db>> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A PostgreSQL (PostGIS) URL.
    Postgres(String),
    /// An SQLite database file.
    Sqlite(PathBuf),
}

impl StoreLocation {
    /// PostgreSQL when a `postgres://` or `postgresql://` URL is given, else
    /// `DATA_DIR/athar.db`. A `sqlite://PATH` URL names an SQLite file directly.
    pub fn from_settings(database_url: Option<&str>, data_dir: &Path) -> Result<Self> {
        match database_url.map(str::trim).filter(|url| !url.is_empty()) {
            None => Ok(Self::Sqlite(data_dir.join("athar.db"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Self::Postgres(url.to_owned()))
            }
            Some(url) if url.starts_with("sqlite://") => Ok(Self::Sqlite(PathBuf::from(
                url.trim_start_matches("sqlite://"),
            ))),
            Some(_) => Err(StoreError::Config(
                "DATABASE_URL must start with postgres://, postgresql:// or sqlite://".into(),
            )),
        }
    }

    /// A description for logs that never includes a password.
    pub fn describe(&self) -> String {
        match self {
            Self::Postgres(url) => match url.split_once('@') {
                Some((_, host)) => format!("PostgreSQL at {host}"),
                None => "PostgreSQL".to_owned(),
            },
            Self::Sqlite(path) => format!("SQLite at {}", path.display()),
        }
    }
}

/// The database behind Athar.
#[derive(Debug, Clone)]
pub enum Store {
    /// PostGIS.
    Postgres(PgPool),
    /// Embedded SQLite.
    Sqlite(SqlitePool),
}

impl Store {
    /// Opens (creating an SQLite file and its folder when missing) the store at `location`.
    /// Does not migrate.
    pub async fn open(location: &StoreLocation) -> Result<Self> {
        match location {
            StoreLocation::Postgres(url) => postgres::open(url).await.map(Self::Postgres),
            StoreLocation::Sqlite(path) => sqlite::open(path).await.map(Self::Sqlite),
        }
    }

    /// `postgres` or `sqlite`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }

    /// Runs the migrations and adds the default vocabulary terms that are missing (terms an
    /// organisation changed are left as they are).
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Self::Postgres(pool) => postgres::migrate(pool).await?,
            Self::Sqlite(pool) => sqlite::migrate(pool).await?,
        }
        let defaults = Vocabularies::defaults();
        self.add_terms(defaults.terms(), false).await?;
        let id = Uuid::now_v7();
        match self {
            Self::Postgres(pool) => {
                sqlx::query("INSERT INTO athar_instance (singleton, id) VALUES (true, $1) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .execute(pool)
                    .await?;
            }
            Self::Sqlite(pool) => {
                sqlx::query("INSERT INTO athar_instance (singleton, id) VALUES (1, ?1) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The identity of this database, set once by the first migration.
    pub async fn instance_id(&self) -> Result<Uuid> {
        const SQL: &str = "SELECT id FROM athar_instance";
        Ok(match self {
            Self::Postgres(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        match self {
            Self::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Self::Sqlite(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Adds vocabulary terms; with `replace`, existing terms take the new labels.
    /// Returns how many terms were written.
    pub async fn add_terms<'a>(
        &self,
        terms: impl IntoIterator<Item = &'a Term>,
        replace: bool,
    ) -> Result<u64> {
        let terms: Vec<&Term> = terms.into_iter().collect();
        match self {
            Self::Postgres(pool) => postgres::add_terms(pool, &terms, replace).await,
            Self::Sqlite(pool) => sqlite::add_terms(pool, &terms, replace).await,
        }
    }

    /// The vocabularies this store holds.
    pub async fn vocabularies(&self) -> Result<Vocabularies> {
        let rows: Vec<row::TermRow> = match self {
            Self::Postgres(pool) => sqlx::query_as(row::SELECT_TERMS).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(row::SELECT_TERMS).fetch_all(pool).await?,
        };
        let mut vocabularies = Vocabularies::default();
        for term in rows {
            vocabularies.insert(term.into_term()?);
        }
        Ok(vocabularies)
    }
}
