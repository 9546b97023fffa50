//! Great-circle distances on a spherical Earth.
//!
//! Two distances are kept, each where it has always been used, because they differ in
//! the last digits and those digits reach outputs:
//!
//! - [`LonLat::distance_km`]: on the sphere of [`EARTH_RADIUS_KM`] (the WGS 84 authalic
//!   radius, as H3 uses), through the chord between unit vectors. Hotspot analysis uses
//!   it, and its neighbour searches compare squared chords between [`unit_vector`]s
//!   ([`chord_to_km`], [`km_to_chord_squared`]), which order pairs exactly as the
//!   distances do and need no trigonometry per pair.
//! - [`LonLat::haversine_km`]: the haversine formula on a sphere of a given radius. The
//!   gazetteer uses it with [`MEAN_EARTH_RADIUS_KM`] for the distances of its candidates.

use super::LonLat;

/// The radius of the sphere hotspot distances are measured on, in kilometres: the WGS 84
/// authalic radius, as H3 uses (equal to `h3o::EARTH_RADIUS_KM`).
pub const EARTH_RADIUS_KM: f64 = 6_371.007_180_918_475;

/// Kilometres per degree along a great circle of the [`EARTH_RADIUS_KM`] sphere (a degree
/// of latitude).
pub const KM_PER_DEGREE: f64 = std::f64::consts::PI * EARTH_RADIUS_KM / 180.0;

/// The mean Earth radius in kilometres (IUGG), the sphere of the gazetteer's distances.
pub const MEAN_EARTH_RADIUS_KM: f64 = 6_371.0;

impl LonLat {
    /// The great-circle distance to another position, in kilometres, on the sphere of
    /// [`EARTH_RADIUS_KM`].
    pub fn distance_km(self, other: Self) -> f64 {
        chord_to_km(chord_squared(
            unit_vector(self.lon, self.lat),
            unit_vector(other.lon, other.lat),
        ))
    }

    /// The great-circle distance to another position by the haversine formula, on a
    /// sphere of `radius_km` (in the unit of the radius).
    pub fn haversine_km(self, other: Self, radius_km: f64) -> f64 {
        let (lon1, lat1) = (self.lon.to_radians(), self.lat.to_radians());
        let (lon2, lat2) = (other.lon.to_radians(), other.lat.to_radians());
        let h = ((lat2 - lat1) / 2.0).sin().powi(2)
            + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
        2.0 * radius_km * h.sqrt().asin()
    }
}

/// The unit vector (x, y, z) of a position in degrees.
pub fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

/// The squared chord length between two unit vectors.
fn chord_squared(a: [f64; 3], b: [f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    dx * dx + dy * dy + dz * dz
}

/// The great-circle distance in kilometres, on the [`EARTH_RADIUS_KM`] sphere, of a
/// squared chord between unit vectors.
pub fn chord_to_km(chord_squared: f64) -> f64 {
    2.0 * EARTH_RADIUS_KM * (chord_squared.sqrt() / 2.0).min(1.0).asin()
}

/// The squared chord between unit vectors of a great-circle distance in kilometres on the
/// [`EARTH_RADIUS_KM`] sphere (at most half the circumference).
pub fn km_to_chord_squared(km: f64) -> f64 {
    let chord = 2.0 * (km / (2.0 * EARTH_RADIUS_KM)).sin();
    chord * chord
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_degree_of_latitude_is_about_111_km() {
        let d = LonLat::new(36.0, 35.0).distance_km(LonLat::new(36.0, 36.0));
        assert!((d - 111.195).abs() < 0.01, "{d}");
        assert!((KM_PER_DEGREE - d).abs() < 1e-9, "{KM_PER_DEGREE}");
    }

    #[test]
    fn chords_and_kilometres_round_trip() {
        for km in [0.001, 1.0, 10.0, 250.0, 1000.0] {
            let back = chord_to_km(km_to_chord_squared(km));
            assert!((back - km).abs() < 1e-9 * km.max(1.0), "{km} -> {back}");
        }
    }
}
