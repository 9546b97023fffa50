//! The symbols: one point per incident coloured by category, or proportional circles
//! with their counts.

use std::fmt::Write as _;

use super::{BASELINE_FROM_MIDDLE, POINT_RADIUS, format_count};
use crate::layout::{LabelPlacer, Rect};
use crate::projection::Projection;
use crate::spec::{Colour, IncidentLayer, Language, MapSpec, ProportionalLayer, Symbols};
use crate::text::{self, Anchor, TextStyle, number};
use crate::validate::Checked;

pub(super) fn write_incidents(
    svg: &mut String,
    layer: &IncidentLayer,
    checked: &Checked,
    projection: &Projection,
    frame: Rect,
) {
    let visible = frame.grown(POINT_RADIUS + 1.0);
    svg.push_str(r##"<g stroke="#ffffff" stroke-width="1">"##);
    for (incident, &category) in layer.incidents.iter().zip(&checked.incident_categories) {
        let [x, y] = projection.project(incident.position);
        if !visible.contains(&Rect::new(x, y, 0.0, 0.0)) {
            continue;
        }
        let _ = write!(
            svg,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{}"/>"#,
            number(x),
            number(y),
            number(POINT_RADIUS),
            layer.categories[category].colour
        );
    }
    svg.push_str("</g>");
}

pub(super) fn circle_radius(layer: &ProportionalLayer, count: u64, max_count: u64) -> f64 {
    if max_count == 0 {
        return 0.0;
    }
    layer.max_radius * (count as f64 / max_count as f64).sqrt()
}

pub(super) fn max_circle_count(layer: &ProportionalLayer) -> u64 {
    layer
        .circles
        .iter()
        .map(|circle| u64::from(circle.count))
        .max()
        .unwrap_or(0)
}

/// Circles by decreasing count (ties in input order): the largest are drawn first, so
/// that smaller ones stay visible on top.
pub(super) fn circles_by_count(layer: &ProportionalLayer) -> Vec<usize> {
    let mut order: Vec<usize> = (0..layer.circles.len())
        .filter(|&index| layer.circles[index].count > 0)
        .collect();
    order.sort_by_key(|&index| std::cmp::Reverse(layer.circles[index].count));
    order
}

pub(super) fn write_circles(
    svg: &mut String,
    layer: &ProportionalLayer,
    projection: &Projection,
    frame: Rect,
    language: Language,
) {
    let max_count = max_circle_count(layer);
    let _ = write!(
        svg,
        r##"<g fill="{}" fill-opacity="0.72" stroke="#ffffff" stroke-width="1">"##,
        layer.colour
    );
    let mut counts = String::new();
    for index in circles_by_count(layer) {
        let circle = &layer.circles[index];
        let radius = circle_radius(layer, u64::from(circle.count), max_count);
        let [x, y] = projection.project(circle.position);
        if !frame
            .grown(radius + 1.0)
            .contains(&Rect::new(x, y, 0.0, 0.0))
        {
            continue;
        }
        let _ = write!(
            svg,
            r#"<circle cx="{}" cy="{}" r="{}"/>"#,
            number(x),
            number(y),
            number(radius)
        );
        // The count inside circles big enough to hold it.
        if radius >= 11.0 {
            let size = (radius * 0.75).min(11.0);
            let style = TextStyle {
                size,
                fill: Colour::rgb(0xff, 0xff, 0xff),
                halo: None,
                anchor: Anchor::Middle,
            };
            text::write_text(
                &mut counts,
                &format_count(u64::from(circle.count)),
                [x, y + BASELINE_FROM_MIDDLE * size],
                language,
                &style,
                None,
            );
        }
    }
    svg.push_str("</g>");
    // Counts go in a group without the circles' stroke and transparency.
    if !counts.is_empty() {
        let _ = write!(svg, r#"<g stroke="none">{counts}</g>"#);
    }
}

/// Tells the placer where the symbols are, so that labels keep clear of them if they can.
pub(super) fn avoid_symbols(
    placer: &mut LabelPlacer,
    spec: &MapSpec,
    projection: &Projection,
    frame: Rect,
) {
    let mut avoid = |[x, y]: [f64; 2], radius: f64| {
        let area = Rect::new(x - radius, y - radius, 2.0 * radius, 2.0 * radius);
        if frame.intersects(&area) {
            placer.avoid(area);
        }
    };
    match &spec.symbols {
        Symbols::None => {}
        Symbols::Incidents(layer) => {
            for incident in &layer.incidents {
                avoid(projection.project(incident.position), POINT_RADIUS + 0.5);
            }
        }
        Symbols::Proportional(layer) => {
            let max_count = max_circle_count(layer);
            for circle in &layer.circles {
                let radius = circle_radius(layer, u64::from(circle.count), max_count);
                if radius > 0.0 {
                    avoid(projection.project(circle.position), radius);
                }
            }
        }
    }
}
