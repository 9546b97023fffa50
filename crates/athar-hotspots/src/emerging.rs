//! Emerging hotspots: Gi* in every period, and how each unit's hot and cold spots change.
//!
//! For each period the Gi* z-score of every unit is computed with the same spatial weights
//! (time slices, no temporal neighbours), and each (unit, period) is classed as in
//! [`gi_star`](crate::gi_star). A unit is *hot* in a period when its class is a hot spot
//! at [`EmergingOptions::min_confidence`] or more (90 % by default, as ArcGIS counts any
//! hot-spot bin), *cold* likewise. Two Mann-Kendall tests are run per unit: on its counts
//! (reported, not used to classify) and on its Gi* z-scores, the "intensity of clustering"
//! ArcGIS tests for intensifying and diminishing spots.
//!
//! Categories, with n periods, h hot periods and c cold periods (ArcGIS Pro's Emerging Hot
//! Spot Analysis, made exact and mutually exclusive; "90 %" means h ≥ 0.9 n):
//!
//! | category | rule |
//! |---|---|
//! | [`Intensifying`](EmergingCategory::Intensifying) | hot in the last period, h ≥ 90 %, z-scores trend up (Mann-Kendall, p < 0.05) |
//! | [`Persistent`](EmergingCategory::Persistent) | hot in the last period, h ≥ 90 %, no significant trend of the z-scores |
//! | [`Diminishing`](EmergingCategory::Diminishing) | hot in the last period, h ≥ 90 %, z-scores trend down |
//! | [`Oscillating`](EmergingCategory::Oscillating) | hot in the last period, h < 90 %, cold in at least one earlier period |
//! | [`New`](EmergingCategory::New) | hot in the last period only, never cold |
//! | [`Consecutive`](EmergingCategory::Consecutive) | hot in an unbroken run of at least two periods ending with the last, never hot before the run, never cold, h < 90 % |
//! | [`Sporadic`](EmergingCategory::Sporadic) | hot at least once, h < 90 %, never cold, and neither new nor consecutive (the last period may or may not be hot) |
//! | [`Historical`](EmergingCategory::Historical) | not hot (and not cold) in the last period, h ≥ 90 % |
//! | [`NoPattern`](EmergingCategory::NoPattern) | anything else (never significant, or hot and cold with neither in the last period) |
//!
//! The cold categories (`new_cold` …) are the same rules with hot and cold exchanged and
//! the z-score trend reversed (an intensifying cold spot's z-scores trend down). The last
//! period decides which side is looked at: a unit cold in the last period gets a cold
//! category even if it was hot before (then oscillating cold or, if 90 % of its periods
//! were cold, intensifying, persistent or diminishing cold).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::gi_star::{Confidence, HotspotClass, benjamini_hochberg, gi_star_scores};
use crate::mann_kendall::{MannKendall, Trend, mann_kendall};
use crate::normal::two_sided_p_value;
use crate::periods::{Periods, SpaceTimeCounts};
use crate::weights::{Neighbourhood, SpatialWeights};

/// Options of an emerging-hotspot analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmergingOptions {
    /// Classify each period with the Benjamini-Hochberg False Discovery Rate correction,
    /// applied separately in each period over all units.
    pub fdr: bool,
    /// The confidence from which a (unit, period) counts as hot or cold.
    pub min_confidence: Confidence,
    /// Whose Mann-Kendall trend tells intensifying and diminishing spots from persistent
    /// ones: the unit's Gi* z-scores (ArcGIS's "intensity of clustering", the default) or
    /// its counts.
    pub trend_of: TrendSeries,
}

/// The series whose trend classifies a unit (see [`EmergingOptions::trend_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendSeries {
    /// The unit's Gi* z-scores, period by period.
    #[default]
    GiZ,
    /// The unit's incident counts, period by period.
    Counts,
}

impl Default for EmergingOptions {
    fn default() -> Self {
        Self {
            fdr: false,
            min_confidence: Confidence::P90,
            trend_of: TrendSeries::GiZ,
        }
    }
}

