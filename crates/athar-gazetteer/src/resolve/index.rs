//! The gazetteer's indexes: the keys of every place's names, its p-code, its area and
//! its point, kept up to date as places and aliases are added; and search by name.

use std::collections::HashMap;

use athar_core::Language;
use athar_core::script::Script;
use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::fuzzy::{NameEntry, deletion_hashes, is_camp};
use super::{Gazetteer, admin1_identity};
use crate::Community;
use crate::name::{
    aliases, community_key, cross_script_key, qualifier_classes, qualifiers, skeleton,
};

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

    /// The bundled gazetteer of Syria: OCHA's community list, with the GeoNames places it
    /// lacks (see [`crate::lists::bundled`]). The GeoNames ids of places merged into OCHA
    /// communities still find them.
    pub fn bundled() -> Self {
        static BUNDLED: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        BUNDLED
            .get_or_init(|| Self::bundled_with(Vec::new()))
            .clone()
    }

    /// The bundled gazetteer with these places added, each replacing the bundled place
    /// of the same id (a re-imported list, a confirmed place), indexed once.
    pub fn bundled_with(communities: impl IntoIterator<Item = Community>) -> Self {
        let mut list = crate::lists::bundled();
        let mut position: HashMap<String, usize> = list
            .iter()
            .enumerate()
            .map(|(index, community)| (community.id.clone(), index))
            .collect();
        for community in communities {
            if let Some(&index) = position.get(&community.id) {
                list[index] = community;
            } else {
                position.insert(community.id.clone(), list.len());
                list.push(community);
            }
        }
        let mut gazetteer = Self::new(list);
        for (former, id) in crate::lists::bundled_former_ids() {
            gazetteer.former_ids.insert(former.clone(), id.clone());
        }
        gazetteer
    }

    /// The index of the place with this id, or with this former id.
    pub(crate) fn index_of(&self, id: &str) -> Option<u32> {
        self.ids
            .get(id)
            .or_else(|| self.ids.get(self.former_ids.get(id)?))
            .copied()
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

    /// The place with this id (or this former id: see [`Self::bundled`]).
    pub fn get(&self, id: &str) -> Option<&Community> {
        self.index_of(id).map(|i| &self.communities[i as usize])
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
        let Some(index) = self.index_of(id) else {
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
        let former_ids = std::mem::take(&mut self.former_ids);
        *self = Self {
            former_ids,
            ..Self::default()
        };
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
            classes: qualifier_classes(name),
        });
        self.names_of[index as usize].push(entry);
        // (A romanisation Athar gave a place is indexed too, harmlessly: only an Arabic
        // spelling could meet a Latin name, and never one of a place with an Arabic name.)
        let cross = cross_script_key(name);
        if !cross.is_empty() {
            self.cross.entry(cross).or_default().push(entry);
        }
        self.skeletons.entry(skeleton(key)).or_default().push(entry);
        // Entries are numbered in the order they are added and a key's hashes are distinct:
        // the new entry is in none of these lists yet.
        for hash in deletion_hashes(key) {
            self.neighbours.entry(hash).or_default().push(entry);
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
            a.0.cmp(&b.0).then_with(|| {
                a.1.display_name(Language::English)
                    .cmp(b.1.display_name(Language::English))
            })
        });
        hits.into_iter().take(limit).map(|(_, c)| c).collect()
    }
}
