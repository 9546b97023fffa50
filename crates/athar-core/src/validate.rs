//! From raw field values to a valid [`IncidentRecord`].
//!
//! Readers of every format fill an [`IncidentDraft`] with the text of each field, then call
//! [`IncidentDraft::validate`], which checks every rule of the domain and returns either the
//! record or every [`FieldError`] at once, so that a person fixing a spreadsheet sees all
//! that is wrong with a row in one pass.

use chrono::NaiveDate;

use crate::{
    Casualties, CasualtyCounts, FieldError, IncidentRecord, LocationPrecision, OccurredAt, Pcode,
    Point, TimePrecision, ValueError, Vocabularies, VocabularyName,
};
use crate::{Latitude, Longitude};

/// A field an incident is written with, in files and in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Source,
    SourceId,
    Kind,
    OccurredOn,
    OccurredAt,
    TimePrecision,
    Latitude,
    Longitude,
    LocationPrecision,
    Community,
    CommunityPcode,
    Admin1,
    Admin2,
    Admin3,
    PlaceType,
    Perpetrator,
    Weapon,
    Cause,
    Vehicle,
    Killed,
    KilledWomen,
    KilledChildren,
    Injured,
    InjuredWomen,
    InjuredChildren,
    Notes,
    Id,
}

impl Field {
    /// Every field, in the order of [`FIELDS`].
    const ALL: [Self; 27] = [
        Self::Source,
        Self::SourceId,
        Self::Kind,
        Self::OccurredOn,
        Self::OccurredAt,
        Self::TimePrecision,
        Self::Latitude,
        Self::Longitude,
        Self::LocationPrecision,
        Self::Community,
        Self::CommunityPcode,
        Self::Admin1,
        Self::Admin2,
        Self::Admin3,
        Self::PlaceType,
        Self::Perpetrator,
        Self::Weapon,
        Self::Cause,
        Self::Vehicle,
        Self::Killed,
        Self::KilledWomen,
        Self::KilledChildren,
        Self::Injured,
        Self::InjuredWomen,
        Self::InjuredChildren,
        Self::Notes,
        Self::Id,
    ];

    /// The name, as in files and the API.
    const fn as_str(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::SourceId => "source_id",
            Self::Kind => "kind",
            Self::OccurredOn => "occurred_on",
            Self::OccurredAt => "occurred_at",
            Self::TimePrecision => "time_precision",
            Self::Latitude => "latitude",
            Self::Longitude => "longitude",
            Self::LocationPrecision => "location_precision",
            Self::Community => "community",
            Self::CommunityPcode => "community_pcode",
            Self::Admin1 => "admin1",
            Self::Admin2 => "admin2",
            Self::Admin3 => "admin3",
            Self::PlaceType => "place_type",
            Self::Perpetrator => "perpetrator",
            Self::Weapon => "weapon",
            Self::Cause => "cause",
            Self::Vehicle => "vehicle",
            Self::Killed => "killed",
            Self::KilledWomen => "killed_women",
            Self::KilledChildren => "killed_children",
            Self::Injured => "injured",
            Self::InjuredWomen => "injured_women",
            Self::InjuredChildren => "injured_children",
            Self::Notes => "notes",
            Self::Id => "id",
        }
    }

    /// The field with this name.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|field| field.as_str() == name)
    }
}

/// The fields an incident is written with, in files and in the API.
pub const FIELDS: [&str; Field::ALL.len()] = {
    let mut names = [""; Field::ALL.len()];
    let mut index = 0;
    while index < names.len() {
        names[index] = Field::ALL[index].as_str();
        index += 1;
    }
    names
};

/// Which kinds each kind-specific field applies to (domain.md: perpetrator and weapon for
/// attacks only, cause for fires and traffic accidents, vehicle for traffic accidents).
const KIND_SPECIFIC: [(VocabularyName, &[&str]); 4] = [
    (VocabularyName::Perpetrator, &["attack"]),
    (VocabularyName::Weapon, &["attack"]),
    (VocabularyName::Cause, &["fire", "traffic_accident"]),
    (VocabularyName::Vehicle, &["traffic_accident"]),
];

