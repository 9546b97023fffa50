//! A submission of the form, read back as incident fields.
//!
//! KoboToolbox's REST service posts a submission as a flat JSON object whose keys carry
//! their groups (`incident/kind`), with `_uuid`, `_geolocation` (`[lat, lon]`),
//! `_submission_time`, `_attachments` and the like beside them; the geopoint is a string
//! `"lat lon altitude accuracy"`. ODK Central's OData feed lists a submission as nested
//! objects (`{"incident": {"kind": …}}`), its id in `__id`, its geopoint as GeoJSON.
//! Both are read here into the fields of the JSON import (the questions are named by the
//! fields), with:
//! - the submission's id as `source_id`: `meta/rootUuid` (the same across edits, where
//!   KoboToolbox gives it), else `_uuid`, else ODK's `__id` (its first version's), else
//!   `meta/instanceID`, without the `uuid:` prefix; so a retry changes nothing and an
//!   edit sent again updates;
//! - `community_pcode` dropped when it is `other` (the place is then `community`, typed);
//! - the governorate's p-code (`admin1`) written as its name;
//! - keys that are neither fields nor the form's own metadata listed as ignored.

use serde_json::{Map, Value};

/// The incident fields of a submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    /// Field → value, as the JSON import reads them.
    pub fields: Map<String, Value>,
    /// Keys that are not incident fields (nor metadata), as sent.
    pub ignored: Vec<String>,
}

/// A submission that cannot be read at all (a bad field value is the import's to report).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SubmissionError {
    /// Not a JSON object.
    #[error("a submission is a JSON object of the form's answers")]
    NotAnObject,
    /// No id to know it again by.
    #[error("the submission has no _uuid, meta/instanceID or __id")]
    NoId,
}

/// Metadata keys of KoboToolbox and ODK that are not answers.
const METADATA: [&str; 13] = [
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "subscriberid",
    "simserial",
    "audit",
    "instanceName",
    "deprecatedID",
    "__version__",
    "version",
];

/// The fields a submission may answer.
fn is_field(name: &str) -> bool {
    athar_core::FIELDS.contains(&name) && !matches!(name, "id" | "source" | "source_id")
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(value) => Some(value.to_string()),
        _ => None,
    }
}

fn without_uuid_prefix(id: &str) -> String {
    id.strip_prefix("uuid:").unwrap_or(id).to_owned()
}

/// Every answer of a nested or flat submission, as (the key's last segment, the whole key,
/// value).
fn answers<'a>(
    prefix: &str,
    object: &'a Map<String, Value>,
    out: &mut Vec<(String, String, &'a Value)>,
) {
    for (key, value) in object {
        let whole = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}/{key}")
        };
        match value {
            // A group (ODK's OData nests them), but not a GeoJSON point.
            Value::Object(inner) if !inner.contains_key("coordinates") && key != "__system" => {
                answers(&whole, inner, out);
            }
            _ => {
                let last = whole.rsplit('/').next().unwrap_or(&whole).to_owned();
                out.push((last, whole, value));
            }
        }
    }
}

