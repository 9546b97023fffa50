//! Imports: what the import log records, and the session (one open transaction) that
//! classifies, stages and merges rows, with the counts it reports.

use std::collections::HashMap;

use athar_core::StagedIncident;
use athar_gazetteer::Community;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::changes::field_changes;
use crate::{Result, Store, communities, postgres, sqlite};

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

impl Store {
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
}

pub(crate) enum Session {
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

/// An import in progress: one open transaction. Dropping it rolls back.
///
/// Each staged batch is first looked up by key: rows already stored with the same content
/// are counted as unchanged and go no further; new rows get a fresh id and changed rows
/// keep the stored one, and only those are written to the staging table. `finish` then
/// moves them into `incidents` without another join.
pub struct ImportSession {
    id: Uuid,
    counts: MergeCounts,
    pub(crate) inner: Session,
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
