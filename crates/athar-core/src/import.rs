//! Keys that make re-importing the same file change nothing.
//!
//! `(source, source_key)` is unique in every store. A row with a `source_id` is keyed by
//! it; a row without one is keyed by the hash of its content and, when the same file holds
//! identical rows (two strikes on one village on one day, reported alike), by which of
//! them it is: `~<hash>`, `~<hash>#2`, … Re-importing the file then finds every key again.
//! A `source_id` that appears twice in one import is an error in the file: the second row
//! is rejected rather than silently overwriting the first.

use std::collections::HashMap;

use crate::{FieldError, IncidentRecord};

/// Maps over every row of an import, hashed with foldhash: several times faster than the
/// default SipHash on these short keys, and still seeded per process.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A validated row ready to be written: its row number, key and content hash.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedIncident {
    /// The row (or feature) number in the file.
    pub row: u64,
    /// Unique with the source.
    pub source_key: String,
    /// [`IncidentRecord::content_hash`].
    pub content_hash: u64,
    /// The incident.
    pub record: IncidentRecord,
}

/// Assigns source keys within one import.
#[derive(Debug, Default)]
pub struct ImportKeys {
    /// Source → source id → the row it first appeared at.
    rows_by_id: Map<String, Map<String, u64>>,
    copies_by_hash: Map<(String, u64), u32>,
}

impl ImportKeys {
    /// Keys a row, or rejects it when its `source_id` was already used in this import.
    pub fn stage(
        &mut self,
        row: u64,
        record: IncidentRecord,
    ) -> Result<StagedIncident, FieldError> {
        let content_hash = record.content_hash();
        let source_key = if let Some(id) = &record.source_id {
            if !self.rows_by_id.contains_key(&record.source) {
                self.rows_by_id
                    .insert(record.source.clone(), Map::default());
            }
            let ids = self
                .rows_by_id
                .get_mut(&record.source)
                .expect("inserted above");
            if let Some(first) = ids.get(id.as_str()) {
                return Err(FieldError::new(
                    "source_id",
                    format!("'{id}' already appears at row {first} of this import"),
                ));
            }
            ids.insert(id.clone(), row);
            id.clone()
        } else {
            let copies = self
                .copies_by_hash
                .entry((record.source.clone(), content_hash))
                .or_insert(0);
            *copies += 1;
            if *copies == 1 {
                format!("~{content_hash:016x}")
            } else {
                format!("~{content_hash:016x}#{copies}")
            }
        };
        Ok(StagedIncident {
            row,
            source_key,
            content_hash,
            record,
        })
    }
}
