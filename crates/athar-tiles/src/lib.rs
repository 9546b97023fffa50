//! Tile maths for vector tiles, as pure functions: the z/x/y scheme of web maps (XYZ, the
//! origin at the north-west corner), Web Mercator (EPSG:3857) coordinates, and positions
//! inside a tile in the integer pixels of Mapbox Vector Tiles (extent 4096, with a buffer
//! of 64 pixels around the tile so that symbols at an edge are drawn whole).
//!
//! # Example
//! ```
//! use athar_tiles::{Tile, lon_lat_to_mercator, EXTENT};
//! let idlib = lon_lat_to_mercator(36.6339, 35.9306);
//! let tile = Tile::containing(idlib, 10);
//! assert_eq!((tile.z, tile.x, tile.y), (10, 616, 402));
//! let [px, py] = tile.pixel(idlib);
//! assert!((0..EXTENT).contains(&px) && (0..EXTENT).contains(&py));
//! ```
#![deny(missing_docs)]

pub mod layer;

// Web Mercator lives in athar-core (with the rest of the shared geography); these are its
// names here.
pub use athar_core::geo::{
    MERCATOR_HALF_WORLD as HALF_WORLD, MERCATOR_MAX_LATITUDE as MAX_LATITUDE,
    MERCATOR_RADIUS as EARTH_RADIUS, lon_lat_to_mercator, mercator_to_lon_lat,
};

/// The side of a tile in vector tile pixels.
pub const EXTENT: i32 = 4096;
/// The pixels kept around a tile.
pub const BUFFER: i32 = 64;
/// The deepest zoom served.
pub const MAX_ZOOM: u8 = 22;

/// A rectangle in Web Mercator metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// West edge.
    pub min_x: f64,
    /// South edge.
    pub min_y: f64,
    /// East edge.
    pub max_x: f64,
    /// North edge.
    pub max_y: f64,
}

impl Bounds {
    /// Whether a point lies inside: west and south edges included, east and north
    /// excluded, so that tiles side by side share no point.
    pub fn contains(&self, [x, y]: [f64; 2]) -> bool {
        x >= self.min_x && x < self.max_x && y >= self.min_y && y < self.max_y
    }

    /// The part of the segment from `a` to `b` inside the rectangle (edges included), in
    /// the same direction, or `None` when it misses (Liang–Barsky clipping).
    pub fn clip_segment(&self, a: [f64; 2], b: [f64; 2]) -> Option<([f64; 2], [f64; 2])> {
        let delta = [b[0] - a[0], b[1] - a[1]];
        let (mut enter, mut leave) = (0.0f64, 1.0f64);
        for (step, room) in [
            (-delta[0], a[0] - self.min_x),
            (delta[0], self.max_x - a[0]),
            (-delta[1], a[1] - self.min_y),
            (delta[1], self.max_y - a[1]),
        ] {
            if step == 0.0 {
                // Parallel to this edge: inside its half-plane or missing it altogether.
                if room < 0.0 {
                    return None;
                }
            } else {
                let t = room / step;
                if step < 0.0 {
                    enter = enter.max(t);
                } else {
                    leave = leave.min(t);
                }
            }
        }
        if enter > leave {
            return None;
        }
        // On the segment, then held to the rectangle against rounding.
        let at = |t: f64| {
            [
                (a[0] + t * delta[0]).clamp(self.min_x, self.max_x),
                (a[1] + t * delta[1]).clamp(self.min_y, self.max_y),
            ]
        };
        Some((
            if enter > 0.0 { at(enter) } else { a },
            if leave < 1.0 { at(leave) } else { b },
        ))
    }

    /// The rectangle grown by `by` metres on every side.
    #[must_use]
    pub fn grown(&self, by: f64) -> Self {
        Self {
            min_x: self.min_x - by,
            min_y: self.min_y - by,
            max_x: self.max_x + by,
            max_y: self.max_y + by,
        }
    }
}

/// Why a z/x/y is not a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileError {
    /// The zoom is above [`MAX_ZOOM`].
    ZoomTooDeep,
    /// x or y is 2^z or more.
    OutOfRange,
}

impl std::fmt::Display for TileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ZoomTooDeep => write!(f, "zoom above {MAX_ZOOM}"),
            Self::OutOfRange => write!(f, "x and y must be below 2^z"),
        }
    }
}

impl std::error::Error for TileError {}

