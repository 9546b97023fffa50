//! From the SVG source to the three outputs.
//!
//! The source is parsed once by usvg with the bundled fonts, which shapes and orders the
//! text. SVG output is usvg's own writer with text turned into outlines (it needs no fonts
//! to display). PNG is that tree rasterised by resvg. PDF is svg2pdf on the tree read back
//! from the outlined SVG, so the PDF needs no font embedding and matches the SVG exactly.

use resvg::tiny_skia;

use crate::compose::compose;
use crate::error::{MapError, Result};
use crate::fonts;
use crate::spec::{Language, MAX_PNG_PIXELS, MapSpec};
use crate::validate::check_size;

/// usvg options that use only the bundled fonts and never read files or images.
pub(crate) fn usvg_options(language: Language) -> usvg::Options<'static> {
    usvg::Options {
        resources_dir: None,
        font_family: fonts::primary_family(language).to_owned(),
        fontdb: fonts::database(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

fn tree(spec: &MapSpec) -> Result<usvg::Tree> {
    let source = compose(spec)?;
    Ok(usvg::Tree::from_str(&source, &usvg_options(spec.language))?)
}

fn write_options() -> usvg::WriteOptions {
    usvg::WriteOptions {
        preserve_text: false,
        coordinates_precision: 3,
        ..usvg::WriteOptions::default()
    }
}

/// Renders the map as SVG, its text already turned into outlines so that it looks the
/// same everywhere, with or without fonts.
pub fn render_svg(spec: &MapSpec) -> Result<String> {
    Ok(tree(spec)?.to_string(&write_options()))
}

/// Renders the map as a PNG of `width × scale` by `height × scale` pixels.
pub fn render_png(spec: &MapSpec) -> Result<Vec<u8>> {
    check_size(spec.width, spec.height)?;
    rasterise(&tree(spec)?, (spec.width, spec.height), spec.scale.factor())
}

/// A tree as a PNG of `size × scale` pixels, refused past [`MAX_PNG_PIXELS`].
fn rasterise(tree: &usvg::Tree, size: (u32, u32), scale: u32) -> Result<Vec<u8>> {
    let (width, height) = (size.0 * scale, size.1 * scale);
    let pixels = u64::from(width) * u64::from(height);
    if pixels > MAX_PNG_PIXELS {
        return Err(MapError::TooManyPixels {
            width: size.0,
            height: size.1,
            scale,
            pixels,
            max: MAX_PNG_PIXELS,
        });
    }
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or_else(|| {
        MapError::Png(format!("a {width}×{height} pixmap could not be allocated").into())
    })?;
    let factor = scale as f32;
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(factor, factor),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|error| MapError::Png(Box::new(error)))
}

/// Rasterises another SVG drawing (a chart) with the bundled fonts, at `scale` pixels per
/// CSS pixel, under the same pixel limit as maps.
pub fn svg_to_png(svg: &str, language: Language, scale: u32) -> Result<Vec<u8>> {
    let tree = usvg::Tree::from_str(svg, &usvg_options(language))?;
    let size = tree.size().to_int_size();
    rasterise(&tree, (size.width(), size.height()), scale)
}

/// Renders the map as a one-page PDF of `width × height` points (one CSS pixel per
/// point), text as outlines, without dates or random identifiers.
pub fn render_pdf(spec: &MapSpec) -> Result<Vec<u8>> {
    let outlined = render_svg(spec)?;
    let tree = usvg::Tree::from_str(&outlined, &usvg_options(spec.language))?;
    let mut pdf = svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions { dpi: 72.0 },
    )
    .map_err(|error| MapError::Pdf(error.to_string()))?;
    sort_resource_entries(&mut pdf);
    Ok(pdf)
}

/// Whether a line is a resource dictionary entry as pdf-writer writes them, e.g.
/// `      /gs12 17 0 R`.
fn is_resource_entry(line: &[u8]) -> bool {
    let Some(start) = line.iter().position(|&byte| byte != b' ') else {
        return false;
    };
    let mut words = line[start..].split(|&byte| byte == b' ');
    let (Some(name), Some(object), Some(generation), Some(reference), None) = (
        words.next(),
        words.next(),
        words.next(),
        words.next(),
        words.next(),
    ) else {
        return false;
    };
    start > 0
        && name.len() > 1
        && name[0] == b'/'
        && name[1..].iter().all(u8::is_ascii_alphanumeric)
        && !object.is_empty()
        && object.iter().all(u8::is_ascii_digit)
        && generation == b"0"
        && reference == b"R"
}

