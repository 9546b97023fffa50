//! Text in the generated SVG: cleaning, escaping, direction, font runs and measuring.
//!
//! usvg shapes text with rustybuzz (so Arabic letters join) and reorders it with the
//! Unicode bidirectional algorithm, but it always takes the paragraph direction to be
//! left to right and ignores `direction`. Arabic text is therefore wrapped in a
//! right-to-left embedding (U+202B … U+202C), which makes the first word come out on the
//! right and keeps numbers and Latin words in reading order inside it.
//!
//! usvg's own font fallback assumes that two fonts shape a text into the same number of
//! glyphs, which Arabic ligatures (lam-alef) break; so characters the language's font
//! lacks are put in `<tspan>`s naming the other font, and usvg never needs a fallback.

use std::fmt::Write as _;

use crate::error::Result;
use crate::fonts;
use crate::spec::{Colour, Language};

const RIGHT_TO_LEFT_EMBEDDING: char = '\u{202B}';
const POP_DIRECTIONAL_FORMATTING: char = '\u{202C}';

/// Where the anchor point lies on the text's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The anchor is the left end.
    Left,
    /// The anchor is the middle.
    Middle,
    /// The anchor is the right end.
    Right,
}

impl Anchor {
    fn svg(self) -> &'static str {
        match self {
            Self::Left => "start",
            Self::Middle => "middle",
            Self::Right => "end",
        }
    }

    /// The anchor at the start of a line in `language` (right for Arabic).
    pub(crate) fn line_start(language: Language) -> Self {
        if language.is_right_to_left() {
            Self::Right
        } else {
            Self::Left
        }
    }

    /// The anchor at the end of a line in `language` (left for Arabic).
    pub(crate) fn line_end(language: Language) -> Self {
        if language.is_right_to_left() {
            Self::Left
        } else {
            Self::Right
        }
    }
}

/// How a text is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TextStyle {
    /// Font size in CSS pixels.
    pub size: f64,
    /// Fill colour.
    pub fill: Colour,
    /// A halo drawn under the glyphs: colour and stroke width.
    pub halo: Option<(Colour, f64)>,
    /// Which point of the line `x` gives.
    pub anchor: Anchor,
}

/// The box a text occupies, relative to its anchor point (x) and baseline (y), in CSS
/// pixels; y grows downwards, so `top` is negative.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Extent {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Extent {
    /// The extent of the same text drawn with another anchor.
    pub(crate) fn anchored(self, anchor: Anchor) -> Self {
        let shift = match anchor {
            Anchor::Left => 0.0,
            Anchor::Middle => self.width / 2.0,
            Anchor::Right => self.width,
        };
        Self {
            left: self.left - shift,
            ..self
        }
    }
}

fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The text as drawn: whitespace runs become single spaces, and characters that XML
/// forbids or that would change the direction of the map's own text (embeddings,
/// overrides, isolates) are dropped.
pub(crate) fn clean(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    let mut pending_space = false;
    for character in text.chars() {
        if character.is_whitespace() {
            pending_space = !cleaned.is_empty();
        } else if character.is_control()
            || is_bidi_control(character)
            || matches!(character, '\u{FFFE}' | '\u{FFFF}')
        {
            // Dropped.
        } else {
            if pending_space {
                cleaned.push(' ');
                pending_space = false;
            }
            cleaned.push(character);
        }
    }
    cleaned
}

fn push_escaped(out: &mut String, character: char) {
    match character {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&apos;"),
        other => out.push(other),
    }
}

/// Writes the escaped content of a `<text>` element: the direction embedding for Arabic
/// and `<tspan>`s for characters the language's font lacks.
fn push_content(out: &mut String, text: &str, language: Language) {
    let right_to_left = language.is_right_to_left();
    if right_to_left {
        out.push(RIGHT_TO_LEFT_EMBEDDING);
    }
    let mut in_secondary = false;
    for character in text.chars() {
        // Spaces stay in whichever font is current, so that a Latin phrase in an Arabic
        // text is one span.
        if !character.is_whitespace() {
            let secondary = fonts::needs_secondary(character, language);
            if secondary != in_secondary {
                if secondary {
                    let _ = write!(
                        out,
                        r#"<tspan font-family="{}">"#,
                        fonts::secondary_family(language)
                    );
                } else {
                    out.push_str("</tspan>");
                }
                in_secondary = secondary;
            }
        }
        push_escaped(out, character);
    }
    if in_secondary {
        out.push_str("</tspan>");
    }
    if right_to_left {
        out.push(POP_DIRECTIONAL_FORMATTING);
    }
}

