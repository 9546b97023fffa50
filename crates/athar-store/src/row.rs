//! Rows as both backends return them, and their conversion back into domain types.

use athar_core::{
    Casualties, CasualtyCounts, CommunityResolution, Incident, IncidentRecord, LocationPrecision,
    OccurredAt, Pcode, Point, ResolutionMethod, Slug, Term, VocabularyName,
};
use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::{Change, StoreError};

pub(crate) const SELECT_TERMS: &str =
    "SELECT vocabulary, slug, label_en, label_ar FROM vocabulary_terms ORDER BY vocabulary, slug";

/// The staged columns, in the order of COPY and of multi-row inserts.
pub(crate) const STAGING_COLUMNS: &str = "row_no, id, is_new, source, source_key, source_id, content_hash, kind, occurred_on, occurred_time, lon, lat, location_precision, community, community_key, community_pcode, admin1, admin2, admin3, place_type, perpetrator, weapon, cause, vehicle, killed, killed_women, killed_children, injured, injured_women, injured_children, notes, community_id, resolution_method, resolution_score";

/// The columns copied from staging into incidents, before the point and after it.
const MERGE_COLUMNS_BEFORE_POINT: &str =
    "id, source, source_key, source_id, content_hash, kind, occurred_on, occurred_time";
const MERGE_COLUMNS_AFTER_POINT: &str = "location_precision, community, community_key, community_pcode, admin1, admin2, admin3, place_type, perpetrator, weapon, cause, vehicle, killed, killed_women, killed_children, injured, injured_women, injured_children, notes, community_id, resolution_method, resolution_score";

/// What differs between the backends' SQL for merging staged rows.
pub(crate) struct Dialect {
    /// The import id parameter.
    pub(crate) import_id: &'static str,
    /// The incidents columns holding the point.
    pub(crate) point_columns: &'static str,
    /// The staged values for them.
    pub(crate) point_values: &'static str,
    /// The assignments that update them from staging.
    pub(crate) point_update: &'static str,
    /// The current time.
    pub(crate) now: &'static str,
}

/// The statements that move classified staged rows into incidents and the change log.
pub(crate) struct MergeSql {
    /// Inserts the new rows, in key order.
    pub(crate) insert_new: String,
    /// Logs every staged row as an insert or an update, in row order (SQLite, whose
    /// staging table also holds every new row and the updates' `fields`).
    pub(crate) log_changes: String,
    /// Updates the changed rows by id.
    pub(crate) update_changed: String,
}

