//! Resolution of written names to communities.
//!
//! The order: a p-code → an exact match of a community's Arabic or English name → a match
//! of one of its alternate names (or an alias a person attached) → a fuzzy match within
//! the admin area and near the incident's point → unresolved. At every step the admin
//! area and the point rule candidates out (a name matched exactly but 40 km away is a
//! different village of the same name), and when more than one place is left the name is
//! ambiguous and stays unresolved: Athar never picks one of two places silently.

use std::collections::HashMap;
use std::fmt::Write as _;

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::name::{aliases, community_key, qualifiers, similarity, skeleton};
use crate::{Community, CommunityKind, distance_km};

/// How far (km) from an incident's point a place matched by name may lie.
pub const NAME_MATCH_MAX_KM: f64 = 25.0;
/// How far (km) from an incident's point a place matched fuzzily may lie.
pub const FUZZY_MATCH_MAX_KM: f64 = 10.0;
/// The least similarity of keys (0–1) a fuzzy match needs.
pub const FUZZY_MIN_SIMILARITY: f64 = 0.8;
/// The least similarity of keys a fuzzy match needs when their skeletons are equal.
pub const FUZZY_MIN_SIMILARITY_SAME_SKELETON: f64 = 0.7;

/// How a name was resolved (the same type incidents record).
pub use athar_core::ResolutionMethod as Method;

/// A written name's spellings and the places it names, whatever the row says besides
/// ([`Gazetteer::name_matches`]).
#[derive(Debug, Clone)]
pub struct NameMatches {
    /// The place whose id the name is.
    by_id: Option<u32>,
    /// Places with a primary name of one of the spellings, and which spelling.
    exact: Vec<(u32, usize)>,
    /// Places with an alternate name of one of the spellings.
    alias: Vec<(u32, usize)>,
    /// The spellings read from the name (`A / B`, `A (B)`) and their keys.
    written: Vec<String>,
    keys: Vec<String>,
    /// What fuzzy matching needs of the name, made the first time it is needed.
    fuzzy: std::sync::OnceLock<FuzzyName>,
}

/// The fuzzy candidates of a name that do not depend on a point: names with the same
/// skeleton or one edit away, and the spellings prepared for comparison.
#[derive(Debug, Clone)]
struct FuzzyName {
    pool: Vec<u32>,
    wanted: Vec<Wanted>,
}

/// What is known about where a name was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// The name as written.
    pub name: &'a str,
    /// A p-code written with it.
    pub pcode: Option<&'a str>,
    /// The governorate written with it.
    pub admin1: Option<&'a str>,
    /// The incident's longitude and latitude.
    pub point: Option<(f64, f64)>,
}

/// A place a name might stand for, and how well it fits.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Candidate {
    /// The community's id.
    pub community_id: String,
    /// How the name matched it.
    pub method: Method,
    /// How sure the match is, 0–1.
    pub score: f64,
    /// Distance from the query's point, when both have one.
    pub distance_km: Option<f64>,
    /// Whether the area and distance rules allow it.
    pub eligible: bool,
    /// Why it matched, and why it was ruled out if it was.
    pub reason: String,
}

/// The outcome of resolving one name.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resolution {
    /// The place chosen, if one was.
    pub community_id: Option<String>,
    /// How it was chosen (or `unresolved`).
    pub method: Method,
    /// How sure, 0–1 (0 when unresolved).
    pub score: f64,
    /// Why.
    pub reason: String,
    /// Every place considered, best first.
    pub candidates: Vec<Candidate>,
}

type Point = GeomWithData<[f64; 2], u32>;

/// One name of a place, prepared for fuzzy matching.
#[derive(Debug, Clone)]
struct NameEntry {
    community: u32,
    name: String,
    key: String,
    /// The key's letters, for the edit distance.
    letters: Vec<char>,
    skeleton: String,
    qualifiers: Vec<&'static str>,
    camp: bool,
    script: Script,
}

/// The script a key is written in: names in different scripts are never alike letter by
/// letter, so the edit distance between them is not worth computing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Arabic,
    Latin,
    Other,
}

