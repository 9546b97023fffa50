//! The bundled fonts (Noto Sans and Noto Sans Arabic, SIL OFL 1.1, `data/fonts/`).
//!
//! They are compiled into the crate and loaded once into a font database that holds
//! nothing else: system fonts are never consulted, so a map renders the same on every
//! machine.

use std::sync::{Arc, LazyLock};

use usvg::fontdb;

use crate::spec::Language;

static LATIN_REGULAR: &[u8] = include_bytes!("../../../data/fonts/NotoSans-Regular.ttf");
static ARABIC_REGULAR: &[u8] = include_bytes!("../../../data/fonts/NotoSansArabic-Regular.ttf");

/// The family name of the Latin font.
pub(crate) const LATIN_FAMILY: &str = "Noto Sans";
/// The family name of the Arabic font.
pub(crate) const ARABIC_FAMILY: &str = "Noto Sans Arabic";

static DATABASE: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut database = fontdb::Database::new();
    database.load_font_source(fontdb::Source::Binary(Arc::new(LATIN_REGULAR)));
    database.load_font_source(fontdb::Source::Binary(Arc::new(ARABIC_REGULAR)));
    // usvg falls back to the generic families when a named family is missing.
    database.set_serif_family(LATIN_FAMILY);
    database.set_sans_serif_family(LATIN_FAMILY);
    Arc::new(database)
});

/// The character maps of both fonts, to decide which font draws each character.
struct Coverage {
    latin: ttf_parser::Face<'static>,
    arabic: ttf_parser::Face<'static>,
}

static COVERAGE: LazyLock<Coverage> = LazyLock::new(|| Coverage {
    // The fonts are compiled in and tested: failing to parse them is a build defect.
    latin: ttf_parser::Face::parse(LATIN_REGULAR, 0).expect("bundled Noto Sans parses"),
    arabic: ttf_parser::Face::parse(ARABIC_REGULAR, 0).expect("bundled Noto Sans Arabic parses"),
});

/// The bundled font files, Arabic first: for other renderers that must set text in the
/// same faces (the monthly report's PDF).
pub fn files() -> [&'static [u8]; 2] {
    [ARABIC_REGULAR, LATIN_REGULAR]
}

/// The shared font database.
pub(crate) fn database() -> Arc<fontdb::Database> {
    Arc::clone(&DATABASE)
}

/// The font a language's text is set in first.
pub(crate) fn primary_family(language: Language) -> &'static str {
    match language {
        Language::Arabic => ARABIC_FAMILY,
        Language::English => LATIN_FAMILY,
    }
}

/// The other font, for characters the primary one lacks.
pub(crate) fn secondary_family(language: Language) -> &'static str {
    match language {
        Language::Arabic => LATIN_FAMILY,
        Language::English => ARABIC_FAMILY,
    }
}

/// Whether `character` must be drawn with the secondary font: the primary font lacks it
/// and the secondary one has it.
pub(crate) fn needs_secondary(character: char, language: Language) -> bool {
    let coverage = &*COVERAGE;
    let (primary, secondary) = match language {
        Language::Arabic => (&coverage.arabic, &coverage.latin),
        Language::English => (&coverage.latin, &coverage.arabic),
    };
    primary.glyph_index(character).is_none() && secondary.glyph_index(character).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_families_are_in_the_database() {
        let database = database();
        let families: Vec<String> = database
            .faces()
            .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
            .collect();
        assert!(
            families.iter().any(|name| name == LATIN_FAMILY),
            "{families:?}"
        );
        assert!(
            families.iter().any(|name| name == ARABIC_FAMILY),
            "{families:?}"
        );
        assert_eq!(database.len(), 2);
    }

    #[test]
    fn latin_letters_in_arabic_text_use_the_latin_font() {
        assert!(needs_secondary('A', Language::Arabic));
        assert!(!needs_secondary('ب', Language::Arabic));
        // The Arabic font has digits of its own.
        assert!(!needs_secondary('7', Language::Arabic));
        assert!(needs_secondary('ب', Language::English));
        assert!(!needs_secondary('A', Language::English));
    }
}
