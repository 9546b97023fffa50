//! Intake from field forms: the XLSForm Athar writes for KoboToolbox and ODK (see
//! `athar_forms`), and their submissions imported like one row each (the same report,
//! idempotence and single transaction as any import).

use std::sync::Arc;

use athar_core::{Language, Vocabularies};
use athar_forms::{FormError, FormPlace, Submission, SubmissionError};
use athar_gazetteer::Gazetteer;
use athar_ingest::{Format, ReadOptions};
use athar_store::{ImportMeta, Store};
use serde_json::Value;

use crate::import::{ImportError, ImportReport, run_import_with};

/// The XLSForm for recording one incident, labelled in `languages` (the first is the
/// default), offering the gazetteer's places that have p-codes.
pub fn xlsform(
    vocabularies: &Vocabularies,
    gazetteer: &Gazetteer,
    languages: &[Language],
) -> Result<Vec<u8>, FormError> {
    athar_forms::xlsform(
        vocabularies,
        &FormPlace::of(gazetteer.communities()),
        languages,
    )
}

/// A submission that could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// It cannot be read at all.
    #[error(transparent)]
    Submission(#[from] SubmissionError),
    /// The import failed as a whole.
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// The governorate's name for its p-code, from the gazetteer's places.
fn governorate(gazetteer: &Gazetteer) -> impl Fn(&str) -> Option<String> + '_ {
    move |code: &str| {
        gazetteer
            .communities()
            .iter()
            .find(|c| c.admin1.pcode.as_deref() == Some(code))
            .and_then(|c| c.admin1.name.clone())
    }
}

/// Reads a submission (KoboToolbox's post, or a row of ODK Central's OData feed). A place
/// chosen from the list is named as the gazetteer names it (a report names its place;
/// the p-code decides which it is).
pub fn read_submission(json: &Value, gazetteer: &Gazetteer) -> Result<Submission, IntakeError> {
    let mut submission = athar_forms::submission(json, &governorate(gazetteer))?;
    if !submission.fields.contains_key("community")
        && let Some(place) = submission
            .fields
            .get("community_pcode")
            .and_then(Value::as_str)
            .and_then(|pcode| {
                gazetteer
                    .communities()
                    .iter()
                    .find(|c| c.pcode.as_deref() == Some(pcode))
            })
        && let Some(name) = place.name_ar.clone().or_else(|| place.name_en.clone())
    {
        submission
            .fields
            .insert("community".into(), Value::from(name));
    }
    Ok(submission)
}

/// Imports submissions as rows of one import from `source` (`kobo:FORM`, `odk:…`);
/// keys that are not answers are listed among the report's ignored columns.
pub async fn import_submissions(
    store: &Store,
    (vocabularies, gazetteer): (Arc<Vocabularies>, Arc<Gazetteer>),
    submissions: Vec<Submission>,
    (source, actor): (String, Option<String>),
) -> Result<ImportReport, IntakeError> {
    let mut ignored: Vec<String> = submissions
        .iter()
        .flat_map(|s| s.ignored.iter().cloned())
        .collect();
    ignored.sort();
    ignored.dedup();
    let rows: Vec<Value> = submissions
        .into_iter()
        .map(|s| Value::Object(s.fields))
        .collect();
    let body = serde_json::to_vec(&rows).map_err(|e| ImportError::Reader(e.to_string()))?;
    let meta = ImportMeta {
        source,
        format: "json".into(),
        file_name: None,
        actor,
    };
    let mut report = run_import_with(
        store,
        (vocabularies, gazetteer),
        (Format::Json, ReadOptions::default()),
        std::io::Cursor::new(body),
        meta,
    )
    .await?;
    report.ignored_columns.extend(ignored);
    Ok(report)
}

/// The source a KoboToolbox submission is imported under: `kobo:` and its form's id.
pub fn kobo_source(json: &Value) -> String {
    let form = json
        .get("_xform_id_string")
        .and_then(Value::as_str)
        .unwrap_or(athar_forms::FORM_ID);
    format!("kobo:{form}")
}