/// Formats a coordinate or length for SVG: at most two decimals, no trailing zeros.
pub(crate) fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let mut text = format!("{rounded:.2}");
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    if text == "-0" { "0".to_owned() } else { text }
}

/// Writes a `<text>` element. `text` is cleaned here; nothing is written when it is blank.
pub(crate) fn write_text(
    out: &mut String,
    text: &str,
    [x, y]: [f64; 2],
    language: Language,
    style: &TextStyle,
    id: Option<&str>,
) {
    let text = clean(text);
    if text.is_empty() {
        return;
    }
    out.push_str("<text");
    if let Some(id) = id {
        let _ = write!(out, r#" id="{id}""#);
    }
    let _ = write!(
        out,
        r#" x="{}" y="{}" font-family="{}" font-size="{}" fill="{}""#,
        number(x),
        number(y),
        fonts::primary_family(language),
        number(style.size),
        style.fill,
    );
    if style.anchor != Anchor::Left {
        let _ = write!(out, r#" text-anchor="{}""#, style.anchor.svg());
    }
    if let Some((colour, width)) = style.halo {
        let _ = write!(
            out,
            r#" stroke="{colour}" stroke-width="{}" stroke-linejoin="round" paint-order="stroke""#,
            number(width),
        );
    }
    out.push('>');
    push_content(out, &text, language);
    out.push_str("</text>");
}

/// Measures texts the way they will be drawn, by laying them out with usvg in one pass.
#[derive(Debug, Default)]
pub(crate) struct Measurer {
    texts: Vec<(String, f64)>,
}

impl Measurer {
    /// Queues a text at a font size; returns its index in [`Measurer::measure`]'s result.
    pub(crate) fn add(&mut self, text: &str, size: f64) -> usize {
        self.texts.push((text.to_owned(), size));
        self.texts.len() - 1
    }

    /// The extents of all queued texts, anchored at their left end. Blank texts have an
    /// empty extent.
    pub(crate) fn measure(&self, language: Language) -> Result<Vec<Extent>> {
        let mut svg = String::from(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000" viewBox="0 0 1000 1000">"#,
        );
        for (index, (text, size)) in self.texts.iter().enumerate() {
            let style = TextStyle {
                size: *size,
                fill: crate::spec::palette::TEXT,
                halo: None,
                anchor: Anchor::Left,
            };
            write_text(
                &mut svg,
                text,
                [0.0, 0.0],
                language,
                &style,
                Some(&format!("m{index}")),
            );
        }
        svg.push_str("</svg>");
        let tree = usvg::Tree::from_str(&svg, &crate::render::usvg_options(language))?;
        Ok((0..self.texts.len())
            .map(|index| match tree.node_by_id(&format!("m{index}")) {
                Some(usvg::Node::Text(text)) => {
                    let bounds = text.bounding_box();
                    Extent {
                        left: f64::from(bounds.x()),
                        top: f64::from(bounds.y()),
                        width: f64::from(bounds.width()),
                        height: f64::from(bounds.height()),
                    }
                }
                _ => Extent::default(),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        let mut out = String::new();
        push_content(&mut out, r#"a<b>&"c"'d'"#, Language::English);
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    }

    #[test]
    fn control_and_direction_characters_are_dropped() {
        assert_eq!(clean("  a\u{0}b\u{202E}c \n\t d  "), "abc d");
        assert_eq!(clean("\u{2067}x\u{2069}"), "x");
    }

    #[test]
    fn arabic_text_is_embedded_right_to_left_with_latin_words_in_the_latin_font() {
        let mut out = String::new();
        push_content(&mut out, "بيانات Athar 2026", Language::Arabic);
        assert_eq!(
            out,
            "\u{202B}بيانات <tspan font-family=\"Noto Sans\">Athar </tspan>2026\u{202C}"
        );
    }

    #[test]
    fn numbers_have_at_most_two_decimals() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(1.256), "1.26");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(12.5), "12.5");
    }

    /// The glyphs of a text as usvg lays it out: (the characters each glyph draws, glyph
    /// id, x of its origin).
    fn glyphs(text: &str, language: Language) -> Vec<(String, u16, f32)> {
        let mut svg =
            String::from(r#"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="100">"#);
        let style = TextStyle {
            size: 20.0,
            fill: crate::spec::palette::TEXT,
            halo: None,
            anchor: Anchor::Left,
        };
        write_text(&mut svg, text, [10.0, 50.0], language, &style, Some("t"));
        svg.push_str("</svg>");
        let tree = usvg::Tree::from_str(&svg, &crate::render::usvg_options(language)).unwrap();
        let Some(usvg::Node::Text(text)) = tree.node_by_id("t") else {
            panic!("no text node");
        };
        text.layouted()
            .iter()
            .flat_map(|span| &span.positioned_glyphs)
            .map(|glyph| (glyph.text.clone(), glyph.id.0, glyph.transform().tx))
            .collect()
    }

    fn x_of(glyphs: &[(String, u16, f32)], characters: &str) -> f32 {
        glyphs
            .iter()
            .find(|(text, ..)| text == characters)
            .unwrap_or_else(|| panic!("no glyph for {characters:?} in {glyphs:?}"))
            .2
    }

    #[test]
    fn an_arabic_word_runs_right_to_left() {
        let glyphs = glyphs("إدلب", Language::Arabic);
        assert!(x_of(&glyphs, "إ") > x_of(&glyphs, "د"));
        assert!(x_of(&glyphs, "د") > x_of(&glyphs, "ب"));
    }

    #[test]
    fn numbers_in_arabic_text_keep_their_order_and_place() {
        // "Attack 12 in Idlib": the first word on the right, the number in the middle
        // read left to right, the last word on the left.
        let glyphs = glyphs("هجوم 12 في إدلب", Language::Arabic);
        let (first_word, one, two, last_word) = (
            x_of(&glyphs, "ه"),
            x_of(&glyphs, "1"),
            x_of(&glyphs, "2"),
            x_of(&glyphs, "ب"),
        );
        assert!(
            first_word > two && two > one && one > last_word,
            "{glyphs:?}"
        );
    }

    #[test]
    fn latin_words_in_arabic_text_read_left_to_right_in_their_place() {
        let glyphs = glyphs("بيانات Athar", Language::Arabic);
        assert!(x_of(&glyphs, "A") < x_of(&glyphs, "r"));
        assert!(x_of(&glyphs, "r") < x_of(&glyphs, "ب"), "{glyphs:?}");
        // Drawn with the Latin font: real glyphs, not the missing glyph 0.
        assert!(glyphs.iter().all(|(_, id, _)| *id != 0), "{glyphs:?}");
    }

    #[test]
    fn a_distance_in_arabic_puts_the_number_first_on_the_right() {
        let glyphs = glyphs("50 كم", Language::Arabic);
        assert!(x_of(&glyphs, "5") < x_of(&glyphs, "0"));
        assert!(x_of(&glyphs, "0") > x_of(&glyphs, "ك"), "{glyphs:?}");
    }

    #[test]
    fn arabic_words_in_english_text_run_right_to_left() {
        let glyphs = glyphs("Idlib (إدلب)", Language::English);
        assert!(x_of(&glyphs, "I") < x_of(&glyphs, "ب"));
        assert!(x_of(&glyphs, "إ") > x_of(&glyphs, "ب"), "{glyphs:?}");
    }

    #[test]
    fn arabic_letters_take_their_contextual_forms() {
        use std::collections::BTreeSet;
        // Noto Sans Arabic draws the dots as separate glyphs, shared by all forms; the
        // letter bodies of the initial, medial and final forms are glyphs of their own.
        let isolated: BTreeSet<u16> = glyphs("ب", Language::Arabic)
            .iter()
            .map(|(_, id, _)| *id)
            .collect();
        let joined: BTreeSet<u16> = glyphs("ببب", Language::Arabic)
            .iter()
            .map(|(_, id, _)| *id)
            .collect();
        let contextual = joined.difference(&isolated).count();
        assert!(contextual >= 2, "joined {joined:?}, isolated {isolated:?}");
    }

    #[test]
    fn a_shaped_arabic_word_is_narrower_than_its_isolated_letters() {
        // "Maarrat Misrin" letter by letter in isolated presentation forms (U+FE70–U+FEFF).
        let shaped = "معرة مصرين";
        let isolated = "\u{FEE1}\u{FEC9}\u{FEAD}\u{FE93} \u{FEE1}\u{FEB9}\u{FEAD}\u{FEF1}\u{FEE5}";
        let mut measurer = Measurer::default();
        measurer.add(shaped, 20.0);
        measurer.add(isolated, 20.0);
        let extents = measurer.measure(Language::Arabic).unwrap();
        assert!(
            extents[0].width < 0.9 * extents[1].width,
            "shaped {} vs isolated {}",
            extents[0].width,
            extents[1].width
        );
    }
}
