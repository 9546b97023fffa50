//! Emerging hotspots on a synthetic history with known patterns.

use athar_hotspots::{
    DatedPoint, EmergingCategory, EmergingHotspots, EmergingOptions, Error, Interval, LonLat,
    Periods, SpaceTimeCounts, SpatialWeights, Trend, Units, emerging_hotspots,
};
use chrono::{Days, NaiveDate};

use crate::support::{Rng, bbox, point_in_unit};

/// A place where incidents cluster in some months.
struct Place {
    lon: f64,
    lat: f64,
    /// Extra incidents per month, oldest first.
    extra: [u32; 12],
}

/// Twelve months of a sparse uniform background plus `places`, analysed with 5 km bands
/// over H3 resolution 7 with the FDR correction; checks that each place's cell gets its expected category.
fn check_patterns(places: &[(Place, EmergingCategory)], seed: u64) -> EmergingHotspots {
    let area = bbox([36.0, 35.5, 37.0, 36.2]);
    let units = Units::h3(7, area).unwrap();
    let weights = SpatialWeights::distance_band(&units, Some(5.0)).unwrap();
    let last = NaiveDate::from_ymd_opt(2024, 12, 10).unwrap();
    let periods = Periods::ending_at(Interval::Month, last, 12).unwrap();

    let mut rng = Rng::new(seed);
    let mut incidents: Vec<DatedPoint> = Vec::new();
    for month in 0..12 {
        let start = periods.start(month);
        let days = (periods.end(month) - start).num_days() as usize;
        let day = |rng: &mut Rng| {
            start
                .checked_add_days(Days::new(rng.below(days) as u64))
                .unwrap()
        };
        for _ in 0..units.len() {
            let position = rng.point_in(&area);
            incidents.push(DatedPoint {
                position,
                date: day(&mut rng),
            });
        }
        for (place, _) in places {
            let unit = units.unit_of(LonLat::new(place.lon, place.lat)).unwrap();
            for _ in 0..place.extra[month] {
                let position = point_in_unit(&units, unit, &mut rng);
                incidents.push(DatedPoint {
                    position,
                    date: day(&mut rng),
                });
            }
        }
    }
    // Incidents before and after the periods are left out.
    incidents.push((36.5, 35.9, NaiveDate::from_ymd_opt(2023, 11, 30).unwrap()).into());
    incidents.push((36.5, 35.9, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap()).into());

    let counts = units.count_dated_points(incidents, periods).unwrap();
    assert_eq!(counts.outside_periods(), 2);
    // With the FDR correction: without it, about one (unit, month) in ten of the
    // background is a 90 % hot or cold spot by chance, and few cells would be "new".
    let options = EmergingOptions {
        fdr: true,
        ..EmergingOptions::default()
    };
    let result = emerging_hotspots(&weights, &counts, options).unwrap();
    for (place, expected) in places {
        let unit = units.unit_of(LonLat::new(place.lon, place.lat)).unwrap();
        let found = result.units[unit];
        assert_eq!(
            found.category,
            *expected,
            "at {}, {}: hot in {} periods, z = {:?}",
            place.lon,
            place.lat,
            found.hot_periods,
            result.gi_z_series(unit)
        );
        let total: u64 = counts.series(unit).iter().map(|&c| u64::from(c)).sum();
        assert_eq!(total, found.total);
    }

    let tally = result.category_counts();
    let hot_units: usize = tally
        .iter()
        .filter(|(c, _)| c.is_hot())
        .map(|(_, n)| n)
        .sum();
    // The places and the cells around them; the background gives few hot patterns.
    assert!(hot_units >= places.len());
    assert!(
        hot_units < units.len() / 5,
        "{hot_units} of {}",
        units.len()
    );

    // FDR leaves at most as many hot periods.
    let options = EmergingOptions {
        fdr: true,
        ..EmergingOptions::default()
    };
    let strict = emerging_hotspots(&weights, &counts, options).unwrap();
    for (plain, fdr) in result.units.iter().zip(&strict.units) {
        assert!(fdr.hot_periods <= plain.hot_periods);
    }
    result
}

// Gi* is relative to each period's mean and spread: a steady cluster stays persistent
// only while the rest of the map is steady too (clusters appearing elsewhere make it
// diminishing), so the patterns are checked on three maps.

#[test]
fn a_growing_cluster_is_intensifying_and_a_vanished_one_historical() {
    let growing = Place {
        lon: 36.2,
        lat: 35.7,
        extra: [40, 44, 48, 52, 56, 60, 64, 68, 72, 76, 80, 84],
    };
    let (lon, lat) = (growing.lon, growing.lat);
    let result = check_patterns(
        &[
            (growing, EmergingCategory::Intensifying),
            (
                Place {
                    lon: 36.8,
                    lat: 36.05,
                    extra: [50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 0],
                },
                EmergingCategory::Historical,
            ),
        ],
        21,
    );
    let units = Units::h3(7, bbox([36.0, 35.5, 37.0, 36.2])).unwrap();
    let unit = units.unit_of(LonLat::new(lon, lat)).unwrap();
    assert_eq!(result.units[unit].count_trend.trend, Trend::Up);
    assert_eq!(result.units[unit].gi_z_trend.trend, Trend::Up);
}

