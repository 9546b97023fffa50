//! Checks a whole [`MapSpec`] before anything is drawn, so that bad input gives a typed
//! error naming the field instead of a broken map or a panic.

use std::collections::HashMap;

use athar_core::geo::BoxProblem;

use crate::error::{MapError, Result};
use crate::spec::{
    BoundingBox, LonLat, MAX_PLACES, MAX_SIDE, MAX_SYMBOLS, MAX_TEXT_CHARS, MAX_VERTICES, MIN_SIDE,
    MapSpec, Polygon, Symbols,
};

/// The latitude at which Web Mercator is cut off (rounded down from 85.0511°).
const MAX_MERCATOR_LATITUDE: f64 = 85.0;

/// What checking found out that drawing needs.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// For each incident, the index of its category.
    pub incident_categories: Vec<usize>,
    /// For each category, how many incidents it has.
    pub category_counts: Vec<u64>,
}

pub(crate) fn check(spec: &MapSpec) -> Result<Checked> {
    check_size(spec.width, spec.height)?;
    check_bbox(&spec.bbox)?;
    for (field, text) in [
        ("title", &spec.title),
        ("subtitle", &spec.subtitle),
        ("legend_title", &spec.legend_title),
        ("attribution", &spec.attribution),
    ] {
        check_text(|| field.to_owned(), text)?;
    }
    check_count("places", spec.places.len(), MAX_PLACES)?;

    let vertices: usize = spec
        .country
        .iter()
        .chain(
            spec.governorates
                .iter()
                .flat_map(|governorate| &governorate.polygons),
        )
        .flat_map(|polygon| &polygon.rings)
        .map(Vec::len)
        .sum();
    check_count("polygon vertices", vertices, MAX_VERTICES)?;
    for (index, polygon) in spec.country.iter().enumerate() {
        check_polygon(&format!("country[{index}]"), polygon)?;
    }
    for (index, governorate) in spec.governorates.iter().enumerate() {
        check_names(&format!("governorates[{index}].name"), &governorate.name)?;
        for (polygon_index, polygon) in governorate.polygons.iter().enumerate() {
            check_polygon(
                &format!("governorates[{index}].polygons[{polygon_index}]"),
                polygon,
            )?;
        }
    }
    for (index, place) in spec.places.iter().enumerate() {
        check_names(&format!("places[{index}].name"), &place.name)?;
        check_position(|| format!("places[{index}]"), place.position)?;
    }

    match &spec.symbols {
        Symbols::None => Ok(Checked::default()),
        Symbols::Incidents(layer) => {
            check_count("incidents", layer.incidents.len(), MAX_SYMBOLS)?;
            check_count("categories", layer.categories.len(), MAX_PLACES)?;
            let mut index_of = HashMap::with_capacity(layer.categories.len());
            for (index, category) in layer.categories.iter().enumerate() {
                check_names(&format!("categories[{index}].label"), &category.label)?;
                if index_of.insert(category.key.as_str(), index).is_some() {
                    return Err(MapError::DuplicateCategory(category.key.clone()));
                }
            }
            let mut checked = Checked {
                incident_categories: Vec::with_capacity(layer.incidents.len()),
                category_counts: vec![0; layer.categories.len()],
            };
            for (index, incident) in layer.incidents.iter().enumerate() {
                check_position(|| format!("incidents[{index}]"), incident.position)?;
                let Some(&category) = index_of.get(incident.category.as_str()) else {
                    let known: Vec<&str> =
                        layer.categories.iter().map(|c| c.key.as_str()).collect();
                    return Err(MapError::UnknownCategory {
                        index,
                        key: incident.category.clone(),
                        known: known.join(", "),
                    });
                };
                checked.incident_categories.push(category);
                checked.category_counts[category] += 1;
            }
            Ok(checked)
        }
        Symbols::Proportional(layer) => {
            check_count("circles", layer.circles.len(), MAX_SYMBOLS)?;
            if !(layer.max_radius.is_finite() && (2.0..=200.0).contains(&layer.max_radius)) {
                return Err(MapError::Parameter {
                    name: "max_radius",
                    value: layer.max_radius.to_string(),
                    expected: "a number of CSS pixels within 2..=200",
                });
            }
            for (index, circle) in layer.circles.iter().enumerate() {
                check_names(&format!("circles[{index}].label"), &circle.label)?;
                check_position(|| format!("circles[{index}]"), circle.position)?;
            }
            Ok(Checked::default())
        }
    }
}

pub(crate) fn check_size(width: u32, height: u32) -> Result<()> {
    let range = MIN_SIDE..=MAX_SIDE;
    if range.contains(&width) && range.contains(&height) {
        Ok(())
    } else {
        Err(MapError::Size {
            width,
            height,
            min: MIN_SIDE,
            max: MAX_SIDE,
        })
    }
}

fn check_bbox(bbox: &BoundingBox) -> Result<()> {
    let Some(problem) = bbox.problem(MAX_MERCATOR_LATITUDE) else {
        return Ok(());
    };
    Err(MapError::BoundingBox {
        west: bbox.west,
        south: bbox.south,
        east: bbox.east,
        north: bbox.north,
        reason: match problem {
            BoxProblem::NotFinite => "an edge is not a finite number",
            BoxProblem::Longitude => "a longitude is outside -180..=180",
            BoxProblem::Latitude => "a latitude is outside the Web Mercator range -85..=85",
            BoxProblem::WestNotLessThanEast => {
                "west is not less than east (the box is empty, or crosses the antimeridian)"
            }
            BoxProblem::SouthNotLessThanNorth => "south is not less than north (the box is empty)",
        },
    })
}

fn check_position(location: impl FnOnce() -> String, position: LonLat) -> Result<()> {
    if position.is_valid() {
        Ok(())
    } else {
        Err(MapError::Coordinate {
            location: location(),
            lon: position.lon,
            lat: position.lat,
        })
    }
}

fn check_polygon(location: &str, polygon: &Polygon) -> Result<()> {
    for (ring_index, ring) in polygon.rings.iter().enumerate() {
        for (vertex, position) in ring.iter().enumerate() {
            check_position(
                || format!("{location} ring {ring_index} vertex {vertex}"),
                *position,
            )?;
        }
    }
    Ok(())
}

fn check_text(field: impl FnOnce() -> String, text: &str) -> Result<()> {
    // Counting characters is only needed when the bytes already exceed the limit.
    if text.len() > MAX_TEXT_CHARS {
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(MapError::TextTooLong {
                field: field(),
                chars,
                max: MAX_TEXT_CHARS,
            });
        }
    }
    Ok(())
}

fn check_names(field: &str, name: &crate::spec::LocalizedName) -> Result<()> {
    check_text(|| format!("{field}.english"), &name.english)?;
    check_text(|| format!("{field}.arabic"), &name.arabic)
}

fn check_count(what: &'static str, count: usize, max: usize) -> Result<()> {
    if count > max {
        Err(MapError::TooManyFeatures { what, count, max })
    } else {
        Ok(())
    }
}
