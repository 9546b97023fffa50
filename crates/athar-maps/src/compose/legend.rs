//! The legend: category rows with their counts, or reference circles, and a total.

use std::fmt::Write as _;

use super::symbols::{circle_radius, max_circle_count};
use super::{BASELINE_FROM_MIDDLE, INSET, Measured, POINT_RADIUS, Words, format_count};
use crate::layout::Rect;
use crate::projection::nice_distance;
use crate::spec::{Colour, MapSpec, Symbols};
use crate::text::{self, Anchor, Measurer, TextStyle, number};
use crate::validate::Checked;

/// Padding inside the legend box.
const LEGEND_PADDING: f64 = 8.0;
/// Height of a legend row.
const LEGEND_ROW: f64 = 18.0;
const LEGEND_TITLE_SIZE: f64 = 12.0;
const LEGEND_SIZE: f64 = 11.0;

/// The legend's texts, queued for measuring.
pub(super) enum LegendText {
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
    pub(super) fn collect(
        spec: &MapSpec,
        checked: &Checked,
        words: &Words,
        measurer: &mut Measurer,
    ) -> Self {
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
    pub(super) fn write(
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