fn prefixed(columns: &str) -> String {
    columns
        .split(", ")
        .map(|column| format!("s.{column}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Dialect {
    pub(crate) fn merge_sql(&self) -> MergeSql {
        let Self {
            import_id,
            point_columns,
            point_values,
            point_update,
            now,
        } = self;
        let assignments: Vec<String> = MERGE_COLUMNS_BEFORE_POINT
            .split(", ")
            .chain(MERGE_COLUMNS_AFTER_POINT.split(", "))
            .filter(|column| !matches!(*column, "id" | "source" | "source_key"))
            .map(|column| format!("{column} = s.{column}"))
            .collect();
        MergeSql {
            insert_new: format!(
                "INSERT INTO incidents ({MERGE_COLUMNS_BEFORE_POINT}, {point_columns}, {MERGE_COLUMNS_AFTER_POINT}, import_id)
                 SELECT {}, {point_values}, {}, {import_id} FROM staging s WHERE s.is_new ORDER BY s.source, s.source_key",
                prefixed(MERGE_COLUMNS_BEFORE_POINT),
                prefixed(MERGE_COLUMNS_AFTER_POINT),
            ),
            log_changes: format!(
                "INSERT INTO changes (incident_id, op, import_id, actor, fields)
                 SELECT s.id, CASE WHEN s.is_new THEN 'insert' ELSE 'update' END, {import_id},
                        (SELECT actor FROM imports WHERE id = {import_id}), s.fields
                 FROM staging s ORDER BY s.row_no"
            ),
            update_changed: format!(
                "UPDATE incidents SET {}, {point_update}, import_id = {import_id}, updated_at = {now}
                 FROM staging AS s WHERE NOT s.is_new AND incidents.id = s.id",
                assignments.join(", "),
            ),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TermRow {
    vocabulary: String,
    slug: String,
    label_en: String,
    label_ar: String,
}

impl TermRow {
    pub(crate) fn into_term(self) -> Result<Term, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt {
            id: format!("vocabulary term {}/{}", self.vocabulary, self.slug),
            message,
        };
        Ok(Term {
            vocabulary: VocabularyName::parse(&self.vocabulary)
                .ok_or_else(|| corrupt("unknown vocabulary".into()))?,
            slug: Slug::parse(&self.slug).map_err(|e| corrupt(e.to_string()))?,
            label_en: self.label_en,
            label_ar: self.label_ar,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ChangeRow {
    seq: i64,
    incident_id: Uuid,
    op: String,
    import_id: Option<Uuid>,
    actor: Option<String>,
    at: String,
    fields: Option<String>,
}

impl ChangeRow {
    pub(crate) fn into_change(self) -> Result<Change, StoreError> {
        let fields = self
            .fields
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt {
                id: format!("change {}", self.seq),
                message: format!("fields: {e}"),
            })?;
        Ok(Change {
            seq: self.seq,
            incident_id: self.incident_id,
            op: self.op,
            import_id: self.import_id,
            actor: self.actor,
            at: self.at,
            fields,
        })
    }
}

/// A stored incident as both backends return it, columns in `SELECT_COLUMNS` order; as
/// JSON, a release's frozen copy of it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct IncidentRow {
    pub(crate) id: Uuid,
    pub(crate) source: String,
    pub(crate) source_id: Option<String>,
    pub(crate) kind: String,
    pub(crate) occurred_on: NaiveDate,
    pub(crate) occurred_time: Option<NaiveTime>,
    pub(crate) lon: Option<f64>,
    pub(crate) lat: Option<f64>,
    pub(crate) location_precision: String,
    pub(crate) community: String,
    pub(crate) community_key: String,
    pub(crate) community_pcode: Option<String>,
    pub(crate) admin1: Option<String>,
    pub(crate) admin2: Option<String>,
    pub(crate) admin3: Option<String>,
    pub(crate) place_type: Option<String>,
    pub(crate) perpetrator: Option<String>,
    pub(crate) weapon: Option<String>,
    pub(crate) cause: Option<String>,
    pub(crate) vehicle: Option<String>,
    pub(crate) killed: i32,
    pub(crate) killed_women: i32,
    pub(crate) killed_children: i32,
    pub(crate) injured: i32,
    pub(crate) injured_women: i32,
    pub(crate) injured_children: i32,
    pub(crate) notes: Option<String>,
    pub(crate) community_id: Option<String>,
    pub(crate) resolution_method: String,
    pub(crate) resolution_score: f32,
}

/// Reads the columns by position: looking each up by name costs more than decoding it,
/// which matters when a million rows are loaded at start.
macro_rules! incident_row_from {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for IncidentRow {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self {
                    id: row.try_get(0)?,
                    source: row.try_get(1)?,
                    source_id: row.try_get(2)?,
                    kind: row.try_get(3)?,
                    occurred_on: row.try_get(4)?,
                    occurred_time: row.try_get(5)?,
                    lon: row.try_get(6)?,
                    lat: row.try_get(7)?,
                    location_precision: row.try_get(8)?,
                    community: row.try_get(9)?,
                    community_key: row.try_get(10)?,
                    community_pcode: row.try_get(11)?,
                    admin1: row.try_get(12)?,
                    admin2: row.try_get(13)?,
                    admin3: row.try_get(14)?,
                    place_type: row.try_get(15)?,
                    perpetrator: row.try_get(16)?,
                    weapon: row.try_get(17)?,
                    cause: row.try_get(18)?,
                    vehicle: row.try_get(19)?,
                    killed: row.try_get(20)?,
                    killed_women: row.try_get(21)?,
                    killed_children: row.try_get(22)?,
                    injured: row.try_get(23)?,
                    injured_women: row.try_get(24)?,
                    injured_children: row.try_get(25)?,
                    notes: row.try_get(26)?,
                    community_id: row.try_get(27)?,
                    resolution_method: row.try_get(28)?,
                    resolution_score: row.try_get(29)?,
                })
            }
        }
    };
}
incident_row_from!(sqlx::postgres::PgRow);
incident_row_from!(sqlx::sqlite::SqliteRow);

impl IncidentRow {
    /// Reads a row of `sqlite::SELECT_COLUMNS` through rusqlite, decoding the values as
    /// sqlx stores them: the id as a 16-byte blob, dates and times as ISO 8601 text.
    pub(crate) fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        fn parsed<T: std::str::FromStr>(
            row: &rusqlite::Row<'_>,
            index: usize,
        ) -> rusqlite::Result<Option<T>>
        where
            T::Err: std::error::Error + Send + Sync + 'static,
        {
            let text: Option<&str> = match row.get_ref(index)? {
                rusqlite::types::ValueRef::Null => None,
                value => Some(value.as_str()?),
            };
            text.map(str::parse).transpose().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    index,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })
        }
        let id = Uuid::from_slice(row.get_ref(0)?.as_blob()?).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
        })?;
        Ok(Self {
            id,
            source: row.get(1)?,
            source_id: row.get(2)?,
            kind: row.get(3)?,
            occurred_on: parsed(row, 4)?.ok_or(rusqlite::Error::InvalidColumnType(
                4,
                "occurred_on".into(),
                rusqlite::types::Type::Null,
            ))?,
            occurred_time: parsed(row, 5)?,
            lon: row.get(6)?,
            lat: row.get(7)?,
            location_precision: row.get(8)?,
            community: row.get(9)?,
            community_key: row.get(10)?,
            community_pcode: row.get(11)?,
            admin1: row.get(12)?,
            admin2: row.get(13)?,
            admin3: row.get(14)?,
            place_type: row.get(15)?,
            perpetrator: row.get(16)?,
            weapon: row.get(17)?,
            cause: row.get(18)?,
            vehicle: row.get(19)?,
            killed: row.get(20)?,
            killed_women: row.get(21)?,
            killed_children: row.get(22)?,
            injured: row.get(23)?,
            injured_women: row.get(24)?,
            injured_children: row.get(25)?,
            notes: row.get(26)?,
            community_id: row.get(27)?,
            resolution_method: row.get(28)?,
            #[allow(clippy::cast_possible_truncation)] // stored from an f32
            resolution_score: row.get::<_, f64>(29)? as f32,
        })
    }
}

