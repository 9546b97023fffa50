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
pub use lists::GEONAMES_ATTRIBUTION;
pub use name::{community_key, kind_hint};
pub use resolve::{Candidate, Gazetteer, Method, Query, Resolution, admin1_identity};

impl CommunityResolver for Gazetteer {
    fn key(&self, name: &str) -> String {
        community_key(name)
    }

    fn resolve(&self, name: &str, context: &NameContext<'_>) -> Option<ResolvedCommunity> {
        let resolution = Gazetteer::resolve(
            self,
            &Query {
                name,
                pcode: context.pcode.map(Pcode::as_str),
                admin1: context.admin1,
                point: context.point.map(|p| (p.lon.degrees(), p.lat.degrees())),
            },
        );
        let community = self.get(resolution.community_id.as_deref()?)?;
        // A name matched to a place learned from earlier incidents says so.
        let method = match (community.status, resolution.method) {
            (CommunityStatus::Learned, Method::Exact | Method::Alias) => Method::Learned,
            (_, method) => method,
        };
        Some(ResolvedCommunity {
            community_id: community.id.clone(),
            method,
            score: resolution.score as f32,
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
