//! The page: the header band, map frame and footer line laid out, the bounding box
//! fitted into the frame, and the document written in drawing order.

use std::fmt::Write as _;

use super::context::write_context;
use super::furniture::{write_north_arrow, write_scale_bar};
use super::labels::{collect_labels, place_labels, write_labels};
use super::legend::LegendText;
use super::symbols::{avoid_symbols, write_circles, write_incidents};
use super::{Measured, Words};
use crate::error::Result;
use crate::layout::{LabelPlacer, Rect};
use crate::projection::Projection;
use crate::spec::{MapSpec, Symbols};
use crate::text::{self, Anchor, Extent, Measurer, TextStyle, number};
use crate::validate;

/// Space around the page's content.
const MARGIN: f64 = 12.0;
/// Space kept between the bounding box and the frame.
const FIT_PADDING: f64 = 16.0;

const TITLE_SIZE: f64 = 20.0;
const SUBTITLE_SIZE: f64 = 13.0;
const ATTRIBUTION_SIZE: f64 = 10.0;
/// The smallest size a header or footer text is shrunk to so that it fits the width.
const MIN_FITTED_SIZE: f64 = 7.0;

/// The size at which a text measured at `size` fits `available` pixels.
fn fitted_size(size: f64, extent: Extent, available: f64) -> f64 {
    if extent.width > available && extent.width > 0.0 {
        (size * available / extent.width).max(MIN_FITTED_SIZE)
    } else {
        size
    }
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
