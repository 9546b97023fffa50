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

mod communities;
mod copy_in;
mod copy_out;
mod error;
mod postgres;
mod row;
mod sqlite;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use athar_core::{Incident, StagedIncident, Term, Vocabularies};
use athar_gazetteer::Community;
use sqlx::{AssertSqlSafe, PgPool, SqlitePool};
use uuid::Uuid;

pub use communities::CommunityCounts;
pub use error::{Result, StoreError};

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

/// What one import is, for the import log.
#[derive(Debug, Clone, Default)]
pub struct ImportMeta {
    /// The source rows default to.
    pub source: String,
    /// `csv`, `geojson` or `json`.
    pub format: String,
    /// The file it came from, if any.
    pub file_name: Option<String>,
    /// Who imported it (a token's name), for the audit trail.
    pub actor: Option<String>,
}

/// How staged rows were merged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MergeCounts {
    /// New incidents.
    pub accepted: u64,
    /// Incidents whose `(source, source_id)` existed with other values.
    pub updated: u64,
    /// Rows already present exactly.
    pub unchanged: u64,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// Monotonic sequence number.
    pub seq: i64,
    /// The incident changed.
    pub incident_id: Uuid,
    /// `insert`, `update` or `delete`.
    pub op: String,
    /// The import that made it, if any.
    pub import_id: Option<Uuid>,
    /// Who made it, when known.
    pub actor: Option<String>,
    /// When, in UTC (RFC 3339).
    pub at: String,
    /// What an update or a delete changed, field by field (a delete: every field it had);
    /// none for an insert.
    pub fields: Option<Vec<athar_core::FieldChange>>,
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

    /// Starts an import: one transaction that stays open until [`ImportSession::finish`].
    pub async fn begin_import(&self, meta: &ImportMeta) -> Result<ImportSession> {
        let id = Uuid::now_v7();
        let inner = match self {
            Self::Postgres(pool) => {
                Session::Postgres(postgres::begin_import(pool, id, meta).await?)
            }
            Self::Sqlite(pool) => Session::Sqlite(sqlite::begin_import(pool, id, meta).await?),
        };
        Ok(ImportSession {
            id,
            counts: MergeCounts::default(),
            inner,
            learned: Vec::new(),
        })
    }

    /// Every incident, ordered by date, time and id.
    pub async fn load_incidents(&self) -> Result<Vec<Incident>> {
        let rows: Vec<row::IncidentRow> = match self {
            Self::Postgres(pool) => {
                sqlx::query_as(postgres::SELECT_INCIDENTS)
                    .fetch_all(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_as(sqlite::SELECT_INCIDENTS)
                    .fetch_all(pool)
                    .await?
            }
        };
        rows.into_iter()
            .map(row::IncidentRow::into_incident)
            .collect()
    }

    /// Sends every incident, in batches and in no particular order, reading `parts` ranges
    /// of ids at once, each on its own connection and task: on a multi-threaded runtime
    /// the rows are decoded in parallel. Never holds more than a few batches.
    pub async fn send_incidents(
        &self,
        parts: usize,
        sender: tokio::sync::mpsc::Sender<Vec<Incident>>,
    ) -> Result<()> {
        let count = self.count_incidents().await?;
        let mut bounds: Vec<Option<Uuid>> = vec![None];
        for part in 1..parts.max(1) {
            let offset = (count * part as u64 / parts as u64) as i64;
            let bound: Option<Uuid> = match self {
                Self::Postgres(pool) => {
                    sqlx::query_scalar("SELECT id FROM incidents ORDER BY id LIMIT 1 OFFSET $1")
                        .bind(offset)
                        .fetch_optional(pool)
                        .await?
                }
                Self::Sqlite(pool) => {
                    sqlx::query_scalar("SELECT id FROM incidents ORDER BY id LIMIT 1 OFFSET ?1")
                        .bind(offset)
                        .fetch_optional(pool)
                        .await?
                }
            };
            bounds.push(bound);
        }
        bounds.push(None);
        let mut readers = Vec::new();
        for range in bounds.windows(2) {
            let (store, sender, from, to) = (self.clone(), sender.clone(), range[0], range[1]);
            readers.push(tokio::spawn(async move {
                store.send_range(from, to, sender).await
            }));
        }
        drop(sender);
        for reader in readers {
            reader
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))??;
        }
        Ok(())
    }

    /// Sends the incidents with ids in `[from, to)` (open ends: `None`).
    async fn send_range(
        &self,
        from: Option<Uuid>,
        to: Option<Uuid>,
        sender: tokio::sync::mpsc::Sender<Vec<Incident>>,
    ) -> Result<()> {
        use futures_util::TryStreamExt as _;
        const BATCH: usize = 4_096;
        let mut batch = Vec::with_capacity(BATCH);
        let send = |incident: Incident, batch: &mut Vec<Incident>| {
            batch.push(incident);
            (batch.len() >= BATCH).then(|| std::mem::replace(batch, Vec::with_capacity(BATCH)))
        };
        match self {
            Self::Postgres(pool) => {
                // COPY takes no parameters; the bounds are ids, formatted by uuid.
                let bounds: Vec<String> = [
                    from.map(|id| format!("id >= '{id}'")),
                    to.map(|id| format!("id < '{id}'")),
                ]
                .into_iter()
                .flatten()
                .collect();
                let filter = if bounds.is_empty() {
                    String::new()
                } else {
                    format!(" WHERE {}", bounds.join(" AND "))
                };
                let sql = format!(
                    "COPY ({}{filter}) TO STDOUT (FORMAT binary)",
                    postgres::SELECT_COLUMNS
                );
                let mut connection = pool.acquire().await?;
                let mut stream = connection.copy_out_raw(&sql).await?;
                let mut reader = copy_out::TupleReader::default();
                let mut stopped = false;
                while let Some(chunk) = stream.try_next().await? {
                    let mut full_batches = Vec::new();
                    reader.feed(&chunk, |fields| {
                        let incident = copy_out::incident_row(fields)?.into_incident()?;
                        full_batches.extend(send(incident, &mut batch));
                        Ok(())
                    })?;
                    for full in full_batches {
                        if sender.send(full).await.is_err() {
                            stopped = true; // the receiver stopped listening
                        }
                    }
                    if stopped {
                        break;
                    }
                }
                if stopped {
                    // Read the stream to its end, so the connection goes back to the pool usable.
                    while stream.try_next().await?.is_some() {}
                    return Ok(());
                }
                reader.finish()?;
            }
            Self::Sqlite(pool) => {
                let path = pool.connect_options().get_filename().to_path_buf();
                return tokio::task::spawn_blocking(move || {
                    sqlite::read_incidents(&path, from, to, |incident| {
                        match send(incident, &mut batch) {
                            Some(full) => sender.blocking_send(full).is_ok(),
                            None => true,
                        }
                    })?;
                    if !batch.is_empty() {
                        let _ = sender.blocking_send(batch);
                    }
                    Ok(())
                })
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
            }
        }
        if !batch.is_empty() {
            let _ = sender.send(batch).await;
        }
        Ok(())
    }

    /// Every stored community (imported lists, learned and confirmed places), by id.
    pub async fn communities(&self) -> Result<Vec<Community>> {
        let sql = format!(
            "SELECT {} FROM communities ORDER BY id",
            communities::COLUMNS
        );
        let rows: Vec<communities::CommunityRow> = match self {
            Self::Postgres(pool) => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(pool).await?,
        };
        rows.into_iter()
            .map(communities::CommunityRow::into_community)
            .collect()
    }

    /// Every spelling a person attached to a place, as (community id, name), oldest first.
    pub async fn community_aliases(&self) -> Result<Vec<(String, String)>> {
        const SQL: &str = "SELECT community_id, name FROM community_aliases ORDER BY created_at, community_id, key";
        Ok(match self {
            Self::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        })
    }

    /// Writes a community list in one transaction: places new to the store are inserted,
    /// stored ones with other values updated in place (by id), equal ones left alone.
    pub async fn upsert_communities(&self, list: &[Community]) -> Result<CommunityCounts> {
        let stored: std::collections::HashMap<String, Community> = self
            .communities()
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let mut counts = CommunityCounts::default();
        let mut changed = Vec::new();
        for community in list {
            match stored.get(&community.id) {
                None => counts.accepted += 1,
                Some(existing) if existing == community => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.updated += 1,
            }
            changed.push(community);
        }
        macro_rules! write_all {
            ($pool:expr, $sql:expr) => {{
                let sql: String = $sql;
                let mut tx = $pool.begin_write().await?;
                for community in changed {
                    communities::bind_community!(
                        sqlx::query(AssertSqlSafe(sql.clone())),
                        community
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }};
        }
        match self {
            Self::Postgres(pool) => write_all!(pool, communities::upsert_sql(true, "now()")),
            Self::Sqlite(pool) => write_all!(
                pool,
                communities::for_sqlite(&communities::upsert_sql(true, sqlite::NOW))
            ),
        }
        Ok(counts)
    }

    /// Attaches a spelling (with its key) to a place, by `actor`. Returns false when that
    /// spelling was attached to it already.
    pub async fn add_community_alias(
        &self,
        community_id: &str,
        name: &str,
        key: &str,
        actor: Option<&str>,
    ) -> Result<bool> {
        const SQL: &str = "INSERT INTO community_aliases (community_id, name, key, actor) VALUES ($1, $2, $3, $4) ON CONFLICT (community_id, key) DO NOTHING";
        let added = match self {
            Self::Postgres(pool) => sqlx::query(SQL)
                .bind(community_id)
                .bind(name)
                .bind(key)
                .bind(actor)
                .execute(pool)
                .await?
                .rows_affected(),
            Self::Sqlite(pool) => sqlx::query(AssertSqlSafe(communities::for_sqlite(SQL)))
                .bind(community_id)
                .bind(name)
                .bind(key)
                .bind(actor)
                .execute(pool)
                .await?
                .rows_affected(),
        };
        Ok(added > 0)
    }

    /// Writes incidents back as they now are (another place or resolution), in one
    /// transaction logged as an import of `format` by `actor`: each is an update in the
    /// change log, with its content hash made again. Incidents deleted meanwhile are left
    /// out.
    pub async fn rewrite_incidents(
        &self,
        incidents: Vec<Incident>,
        format: &str,
        actor: Option<&str>,
    ) -> Result<MergeCounts> {
        let meta = ImportMeta {
            source: "gazetteer".into(),
            format: format.into(),
            file_name: None,
            actor: actor.map(str::to_owned),
        };
        let mut session = self.begin_import(&meta).await?;
        let mut staged = Vec::with_capacity(incidents.len());
        for (index, incident) in incidents.into_iter().enumerate() {
            let key = match &mut session.inner {
                Session::Postgres(import) => import.key_of(incident.id).await?,
                Session::Sqlite(import) => import.key_of(incident.id).await?,
            };
            let Some((_, source_key)) = key else {
                continue;
            };
            staged.push(StagedIncident {
                row: index as u64 + 1,
                source_key,
                content_hash: incident.record.content_hash(),
                record: incident.record,
            });
        }
        session.stage(&staged).await?;
        session
            .finish(
                0,
                |counts| serde_json::json!({ "rewritten": counts.updated }),
            )
            .await
    }

    /// Removes a stored community merged into `into`, moving the spellings attached to it
    /// there. Returns false when it was not stored.
    pub async fn remove_community(&self, id: &str, into: &str) -> Result<bool> {
        const MOVE: &str = "INSERT INTO community_aliases (community_id, name, key, actor)
             SELECT $2, name, key, actor FROM community_aliases WHERE community_id = $1
             ON CONFLICT (community_id, key) DO NOTHING";
        const FORGET: &str = "DELETE FROM community_aliases WHERE community_id = $1";
        const REMOVE: &str = "DELETE FROM communities WHERE id = $1";
        macro_rules! run {
            ($pool:expr, $sql:expr) => {{
                let mut tx = $pool.begin_write().await?;
                sqlx::query(AssertSqlSafe($sql(MOVE)))
                    .bind(id)
                    .bind(into)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(AssertSqlSafe($sql(FORGET)))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                let removed = sqlx::query(AssertSqlSafe($sql(REMOVE)))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                removed > 0
            }};
        }
        Ok(match self {
            Self::Postgres(pool) => run!(pool, str::to_owned),
            Self::Sqlite(pool) => run!(pool, communities::for_sqlite),
        })
    }

    /// How many incidents are stored.
    pub async fn count_incidents(&self) -> Result<u64> {
        let count: i64 = match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT count(*) FROM incidents")
                    .fetch_one(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT count(*) FROM incidents")
                    .fetch_one(pool)
                    .await?
            }
        };
        Ok(count.unsigned_abs())
    }

    /// The incidents with these ids (those that exist).
    pub async fn load_incidents_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Incident>> {
        let mut incidents = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            let rows: Vec<row::IncidentRow> = match self {
                Self::Postgres(pool) => {
                    sqlx::query_as(AssertSqlSafe(format!(
                        "{} WHERE id = ANY($1)",
                        postgres::SELECT_COLUMNS
                    )))
                    .bind(chunk)
                    .fetch_all(pool)
                    .await?
                }
                Self::Sqlite(pool) => {
                    let mut query: sqlx::QueryBuilder<sqlx::Sqlite> = sqlx::QueryBuilder::new(
                        format!("{} WHERE id IN (", sqlite::SELECT_COLUMNS),
                    );
                    let mut separated = query.separated(", ");
                    for id in chunk {
                        separated.push_bind(*id);
                    }
                    query.push(")");
                    query.build_query_as().fetch_all(pool).await?
                }
            };
            for row in rows {
                incidents.push(row.into_incident()?);
            }
        }
        Ok(incidents)
    }

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

    /// Deletes an incident and logs it with every field it had, so that the change log
    /// keeps what was deleted. Returns whether it existed.
    pub async fn delete_incident(&self, id: Uuid, actor: Option<&str>) -> Result<bool> {
        // The same three statements on either backend; only the placeholders differ.
        macro_rules! delete_logged {
            ($pool:expr, $select:expr, $delete:literal, $log:literal) => {{
                let mut tx = $pool.begin_write().await?;
                let stored: Option<row::IncidentRow> = sqlx::query_as(AssertSqlSafe($select))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(stored) = stored else {
                    return Ok(false);
                };
                let fields = field_changes(Some(&stored.into_incident()?.record), None);
                sqlx::query($delete).bind(id).execute(&mut *tx).await?;
                sqlx::query($log)
                    .bind(id)
                    .bind(actor)
                    .bind(fields)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }};
        }
        match self {
            Self::Postgres(pool) => delete_logged!(
                pool,
                format!("{} WHERE id = $1 FOR UPDATE", postgres::SELECT_COLUMNS),
                "DELETE FROM incidents WHERE id = $1",
                "INSERT INTO changes (incident_id, op, actor, fields) VALUES ($1, 'delete', $2, $3::jsonb)"
            ),
            Self::Sqlite(pool) => delete_logged!(
                pool,
                format!("{} WHERE id = ?1", sqlite::SELECT_COLUMNS),
                "DELETE FROM incidents WHERE id = ?1",
                "INSERT INTO changes (incident_id, op, actor, fields) VALUES (?1, 'delete', ?2, ?3)"
            ),
        }
        Ok(true)
    }

    /// Replaces the record of an existing incident (same source and source id), logging
    /// the update. `None` when there is no such incident.
    pub async fn update_incident(
        &self,
        id: Uuid,
        record: athar_core::IncidentRecord,
        actor: Option<&str>,
    ) -> Result<Option<MergeCounts>> {
        let meta = ImportMeta {
            source: record.source.clone(),
            format: "edit".into(),
            file_name: None,
            actor: actor.map(str::to_owned),
        };
        let mut session = self.begin_import(&meta).await?;
        let key = match &mut session.inner {
            Session::Postgres(import) => import.key_of(id).await?,
            Session::Sqlite(import) => import.key_of(id).await?,
        };
        let Some((source, source_key)) = key else {
            return Ok(None);
        };
        if source != record.source {
            return Err(StoreError::Config(
                "the source of an incident cannot be changed".into(),
            ));
        }
        let staged = StagedIncident {
            row: 1,
            source_key,
            content_hash: record.content_hash(),
            record,
        };
        session.stage(std::slice::from_ref(&staged)).await?;
        let counts = session
            .finish(
                0,
                |counts| serde_json::json!({ "edited": id, "updated": counts.updated }),
            )
            .await?;
        Ok(Some(counts))
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

enum Session {
    Postgres(postgres::PgImport),
    Sqlite(sqlite::SqliteImport),
}

/// What the store holds for keys: source → source key → (id, content hash).
pub(crate) type ExistingKeys = HashMap<String, HashMap<String, (Uuid, i64)>>;

/// A staged row with its fate decided: a new incident, or an update of `id`.
pub(crate) struct Classified<'a> {
    pub(crate) staged: &'a StagedIncident,
    pub(crate) id: Uuid,
    pub(crate) is_new: bool,
    /// For an update, what it changes: a JSON array of [`athar_core::FieldChange`].
    pub(crate) fields: Option<String>,
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

/// An import in progress: one open transaction. Dropping it rolls back.
///
/// Each staged batch is first looked up by key: rows already stored with the same content
/// are counted as unchanged and go no further; new rows get a fresh id and changed rows
/// keep the stored one, and only those are written to the staging table. `finish` then
/// moves them into `incidents` without another join.
pub struct ImportSession {
    id: Uuid,
    counts: MergeCounts,
    inner: Session,
    /// Places learned by this import, whose points are set when it finishes.
    learned: Vec<String>,
}

impl ImportSession {
    /// The id of this import in the import log.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Records places learned from this import's rows (kept if they exist already). Their
    /// points become the centroid of their incidents when the import finishes; nothing is
    /// visible to others until then.
    pub async fn learn(&mut self, communities: &[Community]) -> Result<()> {
        for community in communities {
            match &mut self.inner {
                Session::Postgres(import) => {
                    let sql = communities::upsert_sql(false, "now()");
                    communities::bind_community!(sqlx::query(AssertSqlSafe(sql)), community)
                        .execute(&mut *import.tx)
                        .await?;
                }
                Session::Sqlite(import) => {
                    let sql = communities::for_sqlite(&communities::upsert_sql(false, "now()"));
                    communities::bind_community!(sqlx::query(AssertSqlSafe(sql)), community)
                        .execute(&mut *import.tx)
                        .await?;
                }
            }
            if !self.learned.contains(&community.id) {
                self.learned.push(community.id.clone());
            }
        }
        Ok(())
    }

    /// Stages validated rows. Nothing is visible to others until [`Self::finish`].
    pub async fn stage(&mut self, rows: &[StagedIncident]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let existing = match &mut self.inner {
            Session::Postgres(import) => import.lookup(rows).await?,
            Session::Sqlite(import) => import.lookup(rows).await?,
        };
        let mut classified = Vec::with_capacity(rows.len());
        for staged in rows {
            let stored = existing
                .get(&staged.record.source)
                .and_then(|keys| keys.get(&staged.source_key));
            match stored {
                None => {
                    self.counts.accepted += 1;
                    classified.push(Classified {
                        staged,
                        id: Uuid::now_v7(),
                        is_new: true,
                        fields: None,
                    });
                }
                Some((_, hash)) if *hash == staged.content_hash as i64 => {
                    self.counts.unchanged += 1;
                }
                Some((id, _)) => {
                    self.counts.updated += 1;
                    classified.push(Classified {
                        staged,
                        id: *id,
                        is_new: false,
                        fields: None,
                    });
                }
            }
        }
        if classified.is_empty() {
            return Ok(());
        }
        // Updates are logged with what they change, from the stored versions.
        let updated: Vec<Uuid> = classified
            .iter()
            .filter(|row| !row.is_new)
            .map(|row| row.id)
            .collect();
        if !updated.is_empty() {
            let stored: HashMap<Uuid, athar_core::IncidentRecord> = match &mut self.inner {
                Session::Postgres(import) => import.stored(&updated).await?,
                Session::Sqlite(import) => import.stored(&updated).await?,
            }
            .into_iter()
            .map(|incident| (incident.id, incident.record))
            .collect();
            for row in classified.iter_mut().filter(|row| !row.is_new) {
                row.fields = Some(field_changes(stored.get(&row.id), Some(&row.staged.record)));
            }
        }
        match &mut self.inner {
            Session::Postgres(import) => import.stage(&classified).await,
            Session::Sqlite(import) => import.stage(&classified).await,
        }
    }

    /// Stages every batch that comes on `batches`, until it closes. On PostGIS, batches
    /// whose rows are all new (of sources with nothing stored) are streamed through one
    /// COPY while the next are read and encoded; the rest go through [`Self::stage`].
    pub async fn stage_all(
        &mut self,
        batches: &mut tokio::sync::mpsc::Receiver<Vec<StagedIncident>>,
    ) -> Result<()> {
        let mut next = batches.recv().await;
        while let Some(batch) = next.take() {
            if let Session::Postgres(import) = &mut self.inner
                && !batch.is_empty()
                && import.all_fresh(&batch).await?
            {
                let (stored, stopped_at) = import.stream_new(batch, batches).await?;
                self.counts.accepted += stored;
                // The batch it stopped at, if any; none when the input ended.
                next = stopped_at;
                continue;
            }
            self.stage(&batch).await?;
            next = batches.recv().await;
        }
        Ok(())
    }

    /// Moves the staged rows into the incidents, writes the change log and the import log
    /// entry (with `report`, the JSON import report), and commits.
    pub async fn finish(
        self,
        rejected: u64,
        report: impl FnOnce(MergeCounts) -> serde_json::Value,
    ) -> Result<MergeCounts> {
        let report = report(self.counts);
        match self.inner {
            Session::Postgres(import) => {
                import
                    .finish(self.id, self.counts, rejected, report, &self.learned)
                    .await?;
            }
            Session::Sqlite(import) => {
                import
                    .finish(self.id, self.counts, rejected, report, &self.learned)
                    .await?;
            }
        }
        Ok(self.counts)
    }
}
