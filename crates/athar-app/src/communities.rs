//! The gazetteer as readers ask of it: places found by name in either script, a written
//! name resolved with every candidate and why, one place with its incident counts, and
//! the review queue of names no place matched and places learned from incidents; and as
//! editors correct it: a spelling attached to a place, a learned place merged into the
//! place it is, each moving the incidents it concerns at once.
//!
//! The places are those of the reader's view (see [`crate::privacy`]); every answer
//! carries GeoNames' attribution. The fields of each type are in alphabetical order, the
//! order in which Athar has always written them.

use athar_core::Filter;
use athar_gazetteer::{
    AdminArea, Community, CommunityStatus, GAZETTEER_ATTRIBUTION, Gazetteer, Query, community_key,
};
use athar_index::Snapshot;
use athar_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::live::Live;
use crate::privacy::Viewer;

/// A place of the gazetteer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Place<'a> {
    /// Its governorate.
    #[schema(value_type = Object)]
    pub admin1: &'a AdminArea,
    /// Its district.
    #[schema(value_type = Object)]
    pub admin2: &'a AdminArea,
    /// Its sub-district.
    #[schema(value_type = Object)]
    pub admin3: &'a AdminArea,
    /// Its other names, in either script.
    pub alternate_names: &'a [String],
    /// GeoNames' attribution (with `/v1/communities/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribution: Option<&'static str>,
    /// Its id (`geonames:<id>`, a p-code, or `learned:<key>`).
    pub id: &'a str,
    /// Its incidents for the filters (with `/v1/communities/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incidents: Option<Counts>,
    /// City, town, village, camp or neighbourhood.
    pub kind: &'static str,
    /// Latitude, if it has a point.
    pub lat: Option<f64>,
    /// Longitude, if it has a point.
    pub lon: Option<f64>,
    /// Its Arabic name.
    pub name_ar: Option<&'a str>,
    /// Its English name.
    pub name_en: Option<&'a str>,
    /// Its p-code.
    pub pcode: Option<&'a str>,
    /// Reference, imported, learned or confirmed.
    pub status: &'static str,
}

impl<'a> Place<'a> {
    /// The place `community`.
    pub fn of(community: &'a Community) -> Self {
        Self {
            admin1: &community.admin1,
            admin2: &community.admin2,
            admin3: &community.admin3,
            alternate_names: &community.alternate_names,
            attribution: None,
            id: &community.id,
            incidents: None,
            kind: community.kind.as_str(),
            lat: community.lon_lat.map(|p| p.1),
            lon: community.lon_lat.map(|p| p.0),
            name_ar: community.name_ar.as_deref(),
            name_en: community.name_en.as_deref(),
            pcode: community.pcode.as_deref(),
            status: community.status.as_str(),
        }
    }
}

/// Incidents, killed and injured; each none, and `suppressed`, when the count is withheld
/// from this reader.
#[derive(Debug, Serialize, ToSchema)]
pub struct Counts {
    /// Incidents.
    pub count: Option<u64>,
    /// Injured.
    pub injured: Option<u64>,
    /// Killed.
    pub killed: Option<u64>,
    /// Whether the counts are withheld (a small count; see the privacy settings).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

/// Places whose names match a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct Search<'a> {
    /// GeoNames' attribution.
    pub attribution: &'static str,
    /// The places, best first.
    pub communities: Vec<Place<'a>>,
    /// The search.
    pub q: &'a str,
}

/// The places whose names match `q` in either script, at most `limit`: the name itself
/// first, then names that start with it, then names that contain it.
pub fn search<'a>(places: &'a Gazetteer, q: &'a str, limit: usize) -> Search<'a> {
    Search {
        attribution: GAZETTEER_ATTRIBUTION,
        communities: places.search(q, limit).into_iter().map(Place::of).collect(),
        q,
    }
}

/// A place considered for a written name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Candidate<'a> {
    /// The place, if it is among the reader's places.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<Place<'a>>,
    /// Its id.
    pub community_id: &'a str,
    /// Distance from the point given, when both have one.
    pub distance_km: Option<f64>,
    /// Whether the area and distance rules allow it.
    pub eligible: bool,
    /// How the name matched it.
    #[schema(value_type = String)]
    pub method: athar_gazetteer::Method,
    /// Why it matched, and why it was ruled out if it was.
    pub reason: &'a str,
    /// How sure the match is, 0–1.
    pub score: f64,
}

/// A written name resolved: the place chosen (or none), how and how sure, and every
/// candidate considered.
#[derive(Debug, Serialize, ToSchema)]
pub struct Resolved<'a> {
    /// GeoNames' attribution.
    pub attribution: &'static str,
    /// Every place considered, best first.
    pub candidates: Vec<Candidate<'a>>,
    /// The place chosen.
    pub community: Option<Place<'a>>,
    /// Its id.
    pub community_id: Option<String>,
    /// The name's normalised key.
    pub key: String,
    /// How it was chosen: pcode, exact, alias, fuzzy or unresolved.
    #[schema(value_type = String)]
    pub method: athar_gazetteer::Method,
    /// The name as written.
    pub name: &'a str,
    /// Why.
    pub reason: String,
    /// How sure, 0–1.
    pub score: f64,
}

