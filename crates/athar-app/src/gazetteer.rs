//! The gazetteer a running Athar resolves names against: the bundled places (OCHA's
//! community list and the GeoNames places it lacks), overridden and extended by the
//! communities in the store (imported lists, places learned from incidents, confirmed
//! places), with the spellings people attached to them.

use std::collections::HashMap;

use athar_core::script::Script;
use athar_core::script::has_arabic;
use athar_core::{Incident, ResolutionMethod};
use athar_gazetteer::name::qualifier_classes;
use athar_gazetteer::resolve::FUZZY_MATCH_MAX_KM;
use athar_gazetteer::{
    AdminArea, Community, CommunityKind, CommunityStatus, Gazetteer, admin1_identity,
    community_key, cross_script_key, display_form, distance_km, kind_hint, romanise,
};
use athar_store::{Store, StoreError};

/// Reads the gazetteer: bundled places, then the store's (same id: the store's wins), then
/// the attached spellings.
pub async fn load_gazetteer(store: &Store) -> Result<Gazetteer, StoreError> {
    let stored = store.communities().await?;
    let mut gazetteer = Gazetteer::bundled();
    // Places of their own (learned ones, most often) are added to the bundled indexes;
    // replacing bundled places means indexing the whole list again, once.
    if stored.iter().any(|c| gazetteer.get(&c.id).is_some()) {
        gazetteer = Gazetteer::bundled_with(stored);
    } else {
        for community in stored {
            gazetteer.upsert(community);
        }
    }
    for (community_id, name) in store.community_aliases().await? {
        gazetteer.add_alias(&community_id, &name);
    }
    Ok(gazetteer)
}

/// Moves incidents stored under a place's former id (a GeoNames id, before OCHA's list
/// was bundled and the place became an OCHA community) to the id it has now, so that
/// counts group them with the place's later incidents. Logged as a rewrite, and recorded
/// as done: later starts do not look again. Returns how many moved.
///
/// # Errors
/// When the store fails.
pub async fn move_former_ids(store: &Store, gazetteer: &Gazetteer) -> Result<u64, StoreError> {
    const UPGRADE: &str = "former-geonames-ids";
    if store.upgrade_done(UPGRADE).await? {
        return Ok(0);
    }
    let ids = store.incidents_resolved_under("geonames:").await?;
    if ids.is_empty() {
        store.record_upgrade(UPGRADE).await?;
        return Ok(0);
    }
    let moved: Vec<Incident> = store
        .load_incidents_by_ids(&ids)
        .await?
        .into_iter()
        .filter_map(|mut incident| {
            let former = incident.record.resolution.community_id.as_deref()?;
            let place = gazetteer.get(former)?;
            if place.id == former {
                return None;
            }
            incident.record.resolution.community_id = Some(place.id.clone());
            Some(incident)
        })
        .collect();
    let updated = if moved.is_empty() {
        0
    } else {
        store
            .rewrite_incidents(moved, "gazetteer-upgrade", None)
            .await?
            .updated
    };
    store.record_upgrade(UPGRADE).await?;
    Ok(updated)
}

/// The id of the place learned for a name in an area: one per normalised name and
/// governorate, so every spelling that keys alike joins it.
pub fn learned_id(name: &str, admin1: Option<&str>) -> String {
    format!(
        "learned:{}:{}",
        admin1.map(admin1_identity).unwrap_or_default(),
        community_key(name)
    )
}

/// Places learned from the rows of one import: every row whose name resolved to nothing
/// but that has a point joins (or founds) the learned place of its name and governorate;
/// a spelling in the other script joins a place founded in this import when their
/// cross-script keys and qualifiers agree and it lies within
/// [`athar_gazetteer::resolve::FUZZY_MATCH_MAX_KM`] (Kansafra and كنصفرة in one file
/// found one place, as they would resolve to one in two imports).
#[derive(Default)]
pub struct Learning {
    places: HashMap<String, Gathered>,
    /// Spellings that reached a place learned before only by fuzzy or cross-script
    /// match: kept as its names (at most [`Learning::SPELLINGS`]).
    spellings_of_known: std::collections::BTreeSet<(String, String)>,
    /// (governorate, cross-script key) → the places founded under it.
    by_cross_key: HashMap<(String, String), Vec<String>>,
}

#[derive(Default)]
struct Gathered {
    spellings: HashMap<String, u32>,
    admin1: HashMap<String, u32>,
    sum: (f64, f64, u32),
    /// The script of the spelling that founded it, and that spelling's qualifiers.
    script: Option<Script>,
    classes: Vec<&'static str>,
}

