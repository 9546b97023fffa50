//! An endpoint's own parameters (besides the shared filters), as the application reads
//! them: the server's query strings and the CLI's flags give them alike, and a bad one is
//! named in the error.

use athar_core::Filter;

/// A parameter whose value is not allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("parameter '{parameter}': {message}")]
pub struct ParamError {
    /// The parameter.
    pub parameter: String,
    /// What is wrong with it.
    pub message: String,
}

impl ParamError {
    /// An error naming `parameter`.
    pub fn new(parameter: &str, message: impl Into<String>) -> Self {
        Self {
            parameter: parameter.into(),
            message: message.into(),
        }
    }
}

/// The filters and own parameters of a request.
pub trait Parameters {
    /// The shared filters.
    fn filter(&self) -> &Filter;

    /// An own parameter, if given.
    fn get(&self, name: &str) -> Option<&str>;

    /// A whole number parameter in `min..=max`, or `default`.
    fn number(
        &self,
        name: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ParamError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => value
                .parse::<usize>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ParamError::new(
                        name,
                        format!("'{value}' is not a whole number from {min} to {max}"),
                    )
                }),
        }
    }

    /// A parameter that must be one of `allowed`, or `default`.
    fn choice<'a>(
        &'a self,
        name: &str,
        allowed: &[&'a str],
        default: &'a str,
    ) -> Result<&'a str, ParamError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) if allowed.contains(&value) => Ok(value),
            Some(value) => Err(ParamError::new(
                name,
                format!("'{value}' is not allowed (allowed: {})", allowed.join(", ")),
            )),
        }
    }

    /// A decimal parameter in `min..=max`, if given.
    fn decimal(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, ParamError> {
        self.get(name)
            .map(|value| {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && (min..=max).contains(v))
                    .ok_or_else(|| {
                        ParamError::new(
                            name,
                            format!("'{value}' is not a number from {min} to {max}"),
                        )
                    })
            })
            .transpose()
    }
}
