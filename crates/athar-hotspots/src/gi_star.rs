//! Getis-Ord Gi* z-scores, their p-values and hot and cold spot classes.
//!
//! For unit i with binary weights w_ij (1 for the units within its neighbourhood, itself
//! included), counts x_j, and n units (Ord & Getis 1995, eq. 14 with w_ii = 1):
//!
//! ```text
//!          Σ_j w_ij x_j − X̄ Σ_j w_ij
//! Gi* = ─────────────────────────────────────────────
//!        S √[(n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)]
//! ```
//!
//! where X̄ is the mean count and S = √(Σ x_j² / n − X̄²) the standard deviation with
//! denominator n. This is exactly the z-score of PySAL's
//! `esda.G_Local(y, w, transform='B', star=True).Zs`. With binary weights Σ w² = Σ w =
//! the number of neighbours (self included), so the formula needs only that number and
//! the sum of the neighbours' counts.
//!
//! Degenerate cases give z = 0 (not significant) rather than NaN: all counts equal
//! (S = 0), a single unit, and units whose neighbourhood is every unit (the variance term
//! is 0 and so is the numerator).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::normal::two_sided_p_value;
use crate::units::Counts;
use crate::weights::{Neighbourhood, SpatialWeights};

/// Options of a hotspot map.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GiStarOptions {
    /// Classify with the Benjamini-Hochberg False Discovery Rate correction (see
    /// [`benjamini_hochberg`]) instead of the p-value of each unit alone.
    pub fdr: bool,
}

/// Hot or cold spot, at the highest confidence level reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum HotspotClass {
    /// z > 0, significant at 99 % (p < 0.01).
    #[serde(rename = "hot_99")]
    Hot99,
    /// z > 0, significant at 95 % (p < 0.05) but not 99 %.
    #[serde(rename = "hot_95")]
    Hot95,
    /// z > 0, significant at 90 % (p < 0.10) but not 95 %.
    #[serde(rename = "hot_90")]
    Hot90,
    /// Not significant at 90 %.
    #[serde(rename = "not_significant")]
    NotSignificant,
    /// z < 0, significant at 90 % but not 95 %.
    #[serde(rename = "cold_90")]
    Cold90,
    /// z < 0, significant at 95 % but not 99 %.
    #[serde(rename = "cold_95")]
    Cold95,
    /// z < 0, significant at 99 %.
    #[serde(rename = "cold_99")]
    Cold99,
}

impl HotspotClass {
    /// Every class, hottest first.
    pub const ALL: [Self; 7] = [
        Self::Hot99,
        Self::Hot95,
        Self::Hot90,
        Self::NotSignificant,
        Self::Cold90,
        Self::Cold95,
        Self::Cold99,
    ];

    /// The class of a z-score significant at `confidence` (99, 95, 90 or `None`).
    pub fn new(z: f64, confidence: Option<Confidence>) -> Self {
        match confidence {
            Some(level) if z > 0.0 => match level {
                Confidence::P99 => Self::Hot99,
                Confidence::P95 => Self::Hot95,
                Confidence::P90 => Self::Hot90,
            },
            Some(level) if z < 0.0 => match level {
                Confidence::P99 => Self::Cold99,
                Confidence::P95 => Self::Cold95,
                Confidence::P90 => Self::Cold90,
            },
            _ => Self::NotSignificant,
        }
    }

    /// The name used in JSON (`hot_99`, …, `not_significant`, …, `cold_99`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hot99 => "hot_99",
            Self::Hot95 => "hot_95",
            Self::Hot90 => "hot_90",
            Self::NotSignificant => "not_significant",
            Self::Cold90 => "cold_90",
            Self::Cold95 => "cold_95",
            Self::Cold99 => "cold_99",
        }
    }

    /// Whether a hot spot at any confidence.
    pub fn is_hot(self) -> bool {
        matches!(self, Self::Hot99 | Self::Hot95 | Self::Hot90)
    }

    /// Whether a cold spot at any confidence.
    pub fn is_cold(self) -> bool {
        matches!(self, Self::Cold99 | Self::Cold95 | Self::Cold90)
    }

    /// The confidence level reached, if significant.
    pub fn confidence(self) -> Option<Confidence> {
        match self {
            Self::Hot99 | Self::Cold99 => Some(Confidence::P99),
            Self::Hot95 | Self::Cold95 => Some(Confidence::P95),
            Self::Hot90 | Self::Cold90 => Some(Confidence::P90),
            Self::NotSignificant => None,
        }
    }

    /// The class with hot and cold exchanged.
    #[must_use]
    pub fn mirrored(self) -> Self {
        match self {
            Self::Hot99 => Self::Cold99,
            Self::Hot95 => Self::Cold95,
            Self::Hot90 => Self::Cold90,
            Self::NotSignificant => Self::NotSignificant,
            Self::Cold90 => Self::Hot90,
            Self::Cold95 => Self::Hot95,
            Self::Cold99 => Self::Hot99,
        }
    }
}

