//! The map's furniture: the north arrow and the scale bar.

use std::fmt::Write as _;

use super::{HALO_WIDTH, INSET, Words};
use crate::layout::Rect;
use crate::projection::{Projection, nice_distance};
use crate::spec::Language;
use crate::text::{self, Anchor, TextStyle, number};

const SCALE_SIZE: f64 = 10.0;

/// A north arrow in the frame's top corner on the line's end side.
pub(super) fn write_north_arrow(
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
pub(super) fn write_scale_bar(
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