impl Script {
    fn of(key: &str) -> Self {
        match key.chars().find(|c| !c.is_ascii_digit()) {
            Some(c) if c.is_ascii() => Self::Latin,
            Some('\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}') => Self::Arabic,
            Some(_) => Self::Other,
            None => Self::Latin,
        }
    }
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
fn deletion_hashes(key: &str) -> Vec<u64> {
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

fn is_camp(name: &str) -> bool {
    crate::kind_hint(name) == Some(CommunityKind::Camp)
}

/// The governorates of Syria: OCHA p-code, and the names written for them.
const GOVERNORATES: [(&str, &[&str]); 14] = [
    ("SY01", &["Damascus", "Dimashq", "دمشق"]),
    ("SY02", &["Aleppo", "Halab", "حلب"]),
    (
        "SY03",
        &[
            "Rural Damascus",
            "Rif Dimashq",
            "Rif Dimashq Governorate",
            "ريف دمشق",
        ],
    ),
    ("SY04", &["Homs", "Hims", "حمص"]),
    ("SY05", &["Hama", "Hamah", "حماة"]),
    ("SY06", &["Latakia", "Lattakia", "Al Ladhiqiyah", "اللاذقية"]),
    ("SY07", &["Idlib", "Idleb", "إدلب"]),
    (
        "SY08",
        &[
            "Al-Hasakah",
            "Al-Hasakeh",
            "Hasakah",
            "Hasakeh",
            "Al Hasakah",
            "الحسكة",
        ],
    ),
    (
        "SY09",
        &[
            "Deir-ez-Zor",
            "Deir ez-Zor",
            "Dayr az Zawr",
            "Deir Ezzor",
            "دير الزور",
        ],
    ),
    ("SY10", &["Tartus", "Tartous", "طرطوس"]),
    (
        "SY11",
        &["Ar-Raqqa", "Raqqa", "Ar Raqqah", "Raqqah", "الرقة"],
    ),
    ("SY12", &["Daraa", "Dar'a", "Deraa", "درعا"]),
    (
        "SY13",
        &["As-Sweida", "As-Suwayda", "Sweida", "Suwayda", "السويداء"],
    ),
    ("SY14", &["Quneitra", "Al Qunaytirah", "القنيطرة"]),
];

/// The identity of a governorate written in any of its forms (name in either script, or
/// p-code): its p-code when it is one of Syria's, otherwise its key.
pub fn admin1_identity(written: &str) -> String {
    static KEYS: std::sync::OnceLock<HashMap<String, &'static str>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        GOVERNORATES
            .iter()
            .flat_map(|(pcode, names)| {
                names
                    .iter()
                    .map(|name| (community_key(name), *pcode))
                    .chain([(pcode.to_ascii_lowercase(), *pcode)])
            })
            .collect()
    });
    let key = community_key(written);
    keys.get(&key).map_or(key, |pcode| (*pcode).to_owned())
}

/// The known places, indexed by the keys of their names, their p-codes and their points.
#[derive(Debug, Default, Clone)]
pub struct Gazetteer {
    communities: Vec<Community>,
    /// Keys of Arabic and English names → communities.
    primary: HashMap<String, Vec<u32>>,
    /// Keys of alternate names and attached aliases → communities.
    alternate: HashMap<String, Vec<u32>>,
    /// Every name of every place, keyed and ready for fuzzy scoring.
    names: Vec<NameEntry>,
    /// Each place's entries in `names`.
    names_of: Vec<Vec<u32>>,
    /// Skeletons of every name's key → entries in `names`.
    skeletons: HashMap<String, Vec<u32>>,
    /// Hashes of every name's key and of the key with any one letter deleted → entries in
    /// `names`: two keys one edit apart share one of them (a deletion neighbourhood).
    neighbours: HashMap<u64, Vec<u32>>,
    /// Governorate identity → communities.
    by_area: HashMap<String, Vec<u32>>,
    ids: HashMap<String, u32>,
    pcodes: HashMap<String, u32>,
    areas: Vec<Option<String>>,
    points: RTree<Point>,
}

fn push_unique(map: &mut HashMap<String, Vec<u32>>, key: String, index: u32) {
    let entry = map.entry(key).or_default();
    if !entry.contains(&index) {
        entry.push(index);
    }
}

