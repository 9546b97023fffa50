//! The same incident from several sources, as stored: an incident merged into another
//! keeps its row (its own figures) with `merged_into` set and stops counting (every
//! loading query leaves it out); the decisions people made on proposed pairs; each merge,
//! dismissal and unmerge in the change log with its actor.

use athar_core::{FieldChange, Incident};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::{BeginWrite, Result, Store, StoreError, postgres, row, sqlite};

/// What a person decided about a proposed pair.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Decision {
    /// The pair's id: the two incident ids, smaller first, joined by `_`.
    pub pair: String,
    /// The two incidents, smaller id first.
    #[schema(value_type = [String], min_items = 2, max_items = 2)]
    pub incidents: [Uuid; 2],
    /// `merged` or `dismissed`.
    pub decision: String,
    /// The incident kept, when merged.
    pub kept: Option<Uuid>,
    /// Who decided, when known.
    pub actor: Option<String>,
    /// When, in UTC (RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
}

#[derive(sqlx::FromRow)]
struct DecisionRow {
    pair: String,
    first_id: Uuid,
    second_id: Uuid,
    decision: String,
    kept: Option<Uuid>,
    actor: Option<String>,
    at: String,
}

/// Why a merge, dismissal or unmerge could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DuplicateError {
    /// One of the incidents is not stored, or no longer counts.
    #[error("no incident {0} that counts (not merged into another)")]
    NotFound(Uuid),
    /// Nothing is merged into or from the incident.
    #[error("nothing is merged into or from incident {0}")]
    NotMerged(Uuid),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for DuplicateError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// The pair id of two incidents: smaller first, joined by `_`.
pub fn pair_id(a: Uuid, b: Uuid) -> (String, [Uuid; 2]) {
    let pair = if a <= b { [a, b] } else { [b, a] };
    (format!("{}_{}", pair[0], pair[1]), pair)
}

/// A change-log entry's fields, as JSON.
fn fields(field: &str, before: Option<Uuid>, after: Option<Uuid>) -> String {
    serde_json::to_string(&[FieldChange {
        field: field.to_owned(),
        before: before.map(|id| id.to_string()),
        after: after.map(|id| id.to_string()),
    }])
    .expect("field changes serialise")
}

// The statements of both backends, which differ only in placeholders, casts and the
// time's text.
struct Sql {
    counts: &'static str,
    merged_into_of: &'static str,
    set_merged: &'static str,
    repoint: &'static str,
    decide: &'static str,
    undecide: &'static str,
    log: &'static str,
    merged_from: &'static str,
    decisions: &'static str,
    reports: String,
}

fn statements(postgres: bool) -> Sql {
    if postgres {
        Sql {
            counts: "SELECT count(*) FROM incidents WHERE id = $1 AND merged_into IS NULL",
            merged_into_of: "SELECT merged_into FROM incidents WHERE id = $1",
            set_merged: "UPDATE incidents SET merged_into = $2, updated_at = now() WHERE id = $1",
            repoint: "UPDATE incidents SET merged_into = $2 WHERE merged_into = $1",
            decide:
                "INSERT INTO duplicate_decisions (pair, first_id, second_id, decision, kept, actor)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (pair) DO UPDATE SET decision = excluded.decision,
                         kept = excluded.kept, actor = excluded.actor, at = now()",
            undecide: "DELETE FROM duplicate_decisions WHERE decision = 'merged' AND (first_id = $1 OR second_id = $1)",
            log: "INSERT INTO changes (incident_id, op, actor, fields) VALUES ($1, $2, $3, $4::jsonb)",
            merged_from: "SELECT id FROM incidents WHERE merged_into = $1 ORDER BY id",
            decisions: "SELECT pair, first_id, second_id, decision, kept, actor,
                        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS at
                        FROM duplicate_decisions ORDER BY at, pair",
            reports: format!(
                "{} WHERE id = $1 OR merged_into = $1 ORDER BY id",
                postgres::SELECT_COLUMNS
            ),
        }
    } else {
        Sql {
            counts: "SELECT count(*) FROM incidents WHERE id = ?1 AND merged_into IS NULL",
            merged_into_of: "SELECT merged_into FROM incidents WHERE id = ?1",
            set_merged: "UPDATE incidents SET merged_into = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1",
            repoint: "UPDATE incidents SET merged_into = ?2 WHERE merged_into = ?1",
            decide:
                "INSERT INTO duplicate_decisions (pair, first_id, second_id, decision, kept, actor)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (pair) DO UPDATE SET decision = excluded.decision,
                         kept = excluded.kept, actor = excluded.actor,
                         at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            undecide: "DELETE FROM duplicate_decisions WHERE decision = 'merged' AND (first_id = ?1 OR second_id = ?1)",
            log: "INSERT INTO changes (incident_id, op, actor, fields) VALUES (?1, ?2, ?3, ?4)",
            merged_from: "SELECT id FROM incidents WHERE merged_into = ?1 ORDER BY id",
            decisions: "SELECT pair, first_id, second_id, decision, kept, actor, at
                        FROM duplicate_decisions ORDER BY at, pair",
            reports: format!(
                "{} WHERE id = ?1 OR merged_into = ?1 ORDER BY id",
                sqlite::SELECT_COLUMNS
            ),
        }
    }
}

