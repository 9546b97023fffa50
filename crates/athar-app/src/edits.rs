//! Editing one incident: a JSON object of the fields to change (named as in imports;
//! `null` clears one) applied to the record as stored, and the whole incident validated
//! again, so an edit meets the rules an import does.

use athar_core::{
    CommunityResolver, FieldError, IncidentDraft, IncidentRecord, ValidationContext, Vocabularies,
};
use serde_json::{Map, Value};

/// `current` with `changes` applied, validated against `vocabularies` and `resolver`; or
/// every rule the edit breaks. The fields that identify a record (`id`, `source`,
/// `source_id`) cannot change; a new day or time replaces both `occurred_on` and
/// `occurred_at`.
pub fn patched(
    current: &IncidentRecord,
    changes: &Map<String, Value>,
    (vocabularies, resolver): (&Vocabularies, &dyn CommunityResolver),
) -> Result<IncidentRecord, Vec<FieldError>> {
    let mut draft = IncidentDraft::from_record(current);
    let mut errors = Vec::new();
    for (field, value) in changes {
        if matches!(field.as_str(), "source" | "source_id" | "id") {
            errors.push(FieldError::new(
                field,
                "identifies the record and cannot be changed",
            ));
            continue;
        }
        let text = match value {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => {
                errors.push(FieldError::new(field, "must be text, a number or null"));
                continue;
            }
        };
        if matches!(field.as_str(), "occurred_on" | "occurred_at") {
            draft.clear("occurred_on");
            draft.clear("occurred_at");
        }
        match text {
            None => draft.clear(field),
            Some(text) => {
                if let Err(error) = draft.set(field, &text) {
                    errors.push(error);
                }
            }
        }
    }
    let context = ValidationContext::new(vocabularies, resolver);
    match draft.validate(&context) {
        Ok(record) if errors.is_empty() => Ok(record),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}
