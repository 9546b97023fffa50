//! Web Mercator (EPSG:3857): the projection of web maps, tiles and static maps.

/// The sphere Web Mercator projects from, in metres (the WGS 84 semi-major axis).
pub const MERCATOR_RADIUS: f64 = 6_378_137.0;
/// Half the side of the Web Mercator square, in metres (π × 6,378,137): x and y run from
/// minus this to this.
pub const MERCATOR_HALF_WORLD: f64 = std::f64::consts::PI * MERCATOR_RADIUS;
/// The latitude at which the Web Mercator square ends (north and south), in degrees.
pub const MERCATOR_MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// Web Mercator metres `[x, y]` of a longitude and latitude in degrees (latitude clamped
/// to the square; NaN in, NaN out).
pub fn lon_lat_to_mercator(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MERCATOR_MAX_LATITUDE, MERCATOR_MAX_LATITUDE);
    [
        MERCATOR_RADIUS * lon.to_radians(),
        MERCATOR_RADIUS
            * (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
                .tan()
                .ln(),
    ]
}

/// Longitude and latitude `[lon, lat]` in degrees of Web Mercator metres.
pub fn mercator_to_lon_lat([x, y]: [f64; 2]) -> [f64; 2] {
    [
        (x / MERCATOR_RADIUS).to_degrees(),
        (2.0 * (y / MERCATOR_RADIUS).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corner_of_the_square_is_the_antimeridian_at_the_last_latitude() {
        let [lon, lat] = mercator_to_lon_lat([MERCATOR_HALF_WORLD, MERCATOR_HALF_WORLD]);
        assert!((lon - 180.0).abs() < 1e-12, "{lon}");
        assert!((lat - MERCATOR_MAX_LATITUDE).abs() < 1e-12, "{lat}");
        let [x, y] = lon_lat_to_mercator(-180.0, -90.0);
        assert!((x + MERCATOR_HALF_WORLD).abs() < 1e-6, "{x}");
        assert!((y + MERCATOR_HALF_WORLD).abs() < 1e-3, "clamped: {y}");
    }
}