impl Gazetteer {
    /// A gazetteer that knows no places yet: names still get their keys.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A gazetteer of these communities.
    pub fn new(communities: impl IntoIterator<Item = Community>) -> Self {
        let mut gazetteer = Self::default();
        for community in communities {
            gazetteer.upsert(community);
        }
        gazetteer
    }

    /// The bundled GeoNames gazetteer of Syria.
    pub fn bundled() -> Self {
        Self::new(crate::lists::bundled())
    }

    /// How many places it knows.
    pub fn len(&self) -> usize {
        self.communities.len()
    }

    /// Whether it knows none.
    pub fn is_empty(&self) -> bool {
        self.communities.is_empty()
    }

    /// Every place, in the order they were added.
    pub fn communities(&self) -> &[Community] {
        &self.communities
    }

    /// The place with this id.
    pub fn get(&self, id: &str) -> Option<&Community> {
        self.ids.get(id).map(|&i| &self.communities[i as usize])
    }

    /// The place at an index of the name indexes.
    pub(crate) fn community_at(&self, index: u32) -> &Community {
        &self.communities[index as usize]
    }

    /// Adds a place, or replaces the one with the same id (a re-imported list updates in
    /// place). Names a replaced place no longer carries stop resolving to it.
    pub fn upsert(&mut self, community: Community) {
        if let Some(&index) = self.ids.get(&community.id) {
            self.communities[index as usize] = community;
            self.reindex();
            return;
        }
        let index = u32::try_from(self.communities.len()).expect("fewer than 4 billion places");
        self.ids.insert(community.id.clone(), index);
        self.communities.push(community);
        self.index(index);
    }

    /// Attaches a spelling to a place, so that it resolves there from now on. Returns
    /// false when there is no such place.
    pub fn add_alias(&mut self, id: &str, name: &str) -> bool {
        let Some(&index) = self.ids.get(id) else {
            return false;
        };
        let community = &mut self.communities[index as usize];
        if !community.alternate_names.iter().any(|n| n == name) {
            community.alternate_names.push(name.to_owned());
        }
        for written in aliases(name) {
            let key = community_key(&written);
            self.add_name_entry(index, &written, &key);
            push_unique(&mut self.alternate, key, index);
        }
        true
    }

    /// The same places with their points as `point_of` says (names and indexes of names
    /// unchanged; only the spatial index is rebuilt). Used to show anonymous readers
    /// places whose points were derived from exact incident points at a public point.
    #[must_use]
    pub fn with_points(&self, mut point_of: impl FnMut(&Community) -> Option<(f64, f64)>) -> Self {
        let mut moved = self.clone();
        let mut entries = Vec::with_capacity(moved.communities.len());
        for (index, community) in moved.communities.iter_mut().enumerate() {
            community.lon_lat = point_of(community);
            if let Some((lon, lat)) = community.lon_lat {
                let index = u32::try_from(index).expect("fewer than 4 billion places");
                entries.push(GeomWithData::new([lon, lat], index));
            }
        }
        moved.points = RTree::bulk_load(entries);
        moved
    }

    fn reindex(&mut self) {
        let communities = std::mem::take(&mut self.communities);
        *self = Self::default();
        for community in communities {
            self.upsert(community);
        }
    }

    fn add_name_entry(&mut self, index: u32, name: &str, key: &str) {
        if key.is_empty()
            || self.names_of[index as usize]
                .iter()
                .any(|&e| self.names[e as usize].key == key)
        {
            return;
        }
        let entry = u32::try_from(self.names.len()).expect("fewer than 4 billion names");
        self.names.push(NameEntry {
            community: index,
            name: name.to_owned(),
            key: key.to_owned(),
            letters: key.chars().collect(),
            skeleton: skeleton(key),
            qualifiers: qualifiers(name),
            camp: is_camp(name),
            script: Script::of(key),
        });
        self.names_of[index as usize].push(entry);
        push_unique(&mut self.skeletons, skeleton(key), entry);
        for hash in deletion_hashes(key) {
            let entries = self.neighbours.entry(hash).or_default();
            if !entries.contains(&entry) {
                entries.push(entry);
            }
        }
    }

