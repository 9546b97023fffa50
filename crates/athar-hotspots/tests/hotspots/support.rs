//! Seeded random numbers and shared fixtures.

use athar_hotspots::{BoundingBox, LonLat, Units};

/// North-west Syria, the bounding box of the benchmark.
pub const NORTH_WEST_SYRIA: [f64; 4] = [35.7, 35.3, 37.6, 36.75];

/// SplitMix64: small, fast, and the same numbers on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [low, high).
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize
    }

    /// A uniform point in a box.
    pub fn point_in(&mut self, bbox: &BoundingBox) -> LonLat {
        LonLat::new(
            self.between(bbox.west, bbox.east),
            self.between(bbox.south, bbox.north),
        )
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

pub fn bbox([west, south, east, north]: [f64; 4]) -> BoundingBox {
    athar_hotspots::study_area(west, south, east, north).unwrap()
}

/// A point inside cell unit `unit`: between its centre and one of its vertices, less than
/// nine tenths of the way (cells are convex).
pub fn point_in_unit(units: &Units, unit: usize, rng: &mut Rng) -> LonLat {
    let centre = units.centre(unit);
    let boundary = units.boundary(unit).unwrap();
    let vertex = boundary[rng.below(boundary.len() - 1)];
    let t = rng.between(0.0, 0.9);
    LonLat::new(
        centre.lon + t * (vertex.lon - centre.lon),
        centre.lat + t * (vertex.lat - centre.lat),
    )
}
