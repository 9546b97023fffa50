//! The embedded SQLite backend.

use std::collections::HashMap;
use std::path::Path;

use athar_core::{Incident, StagedIncident, Term};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, QueryBuilder, Sqlite, SqlitePool, Transaction};
use uuid::Uuid;

use crate::import::{Classified, ExistingKeys};
use crate::row::{Dialect, STAGING_COLUMNS, slug_text};
use crate::{BeginWrite, ImportMeta, MergeCounts, Result};

pub(crate) const SELECT_COLUMNS: &str = "SELECT id, source, source_id, kind, occurred_on, occurred_time, lon, lat, location_precision, community, community_key, community_pcode, admin1, admin2, admin3, place_type, perpetrator, weapon, cause, vehicle, killed, killed_women, killed_children, injured, injured_women, injured_children, notes, community_id, resolution_method, resolution_score FROM incidents";
pub(crate) const SELECT_INCIDENTS: &str = "SELECT id, source, source_id, kind, occurred_on, occurred_time, lon, lat, location_precision, community, community_key, community_pcode, admin1, admin2, admin3, place_type, perpetrator, weapon, cause, vehicle, killed, killed_women, killed_children, injured, injured_women, injured_children, notes, community_id, resolution_method, resolution_score FROM incidents WHERE merged_into IS NULL ORDER BY occurred_on, occurred_time NULLS FIRST, id";

pub(crate) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// SQLite allows 32,766 bound values per statement; 34 columns a row.
const ROWS_PER_INSERT: usize = 900;

pub(crate) async fn open(path: &Path) -> Result<SqlitePool> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Reads the incidents with ids in `[from, to)` (open ends: `None`) on a connection of its
/// own through SQLite's C interface (rusqlite, on the same bundled library as sqlx), and
/// hands each to `emit` until it returns false. Blocking. sqlx's SQLite driver passes every
/// row through its worker thread, about 10 µs a row; this reads a row in about one, which
/// is most of the time a million-incident snapshot takes to build at start.
pub(crate) fn read_incidents(
    path: &Path,
    from: Option<Uuid>,
    to: Option<Uuid>,
    mut emit: impl FnMut(athar_core::Incident) -> bool,
) -> Result<()> {
    use rusqlite::OpenFlags;
    let sqlite_error = |e: rusqlite::Error| {
        crate::StoreError::Io(std::io::Error::other(format!(
            "reading incidents from {}: {e}",
            path.display()
        )))
    };
    let connection = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite_error)?;
    let sql = format!(
        "{SELECT_COLUMNS} WHERE merged_into IS NULL AND (?1 IS NULL OR id >= ?1) AND (?2 IS NULL OR id < ?2)"
    );
    let mut statement = connection.prepare(&sql).map_err(sqlite_error)?;
    let bound = |id: Option<Uuid>| id.map(|id| id.as_bytes().to_vec());
    let mut rows = statement
        .query((bound(from), bound(to)))
        .map_err(sqlite_error)?;
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        let incident = crate::row::IncidentRow::from_rusqlite(row)
            .map_err(sqlite_error)?
            .into_incident()?;
        if !emit(incident) {
            break;
        }
    }
    Ok(())
}

/// An existing SQLite file, read only (a backup, or a store checked before a restore).
pub(crate) async fn open_read_only(path: &Path) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .create_if_missing(false);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?)
}

pub(crate) async fn migrate(pool: &SqlitePool) -> Result<()> {
    sqlx::migrate!("../../migrations/sqlite").run(pool).await?;
    Ok(())
}