/// Why a `z/x/y` path names no tile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// A part is not a whole number (a client error).
    NotANumber {
        /// `z`, `x` or `y`.
        coordinate: &'static str,
        /// What was given.
        value: String,
    },
    /// The numbers name no tile of the grid (not found).
    NotATile {
        /// The zoom, column and row given.
        z: u32,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
    },
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotANumber { value, .. } => {
                write!(f, "'{value}' is not a tile coordinate (a whole number)")
            }
            Self::NotATile { z, x, y } => write!(
                f,
                "there is no tile {z}/{x}/{y} (zoom 0 to {MAX_ZOOM}, x and y below 2^z)"
            ),
        }
    }
}

impl std::error::Error for PathError {}

/// A tile of the XYZ scheme: zoom `z`, column `x` from the west, row `y` from the north.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    /// Zoom, 0 to [`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0 to 2^z − 1, from the west.
    pub x: u32,
    /// Row, 0 to 2^z − 1, from the north.
    pub y: u32,
}

impl Tile {
    /// The tile, if z/x/y names one.
    ///
    /// # Errors
    /// A zoom above [`MAX_ZOOM`], or x or y outside the zoom's grid.
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self, TileError> {
        if z > MAX_ZOOM {
            return Err(TileError::ZoomTooDeep);
        }
        let count = 1u32 << z;
        if x >= count || y >= count {
            return Err(TileError::OutOfRange);
        }
        Ok(Self { z, x, y })
    }

