//! Fuzzy matching: names prepared for comparison, the candidates of a name (the same
//! skeleton, one edit away, or near the point) and their similarity.

use std::collections::HashMap;

use athar_core::script::Script;

use super::{
    Candidate, FUZZY_MATCH_MAX_KM, FUZZY_MIN_SIMILARITY, FUZZY_MIN_SIMILARITY_SAME_SKELETON,
    Gazetteer, Method, NameMatches, Query,
};
use crate::CommunityKind;
use crate::name::{qualifiers, similarity, skeleton};

/// The fuzzy candidates of a name that do not depend on a point: names with the same
/// skeleton or one edit away, and the spellings prepared for comparison.
#[derive(Debug, Clone)]
pub(super) struct FuzzyName {
    pool: Vec<u32>,
    wanted: Vec<Wanted>,
}

/// One name of a place, prepared for fuzzy matching.
#[derive(Debug, Clone)]
pub(super) struct NameEntry {
    pub(super) community: u32,
    pub(super) name: String,
    pub(super) key: String,
    /// The key's letters, for the edit distance.
    pub(super) letters: Vec<char>,
    pub(super) skeleton: String,
    pub(super) qualifiers: Vec<&'static str>,
    pub(super) camp: bool,
    /// The key's script: names in different scripts are never alike letter by letter, so
    /// the edit distance between them is not worth computing.
    pub(super) script: Script,
    /// The qualifiers' classes, the same in both scripts (see
    /// [`crate::name::qualifier_classes`]).
    pub(super) classes: Vec<&'static str>,
}

/// A written name, prepared for fuzzy matching.
#[derive(Debug, Clone)]
struct Wanted {
    qualifiers: Vec<&'static str>,
    camp: bool,
    skeleton: String,
    letters: Vec<char>,
    script: Script,
}

/// How many of the nearest places around a point are scored for a fuzzy match.
const FUZZY_NEAREST: usize = 24;

fn hash_of(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(text)
}

/// The hashes of a key and of the key with each one letter deleted.
pub(super) fn deletion_hashes(key: &str) -> Vec<u64> {
    let chars: Vec<(usize, char)> = key.char_indices().collect();
    let mut hashes = Vec::with_capacity(chars.len() + 1);
    hashes.push(hash_of(key));
    if chars.len() >= 4 {
        let mut variant = String::with_capacity(key.len());
        for &(at, c) in &chars {
            variant.clear();
            variant.push_str(&key[..at]);
            variant.push_str(&key[at + c.len_utf8()..]);
            hashes.push(hash_of(&variant));
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

pub(super) fn is_camp(name: &str) -> bool {
    crate::kind_hint(name) == Some(CommunityKind::Camp)
}

impl Gazetteer {
    fn fuzzy_name(&self, written: &[String], keys: &[String]) -> FuzzyName {
        let mut pool: Vec<u32> = Vec::new();
        for key in keys {
            pool.extend(self.skeletons.get(&skeleton(key)).into_iter().flatten());
            for hash in deletion_hashes(key) {
                pool.extend(self.neighbours.get(&hash).into_iter().flatten());
            }
        }
        let wanted = written
            .iter()
            .zip(keys)
            .map(|(name, key)| Wanted {
                qualifiers: qualifiers(name),
                camp: is_camp(name),
                skeleton: skeleton(key),
                letters: key.chars().collect(),
                script: Script::of(key),
            })
            .collect();
        FuzzyName { pool, wanted }
    }

    pub(super) fn fuzzy(
        &self,
        query: &Query<'_>,
        area: Option<&str>,
        matches: &NameMatches,
        seen: &[Candidate],
    ) -> Vec<Candidate> {
        // Candidate names: the same skeleton, one edit away, or (with a point) any name of
        // a place within the fuzzy radius.
        let FuzzyName { pool, wanted } = matches
            .fuzzy
            .get_or_init(|| self.fuzzy_name(&matches.written, &matches.keys));
        let mut pool = pool.clone();
        if let Some((lon, lat)) = query.point {
            // The nearest places within the fuzzy radius (a degree of latitude is 111 km;
            // the distance is checked exactly when each candidate is judged).
            let radius = FUZZY_MATCH_MAX_KM / 85.0;
            for point in self
                .points
                .nearest_neighbor_iter_with_distance_2(&[lon, lat])
                .take_while(|(_, d2)| *d2 <= radius * radius)
                .take(FUZZY_NEAREST)
            {
                pool.extend(&self.names_of[point.0.data as usize]);
            }
        }
        pool.sort_unstable();
        pool.dedup();
        // The best name of each place.
        let mut best: HashMap<u32, (f64, &NameEntry)> = HashMap::new();
        for entry in pool.into_iter().map(|e| &self.names[e as usize]) {
            let community = &self.communities[entry.community as usize];
            if seen.iter().any(|c| c.community_id == community.id) {
                continue;
            }
            for wanted in wanted {
                // Different scripts never match letter by letter; different qualifiers
                // (east/west, great/small) or a camp against a town are different
                // places, however alike the rest.
                if entry.script != wanted.script
                    || entry.qualifiers != wanted.qualifiers
                    || entry.camp != wanted.camp
                {
                    continue;
                }
                let letters = &wanted.letters;
                // The similarity cannot reach the threshold when the lengths differ by
                // more than a third of the longer: skip the edit distance.
                let (a, b) = (letters.len(), entry.letters.len());
                if a.abs_diff(b) * 10 > a.max(b) * 3 {
                    continue;
                }
                let score = similarity(letters, &entry.letters);
                // Keys that differ only in vowels and doubled letters (Jinderes,
                // Jindayris) may differ a little more.
                let needed = if wanted.skeleton == entry.skeleton {
                    FUZZY_MIN_SIMILARITY_SAME_SKELETON
                } else {
                    FUZZY_MIN_SIMILARITY
                };
                if score >= needed && best.get(&entry.community).is_none_or(|(b, _)| score > *b) {
                    best.insert(entry.community, (score, entry));
                }
            }
        }
        let mut found: Vec<Candidate> = best
            .into_iter()
            .map(|(index, (score, entry))| {
                let lead = format!(
                    "fuzzy match of '{}' to '{}' (similarity {score:.2})",
                    query.name, entry.name
                );
                self.judge(
                    index,
                    (Method::Fuzzy, score * 0.9, lead),
                    area,
                    query,
                    FUZZY_MATCH_MAX_KM,
                )
            })
            .collect();
        found.sort_by(|a, b| a.community_id.cmp(&b.community_id));
        found
    }
}
