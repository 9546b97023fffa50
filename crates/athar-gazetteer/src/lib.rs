//! Community names and the places they stand for.
//!
//! Reports name communities in Arabic or Latin script, spelled differently by each writer.
//! [`community_key`] folds the differences that do not change a name (see [`name`]), so
//! that every spelling of one name groups together; the [`Gazetteer`] resolves names to
//! places (exact, alias, fuzzy within an area, or unresolved; see [`resolve`]) and reads
//! community lists ([`lists`]).
//!
//! # Example
//! ```
//! use athar_gazetteer::{community_key, Gazetteer, Method, Query};
//! assert_eq!(community_key("فطيرة"), community_key("قرية فطيره"));
//! assert_eq!(community_key("كفر نبل"), community_key("كَفْرنَبْل"));
//! assert_ne!(community_key("مخيم أطمة"), community_key("أطمة"));
//!
//! let gazetteer = Gazetteer::bundled();
//! let saraqib = gazetteer.resolve(&Query { name: "Saraqeb", admin1: Some("Idlib"), ..Query::default() });
//! assert_eq!(saraqib.method, Method::Alias);
//! ```
#![deny(missing_docs)]

mod community;
pub mod lists;
pub mod name;
pub mod resolve;

use athar_core::{CommunityResolver, NameContext, Pcode, Point, ResolvedCommunity};

pub use community::{AdminArea, Community, CommunityKind, CommunityStatus, distance_km};
pub use lists::{GAZETTEER_ATTRIBUTION, GEONAMES_ATTRIBUTION, OCHA_ATTRIBUTION};
pub use name::{community_key, cross_script_key, display_form, kind_hint, romanise};
pub use resolve::{Candidate, Gazetteer, Method, NameMatches, Query, Resolution, admin1_identity};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

impl CommunityResolver for Gazetteer {
    fn key(&self, name: &str) -> String {
        community_key(name)
    }

    fn resolve(&self, name: &str, context: &NameContext<'_>) -> Option<ResolvedCommunity> {
        self.resolved(&self.name_matches(name), name, context)
    }
}

/// A resolver for one import. A month's rows name a few hundred places over and over, so
/// each distinct spelling is normalised and looked up once; each row's p-code, area and
/// point are still judged as [`Gazetteer::resolve`] judges them, so the answers are the
/// same. Holds at most [`NameCache::CAPACITY`] names (a file of all-different names
/// resolves them uncached past that).
pub struct NameCache<'a> {
    gazetteer: &'a Gazetteer,
    names: Mutex<HashMap<String, Arc<(String, NameMatches)>>>,
}

impl<'a> NameCache<'a> {
    /// Distinct names remembered.
    pub const CAPACITY: usize = 50_000;

    /// An empty cache over `gazetteer`, which must not change while the cache lives.
    pub fn new(gazetteer: &'a Gazetteer) -> Self {
        Self {
            gazetteer,
            names: Mutex::new(HashMap::new()),
        }
    }

    /// The key and matches of `name`, from the cache or made now.
    fn entry(&self, name: &str) -> Arc<(String, NameMatches)> {
        let mut names = self
            .names
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(entry) = names.get(name) {
            return Arc::clone(entry);
        }
        let entry = Arc::new((community_key(name), self.gazetteer.name_matches(name)));
        if names.len() < Self::CAPACITY {
            names.insert(name.to_owned(), Arc::clone(&entry));
        }
        entry
    }
}

impl CommunityResolver for NameCache<'_> {
    fn key(&self, name: &str) -> String {
        self.entry(name).0.clone()
    }

    fn resolve(&self, name: &str, context: &NameContext<'_>) -> Option<ResolvedCommunity> {
        self.gazetteer.resolved(&self.entry(name).1, name, context)
    }
}

impl Gazetteer {
    /// The place `name` resolves to where the row says it was, as incidents record it.
    fn resolved(
        &self,
        matches: &NameMatches,
        name: &str,
        context: &NameContext<'_>,
    ) -> Option<ResolvedCommunity> {
        let query = Query {
            name,
            pcode: context.pcode.map(Pcode::as_str),
            admin1: context.admin1,
            point: context.point.map(|p| (p.lon.degrees(), p.lat.degrees())),
        };
        // Imports keep the place, not the reasons: most rows name one place.
        let (community, method, score) =
            if let Some((index, method, score)) = self.sole_match(matches, &query) {
                (self.community_at(index), method, score)
            } else {
                let resolution = self.resolve_matched(matches, &query);
                let community = self.get(resolution.community_id.as_deref()?)?;
                (community, resolution.method, resolution.score)
            };
        // A name matched to a place learned from earlier incidents says so.
        let method = match (community.status, method) {
            (CommunityStatus::Learned, Method::Exact | Method::Alias) => Method::Learned,
            (_, method) => method,
        };
        Some(ResolvedCommunity {
            community_id: community.id.clone(),
            method,
            score: score as f32,
            point: community
                .lon_lat
                .and_then(|(lon, lat)| Point::from_degrees(lon, lat).ok()),
            pcode: community
                .pcode
                .as_deref()
                .and_then(|p| Pcode::parse(p).ok()),
            admin1: community.admin1.name.clone(),
            admin2: community.admin2.name.clone(),
            admin3: community.admin3.name.clone(),
        })
    }
}
