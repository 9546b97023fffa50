//! What vector tiles read: the R-tree's entries, the points selected for a tile and the
//! fields shown of them.

use athar_core::Slug;
use chrono::NaiveDate;
use rstar::primitives::GeomWithData;
use uuid::Uuid;

use super::{Row, RowId, Snapshot};

/// What a vector tile shows of an incident, borrowed from the snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileFields<'a> {
    /// The incident's id.
    pub id: Uuid,
    /// Longitude and latitude.
    pub lon_lat: Option<(f64, f64)>,
    /// What happened.
    pub kind: &'a Slug,
    /// The day.
    pub occurred_on: NaiveDate,
    /// Killed.
    pub killed: u32,
    /// Injured.
    pub injured: u32,
    /// The community as reported.
    pub community: &'a str,
    /// The place it resolved to.
    pub community_id: Option<&'a str>,
    /// Who carried out an attack.
    pub perpetrator: Option<&'a Slug>,
    /// What an attack used.
    pub weapon: Option<&'a Slug>,
    /// What was hit.
    pub place_type: Option<&'a Slug>,
}

/// An R-tree entry: a row's number with what a vector tile shows of it (all but its
/// point, which is the entry's geometry). Rows are sorted by date, so the incidents of
/// one tile lie all over the table; the R-tree keeps neighbours together, and a tile read
/// from its entries reads neighbouring memory (a zoom-12 tile of a million incidents
/// spent a fifth of its time waiting for rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    pub(super) row: RowId,
    id: Uuid,
    date: i32,
    community: u32,
    pub(super) community_id: u32,
    pub(super) kind: u16,
    pub(super) perpetrator: u16,
    pub(super) weapon: u16,
    pub(super) place_type: u16,
    killed: u16,
    injured: u16,
}

impl Entry {
    /// The entry of `row`, numbered `index`.
    fn new(row: &Row, index: RowId) -> Self {
        Self {
            row: index,
            id: row.id,
            date: row.date,
            community: row.community,
            community_id: row.community_id,
            kind: row.kind,
            perpetrator: row.perpetrator,
            weapon: row.weapon,
            place_type: row.place_type,
            killed: row.casualties[0],
            injured: row.casualties[3],
        }
    }

    /// The entry of `row` at its point (none without one).
    pub(super) fn located(row: &Row, index: RowId) -> Option<GeomWithData<[f64; 2], Self>> {
        (!row.lon.is_nan()).then(|| GeomWithData::new([row.lon, row.lat], Self::new(row, index)))
    }
}

/// A row selected for a tile: its entry in the R-tree, with its point and what the tile
/// shows of it ([`Snapshot::point_fields`]).
#[derive(Debug, Clone, Copy)]
pub struct TilePoint<'a>(pub(super) &'a GeomWithData<[f64; 2], Entry>);

impl TilePoint<'_> {
    /// The row (rows are numbered in date order).
    #[must_use]
    pub fn row(&self) -> RowId {
        self.0.data.row
    }

    /// Longitude and latitude.
    #[must_use]
    pub fn lon_lat(&self) -> (f64, f64) {
        let [lon, lat] = *self.0.geom();
        (lon, lat)
    }

    /// Killed and injured, in all.
    #[must_use]
    pub fn casualties(&self) -> (u32, u32) {
        (
            u32::from(self.0.data.killed),
            u32::from(self.0.data.injured),
        )
    }

    /// The kind, as the snapshot numbers vocabulary terms (see [`Snapshot::term_number`]).
    #[must_use]
    pub fn kind_number(&self) -> u16 {
        self.0.data.kind
    }
}

impl Snapshot {
    /// What a vector tile shows of a row, without building the whole incident.
    pub fn tile_fields(&self, row: RowId) -> TileFields<'_> {
        let r = &self.rows[row as usize];
        let lon_lat = (!r.lon.is_nan()).then_some((r.lon, r.lat));
        self.entry_fields(&Entry::new(r, row), lon_lat)
    }

    /// What a vector tile shows of a row selected by [`Snapshot::select_tile_points`]
    /// (read from the R-tree, not from the row).
    pub fn point_fields(&self, point: &TilePoint<'_>) -> TileFields<'_> {
        self.entry_fields(&point.0.data, Some(point.lon_lat()))
    }

    fn entry_fields(&self, entry: &Entry, lon_lat: Option<(f64, f64)>) -> TileFields<'_> {
        let slug = |id: u16| self.slugs.get(id as usize);
        TileFields {
            id: entry.id,
            lon_lat,
            kind: &self.slugs[entry.kind as usize],
            occurred_on: NaiveDate::from_num_days_from_ce_opt(entry.date).unwrap_or_default(),
            killed: u32::from(entry.killed),
            injured: u32::from(entry.injured),
            community: self.strings.get(entry.community).unwrap_or_default(),
            community_id: self.strings.get(entry.community_id),
            perpetrator: slug(entry.perpetrator),
            weapon: slug(entry.weapon),
            place_type: slug(entry.place_type),
        }
    }

    /// The Web Mercator (EPSG:3857) position of a row, in metres, if it has a point.
    pub fn mercator(&self, row: RowId) -> Option<[f32; 2]> {
        let r = self.rows.get(row as usize)?;
        (!r.lon.is_nan()).then_some(r.mercator)
    }

    /// The number the snapshot gives a vocabulary term's slug, if any row uses it (what
    /// [`TilePoint::kind_number`] answers).
    #[must_use]
    pub fn term_number(&self, slug: &str) -> Option<u16> {
        self.slugs
            .iter()
            .position(|known| known.as_str() == slug)
            .and_then(|number| u16::try_from(number).ok())
    }
}
