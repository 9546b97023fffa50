//! The input model: what a static map shows.
//!
//! Every field is public so that a caller can fill a [`MapSpec`] straight from its data;
//! the renderer checks the whole spec before drawing and answers a [`MapError`] that names
//! the offending field (`incidents[12]`, `governorates[1] ring 0 vertex 7`…).

use std::fmt;
use std::str::FromStr;

use crate::error::{MapError, Result};

/// The smallest width or height accepted, in CSS pixels.
pub const MIN_SIDE: u32 = 200;
/// The largest width or height accepted, in CSS pixels.
pub const MAX_SIDE: u32 = 4000;
/// The most device pixels a PNG may have (width × height × scale²): 64 MB of RGBA.
pub const MAX_PNG_PIXELS: u64 = 16_000_000;
/// The most incident points or proportional circles drawn on one map.
pub const MAX_SYMBOLS: usize = 100_000;
/// The most place labels offered to the label placer.
pub const MAX_PLACES: usize = 10_000;
/// The most vertices in all polygons together.
pub const MAX_VERTICES: usize = 1_000_000;
/// The longest text accepted (title, names, attribution…), in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// The language of the map's text, which also sets its direction.
///
/// Arabic maps are laid out right to left: the title is right-aligned, the legend sits in
/// the top-right corner, the north arrow and scale bar are mirrored.
pub use athar_core::Language;

/// A position in degrees (WGS 84).
pub use athar_core::geo::LonLat;

/// The area the map must show, in degrees. The map is Web Mercator, fitted to this box
/// with some padding and the box's aspect ratio kept (so more than the box may show); the
/// box is checked when the map is rendered.
pub use athar_core::geo::BoundingBox;

/// How many device pixels a CSS pixel becomes in the PNG (2 for print or high-density
/// screens). SVG and PDF are vector and ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PixelRatio {
    /// One device pixel per CSS pixel.
    #[default]
    One,
    /// Two device pixels per CSS pixel.
    Two,
}

impl PixelRatio {
    /// The factor, 1 or 2.
    pub fn factor(self) -> u32 {
        match self {
            Self::One => 1,
            Self::Two => 2,
        }
    }
}

impl TryFrom<u32> for PixelRatio {
    type Error = MapError;

    fn try_from(factor: u32) -> Result<Self> {
        match factor {
            1 => Ok(Self::One),
            2 => Ok(Self::Two),
            other => Err(MapError::Scale(other)),
        }
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Colour {
    red: u8,
    green: u8,
    blue: u8,
}

impl Colour {
    /// A colour from its red, green and blue components.
    pub const fn rgb(red: u8, green: u8, blue: u8) -> Self {
        Self { red, green, blue }
    }

    /// Parses `#rrggbb`.
    ///
    /// ```
    /// use athar_maps::Colour;
    /// assert_eq!(Colour::from_hex("#c0392b")?, Colour::rgb(0xc0, 0x39, 0x2b));
    /// assert!(Colour::from_hex("red").is_err());
    /// # Ok::<(), athar_maps::MapError>(())
    /// ```
    pub fn from_hex(text: &str) -> Result<Self> {
        let error = || MapError::Colour(text.to_owned());
        let digits = text.strip_prefix('#').ok_or_else(error)?;
        if digits.len() != 6 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(error());
        }
        let component =
            |at: usize| u8::from_str_radix(&digits[at..at + 2], 16).map_err(|_| error());
        Ok(Self::rgb(component(0)?, component(2)?, component(4)?))
    }

    /// The red, green and blue components.
    pub fn components(self) -> [u8; 3] {
        [self.red, self.green, self.blue]
    }
}

impl FromStr for Colour {
    type Err = MapError;

    fn from_str(text: &str) -> Result<Self> {
        Self::from_hex(text)
    }
}

impl fmt::Display for Colour {
    /// Writes `#rrggbb`.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "#{:02x}{:02x}{:02x}",
            self.red, self.green, self.blue
        )
    }
}

/// The colours of the project's MapLibre style (`styles/incidents.json`), as defaults.
pub mod palette {
    use super::Colour;

    /// `attack`.
    pub const ATTACK: Colour = Colour::rgb(0xc0, 0x39, 0x2b);
    /// `fire`.
    pub const FIRE: Colour = Colour::rgb(0xe6, 0x7e, 0x22);
    /// `traffic_accident`.
    pub const TRAFFIC_ACCIDENT: Colour = Colour::rgb(0x2e, 0x86, 0xc1);
    /// `drowning`.
    pub const DROWNING: Colour = Colour::rgb(0x17, 0xa5, 0x89);
    /// `uxo` (unexploded ordnance).
    pub const UXO: Colour = Colour::rgb(0x8e, 0x44, 0xad);
    /// `other`, and any kind the style does not name.
    pub const OTHER: Colour = Colour::rgb(0x7f, 0x8c, 0x8d);
    /// The map background.
    pub const BACKGROUND: Colour = Colour::rgb(0xf4, 0xf1, 0xea);
    /// Country and governorate boundaries.
    pub const BOUNDARY: Colour = Colour::rgb(0x7d, 0x70, 0x60);
    /// Text.
    pub const TEXT: Colour = Colour::rgb(0x2b, 0x2b, 0x2b);
    /// The halo around text.
    pub const HALO: Colour = Colour::rgb(0xff, 0xff, 0xff);