    fn index(&mut self, index: u32) {
        let community = &self.communities[index as usize];
        let mut primary = Vec::new();
        let mut alternate = Vec::new();
        for name in community.name_ar.iter().chain(&community.name_en) {
            primary.extend(aliases(name).into_iter().map(|n| (community_key(&n), n)));
        }
        for name in &community.alternate_names {
            alternate.extend(aliases(name).into_iter().map(|n| (community_key(&n), n)));
        }
        self.names_of.push(Vec::new());
        if let Some(pcode) = &community.pcode {
            self.pcodes.insert(pcode.to_ascii_uppercase(), index);
        }
        let area = community
            .admin1
            .pcode
            .as_deref()
            .or(community.admin1.name.as_deref())
            .map(admin1_identity);
        if let Some(area) = &area {
            push_unique(&mut self.by_area, area.clone(), index);
        }
        self.areas.push(area);
        if let Some((lon, lat)) = community.lon_lat {
            self.points.insert(GeomWithData::new([lon, lat], index));
        }
        for (key, name) in primary.into_iter().filter(|(k, _)| !k.is_empty()) {
            self.add_name_entry(index, &name, &key);
            push_unique(&mut self.primary, key, index);
        }
        for (key, name) in alternate.into_iter().filter(|(k, _)| !k.is_empty()) {
            self.add_name_entry(index, &name, &key);
            push_unique(&mut self.alternate, key, index);
        }
    }

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