/// Runs `$body` in a write transaction of either backend, with `$tx` the transaction and
/// `$sql` the backend's statements; imports and these writes take turns on PostgreSQL
/// (the import lock), so that the change log grows in commit order.
macro_rules! in_write {
    ($store:expr, |$tx:ident, $sql:ident| $body:block) => {
        match $store {
            Store::Postgres(pool) => {
                let mut $tx = pool.begin_write().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7478001)")
                    .execute(&mut *$tx)
                    .await?;
                let $sql = statements(true);
                let result = $body;
                $tx.commit().await?;
                result
            }
            Store::Sqlite(pool) => {
                let mut $tx = pool.begin_write().await?;
                let $sql = statements(false);
                let result = $body;
                $tx.commit().await?;
                result
            }
        }
    };
}

impl Store {
    /// Makes one event of two incidents: `other` stops counting and is kept as a report
    /// of `kept` (and whatever was merged into `other` moves to `kept`). Recorded as a
    /// decision on their pair and in the change log (`merge`, on both, with `actor`).
    ///
    /// # Errors
    /// When either incident is not stored or already merged into another.
    pub async fn merge_incidents(
        &self,
        kept: Uuid,
        other: Uuid,
        actor: Option<&str>,
    ) -> std::result::Result<(), DuplicateError> {
        self.decide_pair(kept, other, true, actor).await
    }

    /// Records that two incidents are different events: their pair is not proposed again.
    /// In the change log as `dismiss`, on both, with `actor`.
    ///
    /// # Errors
    /// When either incident is not stored or no longer counts.
    pub async fn dismiss_pair(
        &self,
        a: Uuid,
        b: Uuid,
        actor: Option<&str>,
    ) -> std::result::Result<(), DuplicateError> {
        self.decide_pair(a, b, false, actor).await
    }

