//! Vocabularies: the terms incidents are classified by, as data.
//!
//! The defaults of the domain ship in `data/vocabularies.csv` (slug, English and Arabic
//! label) and are compiled in; a store keeps its own copy, to which an organisation adds
//! terms without a code change. [`Vocabularies::lookup`] accepts a slug, an English label
//! or an Arabic label, because spreadsheets from the field carry any of the three.

use std::collections::BTreeMap;
use std::fmt;

use crate::{Slug, ValueError};

/// The vocabularies incidents are classified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VocabularyName {
    /// What happened: attack, fire, traffic accident…
    Kind,
    /// Who carried out an attack.
    Perpetrator,
    /// What an attack used.
    Weapon,
    /// Where it happened, what was hit.
    PlaceType,
    /// Why a fire or accident happened.
    Cause,
    /// Which vehicle a traffic accident involved.
    Vehicle,
}

/// Which kinds each kind-specific field applies to (domain.md: perpetrator and weapon for
/// attacks only, cause for fires and traffic accidents, vehicle for traffic accidents);
/// place types apply to every kind. Validation and the XLSForm both follow it.
pub const KIND_SPECIFIC: [(VocabularyName, &[&str]); 4] = [
    (VocabularyName::Perpetrator, &["attack"]),
    (VocabularyName::Weapon, &["attack"]),
    (VocabularyName::Cause, &["fire", "traffic_accident"]),
    (VocabularyName::Vehicle, &["traffic_accident"]),
];

impl VocabularyName {
    /// The kinds this vocabulary's field applies to (`None`: every kind).
    pub fn kinds(self) -> Option<&'static [&'static str]> {
        KIND_SPECIFIC
            .iter()
            .find(|(name, _)| *name == self)
            .map(|(_, kinds)| *kinds)
    }

    /// Every vocabulary.
    pub const ALL: [Self; 6] = [
        Self::Kind,
        Self::Perpetrator,
        Self::Weapon,
        Self::PlaceType,
        Self::Cause,
        Self::Vehicle,
    ];

    /// The name as used in data files, fields and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kind => "kind",
            Self::Perpetrator => "perpetrator",
            Self::Weapon => "weapon",
            Self::PlaceType => "place_type",
            Self::Cause => "cause",
            Self::Vehicle => "vehicle",
        }
    }

    /// Parses a vocabulary name.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|name| name.as_str() == value)
    }
}

impl fmt::Display for VocabularyName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One term of a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Term {
    /// The vocabulary it belongs to.
    pub vocabulary: VocabularyName,
    /// Its slug, stable across languages.
    pub slug: Slug,
    /// English label.
    pub label_en: String,
    /// Arabic label.
    pub label_ar: String,
}

/// Why a vocabulary file was not read.
#[derive(Debug, thiserror::Error)]
pub enum VocabularyFileError {
    /// Its header could not be read.
    #[error("{0}")]
    Header(#[from] csv::Error),
    /// A column is missing.
    #[error("the vocabulary file has no '{0}' column")]
    MissingColumn(&'static str),
    /// A line is wrong.
    #[error("line {line}: {problem}")]
    Line {
        /// The line, counting the header as line 1.
        line: usize,
        /// What is wrong with it.
        #[source]
        problem: LineProblem,
    },
}

/// What is wrong with a line of a vocabulary file.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// It is not CSV.
    #[error("{0}")]
    Csv(#[source] csv::Error),
    /// Its vocabulary is not one of Athar's.
    #[error("'{0}' is not a vocabulary (allowed: {allowed})", allowed = VocabularyName::ALL.map(VocabularyName::as_str).join(", "))]
    UnknownVocabulary(String),
    /// Its slug is not a slug.
    #[error("{0}")]
    Slug(#[source] ValueError),
    /// A label is missing.
    #[error("both label_en and label_ar are required")]
    MissingLabel,
}

/// A set of vocabulary terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabularies {
    /// Vocabulary → slug → term.
    terms: BTreeMap<VocabularyName, BTreeMap<Slug, Term>>,
}

/// The default terms, as shipped in `data/vocabularies.csv`.
const DEFAULTS_CSV: &str = include_str!("../../../data/vocabularies.csv");

impl Vocabularies {
    /// The default vocabularies of the domain.
    pub fn defaults() -> Self {
        Self::from_csv(DEFAULTS_CSV.as_bytes()).expect("the bundled vocabularies file is valid")
    }

    /// Reads terms from CSV with the columns `vocabulary,slug,label_en,label_ar`.
    /// Errors name the line and what was wrong.
    pub fn from_csv(reader: impl std::io::Read) -> Result<Self, VocabularyFileError> {
        let mut vocabularies = Self::default();
        let mut csv = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers = csv.headers()?.clone();
        let column = |name: &'static str| {
            headers
                .iter()
                .position(|h| h.trim_start_matches('\u{feff}') == name)
                .ok_or(VocabularyFileError::MissingColumn(name))
        };
        let (vocabulary_at, slug_at, en_at, ar_at) = (
            column("vocabulary")?,
            column("slug")?,
            column("label_en")?,
            column("label_ar")?,
        );
        for (index, record) in csv.records().enumerate() {
            let line = index + 2;
            let at_line = |problem: LineProblem| VocabularyFileError::Line { line, problem };
            let record = record.map_err(|e| at_line(LineProblem::Csv(e)))?;
            let field = |at: usize| record.get(at).unwrap_or("").to_owned();
            let vocabulary = VocabularyName::parse(&field(vocabulary_at))
                .ok_or_else(|| at_line(LineProblem::UnknownVocabulary(field(vocabulary_at))))?;
            let slug = Slug::parse(&field(slug_at)).map_err(|e| at_line(LineProblem::Slug(e)))?;
            let (label_en, label_ar) = (field(en_at), field(ar_at));
            if label_en.is_empty() || label_ar.is_empty() {
                return Err(at_line(LineProblem::MissingLabel));
            }
            vocabularies.insert(Term {
                vocabulary,
                slug,
                label_en,
                label_ar,
            });
        }
        Ok(vocabularies)
    }

    /// Adds a term, replacing one with the same vocabulary and slug.
    pub fn insert(&mut self, term: Term) {
        self.terms
            .entry(term.vocabulary)
            .or_default()
            .insert(term.slug.clone(), term);
    }

    /// Every term, ordered by vocabulary then slug.
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.terms.values().flat_map(BTreeMap::values)
    }

