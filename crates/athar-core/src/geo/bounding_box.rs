//! Rectangles in longitude and latitude.

use super::{EARTH_RADIUS_KM, LonLat};

/// A rectangle in degrees of WGS 84 longitude and latitude, edges included: a filter's
/// `bbox`, a hotspot study area, the area a static map shows. It may not cross the
/// antimeridian.
///
/// The edges are public and [`BoundingBox::new`] takes them as given: whoever needs a
/// usable area checks it ([`BoundingBox::problem`]), and [`BoundingBox::parse`] reads and
/// checks a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BoundingBox {
    /// West edge (longitude).
    pub west: f64,
    /// South edge (latitude).
    pub south: f64,
    /// East edge (longitude).
    pub east: f64,
    /// North edge (latitude).
    pub north: f64,
}

/// Boxes are compared by their coordinates, which are finite when they come from
/// [`BoundingBox::parse`] or pass [`BoundingBox::problem`], so equality is an
/// equivalence and a box can key a cache.
impl Eq for BoundingBox {}

impl std::hash::Hash for BoundingBox {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for value in [self.west, self.south, self.east, self.north] {
            // -0.0 == 0.0, so both hash alike.
            let value = if value == 0.0 { 0.0 } else { value };
            value.to_bits().hash(state);
        }
    }
}

/// What makes a [`BoundingBox`] unusable as an area, in the order it is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxProblem {
    /// An edge is not a finite number.
    NotFinite,
    /// West or east is outside -180 to 180.
    Longitude,
    /// South or north is outside the latitudes allowed.
    Latitude,
    /// West is not less than east: the box is empty or crosses the antimeridian.
    WestNotLessThanEast,
    /// South is not less than north: the box is empty.
    SouthNotLessThanNorth,
}

impl BoundingBox {
    /// A box from its west, south, east and north edges in degrees, as given.
    pub const fn new(west: f64, south: f64, east: f64, north: f64) -> Self {
        Self {
            west,
            south,
            east,
            north,
        }
    }

    /// Parses `minLon,minLat,maxLon,maxLat` in degrees (the `bbox` query parameter): four
    /// finite numbers, longitudes in [-180, 180], latitudes in [-90, 90], the minimum not
    /// above the maximum (a box may be a line or a point).
    pub fn parse(value: &str) -> Result<Self, String> {
        let parts: Vec<&str> = value.split(',').map(str::trim).collect();
        if parts.len() != 4 {
            return Err(format!(
                "'{value}' is not a bbox: expected four numbers minLon,minLat,maxLon,maxLat"
            ));
        }
        let mut numbers = [0.0; 4];
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            *slot = part
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("'{part}' in bbox is not a number"))?;
        }
        let [west, south, east, north] = numbers;
        if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
            return Err("bbox longitudes must lie in [-180, 180]".into());
        }
        if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
            return Err("bbox latitudes must lie in [-90, 90]".into());
        }
        if west > east || south > north {
            return Err(format!(
                "bbox '{value}' is inverted: the minimum must not exceed the maximum (minLon,minLat,maxLon,maxLat)"
            ));
        }
        Ok(Self::new(west, south, east, north))
    }

    /// What keeps the box from being an area with latitudes within ±`max_latitude`
    /// (90 on the globe, less for Web Mercator), or `None`: every edge finite, longitudes
    /// from -180 to 180, west less than east and south less than north.
    pub fn problem(&self, max_latitude: f64) -> Option<BoxProblem> {
        let Self {
            west,
            south,
            east,
            north,
        } = *self;
        if ![west, south, east, north].iter().all(|v| v.is_finite()) {
            Some(BoxProblem::NotFinite)
        } else if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
            Some(BoxProblem::Longitude)
        } else if !(-max_latitude..=max_latitude).contains(&south)
            || !(-max_latitude..=max_latitude).contains(&north)
        {
            Some(BoxProblem::Latitude)
        } else if west >= east {
            Some(BoxProblem::WestNotLessThanEast)
        } else if south >= north {
            Some(BoxProblem::SouthNotLessThanNorth)
        } else {
            None
        }
    }

    /// Whether a position lies inside, edges included.
    pub fn contains(&self, position: LonLat) -> bool {
        position.lon >= self.west
            && position.lon <= self.east
            && position.lat >= self.south
            && position.lat <= self.north
    }

    /// The area on the sphere of [`EARTH_RADIUS_KM`], in square kilometres.
    pub fn area_km2(&self) -> f64 {
        EARTH_RADIUS_KM
            * EARTH_RADIUS_KM
            * (self.east - self.west).to_radians()
            * (self.north.to_radians().sin() - self.south.to_radians().sin())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_edges_are_inside() {
        let bbox = BoundingBox::new(35.7, 35.3, 37.6, 36.75);
        assert!(bbox.contains(LonLat::new(35.7, 35.3)));
        assert!(bbox.contains(LonLat::new(37.6, 36.75)));
        assert!(!bbox.contains(LonLat::new(37.600_001, 36.0)));
        assert!(!bbox.contains(LonLat::new(f64::NAN, 36.0)));
    }

    #[test]
    fn problems_are_found_in_order() {
        let problem = |w, s, e, n| BoundingBox::new(w, s, e, n).problem(85.0);
        assert_eq!(problem(35.7, 35.3, 37.6, 36.75), None);
        assert_eq!(
            problem(f64::NAN, 0.0, 200.0, 1.0),
            Some(BoxProblem::NotFinite)
        );
        assert_eq!(problem(0.0, 0.0, 200.0, 89.0), Some(BoxProblem::Longitude));
        assert_eq!(problem(0.0, 0.0, 1.0, 89.0), Some(BoxProblem::Latitude));
        assert_eq!(BoundingBox::new(0.0, 0.0, 1.0, 89.0).problem(90.0), None);
        assert_eq!(
            problem(179.0, 0.0, -179.0, 0.0),
            Some(BoxProblem::WestNotLessThanEast)
        );
        assert_eq!(
            problem(0.0, 1.0, 1.0, 1.0),
            Some(BoxProblem::SouthNotLessThanNorth)
        );
    }
}