/// A confidence level of a two-sided test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Confidence {
    /// 90 %: α = 0.10.
    P90,
    /// 95 %: α = 0.05.
    P95,
    /// 99 %: α = 0.01.
    P99,
}

impl Confidence {
    /// The significance level α.
    pub fn alpha(self) -> f64 {
        match self {
            Self::P90 => 0.10,
            Self::P95 => 0.05,
            Self::P99 => 0.01,
        }
    }

    /// The highest level at which a p-value is significant (p < α).
    pub fn of_p_value(p: f64) -> Option<Self> {
        [Self::P99, Self::P95, Self::P90]
            .into_iter()
            .find(|level| p < level.alpha())
    }

    /// The highest level at which a Benjamini-Hochberg adjusted p-value is significant
    /// (q ≤ α, as the procedure rejects).
    pub fn of_fdr_p_value(q: f64) -> Option<Self> {
        [Self::P99, Self::P95, Self::P90]
            .into_iter()
            .find(|level| q <= level.alpha())
    }
}

/// The Gi* result of one unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitHotspot {
    /// Incidents in the unit.
    pub count: u32,
    /// Neighbours within the neighbourhood, the unit itself not counted.
    pub neighbours: u32,
    /// The Gi* z-score.
    pub gi_z: f64,
    /// Two-sided p-value of `gi_z` under the standard normal.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value, when the FDR correction was asked for.
    pub fdr_p_value: Option<f64>,
    /// Hot or cold spot class.
    pub class: HotspotClass,
}

/// A hotspot map: one result per unit, in the order of the units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hotspots {
    /// Per unit.
    pub units: Vec<UnitHotspot>,
    /// Mean count per unit.
    pub mean: f64,
    /// Standard deviation of the counts (denominator n).
    pub standard_deviation: f64,
    /// Whether the classes use the FDR correction.
    pub fdr: bool,
    /// The neighbourhood of the weights.
    pub neighbourhood: Neighbourhood,
}

impl Hotspots {
    /// Units per class, in the order of [`HotspotClass::ALL`].
    pub fn class_counts(&self) -> [(HotspotClass, usize); 7] {
        HotspotClass::ALL.map(|class| {
            let units = self.units.iter().filter(|u| u.class == class).count();
            (class, units)
        })
    }
}

/// Gi* for every unit: z-scores, p-values and classes.
///
/// # Errors
/// [`Error::WeightsMismatch`] if the weights and counts were built for different units.
///
/// # Example
/// ```
/// use athar_hotspots::{gi_star, BoundingBox, Counts, GiStarOptions, HotspotClass, SpatialWeights, Units};
/// # fn example() -> athar_hotspots::Result<()> {
/// let units = Units::points(vec![("a", 36.0, 36.0), ("b", 36.01, 36.0), ("c", 36.5, 36.0), ("d", 36.51, 36.0)])?;
/// let weights = SpatialWeights::distance_band(&units, Some(5.0))?;
/// let counts = Counts::new(&units, vec![9, 8, 0, 1])?;
/// let map = gi_star(&weights, &counts, GiStarOptions::default())?;
/// // z = (17 − 4.5 × 2) / (4.03 × √(4/3)) = 1.72, p = 0.086
/// assert!((map.units[0].gi_z - 1.719).abs() < 1e-3);
/// assert_eq!(map.units[0].class, HotspotClass::Hot90);
/// assert!(map.units[2].gi_z < 0.0);
/// # Ok(()) }
/// # example().unwrap();
/// ```
pub fn gi_star(
    weights: &SpatialWeights,
    counts: &Counts,
    options: GiStarOptions,
) -> Result<Hotspots> {
    let values = counts.per_unit();
    if weights.len() != values.len() {
        return Err(Error::WeightsMismatch {
            weights: weights.len(),
            counts: values.len(),
        });
    }
    let (z, stats) = gi_star_scores(weights, values, 1);
    let p: Vec<f64> = z.iter().map(|&z| two_sided_p_value(z)).collect();
    let q = options.fdr.then(|| benjamini_hochberg(&p));
    let units = (0..values.len())
        .map(|i| {
            let fdr_p_value = q.as_ref().map(|q| q[i]);
            let confidence = match fdr_p_value {
                Some(q) => Confidence::of_fdr_p_value(q),
                None => Confidence::of_p_value(p[i]),
            };
            UnitHotspot {
                count: values[i],
                neighbours: (weights.neighbours(i).len() - 1) as u32,
                gi_z: z[i],
                p_value: p[i],
                fdr_p_value,
                class: HotspotClass::new(z[i], confidence),
            }
        })
        .collect();
    Ok(Hotspots {
        units,
        mean: stats[0].mean,
        standard_deviation: stats[0].standard_deviation,
        fdr: options.fdr,
        neighbourhood: weights.neighbourhood(),
    })
}

