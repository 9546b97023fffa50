//! Builds the SVG source of a map from a checked [`MapSpec`](crate::MapSpec).
//!
//! How it works: every text that may be drawn is first measured in one usvg pass (see
//! [`Measurer`](crate::text::Measurer)), because the header, the legend and label
//! collisions depend on the texts' sizes. The page is then laid out (header band, map
//! frame, footer line), the bounding box is fitted into the frame, and the document is
//! written in drawing order: background; inside the frame's clip, the land, governorate
//! boundaries, the country outline and the symbols; then governorate names, circle labels
//! and place names, kept only where they collide with nothing placed before; then the
//! legend, north arrow, scale bar, frame, title, subtitle and attribution. Right-to-left
//! maps mirror the horizontal placement of everything except the map itself.
//!
//! [`page`] lays the page out and writes the document; [`context`], [`symbols`],
//! [`labels`], [`legend`] and [`furniture`] write their parts of it.

mod context;
mod furniture;
mod labels;
mod legend;
mod page;
mod symbols;

pub(crate) use page::compose;

use crate::spec::Language;
use crate::text::Extent;

/// Space between the frame and the legend, north arrow and scale bar.
const INSET: f64 = 10.0;

const POINT_RADIUS: f64 = 4.0;
/// Stroke width of text halos (half of it shows around the glyphs).
const HALO_WIDTH: f64 = 2.6;
/// How far below the middle of a line of text its baseline lies, in ems.
const BASELINE_FROM_MIDDLE: f64 = 0.35;

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

/// Everything measured, by what it is.
struct Measured {
    extents: Vec<Extent>,
}

impl Measured {
    fn get(&self, index: usize) -> Extent {
        self.extents[index]
    }
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
}
