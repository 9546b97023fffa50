//! The three outputs: determinism, PDF page size, SVG that parses again, literal text.

use athar_maps::{Format, Language, PixelRatio, render, render_pdf, render_png, render_svg};

use crate::fixtures;

#[test]
fn the_same_spec_gives_the_same_bytes_in_every_format() {
    for spec in [
        fixtures::golden_spec(Language::Arabic),
        fixtures::golden_proportional_spec(Language::English),
    ] {
        for format in [Format::Svg, Format::Png, Format::Pdf] {
            let first = render(&spec, format).expect("renders");
            let second = render(&spec, format).expect("renders again");
            assert!(first == second, "{format:?} differs between two renderings");
        }
    }
}

#[test]
fn the_pdf_page_has_the_map_size_in_points() {
    let mut spec = fixtures::golden_spec(Language::English);
    spec.width = 842;
    spec.height = 595;
    let pdf = render_pdf(&spec).expect("renders");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.contains("/MediaBox [0 0 842 595]"),
        "no A4 landscape MediaBox"
    );
    assert_eq!(text.matches("/Type /Page\n").count(), 1, "one page");
    assert!(!text.contains("/CreationDate") && !text.contains("/ID"));
    assert!(text.trim_end().ends_with("%%EOF"));
}

#[test]
fn the_svg_parses_again_and_carries_no_text_elements() {
    let svg = render_svg(&fixtures::golden_spec(Language::Arabic)).expect("renders");
    let tree = usvg::Tree::from_str(&svg, &usvg::Options::default()).expect("parses");
    assert_eq!((tree.size().width(), tree.size().height()), (600.0, 400.0));
    // Text is outlines: it displays without fonts.
    assert!(!svg.contains("<text"));
    assert!(tree.root().has_children());
}

#[test]
fn the_png_has_scale_times_the_pixels() {
    let mut spec = fixtures::golden_spec(Language::English);
    spec.scale = PixelRatio::Two;
    let png = render_png(&spec).expect("renders");
    let image = resvg::tiny_skia::Pixmap::decode_png(&png).expect("decodes");
    assert_eq!((image.width(), image.height()), (1200, 800));
}

#[test]
fn markup_in_text_is_drawn_literally() {
    let mut spec = fixtures::golden_spec(Language::English);
    spec.title = r#"</text><script>alert("x")</script> & 'quotes' <b>"#.into();
    spec.attribution = "]]> <!-- &amp; -->".into();
    for format in [Format::Svg, Format::Png, Format::Pdf] {
        render(&spec, format).expect("renders");
    }
    let svg = render_svg(&spec).expect("renders");
    assert!(!svg.contains("<script") && !svg.contains("<b>") && !svg.contains("<!--"));
    // The title's outlines are there: more drawn than with a plain title.
    let mut plain = spec.clone();
    plain.title = "x".into();
    assert!(svg.len() > render_svg(&plain).expect("renders").len());
}

#[test]
fn formats_know_their_extension_and_media_type() {
    assert_eq!(Format::from_extension("PDF"), Some(Format::Pdf));
    assert_eq!(Format::from_extension("gif"), None);
    assert_eq!(Format::Svg.media_type(), "image/svg+xml");
    assert_eq!(Format::Png.extension(), "png");
}
