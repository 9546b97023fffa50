//! Builds the SVG source of a map from a checked [`MapSpec`].
//!
//! How it works: every text that may be drawn is first measured in one usvg pass (see
//! [`Measurer`]), because the header, the legend and label collisions depend on the
//! texts' sizes. The page is then laid out (header band, map frame, footer line), the
//! bounding box is fitted into the frame, and the document is written in drawing order:
//! background; inside the frame's clip, the land, governorate boundaries, the country
//! outline and the symbols; then governorate names, circle labels and place names, kept
//! only where they collide with nothing placed before; then the legend, north arrow,
//! scale bar, frame, title, subtitle and attribution. Right-to-left maps mirror the
//! horizontal placement of everything except the map itself.

use std::fmt::Write as _;

use crate::error::Result;
use crate::layout::{LabelPlacer, Rect};
use crate::projection::{Projection, nice_distance};
use crate::spec::{
    Colour, IncidentLayer, Language, MapSpec, PlaceClass, Polygon, ProportionalLayer, Symbols,
};
use crate::text::{self, Anchor, Extent, Measurer, TextStyle, number};
use crate::validate::{self, Checked};

/// Space around the page's content.
const MARGIN: f64 = 12.0;
/// Space between the frame and the legend, north arrow and scale bar.
const INSET: f64 = 10.0;
/// Space kept between the bounding box and the frame.
const FIT_PADDING: f64 = 16.0;
/// Padding inside the legend box.
const LEGEND_PADDING: f64 = 8.0;
/// Height of a legend row.
const LEGEND_ROW: f64 = 18.0;

const TITLE_SIZE: f64 = 20.0;
const SUBTITLE_SIZE: f64 = 13.0;
const ATTRIBUTION_SIZE: f64 = 10.0;
const LEGEND_TITLE_SIZE: f64 = 12.0;
const LEGEND_SIZE: f64 = 11.0;
const GOVERNORATE_SIZE: f64 = 12.0;
const CIRCLE_LABEL_SIZE: f64 = 11.0;
const SCALE_SIZE: f64 = 10.0;
/// The smallest size a header or footer text is shrunk to so that it fits the width.
const MIN_FITTED_SIZE: f64 = 7.0;

const POINT_RADIUS: f64 = 4.0;
/// Stroke width of text halos (half of it shows around the glyphs).
const HALO_WIDTH: f64 = 2.6;
/// How far below the middle of a line of text its baseline lies, in ems.
const BASELINE_FROM_MIDDLE: f64 = 0.35;
/// Places and circle labels offered to the placer at most, per label drawn.
const CANDIDATES_PER_LABEL: usize = 4;

/// The map's own words.
struct Words {
    total: &'static str,
    kilometres: &'static str,
    metres: &'static str,
    north: &'static str,
}

impl Words {
    fn of(language: Language) -> Self {
        match language {
            Language::Arabic => Self {
                total: "المجموع",
                kilometres: "كم",
                metres: "م",
                north: "ش",
            },
            Language::English => Self {
                total: "Total",
                kilometres: "km",
                metres: "m",
                north: "N",
            },
        }
    }
}

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

/// A count written with thousands separators.
pub(crate) fn format_count(count: u64) -> String {
    let digits = count.to_string();
    let mut formatted = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            formatted.push(',');
        }
        formatted.push(digit);
    }
    formatted
}

/// The size at which a text measured at `size` fits `available` pixels.
fn fitted_size(size: f64, extent: Extent, available: f64) -> f64 {
    if extent.width > available && extent.width > 0.0 {
        (size * available / extent.width).max(MIN_FITTED_SIZE)
    } else {
        size
    }
}

/// Everything measured, by what it is.
struct Measured {
    extents: Vec<Extent>,
}

