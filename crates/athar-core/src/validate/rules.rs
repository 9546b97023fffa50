//! The rules of an incident: a draft validated into a record, or every rule it breaks.

use chrono::NaiveDate;

use super::context::{NameContext, ResolvedCommunity, ValidationContext};
use super::field::Field;
use crate::{
    Casualties, CasualtyCounts, FieldError, IncidentDraft, IncidentRecord, LocationPrecision,
    OccurredAt, Pcode, Point, TimePrecision, ValueError, Vocabularies, VocabularyName,
};
use crate::{Latitude, Longitude};

impl IncidentDraft {
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
            let applies_to = vocabulary.kinds();
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
