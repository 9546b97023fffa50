//! The one filter every query path shares: items, counts, statistics, tiles, exports.
//!
//! A [`Filter`] is built from query parameters with [`Filter::apply_parameter`], which
//! names the parameter and what is allowed when a value is bad, and tested against a
//! record with [`Filter::matches`]. Stores and indexes may translate it into their own
//! queries, but `matches` is the reference they are tested against.

use chrono::NaiveDate;

use crate::{
    BoundingBox, CommunityResolver, FilterError, IncidentRecord, OccurredAt, Pcode, Slug,
    Vocabularies, VocabularyName,
};

/// The filter's area, `minLon,minLat,maxLon,maxLat` ([`BoundingBox::parse`]).
pub type BBox = BoundingBox;

/// Which incidents a query is about. Empty lists and `None` mean "any". Equal filters
/// hash alike, so a filter keys the caches of what is made from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Filter {
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// Kinds.
    pub kinds: Vec<Slug>,
    /// Area.
    pub bbox: Option<BBox>,
    /// Community, as the place its name (or id) resolved to: every incident counted under
    /// that place, whatever spelling it was reported with.
    pub community_id: Option<String>,
    /// Community, as the normalised key of a name no place was found for.
    pub community_key: Option<String>,
    /// Community p-code.
    pub pcode: Option<Pcode>,
    /// Governorate name (any case).
    pub admin1: Option<String>,
    /// Perpetrators.
    pub perpetrators: Vec<Slug>,
    /// Weapons.
    pub weapons: Vec<Slug>,
    /// Place types.
    pub place_types: Vec<Slug>,
    /// Causes.
    pub causes: Vec<Slug>,
    /// Vehicles.
    pub vehicles: Vec<Slug>,
}

/// The query parameters [`Filter::apply_parameter`] understands.
pub const FILTER_PARAMETERS: [&str; 14] = [
    "from",
    "to",
    "datetime",
    "kind",
    "bbox",
    "community",
    "pcode",
    "admin1",
    "perpetrator",
    "weapon",
    "place_type",
    "cause",
    "vehicle",
    "bbox-crs",
];

fn parse_day(parameter: &str, value: &str) -> Result<NaiveDate, FilterError> {
    OccurredAt::parse(value).map(|at| at.date()).map_err(|_| {
        FilterError::new(
            parameter,
            format!("'{value}' is not a date (expected YYYY-MM-DD)"),
        )
    })
}

