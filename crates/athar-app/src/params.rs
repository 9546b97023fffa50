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

/// A parameter's values when it names one of a few things: an enum, each variant written
/// one way.
pub trait Named: Sized + Copy + PartialEq + 'static {
    /// Every value, in the order an error lists them.
    const ALL: &'static [Self];

    /// The value as written.
    fn name(self) -> &'static str;
}

/// `Named` for an enum: its variants and how each is written, in the order errors list
/// them.
macro_rules! named {
    ($type:ty { $($variant:path => $name:literal),+ $(,)? }) => {
        impl $crate::params::Named for $type {
            const ALL: &'static [Self] = &[$($variant),+];

            fn name(self) -> &'static str {
                match self {
                    $($variant => $name),+
                }
            }
        }
    };
}
pub(crate) use named;

named!(athar_tile_sources::incidents::Sizing {
    athar_tile_sources::incidents::Sizing::Count => "count",
    athar_tile_sources::incidents::Sizing::Casualties => "casualties",
});

named!(athar_core::Language {
    athar_core::Language::English => "en",
    athar_core::Language::Arabic => "ar",
});

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

    /// Whether a `true` or `false` parameter is true, or `default`.
    fn flag(&self, name: &str, default: bool) -> Result<bool, ParamError> {
        let default = if default { "true" } else { "false" };
        Ok(self.choice(name, &["true", "false"], default)? == "true")
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

/// [`Parameters`] read as enums (apart, so that `Parameters` stays a trait object).
pub trait Pick {
    /// A parameter naming one of the values of `T`, or `default`.
    fn pick<T: Named>(&self, name: &str, default: T) -> Result<T, ParamError>;
}

impl<P: Parameters + ?Sized> Pick for P {
    fn pick<T: Named>(&self, name: &str, default: T) -> Result<T, ParamError> {
        let names: Vec<&'static str> = T::ALL.iter().map(|value| value.name()).collect();
        let chosen = self.choice(name, &names, default.name())?;
        Ok(T::ALL
            .iter()
            .copied()
            .find(|value| value.name() == chosen)
            .unwrap_or(default))
    }
}
