//! The compact rows: one incident in 128 bytes, made from an incident, rebuilt into one,
//! and read field by field.

use athar_core::{
    Casualties, CasualtyCounts, CommunityResolution, Incident, IncidentRecord, LocationPrecision,
    OccurredAt, Pcode, Point, ResolutionMethod, Slug, geo::lon_lat_to_mercator,
};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use uuid::Uuid;

use super::{NONE, RowId, Snapshot, TextRef};

/// One incident, in 128 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    pub(crate) id: Uuid,
    pub(crate) lon: f64,
    pub(crate) lat: f64,
    /// Web Mercator (EPSG:3857) metres, for tiles; f32 is within about a metre.
    pub(crate) mercator: [f32; 2],
    pub(crate) date: i32,
    pub(crate) source: u32,
    pub(crate) community: u32,
    pub(crate) community_key: u32,
    pub(crate) pcode: u32,
    pub(crate) admin: [u32; 3],
    pub(crate) source_id: TextRef,
    pub(crate) notes: TextRef,
    pub(crate) minute: u16,
    pub(crate) kind: u16,
    pub(crate) place_type: u16,
    pub(crate) perpetrator: u16,
    pub(crate) weapon: u16,
    pub(crate) cause: u16,
    pub(crate) vehicle: u16,
    pub(crate) casualties: [u16; 6],
    pub(crate) location_precision: u8,
    /// The place the community name resolved to (`NONE` when unresolved).
    pub(crate) community_id: u32,
    /// The resolution method, as an index into [`ResolutionMethod::ALL`].
    pub(crate) resolution: u8,
    /// The resolution score in ten-thousandths.
    pub(crate) score: u16,
}

impl Row {
    /// Where the row sits: by date, then time with undated times first, then id.
    pub(super) fn order(&self) -> (i32, u16, Uuid) {
        (self.date, self.minute.wrapping_add(1), self.id)
    }

    /// What the row is counted under: the place its name resolved to, otherwise the
    /// normalised spelling.
    pub(crate) fn group(&self) -> u32 {
        if self.community_id == NONE {
            self.community_key
        } else {
            self.community_id
        }
    }
}

impl Row {
    /// The casualty counts, as stored.
    fn counts(&self) -> CasualtyCounts {
        let [
            killed,
            killed_women,
            killed_children,
            injured,
            injured_women,
            injured_children,
        ] = self.casualties.map(u32::from);
        CasualtyCounts {
            killed,
            killed_women,
            killed_children,
            injured,
            injured_women,
            injured_children,
        }
    }

    /// The time of day, when one was given.
    fn time(&self) -> Option<NaiveTime> {
        (self.minute != u16::MAX)
            .then(|| {
                NaiveTime::from_hms_opt(u32::from(self.minute / 60), u32::from(self.minute % 60), 0)
            })
            .flatten()
    }

    /// How the location was found.
    fn precision(&self) -> LocationPrecision {
        match self.location_precision {
            0 => LocationPrecision::Exact,
            1 => LocationPrecision::Community,
            _ => LocationPrecision::Admin,
        }
    }
}

/// WGS84 degrees to Web Mercator metres, as stored (NaN in, NaN out).
fn web_mercator(lon: f64, lat: f64) -> [f32; 2] {
    lon_lat_to_mercator(lon, lat).map(|metres| metres as f32)
}

impl Snapshot {
    pub(super) fn compact(&mut self, incident: &Incident) -> Row {
        let record = &incident.record;
        let counts = record.casualties.counts();
        let small = |count: u32| u16::try_from(count).unwrap_or(u16::MAX);
        let (lon, lat) = record
            .location
            .map_or((f64::NAN, f64::NAN), |p| (p.lon.degrees(), p.lat.degrees()));
        Row {
            id: incident.id,
            lon,
            lat,
            mercator: web_mercator(lon, lat),
            date: record.occurred.date().num_days_from_ce(),
            source: self.strings.intern(&record.source),
            community: self.strings.intern(&record.community),
            community_key: self.strings.intern(&record.community_key),
            pcode: self
                .strings
                .intern_optional(record.community_pcode.as_ref().map(Pcode::as_str)),
            admin: [
                self.strings.intern_optional(record.admin1.as_deref()),
                self.strings.intern_optional(record.admin2.as_deref()),
                self.strings.intern_optional(record.admin3.as_deref()),
            ],
            source_id: self.store_text(record.source_id.as_deref()),
            notes: self.store_text(record.notes.as_deref()),
            minute: record
                .occurred
                .time()
                .map_or(u16::MAX, |t| (t.hour() * 60 + t.minute()) as u16),
            kind: self.slug_id(Some(&record.kind)),
            place_type: self.slug_id(record.place_type.as_ref()),
            perpetrator: self.slug_id(record.perpetrator.as_ref()),
            weapon: self.slug_id(record.weapon.as_ref()),
            cause: self.slug_id(record.cause.as_ref()),
            vehicle: self.slug_id(record.vehicle.as_ref()),
            casualties: [
                small(counts.killed),
                small(counts.killed_women),
                small(counts.killed_children),
                small(counts.injured),
                small(counts.injured_women),
                small(counts.injured_children),
            ],
            location_precision: match record.location_precision {
                LocationPrecision::Exact => 0,
                LocationPrecision::Community => 1,
                LocationPrecision::Admin => 2,
            },
            community_id: self
                .strings
                .intern_optional(record.resolution.community_id.as_deref()),
            resolution: ResolutionMethod::ALL
                .iter()
                .position(|m| *m == record.resolution.method)
                .and_then(|i| u8::try_from(i).ok())
                .unwrap_or_default(),
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to 0..=10,000
            score: (f64::from(record.resolution.score).clamp(0.0, 1.0) * 10_000.0).round() as u16,
        }
    }

