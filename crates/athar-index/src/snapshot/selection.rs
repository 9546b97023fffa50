//! Selection: filters translated to the snapshot's numbers, and the rows and R-tree
//! entries they match.

use athar_core::{BBox, Filter, Slug};
use chrono::Datelike;
use rstar::AABB;
use rstar::primitives::GeomWithData;

use super::tiles::{Entry, TilePoint};
use super::{Row, RowId, Snapshot};

impl Snapshot {
    /// The rows `filter` matches, in date order.
    pub fn select(&self, filter: &Filter) -> Vec<RowId> {
        let Some((compiled, dates)) = self.compile(filter) else {
            return Vec::new();
        };
        match filter.bbox {
            Some(bbox) => {
                let mut rows: Vec<RowId> = self
                    .entries_in(bbox, &compiled, dates)
                    .map(|point| point.data.row)
                    .collect();
                rows.sort_unstable();
                rows
            }
            None if compiled.is_trivial() => (dates.start as RowId..dates.end as RowId).collect(),
            None => dates
                .filter(|index| compiled.matches(&self.rows[*index]))
                .map(|index| index as RowId)
                .collect(),
        }
    }

    /// The rows that pass `filter` inside `bbox` (which stands for the filter's own), in
    /// row order, with what a vector tile shows of them read from the R-tree.
    pub fn select_tile_points(&self, filter: &Filter, bbox: BBox) -> Vec<TilePoint<'_>> {
        let Some((compiled, dates)) = self.compile(filter) else {
            return Vec::new();
        };
        let mut points: Vec<TilePoint<'_>> = self
            .entries_in(bbox, &compiled, dates)
            .map(TilePoint)
            .collect();
        points.sort_unstable_by_key(TilePoint::row);
        points
    }

    /// Each located row that passes `filter`, as a cluster index sums it. Without a bbox
    /// the rows of the filter's dates are read in turn (rows are in date order, so a month
    /// of a million incidents reads its own few thousand rows, not the whole R-tree);
    /// with one, the R-tree finds the box's rows.
    pub fn for_each_cluster_point(&self, filter: &Filter, mut each: impl FnMut(ClusterPoint)) {
        let Some((compiled, dates)) = self.compile(filter) else {
            return;
        };
        let point = |index: usize| {
            let row = &self.rows[index];
            ClusterPoint {
                #[allow(clippy::cast_possible_truncation)] // rows are numbered in u32
                row: index as RowId,
                mercator: [f64::from(row.mercator[0]), f64::from(row.mercator[1])],
                kind: row.kind,
                killed: u32::from(row.casualties[0]),
                injured: u32::from(row.casualties[3]),
            }
        };
        if let Some(bbox) = filter.bbox {
            for entry in self.entries_in(bbox, &compiled, dates) {
                each(point(entry.data.row as usize));
            }
        } else {
            let trivial = compiled.is_trivial();
            for index in dates {
                let row = &self.rows[index];
                if !row.lon.is_nan() && (trivial || compiled.matches(row)) {
                    each(point(index));
                }
            }
        }
    }

    /// The filter in the snapshot's numbers, and the rows of its dates (none when nothing
    /// can match).
    fn compile(&self, filter: &Filter) -> Option<(Compiled, std::ops::Range<usize>)> {
        let compiled = Compiled::new(filter, self)?;
        let from = filter.from.map_or(0, |d| {
            let day = d.num_days_from_ce();
            self.rows.partition_point(|row| row.date < day)
        });
        let to = filter.to.map_or(self.rows.len(), |d| {
            let day = d.num_days_from_ce();
            self.rows.partition_point(|row| row.date <= day)
        });
        (from < to).then_some((compiled, from..to))
    }

    /// The R-tree's entries inside `bbox` whose rows are among `dates` and pass `compiled`
    /// (which reads a row only when it filters on what the entries do not carry: cause,
    /// vehicle, spelling, p-code or governorate).
    fn entries_in<'s>(
        &'s self,
        bbox: BBox,
        compiled: &Compiled,
        dates: std::ops::Range<usize>,
    ) -> impl Iterator<Item = &'s GeomWithData<[f64; 2], Entry>> {
        let envelope = AABB::from_corners([bbox.west, bbox.south], [bbox.east, bbox.north]);
        let (trivial, needs_row) = (compiled.is_trivial(), compiled.needs_row());
        self.tree
            .locate_in_envelope(&envelope)
            .filter(move |point| dates.contains(&(point.data.row as usize)))
            .filter(move |point| {
                trivial
                    || (compiled.matches_entry(&point.data)
                        && (!needs_row
                            || compiled.matches_rest(&self.rows[point.data.row as usize])))
            })
    }
}

/// A row as a cluster index sums it.
#[derive(Debug, Clone, Copy)]
pub struct ClusterPoint {
    /// The row (rows are numbered in date order).
    pub row: RowId,
    /// Its point in Web Mercator metres (to about a metre).
    pub mercator: [f64; 2],
    /// Its kind, as the snapshot numbers vocabulary terms (see [`Snapshot::term_number`]).
    pub kind: u16,
    /// Killed, in all.
    pub killed: u32,
    /// Injured, in all.
    pub injured: u32,
}