/// Resolves a written name among `places`, keeping the resolution to show its candidates.
pub fn resolve<'a>(
    places: &'a Gazetteer,
    query: &Query<'a>,
    resolution: &'a athar_gazetteer::Resolution,
) -> Resolved<'a> {
    Resolved {
        attribution: GAZETTEER_ATTRIBUTION,
        candidates: resolution
            .candidates
            .iter()
            .map(|candidate| Candidate {
                community: places.get(&candidate.community_id).map(Place::of),
                community_id: &candidate.community_id,
                distance_km: candidate.distance_km,
                eligible: candidate.eligible,
                method: candidate.method,
                reason: &candidate.reason,
                score: candidate.score,
            })
            .collect(),
        community: resolution
            .community_id
            .as_deref()
            .and_then(|id| places.get(id))
            .map(Place::of),
        community_id: resolution.community_id.clone(),
        key: community_key(query.name),
        method: resolution.method,
        name: query.name,
        reason: resolution.reason.clone(),
        score: resolution.score,
    }
}

/// The place `place` with the incidents whose names resolved to it, counted for `filter`
/// as `viewer` may see them (a small count withheld from anonymous readers is withheld
/// here too).
pub fn place_with_counts<'a>(
    snapshot: &Snapshot,
    viewer: Viewer<'_>,
    filter: &Filter,
    place: &'a Community,
) -> Place<'a> {
    // Incidents whose names resolved to the place are counted under its id.
    let rows = snapshot.select(filter);
    let counted = snapshot
        .community_counts(&rows, None)
        .into_iter()
        .find(|count| snapshot.communities()[count.community as usize].key == place.id);
    let withheld = counted.as_ref().is_some_and(|c| {
        viewer
            .withheld(snapshot, filter, None)
            .now
            .contains(&c.community)
    });
    let incidents = if withheld {
        Counts {
            count: None,
            injured: None,
            killed: None,
            suppressed: true,
        }
    } else {
        let (count, killed, injured) = counted
            .as_ref()
            .map_or((0, 0, 0), |c| (c.count, c.killed, c.injured));
        Counts {
            count: Some(count),
            injured: Some(injured),
            killed: Some(killed),
            suppressed: false,
        }
    };
    Place {
        attribution: Some(GAZETTEER_ATTRIBUTION),
        incidents: Some(incidents),
        ..Place::of(place)
    }
}

/// A name or learned place in the review queue, with its incidents for the filters.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewEntry<'a> {
    /// The governorate written with it.
    pub admin1: Option<&'a str>,
    /// A learned place's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<&'a str>,
    /// Incidents (none when withheld).
    pub count: Option<u64>,
    /// Injured (none when withheld).
    pub injured: Option<u64>,
    /// An unresolved name's normalised key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'a str>,
    /// Killed (none when withheld).
    pub killed: Option<u64>,
    /// Latitude of its incidents' centroid.
    pub lat: Option<f64>,
    /// Longitude of its incidents' centroid.
    pub lon: Option<f64>,
    /// The Arabic name written.
    pub name_ar: Option<&'a str>,
    /// The English name written.
    pub name_en: Option<&'a str>,
    /// Whether the counts are withheld.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

/// What a person should look at: every name that resolved to no place (by normalised
/// spelling) and every place learned from incidents, each with its incidents, most first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Review<'a> {
    /// Places learned from incidents.
    pub learned: Vec<ReviewEntry<'a>>,
    /// Names that resolved to no place.
    pub unresolved: Vec<ReviewEntry<'a>>,
    /// The incidents of those names (withheld counts not included).
    pub unresolved_incidents: u64,
}

/// The review queue for `filter`, as `viewer` may see it.
pub fn review<'a>(
    snapshot: &'a Snapshot,
    places: &Gazetteer,
    viewer: Viewer<'_>,
    filter: &Filter,
) -> Review<'a> {
    let rows = snapshot.select(filter);
    let (mut unresolved, mut learned) = (Vec::new(), Vec::new());
    let counts = snapshot.community_counts(&rows, None);
    let withheld = viewer
        .withheld(snapshot, filter, None)
        .with_complement(&counts);
    for count in counts {
        let info = &snapshot.communities()[count.community as usize];
        let suppressed = withheld.now.contains(&count.community);
        let shown = |n: u64| (!suppressed).then_some(n);
        let entry = ReviewEntry {
            admin1: info.admin1.as_deref(),
            community_id: None,
            count: shown(count.count),
            injured: shown(count.injured),
            key: None,
            killed: shown(count.killed),
            lat: info.centroid.map(|c| c.1),
            lon: info.centroid.map(|c| c.0),
            name_ar: info.name_ar.as_deref(),
            name_en: info.name_en.as_deref(),
            suppressed,
        };
        if !info.resolved {
            unresolved.push(ReviewEntry {
                key: Some(&info.key),
                ..entry
            });
        } else if places
            .get(&info.key)
            .is_some_and(|place| place.status == CommunityStatus::Learned)
        {
            learned.push(ReviewEntry {
                community_id: Some(&info.key),
                ..entry
            });
        }
    }
    Review {
        unresolved_incidents: unresolved.iter().filter_map(|entry| entry.count).sum(),
        unresolved,
        learned,
    }
}

