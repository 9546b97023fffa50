//! Communities: the places incidents are counted by.

use athar_core::Language;
use athar_core::geo::{LonLat, MEAN_EARTH_RADIUS_KM};

/// What kind of place a community is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityKind {
    /// A governorate or district seat, or a large town.
    City,
    /// A town.
    Town,
    /// A village, or a farm.
    Village,
    /// A displacement camp, or a cluster of camps.
    Camp,
    /// A neighbourhood of a city.
    Neighbourhood,
}

impl CommunityKind {
    /// Every kind, in the order of the schema's check.
    pub const ALL: [Self; 5] = [
        Self::City,
        Self::Town,
        Self::Village,
        Self::Camp,
        Self::Neighbourhood,
    ];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::Town => "town",
            Self::Village => "village",
            Self::Camp => "camp",
            Self::Neighbourhood => "neighbourhood",
        }
    }

    /// The kind a stored or written name stands for.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

/// Where a community came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityStatus {
    /// From an imported reference list (or the bundled gazetteer).
    Reference,
    /// Created from incidents whose name resolved to nothing.
    Learned,
    /// Accepted by a person.
    Confirmed,
}

impl CommunityStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reference => "reference",
            Self::Learned => "learned",
            Self::Confirmed => "confirmed",
        }
    }

    /// The status a stored name stands for.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Reference, Self::Learned, Self::Confirmed]
            .into_iter()
            .find(|status| status.as_str() == value)
    }
}

/// One level of the administrative areas a community lies in.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AdminArea {
    /// Its name (English, as OCHA lists write it).
    pub name: Option<String>,
    /// Its p-code (`SY07`, `SY0700`, `SY070000`).
    pub pcode: Option<String>,
}

/// A place incidents are counted by.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Community {
    /// Stable id: the p-code when the place has one, `geonames:<id>` for the bundled
    /// gazetteer, a generated id for learned places.
    pub id: String,
    /// OCHA p-code (`C4150`; camps may carry their own codes).
    pub pcode: Option<String>,
    /// Arabic name.
    pub name_ar: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Other names, in either script.
    pub alternate_names: Vec<String>,
    /// What kind of place it is.
    pub kind: CommunityKind,
    /// Where it came from.
    pub status: CommunityStatus,
    /// Longitude and latitude (WGS84), when known.
    pub lon_lat: Option<(f64, f64)>,
    /// Governorate.
    pub admin1: AdminArea,
    /// District.
    pub admin2: AdminArea,
    /// Sub-district.
    pub admin3: AdminArea,
}

impl Community {
    /// Every name the place is known by: Arabic, English, then the alternates.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.name_ar
            .iter()
            .chain(&self.name_en)
            .chain(&self.alternate_names)
            .map(String::as_str)
    }

    /// The name to show in a language, falling back to the other.
    pub fn display_name(&self, language: Language) -> &str {
        let (first, second) = match language {
            Language::Arabic => (&self.name_ar, &self.name_en),
            Language::English => (&self.name_en, &self.name_ar),
        };
        first
            .as_deref()
            .or(second.as_deref())
            .or(self.alternate_names.first().map(String::as_str))
            .unwrap_or(&self.id)
    }
}

/// Great-circle distance in kilometres between two lon/lat points: the haversine formula
/// on the sphere of the mean Earth radius, 6,371 km (the resolver's distances have always
/// been these; hotspot analysis measures on H3's sphere instead, see [`athar_core::geo`]).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    LonLat::from(a).haversine_km(b.into(), MEAN_EARTH_RADIUS_KM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_known_ones() {
        // Idlib to Aleppo, about 58 km.
        let d = distance_km((36.6339, 35.9306), (37.1612, 36.2021));
        assert!((d - 56.0).abs() < 4.0, "{d}");
        assert!(distance_km((36.0, 35.0), (36.0, 35.0)).abs() < 1e-9);
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for kind in CommunityKind::ALL {
            assert_eq!(CommunityKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(CommunityKind::parse("Camp"), Some(CommunityKind::Camp));
        assert_eq!(CommunityKind::parse("hamlet"), None);
        assert_eq!(
            CommunityStatus::parse("learned"),
            Some(CommunityStatus::Learned)
        );
    }
}
