//! Bad input gives typed errors, never a panic.

use athar_maps::{
    BoundingBox, Category, Format, Governorate, IncidentLayer, IncidentPoint, Language,
    LocalizedName, LonLat, MAX_TEXT_CHARS, MapError, MapSpec, PixelRatio, PlaceLabel, Polygon,
    ProportionalLayer, Symbols, render,
};

use crate::fixtures;

fn every_format(spec: &MapSpec) -> Vec<MapError> {
    [Format::Svg, Format::Png, Format::Pdf]
        .into_iter()
        .map(|format| render(spec, format).expect_err("rejected"))
        .collect()
}

#[test]
fn sizes_outside_the_range_are_rejected() {
    for (width, height) in [(199, 800), (1200, 4001), (0, 0), (u32::MAX, 800)] {
        let mut spec = fixtures::golden_spec(Language::English);
        spec.width = width;
        spec.height = height;
        for error in every_format(&spec) {
            assert!(
                matches!(error, MapError::Size { width: w, height: h, .. } if (w, h) == (width, height)),
                "{error}"
            );
            assert!(!error.is_internal());
        }
    }
}

#[test]
fn a_png_too_large_at_scale_two_is_rejected() {
    let mut spec = fixtures::golden_spec(Language::English);
    spec.width = 4000;
    spec.height = 3000;
    spec.scale = PixelRatio::Two;
    let error = render(&spec, Format::Png).expect_err("rejected");
    assert!(matches!(error, MapError::TooManyPixels { .. }), "{error}");
}

#[test]
fn empty_or_invalid_bounding_boxes_are_rejected() {
    for bbox in [
        BoundingBox::new(36.0, 35.0, 36.0, 36.0),
        BoundingBox::new(36.0, 36.0, 37.0, 36.0),
        BoundingBox::new(37.0, 35.0, 36.0, 36.0),
        BoundingBox::new(f64::NAN, 35.0, 37.0, 36.0),
        BoundingBox::new(36.0, 35.0, f64::INFINITY, 36.0),
        BoundingBox::new(36.0, 35.0, 37.0, 89.0),
        BoundingBox::new(-200.0, 35.0, 37.0, 36.0),
    ] {
        let mut spec = fixtures::golden_spec(Language::Arabic);
        spec.bbox = bbox;
        for error in every_format(&spec) {
            assert!(matches!(error, MapError::BoundingBox { .. }), "{error}");
        }
    }
}

#[test]
fn nan_coordinates_are_rejected_with_their_location() {
    let nan = LonLat::new(f64::NAN, 36.0);
    let mut incidents = fixtures::golden_spec(Language::English);
    if let Symbols::Incidents(layer) = &mut incidents.symbols {
        layer.incidents[5].position = nan;
    }
    let mut places = fixtures::golden_spec(Language::English);
    places.places.push(PlaceLabel {
        position: LonLat::new(36.0, f64::NEG_INFINITY),
        ..PlaceLabel::default()
    });
    let mut governorates = fixtures::golden_spec(Language::English);
    governorates.governorates.push(Governorate {
        name: LocalizedName::new("X", "س"),
        polygons: vec![Polygon {
            rings: vec![vec![LonLat::new(36.0, 35.0), LonLat::new(36.5, 95.0)]],
        }],
    });
    for (spec, expected) in [
        (incidents, "incidents[5]"),
        (places, "places["),
        (governorates, "ring 0 vertex 1"),
    ] {
        for error in every_format(&spec) {
            let MapError::Coordinate { location, .. } = &error else {
                panic!("{error}");
            };
            assert!(location.contains(expected), "{location}");
        }
    }
}

#[test]
fn incidents_must_name_a_declared_category() {
    let mut spec = fixtures::golden_spec(Language::English);
    spec.symbols = Symbols::Incidents(IncidentLayer {
        categories: vec![Category::with_style_colour(
            "attack",
            LocalizedName::default(),
        )],
        incidents: vec![IncidentPoint {
            position: LonLat::new(36.6, 35.9),
            category: "flood".into(),
        }],
    });
    let error = render(&spec, Format::Svg).expect_err("rejected");
    assert!(
        matches!(&error, MapError::UnknownCategory { index: 0, key, .. } if key == "flood"),
        "{error}"
    );

    let mut spec = fixtures::golden_spec(Language::English);
    spec.symbols = Symbols::Incidents(IncidentLayer {
        categories: vec![
            Category::with_style_colour("attack", LocalizedName::default()),
            Category::with_style_colour("attack", LocalizedName::default()),
        ],
        incidents: Vec::new(),
    });
    let error = render(&spec, Format::Svg).expect_err("rejected");
    assert!(matches!(error, MapError::DuplicateCategory(_)), "{error}");
}

#[test]
fn overlong_text_and_bad_radii_are_rejected() {
    let mut spec = fixtures::golden_spec(Language::English);
    spec.title = "x".repeat(MAX_TEXT_CHARS + 1);
    let error = render(&spec, Format::Svg).expect_err("rejected");
    assert!(
        matches!(&error, MapError::TextTooLong { field, .. } if field == "title"),
        "{error}"
    );

    for radius in [f64::NAN, 0.0, 1000.0] {
        let mut spec = fixtures::golden_spec(Language::English);
        spec.symbols = Symbols::Proportional(ProportionalLayer {
            max_radius: radius,
            ..ProportionalLayer::default()
        });
        let error = render(&spec, Format::Svg).expect_err("rejected");
        assert!(
            matches!(
                error,
                MapError::Parameter {
                    name: "max_radius",
                    ..
                }
            ),
            "{error}"
        );
    }
}

#[test]
fn degenerate_but_valid_input_renders() {
    // Empty layers, blank texts, a ring of two points, zero counts, huge labels lists.
    let mut spec = MapSpec::new(BoundingBox::new(36.0, 35.0, 36.000_1, 35.000_1));
    spec.width = 200;
    spec.height = 200;
    spec.title = "   ".into();
    spec.country = vec![Polygon {
        rings: vec![vec![LonLat::new(36.0, 35.0), LonLat::new(36.0, 35.0)]],
    }];
    spec.symbols = Symbols::Proportional(ProportionalLayer {
        circles: vec![athar_maps::ProportionalCircle::default()],
        ..ProportionalLayer::default()
    });
    spec.max_place_labels = usize::MAX;
    for format in [Format::Svg, Format::Png, Format::Pdf] {
        render(&spec, format).expect("renders");
    }
}
