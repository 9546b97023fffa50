//! Geography every crate shares: WGS 84 positions (checked [`Point`]s of [`Latitude`] and
//! [`Longitude`], plain [`LonLat`] degrees), [`BoundingBox`]es, great-circle distances on
//! a spherical Earth, and Web Mercator.

mod bounding_box;
mod mercator;
mod sphere;

pub use bounding_box::{BoundingBox, BoxProblem};
pub use mercator::{
    MERCATOR_HALF_WORLD, MERCATOR_MAX_LATITUDE, MERCATOR_RADIUS, lon_lat_to_mercator,
    mercator_to_lon_lat,
};
pub use sphere::{
    EARTH_RADIUS_KM, KM_PER_DEGREE, MEAN_EARTH_RADIUS_KM, chord_to_km, km_to_chord_squared,
    unit_vector,
};

use crate::ValueError;

fn parse_number(value: &str) -> Result<f64, ValueError> {
    let number: f64 = value.trim().parse().map_err(|_| ValueError::NotANumber {
        value: value.to_owned(),
    })?;
    if number.is_finite() {
        Ok(number)
    } else {
        Err(ValueError::NotANumber {
            value: value.to_owned(),
        })
    }
}

macro_rules! bounded_degrees {
    ($name:ident, $limit:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(f64);

        impl $name {
            /// The largest magnitude allowed, in degrees.
            pub const LIMIT: f64 = $limit;

            /// Parses decimal degrees from text.
            pub fn parse(value: &str) -> Result<Self, ValueError> {
                Self::try_from(parse_number(value)?)
            }

            /// The value in decimal degrees.
            pub fn degrees(self) -> f64 {
                self.0
            }
        }

        impl TryFrom<f64> for $name {
            type Error = ValueError;

            fn try_from(value: f64) -> Result<Self, ValueError> {
                if value.is_finite() && (-Self::LIMIT..=Self::LIMIT).contains(&value) {
                    Ok(Self(value))
                } else {
                    Err(ValueError::OutOfRange {
                        value: value.to_string(),
                        min: (-Self::LIMIT).to_string(),
                        max: Self::LIMIT.to_string(),
                    })
                }
            }
        }
    };
}

bounded_degrees!(
    Latitude,
    90.0,
    "A WGS84 latitude in decimal degrees, in [-90, 90]."
);
bounded_degrees!(
    Longitude,
    180.0,
    "A WGS84 longitude in decimal degrees, in [-180, 180]."
);

/// A WGS84 point.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Point {
    /// Longitude.
    pub lon: Longitude,
    /// Latitude.
    pub lat: Latitude,
}

impl Point {
    /// A point from longitude and latitude in degrees, checked.
    pub fn from_degrees(lon: f64, lat: f64) -> Result<Self, ValueError> {
        Ok(Self {
            lon: Longitude::try_from(lon)?,
            lat: Latitude::try_from(lat)?,
        })
    }
}

/// A position in degrees of WGS 84 longitude and latitude, as given (see
/// [`LonLat::is_valid`]; a [`Point`] is always valid).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct LonLat {
    /// Longitude, degrees east.
    pub lon: f64,
    /// Latitude, degrees north.
    pub lat: f64,
}

impl LonLat {
    /// A position from a longitude and a latitude in degrees.
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// Whether the position is a finite longitude from -180 to 180 and latitude from -90
    /// to 90.
    pub fn is_valid(self) -> bool {
        (-180.0..=180.0).contains(&self.lon) && (-90.0..=90.0).contains(&self.lat)
    }
}

impl From<(f64, f64)> for LonLat {
    /// From `(longitude, latitude)`.
    fn from((lon, lat): (f64, f64)) -> Self {
        Self { lon, lat }
    }
}

impl From<[f64; 2]> for LonLat {
    /// From `[longitude, latitude]`.
    fn from([lon, lat]: [f64; 2]) -> Self {
        Self { lon, lat }
    }
}

impl From<Point> for LonLat {
    fn from(point: Point) -> Self {
        Self::new(point.lon.degrees(), point.lat.degrees())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn latitude_beyond_the_poles_is_rejected() {
        assert!(Latitude::parse("90.0001").is_err());
        assert!(Latitude::parse("-91").is_err());
        assert_eq!(Latitude::parse(" 36.2 ").map(Latitude::degrees), Ok(36.2));
    }

    #[test]
    fn non_numbers_and_infinities_are_rejected() {
        assert!(matches!(
            Longitude::parse("east"),
            Err(ValueError::NotANumber { .. })
        ));
        assert!(Longitude::parse("inf").is_err());
        assert!(Longitude::parse("NaN").is_err());
        assert!(Longitude::parse("180.5").is_err());
    }

    proptest! {
        #[test]
        fn every_accepted_latitude_is_within_range(value in proptest::num::f64::ANY) {
            if let Ok(latitude) = Latitude::try_from(value) {
                prop_assert!((-90.0..=90.0).contains(&latitude.degrees()));
            }
        }
    }
}