/// The pattern of a unit's hot and cold spots over the periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergingCategory {
    /// Hot in the last period only.
    New,
    /// Hot in an unbroken run of two or more periods ending with the last, not before.
    Consecutive,
    /// Hot in 90 % of periods including the last, clustering intensifying.
    Intensifying,
    /// Hot in 90 % of periods including the last, no trend in clustering.
    Persistent,
    /// Hot in 90 % of periods including the last, clustering diminishing.
    Diminishing,
    /// Hot on and off, never cold.
    Sporadic,
    /// Hot in the last period and cold before.
    Oscillating,
    /// Hot in 90 % of periods but not the last.
    Historical,
    /// Cold in the last period only.
    NewCold,
    /// Cold in an unbroken run ending with the last period, not before.
    ConsecutiveCold,
    /// Cold in 90 % of periods including the last, intensifying.
    IntensifyingCold,
    /// Cold in 90 % of periods including the last, no trend.
    PersistentCold,
    /// Cold in 90 % of periods including the last, diminishing.
    DiminishingCold,
    /// Cold on and off, never hot.
    SporadicCold,
    /// Cold in the last period and hot before.
    OscillatingCold,
    /// Cold in 90 % of periods but not the last.
    HistoricalCold,
    /// None of the patterns.
    NoPattern,
}

impl EmergingCategory {
    /// Every category, hot ones first.
    pub const ALL: [Self; 17] = [
        Self::New,
        Self::Consecutive,
        Self::Intensifying,
        Self::Persistent,
        Self::Diminishing,
        Self::Sporadic,
        Self::Oscillating,
        Self::Historical,
        Self::NewCold,
        Self::ConsecutiveCold,
        Self::IntensifyingCold,
        Self::PersistentCold,
        Self::DiminishingCold,
        Self::SporadicCold,
        Self::OscillatingCold,
        Self::HistoricalCold,
        Self::NoPattern,
    ];

    /// Whether a hot-spot pattern.
    pub fn is_hot(self) -> bool {
        matches!(
            self,
            Self::New
                | Self::Consecutive
                | Self::Intensifying
                | Self::Persistent
                | Self::Diminishing
                | Self::Sporadic
                | Self::Oscillating
                | Self::Historical
        )
    }

    /// The same pattern with hot and cold exchanged.
    #[must_use]
    pub fn mirrored(self) -> Self {
        match self {
            Self::New => Self::NewCold,
            Self::Consecutive => Self::ConsecutiveCold,
            Self::Intensifying => Self::IntensifyingCold,
            Self::Persistent => Self::PersistentCold,
            Self::Diminishing => Self::DiminishingCold,
            Self::Sporadic => Self::SporadicCold,
            Self::Oscillating => Self::OscillatingCold,
            Self::Historical => Self::HistoricalCold,
            Self::NewCold => Self::New,
            Self::ConsecutiveCold => Self::Consecutive,
            Self::IntensifyingCold => Self::Intensifying,
            Self::PersistentCold => Self::Persistent,
            Self::DiminishingCold => Self::Diminishing,
            Self::SporadicCold => Self::Sporadic,
            Self::OscillatingCold => Self::Oscillating,
            Self::HistoricalCold => Self::Historical,
            Self::NoPattern => Self::NoPattern,
        }
    }

    /// The category of a unit from whether it was hot and cold in each period (oldest
    /// first) and the Mann-Kendall trend of its Gi* z-scores; see the module docs.
    pub fn classify(hot: &[bool], cold: &[bool], gi_z_trend: Trend) -> Self {
        let (Some(&last_hot), Some(&last_cold)) = (hot.last(), cold.last()) else {
            return Self::NoPattern;
        };
        if last_hot {
            hot_pattern(hot, cold, gi_z_trend)
        } else if last_cold {
            let reversed = match gi_z_trend {
                Trend::Up => Trend::Down,
                Trend::Down => Trend::Up,
                Trend::NoTrend => Trend::NoTrend,
            };
            hot_pattern(cold, hot, reversed).mirrored()
        } else {
            let n = hot.len();
            let h = hot.iter().filter(|&&b| b).count();
            let c = cold.iter().filter(|&&b| b).count();
            if at_least_90_percent(h, n) {
                Self::Historical
            } else if at_least_90_percent(c, n) {
                Self::HistoricalCold
            } else if h > 0 && c == 0 {
                Self::Sporadic
            } else if c > 0 && h == 0 {
                Self::SporadicCold
            } else {
                Self::NoPattern
            }
        }
    }
}