impl IncidentRow {
    /// The row of `incident`, as it would be stored.
    pub(crate) fn of(incident: &Incident) -> Self {
        let record = &incident.record;
        let counts = record.casualties.counts();
        // Counts are validated far below i32::MAX.
        let count = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
        let [place_type, perpetrator, weapon, cause, vehicle] =
            vocabulary_fields(record).map(|field| field.map(str::to_owned));
        Self {
            id: incident.id,
            source: record.source.clone(),
            source_id: record.source_id.clone(),
            kind: record.kind.as_str().to_owned(),
            occurred_on: record.occurred.date(),
            occurred_time: record.occurred.time(),
            lon: record.location.map(|point| point.lon.degrees()),
            lat: record.location.map(|point| point.lat.degrees()),
            location_precision: record.location_precision.as_str().to_owned(),
            community: record.community.clone(),
            community_key: record.community_key.clone(),
            community_pcode: record
                .community_pcode
                .as_ref()
                .map(|pcode| pcode.as_str().to_owned()),
            admin1: record.admin1.clone(),
            admin2: record.admin2.clone(),
            admin3: record.admin3.clone(),
            place_type,
            perpetrator,
            weapon,
            cause,
            vehicle,
            killed: count(counts.killed),
            killed_women: count(counts.killed_women),
            killed_children: count(counts.killed_children),
            injured: count(counts.injured),
            injured_women: count(counts.injured_women),
            injured_children: count(counts.injured_children),
            notes: record.notes.clone(),
            community_id: record.resolution.community_id.clone(),
            resolution_method: record.resolution.method.as_str().to_owned(),
            resolution_score: record.resolution.score,
        }
    }