impl Measured {
    fn get(&self, index: usize) -> Extent {
        self.extents[index]
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
struct PlacedLabel {
    text: String,
    position: [f64; 2],
    size: f64,
    anchor: Anchor,
    dot: Option<([f64; 2], f64)>,
    is_governorate: bool,
}

pub(crate) fn compose(spec: &MapSpec) -> Result<String> {
    let checked = validate::check(spec)?;
    let language = spec.language;
    let words = Words::of(language);
    let right_to_left = language.is_right_to_left();
    let width = f64::from(spec.width);
    let height = f64::from(spec.height);
    let style = &spec.style;

    // The frame first (it depends only on which header lines exist), so that labels
    // outside it need not be measured.
    let has_title = !text::clean(&spec.title).is_empty();
    let has_subtitle = !text::clean(&spec.subtitle).is_empty();
    let has_attribution = !text::clean(&spec.attribution).is_empty();
    let title_baseline = MARGIN + TITLE_SIZE;
    let subtitle_baseline = if has_title {
        title_baseline + 6.0 + SUBTITLE_SIZE
    } else {
        MARGIN + SUBTITLE_SIZE
    };
    let header_bottom = if has_subtitle {
        subtitle_baseline + 10.0
    } else if has_title {
        title_baseline + 10.0
    } else {
        MARGIN
    };
    let footer_top = if has_attribution {
        height - ATTRIBUTION_SIZE - 12.0
    } else {
        height - MARGIN
    };
    let frame = Rect::new(
        MARGIN,
        header_bottom,
        width - 2.0 * MARGIN,
        (footer_top - header_bottom).max(1.0),
    );
    let projection = Projection::fit(&spec.bbox, frame, FIT_PADDING);

    // Measure every text in one pass.
    let mut measurer = Measurer::default();
    let title_measure = measurer.add(&spec.title, TITLE_SIZE);
    let subtitle_measure = measurer.add(&spec.subtitle, SUBTITLE_SIZE);
    let attribution_measure = measurer.add(&spec.attribution, ATTRIBUTION_SIZE);
    let legend = LegendText::collect(spec, &checked, &words, &mut measurer);
    let labels = collect_labels(spec, &projection, frame, &mut measurer);
    let text_sizes = Measured {
        extents: measurer.measure(language)?,
    };

    let mut svg = String::with_capacity(256 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xml:lang="{lang}">"#,
        w = spec.width,
        h = spec.height,
        lang = language.code(),
    );
    let _ = write!(
        svg,
        r#"<rect width="{}" height="{}" fill="{}"/>"#,
        spec.width, spec.height, style.background
    );
    let _ = write!(
        svg,
        r#"<defs><clipPath id="frame"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>"#,
        number(frame.x),
        number(frame.y),
        number(frame.width),
        number(frame.height)
    );
    svg.push_str(r#"<g clip-path="url(#frame)">"#);
    write_context(&mut svg, spec, &projection);
    match &spec.symbols {
        Symbols::None => {}
        Symbols::Incidents(layer) => {
            write_incidents(&mut svg, layer, &checked, &projection, frame);
        }
        Symbols::Proportional(layer) => {
            write_circles(&mut svg, layer, &projection, frame, language);
        }
    }
    svg.push_str("</g>");

    // Furniture, whose areas labels must avoid.
    let mut furniture = String::new();
    let mut placer = LabelPlacer::new(frame.grown(-2.0));
    if let Some(area) = legend.write(&mut furniture, spec, frame, &text_sizes) {
        placer.occupy(area.grown(2.0));
    }
    let north_area = write_north_arrow(&mut furniture, frame, right_to_left, &words, style);
    placer.occupy(north_area.grown(2.0));
    if let Some(area) = write_scale_bar(&mut furniture, frame, &projection, language, &words, style)
    {
        placer.occupy(area.grown(2.0));
    }

    avoid_symbols(&mut placer, spec, &projection, frame);
    let labelled = place_labels(&labels, &text_sizes, &mut placer, language);
    write_labels(&mut svg, &labelled, spec);
    svg.push_str(&furniture);

    let _ = write!(
        svg,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-width="0.8"/>"#,
        number(frame.x),
        number(frame.y),
        number(frame.width),
        number(frame.height),
        style.boundary
    );

    // Header and footer, on the line's start side, shrunk to fit the width.
    let text_x = if right_to_left {
        width - MARGIN
    } else {
        MARGIN
    };
    let available = width - 2.0 * MARGIN;
    for (text, measure, size, baseline, colour) in [
        (
            &spec.title,
            title_measure,
            TITLE_SIZE,
            title_baseline,
            style.text,
        ),
        (
            &spec.subtitle,
            subtitle_measure,
            SUBTITLE_SIZE,
            subtitle_baseline,
            style.muted_text,
        ),
        (
            &spec.attribution,
            attribution_measure,
            ATTRIBUTION_SIZE,
            height - 8.0,
            style.muted_text,
        ),
    ] {
        let text_style = TextStyle {
            size: fitted_size(size, text_sizes.get(measure), available),
            fill: colour,
            halo: None,
            anchor: Anchor::line_start(language),
        };
        text::write_text(
            &mut svg,
            text,
            [text_x, baseline],
            language,
            &text_style,
            None,
        );
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// Appends the path data of polygons, dropping vertices closer than a third of a pixel
/// to the previous one and rings left with fewer than three.
fn push_polygon_path<'a>(
    out: &mut String,
    polygons: impl IntoIterator<Item = &'a Polygon>,
    projection: &Projection,
) {
    for polygon in polygons {
        for ring in &polygon.rings {
            let start = out.len();
            let mut last: Option<[f64; 2]> = None;
            let mut kept = 0;
            for position in ring {
                let [x, y] = projection.project(*position);
                if let Some([last_x, last_y]) = last
                    && (x - last_x).abs() < 0.33
                    && (y - last_y).abs() < 0.33
                {
                    continue;
                }
                out.push_str(if kept == 0 { "M" } else { " " });
                let _ = write!(out, "{} {}", number(x), number(y));
                last = Some([x, y]);
                kept += 1;
            }
            if kept < 3 {
                out.truncate(start);
            } else {
                out.push('Z');
            }
        }
    }
}

fn write_context(svg: &mut String, spec: &MapSpec, projection: &Projection) {
    let style = &spec.style;
    let mut country = String::new();
    push_polygon_path(&mut country, &spec.country, projection);
    if !country.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{country}" fill="{}" fill-rule="evenodd"/>"#,
            style.land
        );
    }
    let mut governorates = String::new();
    push_polygon_path(
        &mut governorates,
        spec.governorates
            .iter()
            .flat_map(|governorate| &governorate.polygons),
        projection,
    );
    if !governorates.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{governorates}" fill="none" stroke="{}" stroke-width="0.8" stroke-dasharray="3 2" stroke-linejoin="round"/>"#,
            style.boundary
        );
    }
    if !country.is_empty() {
        let _ = write!(
            svg,
            r#"<path d="{country}" fill="none" stroke="{}" stroke-width="1.6" stroke-linejoin="round"/>"#,
            style.boundary
        );
    }
}