/// The hot pattern of a unit hot in the last period (`hot` and `cold` may be exchanged
/// for cold patterns).
fn hot_pattern(hot: &[bool], cold: &[bool], trend: Trend) -> EmergingCategory {
    let n = hot.len();
    let h = hot.iter().filter(|&&b| b).count();
    if at_least_90_percent(h, n) {
        return match trend {
            Trend::Up => EmergingCategory::Intensifying,
            Trend::Down => EmergingCategory::Diminishing,
            Trend::NoTrend => EmergingCategory::Persistent,
        };
    }
    if cold.iter().any(|&b| b) {
        return EmergingCategory::Oscillating;
    }
    let final_run = hot.iter().rev().take_while(|&&b| b).count();
    if h == 1 {
        EmergingCategory::New
    } else if final_run == h {
        EmergingCategory::Consecutive
    } else {
        EmergingCategory::Sporadic
    }
}

/// h ≥ 0.9 n, in integers.
fn at_least_90_percent(count: usize, n: usize) -> bool {
    10 * count >= 9 * n
}

/// One unit's emerging-hotspot result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EmergingUnit {
    /// Incidents over all periods.
    pub total: u64,
    /// The pattern.
    pub category: EmergingCategory,
    /// Periods in which the unit was a hot spot at the minimum confidence.
    pub hot_periods: u32,
    /// Periods in which it was a cold spot.
    pub cold_periods: u32,
    /// Its class in the last period.
    pub last_class: HotspotClass,
    /// Mann-Kendall test of its counts.
    pub count_trend: MannKendall,
    /// Mann-Kendall test of its Gi* z-scores (used for intensifying and diminishing).
    pub gi_z_trend: MannKendall,
}

/// An emerging-hotspot analysis: one result per unit, and the Gi* series behind them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergingHotspots {
    /// Per unit, in the order of the units.
    pub units: Vec<EmergingUnit>,
    /// The periods.
    pub periods: Periods,
    /// Whether the per-period classes use the FDR correction.
    pub fdr: bool,
    /// The minimum confidence of a hot or cold period.
    pub min_confidence: Confidence,
    /// The neighbourhood of the weights.
    pub neighbourhood: Neighbourhood,
    #[serde(skip)]
    gi_z: Vec<f64>,
    #[serde(skip)]
    classes: Vec<HotspotClass>,
}

impl EmergingHotspots {
    /// The Gi* z-scores of a unit, oldest period first.
    ///
    /// # Panics
    /// If `unit` is out of range.
    pub fn gi_z_series(&self, unit: usize) -> &[f64] {
        let t = self.periods.len();
        &self.gi_z[unit * t..(unit + 1) * t]
    }

    /// The classes of a unit, oldest period first.
    ///
    /// # Panics
    /// If `unit` is out of range.
    pub fn class_series(&self, unit: usize) -> &[HotspotClass] {
        let t = self.periods.len();
        &self.classes[unit * t..(unit + 1) * t]
    }

    /// Units per category, in the order of [`EmergingCategory::ALL`].
    pub fn category_counts(&self) -> [(EmergingCategory, usize); 17] {
        EmergingCategory::ALL.map(|category| {
            let units = self.units.iter().filter(|u| u.category == category).count();
            (category, units)
        })
    }
}

