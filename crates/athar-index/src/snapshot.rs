//! Compact rows, interning and selection.

use std::collections::HashMap;
use std::sync::Arc;

use athar_core::{
    BBox, Casualties, CasualtyCounts, CommunityResolution, Filter, Incident, IncidentRecord,
    LocationPrecision, OccurredAt, Pcode, Point, ResolutionMethod, Slug, Vocabularies,
};
use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use uuid::Uuid;

/// The position of a row in a snapshot.
pub type RowId = u32;

pub(crate) const NONE: u32 = u32::MAX;
pub(crate) const NO_TERM: u16 = u16::MAX;

/// Strings stored once, referred to by number.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    pub(crate) strings: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, value: &str) -> u32 {
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = u32::try_from(self.strings.len()).expect("fewer than 4 billion distinct strings");
        self.strings.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    fn intern_optional(&mut self, value: Option<&str>) -> u32 {
        value.map_or(NONE, |value| self.intern(value))
    }

    fn find(&self, value: &str) -> Option<u32> {
        self.ids.get(value).copied()
    }

    fn get(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(AsRef::as_ref)
    }
}

/// A span of the text arena; `start == NONE` means absent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextRef {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

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
    fn order(&self) -> (i32, u16, Uuid) {
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
    row: RowId,
    id: Uuid,
    date: i32,
    community: u32,
    community_id: u32,
    kind: u16,
    perpetrator: u16,
    weapon: u16,
    place_type: u16,
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
    fn located(row: &Row, index: RowId) -> Option<GeomWithData<[f64; 2], Self>> {
        (!row.lon.is_nan()).then(|| GeomWithData::new([row.lon, row.lat], Self::new(row, index)))
    }
}

/// A row selected for a tile: its entry in the R-tree, with its point and what the tile
/// shows of it ([`Snapshot::point_fields`]).
#[derive(Debug, Clone, Copy)]
pub struct TilePoint<'a>(&'a GeomWithData<[f64; 2], Entry>);

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

/// Builds a snapshot one incident at a time, so that a store can stream its rows in
/// without holding them all as full incidents first.
pub struct SnapshotBuilder {
    pub(crate) snapshot: Snapshot,
}

impl SnapshotBuilder {
    /// An empty builder.
    pub fn new(vocabularies: Arc<Vocabularies>) -> Self {
        Self {
            snapshot: Snapshot {
                version: 0,
                vocabularies,
                rows: Vec::new(),
                strings: Interner::default(),
                slugs: Vec::new(),
                slug_ids: HashMap::new(),
                text: String::new(),
                tree: RTree::new(),
                communities: Vec::new(),
                community_of_key: HashMap::new(),
            },
        }
    }

    /// Adds an incident (in any order).
    pub fn push(&mut self, incident: &Incident) {
        let row = self.snapshot.compact(incident);
        self.snapshot.rows.push(row);
    }

    /// Sorts, indexes and returns the snapshot.
    pub fn finish(mut self, version: u64) -> Snapshot {
        self.snapshot.version = version;
        self.snapshot.rows.shrink_to_fit();
        self.snapshot.text.shrink_to_fit();
        self.snapshot.index();
        self.snapshot
    }
}

/// An immutable view of every incident.
pub struct Snapshot {
    pub(crate) version: u64,
    pub(crate) vocabularies: Arc<Vocabularies>,
    pub(crate) rows: Vec<Row>,
    pub(crate) strings: Interner,
    pub(crate) slugs: Vec<Slug>,
    pub(crate) slug_ids: HashMap<Slug, u16>,
    pub(crate) text: String,
    pub(crate) tree: RTree<GeomWithData<[f64; 2], Entry>>,
    pub(crate) communities: Vec<CommunityInfo>,
    /// community key id → index in `communities`.
    pub(crate) community_of_key: HashMap<u32, u32>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Snapshot")
            .field("version", &self.version)
            .field("incidents", &self.rows.len())
            .finish_non_exhaustive()
    }
}

/// The radius of the Web Mercator sphere, metres.
const EARTH_RADIUS: f64 = 6_378_137.0;
/// Web Mercator stops at about 85.05°, where the map is square.
const MAX_MERCATOR_LATITUDE: f64 = 85.051_128_779_806_59;

/// WGS84 degrees to Web Mercator metres (NaN in, NaN out).
fn web_mercator(lon: f64, lat: f64) -> [f32; 2] {
    let lat = lat.clamp(-MAX_MERCATOR_LATITUDE, MAX_MERCATOR_LATITUDE);
    let x = EARTH_RADIUS * lon.to_radians();
    let y = EARTH_RADIUS
        * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln();
    [x as f32, y as f32]
}

