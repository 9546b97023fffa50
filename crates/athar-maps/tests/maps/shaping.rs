//! Arabic must come out shaped: a title rendered normally must look substantially
//! different from the same letters written in their isolated presentation forms, which is
//! what unshaped text looks like.

use athar_maps::{BoundingBox, Language, MapSpec, render_png};
use resvg::tiny_skia::Pixmap;

use crate::golden::differing_share;

/// The isolated presentation form (U+FE70–U+FEFF) of an Arabic letter.
fn isolated_form(letter: char) -> char {
    match letter {
        'ء' => '\u{FE80}',
        'آ' => '\u{FE81}',
        'أ' => '\u{FE83}',
        'ؤ' => '\u{FE85}',
        'إ' => '\u{FE87}',
        'ئ' => '\u{FE89}',
        'ا' => '\u{FE8D}',
        'ب' => '\u{FE8F}',
        'ة' => '\u{FE93}',
        'ت' => '\u{FE95}',
        'ث' => '\u{FE99}',
        'ج' => '\u{FE9D}',
        'ح' => '\u{FEA1}',
        'خ' => '\u{FEA5}',
        'د' => '\u{FEA9}',
        'ذ' => '\u{FEAB}',
        'ر' => '\u{FEAD}',
        'ز' => '\u{FEAF}',
        'س' => '\u{FEB1}',
        'ش' => '\u{FEB5}',
        'ص' => '\u{FEB9}',
        'ض' => '\u{FEBD}',
        'ط' => '\u{FEC1}',
        'ظ' => '\u{FEC5}',
        'ع' => '\u{FEC9}',
        'غ' => '\u{FECD}',
        'ف' => '\u{FED1}',
        'ق' => '\u{FED5}',
        'ك' => '\u{FED9}',
        'ل' => '\u{FEDD}',
        'م' => '\u{FEE1}',
        'ن' => '\u{FEE5}',
        'ه' => '\u{FEE9}',
        'و' => '\u{FEED}',
        'ى' => '\u{FEEF}',
        'ي' => '\u{FEF1}',
        other => other,
    }
}

fn title_only(title: &str) -> Pixmap {
    let mut spec = MapSpec::new(BoundingBox::new(36.0, 35.5, 37.0, 36.5));
    spec.width = 400;
    spec.height = 200;
    spec.language = Language::Arabic;
    spec.title = String::from(title);
    Pixmap::decode_png(&render_png(&spec).expect("renders")).expect("decodes")
}

#[test]
fn arabic_text_is_drawn_joined_not_as_isolated_letters() {
    let text = "الهجمات في شمال غرب سوريا";
    let isolated: String = text.chars().map(isolated_form).collect();
    assert_ne!(text, isolated);

    let blank = title_only("");
    let shaped = title_only(text);
    let unshaped = title_only(&isolated);
    // The share of the image the title covers, and how much of it changes when the
    // letters are not joined.
    let ink = differing_share(&blank, &shaped);
    let change = differing_share(&shaped, &unshaped);
    assert!(ink > 0.005, "the title is drawn ({ink})");
    assert!(
        change > 0.5 * ink,
        "shaped and unshaped renderings differ on {:.2} % of pixels, the title covers {:.2} %",
        change * 100.0,
        ink * 100.0
    );
}

#[test]
fn isolated_forms_are_a_valid_control() {
    // The control itself must render (the font has the presentation forms): otherwise the
    // test above would pass on missing glyphs.
    let unshaped = title_only("\u{FEE1}\u{FEC9}\u{FEAD}\u{FE93}");
    let blank = title_only("");
    assert!(differing_share(&blank, &unshaped) > 0.001);
}