    /// Judges a candidate against the query's area and point.
    fn judge(
        &self,
        index: u32,
        (method, score, matched): (Method, f64, &str),
        area: Option<&str>,
        query: &Query<'_>,
        max_km: f64,
    ) -> Candidate {
        let community = &self.communities[index as usize];
        let (eligible, distance) = self.within(index, area, query, max_km);
        let mut reason = format!("{} match of '{matched}'", method.as_str());
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
            by_id: self.ids.get(name.trim()).copied(),
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
                self.communities[index as usize].display_name(false)
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
                candidates.push(self.judge(
                    index,
                    (method, score, &matches.written[spelling]),
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
        Self::choose(candidates, query)
    }

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

    fn fuzzy(
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
                let mut candidate = self.judge(
                    index,
                    (Method::Fuzzy, score * 0.9, &entry.name),
                    area,
                    query,
                    FUZZY_MATCH_MAX_KM,
                );
                candidate.reason = candidate.reason.replacen(
                    &format!("fuzzy match of '{}'", entry.name),
                    &format!(
                        "fuzzy match of '{}' to '{}' (similarity {score:.2})",
                        query.name, entry.name
                    ),
                    1,
                );
                candidate
            })
            .collect();
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

    /// Places whose names contain the words of `q` (in either script), best first: exact
    /// key matches, then names starting with it, then names containing it.
    pub fn search(&self, q: &str, limit: usize) -> Vec<&Community> {
        let wanted = community_key(q);
        if wanted.is_empty() {
            return Vec::new();
        }
        // The keys of every name were made when the place was indexed.
        let mut hits: Vec<(u8, &Community)> = self
            .communities
            .iter()
            .zip(&self.names_of)
            .filter_map(|(community, entries)| {
                entries
                    .iter()
                    .map(|&entry| self.names[entry as usize].key.as_str())
                    .filter_map(|key| {
                        if key == wanted {
                            Some(0)
                        } else if key.starts_with(&wanted) {
                            Some(1)
                        } else if key.contains(&wanted) {
                            Some(2)
                        } else {
                            None
                        }
                    })
                    .min()
                    .map(|rank| (rank, community))
            })
            .collect();
        hits.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.display_name(false).cmp(b.1.display_name(false)))
        });
        hits.into_iter().take(limit).map(|(_, c)| c).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AdminArea, CommunityStatus};

    fn place(id: &str, ar: &str, en: &str, admin1: &str, lon_lat: (f64, f64)) -> Community {
        Community {
            id: id.into(),
            pcode: Some(id.into()),
            name_ar: Some(ar.into()),
            name_en: Some(en.into()),
            alternate_names: vec![],
            kind: CommunityKind::Village,
            status: CommunityStatus::Reference,
            lon_lat: Some(lon_lat),
            admin1: AdminArea {
                name: Some(admin1.into()),
                pcode: None,
            },
            admin2: AdminArea::default(),
            admin3: AdminArea::default(),
        }
    }

    /// Over every name of the bundled gazetteer, with no point, the place's own point,
    /// and points 20 and 40 km off, and no area, its own and another: whenever the quick
    /// path names a place, the full resolution names the same one, exactly.
    #[test]
    fn the_sole_match_is_what_full_resolution_chooses() {
        let gazetteer = Gazetteer::bundled();
        let (mut quick, mut aliases, mut slow) = (0, 0, 0);
        for community in gazetteer.communities.iter().step_by(3) {
            let areas = [None, community.admin1.name.as_deref(), Some("Aleppo")];
            let points = [None, community.lon_lat]
                .into_iter()
                .chain(community.lon_lat.map(|(lon, lat)| Some((lon + 0.2, lat))))
                .chain(community.lon_lat.map(|(lon, lat)| Some((lon, lat + 0.36))));
            for point in points {
                for admin1 in areas {
                    // Aliases too: a place's names are exact matches of it, and
                    // misspellings of them (a letter dropped) are often aliases of others.
                    let names = community.names().flat_map(|name| {
                        let dropped: String = name.chars().skip(1).collect();
                        [name.to_owned(), dropped]
                    });
                    for name in names {
                        let name = name.as_str();
                        let query = Query {
                            name,
                            pcode: None,
                            admin1,
                            point,
                        };
                        let matches = gazetteer.name_matches(name);
                        let full = gazetteer.resolve_matched(&matches, &query);
                        match gazetteer.sole_match(&matches, &query) {
                            Some((index, method, score)) => {
                                quick += 1;
                                aliases += usize::from(method == Method::Alias);
                                let place = &gazetteer.community_at(index).id;
                                assert_eq!(full.community_id.as_ref(), Some(place), "{query:?}");
                                assert_eq!((full.method, full.score), (method, score));
                            }
                            None => slow += 1,
                        }
                    }
                }
            }
        }
        // Both paths are exercised: places far from their point or in another area
        // take the full one.
        assert!(
            quick > 1000 && aliases > 100 && slow > 1000,
            "{quick} quick ({aliases} aliases), {slow} full"
        );
    }

    fn gazetteer() -> Gazetteer {
        let mut kafranbel = place("C1", "كفرنبل", "Kafr Nabl", "Idlib", (36.56, 35.61));
        kafranbel.alternate_names = vec!["Kafranbel".into()];
        Gazetteer::new([
            kafranbel,
            place("C2", "كفرنبودة", "Kafr Nabuda", "Hama", (36.50, 35.43)),
            place("C3", "الدير", "Ad Dayr", "Idlib", (36.70, 35.90)),
            place(
                "C4",
                "الدير الشرقي",
                "Ad Dayr ash Sharqi",
                "Idlib",
                (36.71, 35.91),
            ),
            // Two villages of one name in different governorates.
            place("C5", "المشيرفة", "Al Mushayrifah", "Idlib", (36.60, 35.80)),
            place("C6", "المشيرفة", "Al Mushayrifah", "Homs", (36.80, 34.60)),
        ])
    }

    fn resolved(
        g: &Gazetteer,
        name: &str,
        admin1: Option<&str>,
        point: Option<(f64, f64)>,
    ) -> Option<String> {
        g.resolve(&Query {
            name,
            pcode: None,
            admin1,
            point,
        })
        .community_id
    }

    #[test]
    fn exact_alias_and_fuzzy_matches_carry_their_method() {
        let g = gazetteer();
        let r = g.resolve(&Query {
            name: "كَفْر نبل",
            ..Query::default()
        });
        assert_eq!(
            (r.community_id.as_deref(), r.method),
            (Some("C1"), Method::Exact)
        );
        let r = g.resolve(&Query {
            name: "Kafranbel",
            ..Query::default()
        });
        assert_eq!(
            (r.community_id.as_deref(), r.method),
            (Some("C1"), Method::Alias)
        );
        let r = g.resolve(&Query {
            name: "Kafrnabel",
            admin1: Some("Idleb"),
            ..Query::default()
        });
        assert_eq!(
            (r.community_id.as_deref(), r.method),
            (Some("C1"), Method::Fuzzy)
        );
        assert!(r.score < 0.95 && r.score > 0.7, "{}", r.score);
    }

    #[test]
    fn a_fuzzy_match_needs_an_area_or_a_point() {
        let g = gazetteer();
        let r = g.resolve(&Query {
            name: "Kafrnabel",
            ..Query::default()
        });
        assert_eq!(r.community_id, None);
        assert!(
            r.candidates
                .iter()
                .any(|c| c.community_id == "C1" && !c.eligible)
        );
    }

    #[test]
    fn qualified_names_never_merge_with_the_plain_one() {
        let g = gazetteer();
        assert_eq!(
            resolved(&g, "الدير", Some("Idlib"), None).as_deref(),
            Some("C3")
        );
        assert_eq!(
            resolved(&g, "الدير الشرقية", Some("Idlib"), None).as_deref(),
            Some("C4")
        );
        assert_eq!(resolved(&g, "الدير الغربي", Some("Idlib"), None), None);
        assert_eq!(resolved(&g, "كفرنبوده", Some("Idlib"), None), None);
    }

    #[test]
    fn one_name_in_two_governorates_is_told_apart_by_area_or_point_and_otherwise_ambiguous() {
        let g = gazetteer();
        assert_eq!(
            resolved(&g, "المشيرفة", Some("Idlib"), None).as_deref(),
            Some("C5")
        );
        assert_eq!(
            resolved(&g, "المشيرفه", Some("حمص"), None).as_deref(),
            Some("C6")
        );
        assert_eq!(
            resolved(&g, "المشيرفة", None, Some((36.79, 34.61))).as_deref(),
            Some("C6")
        );
        let r = g.resolve(&Query {
            name: "المشيرفة",
            ..Query::default()
        });
        assert_eq!(r.community_id, None);
        assert!(r.reason.contains("ambiguous"), "{}", r.reason);
    }

    #[test]
    fn a_name_matched_far_from_the_point_is_another_place() {
        let g = gazetteer();
        // كفرنبل exists, but this incident is 80 km away: a different village or a typo.
        let r = g.resolve(&Query {
            name: "كفرنبل",
            point: Some((37.3, 36.2)),
            ..Query::default()
        });
        assert_eq!(r.community_id, None);
        assert!(
            r.candidates[0].reason.contains("ruled out"),
            "{:?}",
            r.candidates
        );
    }

    #[test]
    fn pcodes_resolve_first_and_aliases_attach_and_lists_update_in_place() {
        let mut g = gazetteer();
        assert_eq!(
            g.resolve(&Query {
                name: "anything",
                pcode: Some("c2"),
                ..Query::default()
            })
            .method,
            Method::Pcode
        );
        assert_eq!(resolved(&g, "كفر نبل الجديدة", None, None), None);
        assert!(g.add_alias("C1", "كفر نبل الجديدة"));
        assert_eq!(
            resolved(&g, "كفرنبل الجديده", None, None).as_deref(),
            Some("C1")
        );
        let mut renamed = g.get("C3").unwrap().clone();
        renamed.name_ar = Some("دير سنبل".into());
        g.upsert(renamed);
        assert_eq!(g.len(), 6);
        assert_eq!(resolved(&g, "الدير", Some("Idlib"), None), None);
        assert_eq!(resolved(&g, "دير سنبل", None, None).as_deref(), Some("C3"));
    }

    #[test]
    fn governorates_are_recognised_in_every_form() {
        for written in ["Idlib", "Idleb", "إدلب", "ادلب", "SY07"] {
            assert_eq!(admin1_identity(written), "SY07", "{written}");
        }
        assert_eq!(admin1_identity("حماه"), "SY05");
        assert_eq!(admin1_identity("Atlantis"), "atlantis");
    }

    #[test]
    fn search_finds_names_in_either_script() {
        let g = gazetteer();
        let ids = |q: &str| {
            g.search(q, 10)
                .into_iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("كفرنبل"), vec!["C1"]);
        assert_eq!(ids("kafr"), vec!["C1", "C2"]);
        assert_eq!(ids("الدير"), vec!["C3", "C4"]);
    }
}
