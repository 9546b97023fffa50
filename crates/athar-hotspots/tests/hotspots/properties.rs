//! Properties of Gi* that must hold for any counts.

use std::sync::LazyLock;

use athar_hotspots::{
    Counts, GiStarOptions, HotspotClass, Hotspots, SpatialWeights, Units, gi_star,
};
use proptest::prelude::*;

use crate::support::{Rng, bbox, point_in_unit};

/// About 230 H3 cells of resolution 7 around Idlib, neighbours within 4 km.
static AREA: LazyLock<(Units, SpatialWeights)> = LazyLock::new(|| {
    let units = Units::h3(7, bbox([36.4, 35.75, 36.85, 36.1])).unwrap();
    let weights = SpatialWeights::distance_band(&units, Some(4.0)).unwrap();
    (units, weights)
});

fn map(counts: Vec<u32>, fdr: bool) -> Hotspots {
    let (units, weights) = &*AREA;
    gi_star(
        weights,
        &Counts::new(units, counts).unwrap(),
        GiStarOptions { fdr },
    )
    .unwrap()
}

fn counts_strategy() -> impl Strategy<Value = Vec<u32>> {
    let units = AREA.0.len();
    prop::collection::vec(
        prop_oneof![3 => 0u32..4, 1 => 0u32..60, 1 => Just(0u32)],
        units,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Moving incidents within their cells, and listing them in another order, changes
    /// nothing.
    #[test]
    fn incidents_moved_within_their_units_change_nothing(
        per_unit in prop::collection::vec(0usize..6, 1..400),
        seed in any::<u64>(),
    ) {
        let (units, weights) = &*AREA;
        let mut rng = Rng::new(seed);
        let mut incidents: Vec<_> = per_unit
            .iter()
            .enumerate()
            .flat_map(|(k, &n)| std::iter::repeat_n(k * 37 % units.len(), n))
            .map(|unit| point_in_unit(units, unit, &mut rng))
            .collect();
        let before = units.count_points(incidents.iter().copied()).unwrap();
        // New positions in the same cells, in another order.
        let mut moved: Vec<_> = incidents
            .iter()
            .map(|&p| point_in_unit(units, units.unit_of(p).unwrap(), &mut rng))
            .collect();
        rng.shuffle(&mut moved);
        rng.shuffle(&mut incidents);
        let after = units.count_points(moved).unwrap();
        prop_assert_eq!(&before, &after);
        prop_assert_eq!(before.outside(), 0);
        for fdr in [false, true] {
            let options = GiStarOptions { fdr };
            prop_assert_eq!(
                gi_star(weights, &before, options).unwrap(),
                gi_star(weights, &after, options).unwrap()
            );
        }
    }

    /// Gi* z-scores do not depend on the unit of the counts.
    #[test]
    fn scaling_every_count_leaves_z_scores_and_classes_unchanged(
        counts in counts_strategy(),
        factor in 2u32..50,
    ) {
        let scaled: Vec<u32> = counts.iter().map(|&c| c * factor).collect();
        for fdr in [false, true] {
            let original = map(counts.clone(), fdr);
            let scaled = map(scaled.clone(), fdr);
            for (a, b) in original.units.iter().zip(&scaled.units) {
                prop_assert!((a.gi_z - b.gi_z).abs() <= 1e-9 * a.gi_z.abs().max(1.0));
                prop_assert_eq!(a.class, b.class);
            }
        }
    }

    /// Counts reflected about their maximum (deviations from the mean negated) negate
    /// every z-score and exchange hot and cold classes.
    #[test]
    fn negated_deviations_exchange_hot_and_cold(counts in counts_strategy()) {
        let top = counts.iter().copied().max().unwrap_or(0);
        let reflected: Vec<u32> = counts.iter().map(|&c| top - c).collect();
        for fdr in [false, true] {
            let original = map(counts.clone(), fdr);
            let reflected = map(reflected.clone(), fdr);
            for (a, b) in original.units.iter().zip(&reflected.units) {
                prop_assert!((a.gi_z + b.gi_z).abs() <= 1e-9 * a.gi_z.abs().max(1.0));
                prop_assert_eq!(a.class.mirrored(), b.class);
            }
        }
    }

    /// Results are finite whatever the counts (all equal, all zero, one non-zero).
    #[test]
    fn results_are_never_nan(value in 0u32..5, spike in any::<bool>()) {
        let mut counts = vec![value; AREA.0.len()];
        if spike {
            counts[0] += 1;
        }
        let result = map(counts, true);
        for unit in &result.units {
            prop_assert!(unit.gi_z.is_finite() && unit.p_value.is_finite());
            prop_assert!(unit.fdr_p_value.unwrap().is_finite());
        }
        if !spike {
            prop_assert!(result.units.iter().all(|u| u.gi_z == 0.0 && u.class == HotspotClass::NotSignificant));
        }
    }
}

/// Under complete spatial randomness a unit is a 99 % hot spot with probability 0.5 %
/// (z > 2.576). Neighbouring units share most of their neighbourhoods, so their z-scores
/// are correlated and the hot spots of one map come in clumps: with about 1,230 units and
/// 19 units per neighbourhood (two rings of cells) there are roughly 1,230 / 19 ≈ 65
/// independent tests per map. Over 40 maps (about 2,600 independent tests) the fraction of hot_99 has a
/// standard deviation of about √(0.005 × 0.995 / 2,600) ≈ 0.14 %, so the bound of 1 %
/// leaves a margin of three and a half standard deviations above the expected 0.5 % (the
/// Poisson counts' slight skew adds a few hundredths of a percent). The same holds for
/// cold_99, and the FDR correction must leave fewer. (Seen: hot_99 0.61 %, cold_99
/// 0.43 %, hot_99 with FDR 0.01 %.)
#[test]
fn uniformly_random_incidents_give_hot_99_at_the_false_positive_rate() {
    let area = bbox([36.0, 35.5, 37.0, 36.2]);
    let units = Units::h3(7, area).unwrap();
    let weights = SpatialWeights::distance_band(&units, Some(5.0)).unwrap();
    // Incidents over a wider box, so that the cells along the edge, which reach beyond
    // the study area, get their full share.
    let wider = bbox([35.95, 35.45, 37.05, 36.25]);
    let runs = 40;
    let mut rng = Rng::new(7);
    let (mut hot_99, mut cold_99, mut hot_99_fdr, mut total) = (0, 0, 0, 0);
    for _ in 0..runs {
        let incidents: Vec<_> = (0..units.len() * 12)
            .map(|_| rng.point_in(&wider))
            .collect();
        let counts = units.count_points(incidents).unwrap();
        let plain = gi_star(&weights, &counts, GiStarOptions { fdr: false }).unwrap();
        let fdr = gi_star(&weights, &counts, GiStarOptions { fdr: true }).unwrap();
        hot_99 += plain
            .units
            .iter()
            .filter(|u| u.class == HotspotClass::Hot99)
            .count();
        cold_99 += plain
            .units
            .iter()
            .filter(|u| u.class == HotspotClass::Cold99)
            .count();
        hot_99_fdr += fdr
            .units
            .iter()
            .filter(|u| u.class == HotspotClass::Hot99)
            .count();
        total += units.len();
    }
    let rate = |n: usize| n as f64 / total as f64;
    eprintln!(
        "{} units × {runs} maps: hot_99 {:.3} %, cold_99 {:.3} %, hot_99 with FDR {:.3} %",
        units.len(),
        100.0 * rate(hot_99),
        100.0 * rate(cold_99),
        100.0 * rate(hot_99_fdr)
    );
    assert!(rate(hot_99) <= 0.01, "hot_99 rate {}", rate(hot_99));
    assert!(rate(cold_99) <= 0.01, "cold_99 rate {}", rate(cold_99));
    assert!(hot_99_fdr <= hot_99);
}
