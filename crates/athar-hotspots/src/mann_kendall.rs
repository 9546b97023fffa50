//! The Mann-Kendall trend test (Mann 1945, Kendall 1975), as `pymannkendall.original_test`
//! computes it:
//!
//! - S = Σ_{i<j} sign(x_j − x_i);
//! - Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18, t_g the size of each group of
//!   tied values;
//! - z = (S − 1)/√Var(S) if S > 0, (S + 1)/√Var(S) if S < 0, 0 if S = 0 (continuity
//!   correction);
//! - p two-sided from the standard normal; a trend when |z| > z₀.₉₇₅ (α = 0.05);
//! - Kendall's τ = S / (n(n−1)/2).
//!
//! The normal approximation is rough below about ten values, and the test assumes the
//! values are serially independent: counts of conflict incidents often are not, which
//! makes trends look more significant than they are.

use serde::Serialize;

use crate::normal::two_sided_p_value;

/// The two-sided critical value at α = 0.05 (Φ⁻¹(0.975)).
const Z_975: f64 = 1.959_963_984_540_054;

/// Direction of a monotonic trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Increasing, significant at 0.05.
    Up,
    /// Decreasing, significant at 0.05.
    Down,
    /// No significant trend.
    #[serde(rename = "none")]
    NoTrend,
}

/// The result of a Mann-Kendall test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannKendall {
    /// The S statistic.
    pub s: i64,
    /// Var(S) with the correction for ties.
    pub variance: f64,
    /// The z-score with continuity correction.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Kendall's τ.
    pub tau: f64,
    /// The trend at α = 0.05.
    pub trend: Trend,
}

/// The Mann-Kendall test of a series in time order. Series of fewer than two values, or
/// all tied, give S = 0, z = 0, p = 1. (NaN values, which this crate never produces, add
/// nothing to S.)
pub fn mann_kendall(series: &[f64]) -> MannKendall {
    let n = series.len();
    let mut s: i64 = 0;
    for (i, &a) in series.iter().enumerate() {
        for &b in &series[i + 1..] {
            s += i64::from(b > a) - i64::from(b < a);
        }
    }

    let mut sorted = series.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && equal(sorted[end], sorted[start]) {
            end += 1;
        }
        let t = (end - start) as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        start = end;
    }
    let nf = n as f64;
    let variance = ((nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0).max(0.0);

    let z = if variance > 0.0 {
        match s.signum() {
            1 => (s - 1) as f64 / variance.sqrt(),
            -1 => (s + 1) as f64 / variance.sqrt(),
            _ => 0.0,
        }
    } else {
        0.0
    };
    let trend = if z > Z_975 {
        Trend::Up
    } else if z < -Z_975 {
        Trend::Down
    } else {
        Trend::NoTrend
    };
    let pairs = nf * (nf - 1.0) / 2.0;
    MannKendall {
        s,
        variance,
        z,
        p_value: two_sided_p_value(z),
        tau: if pairs > 0.0 { s as f64 / pairs } else { 0.0 },
        trend,
    }
}

/// Equality for ties, the same as S uses (-0.0 equals 0.0), and NaN equals NaN.
#[allow(clippy::float_cmp, reason = "ties are exactly equal values")]
fn equal(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[i32]) -> Vec<f64> {
        values.iter().map(|&v| f64::from(v)).collect()
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() <= 1e-12 * expected.abs().max(1.0),
            "{actual} vs {expected}"
        );
    }

    #[test]
    fn a_strictly_increasing_series_by_hand() {
        // n = 5: S = 10 (every pair increases), Var(S) = 5·4·15/18 = 50/3,
        // z = 9/√(50/3) = 2.2045…, p = 0.0275: a significant upward trend.
        let result = mann_kendall(&series(&[1, 2, 3, 4, 5]));
        assert_eq!(result.s, 10);
        assert_close(result.variance, 50.0 / 3.0);
        assert_close(result.z, 9.0 / (50.0f64 / 3.0).sqrt());
        assert_close(result.p_value, 0.027_486_336_111_510_3);
        assert_close(result.tau, 1.0);
        assert_eq!(result.trend, Trend::Up);
        let down = mann_kendall(&series(&[5, 4, 3, 2, 1]));
        assert_eq!((down.s, down.trend), (-10, Trend::Down));
        assert_close(down.z, -result.z);
    }

    /// Reference values from pymannkendall 1.4.3, `original_test`.
    #[test]
    fn matches_pymannkendall_with_and_without_ties() {
        type Case<'a> = (&'a [i32], i64, f64, f64, f64, Trend);
        let cases: [Case; 4] = [
            (
                &[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
                16,
                159.333_333_333_333_34,
                1.188_332_399_294_654,
                0.234_702_477_955_160_75,
                Trend::NoTrend,
            ),
            (
                &[0, 0, 1, 0, 2, 3, 3, 5, 4, 6, 8, 7],
                56,
                208.0,
                3.813_563_849_048_450_5,
                0.000_136_977_116_338_643_5,
                Trend::Up,
            ),
            (
                &[10, 12, 12, 11, 15, 14, 14, 16, 18, 17, 20, 21],
                54,
                210.666_666_666_666_66,
                3.651_555_936_788_271_5,
                0.000_260_656_309_174_045_5,
                Trend::Up,
            ),
            (
                &[2, 2, 2, 3, 3, 1, 1, 1, 4, 4, 4, 4],
                23,
                195.666_666_666_666_66,
                1.572_766_527_031_892,
                0.115_772_889_000_561_37,
                Trend::NoTrend,
            ),
        ];
        for (values, s, variance, z, p, trend) in cases {
            let result = mann_kendall(&series(values));
            assert_eq!(result.s, s, "{values:?}");
            assert_close(result.variance, variance);
            assert_close(result.z, z);
            // pymannkendall computes p as 2 (1 − Φ(|z|)), which loses digits in the tail.
            assert!(
                (result.p_value - p).abs() < 1e-12,
                "{} vs {p}",
                result.p_value
            );
            assert_eq!(result.trend, trend);
        }
    }

    #[test]
    fn constant_and_short_series_have_no_trend_and_no_nan() {
        for values in [&[][..], &[4][..], &[1, 1, 1, 1][..], &[1, 2][..]] {
            let result = mann_kendall(&series(values));
            assert_eq!(result.trend, Trend::NoTrend);
            assert!(result.z.is_finite() && result.p_value.is_finite() && result.tau.is_finite());
        }
        let constant = mann_kendall(&series(&[1, 1, 1, 1]));
        assert_eq!((constant.s, constant.z, constant.p_value), (0, 0.0, 1.0));
    }
}
