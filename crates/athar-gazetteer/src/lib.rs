//! Community names: the keys that group every spelling of one place, and (as the gazetteer
//! grows) resolution of names to known places.
//!
//! Reports name communities in Arabic or Latin script, spelled differently by each writer.
//! [`community_key`] folds the differences that do not change the name:
//!
//! - compatibility forms and presentation forms (NFKD), diacritics and other combining
//!   marks, tatweel;
//! - the hamza and madda forms of alef (أ إ آ ٱ → ا), and hamza on waw and yeh (ؤ → و,
//!   ئ → ي), taa marbuta (ة → ه), alef maqsura (ى → ي), Persian yeh and kaf;
//! - Arabic-Indic digits, case, punctuation, apostrophes and hyphens;
//! - the type words مدينة, بلدة, قرية (city, town, village) in front of a name, and their
//!   English forms;
//! - spaces, since writers join or split compound names (كفر نبل, كفرنبل).
//!
//! The camp prefix مخيم ("camp") is kept: camps are often named after the town they stand
//! beside (مخيم أطمة, Atmeh camp, is not أطمة, Atmeh), and two different places must never
//! share a key. Telling transliterations apart from each other (Kafr Nabl, Kafranbel) is
//! the job of the gazetteer's aliases, not of this key.
//!
//! # Example
//! ```
//! use athar_gazetteer::community_key;
//! assert_eq!(community_key("فطيرة"), community_key("قرية فطيره"));
//! assert_eq!(community_key("كفر نبل"), community_key("كَفْرنَبْل"));
//! assert_ne!(community_key("مخيم أطمة"), community_key("أطمة"));
//! ```
#![deny(missing_docs)]

use athar_core::{CommunityResolver, Pcode, ResolvedCommunity};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words that say what kind of place follows, dropped from the front of a name.
const TYPE_PREFIXES: [&str; 7] = [
    "مدينه",
    "بلده",
    "قريه",
    "city",
    "town",
    "village",
    "madinat",
];

fn fold_letter(c: char) -> Option<char> {
    Some(match c {
        'ٱ' => 'ا',
        'ة' => 'ه',
        'ى' | 'ی' => 'ي',
        'ک' => 'ك',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        // Tatweel, and the apostrophes transliterations write for ayn and hamza.
        '\u{0640}' | '\'' | '`' | '’' | '‘' | 'ʿ' | 'ʾ' | 'ʻ' | 'ʼ' => return None,
        c if c.is_alphanumeric() => c,
        _ => ' ',
    })
}

/// The key under which every spelling of one community name groups together.
pub fn community_key(name: &str) -> String {
    // NFKD splits أ into ا + hamza above, ḩ into h + dot below, presentation forms into
    // letters; the combining marks (and Arabic diacritics) are then dropped.
    let folded: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter_map(fold_letter)
        .flat_map(char::to_lowercase)
        .collect();
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    while words.len() > 1 && TYPE_PREFIXES.contains(&words[0]) {
        words.remove(0);
    }
    words.concat()
}

/// The gazetteer: resolves names to known places. It starts empty; reference lists and
/// learned communities fill it.
#[derive(Debug, Clone, Default)]
pub struct Gazetteer {
    _private: (),
}

impl Gazetteer {
    /// A gazetteer that knows no places yet: names still get their keys.
    pub fn empty() -> Self {
        Self::default()
    }
}

impl CommunityResolver for Gazetteer {
    fn key(&self, name: &str) -> String {
        community_key(name)
    }

    fn resolve(&self, _name: &str, _pcode: Option<&Pcode>) -> Option<ResolvedCommunity> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: &str, b: &str) {
        assert_eq!(community_key(a), community_key(b), "{a} / {b}");
    }

    #[test]
    fn hamza_and_madda_forms_of_alef_group_together() {
        same("أريحا", "اريحا");
        same("إحسم", "احسم");
        same("آفس", "افس");
        same("ٱريحا", "اريحا");
    }

    #[test]
    fn taa_marbuta_and_haa_group_together() {
        same("فطيرة", "فطيره");
        same("معرة النعمان", "معره النعمان");
    }

    #[test]
    fn alef_maqsura_and_yeh_group_together() {
        same("كفر عويد الكبرى", "كفر عويد الكبري");
    }

    #[test]
    fn diacritics_and_tatweel_are_ignored() {
        same("سَرْمِين", "سرمين");
        same("ســرمــين", "سرمين");
    }

    #[test]
    fn type_prefixes_are_dropped_but_camp_is_kept() {
        same("قرية فطيرة", "فطيرة");
        same("مدينة إدلب", "ادلب");
        same("بلدة سرمين", "سرمين");
        same("Village of Fatira".replace(" of", "").as_str(), "Fatira");
        assert_ne!(community_key("مخيم أطمة"), community_key("أطمة"));
        same("مخيّم  أطمه", "مخيم أطمة");
        // A name that is only a type word keeps it.
        assert_eq!(community_key("مدينة"), community_key("مدينه"));
        assert!(!community_key("مدينة").is_empty());
    }

    #[test]
    fn spaces_hyphens_and_case_are_ignored() {
        same("كفر نبل", "كفرنبل");
        same("Kafr-Nabl", "kafr nabl");
        same("Ma'arrat al-Nu'man", "Maarrat Al Numan");
        same("Ḩārim", "Harim");
    }

    #[test]
    fn different_places_keep_different_keys() {
        assert_ne!(community_key("كفرنبل"), community_key("كفرنبودة"));
        assert_ne!(community_key("سرمين"), community_key("سرمدا"));
        assert_ne!(community_key("Binnish"), community_key("Sarmin"));
    }

    #[test]
    fn arabic_indic_digits_become_ascii() {
        same("مخيم ٣", "مخيم 3");
    }

    proptest! {
        #[test]
        fn the_key_is_idempotent_and_never_has_spaces(name in "\\PC{0,24}") {
            let key = community_key(&name);
            prop_assert!(!key.contains(char::is_whitespace));
            prop_assert_eq!(community_key(&key), key.clone());
        }
    }
}
