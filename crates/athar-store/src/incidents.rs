//! Incidents: loading them (all at once, streamed in parallel, or by id), counting them,
//! and writing them one at a time (edits, rewrites, deletions), each logged.

use athar_core::{Incident, StagedIncident};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::changes::field_changes;
use crate::import::Session;
use crate::{
    BeginWrite, ImportMeta, MergeCounts, Result, Store, StoreError, copy_out, postgres, row, sqlite,
};

impl Store {
    /// Every incident that counts (not merged into another), ordered by date, time and
    /// id.
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
                // Incidents merged into another are not events (see `merge_incidents`).
                let bounds: Vec<String> = [
                    Some("merged_into IS NULL".to_owned()),
                    from.map(|id| format!("id >= '{id}'")),
                    to.map(|id| format!("id < '{id}'")),
                ]
                .into_iter()
                .flatten()
                .collect();
                let filter = format!(" WHERE {}", bounds.join(" AND "));
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

    /// The incidents with these ids (those that exist and are not merged into another).
    pub async fn load_incidents_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Incident>> {
        let mut incidents = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            let rows: Vec<row::IncidentRow> = match self {
                Self::Postgres(pool) => {
                    sqlx::query_as(AssertSqlSafe(format!(
                        "{} WHERE id = ANY($1) AND merged_into IS NULL",
                        postgres::SELECT_COLUMNS
                    )))
                    .bind(chunk)
                    .fetch_all(pool)
                    .await?
                }
                Self::Sqlite(pool) => {
                    let mut query: sqlx::QueryBuilder<sqlx::Sqlite> =
                        sqlx::QueryBuilder::new(format!(
                            "{} WHERE merged_into IS NULL AND id IN (",
                            sqlite::SELECT_COLUMNS
                        ));
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
}