fn write_incidents(
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

fn circle_radius(layer: &ProportionalLayer, count: u64, max_count: u64) -> f64 {
    if max_count == 0 {
        return 0.0;
    }
    layer.max_radius * (count as f64 / max_count as f64).sqrt()
}

fn max_circle_count(layer: &ProportionalLayer) -> u64 {
    layer
        .circles
        .iter()
        .map(|circle| u64::from(circle.count))
        .max()
        .unwrap_or(0)
}

/// Circles by decreasing count (ties in input order): the largest are drawn first, so
/// that smaller ones stay visible on top.
fn circles_by_count(layer: &ProportionalLayer) -> Vec<usize> {
    let mut order: Vec<usize> = (0..layer.circles.len())
        .filter(|&index| layer.circles[index].count > 0)
        .collect();
    order.sort_by_key(|&index| std::cmp::Reverse(layer.circles[index].count));
    order
}

fn write_circles(
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
fn avoid_symbols(placer: &mut LabelPlacer, spec: &MapSpec, projection: &Projection, frame: Rect) {
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
struct Labels {
    governorates: Vec<LabelCandidate>,
    circles: Vec<LabelCandidate>,
    places: Vec<LabelCandidate>,
    max_places: usize,
}

fn collect_labels(
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

fn place_labels(
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

fn write_labels(svg: &mut String, placed: &[PlacedLabel], spec: &MapSpec) {
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

/// The legend's texts, queued for measuring.
enum LegendText {
    None,
    Incidents {
        title: Option<usize>,
        /// Per row: colour, label and count measure indices.
        rows: Vec<(Colour, String, usize, String, usize)>,
        total: Option<(String, usize, usize)>,
    },
    Proportional {
        title: Option<usize>,
        /// Reference counts and their label measure indices.
        references: Vec<(u64, usize)>,
        total: (String, usize, usize),
    },
}

impl LegendText {
    fn collect(spec: &MapSpec, checked: &Checked, words: &Words, measurer: &mut Measurer) -> Self {
        let language = spec.language;
        let title = (!text::clean(&spec.legend_title).is_empty())
            .then(|| measurer.add(&spec.legend_title, LEGEND_TITLE_SIZE));
        match &spec.symbols {
            Symbols::None => Self::None,
            Symbols::Incidents(layer) => {
                let mut rows = Vec::new();
                for (category, &count) in layer.categories.iter().zip(&checked.category_counts) {
                    if count == 0 {
                        continue;
                    }
                    let label = category.label.in_language(language).to_owned();
                    let count = format_count(count);
                    let label_measure = measurer.add(&label, LEGEND_SIZE);
                    let count_measure = measurer.add(&count, LEGEND_SIZE);
                    rows.push((category.colour, label, label_measure, count, count_measure));
                }
                let total = (rows.len() > 1).then(|| {
                    let count = format_count(checked.category_counts.iter().sum());
                    (
                        count.clone(),
                        measurer.add(words.total, LEGEND_SIZE),
                        measurer.add(&count, LEGEND_SIZE),
                    )
                });
                Self::Incidents { title, rows, total }
            }
            Symbols::Proportional(layer) => {
                let max_count = max_circle_count(layer);
                let mut references: Vec<u64> = Vec::new();
                for divisor in [1.0, 4.0, 16.0] {
                    let value = nice_distance(max_count as f64 / divisor) as u64;
                    if value >= 1 && !references.contains(&value) {
                        references.push(value);
                    }
                }
                let references = references
                    .into_iter()
                    .map(|value| (value, measurer.add(&format_count(value), LEGEND_SIZE)))
                    .collect();
                let total_count: u64 = layer.circles.iter().map(|c| u64::from(c.count)).sum();
                let count = format_count(total_count);
                let total = (
                    count.clone(),
                    measurer.add(words.total, LEGEND_SIZE),
                    measurer.add(&count, LEGEND_SIZE),
                );
                Self::Proportional {
                    title,
                    references,
                    total,
                }
            }
        }
    }

    /// Writes the legend in the frame's top corner on the line's start side; returns its
    /// area.
    fn write(
        &self,
        out: &mut String,
        spec: &MapSpec,
        frame: Rect,
        measured: &Measured,
    ) -> Option<Rect> {
        let language = spec.language;
        let style = &spec.style;
        let right_to_left = language.is_right_to_left();
        let words = Words::of(language);
        let (title, body_width, body_height) = match self {
            Self::None => return None,
            Self::Incidents { title, rows, total } => {
                let label_width = rows
                    .iter()
                    .map(|row| measured.get(row.2).width)
                    .chain(total.iter().map(|total| measured.get(total.1).width))
                    .fold(0.0, f64::max);
                let count_width = rows
                    .iter()
                    .map(|row| measured.get(row.4).width)
                    .chain(total.iter().map(|total| measured.get(total.2).width))
                    .fold(0.0, f64::max);
                let row_count = rows.len() + usize::from(total.is_some());
                (
                    *title,
                    10.0 + 6.0 + label_width + 14.0 + count_width,
                    row_count as f64 * LEGEND_ROW + if total.is_some() { 4.0 } else { 0.0 },
                )
            }
            Self::Proportional {
                title,
                references,
                total,
            } => {
                let radius = references
                    .first()
                    .map_or(0.0, |(value, _)| proportional_radius(spec, *value));
                let label_width = references
                    .iter()
                    .map(|(_, measure)| measured.get(*measure).width)
                    .fold(0.0, f64::max);
                let total_width = measured.get(total.1).width + 8.0 + measured.get(total.2).width;
                (
                    *title,
                    (2.0 * radius + 10.0 + label_width).max(total_width),
                    2.0 * radius + 8.0 + LEGEND_ROW,
                )
            }
        };
        let title_width = title.map_or(0.0, |measure| measured.get(measure).width);
        let title_height = if title.is_some() {
            LEGEND_TITLE_SIZE + 8.0
        } else {
            0.0
        };
        let width = body_width.max(title_width) + 2.0 * LEGEND_PADDING;
        let height = title_height + body_height + 2.0 * LEGEND_PADDING;
        let x = if right_to_left {
            frame.right() - INSET - width
        } else {
            frame.x + INSET
        };
        let area = Rect::new(x, frame.y + INSET, width, height);
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}" fill-opacity="0.9" stroke="{}" stroke-width="0.6"/>"#,
            number(area.x),
            number(area.y),
            number(area.width),
            number(area.height),
            style.halo,
            style.boundary
        );
        // x of the start and end of the content, in reading order.
        let (start, end) = if right_to_left {
            (area.right() - LEGEND_PADDING, area.x + LEGEND_PADDING)
        } else {
            (area.x + LEGEND_PADDING, area.right() - LEGEND_PADDING)
        };
        let forward = if right_to_left { -1.0 } else { 1.0 };
        let text_style = |size: f64, anchor: Anchor| TextStyle {
            size,
            fill: style.text,
            halo: None,
            anchor,
        };
        let mut y = area.y + LEGEND_PADDING;
        if title.is_some() {
            text::write_text(
                out,
                &spec.legend_title,
                [start, y + LEGEND_TITLE_SIZE],
                language,
                &text_style(LEGEND_TITLE_SIZE, Anchor::line_start(language)),
                None,
            );
            y += title_height;
        }
        match self {
            Self::None => {}
            Self::Incidents { rows, total, .. } => {
                for (colour, label, _, count, _) in rows {
                    let middle = y + LEGEND_ROW / 2.0;
                    let baseline = middle + BASELINE_FROM_MIDDLE * LEGEND_SIZE;
                    let _ = write!(
                        out,
                        r##"<circle cx="{}" cy="{}" r="{}" fill="{colour}" stroke="#ffffff" stroke-width="1"/>"##,
                        number(start + forward * 5.0),
                        number(middle),
                        number(POINT_RADIUS + 1.0),
                    );
                    text::write_text(
                        out,
                        label,
                        [start + forward * 16.0, baseline],
                        language,
                        &text_style(LEGEND_SIZE, Anchor::line_start(language)),
                        None,
                    );
                    text::write_text(
                        out,
                        count,
                        [end, baseline],
                        language,
                        &text_style(LEGEND_SIZE, Anchor::line_end(language)),
                        None,
                    );
                    y += LEGEND_ROW;
                }
                if let Some((count, ..)) = total {
                    y += 4.0;
                    let _ = write!(
                        out,
                        r#"<path d="M{} {}H{}" stroke="{}" stroke-width="0.6"/>"#,
                        number(area.x + LEGEND_PADDING),
                        number(y),
                        number(area.right() - LEGEND_PADDING),
                        style.boundary
                    );
                    let baseline = y + LEGEND_ROW / 2.0 + BASELINE_FROM_MIDDLE * LEGEND_SIZE;
                    text::write_text(
                        out,
                        words.total,
                        [start + forward * 16.0, baseline],
                        language,
                        &text_style(LEGEND_SIZE, Anchor::line_start(language)),
                        None,
                    );
                    text::write_text(
                        out,
                        count,
                        [end, baseline],
                        language,
                        &text_style(LEGEND_SIZE, Anchor::line_end(language)),
                        None,
                    );
                }
            }
            Self::Proportional {
                references, total, ..
            } => {
                let Symbols::Proportional(layer) = &spec.symbols else {
                    return Some(area);
                };
                let largest = references
                    .first()
                    .map_or(0.0, |(value, _)| proportional_radius(spec, *value));
                let centre_x = start + forward * largest;
                let bottom = y + 2.0 * largest + 4.0;
                let label_x = start + forward * (2.0 * largest + 10.0);
                let mut last_label_y = f64::NEG_INFINITY;
                for (value, _) in references {
                    let radius = proportional_radius(spec, *value);
                    let top = bottom - 2.0 * radius;
                    let _ = write!(
                        out,
                        r#"<circle cx="{}" cy="{}" r="{}" fill="{}" fill-opacity="0.72" stroke="{}" stroke-width="0.8"/>"#,
                        number(centre_x),
                        number(bottom - radius),
                        number(radius),
                        layer.colour,
                        style.text
                    );
                    let label_y = top.max(last_label_y + LEGEND_SIZE + 1.0);
                    last_label_y = label_y;
                    let _ = write!(
                        out,
                        r#"<path d="M{} {}L{} {}" stroke="{}" stroke-width="0.5"/>"#,
                        number(centre_x),
                        number(top),
                        number(label_x - forward * 3.0),
                        number(label_y),
                        style.text
                    );
                    text::write_text(
                        out,
                        &format_count(*value),
                        [label_x, label_y + BASELINE_FROM_MIDDLE * LEGEND_SIZE],
                        language,
                        &text_style(LEGEND_SIZE, Anchor::line_start(language)),
                        None,
                    );
                }
                let baseline = bottom + 4.0 + LEGEND_ROW / 2.0 + BASELINE_FROM_MIDDLE * LEGEND_SIZE;
                text::write_text(
                    out,
                    words.total,
                    [start, baseline],
                    language,
                    &text_style(LEGEND_SIZE, Anchor::line_start(language)),
                    None,
                );
                text::write_text(
                    out,
                    &total.0,
                    [end, baseline],
                    language,
                    &text_style(LEGEND_SIZE, Anchor::line_end(language)),
                    None,
                );
            }
        }
        Some(area)
    }
}

fn proportional_radius(spec: &MapSpec, value: u64) -> f64 {
    match &spec.symbols {
        Symbols::Proportional(layer) => circle_radius(layer, value, max_circle_count(layer)),
        _ => 0.0,
    }
}

/// A north arrow in the frame's top corner on the line's end side.
fn write_north_arrow(
    out: &mut String,
    frame: Rect,
    right_to_left: bool,
    words: &Words,
    style: &crate::spec::MapStyle,
) -> Rect {
    let centre = if right_to_left {
        frame.x + INSET + 9.0
    } else {
        frame.right() - INSET - 9.0
    };
    let top = frame.y + INSET;
    let language = if right_to_left {
        Language::Arabic
    } else {
        Language::English
    };
    let letter = TextStyle {
        size: 11.0,
        fill: style.text,
        halo: Some((style.halo, HALO_WIDTH)),
        anchor: Anchor::Middle,
    };
    text::write_text(
        out,
        words.north,
        [centre, top + 10.0],
        language,
        &letter,
        None,
    );
    let (tip, base, notch) = (top + 15.0, top + 34.0, top + 29.0);
    let _ = write!(
        out,
        r#"<path d="M{c} {tip}L{l} {base}L{c} {notch}Z" fill="{text}" stroke="{text}" stroke-width="0.8" stroke-linejoin="round"/><path d="M{c} {tip}L{r} {base}L{c} {notch}Z" fill="{halo}" stroke="{text}" stroke-width="0.8" stroke-linejoin="round"/>"#,
        c = number(centre),
        l = number(centre - 7.0),
        r = number(centre + 7.0),
        tip = number(tip),
        base = number(base),
        notch = number(notch),
        text = style.text,
        halo = style.halo,
    );
    Rect::new(centre - 9.0, top - 2.0, 18.0, 38.0)
}

/// A scale bar in the frame's bottom corner on the line's end side, as long as the
/// largest nice distance that fits a quarter of the frame; returns its area.
fn write_scale_bar(
    out: &mut String,
    frame: Rect,
    projection: &Projection,
    language: Language,
    words: &Words,
    style: &crate::spec::MapStyle,
) -> Option<Rect> {
    let metres_per_pixel = projection.ground_metres_per_pixel();
    let longest = (frame.width / 4.0).min(220.0);
    let metres = nice_distance(longest * metres_per_pixel);
    let length = metres / metres_per_pixel;
    if !(length.is_finite() && length >= 10.0) {
        return None;
    }
    let label = if metres >= 1000.0 {
        format!("{} {}", metres / 1000.0, words.kilometres)
    } else {
        format!("{metres} {}", words.metres)
    };
    let right_to_left = language.is_right_to_left();
    let (left, right) = if right_to_left {
        (frame.x + INSET, frame.x + INSET + length)
    } else {
        (frame.right() - INSET - length, frame.right() - INSET)
    };
    let bar_top = frame.bottom() - INSET - 4.0;
    let half = f64::midpoint(left, right);
    // The half nearer zero is filled.
    let (filled, empty) = if right_to_left {
        (half, left)
    } else {
        (left, half)
    };
    let _ = write!(
        out,
        r#"<rect x="{}" y="{}" width="{}" height="4" fill="{}" stroke="{}" stroke-width="0.6"/><rect x="{}" y="{}" width="{}" height="4" fill="{}" stroke="{}" stroke-width="0.6"/>"#,
        number(filled),
        number(bar_top),
        number(length / 2.0),
        style.text,
        style.text,
        number(empty),
        number(bar_top),
        number(length / 2.0),
        style.halo,
        style.text,
    );
    let baseline = bar_top - 4.0;
    let small = |anchor| TextStyle {
        size: SCALE_SIZE,
        fill: style.text,
        halo: Some((style.halo, HALO_WIDTH)),
        anchor,
    };
    let (zero_x, zero_anchor, end_x, end_anchor) = if right_to_left {
        (right, Anchor::Right, left, Anchor::Left)
    } else {
        (left, Anchor::Left, right, Anchor::Right)
    };
    text::write_text(
        out,
        "0",
        [zero_x, baseline],
        language,
        &small(zero_anchor),
        None,
    );
    text::write_text(
        out,
        &label,
        [end_x, baseline],
        language,
        &small(end_anchor),
        None,
    );
    Some(Rect::new(
        left - 2.0,
        baseline - SCALE_SIZE - 2.0,
        length + 4.0,
        bar_top + 6.0 - (baseline - SCALE_SIZE - 2.0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1000), "1,000");
        assert_eq!(format_count(1_234_567), "1,234,567");
    }

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
