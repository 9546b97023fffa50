//! The study area's checks, and vector algebra on the unit sphere.
//!
//! Positions, bounding boxes and great-circle distances are athar-core's
//! ([`athar_core::geo`]): distances on the sphere of [`EARTH_RADIUS_KM`] (the authalic
//! radius H3 uses), neighbour searches by chord lengths between unit vectors.

use athar_core::geo::BoxProblem;
pub use athar_core::geo::{BoundingBox, EARTH_RADIUS_KM, LonLat};
pub(crate) use athar_core::geo::{KM_PER_DEGREE, chord_to_km, km_to_chord_squared, unit_vector};

use crate::error::{Error, Result};

// The sphere of the distances is the one H3 measures cells on.
const _: () = assert!(EARTH_RADIUS_KM == h3o::EARTH_RADIUS_KM);

/// The study area: a bounding box from its west, south, east and north edges in degrees,
/// checked.
///
/// # Errors
/// [`Error::InvalidBoundingBox`] if an edge is not finite or outside the globe, or if
/// west is not less than east or south not less than north.
pub fn study_area(west: f64, south: f64, east: f64, north: f64) -> Result<BoundingBox> {
    let bbox = BoundingBox::new(west, south, east, north);
    check_area(&bbox)?;
    Ok(bbox)
}

/// Whether a bounding box can be a study area (see [`study_area`]).
pub(crate) fn check_area(bbox: &BoundingBox) -> Result<()> {
    let Some(problem) = bbox.problem(90.0) else {
        return Ok(());
    };
    Err(Error::InvalidBoundingBox {
        west: bbox.west,
        south: bbox.south,
        east: bbox.east,
        north: bbox.north,
        reason: match problem {
            BoxProblem::NotFinite => "every edge must be a finite number of degrees",
            BoxProblem::Longitude => "west and east must be from -180 to 180",
            BoxProblem::Latitude => "south and north must be from -90 to 90",
            BoxProblem::WestNotLessThanEast => {
                "west must be less than east (boxes across the antimeridian are not supported)"
            }
            BoxProblem::SouthNotLessThanNorth => "south must be less than north",
        },
    })
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
    fn boxes_across_the_antimeridian_are_rejected() {
        assert!(matches!(
            study_area(179.0, 0.0, -179.0, 1.0),
            Err(Error::InvalidBoundingBox { .. })
        ));
    }

    #[test]
    fn boxes_with_non_finite_edges_are_rejected() {
        assert!(study_area(f64::NAN, 0.0, 1.0, 1.0).is_err());
        assert!(study_area(0.0, 0.0, 1.0, 91.0).is_err());
        assert!(study_area(0.0, 1.0, 1.0, 1.0).is_err());
    }
}