/// A place a community name resolved to.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCommunity {
    /// Its id in the gazetteer.
    pub community_id: String,
    /// How the name matched it.
    pub method: crate::ResolutionMethod,
    /// How sure, 0–1.
    pub score: f32,
    /// Its location, when known.
    pub point: Option<Point>,
    /// Its p-code, when known.
    pub pcode: Option<Pcode>,
    /// Governorate.
    pub admin1: Option<String>,
    /// District.
    pub admin2: Option<String>,
    /// Sub-district.
    pub admin3: Option<String>,
}

/// What is known where a name was written, to tell places of one name apart.
#[derive(Debug, Clone, Copy, Default)]
pub struct NameContext<'a> {
    /// A p-code written with it.
    pub pcode: Option<&'a Pcode>,
    /// The governorate written with it.
    pub admin1: Option<&'a str>,
    /// The incident's point.
    pub point: Option<Point>,
}

/// Turns community names into grouping keys and, when it knows the place, into places.
/// The gazetteer implements it.
pub trait CommunityResolver: Send + Sync {
    /// The normalised key under which every spelling of one name groups together.
    fn key(&self, name: &str) -> String;
    /// The place a name resolves to where it was written, if one is known.
    fn resolve(&self, name: &str, context: &NameContext<'_>) -> Option<ResolvedCommunity>;
}

/// What validation needs to know besides the row itself.
pub struct ValidationContext<'a> {
    /// The vocabularies terms must come from.
    pub vocabularies: &'a Vocabularies,
    /// Community keys and places.
    pub resolver: &'a dyn CommunityResolver,
    /// The source for rows that do not name one.
    pub default_source: Option<String>,
    /// Today, local: incidents cannot occur after tomorrow (a day of slack for time zones).
    pub today: NaiveDate,
}

impl<'a> ValidationContext<'a> {
    /// A context with the given vocabularies and community resolver, no default source, and
    /// today's date from the clock.
    pub fn new(vocabularies: &'a Vocabularies, resolver: &'a dyn CommunityResolver) -> Self {
        Self {
            vocabularies,
            resolver,
            default_source: None,
            today: chrono::Local::now().date_naive(),
        }
    }
}