/// A spelling attached to a place.
#[derive(Debug, Serialize, ToSchema)]
pub struct AliasAdded {
    /// Whether the spelling was new.
    pub added: bool,
    /// The place.
    pub community_id: String,
    /// Incidents that moved to the place.
    pub incidents_moved: u64,
    /// The spelling's normalised key.
    pub key: String,
    /// The spelling.
    pub name: String,
}

/// Attaches the spelling `name` to `place` (for `actor`): incidents of that spelling that
/// resolved to nothing, or to the place learned for it in the same governorate, move to
/// the place at once.
pub async fn add_alias(
    live: &Live,
    place: &Community,
    name: &str,
    actor: &str,
) -> Result<AliasAdded, StoreError> {
    let key = community_key(name);
    let added = live
        .store()
        .add_community_alias(&place.id, name, &key, Some(actor))
        .await?;
    let learned_here = crate::learned_id(
        name,
        place
            .admin1
            .pcode
            .as_deref()
            .or(place.admin1.name.as_deref()),
    );
    let groups: Vec<String> = [key.clone(), learned_here]
        .into_iter()
        .filter(|group| *group != place.id)
        .collect();
    let incidents_moved = move_incidents(live, &groups, place, actor).await?;
    Ok(AliasAdded {
        added,
        community_id: place.id.clone(),
        incidents_moved,
        key,
        name: name.to_owned(),
    })
}

/// A learned place merged into another.
#[derive(Debug, Serialize, ToSchema)]
pub struct Merged {
    /// Incidents that moved.
    pub incidents_moved: u64,
    /// The place it was merged into.
    pub into: String,
    /// The learned place, now removed.
    pub merged: String,
}

/// Why a merge was refused.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Only learned places are merged.
    #[error("'{id}' is a {status} place; only learned places are merged")]
    NotLearned {
        /// The place.
        id: String,
        /// Its status.
        status: &'static str,
    },
    /// The target is not another known place.
    #[error("'{0}' is not another known place")]
    NoTarget(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Merges the learned place `learned` into the place `into` (for `actor`): its incidents
/// move there, its names become that place's spellings, and it is removed.
pub async fn merge(
    live: &Live,
    learned: &Community,
    into: &str,
    actor: &str,
) -> Result<Merged, MergeError> {
    if learned.status != CommunityStatus::Learned {
        return Err(MergeError::NotLearned {
            id: learned.id.clone(),
            status: learned.status.as_str(),
        });
    }
    let target = live
        .gazetteer()
        .get(into)
        .filter(|target| target.id != learned.id)
        .cloned()
        .ok_or_else(|| MergeError::NoTarget(into.to_owned()))?;
    for name in learned.names() {
        live.store()
            .add_community_alias(&target.id, name, &community_key(name), Some(actor))
            .await?;
    }
    live.store()
        .remove_community(&learned.id, &target.id)
        .await?;
    let incidents_moved =
        move_incidents(live, std::slice::from_ref(&learned.id), &target, actor).await?;
    Ok(Merged {
        incidents_moved,
        into: target.id,
        merged: learned.id.clone(),
    })
}

/// Moves the incidents counted under `groups` to `place` (after the store learned the
/// spelling or the merge), re-resolving each as a fresh import would, and brings the
/// gazetteer and the snapshot up to date. Returns how many moved.
async fn move_incidents(
    live: &Live,
    groups: &[String],
    place: &Community,
    actor: &str,
) -> Result<u64, StoreError> {
    live.reload_gazetteer().await?;
    let snapshot = live.snapshot();
    let ids: Vec<uuid::Uuid> = groups
        .iter()
        .flat_map(|group| snapshot.incident_ids_in_group(group))
        .collect();
    let incidents = live.store().load_incidents_by_ids(&ids).await?;
    // A spelling a person attached counts as an alias; of a learned place, as learned.
    let fallback = if place.status == CommunityStatus::Learned {
        athar_core::ResolutionMethod::Learned
    } else {
        athar_core::ResolutionMethod::Alias
    };
    let moved = crate::gazetteer::repointed(incidents, place, &live.gazetteer(), (fallback, 0.95));
    let counts = live
        .store()
        .rewrite_incidents(moved, "community", Some(actor))
        .await?;
    live.catch_up().await?;
    Ok(counts.updated)
}