    /// The style's colour for an incident kind (`attack`, `fire`, `traffic_accident`,
    /// `drowning`, `uxo`, `other`); grey for any other key.
    ///
    /// ```
    /// use athar_maps::palette;
    /// assert_eq!(palette::incident_kind("attack").to_string(), "#c0392b");
    /// assert_eq!(palette::incident_kind("flood"), palette::OTHER);
    /// ```
    pub fn incident_kind(key: &str) -> Colour {
        match key {
            "attack" => ATTACK,
            "fire" => FIRE,
            "traffic_accident" => TRAFFIC_ACCIDENT,
            "drowning" => DROWNING,
            "uxo" => UXO,
            _ => OTHER,
        }
    }
}

/// A name in both languages; the map shows the one in its language, or the other when
/// that one is empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalizedName {
    /// The English (Latin-script) name.
    pub english: String,
    /// The Arabic name.
    pub arabic: String,
}

impl LocalizedName {
    /// A name from its English and Arabic forms.
    pub fn new(english: impl Into<String>, arabic: impl Into<String>) -> Self {
        Self {
            english: english.into(),
            arabic: arabic.into(),
        }
    }

    /// The name in `language`, falling back to the other language when it is blank.
    pub fn in_language(&self, language: Language) -> &str {
        let (wanted, other) = match language {
            Language::Arabic => (&self.arabic, &self.english),
            Language::English => (&self.english, &self.arabic),
        };
        if wanted.trim().is_empty() {
            other
        } else {
            wanted
        }
    }
}

/// A polygon: its exterior ring first, then any holes. Rings need not repeat their first
/// vertex at the end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polygon {
    /// The rings, exterior first.
    pub rings: Vec<Vec<LonLat>>,
}

/// A governorate: its outline (one or more polygons) and its name, shown near the middle
/// of its largest polygon.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Governorate {
    /// The name.
    pub name: LocalizedName,
    /// The outline.
    pub polygons: Vec<Polygon>,
}

/// How prominent a place is, which sets its label's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum PlaceClass {
    /// A city (governorate capital or larger).
    City,
    /// A town.
    #[default]
    Town,
    /// A village.
    Village,
}

/// A place whose name may be drawn. Places are labelled in order of `class` then `rank`
/// (lower first); a label that would overlap one already drawn, a legend or the map's
/// edge tries other sides of its point and is dropped if none fits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlaceLabel {
    /// The name.
    pub name: LocalizedName,
    /// Where the place is.
    pub position: LonLat,
    /// Importance within its class: 0 or 1 is the most important (e.g. population rank).
    pub rank: u32,
    /// Prominence.
    pub class: PlaceClass,
}

/// A kind of incident and how it is drawn and named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// The key incidents refer to, e.g. `attack`.
    pub key: String,
    /// The legend's label.
    pub label: LocalizedName,
    /// The symbol's colour.
    pub colour: Colour,
}

impl Category {
    /// A category coloured as the project's MapLibre style colours its key
    /// ([`palette::incident_kind`]).
    pub fn with_style_colour(key: impl Into<String>, label: LocalizedName) -> Self {
        let key = key.into();
        let colour = palette::incident_kind(&key);
        Self { key, label, colour }
    }
}

/// One incident, drawn as a small circle with a white outline.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentPoint {
    /// Where it happened.
    pub position: LonLat,
    /// The key of its [`Category`].
    pub category: String,
}

/// Incidents drawn one circle each, coloured by category. The legend lists each category
/// that has at least one incident, with its count, in the order of `categories`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncidentLayer {
    /// The categories, in legend order.
    pub categories: Vec<Category>,
    /// The incidents, drawn in this order (later on top).
    pub incidents: Vec<IncidentPoint>,
}

/// A count at a place, drawn as a circle whose area is proportional to the count.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProportionalCircle {
    /// Where the circle is centred.
    pub position: LonLat,
    /// The count (0 draws nothing).
    pub count: u32,
    /// The place's name, drawn beside the circle where it fits (may be empty).
    pub label: LocalizedName,
}

/// Counts drawn as proportional circles, the largest underneath. The legend shows two or
/// three reference sizes and the total.
#[derive(Debug, Clone, PartialEq)]
pub struct ProportionalLayer {
    /// The circles' colour (drawn slightly transparent).
    pub colour: Colour,
    /// The radius of the largest count's circle, in CSS pixels (2..=200).
    pub max_radius: f64,
    /// The circles.
    pub circles: Vec<ProportionalCircle>,
}