/// One field of an incident changed by a write: its text before and after (`None`:
/// absent).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    fn value(&self, field: Field) -> Option<&str> {
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

    /// Checks every rule and returns the record, or every broken rule.
    pub fn validate(
        &self,
        context: &ValidationContext<'_>,
    ) -> Result<IncidentRecord, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, error: &dyn std::fmt::Display| {
            errors.push(FieldError::new(field, error));
        };

        if self.value(Field::Id).is_some() {
            fail(
                Field::Id.as_str(),
                &"ids are assigned by Athar; put your own id in source_id",
            );
        }
        let source = self
            .value(Field::Source)
            .map(str::to_owned)
            .or_else(|| context.default_source.clone());
        if source.is_none() {
            fail(
                Field::Source.as_str(),
                &"is required (the organisation or report the record came from)",
            );
        }
        let source_id = self.value(Field::SourceId).map(str::to_owned);
        if source_id
            .as_ref()
            .is_some_and(|id| id.chars().count() > 200)
        {
            fail(Field::SourceId.as_str(), &"is longer than 200 characters");
        }

        let vocabularies = context.vocabularies;
        let kind = match self.value(Field::Kind) {
            None => {
                fail(
                    Field::Kind.as_str(),
                    &format!(
                        "is required (allowed: {})",
                        slugs_of(vocabularies, VocabularyName::Kind)
                    ),
                );
                None
            }
            Some(value) => vocabularies
                .lookup(VocabularyName::Kind, value)
                .map_err(|e| fail(Field::Kind.as_str(), &e))
                .ok(),
        };

        let occurred = self.occurred(context.today, &mut fail);

        let community = self.value(Field::Community).map(str::to_owned);
        if community.is_none() {
            fail(
                Field::Community.as_str(),
                &"is required (the village, town or camp as reported)",
            );
        }
        let community_pcode = self.value(Field::CommunityPcode).and_then(|value| {
            Pcode::parse(value)
                .map_err(|e| fail(Field::CommunityPcode.as_str(), &e))
                .ok()
        });
        // The written point and governorate tell places of one name apart; bad values are
        // reported below, by `location`.
        let written_point = match (self.value(Field::Latitude), self.value(Field::Longitude)) {
            (Some(lat), Some(lon)) => match (Latitude::parse(lat), Longitude::parse(lon)) {
                (Ok(lat), Ok(lon)) => Some(Point { lon, lat }),
                _ => None,
            },
            _ => None,
        };
        let resolved = community.as_deref().and_then(|name| {
            context.resolver.resolve(
                name,
                &NameContext {
                    pcode: community_pcode.as_ref(),
                    admin1: self.value(Field::Admin1),
                    point: written_point,
                },
            )
        });
        let resolution = resolved
            .as_ref()
            .map(|place| crate::CommunityResolution {
                community_id: Some(place.community_id.clone()),
                method: place.method,
                score: place.score,
            })
            .unwrap_or_default();

        let (location, location_precision) =
            self.location(community.as_deref(), resolved.as_ref(), &mut fail);

        let mut term = |vocabulary: VocabularyName| {
            let value = self.get(vocabulary.as_str())?;
            let slug = vocabularies
                .lookup(vocabulary, value)
                .map_err(|e| fail(vocabulary.as_str(), &e))
                .ok()?;
            let applies_to = KIND_SPECIFIC
                .iter()
                .find(|(name, _)| *name == vocabulary)
                .map(|(_, kinds)| *kinds);
            if let (Some(kinds), Some(kind)) = (applies_to, kind.as_ref())
                && !kinds.contains(&kind.as_str())
            {
                fail(
                    vocabulary.as_str(),
                    &format!(
                        "applies only to kind {}, not to '{kind}'",
                        kinds.join(" or ")
                    ),
                );
                return None;
            }
            Some(slug)
        };
        let place_type = term(VocabularyName::PlaceType);
        let perpetrator = term(VocabularyName::Perpetrator);
        let weapon = term(VocabularyName::Weapon);
        let cause = term(VocabularyName::Cause);
        let vehicle = term(VocabularyName::Vehicle);

        let casualties = self.casualties(&mut fail);

        let text = |field: Field| self.value(field).map(str::to_owned);
        let admin = |field: Field, from_gazetteer: Option<&String>| {
            text(field).or_else(|| from_gazetteer.cloned())
        };
        let admin1 = admin(
            Field::Admin1,
            resolved.as_ref().and_then(|r| r.admin1.as_ref()),
        );
        let admin2 = admin(
            Field::Admin2,
            resolved.as_ref().and_then(|r| r.admin2.as_ref()),
        );
        let admin3 = admin(
            Field::Admin3,
            resolved.as_ref().and_then(|r| r.admin3.as_ref()),
        );
        let notes = text(Field::Notes);

        match (
            source,
            kind,
            occurred,
            community,
            location_precision,
            casualties,
        ) {
            (
                Some(source),
                Some(kind),
                Some(occurred),
                Some(community),
                Some(location_precision),
                Some(casualties),
            ) if errors.is_empty() => {
                let community_key = context.resolver.key(&community);
                Ok(IncidentRecord {
                    source,
                    source_id,
                    kind,
                    occurred,
                    location,
                    location_precision,
                    community_key,
                    community_pcode: community_pcode.or_else(|| resolved.and_then(|r| r.pcode)),
                    community,
                    admin1,
                    admin2,
                    admin3,
                    place_type,
                    perpetrator,
                    weapon,
                    cause,
                    vehicle,
                    casualties,
                    notes,
                    resolution,
                })
            }
            _ => Err(errors),
        }
    }

    fn occurred(
        &self,
        today: NaiveDate,
        fail: &mut impl FnMut(&str, &dyn std::fmt::Display),
    ) -> Option<OccurredAt> {
        let date = self.value(Field::OccurredOn).and_then(|value| {
            OccurredAt::parse_date(value)
                .map_err(|e| fail(Field::OccurredOn.as_str(), &e))
                .ok()
        });
        let at = self.value(Field::OccurredAt).and_then(|value| {
            OccurredAt::parse(value)
                .map_err(|e| fail(Field::OccurredAt.as_str(), &e))
                .ok()
        });
        if self.value(Field::OccurredOn).is_none() && self.value(Field::OccurredAt).is_none() {
            fail(
                Field::OccurredOn.as_str(),
                &"is required (a date, YYYY-MM-DD, or occurred_at with a time)",
            );
            return None;
        }
        let mut occurred = match (date, at) {
            (Some(date), Some(at)) if at.date() != date => {
                fail(
                    Field::OccurredAt.as_str(),
                    &format!("falls on {}, but occurred_on says {date}", at.date()),
                );
                return None;
            }
            (_, Some(at)) => at,
            (Some(date), None) => OccurredAt::day(date),
            (None, None) => return None,
        };
        match self
            .value(Field::TimePrecision)
            .map(|value| (value, TimePrecision::parse(value)))
        {
            None | Some((_, Some(TimePrecision::Minute)))
                if occurred.precision() == TimePrecision::Minute => {}
            None => {}
            Some((_, Some(TimePrecision::Day))) => occurred = occurred.to_day(),
            Some((_, Some(TimePrecision::Minute))) => {
                fail(
                    Field::TimePrecision.as_str(),
                    &"is 'minute', but no time of day is given (use occurred_at)",
                );
                return None;
            }
            Some((value, None)) => {
                fail(
                    Field::TimePrecision.as_str(),
                    &format!("'{value}' is not a time precision (allowed: day, minute)"),
                );
                return None;
            }
        }
        if occurred.date() > today.succ_opt().unwrap_or(today) {
            fail(
                if self.value(Field::OccurredAt).is_some() {
                    Field::OccurredAt.as_str()
                } else {
                    Field::OccurredOn.as_str()
                },
                &format!("{} is in the future", occurred.date()),
            );
            return None;
        }
        Some(occurred)
    }

    fn location(
        &self,
        community: Option<&str>,
        resolved: Option<&ResolvedCommunity>,
        fail: &mut impl FnMut(&str, &dyn std::fmt::Display),
    ) -> (Option<Point>, Option<LocationPrecision>) {
        let latitude = self.value(Field::Latitude).and_then(|value| {
            Latitude::parse(value)
                .map_err(|e| fail(Field::Latitude.as_str(), &e))
                .ok()
        });
        let longitude = self.value(Field::Longitude).and_then(|value| {
            Longitude::parse(value)
                .map_err(|e| fail(Field::Longitude.as_str(), &e))
                .ok()
        });
        let stated = match self.value(Field::LocationPrecision) {
            None => None,
            Some(value) => {
                let Some(precision) = LocationPrecision::parse(value) else {
                    fail(
                        Field::LocationPrecision.as_str(),
                        &format!(
                            "'{value}' is not a location precision (allowed: exact, community, admin)"
                        ),
                    );
                    return (None, None);
                };
                Some(precision)
            }
        };
        match (self.value(Field::Latitude), self.value(Field::Longitude)) {
            (Some(_), None) => {
                fail(
                    Field::Longitude.as_str(),
                    &"is missing while latitude is given (give both or neither)",
                );
                (None, None)
            }
            (None, Some(_)) => {
                fail(
                    Field::Latitude.as_str(),
                    &"is missing while longitude is given (give both or neither)",
                );
                (None, None)
            }
            (Some(_), Some(_)) => match (latitude, longitude) {
                (Some(lat), Some(lon)) => (
                    Some(Point { lon, lat }),
                    Some(stated.unwrap_or(LocationPrecision::Exact)),
                ),
                _ => (None, None),
            },
            (None, None) => {
                if let Some(point) = resolved.and_then(|place| place.point) {
                    return (Some(point), Some(LocationPrecision::Community));
                }
                // A name no place is known for is kept, without a point, and shown for
                // review; it is located no better than its admin area.
                (None, community.map(|_| LocationPrecision::Admin))
            }
        }
    }

    fn casualties(
        &self,
        fail: &mut impl FnMut(&str, &dyn std::fmt::Display),
    ) -> Option<Casualties> {
        let mut ok = true;
        let mut count = |field: Field| -> u32 {
            match self.value(field) {
                None => 0,
                Some(value) => parse_count(value).unwrap_or_else(|error| {
                    fail(field.as_str(), &error);
                    ok = false;
                    0
                }),
            }
        };
        let counts = CasualtyCounts {
            killed: count(Field::Killed),
            killed_women: count(Field::KilledWomen),
            killed_children: count(Field::KilledChildren),
            injured: count(Field::Injured),
            injured_women: count(Field::InjuredWomen),
            injured_children: count(Field::InjuredChildren),
        };
        if !ok {
            return None;
        }
        Casualties::new(counts)
            .map_err(|errors| {
                for (field, error) in errors {
                    fail(field, &error);
                }
            })
            .ok()
    }
}

