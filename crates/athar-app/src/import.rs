//! The import pipeline: a reader thread validates and keys rows, the store stages them in
//! batches inside one transaction, and the report says what happened to every row.
//!
//! How it works: parsing is synchronous (it reads a file or a request body), the store is
//! asynchronous. The reader runs on a blocking thread and sends batches of staged rows
//! through a bounded channel, so memory stays bounded however large the input; if the
//! store fails, the channel closes and the reader stops at its next batch. A file-level
//! error (unreadable input) drops the session, which rolls the transaction back.

use std::io::Read;
use std::sync::Arc;

use athar_core::{FieldError, ImportKeys, StagedIncident, ValidationContext, Vocabularies};
use athar_ingest::{Format, IngestError, Row, Stop};
use athar_store::{ImportMeta, Store, StoreError};
use serde::Serialize;
use uuid::Uuid;

/// The demo month bundled into the binary.
pub const DEMO_CSV: &[u8] = include_bytes!("../../../data/demo/incidents-2024-04.csv");

/// Rows staged per batch.
const BATCH_ROWS: usize = 5_000;
/// Rejections listed in a report; more are counted in `rejected_rows` but not listed.
const MAX_LISTED_REJECTIONS: usize = 10_000;

/// One broken rule of one rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rejection {
    /// The spreadsheet row (CSV) or feature/object index (GeoJSON, JSON).
    pub row: u64,
    /// The field at fault.
    pub field: String,
    /// What was wrong and what would be right.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The import's id in the import log.
    pub import_id: Uuid,
    /// New incidents.
    pub accepted: u64,
    /// Incidents that existed with other values and were updated.
    pub updated: u64,
    /// Rows already present exactly.
    pub unchanged: u64,
    /// Each broken rule of each rejected row (at most 10,000 listed).
    pub rejected: Vec<Rejection>,
    /// How many rows were rejected.
    pub rejected_rows: u64,
    /// Columns or properties that are not incident fields and were not read.
    pub ignored_columns: Vec<String>,
    /// The same incidents reported by other sources, found after the import (through the
    /// API; not by `athar ingest`, which has no live data: `athar duplicates list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicates: Option<crate::duplicates::AfterImport>,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The input cannot be read as a whole.
    #[error(transparent)]
    Input(#[from] IngestError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The reader thread failed.
    #[error("the import reader stopped unexpectedly: {0}")]
    Reader(String),
}

#[derive(Default)]
struct Rejections {
    listed: Vec<Rejection>,
    rows: u64,
}

impl Rejections {
    fn add(&mut self, row: u64, errors: Vec<FieldError>) {
        self.rows += 1;
        for error in errors {
            if self.listed.len() < MAX_LISTED_REJECTIONS {
                self.listed.push(Rejection {
                    row,
                    field: error.field,
                    message: error.message,
                });
            }
        }
    }
}

/// Imports `input` into `store` as one transaction and reports every row's fate.
/// `meta.source` is the source of rows that name none.
pub async fn run_import<R: Read + Send + 'static>(
    store: &Store,
    vocabularies: Arc<Vocabularies>,
    gazetteer: Arc<athar_gazetteer::Gazetteer>,
    format: Format,
    input: R,
    meta: ImportMeta,
) -> Result<ImportReport, ImportError> {
    run_import_with(
        store,
        (vocabularies, gazetteer),
        (format, athar_ingest::ReadOptions::default()),
        input,
        meta,
    )
    .await
}

/// [`run_import`], with a sheet and a mapping of columns and values.
pub async fn run_import_with<R: Read + Send + 'static>(
    store: &Store,
    (vocabularies, gazetteer): (Arc<Vocabularies>, Arc<athar_gazetteer::Gazetteer>),
    (format, options): (Format, athar_ingest::ReadOptions),
    input: R,
    meta: ImportMeta,
) -> Result<ImportReport, ImportError> {
    // A few batches of room, so that reading runs ahead while the store writes.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<StagedIncident>>(4);
    let default_source = meta.source.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let names = athar_gazetteer::NameCache::new(&gazetteer);
        let mut context = ValidationContext::new(&vocabularies, &names);
        context.default_source = Some(default_source);
        let mut keys = ImportKeys::default();
        let mut rejections = Rejections::default();
        let mut learning = crate::gazetteer::Learning::default();
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        let summary = athar_ingest::read_with(format, input, &options, &context, &mut |row| {
            match row {
                Row::Valid { row, record } => {
                    let mut record = *record;
                    learning.learn(&mut record);
                    match keys.stage(row, record) {
                        Ok(staged) => batch.push(staged),
                        Err(error) => rejections.add(row, vec![error]),
                    }
                }
                Row::Invalid { row, errors } => rejections.add(row, errors),
            }
            if batch.len() >= BATCH_ROWS {
                sender
                    .blocking_send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(BATCH_ROWS),
                    ))
                    .map_err(|_| Stop)?;
            }
            Ok(())
        })?;
        if !batch.is_empty() && !summary.stopped {
            // A closed channel means the store side already failed and reports why.
            let _ = sender.blocking_send(batch);
        }
        Ok::<_, IngestError>((summary, rejections, learning))
    });

    let mut session = store.begin_import(&meta).await?;
    session.stage_all(&mut receiver).await?;
    let (summary, rejections, learning) = reader
        .await
        .map_err(|e| ImportError::Reader(e.to_string()))??;
    if summary.stopped {
        return Err(ImportError::Reader(
            "the reader was stopped before the end of the input".into(),
        ));
    }
    session.learn(&learning.communities()).await?;
    let import_id = session.id();
    let mut report = ImportReport {
        import_id,
        accepted: 0,
        updated: 0,
        unchanged: 0,
        rejected: rejections.listed,
        rejected_rows: rejections.rows,
        ignored_columns: summary.ignored_columns,
        duplicates: None,
    };
    let counts = session
        .finish(report.rejected_rows, |counts| {
            serde_json::json!({
                "accepted": counts.accepted,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "rejected": report.rejected,
                "rejected_rows": report.rejected_rows,
                "ignored_columns": report.ignored_columns,
            })
        })
        .await?;
    report.accepted = counts.accepted;
    report.updated = counts.updated;
    report.unchanged = counts.unchanged;
    // A learned place keeps every spelling seen: those that reached it by fuzzy or
    // cross-script match become its names.
    for (place, spelling) in learning.spellings_of_known_places() {
        store
            .add_community_alias(
                place,
                spelling,
                &athar_gazetteer::community_key(spelling),
                Some("import"),
            )
            .await?;
    }
    Ok(report)
}
