//! GeoJSON FeatureCollections and JSON objects or arrays, read one feature or object at a
//! time.
//!
//! How it works: serde drives a visitor over the top-level value; the `features` array (or
//! the top-level array) is visited element by element, each element is deserialised alone
//! into a `serde_json::Value` and turned into a row, and then dropped. Keys may come in any
//! order; nothing but the current feature is held in memory.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{BufReader, Read};

use athar_core::{FieldError, IncidentDraft, ValidationContext};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::{IngestError, ReadSummary, Row, Stop, headers::field_for_header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    GeoJson,
    Json,
}

const MAX_IGNORED_NAMES: usize = 50;

struct State<'a, 'c> {
    shape: Shape,
    context: &'a ValidationContext<'c>,
    sink: &'a mut dyn FnMut(Row) -> Result<(), Stop>,
    rows: u64,
    stopped: bool,
    ignored: BTreeSet<String>,
}

impl State<'_, '_> {
    fn emit(&mut self, value: &Value) -> bool {
        self.rows += 1;
        let row = match self.shape {
            Shape::GeoJson => self.feature_row(value),
            Shape::Json => self.object_row(value),
        };
        if (self.sink)(row).is_err() {
            self.stopped = true;
        }
        !self.stopped
    }

    fn draft_from_properties(
        &mut self,
        properties: &serde_json::Map<String, Value>,
        draft: &mut IncidentDraft,
        errors: &mut Vec<FieldError>,
    ) {
        for (name, value) in properties {
            let Some(field) = field_for_header(name) else {
                if self.ignored.len() < MAX_IGNORED_NAMES {
                    self.ignored.insert(name.clone());
                }
                continue;
            };
            match value {
                Value::Null => {}
                Value::String(text) => {
                    let _ = draft.set(field, text);
                }
                Value::Number(number) => {
                    let _ = draft.set(field, &number.to_string());
                }
                Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
                    errors.push(FieldError::new(field, "must be text or a number"));
                }
            }
        }
    }

    fn object_row(&mut self, value: &Value) -> Row {
        let row = self.rows;
        let mut draft = IncidentDraft::default();
        let mut errors = Vec::new();
        match value {
            Value::Object(properties) => {
                self.draft_from_properties(properties, &mut draft, &mut errors);
            }
            _ => {
                return Row::Invalid {
                    row,
                    errors: vec![FieldError::new(
                        "(object)",
                        "each incident must be a JSON object",
                    )],
                };
            }
        }
        crate::validate(row, &draft, self.context, errors)
    }

    fn feature_row(&mut self, value: &Value) -> Row {
        let row = self.rows;
        let invalid = |message: &str| Row::Invalid {
            row,
            errors: vec![FieldError::new("(feature)", message)],
        };
        let Value::Object(feature) = value else {
            return invalid("each element of features must be a GeoJSON Feature object");
        };
        if feature.get("type").and_then(Value::as_str) != Some("Feature") {
            return invalid("is not a GeoJSON Feature (its \"type\" must be \"Feature\")");
        }
        let mut draft = IncidentDraft::default();
        let mut errors = Vec::new();
        match feature.get("properties") {
            Some(Value::Object(properties)) => {
                self.draft_from_properties(properties, &mut draft, &mut errors);
            }
            Some(Value::Null) | None => {}
            Some(_) => errors.push(FieldError::new("properties", "must be an object")),
        }
        if draft.get("source_id").is_none() {
            match feature.get("id") {
                Some(Value::String(id)) => {
                    let _ = draft.set("source_id", id);
                }
                Some(Value::Number(id)) => {
                    let _ = draft.set("source_id", &id.to_string());
                }
                _ => {}
            }
        }
        match feature.get("geometry") {
            None | Some(Value::Null) => {}
            Some(geometry) => match point_of(geometry) {
                Ok((lon, lat)) => {
                    for (field, value) in [("longitude", lon), ("latitude", lat)] {
                        if let Some(stated) = draft.get(field)
                            && stated.parse::<f64>().ok() != Some(value)
                        {
                            errors.push(FieldError::new(
                                field,
                                format!("property says {stated} but the geometry says {value}"),
                            ));
                        }
                        let _ = draft.set(field, &value.to_string());
                    }
                }
                Err(message) => errors.push(FieldError::new("geometry", message)),
            },
        }
        crate::validate(row, &draft, self.context, errors)
    }
}

