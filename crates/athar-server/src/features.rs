//! Incidents as GeoJSON features, serialised straight from the incident (no intermediate
//! JSON tree: a page of 10,000 features is written in one pass).

use athar_core::{Incident, LocationPrecision, Pcode, Slug, TimePrecision};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Serialize)]
pub(crate) struct Feature<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: Uuid,
    geometry: Option<Geometry>,
    properties: Properties<'a>,
}

#[derive(Serialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Properties<'a> {
    source: &'a str,
    source_id: Option<&'a str>,
    kind: &'a Slug,
    occurred_on: NaiveDate,
    occurred_at: Option<String>,
    time_precision: TimePrecision,
    location_precision: LocationPrecision,
    community: &'a str,
    community_key: &'a str,
    community_pcode: Option<&'a Pcode>,
    admin1: Option<&'a str>,
    admin2: Option<&'a str>,
    admin3: Option<&'a str>,
    place_type: Option<&'a Slug>,
    perpetrator: Option<&'a Slug>,
    weapon: Option<&'a Slug>,
    cause: Option<&'a Slug>,
    vehicle: Option<&'a Slug>,
    killed: u32,
    killed_women: u32,
    killed_children: u32,
    injured: u32,
    injured_women: u32,
    injured_children: u32,
    notes: Option<&'a str>,
    /// The place the community name resolved to, none when unresolved.
    community_id: Option<&'a str>,
    resolution_method: athar_core::ResolutionMethod,
    resolution_score: f32,
}

/// One incident as a GeoJSON Feature with every field as a property.
pub(crate) fn feature(incident: &Incident) -> Feature<'_> {
    let record = &incident.record;
    let counts = record.casualties.counts();
    Feature {
        kind: "Feature",
        id: incident.id,
        geometry: record.location.map(|point| Geometry {
            kind: "Point",
            coordinates: [point.lon.degrees(), point.lat.degrees()],
        }),
        properties: Properties {
            source: &record.source,
            source_id: record.source_id.as_deref(),
            kind: &record.kind,
            occurred_on: record.occurred.date(),
            occurred_at: record.occurred.time().map(|_| record.occurred.to_string()),
            time_precision: record.occurred.precision(),
            location_precision: record.location_precision,
            community: &record.community,
            community_key: &record.community_key,
            community_pcode: record.community_pcode.as_ref(),
            admin1: record.admin1.as_deref(),
            admin2: record.admin2.as_deref(),
            admin3: record.admin3.as_deref(),
            place_type: record.place_type.as_ref(),
            perpetrator: record.perpetrator.as_ref(),
            weapon: record.weapon.as_ref(),
            cause: record.cause.as_ref(),
            vehicle: record.vehicle.as_ref(),
            killed: counts.killed,
            killed_women: counts.killed_women,
            killed_children: counts.killed_children,
            injured: counts.injured,
            injured_women: counts.injured_women,
            injured_children: counts.injured_children,
            notes: record.notes.as_deref(),
            community_id: record.resolution.community_id.as_deref(),
            resolution_method: record.resolution.method,
            resolution_score: record.resolution.score,
        },
    }
}

/// The same, as a JSON value, for responses that add members to it.
pub(crate) fn incident_feature(incident: &Incident) -> Value {
    serde_json::to_value(feature(incident)).unwrap_or(Value::Null)
}