impl Filter {
    /// Applies one query parameter. Returns `Ok(false)` when the parameter is not a filter
    /// parameter (the caller decides whether that is an error), and an error naming the
    /// parameter when its value is bad.
    pub fn apply_parameter(
        &mut self,
        name: &str,
        value: &str,
        vocabularies: &Vocabularies,
        resolver: &dyn CommunityResolver,
    ) -> Result<bool, FilterError> {
        let terms = |vocabulary: VocabularyName| -> Result<Vec<Slug>, FilterError> {
            value
                .split(',')
                .filter(|part| !part.trim().is_empty())
                .map(|part| {
                    vocabularies
                        .lookup(vocabulary, part)
                        .map_err(|e| FilterError::new(name, e))
                })
                .collect()
        };
        match name {
            "from" => self.from = Some(parse_day(name, value)?),
            "to" => self.to = Some(parse_day(name, value)?),
            "datetime" => {
                let (from, to) = match value.split_once('/') {
                    Some((start, end)) => (start, end),
                    None => (value, value),
                };
                let open = |side: &str| side.is_empty() || side == "..";
                if open(from) && open(to) && value.contains('/') && from.is_empty() && to.is_empty()
                {
                    return Err(FilterError::new(name, "an interval needs at least one end"));
                }
                self.from = if open(from) {
                    None
                } else {
                    Some(parse_day(name, from)?)
                };
                self.to = if open(to) {
                    None
                } else {
                    Some(parse_day(name, to)?)
                };
            }
            "kind" => self.kinds = terms(VocabularyName::Kind)?,
            "perpetrator" => self.perpetrators = terms(VocabularyName::Perpetrator)?,
            "weapon" => self.weapons = terms(VocabularyName::Weapon)?,
            "place_type" => self.place_types = terms(VocabularyName::PlaceType)?,
            "cause" => self.causes = terms(VocabularyName::Cause)?,
            "vehicle" => self.vehicles = terms(VocabularyName::Vehicle)?,
            "bbox" => self.bbox = Some(BBox::parse(value).map_err(|e| FilterError::new(name, e))?),
            "bbox-crs" => {
                if value != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
                    return Err(FilterError::new(
                        name,
                        "only http://www.opengis.net/def/crs/OGC/1.3/CRS84 is supported",
                    ));
                }
            }
            "community" => {
                if value.trim().is_empty() {
                    return Err(FilterError::new(name, "must not be empty"));
                }
                if let Some(place) = resolver.resolve(value, &crate::NameContext::default()) {
                    self.community_id = Some(place.community_id);
                    self.community_key = None;
                } else {
                    self.community_id = None;
                    self.community_key = Some(resolver.key(value));
                }
            }
            "pcode" => {
                self.pcode = Some(Pcode::parse(value).map_err(|e| FilterError::new(name, e))?);
            }
            "admin1" => {
                if value.trim().is_empty() {
                    return Err(FilterError::new(name, "must not be empty"));
                }
                self.admin1 = Some(value.trim().to_owned());
            }
            _ => return Ok(false),
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(FilterError::new(
                name,
                format!("the range is inverted: {from} is after {to}"),
            ));
        }
        Ok(true)
    }

    /// Whether a record passes the filter.
    pub fn matches(&self, record: &IncidentRecord) -> bool {
        let date = record.occurred.date();
        let one_of = |wanted: &[Slug], value: Option<&Slug>| {
            wanted.is_empty() || value.is_some_and(|value| wanted.contains(value))
        };
        self.from.is_none_or(|from| date >= from)
            && self.to.is_none_or(|to| date <= to)
            && one_of(&self.kinds, Some(&record.kind))
            && self
                .bbox
                .is_none_or(|bbox| record.location.is_some_and(|p| bbox.contains(p.into())))
            && self
                .community_key
                .as_ref()
                .is_none_or(|key| *key == record.community_key)
            && self
                .pcode
                .as_ref()
                .is_none_or(|pcode| record.community_pcode.as_ref() == Some(pcode))
            && self.admin1.as_ref().is_none_or(|admin1| {
                record
                    .admin1
                    .as_ref()
                    .is_some_and(|value| value.to_lowercase() == admin1.to_lowercase())
            })
            && one_of(&self.perpetrators, record.perpetrator.as_ref())
            && one_of(&self.weapons, record.weapon.as_ref())
            && one_of(&self.place_types, record.place_type.as_ref())
            && one_of(&self.causes, record.cause.as_ref())
            && one_of(&self.vehicles, record.vehicle.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ResolvedCommunity;

    struct Lowercase;
    impl CommunityResolver for Lowercase {
        fn key(&self, name: &str) -> String {
            name.trim().to_lowercase()
        }
        fn resolve(&self, _: &str, _: &crate::NameContext<'_>) -> Option<ResolvedCommunity> {
            None
        }
    }

    fn filter(pairs: &[(&str, &str)]) -> Result<Filter, FilterError> {
        let vocabularies = Vocabularies::defaults();
        let mut filter = Filter::default();
        for (name, value) in pairs {
            assert!(
                filter.apply_parameter(name, value, &vocabularies, &Lowercase)?,
                "{name}"
            );
        }
        Ok(filter)
    }

    #[test]
    fn an_inverted_date_range_names_the_parameter() {
        let error = filter(&[("from", "2024-05-01"), ("to", "2024-04-01")]).unwrap_err();
        assert_eq!(error.parameter, "to");
        assert!(error.message.contains("inverted"));
    }

    #[test]
    fn datetime_intervals_may_be_open_at_either_end() {
        let f = filter(&[("datetime", "2024-04-01/..")]).unwrap();
        assert_eq!(
            (f.from.map(|d| d.to_string()), f.to),
            (Some("2024-04-01".into()), None)
        );
        let f = filter(&[("datetime", "../2024-04-30T23:59:59Z")]).unwrap();
        assert_eq!(f.to.unwrap().to_string(), "2024-04-30");
        let f = filter(&[("datetime", "2024-04-03")]).unwrap();
        assert_eq!(f.from, f.to);
        assert!(filter(&[("datetime", "2024-04-31/..")]).is_err());
    }

    #[test]
    fn bad_bboxes_are_rejected() {
        for bad in [
            "1,2,3",
            "a,b,c,d",
            "36,37,35,38",
            "36,35,37,95",
            "-200,0,0,0",
        ] {
            let error = filter(&[("bbox", bad)]).unwrap_err();
            assert_eq!(error.parameter, "bbox", "{bad}");
        }
        assert!(filter(&[("bbox", "36,35,37,37")]).is_ok());
    }

    #[test]
    fn unknown_terms_in_lists_are_rejected_and_known_ones_kept() {
        let f = filter(&[("kind", "attack,fire")]).unwrap();
        assert_eq!(f.kinds.len(), 2);
        let error = filter(&[("weapon", "drone,trebuchet")]).unwrap_err();
        assert!(error.message.contains("'trebuchet'"), "{error}");
    }

    #[test]
    fn parameters_that_are_not_filters_are_left_to_the_caller() {
        let vocabularies = Vocabularies::defaults();
        let mut f = Filter::default();
        assert!(
            !f.apply_parameter("limit", "10", &vocabularies, &Lowercase)
                .unwrap()
        );
    }
}
