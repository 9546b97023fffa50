//! What anonymous readers see: a deployment may round the points of incidents (or snap
//! them to their community), hide private fields, and withhold small per-community counts
//! of chosen kinds from requests without a token. Requests with any valid token (reader,
//! editor or admin) see everything as stored. With nothing configured, everyone does.

use std::collections::HashMap;
use std::sync::Arc;

use athar_core::{Filter, Incident, Point, Slug};
use athar_gazetteer::{CommunityStatus, Gazetteer};
use athar_index::Snapshot;
use uuid::Uuid;

/// How precisely anonymous readers see where incidents happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PublicPrecision {
    /// As stored.
    #[default]
    Exact,
    /// Rounded to this many decimal places of a degree (2: about a kilometre).
    Round(u8),
    /// The point of the place the community name resolved to; incidents whose name
    /// resolved to none are rounded to two decimals.
    Community,
}

impl PublicPrecision {
    /// `exact`, `round:N` (N from 0 to 5) or `community`.
    pub fn parse(text: &str) -> Result<Self, PrivacyError> {
        match text.trim() {
            "" | "exact" => Ok(Self::Exact),
            "community" => Ok(Self::Community),
            other => other
                .strip_prefix("round:")
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| *n <= 5)
                .map(Self::Round)
                .ok_or_else(|| PrivacyError::Precision(other.to_owned())),
        }
    }
}

/// Privacy settings that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivacyError {
    /// A public precision that is none of those known.
    #[error("public precision '{0}': use exact, round:N (N from 0 to 5) or community")]
    Precision(String),
    /// Small counts withheld while incidents are listed one by one, from which they are
    /// counted.
    #[error(
        "--suppress-below {0} withholds small per-community counts from anonymous readers, \
         but they also get incidents one by one (items, incident exports and tiles, static \
         maps of points, hotspot analyses), each with its community, from which those \
         counts are counted: also set --public-incidents false (ATHAR_PUBLIC_INCIDENTS), \
         or drop --suppress-below"
    )]
    SuppressionLeaks(u64),
    /// A field that is not one of [`PRIVATE_FIELDS`].
    #[error("private field '{0}': use {fields}", fields = PRIVATE_FIELDS.join(", "))]
    UnknownField(String),
}

/// Fields that may be hidden from anonymous readers.
pub const PRIVATE_FIELDS: [&str; 3] = ["notes", "source_id", "source"];

/// The privacy settings of a deployment.
#[derive(Debug, Clone)]
pub struct Privacy {
    /// How anonymous readers see points.
    pub precision: PublicPrecision,
    /// Fields hidden from anonymous readers (of [`PRIVATE_FIELDS`]).
    pub private_fields: Vec<String>,
    /// Per-community counts below this are withheld from anonymous readers (0: none).
    pub suppress_below: u64,
    /// The kinds whose small counts are withheld (none: every kind).
    pub suppress_kinds: Vec<String>,
    /// Whether anonymous readers get incidents one by one (items, incident exports and
    /// tiles, static maps of points, hotspot analyses), or only counts.
    pub public_incidents: bool,
}

impl Default for Privacy {
    fn default() -> Self {
        Self {
            precision: PublicPrecision::Exact,
            private_fields: Vec::new(),
            suppress_below: 0,
            suppress_kinds: Vec::new(),
            public_incidents: true,
        }
    }
}

impl Privacy {
    /// Whether anything is configured.
    pub fn is_configured(&self) -> bool {
        self.precision != PublicPrecision::Exact
            || !self.private_fields.is_empty()
            || self.suppress_below > 0
            || !self.public_incidents
    }

    /// Checks the field names, and that the settings can keep their promise: small
    /// per-community counts cannot be withheld while anonymous readers get the incidents
    /// one by one, each with its community, from which those counts are counted.
    pub fn check(&self) -> Result<(), PrivacyError> {
        if self.suppress_below > 0 && self.public_incidents {
            return Err(PrivacyError::SuppressionLeaks(self.suppress_below));
        }
        if let Some(field) = self
            .private_fields
            .iter()
            .find(|field| !PRIVATE_FIELDS.contains(&field.as_str()))
        {
            return Err(PrivacyError::UnknownField(field.clone()));
        }
        Ok(())
    }
}

/// Who is reading: a token holder sees what is stored, anyone else what the privacy
/// settings allow.
#[derive(Clone, Copy)]
pub enum Viewer<'a> {
    /// A reader with a valid token, or anyone where nothing is configured.
    Trusted,
    /// A reader without a token, under these settings.
    Public(&'a Privacy),
}

