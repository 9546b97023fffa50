//! H3 units, point assignment and neighbourhoods.

use std::collections::BTreeSet;

use athar_hotspots::{
    BoundingBox, CellIndex, Counts, Error, LonLat, Neighbourhood, SpatialWeights, Units,
};
use h3o::{LatLng, Resolution};

use crate::support::{NORTH_WEST_SYRIA, Rng, bbox};

/// The cells with centres in the box, found by sampling a grid of points finer than any
/// cell (a quarter of an edge) over the box and a margin.
fn cells_by_sampling(resolution: Resolution, area: &BoundingBox) -> BTreeSet<CellIndex> {
    let step = resolution.edge_length_km() / 4.0 / 111.0;
    let margin = 3.0 * resolution.edge_length_km() / 111.0 / area.north.to_radians().cos();
    let mut cells = BTreeSet::new();
    let mut lat = area.south - margin;
    while lat <= area.north + margin {
        let mut lon = area.west - margin;
        while lon <= area.east + margin {
            let cell = LatLng::new(lat, lon).unwrap().to_cell(resolution);
            let centre = LatLng::from(cell);
            if area.contains(LonLat::new(centre.lng(), centre.lat())) {
                cells.insert(cell);
            }
            lon += step / lat.to_radians().cos();
        }
        lat += step;
    }
    cells
}

#[test]
fn units_are_every_cell_whose_centre_is_in_the_box() {
    for (resolution, area) in [
        (5, [35.7, 35.3, 37.6, 36.75]),
        (7, [36.4, 35.75, 36.85, 36.1]),
        (9, [36.6, 35.9, 36.66, 35.95]),
        // A box narrower than a cell.
        (6, [36.6, 35.0, 36.62, 36.5]),
    ] {
        let area = bbox(area);
        let units = Units::h3(resolution, area).unwrap();
        let expected = cells_by_sampling(Resolution::try_from(resolution).unwrap(), &area);
        let found: BTreeSet<CellIndex> = units.cells().unwrap().iter().copied().collect();
        assert_eq!(found, expected, "resolution {resolution}");
        assert_eq!(units.len(), expected.len());
    }
}

#[test]
fn boundaries_are_closed_counter_clockwise_rings() {
    let units = Units::h3(7, bbox([36.4, 35.75, 36.85, 36.1])).unwrap();
    for i in 0..units.len() {
        let ring = units.boundary(i).unwrap();
        assert_eq!(ring.len(), 7, "a hexagon and its first vertex again");
        assert_eq!(ring.first(), ring.last());
        let twice_area: f64 = ring
            .windows(2)
            .map(|w| w[0].lon * w[1].lat - w[1].lon * w[0].lat)
            .sum();
        assert!(twice_area > 0.0, "unit {i} is clockwise");
        assert!(units.unit_of(units.centre(i)) == Some(i));
    }
}

/// The fast locator against `to_cell` on random points, at every resolution, in
/// north-west Syria and around a pentagon (where cells span icosahedron faces).
#[test]
fn points_are_assigned_to_the_same_cell_as_h3o_assigns_them() {
    let pentagon = Resolution::Seven
        .pentagons()
        .map(LatLng::from)
        .find(|p| p.lng().abs() < 170.0 && p.lat().abs() < 60.0)
        .unwrap();
    let around_pentagon = [
        pentagon.lng() - 0.4,
        pentagon.lat() - 0.3,
        pentagon.lng() + 0.4,
        pentagon.lat() + 0.3,
    ];
    let mut rng = Rng::new(11);
    for (resolution, area, points) in [
        (5, NORTH_WEST_SYRIA, 100_000),
        (7, NORTH_WEST_SYRIA, 150_000),
        (8, [36.4, 35.75, 36.85, 36.1], 100_000),
        (9, [36.6, 35.9, 36.7, 35.98], 100_000),
        (6, around_pentagon, 50_000),
        (7, around_pentagon, 50_000),
        (
            9,
            [
                pentagon.lng() - 0.05,
                pentagon.lat() - 0.04,
                pentagon.lng() + 0.05,
                pentagon.lat() + 0.04,
            ],
            100_000,
        ),
    ] {
        let area = bbox(area);
        let units = Units::h3(resolution, area).unwrap();
        let h3_resolution = Resolution::try_from(resolution).unwrap();
        // Points over the box and a margin beyond it.
        let wider = bbox([
            area.west - 0.05,
            area.south - 0.05,
            area.east + 0.05,
            area.north + 0.05,
        ]);
        let mut outside = 0;
        for _ in 0..points {
            let p = rng.point_in(&wider);
            let expected =
                units.index_of_cell(LatLng::new(p.lat, p.lon).unwrap().to_cell(h3_resolution));
            assert_eq!(
                units.unit_of(p),
                expected,
                "{p:?} at resolution {resolution}"
            );
            outside += usize::from(expected.is_none());
        }
        assert!(outside > 0 && outside < points);
    }
}