impl Gathered {
    fn centroid(&self) -> (f64, f64) {
        let count = f64::from(self.sum.2.max(1));
        (self.sum.0 / count, self.sum.1 / count)
    }
}

/// The name a place is shown by, in one script: the most frequent of its spellings in
/// that script with the type words in front left out ([`display_form`]); at equal counts
/// the one that keeps more of the letters keys fold away (ة before ه, أ before ا), then
/// the first in sort order.
fn display_name(spellings: &HashMap<String, u32>, arabic: bool) -> Option<String> {
    let mut shown: HashMap<String, u32> = HashMap::new();
    for (spelling, count) in spellings {
        if has_arabic(spelling) == arabic {
            *shown.entry(display_form(spelling)).or_default() += count;
        }
    }
    let unfolded = athar_gazetteer::name::unfolded_letters;
    shown
        .into_iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then_with(|| unfolded(&a.0).cmp(&unfolded(&b.0)))
                .then_with(|| b.0.cmp(&a.0))
        })
        .map(|(name, _)| name)
}

fn most_frequent(counts: &HashMap<String, u32>, keep: impl Fn(&str) -> bool) -> Option<String> {
    counts
        .iter()
        .filter(|(value, _)| keep(value))
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(value, _)| value.clone())
}

impl Learning {
    /// The most spellings of earlier learned places one import keeps.
    pub const SPELLINGS: usize = 10_000;

    /// Gives an unresolved row with a point its learned place; notes the spelling of a row
    /// that reached a place learned before only by fuzzy or cross-script match.
    pub fn learn(&mut self, record: &mut athar_core::IncidentRecord) {
        if let Some(id) = record.resolution.community_id.as_deref() {
            if id.starts_with("learned:")
                && matches!(
                    record.resolution.method,
                    ResolutionMethod::Fuzzy | ResolutionMethod::CrossScript
                )
                && self.spellings_of_known.len() < Self::SPELLINGS
            {
                self.spellings_of_known
                    .insert((id.to_owned(), record.community.trim().to_owned()));
            }
            return;
        }
        let Some(point) = record.location else {
            return;
        };
        let mut id = learned_id(&record.community, record.admin1.as_deref());
        let area = record
            .admin1
            .as_deref()
            .map(admin1_identity)
            .unwrap_or_default();
        let cross = (area.clone(), cross_script_key(&record.community));
        let script = Script::of(&community_key(&record.community));
        let classes = qualifier_classes(&record.community);
        if !self.places.contains_key(&id) && !cross.1.is_empty() {
            let here = (point.lon.degrees(), point.lat.degrees());
            let fitting: Vec<&String> = self
                .by_cross_key
                .get(&cross)
                .into_iter()
                .flatten()
                .filter(|other| {
                    let place = &self.places[*other];
                    place.script != Some(script)
                        && place.classes == classes
                        && distance_km(place.centroid(), here) <= FUZZY_MATCH_MAX_KM
                })
                .collect();
            if let [only] = fitting.as_slice() {
                id.clone_from(*only);
            }
        }
        if !self.places.contains_key(&id) {
            self.by_cross_key.entry(cross).or_default().push(id.clone());
        }
        let gathered = self.places.entry(id.clone()).or_insert_with(|| Gathered {
            script: Some(script),
            classes,
            ..Gathered::default()
        });
        *gathered
            .spellings
            .entry(record.community.trim().to_owned())
            .or_default() += 1;
        if let Some(admin1) = &record.admin1 {
            *gathered.admin1.entry(admin1.clone()).or_default() += 1;
        }
        gathered.sum.0 += point.lon.degrees();
        gathered.sum.1 += point.lat.degrees();
        gathered.sum.2 += 1;
        record.resolution = athar_core::CommunityResolution {
            community_id: Some(id),
            method: ResolutionMethod::Learned,
            score: 1.0,
        };
    }

    /// The spellings that reached places learned before by fuzzy or cross-script match,
    /// with the place: each becomes a name of it (a Latin spelling of an Arabic-founded
    /// place, and the reverse), so that the place keeps every spelling seen.
    pub fn spellings_of_known_places(&self) -> impl Iterator<Item = &(String, String)> {
        self.spellings_of_known.iter()
    }

