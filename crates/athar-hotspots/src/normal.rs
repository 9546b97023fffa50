//! The standard normal distribution, through the complementary error function of `libm`
//! (a port of FreeBSD's msun, accurate to a few units in the last place, so also in
//! the far tails where `1 - Φ(z)` would lose every digit).

use std::f64::consts::FRAC_1_SQRT_2;

/// Φ(x), the standard normal cumulative distribution function.
pub fn standard_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x * FRAC_1_SQRT_2)
}

/// The two-sided p-value of a z-score: P(|Z| ≥ |z|) = 2 (1 − Φ(|z|)).
pub fn two_sided_p_value(z: f64) -> f64 {
    libm::erfc(z.abs() * FRAC_1_SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_relative(actual: f64, expected: f64, tolerance: f64) {
        let error = ((actual - expected) / expected).abs();
        assert!(
            error < tolerance,
            "{actual} vs {expected}: relative error {error}"
        );
    }

    /// Reference values from SciPy 1.17 (`scipy.special.ndtr`).
    #[test]
    fn cdf_matches_reference_values_to_1e_13() {
        let reference = [
            (-8.0, 6.220_960_574_271_74e-16),
            (-5.0, 2.866_515_718_791_933e-7),
            (-3.0, 0.001_349_898_031_630_093_3),
            (-1.959_963_984_540_054, 0.025),
            (-1.0, 0.158_655_253_931_457_07),
            (-0.5, 0.308_537_538_725_986_9),
            (0.0, 0.5),
            (0.3, 0.617_911_422_188_952_6),
            (1.0, 0.841_344_746_068_542_9),
            (1.644_853_626_951_472_2, 0.95),
            (2.575_829_303_548_900_4, 0.995),
            (3.0, 0.998_650_101_968_369_9),
            (6.0, 0.999_999_999_013_412_3),
        ];
        for (x, expected) in reference {
            assert_relative(standard_normal_cdf(x), expected, 1e-13);
        }
    }

    #[test]
    fn two_sided_p_values_match_reference_values() {
        let reference = [
            (1.644_853_626_951_472_2, 0.1),
            (1.959_963_984_540_054, 0.05),
            (2.575_829_303_548_900_4, 0.01),
            (4.0, 6.334_248_366_623_973e-5),
            (7.5, 6.381_783_345_821_769e-14),
        ];
        for (z, expected) in reference {
            assert_relative(two_sided_p_value(z), expected, 1e-13);
            assert_relative(two_sided_p_value(-z), expected, 1e-13);
        }
        assert!((two_sided_p_value(0.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn cdf_is_symmetric_and_monotonic() {
        let mut previous = 0.0;
        for i in -400..=400 {
            let x = f64::from(i) / 50.0;
            let p = standard_normal_cdf(x);
            assert!(p >= previous);
            assert!((p + standard_normal_cdf(-x) - 1.0).abs() < 1e-15);
            previous = p;
        }
    }
}
