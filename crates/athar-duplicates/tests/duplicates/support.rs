//! Reports to test with: one base report and ways to move it in space and time.

use athar_core::geo::MEAN_EARTH_RADIUS_KM;
use athar_duplicates::{CasualtyCounts, LocationPrecision, Report};
use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

/// Kilometres per degree of latitude on the sphere the crate measures on.
pub const KM_PER_DEGREE: f64 = MEAN_EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// Kafr Nabl.
pub const ORIGIN: (f64, f64) = (36.56, 35.6141);

/// A day of April 2024.
pub fn april(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 4, day).unwrap()
}

/// A time of day.
pub fn at(hour: u32, minute: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// `point` moved `km` north.
pub fn north(point: (f64, f64), km: f64) -> (f64, f64) {
    (point.0, point.1 + km / KM_PER_DEGREE)
}

/// `point` moved `metres` along the bearing `degrees` (clockwise from north), on the
/// local plane: exact enough for kilometres.
pub fn shifted(point: (f64, f64), metres: f64, degrees: f64) -> (f64, f64) {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let km = metres / 1000.0;
    (
        point.0 + km * sin / (KM_PER_DEGREE * point.1.to_radians().cos()),
        point.1 + km * cos / KM_PER_DEGREE,
    )
}

/// People killed, nothing else.
pub fn killed(killed: u32) -> CasualtyCounts {
    CasualtyCounts {
        killed,
        ..CasualtyCounts::default()
    }
}

/// An attack at Kafr Nabl on 12 April 2024, of no known time or community, with no
/// casualties.
pub fn report(id: u128, source: &'static str) -> Report<'static> {
    Report {
        id: Uuid::from_u128(id),
        source,
        kind: "attack",
        date: april(12),
        time: None,
        point: Some(ORIGIN),
        precision: LocationPrecision::Exact,
        community_id: None,
        casualties: CasualtyCounts::default(),
    }
}

/// SplitMix64: deterministic pseudo-random numbers.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
