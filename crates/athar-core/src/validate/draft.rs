//! The draft: an incident's fields as text, set by name, made from a record and compared
//! with another.

use super::field::{FIELDS, Field};
use crate::{FieldError, IncidentRecord};

/// One field of an incident changed by a write: its text before and after (`None`:
/// absent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct FieldChange {
    /// The field, named as in imports.
    pub field: String,
    /// Its text before the write.
    pub before: Option<String>,
    /// Its text after the write.
    pub after: Option<String>,
}

/// The fields of one incident as text, before validation. An empty value is an absent
/// field; a reader reuses one draft for every row, so the texts keep their buffers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentDraft {
    values: [String; Field::ALL.len()],
}

impl IncidentDraft {
    /// Sets a field; blank values count as absent. An unknown field is an error naming the
    /// fields that exist.
    pub fn set(&mut self, field: &str, value: &str) -> Result<(), FieldError> {
        let field = Field::parse(field).ok_or_else(|| {
            FieldError::new(
                field,
                format!("unknown field (known fields: {})", FIELDS.join(", ")),
            )
        })?;
        let slot = &mut self.values[field as usize];
        slot.clear();
        slot.push_str(value.trim());
        Ok(())
    }

    /// The text of a field, if set.
    #[inline]
    pub fn get(&self, field: &str) -> Option<&str> {
        self.value(Field::parse(field)?)
    }

    /// The text of a field, if set.
    pub(super) fn value(&self, field: Field) -> Option<&str> {
        let value = &self.values[field as usize];
        (!value.is_empty()).then_some(value.as_str())
    }

    /// Clears a field.
    pub fn clear(&mut self, field: &str) {
        if let Some(field) = Field::parse(field) {
            self.values[field as usize].clear();
        }
    }

    /// Clears every field, keeping the buffers for the next row.
    pub fn reset(&mut self) {
        self.values.iter_mut().for_each(String::clear);
    }

    /// The draft a record would have been written as, so that an edit can change some
    /// fields and validate the whole again.
    pub fn from_record(record: &IncidentRecord) -> Self {
        let mut draft = Self::default();
        let mut put = |field: Field, value: Option<String>| {
            if let Some(value) = value {
                draft.values[field as usize] = value;
            }
        };
        let counts = record.casualties.counts();
        put(Field::Source, Some(record.source.clone()));
        put(Field::SourceId, record.source_id.clone());
        put(Field::Kind, Some(record.kind.to_string()));
        match record.occurred.time() {
            Some(_) => put(Field::OccurredAt, Some(record.occurred.to_string())),
            None => put(Field::OccurredOn, Some(record.occurred.date().to_string())),
        }
        if let Some(point) = record.location {
            put(Field::Latitude, Some(point.lat.degrees().to_string()));
            put(Field::Longitude, Some(point.lon.degrees().to_string()));
            put(
                Field::LocationPrecision,
                Some(record.location_precision.as_str().to_owned()),
            );
        }
        put(Field::Community, Some(record.community.clone()));
        put(
            Field::CommunityPcode,
            record
                .community_pcode
                .as_ref()
                .map(|p| p.as_str().to_owned()),
        );
        put(Field::Admin1, record.admin1.clone());
        put(Field::Admin2, record.admin2.clone());
        put(Field::Admin3, record.admin3.clone());
        for (field, slug) in [
            (Field::PlaceType, &record.place_type),
            (Field::Perpetrator, &record.perpetrator),
            (Field::Weapon, &record.weapon),
            (Field::Cause, &record.cause),
            (Field::Vehicle, &record.vehicle),
        ] {
            put(field, slug.as_ref().map(ToString::to_string));
        }
        for (field, count) in [
            (Field::Killed, counts.killed),
            (Field::KilledWomen, counts.killed_women),
            (Field::KilledChildren, counts.killed_children),
            (Field::Injured, counts.injured),
            (Field::InjuredWomen, counts.injured_women),
            (Field::InjuredChildren, counts.injured_children),
        ] {
            put(field, Some(count.to_string()));
        }
        put(Field::Notes, record.notes.clone());
        draft
    }

    /// The fields whose text differs in `after`, in field order: what an update changed,
    /// as the change log records it.
    pub fn changes_to(&self, after: &Self) -> Vec<FieldChange> {
        Field::ALL
            .iter()
            .zip(self.values.iter().zip(&after.values))
            .filter(|(_, (before, after))| before != after)
            .map(|(field, (before, after))| FieldChange {
                field: field.as_str().to_owned(),
                before: (!before.is_empty()).then(|| before.clone()),
                after: (!after.is_empty()).then(|| after.clone()),
            })
            .collect()
    }
}