/// Mean and standard deviation of one period's counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PeriodStats {
    pub(crate) mean: f64,
    pub(crate) standard_deviation: f64,
}

/// Gi* z-scores for `periods` periods at once. `values` holds the counts unit by unit
/// (`values[unit * periods + period]`), and so does the result.
pub(crate) fn gi_star_scores(
    weights: &SpatialWeights,
    values: &[u32],
    periods: usize,
) -> (Vec<f64>, Vec<PeriodStats>) {
    let n = weights.len();
    debug_assert_eq!(values.len(), n * periods);
    // Sums in integers: all counts equal gives a variance of exactly 0.
    let mut sums = vec![0u64; periods];
    let mut sums_of_squares = vec![0u128; periods];
    for row in values.chunks_exact(periods) {
        for (t, &x) in row.iter().enumerate() {
            sums[t] += u64::from(x);
            sums_of_squares[t] += u128::from(x) * u128::from(x);
        }
    }
    let n128 = n as u128;
    let stats: Vec<PeriodStats> = (0..periods)
        .map(|t| {
            let sum = u128::from(sums[t]);
            // n² S² = n Σx² − (Σx)², exact and never negative.
            let spread = n128 * sums_of_squares[t] - sum * sum;
            PeriodStats {
                mean: sums[t] as f64 / n as f64,
                standard_deviation: (spread as f64).sqrt() / n as f64,
            }
        })
        .collect();

    let mut z = vec![0.0; n * periods];
    let mut local = vec![0u64; periods];
    for i in 0..n {
        let neighbours = weights.neighbours(i);
        local.fill(0);
        for &j in neighbours {
            let row = &values[j as usize * periods..(j as usize + 1) * periods];
            for (sum, &x) in local.iter_mut().zip(row) {
                *sum += u64::from(x);
            }
        }
        let w = neighbours.len() as u64;
        let spread = (n as u64 * w).saturating_sub(w * w);
        if n < 2 || spread == 0 {
            continue;
        }
        let factor = (spread as f64 / (n - 1) as f64).sqrt();
        for t in 0..periods {
            let s = stats[t].standard_deviation;
            if s > 0.0 {
                z[i * periods + t] = (local[t] as f64 - stats[t].mean * w as f64) / (s * factor);
            }
        }
    }
    (z, stats)
}

/// Benjamini-Hochberg adjusted p-values (q-values), in the order given.
///
/// With the m p-values sorted, p₍₁₎ ≤ … ≤ p₍ₘ₎, q₍ᵢ₎ = min over j ≥ i of m p₍ⱼ₎ / j,
/// at most 1. A unit is significant at level α under the False Discovery Rate correction
/// when q ≤ α, which is the BH procedure run separately at α = 0.10, 0.05 and 0.01 over
/// all units, as ArcGIS's Hot Spot Analysis does with its FDR option: it rejects the k
/// smallest p-values, k the largest i with p₍ᵢ₎ ≤ i α / m.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut q = vec![1.0; m];
    let mut running_min: f64 = 1.0;
    for (rank, &index) in order.iter().enumerate().rev() {
        let adjusted = p_values[index] * m as f64 / (rank + 1) as f64;
        running_min = running_min.min(adjusted);
        q[index] = running_min;
    }
    q
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "exact values are the point of these tests"
)]
mod tests {
    use super::*;