fn parse_count(value: &str) -> Result<u32, ValueError> {
    // Spreadsheets export whole numbers as `3.0`; accept that, nothing fractional.
    let trimmed = value.trim();
    let whole = trimmed.strip_suffix(".0").unwrap_or(trimmed);
    whole
        .parse::<u32>()
        .ok()
        .filter(|count| u16::try_from(*count).is_ok())
        .ok_or_else(|| ValueError::NotACount {
            value: value.to_owned(),
        })
}

fn slugs_of(vocabularies: &Vocabularies, vocabulary: VocabularyName) -> String {
    vocabularies
        .terms_of(vocabulary)
        .map(|term| term.slug.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys names by folding case; knows one place, "Known Town".
    struct TestResolver;

    impl CommunityResolver for TestResolver {
        fn key(&self, name: &str) -> String {
            name.to_lowercase()
        }
        fn resolve(&self, name: &str, _: &NameContext<'_>) -> Option<ResolvedCommunity> {
            (name == "Known Town").then(|| ResolvedCommunity {
                community_id: "C1234".into(),
                method: crate::ResolutionMethod::Exact,
                score: 1.0,
                point: Some(Point::from_degrees(36.6, 35.9).unwrap()),
                pcode: Some(Pcode::parse("C1234").unwrap()),
                admin1: Some("Idlib".into()),
                admin2: None,
                admin3: None,
            })
        }
    }

    #[test]
    fn every_field_is_found_by_its_name_at_its_place_in_the_list() {
        for (index, field) in Field::ALL.into_iter().enumerate() {
            assert_eq!(field as usize, index, "{field:?}");
            assert_eq!(FIELDS[index], field.as_str());
            assert_eq!(Field::parse(field.as_str()), Some(field));
        }
        assert_eq!(Field::parse("sources"), None);
        assert_eq!(Field::parse(""), None);
    }

    /// Files are read, errors written and changes logged with these names, in this order.
    #[test]
    fn the_field_names_are_those_published() {
        assert_eq!(
            FIELDS.join(", "),
            "source, source_id, kind, occurred_on, occurred_at, time_precision, latitude, \
             longitude, location_precision, community, community_pcode, admin1, admin2, admin3, \
             place_type, perpetrator, weapon, cause, vehicle, killed, killed_women, \
             killed_children, injured, injured_women, injured_children, notes, id"
        );
    }

    #[test]
    fn a_reused_draft_keeps_nothing_from_the_row_before() {
        let vocabularies = Vocabularies::defaults();
        let mut reused = draft(&[("notes", "first row's note"), ("killed", "3")]);
        reused.reset();
        for (field, value) in VALID {
            reused.set(field, value).unwrap();
        }
        reused.set("notes", "  ").unwrap();
        let fresh = draft(&[]);
        assert_eq!(reused, fresh);
        let record = reused.validate(&context(&vocabularies)).unwrap();
        assert_eq!(record.notes, None);
        assert_eq!(record.casualties.counts().killed, 0);
    }

    fn context(vocabularies: &Vocabularies) -> ValidationContext<'_> {
        ValidationContext {
            vocabularies,
            resolver: &TestResolver,
            default_source: None,
            today: NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        }
    }

    /// The fields of a valid draft, which tests add to or override.
    const VALID: [(&str, &str); 6] = [
        ("source", "test"),
        ("kind", "attack"),
        ("occurred_on", "2024-04-12"),
        ("community", "Kafr Nabl"),
        ("latitude", "35.61"),
        ("longitude", "36.56"),
    ];

    fn draft(fields: &[(&str, &str)]) -> IncidentDraft {
        let mut draft = IncidentDraft::default();
        for (field, value) in VALID.iter().chain(fields) {
            draft.set(field, value).unwrap();
        }
        draft
    }

    fn errors(fields: &[(&str, &str)]) -> Vec<(String, String)> {
        let vocabularies = Vocabularies::defaults();
        draft(fields)
            .validate(&context(&vocabularies))
            .expect_err("the draft should be rejected")
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    fn valid(fields: &[(&str, &str)]) -> IncidentRecord {
        let vocabularies = Vocabularies::defaults();
        draft(fields)
            .validate(&context(&vocabularies))
            .expect("the draft should be valid")
    }

    fn fields_at_fault(fields: &[(&str, &str)]) -> Vec<String> {
        errors(fields).into_iter().map(|(field, _)| field).collect()
    }

    #[test]
    fn changes_between_records_name_each_changed_field_with_both_texts() {
        let before = valid(&[("killed", "2"), ("notes", "قصف")]);
        let after = valid(&[("killed", "3"), ("weapon", "drone")]);
        let changes =
            IncidentDraft::from_record(&before).changes_to(&IncidentDraft::from_record(&after));
        let change = |field: &str, before: Option<&str>, after: Option<&str>| FieldChange {
            field: field.into(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        };
        assert_eq!(
            changes,
            [
                change("weapon", None, Some("drone")),
                change("killed", Some("2"), Some("3")),
                change("notes", Some("قصف"), None),
            ]
        );
        let same = IncidentDraft::from_record(&before);
        assert!(same.changes_to(&same.clone()).is_empty());
    }

    #[test]
    fn a_complete_attack_is_accepted_with_exact_location() {
        let record = valid(&[
            ("weapon", "قذائف مدفعية"),
            ("perpetrator", "government_forces"),
            ("killed", "2"),
        ]);
        assert_eq!(record.weapon.unwrap().as_str(), "artillery");
        assert_eq!(record.location_precision, LocationPrecision::Exact);
        assert_eq!(record.community_key, "kafr nabl");
        assert_eq!(record.occurred.precision(), TimePrecision::Day);
    }

    #[test]
    fn latitude_and_longitude_out_of_range_are_rejected() {
        assert_eq!(fields_at_fault(&[("latitude", "95")]), ["latitude"]);
        assert_eq!(fields_at_fault(&[("longitude", "-181")]), ["longitude"]);
        assert_eq!(fields_at_fault(&[("longitude", "east")]), ["longitude"]);
    }

    #[test]
    fn half_a_coordinate_pair_is_rejected() {
        let mut draft = draft(&[]);
        draft.set("longitude", "").unwrap();
        let vocabularies = Vocabularies::defaults();
        let errors = draft.validate(&context(&vocabularies)).unwrap_err();
        assert_eq!(errors[0].field, "longitude");
        assert!(errors[0].message.contains("give both or neither"));
    }

    #[test]
    fn no_coordinates_and_an_unknown_community_is_kept_without_a_point_for_review() {
        let mut draft = draft(&[]);
        draft.set("latitude", "").unwrap();
        draft.set("longitude", "").unwrap();
        let vocabularies = Vocabularies::defaults();
        let record = draft.validate(&context(&vocabularies)).unwrap();
        assert_eq!(record.location, None);
        assert_eq!(record.location_precision, LocationPrecision::Admin);
        assert_eq!(record.community, "Kafr Nabl");
        assert_eq!(record.resolution, crate::CommunityResolution::default());
    }

    #[test]
    fn no_coordinates_and_a_known_community_takes_its_place() {
        let mut draft = draft(&[("community", "Known Town")]);
        draft.set("latitude", "").unwrap();
        draft.set("longitude", "").unwrap();
        let vocabularies = Vocabularies::defaults();
        let record = draft.validate(&context(&vocabularies)).unwrap();
        assert_eq!(record.location_precision, LocationPrecision::Community);
        assert_eq!(record.resolution.community_id.as_deref(), Some("C1234"));
        assert_eq!(record.resolution.method, crate::ResolutionMethod::Exact);
        assert_eq!(record.community_pcode.unwrap().as_str(), "C1234");
        assert_eq!(record.admin1.as_deref(), Some("Idlib"));
    }

    #[test]
    fn casualty_subsets_above_their_totals_are_rejected() {
        assert_eq!(
            fields_at_fault(&[("killed", "1"), ("killed_women", "2")]),
            ["killed_women"]
        );
        assert_eq!(
            fields_at_fault(&[("injured", "2"), ("injured_children", "3")]),
            ["injured_children"]
        );
        assert_eq!(fields_at_fault(&[("killed", "-1")]), ["killed"]);
        assert_eq!(fields_at_fault(&[("injured", "1.5")]), ["injured"]);
        assert_eq!(valid(&[("killed", "3.0")]).casualties.killed(), 3);
    }

    #[test]
    fn unknown_vocabulary_terms_are_rejected_with_what_is_allowed() {
        let errors = errors(&[("weapon", "catapult")]);
        assert_eq!(errors[0].0, "weapon");
        assert!(errors[0].1.contains("allowed: "), "{}", errors[0].1);
        assert_eq!(fields_at_fault(&[("kind", "earthquake")]), ["kind"]);
        assert_eq!(fields_at_fault(&[("place_type", "castle")]), ["place_type"]);
    }

    #[test]
    fn kind_specific_fields_on_the_wrong_kind_are_rejected() {
        assert_eq!(
            fields_at_fault(&[("kind", "fire"), ("weapon", "drone")]),
            ["weapon"]
        );
        assert_eq!(
            fields_at_fault(&[("kind", "fire"), ("perpetrator", "unknown")]),
            ["perpetrator"]
        );
        assert_eq!(
            fields_at_fault(&[("kind", "attack"), ("cause", "gas_leak")]),
            ["cause"]
        );
        assert_eq!(
            fields_at_fault(&[("kind", "fire"), ("vehicle", "car")]),
            ["vehicle"]
        );
        let accident = valid(&[
            ("kind", "traffic_accident"),
            ("vehicle", "دراجة نارية"),
            ("cause", "speeding"),
        ]);
        assert_eq!(accident.vehicle.unwrap().as_str(), "motorcycle");
    }

    #[test]
    fn dates_must_exist_and_not_lie_in_the_future() {
        assert_eq!(
            fields_at_fault(&[("occurred_on", "2024-02-30")]),
            ["occurred_on"]
        );
        assert_eq!(
            fields_at_fault(&[("occurred_on", "2025-01-01")]),
            ["occurred_on"]
        );
        let mut no_date = draft(&[]);
        no_date.set("occurred_on", "").unwrap();
        let vocabularies = Vocabularies::defaults();
        assert_eq!(
            no_date.validate(&context(&vocabularies)).unwrap_err()[0].field,
            "occurred_on"
        );
    }

    #[test]
    fn occurred_at_gives_minute_precision_and_must_agree_with_occurred_on() {
        let record = valid(&[("occurred_at", "2024-04-12T14:30")]);
        assert_eq!(record.occurred.to_string(), "2024-04-12T14:30");
        assert_eq!(record.occurred.precision(), TimePrecision::Minute);
        assert_eq!(
            fields_at_fault(&[("occurred_at", "2024-04-13T01:00")]),
            ["occurred_at"]
        );
        let day = valid(&[
            ("occurred_at", "2024-04-12T14:30"),
            ("time_precision", "day"),
        ]);
        assert_eq!(day.occurred.precision(), TimePrecision::Day);
        assert_eq!(
            fields_at_fault(&[("time_precision", "minute")]),
            ["time_precision"]
        );
        assert_eq!(
            fields_at_fault(&[("time_precision", "hour")]),
            ["time_precision"]
        );
    }

    #[test]
    fn missing_source_kind_and_community_are_each_reported() {
        let mut empty = IncidentDraft::default();
        empty.set("occurred_on", "2024-01-01").unwrap();
        let vocabularies = Vocabularies::defaults();
        let fields: Vec<String> = empty
            .validate(&context(&vocabularies))
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["source", "kind", "community"]);
    }

    #[test]
    fn a_bad_pcode_and_an_own_id_are_rejected() {
        assert_eq!(
            fields_at_fault(&[("community_pcode", "Idlib")]),
            ["community_pcode"]
        );
        assert_eq!(fields_at_fault(&[("id", "123")]), ["id"]);
        assert_eq!(
            fields_at_fault(&[("location_precision", "rough")]),
            ["location_precision"]
        );
    }

    #[test]
    fn a_record_round_trips_through_its_draft() {
        let record = valid(&[
            ("occurred_at", "2024-04-12T14:30"),
            ("weapon", "drone"),
            ("killed", "2"),
            ("killed_children", "1"),
            ("community_pcode", "C1234"),
            ("notes", "x"),
        ]);
        let vocabularies = Vocabularies::defaults();
        let again = IncidentDraft::from_record(&record)
            .validate(&context(&vocabularies))
            .unwrap();
        assert_eq!(again, record);
    }

    #[test]
    fn unknown_fields_cannot_be_set() {
        let error = IncidentDraft::default().set("casualties", "3").unwrap_err();
        assert!(error.message.contains("known fields: source"), "{error}");
    }

    #[test]
    fn the_content_hash_changes_with_any_field_and_only_then() {
        let base = valid(&[("killed", "1")]);
        assert_eq!(
            base.content_hash(),
            valid(&[("killed", "1")]).content_hash()
        );
        assert_ne!(
            base.content_hash(),
            valid(&[("killed", "2")]).content_hash()
        );
        assert_ne!(
            base.content_hash(),
            valid(&[("killed", "1"), ("notes", "x")]).content_hash()
        );
    }

    #[test]
    fn the_content_hash_is_the_same_in_every_release() {
        // Stored with every incident: a new value would make every re-import an update.
        let hashes = [
            valid(&[("killed", "1")]).content_hash(),
            valid(&[
                ("source_id", "f-17"),
                ("occurred_at", "2024-04-12T21:40"),
                ("weapon", "drone"),
                ("perpetrator", "government_forces"),
                ("killed", "3"),
                ("killed_children", "1"),
                ("injured", "5"),
                ("notes", "قصف"),
                ("community", "Known Town"),
            ])
            .content_hash(),
        ];
        assert_eq!(
            hashes,
            [14_464_744_837_622_798_479, 6_186_184_960_555_981_192]
        );
    }
}
