//! The one error type of the crate.

/// The result of rendering a map.
pub type Result<T, E = MapError> = std::result::Result<T, E>;

/// What went wrong while rendering a map.
///
/// Variants a caller can cause (a bad size, a bad coordinate…) say what was wrong, where,
/// and what would be right, so that an HTTP layer can pass the message on as a client
/// error; [`MapError::is_internal`] tells the others apart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The width or height is outside the supported range.
    #[error(
        "map size {width}×{height} px: width and height must each be within {min}..={max} CSS pixels"
    )]
    Size {
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
        /// The smallest side accepted.
        min: u32,
        /// The largest side accepted.
        max: u32,
    },

    /// The PNG would have more pixels than the renderer allows.
    #[error(
        "PNG of {width}×{height} px at scale {scale} has {pixels} pixels; at most {max} are rendered (use a smaller size or scale 1)"
    )]
    TooManyPixels {
        /// The width in CSS pixels.
        width: u32,
        /// The height in CSS pixels.
        height: u32,
        /// The pixel ratio.
        scale: u32,
        /// Device pixels that would be rendered.
        pixels: u64,
        /// The limit.
        max: u64,
    },

    /// A scale other than 1 or 2.
    #[error("scale {0}: must be 1 or 2")]
    Scale(u32),

    /// A colour that is not `#rrggbb`.
    #[error("colour {0:?}: must be written #rrggbb (six hexadecimal digits)")]
    Colour(String),

    /// The bounding box is not a usable area.
    #[error(
        "bounding box west {west}, south {south}, east {east}, north {north}: {reason} (expected finite degrees with west < east, south < north, longitude within -180..=180 and latitude within -85..=85)"
    )]
    BoundingBox {
        /// West edge in degrees.
        west: f64,
        /// South edge in degrees.
        south: f64,
        /// East edge in degrees.
        east: f64,
        /// North edge in degrees.
        north: f64,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A coordinate that is not finite or is outside the world.
    #[error(
        "{location}: longitude {lon}, latitude {lat} is not a position (expected finite degrees, longitude within -180..=180, latitude within -90..=90)"
    )]
    Coordinate {
        /// Which feature holds it, e.g. `incidents[12]` or `governorates[1] ring 0 vertex 7`.
        location: String,
        /// The longitude given.
        lon: f64,
        /// The latitude given.
        lat: f64,
    },

    /// An incident refers to a category the map does not declare.
    #[error("incidents[{index}]: category {key:?} is not one of the map's categories ({known})")]
    UnknownCategory {
        /// The incident's index.
        index: usize,
        /// The key it names.
        key: String,
        /// The declared keys, comma-separated.
        known: String,
    },

    /// Two categories share a key.
    #[error("categories: key {0:?} is declared twice")]
    DuplicateCategory(String),

    /// A list is longer than the renderer accepts.
    #[error("{what}: {count} given, at most {max} are accepted")]
    TooManyFeatures {
        /// Which list, e.g. `incidents` or `polygon vertices`.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },

    /// A text is longer than the renderer accepts.
    #[error("{field}: {chars} characters, at most {max} are accepted")]
    TextTooLong {
        /// Which text, e.g. `title` or `places[3].name`.
        field: String,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },

    /// A numeric parameter outside its range.
    #[error("{name} = {value}: must be {expected}")]
    Parameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: String,
        /// The accepted range.
        expected: &'static str,
    },

    /// The SVG the crate generated could not be parsed (a bug in this crate).
    #[error("internal error: the generated SVG could not be read: {0}")]
    Svg(#[from] usvg::Error),

    /// PNG encoding failed.
    #[error("internal error: PNG encoding failed: {0}")]
    Png(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// PDF conversion failed (svg2pdf's error type carries only a message).
    #[error("internal error: PDF conversion failed: {0}")]
    Pdf(String),
}

impl MapError {
    /// Whether the error comes from this crate or its libraries rather than from the
    /// caller's input (an HTTP layer answers 500 for these and 400 for the others).
    pub fn is_internal(&self) -> bool {
        matches!(self, Self::Svg(_) | Self::Png(_) | Self::Pdf(_))
    }
}