/// A filter translated to the snapshot's numbers.
struct Compiled {
    kinds: Option<Vec<u16>>,
    perpetrators: Option<Vec<u16>>,
    weapons: Option<Vec<u16>>,
    place_types: Option<Vec<u16>>,
    causes: Option<Vec<u16>>,
    vehicles: Option<Vec<u16>>,
    community_id: Option<u32>,
    community_key: Option<u32>,
    pcode: Option<u32>,
    admin1: Option<Vec<u32>>,
}

impl Compiled {
    /// `None` when the filter can match nothing (it names terms or places the snapshot
    /// does not hold).
    fn new(filter: &Filter, snapshot: &Snapshot) -> Option<Self> {
        let terms = |wanted: &[Slug]| -> Option<Option<Vec<u16>>> {
            if wanted.is_empty() {
                return Some(None);
            }
            let ids: Vec<u16> = wanted
                .iter()
                .filter_map(|slug| snapshot.slug_ids.get(slug).copied())
                .collect();
            (!ids.is_empty()).then_some(Some(ids))
        };
        let admin1 = match &filter.admin1 {
            None => None,
            Some(wanted) => {
                let wanted = wanted.to_lowercase();
                let ids: Vec<u32> = snapshot
                    .strings
                    .strings
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.to_lowercase() == wanted)
                    .map(|(id, _)| id as u32)
                    .collect();
                if ids.is_empty() {
                    return None;
                }
                Some(ids)
            }
        };
        Some(Self {
            kinds: terms(&filter.kinds)?,
            perpetrators: terms(&filter.perpetrators)?,
            weapons: terms(&filter.weapons)?,
            place_types: terms(&filter.place_types)?,
            causes: terms(&filter.causes)?,
            vehicles: terms(&filter.vehicles)?,
            community_id: match &filter.community_id {
                None => None,
                Some(id) => Some(snapshot.strings.find(id)?),
            },
            community_key: match &filter.community_key {
                None => None,
                Some(key) => Some(snapshot.strings.find(key)?),
            },
            pcode: match &filter.pcode {
                None => None,
                Some(pcode) => Some(snapshot.strings.find(pcode.as_str())?),
            },
            admin1,
        })
    }

    /// Whether every row passes (the filter had only dates, handled by the caller).
    fn is_trivial(&self) -> bool {
        self.kinds.is_none()
            && self.perpetrators.is_none()
            && self.weapons.is_none()
            && self.place_types.is_none()
            && self.causes.is_none()
            && self.vehicles.is_none()
            && self.community_id.is_none()
            && self.community_key.is_none()
            && self.pcode.is_none()
            && self.admin1.is_none()
    }

    fn matches(&self, row: &Row) -> bool {
        self.matches_terms(
            [row.kind, row.perpetrator, row.weapon, row.place_type],
            row.community_id,
        ) && self.matches_rest(row)
    }

    /// Whether an R-tree entry passes the part of the filter the entry answers: with
    /// [`Compiled::needs_row`] false, the whole filter.
    fn matches_entry(&self, entry: &Entry) -> bool {
        self.matches_terms(
            [
                entry.kind,
                entry.perpetrator,
                entry.weapon,
                entry.place_type,
            ],
            entry.community_id,
        )
    }

    /// Whether the filter asks what only the row holds.
    fn needs_row(&self) -> bool {
        self.causes.is_some()
            || self.vehicles.is_some()
            || self.community_key.is_some()
            || self.pcode.is_some()
            || self.admin1.is_some()
    }

    /// Kind, perpetrator, weapon and place type; and the community's place.
    fn matches_terms(
        &self,
        [kind, perpetrator, weapon, place_type]: [u16; 4],
        community_id: u32,
    ) -> bool {
        term_in(self.kinds.as_deref(), kind)
            && term_in(self.perpetrators.as_deref(), perpetrator)
            && term_in(self.weapons.as_deref(), weapon)
            && term_in(self.place_types.as_deref(), place_type)
            && self.community_id.is_none_or(|id| id == community_id)
    }

    /// What [`Compiled::matches_terms`] leaves.
    fn matches_rest(&self, row: &Row) -> bool {
        term_in(self.causes.as_deref(), row.cause)
            && term_in(self.vehicles.as_deref(), row.vehicle)
            && self
                .community_key
                .is_none_or(|key| key == row.community_key)
            && self.pcode.is_none_or(|pcode| pcode == row.pcode)
            && self
                .admin1
                .as_ref()
                .is_none_or(|ids| ids.contains(&row.admin[0]))
    }
}

/// Whether `value` is among the wanted terms (any, when none are named).
fn term_in(wanted: Option<&[u16]>, value: u16) -> bool {
    wanted.is_none_or(|ids| ids.contains(&value))
}