impl Default for ProportionalLayer {
    fn default() -> Self {
        Self {
            colour: palette::ATTACK,
            max_radius: 28.0,
            circles: Vec::new(),
        }
    }
}

/// What the map plots over its context layers.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Symbols {
    /// Nothing (a context map); no legend is drawn.
    #[default]
    None,
    /// One circle per incident, coloured by category.
    Incidents(IncidentLayer),
    /// One circle per place, its area proportional to a count.
    Proportional(ProportionalLayer),
}

/// The colours of the map's frame and context layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapStyle {
    /// Outside the country, and around the map frame.
    pub background: Colour,
    /// Inside the country outline.
    pub land: Colour,
    /// Boundaries, the frame and governorate names.
    pub boundary: Colour,
    /// Text.
    pub text: Colour,
    /// Secondary text (subtitle, attribution).
    pub muted_text: Colour,
    /// The halo around text drawn over the map.
    pub halo: Colour,
}

impl Default for MapStyle {
    /// The project's MapLibre style, with the land a little lighter than the background.
    fn default() -> Self {
        Self {
            background: palette::BACKGROUND,
            land: Colour::rgb(0xfb, 0xfa, 0xf6),
            boundary: palette::BOUNDARY,
            text: palette::TEXT,
            muted_text: Colour::rgb(0x5e, 0x57, 0x4d),
            halo: palette::HALO,
        }
    }
}

/// Everything a static map shows.
///
/// ```
/// use athar_maps::{BoundingBox, Language, MapSpec};
/// let mut spec = MapSpec::new(BoundingBox::new(36.1, 35.6, 37.2, 36.7));
/// spec.language = Language::Arabic;
/// spec.title = "الهجمات في إدلب".into();
/// assert_eq!((spec.width, spec.height), (1200, 800));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MapSpec {
    /// Width in CSS pixels ([`MIN_SIDE`]..=[`MAX_SIDE`]); one CSS pixel is one PDF point.
    pub width: u32,
    /// Height in CSS pixels ([`MIN_SIDE`]..=[`MAX_SIDE`]).
    pub height: u32,
    /// Device pixels per CSS pixel in the PNG.
    pub scale: PixelRatio,
    /// The language of the map's own words and of the names shown; sets the direction.
    pub language: Language,
    /// The title (may be empty).
    pub title: String,
    /// The subtitle, typically the period, e.g. `1–31 October 2026` (may be empty).
    pub subtitle: String,
    /// The legend's heading, e.g. `Incidents` (may be empty).
    pub legend_title: String,
    /// The source line at the bottom, e.g.
    /// `Data: Athar; boundaries: Natural Earth; places: GeoNames` (may be empty).
    pub attribution: String,
    /// The area to show.
    pub bbox: BoundingBox,
    /// Country outlines, filled with [`MapStyle::land`].
    pub country: Vec<Polygon>,
    /// Governorates, outlined with dashes and named.
    pub governorates: Vec<Governorate>,
    /// Places that may be named.
    pub places: Vec<PlaceLabel>,
    /// The most place names drawn (after collisions are removed).
    pub max_place_labels: usize,
    /// Incidents or proportional circles.
    pub symbols: Symbols,
    /// Colours of the frame and context layers.
    pub style: MapStyle,
}

impl MapSpec {
    /// A 1200 × 800 English map of `bbox` with nothing on it yet.
    pub fn new(bbox: BoundingBox) -> Self {
        Self {
            width: 1200,
            height: 800,
            scale: PixelRatio::One,
            language: Language::English,
            title: String::new(),
            subtitle: String::new(),
            legend_title: String::new(),
            attribution: String::new(),
            bbox,
            country: Vec::new(),
            governorates: Vec::new(),
            places: Vec::new(),
            max_place_labels: 40,
            symbols: Symbols::None,
            style: MapStyle::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_round_trip_through_hex() {
        let colour = Colour::from_hex("#2E86C1").unwrap();
        assert_eq!(colour.to_string(), "#2e86c1");
        assert_eq!(colour.components(), [0x2e, 0x86, 0xc1]);
    }

    #[test]
    fn malformed_colours_are_rejected() {
        for text in ["", "#", "#12345", "#1234567", "123456", "#12345g", "#ééé"] {
            assert!(
                matches!(Colour::from_hex(text), Err(MapError::Colour(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn only_scales_one_and_two_exist() {
        assert_eq!(PixelRatio::try_from(2).unwrap().factor(), 2);
        assert!(matches!(PixelRatio::try_from(3), Err(MapError::Scale(3))));
    }

    #[test]
    fn a_blank_name_falls_back_to_the_other_language() {
        let name = LocalizedName::new("Sarmin", " ");
        assert_eq!(name.in_language(Language::Arabic), "Sarmin");
        assert_eq!(name.in_language(Language::English), "Sarmin");
    }
}
