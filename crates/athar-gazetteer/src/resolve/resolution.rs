//! Resolution: a written name's matches judged against the area and point written with
//! it, and the place chosen (or none, when no place or more than one fits).

use std::collections::HashMap;
use std::fmt::Write as _;

use athar_core::Language;

use athar_core::script::Script;

use super::{
    CROSS_SCRIPT_SCORE, Candidate, FUZZY_MATCH_MAX_KM, Gazetteer, Method, NAME_MATCH_MAX_KM,
    NameMatches, Query, Resolution, admin1_identity,
};
use crate::distance_km;
use crate::name::{aliases, community_key, cross_script_key, qualifier_classes};

impl Gazetteer {
    /// Whether a candidate may be the place: in the query's area and within `max_km` of
    /// its point, where both sides know them. Also its distance from the point.
    fn within(
        &self,
        index: u32,
        area: Option<&str>,
        query: &Query<'_>,
        max_km: f64,
    ) -> (bool, Option<f64>) {
        let distance = query
            .point
            .zip(self.communities[index as usize].lon_lat)
            .map(|(a, b)| distance_km(a, b));
        let in_area = match (area, self.areas[index as usize].as_deref()) {
            (Some(wanted), Some(actual)) => wanted == actual,
            _ => true,
        };
        (in_area && distance.is_none_or(|d| d <= max_km), distance)
    }

    /// The place of the common case, decided without judging every candidate: no p-code
    /// given, the name is no place's id, and one place has it as its name (or, when none
    /// does, as another of its names) and may be the place. [`Self::resolve_matched`]
    /// gives the same place, method and score, with its reasons.
    pub(crate) fn sole_match(
        &self,
        matches: &NameMatches,
        query: &Query<'_>,
    ) -> Option<(u32, Method, f64)> {
        if query.pcode.is_some() || matches.by_id.is_some() {
            return None;
        }
        for (method, found, score) in [
            (Method::Exact, &matches.exact, 1.0),
            (Method::Alias, &matches.alias, 0.95),
        ] {
            let Some((&(first, _), rest)) = found.split_first() else {
                continue;
            };
            let id = &self.communities[first as usize].id;
            if rest
                .iter()
                .any(|&(index, _)| self.communities[index as usize].id != *id)
            {
                return None;
            }
            let area = query.admin1.map(admin1_identity);
            let (eligible, _) = self.within(first, area.as_deref(), query, NAME_MATCH_MAX_KM);
            return eligible.then_some((first, method, score));
        }
        None
    }

    /// Judges a candidate against the query's area and point; its reason opens with
    /// `lead` (how the name matched).
    pub(super) fn judge(
        &self,
        index: u32,
        (method, score, lead): (Method, f64, String),
        area: Option<&str>,
        query: &Query<'_>,
        max_km: f64,
    ) -> Candidate {
        let community = &self.communities[index as usize];
        let (eligible, distance) = self.within(index, area, query, max_km);
        let mut reason = lead;
        match (area, self.areas[index as usize].as_deref()) {
            (Some(wanted), Some(actual)) if wanted != actual => {
                write!(
                    reason,
                    "; ruled out: in {} not {}",
                    community.admin1.name.as_deref().unwrap_or(actual),
                    query.admin1.unwrap_or(wanted)
                )
                .expect("writing to a String");
            }
            (Some(_), Some(_)) => write!(
                reason,
                "; in {}",
                community.admin1.name.as_deref().unwrap_or_default()
            )
            .expect("writing to a String"),
            _ => {}
        }
        if let Some(d) = distance {
            if d > max_km {
                write!(
                    reason,
                    "; ruled out: {d:.1} km from the point (limit {max_km} km)"
                )
                .expect("writing to a String");
            } else {
                write!(reason, "; {d:.1} km from the point").expect("writing to a String");
            }
        }
        Candidate {
            community_id: community.id.clone(),
            method,
            score,
            distance_km: distance,
            eligible,
            reason,
        }
    }

    /// Resolves a written name to a place, with every candidate considered.
    pub fn resolve(&self, query: &Query<'_>) -> Resolution {
        let matches = self.name_matches(query.name);
        self.resolve_matched(&matches, query)
    }