#[test]
fn points_outside_the_units_are_counted_apart() {
    let units = Units::h3(7, bbox([36.4, 35.75, 36.85, 36.1])).unwrap();
    let counts = units
        .count_points([
            (36.6, 35.9),
            (36.6, 35.9),
            (40.0, 35.9),
            (f64::NAN, 35.0),
            (36.6, 95.0),
        ])
        .unwrap();
    assert_eq!(counts.total(), 2);
    assert_eq!(counts.outside(), 3);
}

#[test]
fn resolutions_outside_5_to_9_are_rejected() {
    let area = bbox(NORTH_WEST_SYRIA);
    for resolution in [0, 4, 10, 15, 200] {
        assert_eq!(
            Units::h3(resolution, area).unwrap_err(),
            Error::UnsupportedResolution { given: resolution }
        );
    }
}

#[test]
fn too_many_cells_are_refused_with_advice() {
    let error = Units::h3(9, bbox([35.0, 32.0, 42.0, 37.5])).unwrap_err();
    assert!(
        matches!(error, Error::TooManyUnits { resolution: 9, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("coarser resolution or a smaller bounding box")
    );
}

#[test]
fn a_box_without_cell_centres_is_an_empty_study_area() {
    let error = Units::h3(5, bbox([36.6, 35.9, 36.6001, 35.9001])).unwrap_err();
    assert_eq!(error, Error::EmptyStudyArea { resolution: 5 });
}

#[test]
fn given_units_are_validated() {
    assert_eq!(
        Units::points(Vec::<(String, f64, f64)>::new()).unwrap_err(),
        Error::NoUnits
    );
    assert!(matches!(
        Units::points(vec![("a", 36.0, 36.0), ("b", 200.0, 36.0)]),
        Err(Error::InvalidUnitPosition { index: 1, .. })
    ));
    assert!(matches!(
        Units::points(vec![
            ("a", 36.0, 36.0),
            ("b", 36.1, 36.0),
            ("a", 36.2, 36.0)
        ]),
        Err(Error::DuplicateUnitId {
            first: 0,
            second: 2,
            ..
        })
    ));
    let units = Units::points(vec![("a", 36.0, 36.0), ("b", 36.1, 36.0)]).unwrap();
    assert_eq!(
        units.count_points([(36.0, 36.0)]),
        Err(Error::PointsNeedCells)
    );
    assert!(matches!(
        Counts::new(&units, vec![1]),
        Err(Error::CountsMismatch {
            given: 1,
            expected: 2,
            ..
        })
    ));
    assert_eq!(units.id(1).to_string(), "b");
    assert!(units.boundary(0).is_none());
}

fn random_units(n: usize, seed: u64) -> Units {
    let mut rng = Rng::new(seed);
    let area = bbox(NORTH_WEST_SYRIA);
    Units::points(
        (0..n)
            .map(|i| {
                let p = rng.point_in(&area);
                (i.to_string(), p.lon, p.lat)
            })
            .collect(),
    )
    .unwrap()
}

fn distances(units: &Units, i: usize) -> Vec<f64> {
    (0..units.len())
        .map(|j| units.centre(i).distance_km(units.centre(j)))
        .collect()
}

#[test]
fn distance_bands_hold_exactly_the_units_within_the_distance() {
    let units = random_units(300, 5);
    let weights = SpatialWeights::distance_band(&units, Some(12.0)).unwrap();
    for i in 0..units.len() {
        let expected: Vec<u32> = distances(&units, i)
            .iter()
            .enumerate()
            .filter(|&(_, &d)| d <= 12.0)
            .map(|(j, _)| j as u32)
            .collect();
        assert_eq!(weights.neighbours(i), expected.as_slice(), "unit {i}");
    }
}

#[test]
fn the_default_distance_is_the_largest_nearest_neighbour_distance() {
    let units = random_units(300, 6);
    let weights = SpatialWeights::distance_band(&units, None).unwrap();
    let largest = (0..units.len())
        .map(|i| {
            distances(&units, i)
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &d)| d)
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max);
    let Neighbourhood::DistanceBand {
        distance_km,
        default,
    } = weights.neighbourhood()
    else {
        panic!("{:?}", weights.neighbourhood());
    };
    assert!(default);
    assert!(
        (distance_km - largest).abs() < 1e-9,
        "{distance_km} vs {largest}"
    );
    assert_eq!(weights.isolated_units(), 0);
    assert!(weights.neighbour_count_range().0 >= 1);

    // H3 cells: the default is about the spacing of cell centres (√3 edges).
    let cells = Units::h3(7, bbox([36.4, 35.75, 36.85, 36.1])).unwrap();
    let weights = SpatialWeights::distance_band(&cells, None).unwrap();
    let spacing = 3f64.sqrt() * Resolution::Seven.edge_length_km();
    let distance = weights.distance_km().unwrap();
    assert!(
        (distance - spacing).abs() < 0.2 * spacing,
        "{distance} vs {spacing}"
    );
    let (fewest, most) = weights.neighbour_count_range();
    assert!(fewest >= 1 && most <= 6, "{fewest} to {most}");
}

#[test]
fn k_nearest_neighbours_are_the_nearest() {
    let units = random_units(200, 8);
    let weights = SpatialWeights::k_nearest(&units, 5).unwrap();
    for i in 0..units.len() {
        let neighbours = weights.neighbours(i);
        assert_eq!(neighbours.len(), 6);
        assert!(neighbours.contains(&(i as u32)));
        let d = distances(&units, i);
        let farthest_in = neighbours
            .iter()
            .map(|&j| d[j as usize])
            .fold(0.0, f64::max);
        let nearest_out = (0..units.len())
            .filter(|j| !neighbours.contains(&(*j as u32)))
            .map(|j| d[j])
            .fold(f64::INFINITY, f64::min);
        assert!(farthest_in <= nearest_out, "unit {i}");
    }
    assert!(matches!(
        SpatialWeights::k_nearest(&units, 200),
        Err(Error::InvalidNeighbourCount { k: 200, units: 200 })
    ));
    assert!(matches!(
        SpatialWeights::distance_band(&units, Some(-1.0)),
        Err(Error::InvalidDistance { .. })
    ));
    assert!(matches!(
        SpatialWeights::distance_band(&units, Some(f64::NAN)),
        Err(Error::InvalidDistance { .. })
    ));
}

#[test]
fn a_single_unit_is_its_own_only_neighbour_and_not_significant() {
    let units = Units::points(vec![("alone", 36.0, 36.0)]).unwrap();
    let weights = SpatialWeights::distance_band(&units, None).unwrap();
    assert_eq!(weights.neighbours(0), &[0]);
    assert_eq!(weights.distance_km(), Some(0.0));
    let map = athar_hotspots::gi_star(
        &weights,
        &Counts::new(&units, vec![12]).unwrap(),
        athar_hotspots::GiStarOptions { fdr: true },
    )
    .unwrap();
    assert_eq!(map.units[0].gi_z.to_bits(), 0.0f64.to_bits());
    assert_eq!(map.units[0].p_value.to_bits(), 1.0f64.to_bits());
    assert_eq!(
        map.units[0].class,
        athar_hotspots::HotspotClass::NotSignificant
    );
}
