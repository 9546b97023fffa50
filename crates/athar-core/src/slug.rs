//! Vocabulary slugs.

use std::sync::Arc;

use crate::ValueError;

/// A vocabulary slug: 1 to 64 characters of `a-z`, `0-9` and `_`, starting with a letter.
/// The text is shared: a slug looked up in the vocabularies is a count increment, not a
/// copy (imports take four of them per row).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(Arc<str>);

impl serde::Serialize for Slug {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Slugs compare, order and hash as their text, so maps keyed by slugs are searched by
/// `&str`.
impl std::borrow::Borrow<str> for Slug {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Slug {
    /// Parses a slug exactly as given.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let valid = !value.is_empty()
            && value.len() <= 64
            && value.starts_with(|c: char| c.is_ascii_lowercase())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(Self(Arc::from(value)))
        } else {
            Err(ValueError::BadSlug {
                value: value.to_owned(),
            })
        }
    }

    /// Parses a slug written loosely, as people type them in spreadsheets:
    /// `Traffic Accident` and `traffic-accident` both become `traffic_accident`.
    pub fn parse_loose(value: &str) -> Result<Self, ValueError> {
        let folded: String = value
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '-' => '_',
                other => other.to_ascii_lowercase(),
            })
            .collect();
        Self::parse(&folded).map_err(|_| ValueError::BadSlug {
            value: value.to_owned(),
        })
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_with_capitals_spaces_or_symbols_are_rejected() {
        for bad in ["", "Attack", "air strike", "drone!", "1st", &"a".repeat(65)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            Slug::parse("suicide_drone").unwrap().as_str(),
            "suicide_drone"
        );
    }

    #[test]
    fn loose_slugs_fold_case_spaces_and_hyphens() {
        assert_eq!(
            Slug::parse_loose(" Traffic Accident ").unwrap().as_str(),
            "traffic_accident"
        );
        assert_eq!(Slug::parse_loose("gas-leak").unwrap().as_str(), "gas_leak");
        assert!(Slug::parse_loose("قصف").is_err());
    }
}