    /// What resolving `name` depends on besides the row's p-code, area and point: its
    /// spellings and keys, and the places it names exactly or by alias. Imports, where a
    /// few hundred names repeat over many rows, compute it once per name
    /// ([`crate::NameCache`]).
    pub fn name_matches(&self, name: &str) -> NameMatches {
        let written = aliases(name);
        let keys: Vec<String> = written.iter().map(|n| community_key(n)).collect();
        let tier = |table: &HashMap<String, Vec<u32>>| {
            let mut found = Vec::new();
            for (spelling, key) in keys.iter().enumerate() {
                for &index in table.get(key).into_iter().flatten() {
                    found.push((index, spelling));
                }
            }
            found
        };
        NameMatches {
            by_id: self.index_of(name.trim()),
            exact: tier(&self.primary),
            alias: tier(&self.alternate),
            written,
            keys,
            fuzzy: std::sync::OnceLock::new(),
        }
    }

    /// [`Self::resolve`] with the name's matches already found.
    pub fn resolve_matched(&self, matches: &NameMatches, query: &Query<'_>) -> Resolution {
        if let Some(pcode) = query.pcode
            && let Some(&index) = self.pcodes.get(&pcode.trim().to_ascii_uppercase())
        {
            let id = self.communities[index as usize].id.clone();
            // When the name alone finds the same place, the resolution is the name's, with
            // the p-code agreeing: a row exported with its place's p-code reads back as
            // it was resolved.
            let by_name = self.resolve_matched(
                matches,
                &Query {
                    pcode: None,
                    ..*query
                },
            );
            if by_name.community_id.as_deref() == Some(id.as_str()) {
                return Resolution {
                    reason: format!("{}; the p-code {pcode} agrees", by_name.reason),
                    ..by_name
                };
            }
            return Resolution {
                community_id: Some(id.clone()),
                method: Method::Pcode,
                score: 1.0,
                reason: format!("p-code {pcode}"),
                candidates: vec![Candidate {
                    community_id: id,
                    method: Method::Pcode,
                    score: 1.0,
                    distance_km: None,
                    eligible: true,
                    reason: format!("p-code {pcode}"),
                }],
            };
        }
        // A place's own id stands for the place (links from counts carry ids).
        if let Some(index) = matches.by_id {
            let id = self.communities[index as usize].id.clone();
            let reason = format!(
                "the id of {}",
                self.communities[index as usize].display_name(Language::English)
            );
            return Resolution {
                community_id: Some(id.clone()),
                method: Method::Exact,
                score: 1.0,
                reason: reason.clone(),
                candidates: vec![Candidate {
                    community_id: id,
                    method: Method::Exact,
                    score: 1.0,
                    distance_km: None,
                    eligible: true,
                    reason,
                }],
            };
        }
        let area = query.admin1.map(admin1_identity);
        let mut candidates: Vec<Candidate> = Vec::new();
        for (method, found, score) in [
            (Method::Exact, &matches.exact, 1.0),
            (Method::Alias, &matches.alias, 0.95),
        ] {
            for &(index, spelling) in found {
                if candidates
                    .iter()
                    .any(|c| c.community_id == self.communities[index as usize].id)
                {
                    continue;
                }
                let lead = format!(
                    "{} match of '{}'",
                    method.as_str(),
                    matches.written[spelling]
                );
                candidates.push(self.judge(
                    index,
                    (method, score, lead),
                    area.as_deref(),
                    query,
                    NAME_MATCH_MAX_KM,
                ));
            }
            if candidates.iter().any(|c| c.eligible) {
                return Self::choose(candidates, query);
            }
        }
        candidates.extend(self.fuzzy(query, area.as_deref(), matches, &candidates));
        if area.is_none() && query.point.is_none() {
            for candidate in candidates.iter_mut().filter(|c| c.method == Method::Fuzzy) {
                candidate.eligible = false;
                candidate
                    .reason
                    .push_str("; ruled out: a fuzzy match needs an admin area or a point");
            }
        }
        if candidates.iter().any(|c| c.eligible) {
            return Self::choose(candidates, query);
        }
        let cross = self.cross_script(query, area.as_deref(), matches, &candidates);
        let fitting: Vec<&Candidate> = cross.iter().filter(|c| c.eligible).collect();
        if let [first, second, ..] = fitting.as_slice() {
            // Keys of consonants meet by chance: two places that fit are never guessed
            // between, however much nearer one is.
            let reason = format!(
                "ambiguous: {} places have the cross-script key of '{}' ({}, {}{})",
                fitting.len(),
                query.name,
                first.community_id,
                second.community_id,
                if fitting.len() > 2 { ", …" } else { "" }
            );
            candidates.extend(cross);
            return Resolution {
                community_id: None,
                method: Method::Unresolved,
                score: 0.0,
                reason,
                candidates,
            };
        }
        candidates.extend(cross);
        Self::choose(candidates, query)
    }