pub(crate) async fn add_terms(pool: &SqlitePool, terms: &[&Term], replace: bool) -> Result<u64> {
    let sql = if replace {
        "INSERT INTO vocabulary_terms (vocabulary, slug, label_en, label_ar) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (vocabulary, slug) DO UPDATE SET label_en = excluded.label_en, label_ar = excluded.label_ar"
    } else {
        "INSERT INTO vocabulary_terms (vocabulary, slug, label_en, label_ar) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (vocabulary, slug) DO NOTHING"
    };
    let mut tx = pool.begin_write().await?;
    let mut written = 0;
    for term in terms {
        written += sqlx::query(sql)
            .bind(term.vocabulary.as_str())
            .bind(term.slug.as_str())
            .bind(&term.label_en)
            .bind(&term.label_ar)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(written)
}

pub(crate) struct SqliteImport {
    pub(crate) tx: Transaction<'static, Sqlite>,
}

const DIALECT: Dialect = Dialect {
    import_id: "?1",
    point_columns: "lon, lat",
    point_values: "s.lon, s.lat",
    point_update: "lon = s.lon, lat = s.lat",
    now: NOW,
};

/// Keys looked up per statement (SQLite allows 32,766 bound values).
const KEYS_PER_LOOKUP: usize = 5_000;

pub(crate) async fn begin_import(
    pool: &SqlitePool,
    id: Uuid,
    meta: &ImportMeta,
) -> Result<SqliteImport> {
    // The write lock is taken at once: imports are serialised, and one that must wait
    // does so here rather than failing halfway.
    let mut tx = pool.begin_write().await?;
    sqlx::query(
        "INSERT INTO imports (id, source, format, file_name, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .bind(id)
    .bind(&meta.source)
    .bind(&meta.format)
    .bind(&meta.file_name)
    .bind(&meta.actor)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DROP TABLE IF EXISTS temp.staging")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "CREATE TEMP TABLE staging (
            row_no integer NOT NULL, id blob NOT NULL, is_new integer NOT NULL,
            source text NOT NULL, source_key text NOT NULL,
            source_id text, content_hash integer NOT NULL, kind text NOT NULL, occurred_on text NOT NULL,
            occurred_time text, lon real, lat real, location_precision text NOT NULL,
            community text NOT NULL, community_key text NOT NULL, community_pcode text,
            admin1 text, admin2 text, admin3 text, place_type text, perpetrator text, weapon text,
            cause text, vehicle text, killed integer NOT NULL, killed_women integer NOT NULL,
            killed_children integer NOT NULL, injured integer NOT NULL, injured_women integer NOT NULL,
            injured_children integer NOT NULL, notes text,
            community_id text, resolution_method text NOT NULL, resolution_score real NOT NULL,
            fields text
        )",
    )
    .execute(&mut *tx)
    .await?;
    Ok(SqliteImport { tx })
}

impl SqliteImport {
    /// The source and key of the incident with this id, if it exists.
    pub(crate) async fn key_of(&mut self, id: Uuid) -> Result<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT source, source_key FROM incidents WHERE id = ?1")
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    /// The stored incidents with these ids, as this transaction sees them.
    pub(crate) async fn stored(&mut self, ids: &[Uuid]) -> Result<Vec<Incident>> {
        let mut incidents = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(KEYS_PER_LOOKUP) {
            let mut query: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("{SELECT_COLUMNS} WHERE id IN ("));
            let mut separated = query.separated(", ");
            for id in chunk {
                separated.push_bind(*id);
            }
            query.push(")");
            let rows: Vec<crate::row::IncidentRow> =
                query.build_query_as().fetch_all(&mut *self.tx).await?;
            for row in rows {
                incidents.push(row.into_incident()?);
            }
        }
        Ok(incidents)
    }

    /// The stored id and content hash of every key of `rows` that exists.
    pub(crate) async fn lookup(&mut self, rows: &[StagedIncident]) -> Result<ExistingKeys> {
        let mut by_source: HashMap<&str, Vec<&str>> = HashMap::new();
        for row in rows {
            by_source
                .entry(row.record.source.as_str())
                .or_default()
                .push(row.source_key.as_str());
        }
        let mut existing = ExistingKeys::new();
        for (source, keys) in by_source {
            for chunk in keys.chunks(KEYS_PER_LOOKUP) {
                let mut lookup: QueryBuilder<Sqlite> = QueryBuilder::new(
                    "SELECT source, source_key, id, content_hash FROM incidents WHERE source = ",
                );
                lookup.push_bind(source).push(" AND source_key IN (");
                let mut separated = lookup.separated(", ");
                for key in chunk {
                    separated.push_bind(*key);
                }
                lookup.push(")");
                let found: Vec<(String, String, Uuid, i64)> =
                    lookup.build_query_as().fetch_all(&mut *self.tx).await?;
                for (source, key, id, hash) in found {
                    existing.entry(source).or_default().insert(key, (id, hash));
                }
            }
        }
        Ok(existing)
    }

    pub(crate) async fn stage(&mut self, rows: &[Classified<'_>]) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let mut insert: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("INSERT INTO staging ({STAGING_COLUMNS}, fields) "));
            insert.push_values(chunk, |mut values, classified| {
                let Classified {
                    staged,
                    id,
                    is_new,
                    fields,
                } = classified;
                let record = &staged.record;
                let counts = record.casualties.counts();
                values
                    .push_bind(staged.row as i64)
                    .push_bind(*id)
                    .push_bind(*is_new)
                    .push_bind(record.source.clone())
                    .push_bind(staged.source_key.clone())
                    .push_bind(record.source_id.clone())
                    .push_bind(staged.content_hash as i64)
                    .push_bind(record.kind.as_str().to_owned())
                    .push_bind(record.occurred.date())
                    .push_bind(record.occurred.time())
                    .push_bind(record.location.map(|p| p.lon.degrees()))
                    .push_bind(record.location.map(|p| p.lat.degrees()))
                    .push_bind(record.location_precision.as_str())
                    .push_bind(record.community.clone())
                    .push_bind(record.community_key.clone())
                    .push_bind(
                        record
                            .community_pcode
                            .as_ref()
                            .map(|p| p.as_str().to_owned()),
                    )
                    .push_bind(record.admin1.clone())
                    .push_bind(record.admin2.clone())
                    .push_bind(record.admin3.clone())
                    .push_bind(slug_text(record.place_type.as_ref()).map(str::to_owned))
                    .push_bind(slug_text(record.perpetrator.as_ref()).map(str::to_owned))
                    .push_bind(slug_text(record.weapon.as_ref()).map(str::to_owned))
                    .push_bind(slug_text(record.cause.as_ref()).map(str::to_owned))
                    .push_bind(slug_text(record.vehicle.as_ref()).map(str::to_owned))
                    .push_bind(i64::from(counts.killed))
                    .push_bind(i64::from(counts.killed_women))
                    .push_bind(i64::from(counts.killed_children))
                    .push_bind(i64::from(counts.injured))
                    .push_bind(i64::from(counts.injured_women))
                    .push_bind(i64::from(counts.injured_children))
                    .push_bind(record.notes.clone())
                    .push_bind(record.resolution.community_id.clone())
                    .push_bind(record.resolution.method.as_str())
                    .push_bind(f64::from(record.resolution.score))
                    .push_bind(fields.clone());
            });
            insert.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub(crate) async fn finish(
        mut self,
        import_id: Uuid,
        counts: MergeCounts,
        rejected: u64,
        report: serde_json::Value,
        learned: &[String],
    ) -> Result<()> {
        let tx = &mut self.tx;
        let sql = DIALECT.merge_sql();
        for (needed, statement) in [
            (counts.accepted > 0, sql.insert_new),
            (counts.updated > 0, sql.update_changed),
            (counts.accepted + counts.updated > 0, sql.log_changes),
        ] {
            if needed {
                sqlx::query(AssertSqlSafe(statement))
                    .bind(import_id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE imports SET finished_at = {NOW}, accepted = ?2, updated = ?3, unchanged = ?4, rejected = ?5, report = ?6 WHERE id = ?1"
        )))
        .bind(import_id)
        .bind(counts.accepted as i64)
        .bind(counts.updated as i64)
        .bind(counts.unchanged as i64)
        .bind(rejected as i64)
        .bind(report.to_string())
        .execute(&mut **tx)
        .await?;
        sqlx::query("DROP TABLE temp.staging")
            .execute(&mut **tx)
            .await?;
        if !learned.is_empty() {
            // Learned places stand at the centroid of their incidents.
            sqlx::query(
                "UPDATE communities SET lon = x.lon, lat = x.lat,
                   updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                 FROM (SELECT community_id, avg(lon) AS lon, avg(lat) AS lat FROM incidents
                       WHERE community_id IN (SELECT value FROM json_each(?1)) AND lon IS NOT NULL
                       GROUP BY community_id) AS x
                 WHERE communities.id = x.community_id",
            )
            .bind(serde_json::to_string(learned).expect("strings serialise"))
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}
