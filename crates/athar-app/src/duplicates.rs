//! The same incident from several sources: pairs of incidents of different sources that
//! are probably one event ([`athar_duplicates`] says when), for the filters given, best
//! first. Token holders only: a pair is proposed on exact points, days and casualty
//! figures that anonymous readers may not see.

use athar_core::Filter;
use athar_duplicates::{Candidate, Detector, Report};
use athar_index::Snapshot;
use serde::Serialize;
use utoipa::ToSchema;

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

/// The candidate pairs with at least one incident under `filter`, against every incident
/// of the snapshot, best first, at most `limit`. The work is one index over the snapshot
/// and a bounded search around each selected incident (three days, the cells within 5 km,
/// its community).
pub fn find(snapshot: &Snapshot, filter: &Filter, limit: usize) -> Duplicates {
    let selected: std::collections::HashSet<u32> = snapshot.select(filter).into_iter().collect();
    let all = u32::try_from(snapshot.len()).expect("fewer than 4 billion incidents");
    let reports: Vec<Report<'_>> = (0..all).map(|row| snapshot.duplicate_report(row)).collect();
    let detector = Detector::new(&reports);
    let fresh: Vec<usize> = (0..all)
        .filter(|row| selected.contains(row))
        .map(|row| row as usize)
        .collect();
    let candidates = if fresh.len() == reports.len() {
        detector.all_candidates()
    } else {
        detector.candidates_for(&fresh)
    };
    let total = candidates.len();
    Duplicates {
        candidates: candidates
            .into_iter()
            .take(limit.min(MAX_LIMIT))
            .map(DuplicatePair::from)
            .collect(),
        total,
    }
}