    fn line(counts: &[u32]) -> (SpatialWeights, Vec<u32>) {
        // Units on a line, neighbours the next unit on each side.
        let n = counts.len();
        let lists: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                [i.checked_sub(1), Some(i + 1).filter(|&j| j < n)]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .collect();
        (
            SpatialWeights::from_neighbour_lists(&lists).unwrap(),
            counts.to_vec(),
        )
    }

    #[test]
    fn gi_star_matches_a_hand_computed_value() {
        // x = 1..=5, unit 2 (x = 3) with neighbours 1, 2, 3: local sum 9, W = 3, n = 5,
        // mean 3, S = √2, numerator 9 − 9 = 0. Unit 4 (x = 5), neighbours 3, 4: local
        // sum 9, W = 2: (9 − 6) / (√2 √((10 − 4) / 4)) = 3 / √3 = √3.
        let (weights, counts) = line(&[1, 2, 3, 4, 5]);
        let (z, stats) = gi_star_scores(&weights, &counts, 1);
        assert!((stats[0].standard_deviation - 2f64.sqrt()).abs() < 1e-15);
        assert!(z[2].abs() < 1e-15);
        assert!((z[4] - 3f64.sqrt()).abs() < 1e-12, "{}", z[4]);
        assert!((z[0] + 3f64.sqrt()).abs() < 1e-12, "{}", z[0]);
    }

    #[test]
    fn equal_counts_give_zero_scores_not_nan() {
        let (weights, counts) = line(&[4, 4, 4, 4]);
        let (z, _) = gi_star_scores(&weights, &counts, 1);
        assert!(z.iter().all(|&z| z == 0.0));
    }

    #[test]
    fn a_single_unit_gives_a_zero_score() {
        let weights = SpatialWeights::from_neighbour_lists(&[vec![]]).unwrap();
        let (z, _) = gi_star_scores(&weights, &[7], 1);
        assert_eq!(z, vec![0.0]);
    }

    #[test]
    fn a_neighbourhood_of_every_unit_gives_a_zero_score() {
        let lists = vec![vec![1, 2], vec![0], vec![0]];
        let weights = SpatialWeights::from_neighbour_lists(&lists).unwrap();
        let (z, _) = gi_star_scores(&weights, &[1, 5, 9], 1);
        assert_eq!(z[0], 0.0);
        assert!(z.iter().all(|z| z.is_finite()));
    }

    #[test]
    fn periods_are_scored_independently() {
        let (weights, _) = line(&[0; 5]);
        let first = [1, 2, 3, 4, 5];
        let second = [9, 0, 0, 3, 1];
        let together: Vec<u32> = first
            .iter()
            .zip(&second)
            .flat_map(|(&a, &b)| [a, b])
            .collect();
        let (z, _) = gi_star_scores(&weights, &together, 2);
        let (z1, _) = gi_star_scores(&weights, &first, 1);
        let (z2, _) = gi_star_scores(&weights, &second, 1);
        for i in 0..5 {
            assert_eq!(z[2 * i], z1[i]);
            assert_eq!(z[2 * i + 1], z2[i]);
        }
    }

    #[test]
    fn benjamini_hochberg_matches_a_worked_example() {
        // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "BH")
        //   = 0.025 0.05 0.05 0.025 0.2
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.2]);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.2];
        for (q, e) in q.iter().zip(expected) {
            assert!((q - e).abs() < 1e-15, "{q} vs {e}");
        }
    }

    #[test]
    fn classes_follow_p_value_thresholds_and_sign() {
        assert_eq!(
            HotspotClass::new(3.0, Confidence::of_p_value(0.009)),
            HotspotClass::Hot99
        );
        assert_eq!(
            HotspotClass::new(-2.0, Confidence::of_p_value(0.04)),
            HotspotClass::Cold95
        );
        assert_eq!(
            HotspotClass::new(1.7, Confidence::of_p_value(0.09)),
            HotspotClass::Hot90
        );
        assert_eq!(
            HotspotClass::new(1.0, Confidence::of_p_value(0.1)),
            HotspotClass::NotSignificant
        );
        for class in HotspotClass::ALL {
            assert_eq!(class.mirrored().mirrored(), class);
        }
    }
}
