//! The same incident from several sources: pairs of incidents of different sources that
//! are probably one event ([`athar_duplicates`] says when), for the filters given, best
//! first; merging a pair into one event, dismissing it, undoing a merge; every report of
//! an event. Token holders only: a pair is proposed on exact points, days and casualty
//! figures that anonymous readers may not see.

use std::collections::HashSet;

use athar_core::Filter;
use athar_duplicates::{Candidate, Detector, Report};
use athar_index::Snapshot;
use athar_store::{Decision, DuplicateError, Store, StoreError, pair_id};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::live::Live;

/// The most candidates one answer lists.
pub const MAX_LIMIT: usize = 1_000;

/// Candidate duplicates (`GET /v1/duplicates`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Duplicates {
    /// The pairs, best first (at most `limit`).
    pub candidates: Vec<DuplicatePair>,
    /// Every pair found for the filters, before the limit.
    pub total: usize,
}

/// Two incidents of different sources that are probably one event.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatePair {
    /// The pair's id: the two incident ids, smaller first, joined by `_`.
    pub id: String,
    /// The two incidents, smaller id first.
    #[schema(value_type = [String], min_items = 2, max_items = 2)]
    pub incidents: [uuid::Uuid; 2],
    /// Every rule that held, so that a person sees why the pair was proposed.
    pub reasons: Vec<athar_duplicates::Reason>,
    /// How alike, 0–1.
    pub score: f32,
}

impl From<Candidate> for DuplicatePair {
    fn from(candidate: Candidate) -> Self {
        let [a, b] = candidate.incidents;
        Self {
            id: format!("{a}_{b}"),
            incidents: candidate.incidents,
            reasons: candidate.reasons,
            score: candidate.score,
        }
    }
}

/// The open pairs of the incidents `pick` chooses against every incident of the snapshot,
/// best first: one index over the snapshot and a bounded search around each chosen
/// incident (three days, the cells within 5 km, its community). Pairs a person already
/// decided on (merged or dismissed) are left out.
fn open_pairs(
    snapshot: &Snapshot,
    pick: impl Fn(usize, &Report<'_>) -> bool,
    decided: impl Fn(&str) -> bool,
) -> Vec<DuplicatePair> {
    let all = u32::try_from(snapshot.len()).expect("fewer than 4 billion incidents");
    let reports: Vec<Report<'_>> = (0..all).map(|row| snapshot.duplicate_report(row)).collect();
    let rows: Vec<usize> = reports
        .iter()
        .enumerate()
        .filter(|(row, report)| pick(*row, report))
        .map(|(row, _)| row)
        .collect();
    if rows.is_empty() {
        return Vec::new();
    }
    let detector = Detector::new(&reports);
    let candidates = if rows.len() == reports.len() {
        detector.all_candidates()
    } else {
        detector.candidates_for(&rows)
    };
    candidates
        .into_iter()
        .map(DuplicatePair::from)
        .filter(|pair| !decided(&pair.id))
        .collect()
}

/// The open pairs with at least one incident under `filter`, best first, at most `limit`
/// (see [`open_pairs`]).
pub fn find(
    snapshot: &Snapshot,
    filter: &Filter,
    limit: usize,
    decided: impl Fn(&str) -> bool,
) -> Duplicates {
    let mut chosen = vec![false; snapshot.len()];
    for row in snapshot.select(filter) {
        chosen[row as usize] = true;
    }
    let open = open_pairs(snapshot, |row, _| chosen[row], decided);
    let total = open.len();
    Duplicates {
        candidates: open.into_iter().take(limit.min(MAX_LIMIT)).collect(),
        total,
    }
}

/// The open pairs of the incidents `fresh` (the rows of an import just made), best first
/// (see [`open_pairs`]).
pub fn candidates_of<S: std::hash::BuildHasher>(
    snapshot: &Snapshot,
    fresh: &HashSet<Uuid, S>,
    decided: impl Fn(&str) -> bool,
) -> Vec<DuplicatePair> {
    open_pairs(snapshot, |_, report| fresh.contains(&report.id), decided)
}

/// What duplicate detection found after an import, for its report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct AfterImport {
    /// Open candidate pairs with at least one of the import's incidents
    /// (`GET /v1/duplicates` lists them).
    pub candidates: usize,
    /// Pairs merged at once, scoring at least the server's `--merge-duplicates-above`
    /// (none when it is not set, the default).
    pub merged: usize,
}