    pub(crate) fn date_of(&self, row: RowId) -> Option<NaiveDate> {
        NaiveDate::from_num_days_from_ce_opt(self.rows.get(row as usize)?.date)
    }

    pub(crate) fn kind_slug(&self, row: RowId) -> &Slug {
        &self.slugs[self.rows[row as usize].kind as usize]
    }

    pub(crate) fn term(&self, row: RowId, vocabulary: athar_core::VocabularyName) -> Option<&Slug> {
        let r = &self.rows[row as usize];
        let id = match vocabulary {
            athar_core::VocabularyName::Kind => r.kind,
            athar_core::VocabularyName::PlaceType => r.place_type,
            athar_core::VocabularyName::Perpetrator => r.perpetrator,
            athar_core::VocabularyName::Weapon => r.weapon,
            athar_core::VocabularyName::Cause => r.cause,
            athar_core::VocabularyName::Vehicle => r.vehicle,
        };
        self.slugs.get(id as usize)
    }

    pub(crate) fn casualties_of(&self, row: RowId) -> [u16; 6] {
        self.rows[row as usize].casualties
    }

    /// The row with this id.
    pub fn find(&self, id: Uuid) -> Option<RowId> {
        // Rows are sorted by date, not id: a linear scan over 16-byte keys is fast enough
        // for single-item requests (about a millisecond per million rows).
        self.rows
            .iter()
            .position(|row| row.id == id)
            .map(|index| index as RowId)
    }

    /// The incident at `row` as duplicate detection sees it ([`athar_duplicates`]), read
    /// from the compact row without rebuilding the incident.
    pub fn duplicate_report(&self, row: RowId) -> athar_duplicates::Report<'_> {
        let r = &self.rows[row as usize];
        athar_duplicates::Report {
            id: r.id,
            source: self.strings.get(r.source).unwrap_or_default(),
            kind: self
                .slugs
                .get(r.kind as usize)
                .map_or("other", Slug::as_str),
            date: NaiveDate::from_num_days_from_ce_opt(r.date).unwrap_or_default(),
            time: r.time(),
            point: (!r.lon.is_nan()).then_some((r.lon, r.lat)),
            precision: r.precision(),
            community_id: self.strings.get(r.community_id),
            casualties: r.counts(),
        }
    }

    /// The incident at `row`, rebuilt in full.
    pub fn incident(&self, row: RowId) -> Incident {
        let r = &self.rows[row as usize];
        let text = |span: TextRef| {
            (span.start != NONE).then(|| {
                self.text[span.start as usize..(span.start + span.len) as usize].to_owned()
            })
        };
        let string = |id: u32| self.strings.get(id).map(str::to_owned);
        let slug = |id: u16| self.slugs.get(id as usize).cloned();
        let date = NaiveDate::from_num_days_from_ce_opt(r.date).unwrap_or_default();
        let occurred = match r.time() {
            Some(time) => OccurredAt::minute(date, time),
            None => OccurredAt::day(date),
        };
        Incident {
            id: r.id,
            record: IncidentRecord {
                source: string(r.source).unwrap_or_default(),
                source_id: text(r.source_id),
                kind: slug(r.kind).unwrap_or_else(|| Slug::parse("other").expect("valid slug")),
                occurred,
                location: (!r.lon.is_nan())
                    .then(|| Point::from_degrees(r.lon, r.lat).ok())
                    .flatten(),
                location_precision: r.precision(),
                community: string(r.community).unwrap_or_default(),
                community_key: string(r.community_key).unwrap_or_default(),
                community_pcode: string(r.pcode).and_then(|p| Pcode::parse(&p).ok()),
                admin1: string(r.admin[0]),
                admin2: string(r.admin[1]),
                admin3: string(r.admin[2]),
                place_type: slug(r.place_type),
                perpetrator: slug(r.perpetrator),
                weapon: slug(r.weapon),
                cause: slug(r.cause),
                vehicle: slug(r.vehicle),
                casualties: Casualties::new(r.counts()).unwrap_or_default(),
                notes: text(r.notes),
                resolution: CommunityResolution {
                    community_id: string(r.community_id),
                    method: ResolutionMethod::ALL
                        .get(r.resolution as usize)
                        .copied()
                        .unwrap_or_default(),
                    score: f32::from(r.score) / 10_000.0,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_mercator_matches_known_positions() {
        // Idlib city; the expected values are the EPSG:3857 formulas worked in Python.
        let [x, y] = web_mercator(36.633_93, 35.930_62);
        assert!((f64::from(x) - 4_078_070.4).abs() < 1.0, "{x}");
        assert!((f64::from(y) - 4_291_079.0).abs() < 1.0, "{y}");
        let [x, y] = web_mercator(0.0, 0.0);
        assert!(x.abs() < 1e-6 && y.abs() < 1e-6, "{x} {y}");
        let [_, top] = web_mercator(0.0, 90.0);
        assert!(
            (f64::from(top) - 20_037_508.34).abs() < 2.0,
            "clamped at the square's edge: {top}"
        );
    }
}
