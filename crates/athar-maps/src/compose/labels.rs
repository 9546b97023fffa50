//! Labels: governorate names, circle labels and place names, collected, placed where
//! they collide with nothing placed before, and written.

use std::fmt::Write as _;

use super::symbols::{circle_radius, circles_by_count, max_circle_count};
use super::{HALO_WIDTH, Measured};
use crate::layout::{LabelPlacer, Rect};
use crate::projection::Projection;
use crate::spec::{Language, MapSpec, PlaceClass, Symbols};
use crate::text::{self, Anchor, Extent, Measurer, TextStyle, number};

const GOVERNORATE_SIZE: f64 = 12.0;
const CIRCLE_LABEL_SIZE: f64 = 11.0;
/// Places and circle labels offered to the placer at most, per label drawn.
const CANDIDATES_PER_LABEL: usize = 4;

fn place_size(class: PlaceClass) -> f64 {
    match class {
        PlaceClass::City => 13.0,
        PlaceClass::Town => 11.0,
        PlaceClass::Village => 10.0,
    }
}

fn place_dot_radius(class: PlaceClass) -> f64 {
    match class {
        PlaceClass::City => 3.0,
        PlaceClass::Town => 2.2,
        PlaceClass::Village => 1.8,
    }
}

/// A label that may be drawn: its text, size, anchor point and priority-ordered
/// candidate positions.
struct LabelCandidate {
    text: String,
    measured: usize,
    size: f64,
    point: [f64; 2],
    /// The symbol's radius: labels keep this far from the point.
    clearance: f64,
    /// A dot to draw at the point when the label is placed.
    dot: Option<f64>,
}

/// Where a placed label is drawn.
pub(super) struct PlacedLabel {
    text: String,
    position: [f64; 2],
    size: f64,
    anchor: Anchor,
    dot: Option<([f64; 2], f64)>,
    is_governorate: bool,
}

/// A point inside a ring set (exterior first) to hang its name on: the middle of the
/// widest stretch of the horizontal line through the exterior's centroid. Unlike the
/// centroid itself it lies inside concave shapes.
fn label_point(rings: &[Vec<[f64; 2]>]) -> Option<[f64; 2]> {
    let exterior = rings.first()?;
    let (mut area, mut sum_x, mut sum_y) = (0.0, 0.0, 0.0);
    for (index, &[x0, y0]) in exterior.iter().enumerate() {
        let [x1, y1] = exterior[(index + 1) % exterior.len()];
        let cross = x0 * y1 - x1 * y0;
        area += cross;
        sum_x += (x0 + x1) * cross;
        sum_y += (y0 + y1) * cross;
    }
    if area.abs() < 1e-9 {
        return None;
    }
    let centroid_y = sum_y / (3.0 * area);
    let centroid_x = sum_x / (3.0 * area);
    let mut crossings = Vec::new();
    for ring in rings {
        for (index, &[x0, y0]) in ring.iter().enumerate() {
            let [x1, y1] = ring[(index + 1) % ring.len()];
            if (y0 <= centroid_y) != (y1 <= centroid_y) {
                crossings.push(x0 + (centroid_y - y0) * (x1 - x0) / (y1 - y0));
            }
        }
    }
    crossings.sort_by(f64::total_cmp);
    crossings
        .chunks_exact(2)
        .max_by(|a, b| (a[1] - a[0]).total_cmp(&(b[1] - b[0])))
        .map(|pair| [f64::midpoint(pair[0], pair[1]), centroid_y])
        .or(Some([centroid_x, centroid_y]))
}

fn absolute_area(ring: &[[f64; 2]]) -> f64 {
    let mut area = 0.0;
    for (index, &[x0, y0]) in ring.iter().enumerate() {
        let [x1, y1] = ring[(index + 1) % ring.len()];
        area += x0 * y1 - x1 * y0;
    }
    area.abs() / 2.0
}

/// The labels to offer the placer, most important first: governorate names, circle
/// labels by decreasing count, then place names by class and rank. Only those whose
/// point is inside the frame are kept (and measured), and at most a few per label that
/// can be drawn.
pub(super) struct Labels {
    governorates: Vec<LabelCandidate>,
    circles: Vec<LabelCandidate>,
    places: Vec<LabelCandidate>,
    max_places: usize,
}