    /// A decision on the pair of `a` and `b`, both counting: merged into `a` (`merge`), or
    /// dismissed; stored on the pair and logged on both incidents.
    async fn decide_pair(
        &self,
        a: Uuid,
        b: Uuid,
        merge: bool,
        actor: Option<&str>,
    ) -> std::result::Result<(), DuplicateError> {
        let (pair, [first, second]) = pair_id(a, b);
        let (decision, kept, op) = if merge {
            ("merged", Some(a), "merge")
        } else {
            ("dismissed", None, "dismiss")
        };
        in_write!(self, |tx, sql| {
            for id in [a, b] {
                let counts: i64 = sqlx::query_scalar(sql.counts)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                if counts == 0 {
                    return Err(DuplicateError::NotFound(id));
                }
            }
            if merge {
                for statement in [sql.set_merged, sql.repoint] {
                    sqlx::query(statement)
                        .bind(b)
                        .bind(a)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            sqlx::query(sql.decide)
                .bind(&pair)
                .bind(first)
                .bind(second)
                .bind(decision)
                .bind(kept)
                .bind(actor)
                .execute(&mut *tx)
                .await?;
            for (id, other) in [(b, a), (a, b)] {
                let logged = if merge {
                    fields("merged_into", None, Some(a))
                } else {
                    fields("not_duplicate_of", None, Some(other))
                };
                sqlx::query(AssertSqlSafe(sql.log))
                    .bind(id)
                    .bind(op)
                    .bind(actor)
                    .bind(logged)
                    .execute(&mut *tx)
                    .await?;
            }
            Ok::<(), DuplicateError>(())
        })
    }

    /// Undoes merges: `id` merged into another counts again, or, when `id` is a kept
    /// incident, every report merged into it does. Their `merged` decisions are removed;
    /// each is in the change log as `unmerge` with `actor`. Returns the incidents that
    /// count again.
    ///
    /// # Errors
    /// When nothing is merged into or from `id`.
    pub async fn unmerge_incident(
        &self,
        id: Uuid,
        actor: Option<&str>,
    ) -> std::result::Result<Vec<Uuid>, DuplicateError> {
        in_write!(self, |tx, sql| {
            let into: Option<Option<Uuid>> = sqlx::query_scalar(sql.merged_into_of)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let (kept, restored) = match into {
                None => return Err(DuplicateError::NotFound(id)),
                Some(Some(kept)) => (kept, vec![id]),
                Some(None) => {
                    let restored: Vec<Uuid> = sqlx::query_scalar(sql.merged_from)
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                    (id, restored)
                }
            };
            if restored.is_empty() {
                return Err(DuplicateError::NotMerged(id));
            }
            for &report in &restored {
                sqlx::query(sql.set_merged)
                    .bind(report)
                    .bind(None::<Uuid>)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(sql.undecide)
                    .bind(report)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(AssertSqlSafe(sql.log))
                    .bind(report)
                    .bind("unmerge")
                    .bind(actor)
                    .bind(fields("merged_into", Some(kept), None))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(AssertSqlSafe(sql.log))
                .bind(kept)
                .bind("unmerge")
                .bind(actor)
                .bind(fields("merged_into", Some(kept), None))
                .execute(&mut *tx)
                .await?;
            Ok::<Vec<Uuid>, DuplicateError>(restored)
        })
    }

    /// The incident `id` was merged into, if it was (`None` also when there is no `id`).
    pub async fn merged_into(&self, id: Uuid) -> Result<Option<Uuid>> {
        let sql = statements(matches!(self, Self::Postgres(_)));
        let found: Option<Option<Uuid>> = match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar(sql.merged_into_of)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar(sql.merged_into_of)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?
            }
        };
        Ok(found.flatten())
    }

    /// Every report of the event `id`: the incident itself and those merged into it,
    /// each with its own figures, by id.
    pub async fn reports_of(&self, id: Uuid) -> Result<Vec<Incident>> {
        let sql = statements(matches!(self, Self::Postgres(_)));
        let rows: Vec<row::IncidentRow> = match self {
            Self::Postgres(pool) => {
                sqlx::query_as(AssertSqlSafe(sql.reports))
                    .bind(id)
                    .fetch_all(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_as(AssertSqlSafe(sql.reports))
                    .bind(id)
                    .fetch_all(pool)
                    .await?
            }
        };
        rows.into_iter()
            .map(row::IncidentRow::into_incident)
            .collect()
    }

    /// The incidents resolved to a place whose id starts with `prefix` (`geonames:`).
    pub async fn incidents_resolved_under(&self, prefix: &str) -> Result<Vec<Uuid>> {
        let pattern = format!("{}%", prefix.replace(['%', '_'], ""));
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT id FROM incidents WHERE community_id LIKE $1")
                    .bind(pattern)
                    .fetch_all(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT id FROM incidents WHERE community_id LIKE ?1")
                    .bind(pattern)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// Whether the one-time upgrade `name` was done.
    pub async fn upgrade_done(&self, name: &str) -> Result<bool> {
        let count: i64 = match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT count(*) FROM athar_upgrades WHERE name = $1")
                    .bind(name)
                    .fetch_one(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT count(*) FROM athar_upgrades WHERE name = ?1")
                    .bind(name)
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(count > 0)
    }

    /// Records that the one-time upgrade `name` is done.
    pub async fn record_upgrade(&self, name: &str) -> Result<()> {
        match self {
            Self::Postgres(pool) => {
                sqlx::query("INSERT INTO athar_upgrades (name) VALUES ($1) ON CONFLICT DO NOTHING")
                    .bind(name)
                    .execute(pool)
                    .await?;
            }
            Self::Sqlite(pool) => {
                sqlx::query("INSERT INTO athar_upgrades (name) VALUES (?1) ON CONFLICT DO NOTHING")
                    .bind(name)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }

    /// The incidents an import inserted or updated (from the change log).
    pub async fn incidents_of_import(&self, import_id: Uuid) -> Result<Vec<Uuid>> {
        const SQL_PG: &str = "SELECT DISTINCT incident_id FROM changes WHERE import_id = $1 AND op IN ('insert', 'update')";
        const SQL_LITE: &str = "SELECT DISTINCT incident_id FROM changes WHERE import_id = ?1 AND op IN ('insert', 'update')";
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar(SQL_PG)
                    .bind(import_id)
                    .fetch_all(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar(SQL_LITE)
                    .bind(import_id)
                    .fetch_all(pool)
                    .await?
            }
        })
    }

    /// Every decision made on proposed pairs, oldest first.
    pub async fn duplicate_decisions(&self) -> Result<Vec<Decision>> {
        let sql = statements(matches!(self, Self::Postgres(_)));
        let rows: Vec<DecisionRow> = match self {
            Self::Postgres(pool) => sqlx::query_as(sql.decisions).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(sql.decisions).fetch_all(pool).await?,
        };
        Ok(rows
            .into_iter()
            .map(|row| Decision {
                pair: row.pair,
                incidents: [row.first_id, row.second_id],
                decision: row.decision,
                kept: row.kept,
                actor: row.actor,
                at: row.at,
            })
            .collect())
    }
}
