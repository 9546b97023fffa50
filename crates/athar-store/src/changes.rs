//! The change log: its entries, what a write changes field by field, and reading it.

use uuid::Uuid;

use crate::{Result, Store, postgres, row};

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Change {
    /// Monotonic sequence number.
    pub seq: i64,
    /// The incident changed.
    pub incident_id: Uuid,
    /// `insert`, `update` or `delete`.
    #[schema(example = "insert")]
    pub op: String,
    /// The import that made it, if any.
    pub import_id: Option<Uuid>,
    /// Who made it, when known.
    pub actor: Option<String>,
    /// When, in UTC (RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
    /// What an update or a delete changed, field by field (a delete: every field it had);
    /// none for an insert.
    pub fields: Option<Vec<athar_core::FieldChange>>,
}

/// What a write changes between two versions of a record, as the change log's JSON.
pub(crate) fn field_changes(
    before: Option<&athar_core::IncidentRecord>,
    after: Option<&athar_core::IncidentRecord>,
) -> String {
    let draft = |record: Option<&athar_core::IncidentRecord>| {
        record
            .map(athar_core::IncidentDraft::from_record)
            .unwrap_or_default()
    };
    serde_json::to_string(&draft(before).changes_to(&draft(after)))
        .expect("field changes serialise")
}

impl Store {
    /// The sequence number of the newest change-log entry (0 when there is none).
    pub async fn last_change_seq(&self) -> Result<i64> {
        const SQL: &str = "SELECT COALESCE(MAX(seq), 0) FROM changes";
        Ok(match self {
            Self::Postgres(pool) => {
                let mut tx = postgres::begin_change_log_read(pool).await?;
                let seq = sqlx::query_scalar(SQL).fetch_one(&mut *tx).await?;
                tx.commit().await?;
                seq
            }
            Self::Sqlite(pool) => sqlx::query_scalar(SQL).fetch_one(pool).await?,
        })
    }

    /// Change-log entries after `since`, oldest first, at most `limit`.
    pub async fn changes_since(&self, since: i64, limit: i64) -> Result<Vec<Change>> {
        let rows: Vec<row::ChangeRow> = match self {
            Self::Postgres(pool) => {
                let mut tx = postgres::begin_change_log_read(pool).await?;
                let rows = sqlx::query_as(
                    "SELECT seq, incident_id, op, import_id, actor,
                            to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at,
                            fields::text AS fields
                     FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(since)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                rows
            }
            Self::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT seq, incident_id, op, import_id, actor, at, fields
                     FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )
                .bind(since)
                .bind(limit)
                .fetch_all(pool)
                .await?
            }
        };
        rows.into_iter().map(row::ChangeRow::into_change).collect()
    }
}

/// What every finished import added up to, across every process writing to this store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportTotals {
    /// Finished imports.
    pub imports: i64,
    /// Rows accepted as new incidents.
    pub accepted: i64,
    /// Rows that updated an incident.
    pub updated: i64,
    /// Rows already present exactly.
    pub unchanged: i64,
    /// Rows rejected.
    pub rejected: i64,
}

impl Store {
    /// The totals of every finished import in the import log.
    pub async fn import_totals(&self) -> Result<ImportTotals> {
        // (PostgreSQL sums bigints as numeric: cast back, as SQLite does not mind.)
        const SQL: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(accepted), 0) AS BIGINT), \
             CAST(COALESCE(SUM(updated), 0) AS BIGINT), CAST(COALESCE(SUM(unchanged), 0) AS BIGINT), \
             CAST(COALESCE(SUM(rejected), 0) AS BIGINT) FROM imports WHERE finished_at IS NOT NULL";
        let (imports, accepted, updated, unchanged, rejected): (i64, i64, i64, i64, i64) =
            match self {
                Self::Postgres(pool) => sqlx::query_as(SQL).fetch_one(pool).await?,
                Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_one(pool).await?,
            };
        Ok(ImportTotals {
            imports,
            accepted,
            updated,
            unchanged,
            rejected,
        })
    }

    /// The database pool's connections: (open, idle).
    pub fn pool_connections(&self) -> (u32, usize) {
        match self {
            Self::Postgres(pool) => (pool.size(), pool.num_idle()),
            Self::Sqlite(pool) => (pool.size(), pool.num_idle()),
        }
    }
}
