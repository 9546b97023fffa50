//! Athar's Gi* z-scores and Mann-Kendall tests (athar-hotspots) against PySAL (esda,
//! libpysal) and pymannkendall, run by `tests/pysal/pysal_check.py` in the virtual
//! environment `target/python-venv-pysal` that `scripts/setup-python` makes (or the Python
//! named by `ATHAR_PYSAL_PYTHON`).

use std::path::PathBuf;
use std::process::Command;

use athar_e2e::{Run as _, workspace_root};
use athar_hotspots::{
    Counts, GiStarOptions, HotspotClass, SpatialWeights, Trend, Units, gi_star, mann_kendall,
};
use serde_json::{Value, json};

// The seeded generator and fixtures of athar-hotspots' own tests: the data sets are the
// same numbers here as there.
#[allow(dead_code)]
#[path = "../../crates/athar-hotspots/tests/hotspots/support.rs"]
mod support;

use support::{Rng, bbox};

const TOLERANCE: f64 = 1e-6;

/// Poisson(λ) by multiplying uniforms (Knuth), for small λ.
fn poisson(rng: &mut Rng, lambda: f64) -> u32 {
    let limit = (-lambda).exp();
    let mut k = 0;
    let mut product = rng.uniform();
    while product > limit {
        k += 1;
        product *= rng.uniform();
    }
    k
}

struct Dataset {
    name: &'static str,
    units: Units,
    weights: SpatialWeights,
    counts: Vec<u32>,
}

/// H3 cells around Idlib with two clusters of incidents on a sparse background.
fn clusters() -> Dataset {
    let units = Units::h3(7, bbox([36.4, 35.75, 36.85, 36.1])).unwrap();
    let weights = SpatialWeights::distance_band(&units, Some(4.0)).unwrap();
    let mut rng = Rng::new(1);
    let centres = [(36.63, 35.93, 25.0), (36.48, 36.02, 12.0)];
    let counts = (0..units.len())
        .map(|i| {
            let c = units.centre(i);
            let cluster: f64 = centres
                .iter()
                .map(|&(lon, lat, peak)| {
                    let d = c.distance_km((lon, lat).into());
                    peak * (-d * d / 18.0).exp()
                })
                .sum();
            poisson(&mut rng, 0.5 + cluster)
        })
        .collect();
    Dataset {
        name: "clusters",
        units,
        weights,
        counts,
    }
}

/// Units at random positions with random counts and eight nearest neighbours (weights
/// that are not symmetric).
fn random() -> Dataset {
    let mut rng = Rng::new(2);
    let area = bbox([35.7, 35.3, 37.6, 36.75]);
    let units = Units::points(
        (0..400)
            .map(|i| {
                let p = rng.point_in(&area);
                (format!("community-{i}"), p.lon, p.lat)
            })
            .collect(),
    )
    .unwrap();
    let weights = SpatialWeights::k_nearest(&units, 8).unwrap();
    let counts = (0..units.len()).map(|_| poisson(&mut rng, 3.0)).collect();
    Dataset {
        name: "random",
        units,
        weights,
        counts,
    }
}

/// Thirty communities close together and one 60 km away: with a 6 km band, its only
/// neighbour is itself.
fn isolated() -> Dataset {
    let mut rng = Rng::new(3);
    let mut given: Vec<(String, f64, f64)> = (0..30)
        .map(|i| {
            (
                format!("village-{i}"),
                rng.between(36.5, 36.65),
                rng.between(35.85, 35.95),
            )
        })
        .collect();
    given.push(("far-away".to_owned(), 37.3, 36.3));
    let units = Units::points(given).unwrap();
    let weights = SpatialWeights::distance_band(&units, Some(6.0)).unwrap();
    let mut counts: Vec<u32> = (0..30).map(|_| poisson(&mut rng, 4.0)).collect();
    counts.push(40);
    Dataset {
        name: "isolated",
        units,
        weights,
        counts,
    }
}

/// Series for Mann-Kendall: random counts (many ties), trends up and down, constants.
fn series() -> Vec<Vec<f64>> {
    let mut rng = Rng::new(4);
    let mut all = Vec::new();
    for i in 0..60 {
        let slope = match i % 3 {
            0 => 0.0,
            1 => 0.4,
            _ => -0.3,
        };
        let length = 4 + i % 20;
        all.push(
            (0..length)
                .map(|t| f64::from(poisson(&mut rng, (3.0 + slope * f64::from(t)).max(0.1))))
                .collect(),
        );
    }
    all.push(vec![2.0; 12]);
    all.push((0..12).map(f64::from).collect());
    all
}

fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("ATHAR_PYSAL_PYTHON") {
        return path.into();
    }
    let path = workspace_root().join("target/python-venv-pysal/bin/python");
    assert!(
        path.exists(),
        "the PySAL check needs a Python virtual environment at {}; make it with \
         scripts/setup-python (scripts/test does), or set ATHAR_PYSAL_PYTHON to a Python \
         that has esda, libpysal and pymannkendall",
        path.display()
    );
    path
}

fn run_pysal(request: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.json");
    let output = dir.path().join("output.json");
    std::fs::write(&input, request.to_string()).unwrap();
    let script = workspace_root().join("tests/pysal/pysal_check.py");
    let result = Command::new(python())
        .arg(&script)
        .arg(&input)
        .arg(&output)
        .run();
    assert!(
        result.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&result.stderr)
    );
    serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap()
}

#[test]
fn gi_star_z_scores_and_mann_kendall_match_pysal() {
    let datasets = [clusters(), random(), isolated()];
    let series = series();
    let request = json!({
        "datasets": datasets.iter().enumerate().map(|(k, d)| json!({
            "name": d.name,
            "counts": d.counts,
            "neighbours": (0..d.weights.len())
                .map(|i| d.weights.neighbours(i).iter().filter(|&&j| j as usize != i).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            "series": if k == 0 { series.clone() } else { Vec::new() },
        })).collect::<Vec<_>>(),
    });
    let reference = run_pysal(&request);
    eprintln!("reference versions: {}", reference["versions"]);

    for (dataset, expected) in datasets
        .iter()
        .zip(reference["datasets"].as_array().unwrap())
    {
        assert_eq!(expected["name"], dataset.name);
        let counts = Counts::new(&dataset.units, dataset.counts.clone()).unwrap();
        let map = gi_star(&dataset.weights, &counts, GiStarOptions::default()).unwrap();
        let expected_z = expected["gi_z"].as_array().unwrap();
        assert_eq!(expected_z.len(), map.units.len());
        let mut worst: f64 = 0.0;
        for (i, (unit, z)) in map.units.iter().zip(expected_z).enumerate() {
            let z = z.as_f64().unwrap();
            let difference = (unit.gi_z - z).abs();
            worst = worst.max(difference);
            assert!(
                difference <= TOLERANCE,
                "{} unit {i} ({}): Athar z = {}, PySAL z = {z}",
                dataset.name,
                dataset.units.id(i),
                unit.gi_z
            );
        }
        eprintln!(
            "{}: {} units, largest difference from PySAL {worst:e}",
            dataset.name,
            map.units.len()
        );
    }

    // The data sets are what they claim to be.
    let clustered = gi_star(
        &datasets[0].weights,
        &Counts::new(&datasets[0].units, datasets[0].counts.clone()).unwrap(),
        GiStarOptions::default(),
    )
    .unwrap();
    assert!(
        clustered
            .units
            .iter()
            .any(|u| u.class == HotspotClass::Hot99)
    );
    let isolated = &datasets[2];
    let last = isolated.units.len() - 1;
    assert_eq!(isolated.weights.neighbours(last), &[last as u32]);
    assert_eq!(isolated.weights.isolated_units(), 1);

    let expected_trends = reference["datasets"][0]["mann_kendall"].as_array().unwrap();
    assert_eq!(expected_trends.len(), series.len());
    for (values, expected) in series.iter().zip(expected_trends) {
        let result = mann_kendall(values);
        let number = |key: &str| expected[key].as_f64().unwrap();
        assert_eq!(
            Some(result.s),
            expected["s"].as_f64().map(|s| s as i64),
            "{values:?}"
        );
        assert!(
            (result.variance - number("var_s")).abs() < 1e-9,
            "{values:?}"
        );
        assert!((result.z - number("z")).abs() < 1e-9, "{values:?}");
        assert!((result.p_value - number("p")).abs() < 1e-9, "{values:?}");
        assert!((result.tau - number("tau")).abs() < 1e-12, "{values:?}");
        let trend = match result.trend {
            Trend::Up => "up",
            Trend::Down => "down",
            Trend::NoTrend => "none",
        };
        assert_eq!(trend, expected["trend"], "{values:?}");
    }
}