/// Emerging hotspots from counts per unit and period.
///
/// # Errors
/// [`Error::WeightsMismatch`] if the weights and counts were built for different units.
pub fn emerging_hotspots(
    weights: &SpatialWeights,
    counts: &SpaceTimeCounts,
    options: EmergingOptions,
) -> Result<EmergingHotspots> {
    if weights.len() != counts.units() {
        return Err(Error::WeightsMismatch {
            weights: weights.len(),
            counts: counts.units(),
        });
    }
    let n = counts.units();
    let t = counts.periods().len();
    let (gi_z, _) = gi_star_scores(weights, counts.as_slice(), t);

    let mut classes = vec![HotspotClass::NotSignificant; n * t];
    let mut p = vec![0.0; n];
    for period in 0..t {
        for (unit, p) in p.iter_mut().enumerate() {
            *p = two_sided_p_value(gi_z[unit * t + period]);
        }
        let q = options.fdr.then(|| benjamini_hochberg(&p));
        for unit in 0..n {
            let confidence = match &q {
                Some(q) => Confidence::of_fdr_p_value(q[unit]),
                None => Confidence::of_p_value(p[unit]),
            };
            classes[unit * t + period] = HotspotClass::new(gi_z[unit * t + period], confidence);
        }
    }

    let significant = |class: HotspotClass| {
        class
            .confidence()
            .is_some_and(|level| level >= options.min_confidence)
    };
    let mut hot = vec![false; t];
    let mut cold = vec![false; t];
    let mut series = vec![0.0; t];
    let units = (0..n)
        .map(|unit| {
            let unit_classes = &classes[unit * t..(unit + 1) * t];
            for (k, &class) in unit_classes.iter().enumerate() {
                hot[k] = class.is_hot() && significant(class);
                cold[k] = class.is_cold() && significant(class);
            }
            let unit_counts = counts.series(unit);
            for (value, &count) in series.iter_mut().zip(unit_counts) {
                *value = f64::from(count);
            }
            let count_trend = mann_kendall(&series);
            let gi_z_trend = mann_kendall(&gi_z[unit * t..(unit + 1) * t]);
            EmergingUnit {
                total: unit_counts.iter().map(|&c| u64::from(c)).sum(),
                category: EmergingCategory::classify(
                    &hot,
                    &cold,
                    match options.trend_of {
                        TrendSeries::GiZ => gi_z_trend.trend,
                        TrendSeries::Counts => count_trend.trend,
                    },
                ),
                hot_periods: hot.iter().filter(|&&b| b).count() as u32,
                cold_periods: cold.iter().filter(|&&b| b).count() as u32,
                last_class: unit_classes[t - 1],
                count_trend,
                gi_z_trend,
            }
        })
        .collect();
    Ok(EmergingHotspots {
        units,
        periods: *counts.periods(),
        fdr: options.fdr,
        min_confidence: options.min_confidence,
        neighbourhood: weights.neighbourhood(),
        gi_z,
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use EmergingCategory as C;

    /// `H` hot, `C` cold, `.` neither.
    fn classify(pattern: &str, trend: Trend) -> EmergingCategory {
        let hot: Vec<bool> = pattern.chars().map(|c| c == 'H').collect();
        let cold: Vec<bool> = pattern.chars().map(|c| c == 'C').collect();
        EmergingCategory::classify(&hot, &cold, trend)
    }

    #[test]
    fn new_hot_spots_are_hot_only_in_the_last_period() {
        assert_eq!(classify("...........H", Trend::NoTrend), C::New);
        assert_eq!(classify("...C.......H", Trend::NoTrend), C::Oscillating);
    }

    #[test]
    fn consecutive_hot_spots_are_one_final_run() {
        assert_eq!(classify("........HHHH", Trend::Up), C::Consecutive);
        assert_eq!(classify("..H.....HHHH", Trend::Up), C::Sporadic);
        assert_eq!(classify("C.......HHHH", Trend::Up), C::Oscillating);
    }

    #[test]
    fn ninety_percent_hot_with_the_last_is_intensifying_persistent_or_diminishing() {
        assert_eq!(classify("HHHHHHHHHHHH", Trend::Up), C::Intensifying);
        assert_eq!(classify("H.HHHHHHHHHH", Trend::NoTrend), C::Persistent);
        assert_eq!(classify("HHHHHHHHHHHH", Trend::Down), C::Diminishing);
        // 10 of 12 is less than 90 %.
        assert_eq!(classify("H..HHHHHHHHH", Trend::NoTrend), C::Sporadic);
    }

    #[test]
    fn ninety_percent_hot_without_the_last_is_historical() {
        assert_eq!(classify("HHHHHHHHHHH.", Trend::Down), C::Historical);
    }

    #[test]
    fn on_and_off_hot_spots_are_sporadic() {
        assert_eq!(classify("..H...H.....", Trend::NoTrend), C::Sporadic);
        assert_eq!(classify("..H...H....H", Trend::NoTrend), C::Sporadic);
        assert_eq!(classify("..H...C.....", Trend::NoTrend), C::NoPattern);
        assert_eq!(classify("............", Trend::NoTrend), C::NoPattern);
    }

    #[test]
    fn cold_patterns_mirror_hot_ones() {
        let patterns = [
            "...........H",
            "........HHHH",
            "HHHHHHHHHHHH",
            "H.HHHHHHHHHH",
            "HHHHHHHHHHH.",
            "..H...H.....",
            "...C.......H",
            "..H...C.....",
        ];
        for pattern in patterns {
            let mirrored: String = pattern
                .chars()
                .map(|c| match c {
                    'H' => 'C',
                    'C' => 'H',
                    other => other,
                })
                .collect();
            for (trend, reversed) in [
                (Trend::Up, Trend::Down),
                (Trend::Down, Trend::Up),
                (Trend::NoTrend, Trend::NoTrend),
            ] {
                assert_eq!(
                    classify(&mirrored, reversed),
                    classify(pattern, trend).mirrored(),
                    "{pattern}"
                );
            }
        }
    }
}
