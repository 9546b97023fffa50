//! Releases: published months, frozen. A release row holds its manifest, the vocabulary
//! terms and the places as they stood; its incidents are copies of their rows (as JSON),
//! never references, so later edits, deletions, aliases and merges change nothing in it.

use athar_core::Incident;
use chrono::NaiveDate;

use crate::row::IncidentRow;
use crate::{BeginWrite as _, Result, Store, StoreError};

/// A release to store.
pub struct NewRelease<'a> {
    /// Its id, a short slug (checked by the caller).
    pub id: &'a str,
    /// Its title.
    pub title: &'a str,
    /// The first day of its period.
    pub from: NaiveDate,
    /// The last day of its period.
    pub to: NaiveDate,
    /// Its other filters, as a query string.
    pub filters: &'a str,
    /// When it was made (RFC 3339, UTC).
    pub created_at: &'a str,
    /// Who made it.
    pub created_by: Option<&'a str>,
    /// The SHA-256 of its canonical serialisation (hex).
    pub sha256: &'a str,
    /// The vocabulary terms as CSV.
    pub vocabularies: &'a str,
    /// The places its incidents resolved to, as a JSON array.
    pub communities: &'a str,
}

/// A stored release, without its incidents.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredRelease {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The first day of its period (`YYYY-MM-DD`).
    pub from_day: String,
    /// The last day of its period.
    pub to_day: String,
    /// Its other filters, as a query string.
    pub filters: String,
    /// When it was made.
    pub created_at: String,
    /// Who made it.
    pub created_by: Option<String>,
    /// Its incidents.
    pub incidents: i64,
    /// The SHA-256 of its canonical serialisation.
    pub sha256: String,
    /// The vocabulary terms as CSV.
    pub vocabularies: String,
    /// The places as a JSON array.
    pub communities: String,
    /// When it was withdrawn.
    pub withdrawn_at: Option<String>,
    /// Who withdrew it.
    pub withdrawn_by: Option<String>,
    /// Why.
    pub withdrawn_reason: Option<String>,
}

const COLUMNS: &str = "id, title, from_day, to_day, filters, created_at, created_by, incidents, sha256, vocabularies, communities, withdrawn_at, withdrawn_by, withdrawn_reason";

/// Frozen incidents written per statement (three values each).
const ROWS_PER_INSERT: usize = 2_000;

impl Store {
    /// Stores a release and copies of its incidents, in one transaction. `Ok(false)`, and
    /// nothing written, when a release with its id exists (a release is never replaced).
    pub async fn create_release(
        &self,
        release: &NewRelease<'_>,
        incidents: &[Incident],
    ) -> Result<bool> {
        let bodies: Vec<String> = incidents
            .iter()
            .map(|incident| serde_json::to_string(&IncidentRow::of(incident)))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        let count = i64::try_from(incidents.len()).unwrap_or(i64::MAX);
        let (from, to) = (release.from.to_string(), release.to.to_string());
        macro_rules! write {
            ($pool:expr, $db:ty, $conflict:literal) => {{
                let mut tx = $pool.begin_write().await?;
                let inserted = sqlx::query(concat!(
                    "INSERT INTO releases (id, title, from_day, to_day, filters, created_at, created_by, incidents, sha256, vocabularies, communities) ",
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ",
                    $conflict
                ))
                .bind(release.id)
                .bind(release.title)
                .bind(&from)
                .bind(&to)
                .bind(release.filters)
                .bind(release.created_at)
                .bind(release.created_by)
                .bind(count)
                .bind(release.sha256)
                .bind(release.vocabularies)
                .bind(release.communities)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(false);
                }
                for (chunk_index, chunk) in bodies.chunks(ROWS_PER_INSERT).enumerate() {
                    let mut query: sqlx::QueryBuilder<$db> = sqlx::QueryBuilder::new(
                        "INSERT INTO release_incidents (release_id, position, body) ",
                    );
                    query.push_values(chunk.iter().enumerate(), |mut row, (index, body)| {
                        let position = chunk_index * ROWS_PER_INSERT + index;
                        row.push_bind(release.id)
                            .push_bind(i64::try_from(position).unwrap_or(i64::MAX))
                            .push_bind(body.as_str());
                    });
                    query.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            }};
        }
        match self {
            Self::Postgres(pool) => write!(pool, sqlx::Postgres, "ON CONFLICT (id) DO NOTHING"),
            Self::Sqlite(pool) => write!(pool, sqlx::Sqlite, "ON CONFLICT (id) DO NOTHING"),
        }
    }

    /// Every release, newest first, without its incidents.
    pub async fn releases(&self) -> Result<Vec<StoredRelease>> {
        let sql = format!("SELECT {COLUMNS} FROM releases ORDER BY created_at DESC, id DESC");
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// The id of every release and when it was withdrawn: a cheap look for what changed.
    pub async fn release_states(&self) -> Result<Vec<(String, Option<String>)>> {
        const SQL: &str = "SELECT id, withdrawn_at FROM releases";
        Ok(match self {
            Self::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        })
    }

    /// The frozen incidents of release `id`, in its order.
    pub async fn release_incidents(&self, id: &str) -> Result<Vec<Incident>> {
        const SQL: &str =
            "SELECT body FROM release_incidents WHERE release_id = $1 ORDER BY position";
        let bodies: Vec<String> = match self {
            Self::Postgres(pool) => sqlx::query_scalar(SQL).bind(id).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).bind(id).fetch_all(pool).await?,
        };
        bodies
            .iter()
            .map(|body| {
                serde_json::from_str::<IncidentRow>(body)
                    .map_err(|e| StoreError::Corrupt {
                        id: format!("an incident of release {id}"),
                        message: e.to_string(),
                    })?
                    .into_incident()
            })
            .collect()
    }

    /// Withdraws release `id` (for `by`, because of `reason`) at `at`: `Ok(false)` when
    /// there is no such release or it was withdrawn already.
    pub async fn withdraw_release(
        &self,
        id: &str,
        (at, by, reason): (&str, Option<&str>, &str),
    ) -> Result<bool> {
        const SQL: &str = "UPDATE releases SET withdrawn_at = $2, withdrawn_by = $3, withdrawn_reason = $4 WHERE id = $1 AND withdrawn_at IS NULL";
        let updated = match self {
            Self::Postgres(pool) => sqlx::query(SQL)
                .bind(id)
                .bind(at)
                .bind(by)
                .bind(reason)
                .execute(pool)
                .await?
                .rows_affected(),
            Self::Sqlite(pool) => sqlx::query(SQL)
                .bind(id)
                .bind(at)
                .bind(by)
                .bind(reason)
                .execute(pool)
                .await?
                .rows_affected(),
        };
        Ok(updated == 1)
    }
}