fn is_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// The name seen most often (ties: the first in sort order).
fn most_frequent(counts: HashMap<&str, u32>) -> Option<String> {
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(name, _)| name.to_owned())
}

impl Snapshot {
    /// An empty snapshot.
    pub fn empty(vocabularies: Arc<Vocabularies>) -> Self {
        Self::build(0, vocabularies, Vec::new())
    }

    /// Builds a snapshot of `incidents` (in any order).
    pub fn build(version: u64, vocabularies: Arc<Vocabularies>, incidents: Vec<Incident>) -> Self {
        let mut builder = SnapshotBuilder::new(vocabularies);
        builder.snapshot.rows.reserve_exact(incidents.len());
        for incident in &incidents {
            builder.push(incident);
        }
        drop(incidents);
        builder.finish(version)
    }

    /// Sorts the rows (by date, then time with undated times first, then id) and makes the
    /// R-tree and the community table for them.
    fn index(&mut self) {
        self.rows.sort_unstable_by_key(Row::order);
        let points = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(index, row)| Entry::located(row, index as RowId))
            .collect();
        self.tree = RTree::bulk_load(points);
        self.index_communities();
    }

    fn slug_id(&mut self, slug: Option<&Slug>) -> u16 {
        let Some(slug) = slug else { return NO_TERM };
        if let Some(id) = self.slug_ids.get(slug) {
            return *id;
        }
        let id = u16::try_from(self.slugs.len()).expect("fewer than 65,535 vocabulary terms");
        self.slugs.push(slug.clone());
        self.slug_ids.insert(slug.clone(), id);
        id
    }

    fn store_text(&mut self, value: Option<&str>) -> TextRef {
        match value {
            None => TextRef {
                start: NONE,
                len: 0,
            },
            Some(value) => {
                let start = u32::try_from(self.text.len()).expect("text arena under 4 GiB");
                self.text.push_str(value);
                TextRef {
                    start,
                    len: value.len() as u32,
                }
            }
        }
    }

    fn compact(&mut self, incident: &Incident) -> Row {
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

    fn index_communities(&mut self) {
        let communities = self.gather_communities(|_| true);
        self.set_communities(communities);
    }

    /// The community table's entries for the groups `wanted` accepts, from their rows.
    fn gather_communities(&self, wanted: impl Fn(u32) -> bool) -> Vec<(u32, CommunityInfo)> {
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
            let names = if is_arabic(name) {
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
    fn set_communities(&mut self, mut communities: Vec<(u32, CommunityInfo)>) {
        communities.sort_by(|a, b| a.1.key.cmp(&b.1.key));
        self.community_of_key = communities
            .iter()
            .enumerate()
            .map(|(index, (key, _))| (*key, index as u32))
            .collect();
        self.communities = communities.into_iter().map(|(_, info)| info).collect();
    }

    /// The version, used as the ETag of reads.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The vocabularies the snapshot was built with.
    pub fn vocabularies(&self) -> &Arc<Vocabularies> {
        &self.vocabularies
    }

    /// Number of incidents.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
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

    /// The dates covered, first and last.
    pub fn date_extent(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((
            self.date_of(0)?,
            self.date_of(self.rows.len().checked_sub(1)? as RowId)?,
        ))
    }

    /// The bounding box of every point: `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn spatial_extent(&self) -> Option<[f64; 4]> {
        let envelope = self.tree.root().envelope();
        (self.tree.size() > 0).then(|| {
            let (lower, upper) = (envelope.lower(), envelope.upper());
            [lower[0], lower[1], upper[0], upper[1]]
        })
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

    /// The row with this id.
    pub fn find(&self, id: Uuid) -> Option<RowId> {
        // Rows are sorted by date, not id: a linear scan over 16-byte keys is fast enough
        // for single-item requests (about a millisecond per million rows).
        self.rows
            .iter()
            .position(|row| row.id == id)
            .map(|index| index as RowId)
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
        let occurred = if r.minute == u16::MAX {
            OccurredAt::day(date)
        } else {
            OccurredAt::minute(
                date,
                NaiveTime::from_hms_opt(u32::from(r.minute / 60), u32::from(r.minute % 60), 0)
                    .unwrap_or_default(),
            )
        };
        let [
            killed,
            killed_women,
            killed_children,
            injured,
            injured_women,
            injured_children,
        ] = r.casualties.map(u32::from);
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
                location_precision: match r.location_precision {
                    0 => LocationPrecision::Exact,
                    1 => LocationPrecision::Community,
                    _ => LocationPrecision::Admin,
                },
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
                casualties: Casualties::new(CasualtyCounts {
                    killed,
                    killed_women,
                    killed_children,
                    injured,
                    injured_women,
                    injured_children,
                })
                .unwrap_or_default(),
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

    /// Each row that passes `filter` (inside its bbox, if it has one), in the R-tree's
    /// order: neighbours come together, so sums by place touch little memory.
    pub fn for_each_tile_point<'s>(&'s self, filter: &Filter, mut each: impl FnMut(TilePoint<'s>)) {
        let Some((compiled, dates)) = self.compile(filter) else {
            return;
        };
        let everywhere = BBox {
            min_lon: -180.0,
            min_lat: -90.0,
            max_lon: 180.0,
            max_lat: 90.0,
        };
        for entry in self.entries_in(filter.bbox.unwrap_or(everywhere), &compiled, dates) {
            each(TilePoint(entry));
        }
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
        let envelope =
            AABB::from_corners([bbox.min_lon, bbox.min_lat], [bbox.max_lon, bbox.max_lat]);
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

impl Snapshot {
    /// A new snapshot: this one with `upserts` added or replacing the rows of the same id,
    /// and `deletions` removed. Cheaper than a build from the store: the rows are copied,
    /// not reloaded. A few changes are merged into the sorted rows, the R-tree and the
    /// community table; many (over a quarter of the rows) rebuild the index and the table.
    #[must_use]
    pub fn patch(
        &self,
        version: u64,
        vocabularies: Arc<Vocabularies>,
        upserts: &[Incident],
        deletions: &[Uuid],
    ) -> Self {
        let mut replaced: Vec<Uuid> = upserts
            .iter()
            .map(|i| i.id)
            .chain(deletions.iter().copied())
            .collect();
        replaced.sort_unstable();
        replaced.dedup();
        let mut next = Self {
            version,
            vocabularies,
            rows: Vec::new(),
            strings: Interner {
                strings: self.strings.strings.clone(),
                ids: self.strings.ids.clone(),
            },
            slugs: self.slugs.clone(),
            slug_ids: self.slug_ids.clone(),
            text: self.text.clone(),
            tree: RTree::new(),
            communities: Vec::new(),
            community_of_key: HashMap::new(),
        };
        let mut added: Vec<Row> = upserts.iter().map(|i| next.compact(i)).collect();
        if replaced.len().saturating_mul(4) > self.rows.len() {
            next.rows = self
                .rows
                .iter()
                .filter(|row| replaced.binary_search(&row.id).is_err())
                .copied()
                .collect();
            next.rows.extend(added);
            next.index();
            return next;
        }
        added.sort_unstable_by_key(Row::order);
        // Merge the added rows into the kept ones, noting where each old row went (`None`:
        // removed) and where the added ones landed.
        next.rows.reserve_exact(self.rows.len() + added.len());
        let mut moved: Vec<Option<RowId>> = Vec::with_capacity(self.rows.len());
        let mut landed: Vec<RowId> = Vec::with_capacity(added.len());
        let mut removed: Vec<RowId> = Vec::new();
        let mut incoming = added.iter().peekable();
        for (index, row) in self.rows.iter().enumerate() {
            while let Some(new) = incoming.next_if(|new| new.order() < row.order()) {
                landed.push(next.rows.len() as RowId);
                next.rows.push(*new);
            }
            if replaced.binary_search(&row.id).is_ok() {
                moved.push(None);
                removed.push(index as RowId);
            } else {
                moved.push(Some(next.rows.len() as RowId));
                next.rows.push(*row);
            }
        }
        for new in incoming {
            landed.push(next.rows.len() as RowId);
            next.rows.push(*new);
        }
        let mut tree = self.tree.clone();
        for &index in &removed {
            if let Some(entry) = Entry::located(&self.rows[index as usize], index) {
                tree.remove(&entry);
            }
        }
        for point in &mut tree {
            point.data.row = moved[point.data.row as usize].expect("removed rows left the tree");
        }
        for &index in &landed {
            if let Some(entry) = Entry::located(&next.rows[index as usize], index) {
                tree.insert(entry);
            }
        }
        next.tree = tree;
        // Only the communities that lost or gained rows are gathered again.
        let mut touched: Vec<u32> = removed
            .iter()
            .map(|&index| self.rows[index as usize].group())
            .chain(added.iter().map(Row::group))
            .collect();
        touched.sort_unstable();
        touched.dedup();
        let is_touched = |group: u32| touched.binary_search(&group).is_ok();
        let mut communities: Vec<(u32, CommunityInfo)> = self
            .community_of_key
            .iter()
            .filter(|(group, _)| !is_touched(**group))
            .map(|(group, index)| (*group, self.communities[*index as usize].clone()))
            .collect();
        communities.extend(next.gather_communities(is_touched));
        next.set_communities(communities);
        next
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