/// Finds the candidate pairs of an import's incidents in the live data (after it caught
/// up), and, when `merge_above` is set, merges the pairs scoring at least it, best first,
/// each incident at most once, keeping the incident that was there before the import.
///
/// # Errors
/// When the store fails.
pub async fn after_import(
    live: &Live,
    import_id: Uuid,
    merge_above: Option<f32>,
) -> Result<AfterImport, DecisionError> {
    let store = live.store();
    let fresh: HashSet<Uuid> = store
        .incidents_of_import(import_id)
        .await?
        .into_iter()
        .collect();
    if fresh.is_empty() {
        return Ok(AfterImport::default());
    }
    let decided = decided_pairs(store).await?;
    let snapshot = live.snapshot();
    let searched = fresh.clone();
    let pairs = tokio::task::spawn_blocking(move || {
        candidates_of(&snapshot, &searched, |pair| decided.contains(pair))
    })
    .await
    .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
    let mut report = AfterImport {
        candidates: pairs.len(),
        merged: 0,
    };
    let Some(threshold) = merge_above else {
        return Ok(report);
    };
    let mut used: HashSet<Uuid> = HashSet::new();
    let actor = format!("auto-merge (import {import_id})");
    for pair in pairs.iter().filter(|pair| pair.score >= threshold) {
        let [a, b] = pair.incidents;
        if used.contains(&a) || used.contains(&b) {
            continue;
        }
        // The incident that was there before the import is kept.
        let keep = if fresh.contains(&a) && !fresh.contains(&b) {
            b
        } else {
            a
        };
        merge(store, &pair.id, Some(keep), &actor).await?;
        used.extend([a, b]);
        report.merged += 1;
    }
    report.candidates -= report.merged;
    if report.merged > 0 {
        live.catch_up().await?;
    }
    Ok(report)
}

/// Which pairs `GET /v1/duplicates` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Proposed and not decided on.
    Open,
    /// Made one event.
    Merged,
    /// Recorded as different events.
    Dismissed,
}

impl Status {
    /// Every status, as written in a query.
    pub const NAMES: [&'static str; 3] = ["open", "merged", "dismissed"];

    /// The status a query names.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "open" => Some(Self::Open),
            "merged" => Some(Self::Merged),
            "dismissed" => Some(Self::Dismissed),
            _ => None,
        }
    }
}

/// Pairs decided on (`status=merged` or `dismissed`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Decisions {
    /// The decisions, oldest first.
    pub decisions: Vec<Decision>,
}

/// The ids of the pairs decided on.
///
/// # Errors
/// When the store cannot be read.
pub async fn decided_pairs(store: &Store) -> Result<HashSet<String>, StoreError> {
    Ok(store
        .duplicate_decisions()
        .await?
        .into_iter()
        .map(|decision| decision.pair)
        .collect())
}

/// The decisions of one status (merged or dismissed).
///
/// # Errors
/// When the store cannot be read.
pub async fn decisions(store: &Store, status: Status) -> Result<Decisions, StoreError> {
    let wanted = match status {
        Status::Merged => "merged",
        _ => "dismissed",
    };
    Ok(Decisions {
        decisions: store
            .duplicate_decisions()
            .await?
            .into_iter()
            .filter(|decision| decision.decision == wanted)
            .collect(),
    })
}

/// One report of an event: an incident as its source reported it, with its own figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceReport {
    /// The incident (the event itself, or one merged into it).
    pub incident_id: Uuid,
    /// Who reported it.
    pub source: String,
    /// Its id at the source.
    pub source_id: Option<String>,
    /// The day (and time) it reported.
    pub occurred: String,
    /// The community name it wrote.
    pub community: String,
    /// Killed, by its count.
    pub killed: u32,
    /// Of them, women.
    pub killed_women: u32,
    /// Of them, children.
    pub killed_children: u32,
    /// Injured, by its count.
    pub injured: u32,
    /// Of them, women.
    pub injured_women: u32,
    /// Of them, children.
    pub injured_children: u32,
}