    /// The terms of one vocabulary.
    pub fn terms_of(&self, vocabulary: VocabularyName) -> impl Iterator<Item = &Term> {
        self.terms
            .get(&vocabulary)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    /// The term with this slug, if the vocabulary has it.
    pub fn get(&self, vocabulary: VocabularyName, slug: &str) -> Option<&Term> {
        self.terms.get(&vocabulary)?.get(slug)
    }

    /// Finds the term a person meant: its slug (loosely written), its English label
    /// (any case) or its Arabic label. The error lists the allowed slugs.
    pub fn lookup(&self, vocabulary: VocabularyName, value: &str) -> Result<Slug, ValueError> {
        let value = value.trim();
        // Most values are written as the slug itself.
        if let Some(term) = self.get(vocabulary, value) {
            return Ok(term.slug.clone());
        }
        if let Ok(slug) = Slug::parse_loose(value)
            && let Some(term) = self.get(vocabulary, slug.as_str())
        {
            return Ok(term.slug.clone());
        }
        self.terms_of(vocabulary)
            .find(|term| term.label_en.eq_ignore_ascii_case(value) || term.label_ar == value)
            .map(|term| term.slug.clone())
            .ok_or_else(|| ValueError::UnknownTerm {
                vocabulary: vocabulary.to_string(),
                value: value.to_owned(),
                allowed: self
                    .terms_of(vocabulary)
                    .map(|term| term.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.values().map(BTreeMap::len).sum()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_hold_every_term_of_the_domain() {
        let vocabularies = Vocabularies::defaults();
        assert_eq!(vocabularies.terms_of(VocabularyName::Kind).count(), 6);
        assert_eq!(vocabularies.terms_of(VocabularyName::Weapon).count(), 10);
        assert_eq!(vocabularies.terms_of(VocabularyName::PlaceType).count(), 14);
        assert_eq!(vocabularies.len(), 49);
        let drone = vocabularies.get(VocabularyName::Weapon, "drone").unwrap();
        assert_eq!(drone.label_ar, "طائرة مسيرة");
    }

    #[test]
    fn terms_are_found_by_slug_english_or_arabic_label() {
        let vocabularies = Vocabularies::defaults();
        for written in ["gas_leak", "Gas Leak", "gas-leak", "تسرب غاز"] {
            assert_eq!(
                vocabularies
                    .lookup(VocabularyName::Cause, written)
                    .unwrap()
                    .as_str(),
                "gas_leak",
                "{written}"
            );
        }
    }

    #[test]
    fn an_unknown_term_is_rejected_with_the_allowed_slugs() {
        let error = Vocabularies::defaults()
            .lookup(VocabularyName::Vehicle, "bicycle")
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("'bicycle' is not a known vehicle"),
            "{message}"
        );
        assert!(
            message.contains("motorcycle, other, truck") || message.contains("car"),
            "{message}"
        );
    }

    #[test]
    fn an_organisation_can_add_a_term_from_data() {
        let mut vocabularies = Vocabularies::defaults();
        let added = Vocabularies::from_csv(
            "vocabulary,slug,label_en,label_ar\nweapon,cluster_munition,Cluster munition,ذخائر عنقودية\n"
                .as_bytes(),
        )
        .unwrap();
        for term in added.terms() {
            vocabularies.insert(term.clone());
        }
        assert_eq!(
            vocabularies
                .lookup(VocabularyName::Weapon, "ذخائر عنقودية")
                .unwrap()
                .as_str(),
            "cluster_munition"
        );
    }

    #[test]
    fn a_vocabulary_file_with_a_bad_line_names_the_line() {
        let error = Vocabularies::from_csv(
            "vocabulary,slug,label_en,label_ar\nweapon,Bad Slug,x,y\n".as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.starts_with("line 2:"), "{error}");
    }
}
