//! What anonymous readers see: a deployment may round the points of incidents (or snap
//! them to their community), hide private fields, and withhold small per-community counts
//! of chosen kinds from requests without a token. Requests with any valid token (reader,
//! editor or admin) see everything as stored. With nothing configured, everyone does.

use athar_core::{Filter, Incident, Point, Slug};
use athar_gazetteer::Gazetteer;

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
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "" | "exact" => Ok(Self::Exact),
            "community" => Ok(Self::Community),
            other => other
                .strip_prefix("round:")
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| *n <= 5)
                .map(Self::Round)
                .ok_or_else(|| {
                    format!(
                        "public precision '{other}': use exact, round:N (N from 0 to 5) or community"
                    )
                }),
        }
    }
}

/// Fields that may be hidden from anonymous readers.
pub const PRIVATE_FIELDS: [&str; 3] = ["notes", "source_id", "source"];

/// The privacy settings of a deployment.
#[derive(Debug, Clone, Default)]
pub struct Privacy {
    /// How anonymous readers see points.
    pub precision: PublicPrecision,
    /// Fields hidden from anonymous readers (of [`PRIVATE_FIELDS`]).
    pub private_fields: Vec<String>,
    /// Per-community counts below this are withheld from anonymous readers (0: none).
    pub suppress_below: u64,
    /// The kinds whose small counts are withheld (none: every kind).
    pub suppress_kinds: Vec<String>,
}

impl Privacy {
    /// Whether anything is configured.
    pub fn is_configured(&self) -> bool {
        self.precision != PublicPrecision::Exact
            || !self.private_fields.is_empty()
            || self.suppress_below > 0
    }

    /// Checks the field names.
    pub fn check(&self) -> Result<(), String> {
        for field in &self.private_fields {
            if !PRIVATE_FIELDS.contains(&field.as_str()) {
                return Err(format!(
                    "private field '{field}': use {}",
                    PRIVATE_FIELDS.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// Who is reading: a token holder sees what is stored, anyone else what the privacy
/// settings allow.
#[derive(Clone, Copy)]
pub(crate) enum Viewer<'a> {
    Trusted,
    Public(&'a Privacy),
}

/// A [`Viewer`] that owns what it needs, for work done on another thread.
#[derive(Clone)]
pub(crate) struct OwnedViewer {
    public: Option<Privacy>,
    pub(crate) places: std::sync::Arc<Gazetteer>,
}

impl OwnedViewer {
    pub(crate) fn new(viewer: Viewer<'_>, places: std::sync::Arc<Gazetteer>) -> Self {
        Self {
            public: match viewer {
                Viewer::Trusted => None,
                Viewer::Public(privacy) => Some(privacy.clone()),
            },
            places,
        }
    }

    pub(crate) fn viewer(&self) -> Viewer<'_> {
        self.public.as_ref().map_or(Viewer::Trusted, Viewer::Public)
    }

    /// Where this viewer sees a point (see [`Viewer::point`]).
    pub(crate) fn point(&self, lon_lat: (f64, f64), community: Option<&str>) -> (f64, f64) {
        self.viewer().point(lon_lat, community, &self.places)
    }
}

fn round(value: f64, decimals: u8) -> f64 {
    let scale = 10f64.powi(i32::from(decimals));
    (value * scale).round() / scale
}

impl Viewer<'_> {
    /// Whether this viewer sees something other than what is stored.
    pub(crate) fn is_public(self) -> bool {
        matches!(self, Self::Public(_))
    }

    /// Where this viewer sees an incident at `lon_lat` whose name resolved to
    /// `community` (looked up in `places`).
    pub(crate) fn point(
        self,
        (lon, lat): (f64, f64),
        community: Option<&str>,
        places: &Gazetteer,
    ) -> (f64, f64) {
        match self {
            Self::Trusted => (lon, lat),
            Self::Public(privacy) => match privacy.precision {
                PublicPrecision::Exact => (lon, lat),
                PublicPrecision::Round(decimals) => (round(lon, decimals), round(lat, decimals)),
                PublicPrecision::Community => community
                    .and_then(|id| places.get(id))
                    .and_then(|place| place.lon_lat)
                    .unwrap_or((round(lon, 2), round(lat, 2))),
            },
        }
    }

    /// An incident as this viewer may see it.
    pub(crate) fn incident(self, mut incident: Incident, places: &Gazetteer) -> Incident {
        let Self::Public(privacy) = self else {
            return incident;
        };
        let record = &mut incident.record;
        if let Some(point) = record.location {
            let (lon, lat) = self.point(
                (point.lon.degrees(), point.lat.degrees()),
                record.resolution.community_id.as_deref(),
                places,
            );
            record.location = Point::from_degrees(lon, lat).ok().or(record.location);
        }
        for field in &privacy.private_fields {
            match field.as_str() {
                "notes" => record.notes = None,
                "source_id" => record.source_id = None,
                "source" => record.source = String::new(),
                _ => {}
            }
        }
        incident
    }

    /// Whether a per-community count of incidents selected by `filter` is withheld.
    pub(crate) fn withholds(self, filter: &Filter, count: u64) -> bool {
        let Self::Public(privacy) = self else {
            return false;
        };
        if privacy.suppress_below == 0 || count == 0 || count >= privacy.suppress_below {
            return false;
        }
        // The filter counts a withheld kind when it names one, or names no kind at all.
        privacy.suppress_kinds.is_empty()
            || filter.kinds.is_empty()
            || filter
                .kinds
                .iter()
                .any(|kind: &Slug| privacy.suppress_kinds.iter().any(|k| k == kind.as_str()))
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
            assert!(PublicPrecision::parse(bad).unwrap_err().contains(bad));
        }
    }

    #[test]
    fn public_points_are_rounded_and_trusted_ones_are_not() {
        let privacy = Privacy {
            precision: PublicPrecision::Round(2),
            ..Privacy::default()
        };
        let places = Gazetteer::empty();
        let exact = (36.723_456, 35.904_321);
        assert_eq!(Viewer::Trusted.point(exact, None, &places), exact);
        let (lon, lat) = Viewer::Public(&privacy).point(exact, None, &places);
        assert!((lon - 36.72).abs() < 1e-9 && (lat - 35.90).abs() < 1e-9);
    }
}