#[test]
fn appearing_clusters_are_new_and_consecutive() {
    check_patterns(
        &[
            (
                Place {
                    lon: 36.5,
                    lat: 36.05,
                    extra: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 80],
                },
                EmergingCategory::New,
            ),
            (
                Place {
                    lon: 36.8,
                    lat: 35.7,
                    extra: [0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 60, 60],
                },
                EmergingCategory::Consecutive,
            ),
        ],
        22,
    );
}

#[test]
fn a_steady_cluster_is_persistent_and_an_intermittent_one_sporadic() {
    check_patterns(
        &[
            (
                Place {
                    lon: 36.2,
                    lat: 35.7,
                    extra: [50; 12],
                },
                EmergingCategory::Persistent,
            ),
            (
                Place {
                    lon: 36.5,
                    lat: 35.65,
                    extra: [0, 60, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0],
                },
                EmergingCategory::Sporadic,
            ),
        ],
        23,
    );
}

#[test]
fn counts_for_other_units_are_refused() {
    let units = Units::points(vec![
        ("a", 36.0, 36.0),
        ("b", 36.1, 36.0),
        ("c", 36.2, 36.0),
    ])
    .unwrap();
    let other = Units::points(vec![("a", 36.0, 36.0), ("b", 36.1, 36.0)]).unwrap();
    let periods = Periods::ending_at(
        Interval::Week,
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        4,
    )
    .unwrap();
    let counts = SpaceTimeCounts::new(&other, periods, vec![1; 8]).unwrap();
    let weights = SpatialWeights::distance_band(&units, None).unwrap();
    assert_eq!(
        emerging_hotspots(&weights, &counts, EmergingOptions::default()).unwrap_err(),
        Error::WeightsMismatch {
            weights: 3,
            counts: 2
        }
    );
    assert!(matches!(
        SpaceTimeCounts::new(&units, periods, vec![1; 8]),
        Err(Error::CountsMismatch {
            given: 8,
            expected: 12,
            periods: 4
        })
    ));
}

/// Every unit's category is the classification of its own classes with the trend the
/// options name: the z-scores' by default, the counts' with `TrendSeries::Counts`.
#[test]
fn the_category_follows_the_trend_the_options_name() {
    use athar_hotspots::TrendSeries;
    let area = bbox([36.0, 35.5, 37.0, 36.2]);
    let units = Units::h3(7, area).unwrap();
    let weights = SpatialWeights::distance_band(&units, Some(5.0)).unwrap();
    let last = NaiveDate::from_ymd_opt(2024, 12, 10).unwrap();
    let periods = Periods::ending_at(Interval::Month, last, 12).unwrap();
    let mut rng = Rng::new(11);
    let mut incidents: Vec<DatedPoint> = Vec::new();
    let sarmin = units.unit_of(LonLat::new(36.72, 35.9)).unwrap();
    for month in 0..12 {
        let date = periods.start(month);
        for _ in 0..units.len() / 2 {
            incidents.push(DatedPoint {
                position: rng.point_in(&area),
                date,
            });
        }
        // A cluster whose counts fall month after month while it stays hot.
        for _ in 0..(60 - 4 * month) {
            incidents.push(DatedPoint {
                position: point_in_unit(&units, sarmin, &mut rng),
                date,
            });
        }
    }
    let counts = units.count_dated_points(incidents, periods).unwrap();
    let mut differ = 0;
    let mut by_series = Vec::new();
    for trend_of in [TrendSeries::GiZ, TrendSeries::Counts] {
        let options = EmergingOptions {
            fdr: true,
            trend_of,
            ..EmergingOptions::default()
        };
        let result = emerging_hotspots(&weights, &counts, options).unwrap();
        for (unit, emerging) in result.units.iter().enumerate() {
            let classes = result.class_series(unit);
            let hot: Vec<bool> = classes.iter().map(|c| c.is_hot()).collect();
            let cold: Vec<bool> = classes.iter().map(|c| c.is_cold()).collect();
            let trend = match trend_of {
                TrendSeries::GiZ => emerging.gi_z_trend.trend,
                TrendSeries::Counts => emerging.count_trend.trend,
            };
            assert_eq!(
                emerging.category,
                EmergingCategory::classify(&hot, &cold, trend),
                "unit {unit} with {trend_of:?}"
            );
            if emerging.gi_z_trend.trend != emerging.count_trend.trend {
                differ += 1;
            }
        }
        by_series.push(result.units[sarmin]);
    }
    // The falling cluster: its counts trend down.
    assert_eq!(by_series[1].count_trend.trend, Trend::Down);
    assert_eq!(by_series[1].category, EmergingCategory::Diminishing);
    assert!(differ > 0, "the two series give different trends somewhere");
}
