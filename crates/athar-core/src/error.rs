//! Typed errors of the domain.

use std::fmt;

/// Why one value could not be accepted, without saying which field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// A number was expected.
    #[error("'{value}' is not a number")]
    NotANumber {
        /// The text given.
        value: String,
    },
    /// A number lies outside its allowed range.
    #[error("{value} is outside the allowed range {min} to {max}")]
    OutOfRange {
        /// The value given.
        value: String,
        /// Lowest allowed value.
        min: String,
        /// Highest allowed value.
        max: String,
    },
    /// A whole non-negative number was expected.
    #[error("'{value}' is not a whole number from 0 to 65535")]
    NotACount {
        /// The text given.
        value: String,
    },
    /// A date that does not parse or does not exist.
    #[error("'{value}' is not a date that exists (expected YYYY-MM-DD)")]
    BadDate {
        /// The text given.
        value: String,
    },
    /// A date-time that does not parse.
    #[error(
        "'{value}' is not a date-time (expected YYYY-MM-DDTHH:MM, YYYY-MM-DD HH:MM[:SS] or RFC 3339)"
    )]
    BadDateTime {
        /// The text given.
        value: String,
    },
    /// A slug with characters other than a-z, 0-9 and `_`.
    #[error("'{value}' is not a slug (lower-case letters, digits and '_', 1 to 64 characters)")]
    BadSlug {
        /// The text given.
        value: String,
    },
    /// A slug or label that no vocabulary term matches.
    #[error("'{value}' is not a known {vocabulary} (allowed: {allowed})")]
    UnknownTerm {
        /// The vocabulary.
        vocabulary: String,
        /// The text given.
        value: String,
        /// The allowed slugs, comma separated.
        allowed: String,
    },
    /// A p-code of the wrong shape.
    #[error("'{value}' is not a p-code (expected letters then digits, such as C4150)")]
    BadPcode {
        /// The text given.
        value: String,
    },
    /// A subset count larger than its total.
    #[error("{subset} ({subset_value}) exceeds {total} ({total_value})")]
    SubsetExceedsTotal {
        /// The subset field.
        subset: &'static str,
        /// Its value.
        subset_value: u32,
        /// The total field.
        total: &'static str,
        /// Its value.
        total_value: u32,
    },
}

/// A rule broken by one field of one incident, as reported to the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field (column or property) at fault.
    pub field: String,
    /// What was wrong and what would be right.
    pub message: String,
}

impl FieldError {
    /// A field error from a field name and anything displayable.
    pub fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

impl std::error::Error for FieldError {}

impl fmt::Display for FieldError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.field, self.message)
    }
}

/// A query parameter that could not become part of a [`crate::Filter`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter '{parameter}': {message}")]
pub struct FilterError {
    /// The query parameter at fault.
    pub parameter: String,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl FilterError {
    pub(crate) fn new(parameter: &str, message: impl fmt::Display) -> Self {
        Self {
            parameter: parameter.to_owned(),
            message: message.to_string(),
        }
    }
}