    /// The tile a URL path names, as `z`, `x` and `y` (`y` with an optional `.mvt` or
    /// `.pbf`).
    ///
    /// # Errors
    /// A part that is not a whole number, or numbers that name no tile.
    pub fn from_path(z: &str, x: &str, y: &str) -> Result<Self, PathError> {
        let y = y
            .strip_suffix(".mvt")
            .or_else(|| y.strip_suffix(".pbf"))
            .unwrap_or(y);
        let number = |coordinate: &'static str, value: &str| {
            value.parse::<u32>().map_err(|_| PathError::NotANumber {
                coordinate,
                value: value.to_owned(),
            })
        };
        let (z, x, y) = (number("z", z)?, number("x", x)?, number("y", y)?);
        u8::try_from(z)
            .ok()
            .and_then(|zoom| Self::new(zoom, x, y).ok())
            .ok_or(PathError::NotATile { z, x, y })
    }

    /// The side of a tile at this zoom, in metres (any zoom: no tile need exist there).
    pub fn size(z: u8) -> f64 {
        2.0 * HALF_WORLD / 2f64.powi(i32::from(z))
    }

    /// The tile at zoom `z` that holds a point (points on the square's east or south edge
    /// belong to the last column or row). Zooms above [`MAX_ZOOM`], where no tile is
    /// served, are taken as [`MAX_ZOOM`].
    pub fn containing([x, y]: [f64; 2], z: u8) -> Self {
        let z = z.min(MAX_ZOOM);
        let size = Self::size(z);
        let last = (1u32 << z) - 1;
        let column = ((x + HALF_WORLD) / size).floor();
        let row = ((HALF_WORLD - y) / size).floor();
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped first
        let index = |value: f64| value.clamp(0.0, f64::from(last)) as u32;
        Self {
            z,
            x: index(column),
            y: index(row),
        }
    }

    /// The tile's square in Web Mercator metres.
    pub fn bounds(&self) -> Bounds {
        let size = Self::size(self.z);
        let min_x = -HALF_WORLD + f64::from(self.x) * size;
        let max_y = HALF_WORLD - f64::from(self.y) * size;
        Bounds {
            min_x,
            min_y: max_y - size,
            max_x: min_x + size,
            max_y,
        }
    }

    /// The tile's square grown by the buffer.
    pub fn buffered_bounds(&self) -> Bounds {
        self.bounds()
            .grown(Self::size(self.z) * f64::from(BUFFER) / f64::from(EXTENT))
    }

    /// A point's position in the tile's pixels, x to the east and y to the south, from
    /// its north-west corner (a point of another tile falls outside 0..EXTENT).
    pub fn pixel(&self, [x, y]: [f64; 2]) -> [i32; 2] {
        let bounds = self.bounds();
        let size = Self::size(self.z);
        // The fraction of the tile first, then the power-of-two extent: exact for points
        // on pixel edges.
        #[allow(clippy::cast_possible_truncation)] // tiles are small; far points saturate
        let to_pixel = |fraction: f64| (fraction * f64::from(EXTENT)).floor() as i32;
        [
            to_pixel((x - bounds.min_x) / size),
            to_pixel((bounds.max_y - y) / size),
        ]
    }

    /// The Web Mercator point at the north-west corner of a pixel.
    pub fn mercator_of_pixel(&self, [px, py]: [i32; 2]) -> [f64; 2] {
        let bounds = self.bounds();
        let scale = Self::size(self.z) / f64::from(EXTENT);
        [
            bounds.min_x + f64::from(px) * scale,
            bounds.max_y - f64::from(py) * scale,
        ]
    }

    /// The tile one zoom out that holds this one.
    pub fn parent(&self) -> Option<Self> {
        (self.z > 0).then(|| Self {
            z: self.z - 1,
            x: self.x / 2,
            y: self.y / 2,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_tiles_of_north_west_syria() {
        // Idlib city at zoom 10 and 14 (worked with the standard slippy-map formulas).
        let idlib = lon_lat_to_mercator(36.6339, 35.9306);
        assert_eq!(
            Tile::containing(idlib, 10),
            Tile::new(10, 616, 402).unwrap()
        );
        assert_eq!(
            Tile::containing(idlib, 14),
            Tile::new(14, 9859, 6437).unwrap()
        );
        assert_eq!(Tile::containing(idlib, 0), Tile::new(0, 0, 0).unwrap());
    }

    #[test]
    fn the_world_tile_spans_the_square() {
        let world = Tile::new(0, 0, 0).unwrap().bounds();
        assert!((world.min_x + HALF_WORLD).abs() < 1e-6);
        assert!((world.max_y - HALF_WORLD).abs() < 1e-6);
        assert!((HALF_WORLD - 20_037_508.342_789_244).abs() < 1e-6);
        let [_, top] = lon_lat_to_mercator(0.0, 90.0);
        assert!((top - HALF_WORLD).abs() < 1e-3, "{top}");
    }

    #[test]
    fn bad_tiles_are_refused() {
        assert_eq!(Tile::new(23, 0, 0), Err(TileError::ZoomTooDeep));
        assert_eq!(Tile::new(3, 8, 0), Err(TileError::OutOfRange));
        assert_eq!(Tile::new(3, 0, 8), Err(TileError::OutOfRange));
        assert!(Tile::new(3, 7, 7).is_ok());
    }

    #[test]
    fn the_buffer_is_64_pixels() {
        let tile = Tile::new(12, 2000, 1500).unwrap();
        let (inner, outer) = (tile.bounds(), tile.buffered_bounds());
        let pixel = Tile::size(12) / f64::from(EXTENT);
        assert!((inner.min_x - outer.min_x - 64.0 * pixel).abs() < 1e-6);
        let [px, _] = tile.pixel([outer.min_x, inner.max_y]);
        assert_eq!(px, -BUFFER);
    }

    fn zoom() -> impl Strategy<Value = u8> {
        0..=MAX_ZOOM
    }

    const SQUARE: Bounds = Bounds {
        min_x: -10.0,
        min_y: -10.0,
        max_x: 10.0,
        max_y: 10.0,
    };

    #[test]
    fn segments_are_clipped_to_the_rectangle() {
        assert_eq!(
            SQUARE.clip_segment([-20.0, 0.0], [20.0, 0.0]),
            Some(([-10.0, 0.0], [10.0, 0.0]))
        );
        assert_eq!(
            SQUARE.clip_segment([0.0, 0.0], [0.0, 30.0]),
            Some(([0.0, 0.0], [0.0, 10.0]))
        );
        assert_eq!(SQUARE.clip_segment([11.0, -20.0], [11.0, 20.0]), None);
        assert_eq!(SQUARE.clip_segment([-20.0, 15.0], [15.0, 20.0]), None);
        assert_eq!(
            SQUARE.clip_segment([1.0, 2.0], [3.0, 4.0]),
            Some(([1.0, 2.0], [3.0, 4.0]))
        );
    }

    proptest! {
        #[test]
        fn a_clipped_segment_is_the_part_inside(
            a in (-40.0f64..40.0, -40.0f64..40.0),
            b in (-40.0f64..40.0, -40.0f64..40.0),
        ) {
            let (a, b) = ([a.0, a.1], [b.0, b.1]);
            let inside = |[x, y]: [f64; 2]| (-10.0..=10.0).contains(&x) && (-10.0..=10.0).contains(&y);
            let along = |t: f64| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
            // Where the segment is inside, sampled.
            let samples: Vec<f64> = (0..=200).map(|i| f64::from(i) / 200.0).filter(|t| inside(along(*t))).collect();
            match SQUARE.clip_segment(a, b) {
                None => prop_assert!(samples.is_empty(), "{a:?}–{b:?} misses, but {samples:?} inside"),
                Some((start, end)) => {
                    prop_assert!(inside(start) && inside(end));
                    // Both ends lie on the segment, start before end.
                    let position = |p: [f64; 2]| {
                        let length = (b[0] - a[0]).hypot(b[1] - a[1]);
                        if length == 0.0 { return Some(0.0); }
                        let t = ((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / (length * length);
                        let off = along(t);
                        ((off[0] - p[0]).hypot(off[1] - p[1]) < 1e-9).then_some(t)
                    };
                    let (Some(t0), Some(t1)) = (position(start), position(end)) else {
                        return Err(TestCaseError::fail(format!("{start:?} or {end:?} off {a:?}–{b:?}")));
                    };
                    prop_assert!(t0 <= t1 + 1e-12);
                    // Every sampled inside point is covered.
                    for t in samples {
                        prop_assert!(t >= t0 - 1e-9 && t <= t1 + 1e-9, "{t} outside {t0}..{t1}");
                    }
                    if inside(a) { prop_assert_eq!(start.map(f64::to_bits), a.map(f64::to_bits), "kept as given"); }
                    if inside(b) { prop_assert_eq!(end.map(f64::to_bits), b.map(f64::to_bits), "kept as given"); }
                }
            }
        }

        #[test]
        fn mercator_round_trips(lon in -180.0f64..180.0, lat in -85.0f64..85.0) {
            let [lon2, lat2] = mercator_to_lon_lat(lon_lat_to_mercator(lon, lat));
            prop_assert!((lon - lon2).abs() < 1e-9 && (lat - lat2).abs() < 1e-9);
        }

        #[test]
        fn a_point_lies_in_the_tile_that_contains_it_and_in_its_parents(
            lon in -180.0f64..180.0, lat in -85.0f64..85.0, z in zoom()
        ) {
            let point = lon_lat_to_mercator(lon, lat);
            let tile = Tile::containing(point, z);
            prop_assert!(Tile::new(tile.z, tile.x, tile.y).is_ok());
            prop_assert!(tile.bounds().contains(point));
            let [px, py] = tile.pixel(point);
            prop_assert!((0..EXTENT).contains(&px) && (0..EXTENT).contains(&py), "{px} {py}");
            if let Some(parent) = tile.parent() {
                prop_assert_eq!(parent, Tile::containing(point, z - 1));
            }
        }

        #[test]
        fn any_zoom_has_a_size_and_a_tile_holding_each_point(z in 0u8..=255, lon in -180.0f64..180.0, lat in -85.0f64..85.0) {
            // Zooms no tile is served at still answer, without overflow.
            prop_assert!(Tile::size(z) > 0.0);
            let tile = Tile::containing(lon_lat_to_mercator(lon, lat), z);
            prop_assert!(tile.z <= MAX_ZOOM);
            prop_assert!(Tile::new(tile.z, tile.x, tile.y).is_ok());
        }

        #[test]
        fn tiles_of_a_zoom_tile_the_square(z in 0u8..=12, x in 0u32..4096, y in 0u32..4096) {
            let count = 1u32 << z;
            let tile = Tile::new(z, x % count, y % count).unwrap();
            let b = tile.bounds();
            // The east neighbour starts where this tile ends; the centre maps back here.
            if tile.x + 1 < count {
                let east = Tile::new(z, tile.x + 1, tile.y).unwrap().bounds();
                prop_assert!((east.min_x - b.max_x).abs() < 1e-6);
            }
            let centre = [f64::midpoint(b.min_x, b.max_x), f64::midpoint(b.min_y, b.max_y)];
            prop_assert_eq!(Tile::containing(centre, z), tile);
            // A quarter pixel south-east of the centre is in the pixel that starts there
            // (a point exactly on a pixel's edge may fall either side by float noise).
            let quarter = Tile::size(z) / f64::from(EXTENT) / 4.0;
            prop_assert_eq!(
                tile.pixel([centre[0] + quarter, centre[1] - quarter]),
                [EXTENT / 2, EXTENT / 2]
            );
        }

        #[test]
        fn pixels_and_mercator_agree(z in zoom(), px in -64i32..4160, py in -64i32..4160) {
            let tile = Tile::containing(lon_lat_to_mercator(36.6, 35.9), z);
            // The middle of a pixel (half a pixel south-east of its north-west corner)
            // maps back to that pixel.
            let corner = tile.mercator_of_pixel([px, py]);
            let half = Tile::size(z) / f64::from(EXTENT) / 2.0;
            prop_assert_eq!(tile.pixel([corner[0] + half, corner[1] - half]), [px, py]);
        }
    }
}