/// A [`Viewer`] that owns what it needs, for work done on another thread, with the
/// places as this viewer sees them.
#[derive(Clone)]
pub struct OwnedViewer {
    public: Option<Privacy>,
    /// The places as this viewer sees them.
    pub places: Arc<Gazetteer>,
}

impl OwnedViewer {
    /// Owns what `viewer` borrows, with the places it sees.
    pub fn new(viewer: Viewer<'_>, places: Arc<Gazetteer>) -> Self {
        Self {
            public: match viewer {
                Viewer::Trusted => None,
                Viewer::Public(privacy) => Some(privacy.clone()),
            },
            places,
        }
    }

    /// The viewer again.
    pub fn viewer(&self) -> Viewer<'_> {
        self.public.as_ref().map_or(Viewer::Trusted, Viewer::Public)
    }
}

fn round(value: f64, decimals: u8) -> f64 {
    let scale = 10f64.powi(i32::from(decimals));
    (value * scale).round() / scale
}

impl Privacy {
    /// Whether anonymous readers see other data than token holders (other points, fewer
    /// fields), so that they need a view of the data of their own.
    pub fn needs_public_view(&self) -> bool {
        self.precision != PublicPrecision::Exact || !self.private_fields.is_empty()
    }

    /// The decimals points are rounded to for anonymous readers (community precision
    /// rounds what it cannot snap to a place, and places derived from incidents, to 2).
    fn decimals(&self) -> Option<u8> {
        match self.precision {
            PublicPrecision::Exact => None,
            PublicPrecision::Round(decimals) => Some(decimals),
            PublicPrecision::Community => Some(2),
        }
    }

    fn rounded(&self, (lon, lat): (f64, f64)) -> (f64, f64) {
        match self.decimals() {
            None => (lon, lat),
            Some(decimals) => (round(lon, decimals), round(lat, decimals)),
        }
    }

    /// The places as anonymous readers see them: a place that was not imported from a
    /// reference list (one learned or confirmed from incidents) sits at the centroid of
    /// its incidents' rounded points, itself rounded, never at the centroid of their exact
    /// points (a place of one incident would sit on it). A place with no incidents left has
    /// its stored point rounded.
    pub fn public_places(&self, full: &Snapshot, places: &Gazetteer) -> Gazetteer {
        if self.decimals().is_none() {
            return places.clone();
        }
        let mut sums: HashMap<&str, (f64, f64, u32)> = HashMap::new();
        for row in 0..u32::try_from(full.len()).unwrap_or(u32::MAX) {
            let fields = full.tile_fields(row);
            let (Some(id), Some(point)) = (fields.community_id, fields.lon_lat) else {
                continue;
            };
            if places
                .get(id)
                .is_some_and(|place| place.status != CommunityStatus::Reference)
            {
                let (lon, lat) = self.rounded(point);
                let sum = sums.entry(id).or_default();
                *sum = (sum.0 + lon, sum.1 + lat, sum.2 + 1);
            }
        }
        places.with_points(|place| {
            if place.status == CommunityStatus::Reference {
                return place.lon_lat;
            }
            match sums.get(place.id.as_str()) {
                Some(&(lon, lat, n)) => {
                    Some(self.rounded((lon / f64::from(n), lat / f64::from(n))))
                }
                None => place.lon_lat.map(|point| self.rounded(point)),
            }
        })
    }

    /// Where anonymous readers see an incident at `lon_lat` whose name resolved to
    /// `community`, looked up in the public places (see [`Self::public_places`]).
    fn public_point(
        &self,
        lon_lat: (f64, f64),
        community: Option<&str>,
        public_places: &Gazetteer,
    ) -> (f64, f64) {
        match self.precision {
            PublicPrecision::Exact | PublicPrecision::Round(_) => self.rounded(lon_lat),
            PublicPrecision::Community => community
                .and_then(|id| public_places.get(id))
                .and_then(|place| place.lon_lat)
                .unwrap_or_else(|| self.rounded(lon_lat)),
        }
    }