    /// The places learned, with the names they were most often written with and the
    /// centroid of this import's rows (the store moves it to the centroid of all their
    /// incidents when the import finishes).
    pub fn communities(&self) -> Vec<Community> {
        let mut learned: Vec<Community> = self
            .places
            .iter()
            .map(|(id, g)| {
                let admin1 = most_frequent(&g.admin1, |_| true);
                let name_ar = display_name(&g.spellings, true);
                // Known only in Arabic, a place is shown in English by the romanisation of
                // its Arabic name, never by the Arabic itself.
                let name_en =
                    display_name(&g.spellings, false).or_else(|| name_ar.as_deref().map(romanise));
                // Every spelling seen stays a name of the place.
                let mut alternate_names: Vec<String> = g
                    .spellings
                    .keys()
                    .filter(|s| Some(*s) != name_ar.as_ref() && Some(*s) != name_en.as_ref())
                    .cloned()
                    .collect();
                alternate_names.sort();
                // The type word the place was most often written with says its kind.
                let kind = most_frequent(&g.spellings, |_| true)
                    .as_deref()
                    .and_then(kind_hint)
                    .unwrap_or(CommunityKind::Village);
                let count = f64::from(g.sum.2);
                Community {
                    id: id.clone(),
                    pcode: None,
                    name_ar,
                    name_en,
                    alternate_names,
                    kind,
                    status: CommunityStatus::Learned,
                    lon_lat: Some((g.sum.0 / count, g.sum.1 / count)),
                    admin1: AdminArea {
                        pcode: admin1
                            .as_deref()
                            .map(admin1_identity)
                            .filter(|code| code.starts_with("SY")),
                        name: admin1,
                    },
                    admin2: AdminArea::default(),
                    admin3: AdminArea::default(),
                }
            })
            .collect();
        learned.sort_by(|a, b| a.id.cmp(&b.id));
        learned
    }
}

/// The incidents moved to `place`, as a fresh import would now record them: resolved again
/// against the gazetteer (which now knows the spelling or the merge), or, if that finds
/// another place, given `place` with `fallback`'s method and score. An incident without a
/// point takes the place's, as validation does for a resolved name.
pub fn repointed(
    incidents: Vec<Incident>,
    place: &Community,
    gazetteer: &Gazetteer,
    fallback: (ResolutionMethod, f32),
) -> Vec<Incident> {
    use athar_core::NameContext;
    incidents
        .into_iter()
        .map(|mut incident| {
            let record = &mut incident.record;
            let again = athar_core::CommunityResolver::resolve(
                gazetteer,
                &record.community,
                &NameContext {
                    pcode: record.community_pcode.as_ref(),
                    admin1: record.admin1.as_deref(),
                    point: record.location,
                },
            );
            let (method, score) = match &again {
                Some(found) if found.community_id == place.id => (found.method, found.score),
                _ => fallback,
            };
            record.resolution = athar_core::CommunityResolution {
                community_id: Some(place.id.clone()),
                method,
                score,
            };
            // What validation takes from a resolved place: its point when the row has
            // none, and its p-code and admin areas where the row names none.
            if record.location.is_none()
                && let Some(point) = place
                    .lon_lat
                    .and_then(|(lon, lat)| athar_core::Point::from_degrees(lon, lat).ok())
            {
                record.location = Some(point);
                record.location_precision = athar_core::LocationPrecision::Community;
            }
            if record.community_pcode.is_none() {
                record.community_pcode = place
                    .pcode
                    .as_deref()
                    .and_then(|p| athar_core::Pcode::parse(p).ok());
            }
            record.admin1 = record.admin1.take().or_else(|| place.admin1.name.clone());
            record.admin2 = record.admin2.take().or_else(|| place.admin2.name.clone());
            record.admin3 = record.admin3.take().or_else(|| place.admin3.name.clone());
            incident
        })
        .collect()
}

/// Why a community list was not imported.
#[derive(Debug, thiserror::Error)]
pub enum CommunityImportError {
    /// Not a community list.
    #[error(transparent)]
    List(#[from] athar_gazetteer::lists::ListError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] athar_store::StoreError),
}

/// Reads a community list and writes it to the store (one transaction); the report says
/// what changed and which rows were rejected, with their row and column.
pub async fn import_community_list(
    store: &athar_store::Store,
    input: impl std::io::Read,
) -> Result<serde_json::Value, CommunityImportError> {
    let list = athar_gazetteer::lists::read_community_list(input)?;
    let counts = store.upsert_communities(&list.communities).await?;
    Ok(serde_json::json!({
        "accepted": counts.accepted,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": list.rejected,
    }))
}

/// Opens the store at `database_url` (PostgreSQL), or else the embedded one in
/// `data_dir`, and runs its migrations.
pub async fn open_store(
    database_url: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<Store, StoreError> {
    let location = athar_store::StoreLocation::from_settings(database_url, data_dir)?;
    tracing::info!(store = %location.describe(), "opening the store");
    let store = Store::open(&location).await?;
    store.migrate().await?;
    Ok(store)
}