    pub(crate) fn into_incident(self) -> Result<Incident, StoreError> {
        let id = self.id;
        let corrupt = |message: String| StoreError::Corrupt {
            id: id.to_string(),
            message,
        };
        let slug = |value: &str| Slug::parse(value).map_err(|e| corrupt(e.to_string()));
        let optional_slug = |value: Option<String>| value.as_deref().map(slug).transpose();
        let count = |value: i32| u32::try_from(value).map_err(|e| corrupt(e.to_string()));
        let location = match (self.lon, self.lat) {
            (Some(lon), Some(lat)) => {
                Some(Point::from_degrees(lon, lat).map_err(|e| corrupt(e.to_string()))?)
            }
            _ => None,
        };
        let casualties = Casualties::new(CasualtyCounts {
            killed: count(self.killed)?,
            killed_women: count(self.killed_women)?,
            killed_children: count(self.killed_children)?,
            injured: count(self.injured)?,
            injured_women: count(self.injured_women)?,
            injured_children: count(self.injured_children)?,
        })
        .map_err(|errors| corrupt(format!("{errors:?}")))?;
        let record = IncidentRecord {
            source: self.source,
            source_id: self.source_id,
            kind: slug(&self.kind)?,
            occurred: match self.occurred_time {
                Some(time) => OccurredAt::minute(self.occurred_on, time),
                None => OccurredAt::day(self.occurred_on),
            },
            location,
            location_precision: LocationPrecision::parse(&self.location_precision).ok_or_else(
                || corrupt(format!("location_precision '{}'", self.location_precision)),
            )?,
            community: self.community,
            community_key: self.community_key,
            community_pcode: self
                .community_pcode
                .as_deref()
                .map(Pcode::parse)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
            admin1: self.admin1,
            admin2: self.admin2,
            admin3: self.admin3,
            place_type: optional_slug(self.place_type)?,
            perpetrator: optional_slug(self.perpetrator)?,
            weapon: optional_slug(self.weapon)?,
            cause: optional_slug(self.cause)?,
            vehicle: optional_slug(self.vehicle)?,
            casualties,
            notes: self.notes,
            resolution: CommunityResolution {
                community_id: self.community_id,
                method: ResolutionMethod::parse(&self.resolution_method).ok_or_else(|| {
                    corrupt(format!("resolution_method '{}'", self.resolution_method))
                })?,
                score: self.resolution_score,
            },
        };
        Ok(Incident { id, record })
    }
}

/// The text columns of a staged row after `occurred_time`'s point, in staging order.
/// The vocabulary columns of an incident, in the stores' column order: place type,
/// perpetrator, weapon, cause, vehicle.
pub(crate) fn vocabulary_fields(record: &IncidentRecord) -> [Option<&str>; 5] {
    [
        &record.place_type,
        &record.perpetrator,
        &record.weapon,
        &record.cause,
        &record.vehicle,
    ]
    .map(|slug| slug_text(slug.as_ref()))
}

/// The casualty columns of an incident, in the stores' column order.
pub(crate) fn casualty_fields(record: &IncidentRecord) -> [u32; 6] {
    let counts = record.casualties.counts();
    [
        counts.killed,
        counts.killed_women,
        counts.killed_children,
        counts.injured,
        counts.injured_women,
        counts.injured_children,
    ]
}

pub(crate) fn slug_text(slug: Option<&Slug>) -> Option<&str> {
    slug.map(Slug::as_str)
}