    /// The places with a name in the other script whose cross-script key is the name's
    /// (see [`crate::name::cross_script_key`], which tells camps apart), with the same
    /// qualifiers (east, great, upper… in either script); eligible only within the
    /// query's governorate and within [`super::FUZZY_MATCH_MAX_KM`] of its point, and only
    /// when it gives one of them.
    fn cross_script(
        &self,
        query: &Query<'_>,
        area: Option<&str>,
        matches: &NameMatches,
        seen: &[Candidate],
    ) -> Vec<Candidate> {
        let mut found: Vec<Candidate> = Vec::new();
        for written in &matches.written {
            let key = cross_script_key(written);
            let Some(entries) = self.cross.get(&key) else {
                continue;
            };
            let script = Script::of(&community_key(written));
            let classes = qualifier_classes(written);
            for &entry in entries {
                let entry = &self.names[entry as usize];
                let community = &self.communities[entry.community as usize];
                // Arabic spellings of a name vary little: an Arabic name is compared with
                // the Latin names of places that have no Arabic name (learned from Latin
                // spellings, or listed without one), never with the Latin name of a place
                // whose Arabic name it did not match (أورم is not Arima).
                if entry.script == script
                    || (script == Script::Arabic && community.name_ar.is_some())
                    || entry.classes != classes
                    || seen.iter().any(|c| c.community_id == community.id)
                    || found.iter().any(|c| c.community_id == community.id)
                {
                    continue;
                }
                let lead = format!(
                    "cross-script key '{key}' of '{written}' is that of '{}'",
                    entry.name
                );
                let mut candidate = self.judge(
                    entry.community,
                    (Method::CrossScript, CROSS_SCRIPT_SCORE, lead),
                    area,
                    query,
                    FUZZY_MATCH_MAX_KM,
                );
                if area.is_none() && query.point.is_none() {
                    candidate.eligible = false;
                    candidate.reason.push_str(
                        "; ruled out: a cross-script match needs the governorate or a point",
                    );
                }
                found.push(candidate);
            }
        }
        found.sort_by(|a, b| a.community_id.cmp(&b.community_id));
        found
    }

    fn choose(mut candidates: Vec<Candidate>, query: &Query<'_>) -> Resolution {
        candidates.sort_by(|a, b| {
            b.eligible
                .cmp(&a.eligible)
                .then(b.score.total_cmp(&a.score))
                .then(
                    a.distance_km
                        .unwrap_or(f64::MAX)
                        .total_cmp(&b.distance_km.unwrap_or(f64::MAX)),
                )
        });
        let eligible: Vec<&Candidate> = candidates.iter().filter(|c| c.eligible).collect();
        let unresolved = |reason: String, candidates: Vec<Candidate>| Resolution {
            community_id: None,
            method: Method::Unresolved,
            score: 0.0,
            reason,
            candidates,
        };
        match eligible.as_slice() {
            [] if candidates.is_empty() => unresolved(
                format!("no place is named like '{}'", query.name),
                candidates,
            ),
            [] => unresolved(
                format!(
                    "{} place(s) named like '{}', none in the area or near the point",
                    candidates.len(),
                    query.name
                ),
                candidates,
            ),
            [only] => Resolution {
                community_id: Some(only.community_id.clone()),
                method: only.method,
                score: only.score,
                reason: only.reason.clone(),
                candidates: candidates.clone(),
            },
            [first, second, ..] => {
                // With a point, the nearer of two equally good matches is the place when
                // the other is clearly farther (a name shared by two villages far apart).
                let clearly_nearer = match (first.distance_km, second.distance_km) {
                    (Some(a), Some(b)) => a * 3.0 < b,
                    _ => false,
                };
                if first.score > second.score + 0.05
                    || (first.score >= second.score && clearly_nearer)
                {
                    Resolution {
                        community_id: Some(first.community_id.clone()),
                        method: first.method,
                        score: first.score,
                        reason: first.reason.clone(),
                        candidates: candidates.clone(),
                    }
                } else {
                    unresolved(
                        format!(
                            "ambiguous: {} places fit '{}' ({}); give the governorate or a point",
                            eligible.len(),
                            query.name,
                            eligible
                                .iter()
                                .map(|c| c.community_id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        candidates.clone(),
                    )
                }
            }
        }
    }
}
