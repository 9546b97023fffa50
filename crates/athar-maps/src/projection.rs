//! Web Mercator fitted to a frame, and the scale bar's length.

use athar_core::geo::{lon_lat_to_mercator, mercator_to_lon_lat};

use crate::layout::Rect;
use crate::spec::{BoundingBox, LonLat};

/// Maps degrees to CSS pixels: Web Mercator, scaled uniformly so that the bounding box
/// fits inside the frame less a padding, and centred on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Projection {
    /// CSS pixels per Web Mercator metre.
    pixels_per_metre: f64,
    /// The Web Mercator centre of the bounding box.
    centre_metres: [f64; 2],
    /// Where that centre is drawn.
    centre_pixels: [f64; 2],
}

impl Projection {
    /// Fits `bbox` (already checked: finite, non-empty) into `frame` less `padding` on
    /// every side.
    pub(crate) fn fit(bbox: &BoundingBox, frame: Rect, padding: f64) -> Self {
        let [west, south] = lon_lat_to_mercator(bbox.west, bbox.south);
        let [east, north] = lon_lat_to_mercator(bbox.east, bbox.north);
        let available_width = (frame.width - 2.0 * padding).max(1.0);
        let available_height = (frame.height - 2.0 * padding).max(1.0);
        let pixels_per_metre =
            (available_width / (east - west)).min(available_height / (north - south));
        Self {
            pixels_per_metre,
            centre_metres: [f64::midpoint(west, east), f64::midpoint(south, north)],
            centre_pixels: [frame.x + frame.width / 2.0, frame.y + frame.height / 2.0],
        }
    }

    /// Where a position is drawn, in CSS pixels from the top-left corner.
    pub(crate) fn project(&self, position: LonLat) -> [f64; 2] {
        let [x, y] = lon_lat_to_mercator(position.lon, position.lat);
        [
            self.centre_pixels[0] + (x - self.centre_metres[0]) * self.pixels_per_metre,
            self.centre_pixels[1] - (y - self.centre_metres[1]) * self.pixels_per_metre,
        ]
    }

    /// Metres on the ground per CSS pixel at the centre of the map (Web Mercator
    /// stretches distances by 1 / cos(latitude)).
    pub(crate) fn ground_metres_per_pixel(&self) -> f64 {
        let [_, latitude] = mercator_to_lon_lat(self.centre_metres);
        latitude.to_radians().cos() / self.pixels_per_metre
    }
}

/// The longest "nice" distance (1, 2 or 5 × 10ⁿ metres) not above `limit_metres`.
pub(crate) fn nice_distance(limit_metres: f64) -> f64 {
    if !(limit_metres.is_finite() && limit_metres > 0.0) {
        return 0.0;
    }
    let power = 10f64.powf(limit_metres.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|step| step * power)
        .find(|distance| *distance <= limit_metres * (1.0 + 1e-9))
        .unwrap_or(power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_distances_are_one_two_or_five_times_a_power_of_ten() {
        assert!((nice_distance(37_000.0) - 20_000.0).abs() < 1e-6);
        assert!((nice_distance(50_000.0) - 50_000.0).abs() < 1e-6);
        assert!((nice_distance(9_999.0) - 5_000.0).abs() < 1e-6);
        assert!((nice_distance(1_500.0) - 1_000.0).abs() < 1e-6);
        assert!((nice_distance(0.3) - 0.2).abs() < 1e-9);
        assert!(nice_distance(f64::NAN) == 0.0);
    }

    #[test]
    fn the_bounding_box_is_centred_and_fits() {
        let bbox = BoundingBox::new(36.0, 35.5, 37.0, 36.5);
        let frame = Rect::new(0.0, 0.0, 1000.0, 500.0);
        let projection = Projection::fit(&bbox, frame, 10.0);
        let [x, y] = projection.project(LonLat::new(36.5, 36.0));
        // Mercator's middle latitude is a little north of 36°.
        assert!(
            (x - 500.0).abs() < 0.5 && (y - 250.0).abs() < 1.0,
            "{x} {y}"
        );
        // The box is taller than wide in Mercator at this latitude: its height fits.
        let [_, top] = projection.project(LonLat::new(36.0, 36.5));
        let [_, bottom] = projection.project(LonLat::new(36.0, 35.5));
        assert!((bottom - top - 480.0).abs() < 0.01, "{}", bottom - top);
    }

    #[test]
    fn the_scale_is_right_for_the_latitude() {
        // One degree of longitude at 36° N is about 90.2 km.
        let bbox = BoundingBox::new(36.0, 35.9, 37.0, 36.1);
        let frame = Rect::new(0.0, 0.0, 1000.0, 1000.0);
        let projection = Projection::fit(&bbox, frame, 0.0);
        let [west, _] = projection.project(LonLat::new(36.0, 36.0));
        let [east, _] = projection.project(LonLat::new(37.0, 36.0));
        let kilometres = (east - west) * projection.ground_metres_per_pixel() / 1000.0;
        assert!((kilometres - 90.2).abs() < 0.5, "{kilometres}");
    }
}