pub(super) fn collect_labels(
    spec: &MapSpec,
    projection: &Projection,
    frame: Rect,
    measurer: &mut Measurer,
) -> Labels {
    let language = spec.language;
    let inside = |[x, y]: [f64; 2]| frame.contains(&Rect::new(x, y, 0.0, 0.0));

    let mut governorates = Vec::new();
    for governorate in &spec.governorates {
        let largest = governorate
            .polygons
            .iter()
            .map(|polygon| {
                polygon
                    .rings
                    .iter()
                    .map(|ring| {
                        ring.iter()
                            .map(|position| projection.project(*position))
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .max_by(|a, b| {
                let area =
                    |rings: &Vec<Vec<[f64; 2]>>| rings.first().map_or(0.0, |r| absolute_area(r));
                area(a).total_cmp(&area(b))
            });
        let Some(point) = largest.as_deref().and_then(label_point) else {
            continue;
        };
        let name = governorate.name.in_language(language);
        let text = match language {
            Language::English => name.to_uppercase(),
            Language::Arabic => name.to_owned(),
        };
        if inside(point) && !text::clean(&text).is_empty() {
            governorates.push(LabelCandidate {
                measured: measurer.add(&text, GOVERNORATE_SIZE),
                text,
                size: GOVERNORATE_SIZE,
                point,
                clearance: 0.0,
                dot: None,
            });
        }
    }

    let limit = spec.max_place_labels.saturating_mul(CANDIDATES_PER_LABEL);
    let mut circles = Vec::new();
    if let Symbols::Proportional(layer) = &spec.symbols {
        let max_count = max_circle_count(layer);
        for index in circles_by_count(layer) {
            let circle = &layer.circles[index];
            let point = projection.project(circle.position);
            let text = circle.label.in_language(language);
            if !inside(point) || text::clean(text).is_empty() {
                continue;
            }
            circles.push(LabelCandidate {
                measured: measurer.add(text, CIRCLE_LABEL_SIZE),
                text: text.to_owned(),
                size: CIRCLE_LABEL_SIZE,
                point,
                clearance: circle_radius(layer, u64::from(circle.count), max_count),
                dot: None,
            });
            if circles.len() >= limit.max(50) {
                break;
            }
        }
    }

    let mut order: Vec<usize> = (0..spec.places.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&spec.places[a], &spec.places[b]);
        (a.class, a.rank).cmp(&(b.class, b.rank)).then_with(|| {
            a.name
                .in_language(language)
                .cmp(b.name.in_language(language))
        })
    });
    let mut places = Vec::new();
    for index in order {
        if places.len() >= limit {
            break;
        }
        let place = &spec.places[index];
        let point = projection.project(place.position);
        let text = place.name.in_language(language);
        if !inside(point) || text::clean(text).is_empty() {
            continue;
        }
        let size = place_size(place.class);
        let radius = place_dot_radius(place.class);
        places.push(LabelCandidate {
            measured: measurer.add(text, size),
            text: text.to_owned(),
            size,
            point,
            clearance: radius,
            dot: Some(radius),
        });
    }
    Labels {
        governorates,
        circles,
        places,
        max_places: spec.max_place_labels,
    }
}

/// Candidate positions around a point: beside it (after it in reading order first, then
/// before it), above, below; or only centred on it when `centred`.
fn label_positions(
    candidate: &LabelCandidate,
    extent: Extent,
    language: Language,
    centred: bool,
) -> Vec<(Rect, [f64; 2], Anchor)> {
    let [x, y] = candidate.point;
    let gap = candidate.clearance + 3.0;
    let middle_baseline = y - (extent.top + extent.height / 2.0);
    let boxed = |anchor: Anchor, position: [f64; 2]| {
        let anchored = extent.anchored(anchor);
        let area = Rect::new(
            position[0] + anchored.left,
            position[1] + anchored.top,
            anchored.width,
            anchored.height,
        )
        .grown(HALO_WIDTH / 2.0);
        (area, position, anchor)
    };
    if centred {
        let line = extent.height + 2.0;
        return [0.0, -line, line]
            .into_iter()
            .map(|shift| boxed(Anchor::Middle, [x, middle_baseline + shift]))
            .collect();
    }
    let after = boxed(Anchor::Left, [x + gap, middle_baseline]);
    let before = boxed(Anchor::Right, [x - gap, middle_baseline]);
    let above = boxed(Anchor::Middle, [x, y - gap - (extent.top + extent.height)]);
    let below = boxed(Anchor::Middle, [x, y + gap - extent.top]);
    if language.is_right_to_left() {
        vec![before, after, above, below]
    } else {
        vec![after, before, above, below]
    }
}

pub(super) fn place_labels(
    labels: &Labels,
    measured: &Measured,
    placer: &mut LabelPlacer,
    language: Language,
) -> Vec<PlacedLabel> {
    let mut kept = Vec::new();
    for (candidates, is_governorate) in [(&labels.governorates, true), (&labels.circles, false)] {
        for candidate in candidates {
            let positions = label_positions(
                candidate,
                measured.get(candidate.measured),
                language,
                is_governorate,
            );
            let areas: Vec<Rect> = positions.iter().map(|(area, ..)| *area).collect();
            if let Some(chosen) = placer.place(&areas) {
                let (_, position, anchor) = positions[chosen];
                kept.push(PlacedLabel {
                    text: candidate.text.clone(),
                    position,
                    size: candidate.size,
                    anchor,
                    dot: None,
                    is_governorate,
                });
            }
        }
    }
    let mut places_drawn = 0;
    for candidate in &labels.places {
        if places_drawn >= labels.max_places {
            break;
        }
        let radius = candidate.dot.unwrap_or(0.0);
        let [x, y] = candidate.point;
        let dot_area = Rect::new(x - radius, y - radius, 2.0 * radius, 2.0 * radius).grown(1.0);
        // A name already shown nearby (a circle's label) is not repeated.
        let repeated = kept.iter().any(|label: &PlacedLabel| {
            !label.is_governorate
                && label.text == candidate.text
                && (label.position[0] - x).abs() < 60.0
                && (label.position[1] - y).abs() < 60.0
        });
        if repeated || !placer.is_free(&dot_area) {
            continue;
        }
        let positions =
            label_positions(candidate, measured.get(candidate.measured), language, false);
        let areas: Vec<Rect> = positions.iter().map(|(area, ..)| *area).collect();
        if let Some(chosen) = placer.place(&areas) {
            placer.occupy(dot_area);
            let (_, position, anchor) = positions[chosen];
            kept.push(PlacedLabel {
                text: candidate.text.clone(),
                position,
                size: candidate.size,
                anchor,
                dot: candidate.dot.map(|radius| (candidate.point, radius)),
                is_governorate: false,
            });
            places_drawn += 1;
        }
    }
    kept
}

pub(super) fn write_labels(svg: &mut String, placed: &[PlacedLabel], spec: &MapSpec) {
    let style = &spec.style;
    for label in placed {
        if let Some(([x, y], radius)) = label.dot {
            let _ = write!(
                svg,
                r#"<circle cx="{}" cy="{}" r="{}" fill="{}" stroke="{}" stroke-width="0.8"/>"#,
                number(x),
                number(y),
                number(radius),
                style.text,
                style.halo
            );
        }
    }
    for label in placed {
        let fill = if label.is_governorate {
            style.boundary
        } else {
            style.text
        };
        let text_style = TextStyle {
            size: label.size,
            fill,
            halo: Some((style.halo, HALO_WIDTH)),
            anchor: label.anchor,
        };
        text::write_text(
            svg,
            &label.text,
            label.position,
            spec.language,
            &text_style,
            None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concave_shape_is_labelled_inside_it() {
        // A "U": the centroid of its exterior falls in the gap between the arms.
        let u = vec![
            [0.0, 0.0],
            [30.0, 0.0],
            [30.0, 30.0],
            [20.0, 30.0],
            [20.0, 5.0],
            [10.0, 5.0],
            [10.0, 30.0],
            [0.0, 30.0],
        ];
        let [x, y] = label_point(&[u]).unwrap();
        let in_an_arm = (0.0..10.0).contains(&x) || (20.0..30.0).contains(&x);
        let in_the_base = y < 5.0;
        assert!(in_an_arm || in_the_base, "{x} {y}");
    }
}
