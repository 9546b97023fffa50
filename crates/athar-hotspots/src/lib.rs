//! Hotspot analysis of incidents: the Getis-Ord Gi* statistic over H3 hexagons or given
//! units, and emerging hotspots (Gi* per period and Mann-Kendall trends). Pure: no I/O,
//! the caller brings the points (already filtered) and gets numbers back.
//!
//! The steps, each reusable on its own so that a server can cache the expensive ones:
//!
//! 1. [`Units`]: the H3 cells of a resolution (5 to 9) whose centres lie in a
//!    [`BoundingBox`] (a [`study_area`]), cells without incidents included ([`Units::h3`]),
//!    or points given by the caller, such as communities ([`Units::points`]).
//! 2. [`SpatialWeights`]: binary neighbours within a distance (by default the smallest
//!    that gives every unit a neighbour) or the k nearest, each unit its own neighbour.
//!    Depends only on the units and the neighbourhood.
//! 3. [`Counts`] per unit ([`Units::count_points`], or [`Counts::new`] for given units), or
//!    [`SpaceTimeCounts`] per unit and [`Periods`] ([`Units::count_dated_points`]).
//! 4. [`gi_star`] gives a z-score, p-value and [`HotspotClass`] per unit;
//!    [`emerging_hotspots`] gives an [`EmergingCategory`] and trends per unit.
//!
//! `METHOD.md` beside this crate describes the statistics, their assumptions and caveats.
//! The z-scores equal PySAL's `esda.G_Local(y, w, transform='B', star=True).Zs` (checked
//! to 1e-6 by `tests/hotspots/pysal.rs`).
//!
//! # Example
//! ```
//! use athar_hotspots::{gi_star, study_area, GiStarOptions, SpatialWeights, Units};
//! # fn example() -> athar_hotspots::Result<()> {
//! let idlib = study_area(36.5, 35.8, 36.8, 36.0)?;
//! let units = Units::h3(7, idlib)?;
//! let weights = SpatialWeights::distance_band(&units, Some(5.0))?;
//! // A cluster of incidents around one place, a few scattered elsewhere.
//! let mut incidents: Vec<(f64, f64)> = (0..200)
//!     .map(|i| (36.63 + 0.0001 * f64::from(i % 20), 35.93 + 0.0001 * f64::from(i / 20)))
//!     .collect();
//! incidents.extend([(36.52, 35.82), (36.78, 35.98), (36.7, 35.85)]);
//! let counts = units.count_points(incidents)?;
//! let map = gi_star(&weights, &counts, GiStarOptions { fdr: true })?;
//! let cluster = units.unit_of((36.631, 35.9305).into()).unwrap();
//! assert!(map.units[cluster].class.is_hot());
//! println!("{}: z = {:.2}", units.id(cluster), map.units[cluster].gi_z);
//! let ring = units.boundary(cluster).unwrap(); // closed, counter-clockwise
//! assert_eq!(ring.first(), ring.last());
//! # Ok(()) }
//! # example().unwrap();
//! ```
#![deny(missing_docs)]

mod emerging;
mod error;
mod geometry;
mod gi_star;
mod locator;
mod mann_kendall;
mod normal;
mod periods;
mod units;
mod weights;

pub use emerging::{
    EmergingCategory, EmergingHotspots, EmergingOptions, EmergingUnit, TrendSeries,
    emerging_hotspots,
};
pub use error::{Error, Result};
pub use geometry::{BoundingBox, EARTH_RADIUS_KM, LonLat, study_area};
pub use gi_star::{
    Confidence, GiStarOptions, HotspotClass, Hotspots, UnitHotspot, benjamini_hochberg, gi_star,
};
pub use h3o::CellIndex;
pub use mann_kendall::{MannKendall, Trend, mann_kendall};
pub use normal::{standard_normal_cdf, two_sided_p_value};
pub use periods::{DatedPoint, Interval, MAX_PERIODS, MIN_PERIODS, Periods, SpaceTimeCounts};
pub use units::{Counts, MAX_RESOLUTION, MAX_UNITS, MIN_RESOLUTION, UnitId, Units};
pub use weights::{MAX_DISTANCE_KM, MAX_NEIGHBOUR_PAIRS, Neighbourhood, SpatialWeights};
