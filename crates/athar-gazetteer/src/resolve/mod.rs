//! Resolution of written names to communities.
//!
//! The order: a p-code → an exact match of a community's Arabic or English name → a match
//! of one of its alternate names (or an alias a person attached) → a fuzzy match within
//! the admin area and near the incident's point → a match of the name's cross-script key
//! ([`crate::name::cross_script_key`]) to a name of the place in the other script, within
//! the governorate and near the point, with the same qualifiers → unresolved. At every
//! step the admin area and the point rule candidates out (a name matched exactly but 40 km
//! away is a different village of the same name), and when more than one place is left
//! the name is ambiguous and stays unresolved: Athar never picks one of two places
//! silently (by cross-script key, not even the nearer of two).

// The types are here; `index` builds the gazetteer's indexes of names, p-codes and
// points, `resolution` resolves a name, `fuzzy` finds the places a name is like, and
// `governorates` tells governorates apart in any of their forms.
mod fuzzy;
mod governorates;
mod index;
mod resolution;
#[cfg(test)]
mod tests;

pub use governorates::admin1_identity;

use std::collections::HashMap;

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::Community;
use fuzzy::{FuzzyName, NameEntry};

/// How far (km) from an incident's point a place matched by name may lie.
pub const NAME_MATCH_MAX_KM: f64 = 25.0;
/// How far (km) from an incident's point a place matched fuzzily may lie.
pub const FUZZY_MATCH_MAX_KM: f64 = 10.0;
/// The least similarity of keys (0–1) a fuzzy match needs.
pub const FUZZY_MIN_SIMILARITY: f64 = 0.8;
/// The least similarity of keys a fuzzy match needs when their skeletons are equal.
pub const FUZZY_MIN_SIMILARITY_SAME_SKELETON: f64 = 0.7;
/// The score of a match by cross-script key: below an alias, since a key of consonants
/// says less than a spelling.
pub const CROSS_SCRIPT_SCORE: f64 = 0.85;

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
    /// Cross-script keys of every name → entries in `names`.
    cross: HashMap<String, Vec<u32>>,
    /// Governorate identity → communities.
    by_area: HashMap<String, Vec<u32>>,
    ids: HashMap<String, u32>,
    /// Ids places had before (`geonames:<id>` before OCHA's list was bundled) → their id.
    former_ids: HashMap<String, String>,
    pcodes: HashMap<String, u32>,
    areas: Vec<Option<String>>,
    points: RTree<Point>,
}
