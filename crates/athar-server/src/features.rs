//! Incidents as GeoJSON features.

use athar_core::Incident;
use serde_json::{Value, json};

/// One incident as a GeoJSON Feature with every field as a property.
pub(crate) fn incident_feature(incident: &Incident) -> Value {
    let record = &incident.record;
    let counts = record.casualties.counts();
    let geometry = record.location.map_or(Value::Null, |point| {
        json!({ "type": "Point", "coordinates": [point.lon.degrees(), point.lat.degrees()] })
    });
    json!({
        "type": "Feature",
        "id": incident.id,
        "geometry": geometry,
        "properties": {
            "source": record.source,
            "source_id": record.source_id,
            "kind": record.kind,
            "occurred_on": record.occurred.date(),
            "occurred_at": record.occurred.time().map(|_| record.occurred.to_string()),
            "time_precision": record.occurred.precision(),
            "location_precision": record.location_precision,
            "community": record.community,
            "community_key": record.community_key,
            "community_pcode": record.community_pcode,
            "admin1": record.admin1,
            "admin2": record.admin2,
            "admin3": record.admin3,
            "place_type": record.place_type,
            "perpetrator": record.perpetrator,
            "weapon": record.weapon,
            "cause": record.cause,
            "vehicle": record.vehicle,
            "killed": counts.killed,
            "killed_women": counts.killed_women,
            "killed_children": counts.killed_children,
            "injured": counts.injured,
            "injured_women": counts.injured_women,
            "injured_children": counts.injured_children,
            "notes": record.notes,
        }
    })
}
