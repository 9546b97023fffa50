//! The community table: what is known of each community across the whole snapshot.

use std::collections::HashMap;

use athar_core::script::has_arabic;
use uuid::Uuid;

use super::{NONE, RowId, Snapshot};

/// What is known of a community across the whole snapshot, whatever the filter.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityInfo {
    /// The grouping key: the id of the place the names resolved to, or the normalised
    /// spelling of an unresolved name.
    pub key: String,
    /// Whether `key` is a place's id (the names resolved) rather than a spelling.
    pub resolved: bool,
    /// The most frequent spelling in Arabic script, if any.
    pub name_ar: Option<String>,
    /// The most frequent spelling in Latin script, if any.
    pub name_en: Option<String>,
    /// The most frequent p-code, if any.
    pub pcode: Option<String>,
    /// The mean of its incidents' points, if any has one.
    pub centroid: Option<(f64, f64)>,
    /// Its governorate, as most often reported.
    pub admin1: Option<String>,
}

/// The name seen most often (ties: the first in sort order).
fn most_frequent(counts: HashMap<&str, u32>) -> Option<String> {
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(name, _)| name.to_owned())
}

impl Snapshot {
    pub(super) fn index_communities(&mut self) {
        let communities = self.gather_communities(|_| true);
        self.set_communities(communities);
    }

    /// The community table's entries for the groups `wanted` accepts, from their rows.
    pub(super) fn gather_communities(
        &self,
        wanted: impl Fn(u32) -> bool,
    ) -> Vec<(u32, CommunityInfo)> {
        struct Gathered<'a> {
            arabic: HashMap<&'a str, u32>,
            latin: HashMap<&'a str, u32>,
            pcodes: HashMap<&'a str, u32>,
            admin1: HashMap<&'a str, u32>,
            sum: (f64, f64, u32),
            resolved: bool,
        }
        let mut gathered: HashMap<u32, Gathered<'_>> = HashMap::new();
        for row in self.rows.iter().filter(|row| wanted(row.group())) {
            let entry = gathered.entry(row.group()).or_insert_with(|| Gathered {
                arabic: HashMap::new(),
                latin: HashMap::new(),
                pcodes: HashMap::new(),
                admin1: HashMap::new(),
                sum: (0.0, 0.0, 0),
                resolved: row.community_id != NONE,
            });
            let name = self.strings.get(row.community).unwrap_or_default();
            let names = if has_arabic(name) {
                &mut entry.arabic
            } else {
                &mut entry.latin
            };
            *names.entry(name).or_default() += 1;
            if let Some(pcode) = self.strings.get(row.pcode) {
                *entry.pcodes.entry(pcode).or_default() += 1;
            }
            if let Some(admin1) = self.strings.get(row.admin[0]) {
                *entry.admin1.entry(admin1).or_default() += 1;
            }
            if !row.lon.is_nan() {
                entry.sum.0 += row.lon;
                entry.sum.1 += row.lat;
                entry.sum.2 += 1;
            }
        }
        gathered
            .into_iter()
            .map(|(key, g)| {
                let centroid = (g.sum.2 > 0)
                    .then(|| (g.sum.0 / f64::from(g.sum.2), g.sum.1 / f64::from(g.sum.2)));
                (
                    key,
                    CommunityInfo {
                        key: self.strings.get(key).unwrap_or_default().to_owned(),
                        resolved: g.resolved,
                        name_ar: most_frequent(g.arabic),
                        name_en: most_frequent(g.latin),
                        pcode: most_frequent(g.pcodes),
                        centroid,
                        admin1: most_frequent(g.admin1),
                    },
                )
            })
            .collect()
    }

    /// Orders the community table by key and indexes it by group.
    pub(super) fn set_communities(&mut self, mut communities: Vec<(u32, CommunityInfo)>) {
        communities.sort_by(|a, b| a.1.key.cmp(&b.1.key));
        self.community_of_key = communities
            .iter()
            .enumerate()
            .map(|(index, (key, _))| (*key, index as u32))
            .collect();
        self.communities = communities.into_iter().map(|(_, info)| info).collect();
    }

    /// Every community seen, ordered by key.
    pub fn communities(&self) -> &[CommunityInfo] {
        &self.communities
    }

    /// The ids of the incidents counted under `group`: a place's id, or the normalised
    /// spelling of an unresolved name.
    pub fn incident_ids_in_group(&self, group: &str) -> Vec<Uuid> {
        let Some(wanted) = self.strings.find(group) else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter(|row| row.group() == wanted)
            .map(|row| row.id)
            .collect()
    }

    /// The community a row belongs to, as an index into [`Self::communities`].
    pub(crate) fn community_index(&self, row: RowId) -> u32 {
        self.community_of_key[&self.rows[row as usize].group()]
    }
}
