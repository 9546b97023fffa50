//! The languages Athar writes in: Arabic (right to left) and English.

use std::str::FromStr;

/// A language of labels, maps, pages and reports.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[schema(as = Lang)]
pub enum Language {
    /// Arabic, right to left.
    #[serde(rename = "ar")]
    Arabic,
    /// English, left to right.
    #[default]
    #[serde(rename = "en")]
    English,
}

impl Language {
    /// The BCP 47 code: `ar` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Arabic => "ar",
            Self::English => "en",
        }
    }

    /// Whether text and layout run right to left.
    pub fn is_right_to_left(self) -> bool {
        matches!(self, Self::Arabic)
    }
}

/// A language code that is neither Arabic nor English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language '{0}' (use ar or en)")]
pub struct UnknownLanguage(pub String);

impl FromStr for Language {
    type Err = UnknownLanguage;

    /// Parses `ar` or `en` (any case, with or without a region such as `ar-SY`).
    fn from_str(code: &str) -> Result<Self, UnknownLanguage> {
        let primary = code.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("ar") {
            Ok(Self::Arabic)
        } else if primary.eq_ignore_ascii_case("en") {
            Ok(Self::English)
        } else {
            Err(UnknownLanguage(code.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_with_regions_and_any_case_parse() {
        assert_eq!("ar-SY".parse(), Ok(Language::Arabic));
        assert_eq!("EN_gb".parse(), Ok(Language::English));
        assert_eq!(
            "fr".parse::<Language>(),
            Err(UnknownLanguage("fr".to_owned()))
        );
        assert_eq!(
            serde_json::to_string(&Language::Arabic).ok().as_deref(),
            Some("\"ar\"")
        );
    }
}