/// Every report of an event (`sources`), and the event.
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    /// The incident that counts.
    pub incident_id: Uuid,
    /// Every report of it, itself first when it is the smallest id, by id.
    pub sources: Vec<SourceReport>,
}

/// Why a decision on a pair was refused.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// Not two incident ids joined by `_`.
    #[error("'{0}' is not a pair id (two incident ids joined by _)")]
    BadPair(String),
    /// The incident to keep is not one of the pair.
    #[error("'keep' must be one of the pair's incidents")]
    KeepOutsidePair,
    /// An incident is missing or no longer counts, or nothing is merged.
    #[error(transparent)]
    Refused(#[from] DuplicateError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The two incidents of a pair id.
///
/// # Errors
/// When `pair` is not two incident ids joined by `_`.
pub fn parse_pair(pair: &str) -> Result<[Uuid; 2], DecisionError> {
    let bad = || DecisionError::BadPair(pair.chars().take(100).collect());
    let (a, b) = pair.split_once('_').ok_or_else(bad)?;
    let (a, b) = (
        Uuid::parse_str(a).map_err(|_| bad())?,
        Uuid::parse_str(b).map_err(|_| bad())?,
    );
    if a == b {
        return Err(bad());
    }
    Ok(pair_id(a, b).1)
}

/// Every report of the event `id`.
///
/// # Errors
/// When the store cannot be read.
pub async fn event(store: &Store, id: Uuid) -> Result<Event, StoreError> {
    let sources = store
        .reports_of(id)
        .await?
        .into_iter()
        .map(|incident| {
            let counts = incident.record.casualties.counts();
            SourceReport {
                incident_id: incident.id,
                source: incident.record.source,
                source_id: incident.record.source_id,
                occurred: incident.record.occurred.to_string(),
                community: incident.record.community,
                killed: counts.killed,
                killed_women: counts.killed_women,
                killed_children: counts.killed_children,
                injured: counts.injured,
                injured_women: counts.injured_women,
                injured_children: counts.injured_children,
            }
        })
        .collect();
    Ok(Event {
        incident_id: id,
        sources,
    })
}

/// Makes one event of a pair (`POST /v1/duplicates/{id}/merge`, `athar duplicates
/// merge`): `keep` (by default the first reported, the smaller id) counts, carrying every
/// report; the other stops counting but is kept. Readers of the store (a server's live
/// data) follow through the change log (`Live::catch_up`).
///
/// # Errors
/// A bad pair id, `keep` outside the pair, an incident missing or already merged.
pub async fn merge(
    store: &Store,
    pair: &str,
    keep: Option<Uuid>,
    actor: &str,
) -> Result<Event, DecisionError> {
    let [first, second] = parse_pair(pair)?;
    let kept = keep.unwrap_or(first);
    let other = match kept {
        k if k == first => second,
        k if k == second => first,
        _ => return Err(DecisionError::KeepOutsidePair),
    };
    store.merge_incidents(kept, other, Some(actor)).await?;
    Ok(event(store, kept).await?)
}

/// Records that a pair are different events (`POST /v1/duplicates/{id}/dismiss`, `athar
/// duplicates dismiss`).
///
/// # Errors
/// A bad pair id, or an incident missing or merged.
pub async fn dismiss(store: &Store, pair: &str, actor: &str) -> Result<Decisions, DecisionError> {
    let [first, second] = parse_pair(pair)?;
    store.dismiss_pair(first, second, Some(actor)).await?;
    let decisions = store
        .duplicate_decisions()
        .await?
        .into_iter()
        .filter(|decision| decision.incidents == [first, second])
        .collect();
    Ok(Decisions { decisions })
}

/// What an unmerge restored.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unmerged {
    /// The incidents that count again.
    pub restored: Vec<Uuid>,
}

/// Undoes the merges of `id` (`POST /v1/incidents/{id}/unmerge`, `athar duplicates
/// unmerge`).
///
/// # Errors
/// When nothing is merged into or from `id`.
pub async fn unmerge(store: &Store, id: Uuid, actor: &str) -> Result<Unmerged, DecisionError> {
    let restored = store.unmerge_incident(id, Some(actor)).await?;
    Ok(Unmerged { restored })
}
