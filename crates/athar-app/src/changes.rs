//! The change log as a reader may see it: everything for token holders; for anonymous
//! readers what a mirror needs (the sequence, the incident, the operation and the day),
//! since the fields before and after hold exact points and private notes, and who made a
//! change and its time of day tell who works when.

use athar_store::Change;
use serde::Serialize;
use utoipa::ToSchema;

use crate::privacy::Viewer;

/// A page of the change log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeLog {
    /// The entries after `since`, oldest first.
    pub changes: Vec<Change>,
    /// The `since` of the next page: the last entry's sequence number.
    pub next_since: i64,
}

/// The entries `changes` (read after `since`) as `viewer` may see them.
pub fn change_log(mut changes: Vec<Change>, since: i64, viewer: Viewer<'_>) -> ChangeLog {
    let next_since = changes.last().map_or(since, |change| change.seq);
    if viewer.is_public() {
        for change in &mut changes {
            change.fields = None;
            change.actor = None;
            change.at.truncate(10);
        }
    }
    ChangeLog {
        changes,
        next_since,
    }
}