/// Reads a submission; `governorate` names a governorate by its p-code.
///
/// # Errors
/// When it is not an object, or has no id.
pub fn submission(
    json: &Value,
    governorate: &dyn Fn(&str) -> Option<String>,
) -> Result<Submission, SubmissionError> {
    let object = json.as_object().ok_or(SubmissionError::NotAnObject)?;
    let mut all = Vec::new();
    answers("", object, &mut all);
    let (mut root, mut uuid, mut odk, mut instance) = (None, None, None, None);
    let mut fields = Map::new();
    let mut ignored = Vec::new();
    let mut geolocation: Option<(f64, f64)> = None;
    for (name, whole, value) in all {
        match name.as_str() {
            "rootUuid" => root = text(value),
            "_uuid" => uuid = text(value),
            // ODK Central's `__id` is the first version's instance id: the same across
            // edits, unlike `meta/instanceID`.
            "__id" => odk = text(value),
            "instanceID" => instance = text(value),
            "_geolocation" => {
                if let Some([Value::Number(lat), Value::Number(lon)]) =
                    value.as_array().map(Vec::as_slice)
                {
                    geolocation = lat.as_f64().zip(lon.as_f64());
                }
            }
            "location" => match value {
                // KoboToolbox: "lat lon altitude accuracy".
                Value::String(point) => {
                    let mut parts = point.split_whitespace().map(str::parse::<f64>);
                    if let (Some(Ok(lat)), Some(Ok(lon))) = (parts.next(), parts.next()) {
                        fields.insert("latitude".into(), Value::from(lat));
                        fields.insert("longitude".into(), Value::from(lon));
                    }
                }
                // ODK Central: GeoJSON.
                Value::Object(point) => {
                    if let Some([lon, lat, ..]) = point
                        .get("coordinates")
                        .and_then(Value::as_array)
                        .map(Vec::as_slice)
                    {
                        fields.insert("latitude".into(), lat.clone());
                        fields.insert("longitude".into(), lon.clone());
                    }
                }
                _ => {}
            },
            "community_pcode" if value.as_str() == Some("other") => {}
            "admin1" => {
                if let Some(code) = text(value) {
                    let name = governorate(&code).unwrap_or(code);
                    fields.insert("admin1".into(), Value::from(name));
                }
            }
            field if is_field(field) => {
                if !value.is_null() {
                    fields.insert(field.to_owned(), value.clone());
                }
            }
            other
                if other.starts_with('_')
                    || METADATA.contains(&other)
                    || whole.starts_with("meta/")
                    || whole.starts_with("formhub/")
                    || whole.starts_with("__system") => {}
            _ => ignored.push(whole),
        }
    }
    if !fields.contains_key("latitude")
        && let Some((lat, lon)) = geolocation
    {
        fields.insert("latitude".into(), Value::from(lat));
        fields.insert("longitude".into(), Value::from(lon));
    }
    let id = root
        .or(uuid)
        .or(odk)
        .or(instance)
        .map(|id| without_uuid_prefix(&id))
        .filter(|id| !id.is_empty())
        .ok_or(SubmissionError::NoId)?;
    fields.insert("source_id".into(), Value::from(id));
    Ok(Submission { fields, ignored })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn idlib(code: &str) -> Option<String> {
        (code == "SY07").then(|| "Idleb".to_owned())
    }

    #[test]
    fn a_kobo_post_is_read_with_its_groups_point_and_id() {
        let posted = json!({
            "_id": 1234,
            "_uuid": "6c0f5c4e-1d7e-4a1b-9a5e-0e3b1c2d3e4f",
            "formhub/uuid": "abc",
            "start": "2024-04-03T10:00:00.000+03:00",
            "incident/kind": "attack",
            "incident/occurred_on": "2024-04-03",
            "incident/admin1": "SY07",
            "incident/community_pcode": "C4070",
            "incident/location": "35.6097 36.4853 0 5",
            "incident/killed": "1",
            "incident/reporter_phone": "0999",
            "meta/instanceID": "uuid:6c0f5c4e-1d7e-4a1b-9a5e-0e3b1c2d3e4f",
            "_geolocation": [35.6, 36.4],
            "_attachments": [],
            "_submission_time": "2024-04-03T10:05:00",
        });
        let read = submission(&posted, &idlib).unwrap();
        assert_eq!(
            Value::Object(read.fields),
            json!({
                "kind": "attack",
                "occurred_on": "2024-04-03",
                "admin1": "Idleb",
                "community_pcode": "C4070",
                "latitude": 35.6097,
                "longitude": 36.4853,
                "killed": "1",
                "source_id": "6c0f5c4e-1d7e-4a1b-9a5e-0e3b1c2d3e4f",
            })
        );
        assert_eq!(read.ignored, ["incident/reporter_phone"]);
    }

    #[test]
    fn an_odk_row_is_read_from_its_nested_groups() {
        let listed = json!({
            "__id": "uuid:85cb9aff-005e-4edd-9739-dc9c1a829c44",
            "__system": {"submissionDate": "2024-04-05T09:00:00.000Z", "updatedAt": null},
            "incident": {
                "kind": "fire",
                "occurred_on": "2024-04-05",
                "community_pcode": "other",
                "community": "مخيم الأمل",
                "location": {"type": "Point", "coordinates": [36.6353, 35.929, 0]},
            },
            "meta": {"instanceID": "uuid:85cb9aff-005e-4edd-9739-dc9c1a829c44"},
        });
        let read = submission(&listed, &idlib).unwrap();
        assert_eq!(
            read.fields["source_id"],
            "85cb9aff-005e-4edd-9739-dc9c1a829c44"
        );
        assert_eq!(read.fields["community"], "مخيم الأمل");
        assert!(
            !read.fields.contains_key("community_pcode"),
            "'other' is no p-code"
        );
        assert_eq!(read.fields["latitude"], 35.929);
        assert!(read.ignored.is_empty(), "{:?}", read.ignored);
    }

    #[test]
    fn a_submission_without_an_id_or_not_an_object_is_refused() {
        assert_eq!(
            submission(&json!({"incident/kind": "fire"}), &idlib).unwrap_err(),
            SubmissionError::NoId
        );
        assert_eq!(
            submission(&json!([1]), &idlib).unwrap_err(),
            SubmissionError::NotAnObject
        );
        // The root id of an edited submission wins over its new instance id.
        let edited =
            json!({"_uuid": "new", "meta/rootUuid": "uuid:first", "incident/kind": "fire"});
        assert_eq!(
            submission(&edited, &idlib).unwrap().fields["source_id"],
            "first"
        );
    }
}
