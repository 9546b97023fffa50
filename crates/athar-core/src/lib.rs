//! Athar's domain: incidents, casualties, vocabularies, filters and validation; and the
//! geography ([`geo`]) and script detection ([`script`]) every crate shares.
//!
//! Every domain type here holds only valid values: a [`Latitude`] is in [-90, 90], a
//! [`Casualties`] never counts more women or children than people, a vocabulary slug is a
//! [`Slug`] known to the [`Vocabularies`]. Raw input becomes an [`Incident`] only through
//! [`IncidentDraft::validate`], which reports every broken rule with the field it concerns.
//! (The plain degrees of a [`LonLat`] or a [`BoundingBox`] are checked by whoever needs
//! them checked.)
//!
//! This crate does no I/O: readers (CSV, GeoJSON, JSON) live in `athar-ingest`, storage in
//! `athar-store`.
//!
//! # Example
//! ```
//! use athar_core::{CommunityResolver, IncidentDraft, NameContext, ResolvedCommunity};
//! use athar_core::{ValidationContext, Vocabularies};
//!
//! // The gazetteer crate provides the real resolver; this one knows no places.
//! struct Verbatim;
//! impl CommunityResolver for Verbatim {
//!     fn key(&self, name: &str) -> String { name.to_owned() }
//!     fn resolve(&self, _: &str, _: &NameContext<'_>) -> Option<ResolvedCommunity> { None }
//! }
//! # fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let vocabularies = Vocabularies::defaults();
//! let context = ValidationContext::new(&vocabularies, &Verbatim);
//! let mut draft = IncidentDraft::default();
//! for (field, value) in [
//!     ("source", "monthly-report"),
//!     ("kind", "attack"),
//!     ("occurred_on", "2024-04-12"),
//!     ("community", "كفرنبل"),
//!     ("latitude", "35.6141"),
//!     ("longitude", "36.5600"),
//!     ("weapon", "artillery"),
//!     ("killed", "2"),
//!     ("killed_children", "1"),
//! ] {
//!     draft.set(field, value)?;
//! }
//! let incident = draft.validate(&context).map_err(|errors| format!("{errors:?}"))?;
//! assert_eq!(incident.casualties.killed(), 2);
//! # Ok(())
//! # }
//! # example().unwrap();
//! ```
#![deny(missing_docs)]

mod casualties;
mod error;
mod filter;
pub mod geo;
mod import;
mod incident;
mod language;
pub mod script;
mod slug;
mod time;
mod validate;
mod vocabulary;

pub use casualties::{Casualties, CasualtyCounts};
pub use error::{FieldError, FilterError, ValueError};
pub use filter::{BBox, FILTER_PARAMETERS, Filter};
pub use geo::{BoundingBox, Latitude, LonLat, Longitude, Point};
pub use import::{ImportKeys, StagedIncident};
pub use incident::{
    CommunityResolution, Incident, IncidentRecord, LocationPrecision, Pcode, ResolutionMethod,
};
pub use language::{Language, UnknownLanguage};
pub use slug::Slug;
pub use time::{OccurredAt, TimePrecision};
pub use validate::{
    CommunityResolver, FIELDS, FieldChange, IncidentDraft, NameContext, ResolvedCommunity,
    ValidationContext,
};
pub use vocabulary::{
    KIND_SPECIFIC, LineProblem, Term, Vocabularies, VocabularyFileError, VocabularyName,
};
