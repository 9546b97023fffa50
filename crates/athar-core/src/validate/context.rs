//! What validation needs besides the row: the vocabularies, a community resolver (and
//! what it answers), the default source and today's date.

use chrono::NaiveDate;

use crate::{Pcode, Point, Vocabularies};

/// A place a community name resolved to.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedCommunity {
    /// Its id in the gazetteer.
    pub community_id: String,
    /// How the name matched it.
    pub method: crate::ResolutionMethod,
    /// How sure, 0–1.
    pub score: f32,
    /// Its location, when known.
    pub point: Option<Point>,
    /// Its p-code, when known.
    pub pcode: Option<Pcode>,
    /// Governorate.
    pub admin1: Option<String>,
    /// District.
    pub admin2: Option<String>,
    /// Sub-district.
    pub admin3: Option<String>,
}

/// What is known where a name was written, to tell places of one name apart.
#[derive(Debug, Clone, Copy, Default)]
pub struct NameContext<'a> {
    /// A p-code written with it.
    pub pcode: Option<&'a Pcode>,
    /// The governorate written with it.
    pub admin1: Option<&'a str>,
    /// The incident's point.
    pub point: Option<Point>,
}

/// Turns community names into grouping keys and, when it knows the place, into places.
/// The gazetteer implements it.
pub trait CommunityResolver: Send + Sync {
    /// The normalised key under which every spelling of one name groups together.
    fn key(&self, name: &str) -> String;
    /// The place a name resolves to where it was written, if one is known.
    fn resolve(&self, name: &str, context: &NameContext<'_>) -> Option<ResolvedCommunity>;
}

/// What validation needs to know besides the row itself.
pub struct ValidationContext<'a> {
    /// The vocabularies terms must come from.
    pub vocabularies: &'a Vocabularies,
    /// Community keys and places.
    pub resolver: &'a dyn CommunityResolver,
    /// The source for rows that do not name one.
    pub default_source: Option<String>,
    /// Today, local: incidents cannot occur after tomorrow (a day of slack for time zones).
    pub today: NaiveDate,
}

impl<'a> ValidationContext<'a> {
    /// A context with the given vocabularies and community resolver, no default source, and
    /// today's date from the clock.
    pub fn new(vocabularies: &'a Vocabularies, resolver: &'a dyn CommunityResolver) -> Self {
        Self {
            vocabularies,
            resolver,
            default_source: None,
            today: chrono::Local::now().date_naive(),
        }
    }
}
