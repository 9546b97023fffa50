//! Positions, the study area's bounding box, and distances on the sphere.
//!
//! Distances are great-circle distances on a sphere of radius [`EARTH_RADIUS_KM`] (the
//! authalic radius H3 uses). Neighbour searches compare chord lengths between unit vectors
//! instead, which order pairs exactly as great-circle distances do and need no
//! trigonometry per pair.

use serde::Serialize;

use crate::error::{Error, Result};

/// The radius of the sphere distances are measured on, in kilometres (the WGS 84 authalic
/// radius, as H3 uses).
pub const EARTH_RADIUS_KM: f64 = h3o::EARTH_RADIUS_KM;

/// A position in degrees of WGS 84 longitude and latitude.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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

    /// The great-circle distance to another position, in kilometres.
    pub fn distance_km(self, other: Self) -> f64 {
        chord_to_km(chord_squared(
            unit_vector(self.lon, self.lat),
            unit_vector(other.lon, other.lat),
        ))
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

/// The study area: a rectangle in longitude and latitude, edges included. It may not
/// cross the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BoundingBox {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
}

impl BoundingBox {
    /// A bounding box from its west, south, east and north edges in degrees.
    ///
    /// # Errors
    /// [`Error::InvalidBoundingBox`] if an edge is not finite or outside the globe, or if
    /// west is not less than east or south not less than north.
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> Result<Self> {
        let invalid = |reason| Error::InvalidBoundingBox {
            west,
            south,
            east,
            north,
            reason,
        };
        if ![west, south, east, north].iter().all(|v| v.is_finite()) {
            return Err(invalid("every edge must be a finite number of degrees"));
        }
        if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
            return Err(invalid("west and east must be from -180 to 180"));
        }
        if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
            return Err(invalid("south and north must be from -90 to 90"));
        }
        if west >= east {
            return Err(invalid(
                "west must be less than east (boxes across the antimeridian are not supported)",
            ));
        }
        if south >= north {
            return Err(invalid("south must be less than north"));
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    /// West edge, degrees.
    pub fn west(&self) -> f64 {
        self.west
    }

    /// South edge, degrees.
    pub fn south(&self) -> f64 {
        self.south
    }

    /// East edge, degrees.
    pub fn east(&self) -> f64 {
        self.east
    }

    /// North edge, degrees.
    pub fn north(&self) -> f64 {
        self.north
    }

    /// Whether a position lies inside, edges included.
    pub fn contains(&self, position: LonLat) -> bool {
        position.lon >= self.west
            && position.lon <= self.east
            && position.lat >= self.south
            && position.lat <= self.north
    }

    /// The area on the sphere, in square kilometres.
    pub fn area_km2(&self) -> f64 {
        EARTH_RADIUS_KM
            * EARTH_RADIUS_KM
            * (self.east - self.west).to_radians()
            * (self.north.to_radians().sin() - self.south.to_radians().sin())
    }
}

/// The unit vector (x, y, z) of a position in degrees.
pub(crate) fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

/// The squared chord length between two unit vectors.
pub(crate) fn chord_squared(a: [f64; 3], b: [f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    dx * dx + dy * dy + dz * dz
}

/// The great-circle distance in kilometres of a squared chord between unit vectors.
pub(crate) fn chord_to_km(chord_squared: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord_squared.sqrt() / 2.0).min(1.0).asin()
}

/// The squared chord between unit vectors of a great-circle distance in kilometres (at
/// most half the circumference).
pub(crate) fn km_to_chord_squared(km: f64) -> f64 {
    let chord = 2.0 * (km / (2.0 * EARTH_RADIUS_KM)).sin();
    chord * chord
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub(crate) fn normalised(a: [f64; 3]) -> [f64; 3] {
    let length = dot(a, a).sqrt();
    [a[0] / length, a[1] / length, a[2] / length]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degree_of_latitude_is_about_111_km() {
        let d = LonLat::new(36.0, 35.0).distance_km(LonLat::new(36.0, 36.0));
        assert!((d - 111.195).abs() < 0.01, "{d}");
    }

    #[test]
    fn chords_and_kilometres_round_trip() {
        for km in [0.001, 1.0, 10.0, 250.0, 1000.0] {
            let back = chord_to_km(km_to_chord_squared(km));
            assert!((back - km).abs() < 1e-9 * km.max(1.0), "{km} -> {back}");
        }
    }

    #[test]
    fn boxes_across_the_antimeridian_are_rejected() {
        assert!(matches!(
            BoundingBox::new(179.0, 0.0, -179.0, 1.0),
            Err(Error::InvalidBoundingBox { .. })
        ));
    }

    #[test]
    fn boxes_with_non_finite_edges_are_rejected() {
        assert!(BoundingBox::new(f64::NAN, 0.0, 1.0, 1.0).is_err());
        assert!(BoundingBox::new(0.0, 0.0, 1.0, 91.0).is_err());
        assert!(BoundingBox::new(0.0, 1.0, 1.0, 1.0).is_err());
    }

    #[test]
    fn box_edges_are_inside() {
        let bbox = BoundingBox::new(35.7, 35.3, 37.6, 36.75).unwrap();
        assert!(bbox.contains(LonLat::new(35.7, 35.3)));
        assert!(bbox.contains(LonLat::new(37.6, 36.75)));
        assert!(!bbox.contains(LonLat::new(37.600_001, 36.0)));
    }
}