    /// An incident as anonymous readers may see it: at its public point, without the
    /// private fields.
    pub fn public_incident(&self, mut incident: Incident, public_places: &Gazetteer) -> Incident {
        let record = &mut incident.record;
        if let Some(point) = record.location {
            let (lon, lat) = self.public_point(
                (point.lon.degrees(), point.lat.degrees()),
                record.resolution.community_id.as_deref(),
                public_places,
            );
            record.location = Point::from_degrees(lon, lat).ok().or(record.location);
        }
        for field in &self.private_fields {
            match field.as_str() {
                "notes" => record.notes = None,
                "source_id" => record.source_id = None,
                "source" => record.source = String::new(),
                _ => {}
            }
        }
        incident
    }

    /// The public view of `full`, built whole.
    pub fn public_view(&self, full: &Snapshot, places: &Gazetteer) -> PublicView {
        let places = self.public_places(full, places);
        let incidents = (0..u32::try_from(full.len()).unwrap_or(u32::MAX))
            .map(|row| self.public_incident(full.incident(row), &places))
            .collect();
        PublicView {
            snapshot: Arc::new(Snapshot::build(
                full.version(),
                Arc::clone(full.vocabularies()),
                incidents,
            )),
            places: Arc::new(places),
        }
    }

    /// The public view of `full` (just patched with `upserts` and `touched`) made from
    /// the previous public view: the changed incidents, and with community precision the
    /// incidents of every place whose public point moved, are made public again.
    pub fn patch_public_view(
        &self,
        previous: &PublicView,
        full: &Snapshot,
        places: &Gazetteer,
        (upserts, touched): (&[Incident], &[Uuid]),
    ) -> PublicView {
        let public_places = self.public_places(full, places);
        let mut upserts: Vec<Incident> = upserts
            .iter()
            .map(|incident| self.public_incident(incident.clone(), &public_places))
            .collect();
        let mut touched = touched.to_vec();
        if self.precision == PublicPrecision::Community {
            // The incidents of every place whose public point moved follow it: found in
            // one pass over the rows, not a search of the rows for each incident.
            let moved: std::collections::HashSet<&str> = public_places
                .communities()
                .iter()
                .filter(|place| {
                    previous.places.get(&place.id).and_then(|p| p.lon_lat) != place.lon_lat
                })
                .map(|place| place.id.as_str())
                .collect();
            if !moved.is_empty() {
                let mut seen: std::collections::HashSet<Uuid> = touched.iter().copied().collect();
                for row in 0..u32::try_from(full.len()).unwrap_or(u32::MAX) {
                    let fields = full.tile_fields(row);
                    if fields.community_id.is_some_and(|id| moved.contains(id))
                        && seen.insert(fields.id)
                    {
                        upserts.push(self.public_incident(full.incident(row), &public_places));
                        touched.push(fields.id);
                    }
                }
            }
        }
        // Nothing to patch (the places were read again and none moved): the same rows.
        if upserts.is_empty() && touched.is_empty() && previous.snapshot.version() == full.version()
        {
            return PublicView {
                snapshot: Arc::clone(&previous.snapshot),
                places: Arc::new(public_places),
            };
        }
        PublicView {
            snapshot: Arc::new(previous.snapshot.patch(
                full.version(),
                Arc::clone(full.vocabularies()),
                &upserts,
                &touched,
            )),
            places: Arc::new(public_places),
        }
    }
}

/// The communities whose counts a viewer may not see (see [`Viewer::withheld`]).
#[derive(Debug, Default, Clone)]
pub struct Withheld {
    /// For the filter's period.
    pub now: std::collections::HashSet<u32>,
    /// For the comparison period before it.
    pub before: std::collections::HashSet<u32>,
}

impl Withheld {
    /// Withholds more communities of `ranking` (sorted most first) until the withheld ones
    /// cannot be told from the total that the answer also gives: never one alone (the
    /// total less the others would be its count), never only ones (their sum would say
    /// so). The communities added are the visible ones with the fewest incidents.
    #[must_use]
    pub fn with_complement(mut self, ranking: &[athar_index::CommunityCount]) -> Self {
        loop {
            let withheld: Vec<u64> = ranking
                .iter()
                .filter(|c| self.now.contains(&c.community))
                .map(|c| c.count)
                .collect();
            let sum: u64 = withheld.iter().sum();
            if withheld.is_empty() || (withheld.len() > 1 && sum > withheld.len() as u64) {
                return self;
            }
            let Some(next) = ranking
                .iter()
                .rev()
                .find(|c| !self.now.contains(&c.community))
            else {
                return self;
            };
            self.now.insert(next.community);
        }
    }
}

