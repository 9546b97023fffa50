//! Which script a text is written in: Arabic, Latin or another.
//!
//! Two questions are asked of names, each where it always has been:
//!
//! - [`Script::of`]: the script of a name's first letter (digits skipped), with the Arabic
//!   and Arabic Supplement blocks as Arabic. The gazetteer compares names letter by letter
//!   only within a script.
//! - [`has_arabic`]: whether any character is in the Arabic block (U+0600 to U+06FF); a
//!   name that has one is the Arabic name of a place, any other the English one.

/// The script a name is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// The Arabic script.
    Arabic,
    /// The Latin script (any ASCII letter or sign).
    Latin,
    /// Any other script.
    Other,
}

impl Script {
    /// The script of the first character of `text` that is not an ASCII digit: Latin for
    /// ASCII (and for text of digits only), Arabic for the Arabic (U+0600 to U+06FF) and
    /// Arabic Supplement (U+0750 to U+077F) blocks, otherwise Other.
    pub fn of(text: &str) -> Self {
        match text.chars().find(|c| !c.is_ascii_digit()) {
            Some(c) if c.is_ascii() => Self::Latin,
            Some('\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}') => Self::Arabic,
            Some(_) => Self::Other,
            None => Self::Latin,
        }
    }
}

/// Whether any character of `text` is in the Arabic block, U+0600 to U+06FF.
pub fn has_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_letter_names_the_script() {
        assert_eq!(Script::of("12 idlib"), Script::Latin);
        assert_eq!(Script::of("123"), Script::Latin);
        assert_eq!(Script::of(""), Script::Latin);
        assert_eq!(Script::of("2إدلب idlib"), Script::Arabic);
        assert_eq!(Script::of("\u{0750}"), Script::Arabic);
        assert_eq!(Script::of("Ἰδλίβ"), Script::Other);
    }

    #[test]
    fn any_arabic_letter_makes_a_name_arabic() {
        assert!(has_arabic("Idlib إدلب"));
        assert!(!has_arabic("Idlib"));
        // The Arabic Supplement is not the Arabic block.
        assert!(!has_arabic("\u{0750}"));
    }
}