/// The sort key of a resource entry: its name's letters, then its number.
fn resource_key(line: &[u8]) -> (Vec<u8>, u64) {
    let name: Vec<u8> = line
        .iter()
        .skip_while(|&&byte| byte != b'/')
        .skip(1)
        .take_while(|&&byte| byte != b' ')
        .copied()
        .collect();
    let letters: Vec<u8> = name
        .iter()
        .take_while(|byte| !byte.is_ascii_digit())
        .copied()
        .collect();
    let number = name[letters.len()..].iter().fold(0u64, |number, digit| {
        number
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    });
    (letters, number)
}

/// svg2pdf writes each resource dictionary (graphics states, patterns…) from a `HashMap`,
/// so its entries come out in a different order on every run. Sorting the entries of
/// each dictionary makes the PDF reproducible; it moves lines only within their block, so
/// every byte offset (and the cross-reference table) stays valid. Stream data is skipped
/// by its `/Length`.
fn sort_resource_entries(pdf: &mut [u8]) {
    let mut position = 0;
    let mut stream_length: Option<usize> = None;
    let mut run: Option<usize> = None;
    while position < pdf.len() {
        let end = pdf[position..]
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(pdf.len(), |offset| position + offset);
        if is_resource_entry(&pdf[position..end]) {
            run.get_or_insert(position);
        } else {
            if let Some(start) = run.take() {
                sort_block(&mut pdf[start..position]);
            }
            let trimmed = pdf[position..end].trim_ascii();
            if let Some(length) = trimmed.strip_prefix(b"/Length ") {
                stream_length = std::str::from_utf8(length)
                    .ok()
                    .and_then(|length| length.parse().ok());
            } else if trimmed == b"stream" {
                // Skip the data; what follows it is "\nendstream".
                if let Some(length) = stream_length.take() {
                    position = (end + 1 + length).min(pdf.len());
                    continue;
                }
            }
        }
        position = end + 1;
    }
    if let Some(start) = run {
        let end = pdf.len();
        sort_block(&mut pdf[start..end]);
    }
}

/// Sorts the newline-terminated lines of a block in place.
fn sort_block(block: &mut [u8]) {
    let mut lines: Vec<Vec<u8>> = block
        .split_inclusive(|&byte| byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    lines.sort_by_cached_key(|line| resource_key(line));
    let sorted = lines.concat();
    if sorted.len() == block.len() {
        block.copy_from_slice(&sorted);
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[schema(as = StaticMapFormat)]
pub enum Format {
    /// `image/svg+xml`.
    Svg,
    /// `image/png`.
    Png,
    /// `application/pdf`.
    Pdf,
}

impl Format {
    /// The format of a file extension (`svg`, `png`, `pdf`, any case).
    pub fn from_extension(extension: &str) -> Option<Self> {
        [Self::Svg, Self::Png, Self::Pdf]
            .into_iter()
            .find(|format| format.extension().eq_ignore_ascii_case(extension))
    }

    /// The file extension, without a dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }

    /// The media type to send it with.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }
}

/// Renders the map in `format`.
pub fn render(spec: &MapSpec, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Svg => render_svg(spec).map(String::into_bytes),
        Format::Png => render_png(spec),
        Format::Pdf => render_pdf(spec),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_entries_are_sorted_in_place_and_streams_are_left_alone() {
        let mut pdf = b"<<\n  /ExtGState <<\n    /gs10 9 0 R\n    /gs2 7 0 R\n  >>\n>>\n<<\n  /Length 23\n>>\nstream\n  /b2 2 0 R\n  /b1 3 0 R\nendstream\n".to_vec();
        let length = pdf.len();
        sort_resource_entries(&mut pdf);
        assert_eq!(pdf.len(), length);
        let text = String::from_utf8(pdf).unwrap();
        assert!(text.contains("    /gs2 7 0 R\n    /gs10 9 0 R\n"), "{text}");
        assert!(
            text.contains("stream\n  /b2 2 0 R\n  /b1 3 0 R\nendstream"),
            "{text}"
        );
    }
}
