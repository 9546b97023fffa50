//! The fields an incident is written with, by name and in order.

/// A field an incident is written with, in files and in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
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
    pub(super) const ALL: [Self; 27] = [
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
    pub(super) const fn as_str(self) -> &'static str {
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
    pub(super) fn parse(name: &str) -> Option<Self> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
