//! The report's charts: horizontal bars with their numbers written beside them, drawn
//! as SVG in the report's language (labels on the right in Arabic, on the left in
//! English), with real text that a browser or a designer's tool can select and edit.

use std::fmt::Write as _;

use athar_core::Language;
use serde::Serialize;

/// One bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    /// What it counts, in the report's language.
    pub label: String,
    /// Its length.
    pub value: u64,
    /// The number written beside it, as the text writes it (`44`, `38%`).
    pub text: String,
}

/// Bars under one heading (for example the killed, then the injured).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarGroup {
    /// The heading, if the chart has several groups.
    pub label: Option<String>,
    /// The bars.
    pub bars: Vec<Bar>,
}

/// A chart of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BarChart {
    /// Its name in URLs (`casualties`, `weapons`, `fire-places`, `accident-causes`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its bars.
    pub groups: Vec<BarGroup>,
    /// Its bars' colour, `#rrggbb`.
    pub colour: String,
}

const WIDTH: f64 = 560.0;
const MARGIN: f64 = 12.0;
const LABEL_WIDTH: f64 = 190.0;
const ROW: f64 = 24.0;
const BAR: f64 = 16.0;
const VALUE_ROOM: f64 = 56.0;

/// Text escaped for XML.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

impl BarChart {
    /// The chart as a standalone SVG document. Its text anchors are placed left to right
    /// whatever the language (`direction="ltr"` on the drawing, so that an Arabic page's
    /// direction does not flip them when the chart is inline); Arabic labels end at the
    /// right edge.
    pub fn svg(&self, language: Language) -> String {
        let rtl = language == Language::Arabic;
        let font = if rtl {
            "Noto Sans Arabic, Noto Sans, sans-serif"
        } else {
            "Noto Sans, Noto Sans Arabic, sans-serif"
        };
        let rows: usize = self
            .groups
            .iter()
            .map(|g| g.bars.len() + usize::from(g.label.is_some()))
            .sum();
        let height = MARGIN * 2.0 + 28.0 + ROW * rows as f64;
        let largest = self
            .groups
            .iter()
            .flat_map(|g| &g.bars)
            .map(|b| b.value)
            .max()
            .unwrap_or(0)
            .max(1);
        let span = WIDTH - 2.0 * MARGIN - LABEL_WIDTH - VALUE_ROOM;
        // Where labels end and bars begin, and which way bars grow.
        let (label_x, label_anchor, bar_start, direction) = if rtl {
            (WIDTH - MARGIN, "end", WIDTH - MARGIN - LABEL_WIDTH, -1.0)
        } else {
            (MARGIN, "start", MARGIN + LABEL_WIDTH, 1.0)
        };
        let mut svg = String::with_capacity(2048);
        let _ = write!(
            svg,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" direction="ltr" font-family="{font}" font-size="13"><title>{title}</title><rect width="100%" height="100%" fill="#ffffff"/><text x="{label_x}" y="{y}" text-anchor="{label_anchor}" font-size="15" fill="#1a1a1a">{title}</text>"##,
            title = escape(&self.title),
            y = MARGIN + 16.0,
        );
        let mut y = MARGIN + 28.0;
        for group in &self.groups {
            if let Some(label) = &group.label {
                let _ = write!(
                    svg,
                    r##"<text x="{label_x}" y="{}" text-anchor="{label_anchor}" fill="#1a1a1a" font-size="14">{}</text>"##,
                    y + 17.0,
                    escape(label)
                );
                y += ROW;
            }
            for bar in &group.bars {
                let length = span * bar.value as f64 / largest as f64;
                let x = if rtl { bar_start - length } else { bar_start };
                let (value_x, value_anchor) = if rtl {
                    (x - 6.0, "end")
                } else {
                    (x + length + 6.0, "start")
                };
                let _ = write!(
                    svg,
                    r##"<text x="{}" y="{}" text-anchor="{label_anchor}" fill="#333333">{}</text><rect x="{x:.1}" y="{}" width="{length:.1}" height="{BAR}" fill="{}"/><text x="{value_x:.1}" y="{}" text-anchor="{value_anchor}" fill="#1a1a1a">{}</text>"##,
                    label_x - direction * 8.0,
                    y + 16.0,
                    escape(&bar.label),
                    y + 4.0,
                    escape(&self.colour),
                    y + 16.0,
                    escape(&bar.text),
                );
                y += ROW;
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> BarChart {
        BarChart {
            id: "weapons".into(),
            title: "Attacks by weapon".into(),
            groups: vec![BarGroup {
                label: None,
                bars: vec![
                    Bar {
                        label: "Artillery shells".into(),
                        value: 44,
                        text: "44".into(),
                    },
                    Bar {
                        label: "Drone <small>".into(),
                        value: 11,
                        text: "11".into(),
                    },
                ],
            }],
            colour: "#b03a2e".into(),
        }
    }

    #[test]
    fn bars_are_as_long_as_their_values_and_carry_their_numbers() {
        let svg = chart().svg(Language::English);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        // The longest bar takes the whole span; the other a quarter of it.
        let span = WIDTH - 2.0 * MARGIN - LABEL_WIDTH - VALUE_ROOM;
        assert!(svg.contains(&format!(r#"width="{span:.1}""#)), "{svg}");
        assert!(
            svg.contains(&format!(r#"width="{:.1}""#, span / 4.0)),
            "{svg}"
        );
        assert!(svg.contains(">44</text>") && svg.contains(">11</text>"));
        assert!(svg.contains("Drone &lt;small&gt;"), "labels are escaped");
    }

    #[test]
    fn arabic_charts_put_labels_on_the_right_and_grow_leftwards() {
        let svg = chart().svg(Language::Arabic);
        let start = WIDTH - MARGIN - LABEL_WIDTH;
        let span = WIDTH - 2.0 * MARGIN - LABEL_WIDTH - VALUE_ROOM;
        assert!(
            svg.contains(&format!(r#"<rect x="{:.1}""#, start - span)),
            "{svg}"
        );
        assert!(svg.contains(r#"text-anchor="end""#));
    }
}
