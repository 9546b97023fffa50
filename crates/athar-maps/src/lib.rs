//! Static maps rendered on the server, to SVG, PNG and PDF, for reports and print.
//!
//! A [`MapSpec`] says what the map shows: a bounding box (fitted in Web Mercator), context
//! layers (country outline, governorates with their names, place names), either one
//! circle per incident coloured by category or proportional circles, a legend, a scale
//! bar, a north arrow, a title, a subtitle and a source line. The map is drawn in
//! Arabic (right to left) or English.
//!
//! The crate is pure: no I/O, no network, no system fonts. Text is shaped (Arabic letters
//! joined, right-to-left order, numbers and Latin words kept in reading order) with the
//! bundled Noto Sans and Noto Sans Arabic fonts, so the same spec gives the same bytes on
//! every machine.
//!
//! # Example
//! ```
//! use athar_maps::{
//!     BoundingBox, Category, IncidentLayer, IncidentPoint, Language, LocalizedName, LonLat,
//!     MapSpec, Symbols, render_png, render_svg,
//! };
//! # fn example() -> athar_maps::Result<()> {
//! let mut spec = MapSpec::new(BoundingBox::new(36.3, 35.7, 37.0, 36.3));
//! spec.width = 600;
//! spec.height = 400;
//! spec.language = Language::Arabic;
//! spec.title = "الهجمات في محافظة إدلب".into();
//! spec.subtitle = "1–31 تشرين الأول 2026".into();
//! spec.attribution = "Data: Athar; boundaries: Natural Earth; places: GeoNames".into();
//! spec.symbols = Symbols::Incidents(IncidentLayer {
//!     categories: vec![Category::with_style_colour(
//!         "attack",
//!         LocalizedName::new("Attack", "هجوم"),
//!     )],
//!     incidents: vec![IncidentPoint {
//!         position: LonLat::new(36.63, 35.93),
//!         category: "attack".into(),
//!     }],
//! });
//! let png = render_png(&spec)?;
//! assert!(png.starts_with(b"\x89PNG"));
//! assert!(render_svg(&spec)?.starts_with("<svg"));
//! # Ok(()) }
//! # example().unwrap();
//! ```
#![deny(missing_docs)]

mod compose;
mod error;
mod fonts;
mod layout;
mod projection;
mod render;
mod spec;
mod text;
mod validate;

pub use error::{MapError, Result};
pub use fonts::files as font_files;
pub use render::{Format, render, render_pdf, render_png, render_svg, svg_to_png};
pub use spec::{
    BoundingBox, Category, Colour, Governorate, IncidentLayer, IncidentPoint, Language,
    LocalizedName, LonLat, MAX_PLACES, MAX_PNG_PIXELS, MAX_SIDE, MAX_SYMBOLS, MAX_TEXT_CHARS,
    MAX_VERTICES, MIN_SIDE, MapSpec, MapStyle, PixelRatio, PlaceClass, PlaceLabel, Polygon,
    ProportionalCircle, ProportionalLayer, Symbols, palette,
};