/// What anonymous readers are served from when they see other data than token holders:
/// every incident already at its public point without its private fields, and the places
/// at their public points. Every selection, tile, cluster, extent, hotspot, centroid,
/// count and export for anonymous readers is computed from this and nothing else, so no
/// anonymous answer depends on an exact point.
#[derive(Clone)]
pub struct PublicView {
    /// The incidents as anonymous readers see them (same version as the full snapshot).
    pub snapshot: Arc<Snapshot>,
    /// The places as anonymous readers see them.
    pub places: Arc<Gazetteer>,
}

impl Viewer<'_> {
    /// Whether this viewer sees something other than what is stored.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Public(_))
    }

    /// The communities (indexes into the snapshot's table) whose counts for `filter`,
    /// and for `previous` (the comparison period), are withheld from this viewer: those
    /// where some withheld kind that the filter counts has from 1 to `suppress_below - 1`
    /// incidents. Counted kind by kind, so that no difference between the counts of two
    /// filters (all kinds less the others, attacks and fires less fires) gives a withheld
    /// kind's small count.
    pub fn withheld(
        self,
        snapshot: &Snapshot,
        filter: &Filter,
        previous: Option<&Filter>,
    ) -> Withheld {
        let mut withheld = Withheld::default();
        let Self::Public(privacy) = self else {
            return withheld;
        };
        if privacy.suppress_below == 0 {
            return withheld;
        }
        let counted: Vec<Slug> = if filter.kinds.is_empty() {
            snapshot
                .vocabularies()
                .terms_of(athar_core::VocabularyName::Kind)
                .map(|term| term.slug.clone())
                .collect()
        } else {
            filter.kinds.clone()
        };
        let small = |n: u64| n > 0 && n < privacy.suppress_below;
        for kind in counted.into_iter().filter(|kind| {
            privacy.suppress_kinds.is_empty()
                || privacy.suppress_kinds.iter().any(|k| k == kind.as_str())
        }) {
            let of_kind = |filter: &Filter| {
                let mut one = filter.clone();
                one.kinds = vec![kind.clone()];
                snapshot.select(&one)
            };
            let rows = of_kind(filter);
            let before = previous.map(of_kind);
            for count in snapshot.community_counts(&rows, before.as_deref()) {
                if small(count.count) {
                    withheld.now.insert(count.community);
                }
                if count.previous_count.is_some_and(small) {
                    withheld.before.insert(count.community);
                }
            }
        }
        withheld
    }

    /// Whether a total of `count` incidents of `kind` for `filter` is withheld from this
    /// viewer: a small count of a withheld kind, where the filter narrows by place (a
    /// community, a p-code or a bounding box), as a count for one community would be.
    pub fn withholds_total(self, filter: &Filter, kind: &Slug, count: u64) -> bool {
        let Self::Public(privacy) = self else {
            return false;
        };
        let by_place = filter.community_id.is_some()
            || filter.community_key.is_some()
            || filter.pcode.is_some()
            || filter.bbox.is_some();
        by_place
            && count > 0
            && count < privacy.suppress_below
            && (privacy.suppress_kinds.is_empty()
                || privacy.suppress_kinds.iter().any(|k| k == kind.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precisions_parse_and_bad_ones_are_named() {
        assert_eq!(PublicPrecision::parse("exact"), Ok(PublicPrecision::Exact));
        assert_eq!(
            PublicPrecision::parse("round:2"),
            Ok(PublicPrecision::Round(2))
        );
        assert_eq!(
            PublicPrecision::parse("community"),
            Ok(PublicPrecision::Community)
        );
        for bad in ["round:9", "round:", "fuzzy", "round:-1"] {
            assert!(
                PublicPrecision::parse(bad)
                    .unwrap_err()
                    .to_string()
                    .contains(bad)
            );
        }
    }

    #[test]
    fn public_points_are_rounded_and_exact_ones_are_not() {
        let privacy = Privacy {
            precision: PublicPrecision::Round(2),
            ..Privacy::default()
        };
        let places = Gazetteer::empty();
        let exact = (36.723_456, 35.904_321);
        let (lon, lat) = privacy.public_point(exact, None, &places);
        assert!((lon - 36.72).abs() < 1e-9 && (lat - 35.90).abs() < 1e-9);
        // Rounding what is rounded changes nothing.
        assert_eq!(privacy.public_point((lon, lat), None, &places), (lon, lat));
        let exact_only = Privacy {
            private_fields: vec!["notes".into()],
            ..Privacy::default()
        };
        assert_eq!(exact_only.public_point(exact, None, &places), exact);
    }
}