fn point_of(geometry: &Value) -> Result<(f64, f64), String> {
    match serde_json::from_value::<geojson::Geometry>(geometry.clone()) {
        Ok(geometry) => match geometry.value {
            geojson::GeometryValue::Point { coordinates } => match coordinates.as_slice() {
                [lon, lat, ..] => Ok((*lon, *lat)),
                _ => Err("is a Point without two coordinates".to_owned()),
            },
            other => Err(format!(
                "is a {}; only Point geometries are accepted",
                other.type_name()
            )),
        },
        Err(error) => Err(format!("is not a GeoJSON geometry: {error}")),
    }
}

/// Visits the top-level value.
struct TopLevel<'s, 'a, 'c>(&'s mut State<'a, 'c>);

impl<'de> Visitor<'de> for TopLevel<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.shape {
            Shape::GeoJson => formatter.write_str("a GeoJSON FeatureCollection object"),
            Shape::Json => formatter.write_str("an incident object or an array of them"),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        if self.0.shape == Shape::GeoJson {
            return Err(de::Error::custom(
                "expected a GeoJSON FeatureCollection object, found an array",
            ));
        }
        Elements(self.0).visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        match self.0.shape {
            Shape::Json => {
                let mut object = serde_json::Map::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    object.insert(key, value);
                }
                self.0.emit(&Value::Object(object));
                Ok(())
            }
            Shape::GeoJson => {
                let mut kind: Option<String> = None;
                let mut saw_features = false;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => kind = Some(map.next_value()?),
                        "features" => {
                            saw_features = true;
                            map.next_value_seed(Features(self.0))?;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    if self.0.stopped {
                        return Ok(());
                    }
                }
                match kind.as_deref() {
                    Some("FeatureCollection") if saw_features => Ok(()),
                    Some("FeatureCollection") => Err(de::Error::custom(
                        "the FeatureCollection has no \"features\" array",
                    )),
                    Some(other) => Err(de::Error::custom(format!(
                        "expected a FeatureCollection, found a GeoJSON \"{other}\""
                    ))),
                    None => Err(de::Error::custom(
                        "the top-level object has no \"type\": expected \"FeatureCollection\"",
                    )),
                }
            }
        }
    }
}

/// The `features` array of a FeatureCollection.
struct Features<'s, 'a, 'c>(&'s mut State<'a, 'c>);

impl<'de> DeserializeSeed<'de> for Features<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(Elements(self.0))
    }
}

/// Any array of rows, one element at a time.
struct Elements<'s, 'a, 'c>(&'s mut State<'a, 'c>);

impl<'de> Visitor<'de> for Elements<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<Value>()? {
            // A JSON array whose element is not an object is not a list of incidents
            // with a bad one among them: it is not the document it claims to be.
            if self.0.shape == Shape::Json && !element.is_object() {
                return Err(de::Error::custom(format!(
                    "element {} of the array is not an object: each incident must be a JSON object",
                    self.0.rows + 1
                )));
            }
            if !self.0.emit(&element) {
                return Ok(());
            }
        }
        Ok(())
    }
}

pub(crate) fn read(
    input: impl Read,
    shape: Shape,
    context: &ValidationContext<'_>,
    sink: &mut dyn FnMut(Row) -> Result<(), Stop>,
) -> Result<ReadSummary, IngestError> {
    let mut state = State {
        shape,
        context,
        sink,
        rows: 0,
        stopped: false,
        ignored: BTreeSet::new(),
    };
    let mut deserializer =
        serde_json::Deserializer::from_reader(BufReader::with_capacity(256 * 1024, input));
    let result = deserializer.deserialize_any(TopLevel(&mut state));
    let stopped = state.stopped;
    match result {
        Ok(()) if stopped => {}
        Ok(()) => deserializer
            .end()
            .map_err(|e| IngestError::Json(format!("invalid JSON after the data: {e}")))?,
        Err(error) if error.is_io() => {
            return Err(IngestError::Io(std::io::Error::other(error.to_string())));
        }
        Err(error) => {
            return Err(IngestError::Json(match shape {
                Shape::GeoJson => format!("invalid GeoJSON: {error}"),
                Shape::Json => format!("invalid JSON: {error}"),
            }));
        }
    }
    Ok(ReadSummary {
        rows: state.rows,
        ignored_columns: state.ignored.into_iter().collect(),
        stopped,
    })
}
