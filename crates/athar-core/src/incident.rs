//! Incidents.

use uuid::Uuid;

use crate::{Casualties, OccurredAt, Point, Slug, ValueError};

/// How the location of an incident was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationPrecision {
    /// Coordinates given with the incident.
    Exact,
    /// The centre of the community the incident was resolved to.
    Community,
    /// The centre of an administrative area.
    Admin,
}

impl LocationPrecision {
    /// The slug used in files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Community => "community",
            Self::Admin => "admin",
        }
    }

    /// Parses `exact`, `community` or `admin`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "exact" => Some(Self::Exact),
            "community" => Some(Self::Community),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// An OCHA-style place code: upper-case letters then digits (`C4150`, `SY0702`, `CP123`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Pcode(String);

impl Pcode {
    /// Parses a p-code; letters are upper-cased.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let upper = value.trim().to_ascii_uppercase();
        let letters = upper.chars().take_while(char::is_ascii_uppercase).count();
        let digits = upper.len() - letters;
        let valid = (1..=4).contains(&letters)
            && (1..=12).contains(&digits)
            && upper[letters..].chars().all(|c| c.is_ascii_digit());
        if valid {
            Ok(Self(upper))
        } else {
            Err(ValueError::BadPcode {
                value: value.to_owned(),
            })
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything known about an incident except the id Athar gives it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IncidentRecord {
    /// The organisation or report it came from.
    pub source: String,
    /// The submitter's own id; `(source, source_id)` is unique.
    pub source_id: Option<String>,
    /// What happened.
    pub kind: Slug,
    /// When.
    pub occurred: OccurredAt,
    /// Where, when known.
    pub location: Option<Point>,
    /// How the location was found.
    pub location_precision: LocationPrecision,
    /// The community name as reported, verbatim.
    pub community: String,
    /// The normalised key under which spellings of one place group together.
    pub community_key: String,
    /// The community's p-code, when known.
    pub community_pcode: Option<Pcode>,
    /// Governorate.
    pub admin1: Option<String>,
    /// District.
    pub admin2: Option<String>,
    /// Sub-district.
    pub admin3: Option<String>,
    /// Where it happened, what was hit.
    pub place_type: Option<Slug>,
    /// Who carried out an attack.
    pub perpetrator: Option<Slug>,
    /// What an attack used.
    pub weapon: Option<Slug>,
    /// Why a fire or accident happened.
    pub cause: Option<Slug>,
    /// Which vehicle an accident involved.
    pub vehicle: Option<Slug>,
    /// Killed and injured.
    pub casualties: Casualties,
    /// Free text, often Arabic.
    pub notes: Option<String>,
    /// The place the community name was resolved to, and how.
    pub resolution: CommunityResolution,
}

/// How a community name was resolved to a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionMethod {
    /// By the p-code given with it.
    Pcode,
    /// Its key equals the key of the place's Arabic or English name.
    Exact,
    /// Its key equals the key of one of the place's other names.
    Alias,
    /// Its key is close to the key of one of the place's names, within the area.
    Fuzzy,
    /// To a place learned from incidents of the same name and area.
    Learned,
    /// Not resolved: no place, or more than one.
    #[default]
    Unresolved,
    /// Its cross-script key (the consonants of a romanisation) equals that of a name of
    /// the place in the other script, within the area and near the point: `Kansafrah` for
    /// كنصفرة, أطمة for Atmeh.
    CrossScript,
}

impl ResolutionMethod {
    /// Every method (snapshots on disk store an index into it: new ones go at the end).
    pub const ALL: [Self; 7] = [
        Self::Pcode,
        Self::Exact,
        Self::Alias,
        Self::Fuzzy,
        Self::Learned,
        Self::Unresolved,
        Self::CrossScript,
    ];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pcode => "pcode",
            Self::Exact => "exact",
            Self::Alias => "alias",
            Self::Fuzzy => "fuzzy",
            Self::Learned => "learned",
            Self::Unresolved => "unresolved",
            Self::CrossScript => "cross_script",
        }
    }

    /// The method a stored name stands for.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == value)
    }
}

/// The place an incident's community name resolved to: its id in the gazetteer (none when
/// unresolved), how, and how sure (0–1).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct CommunityResolution {
    /// The community's id, when resolved.
    pub community_id: Option<String>,
    /// How.
    pub method: ResolutionMethod,
    /// How sure, 0–1; 0 when unresolved.
    pub score: f32,
}

impl IncidentRecord {
    /// A stable 64-bit hash of every field, used to tell an unchanged re-import from an
    /// update. It is the same on every machine and in every release that keeps the fields.
    pub fn content_hash(&self) -> u64 {
        use std::fmt::Write as _;
        thread_local! {
            /// The canonical text, kept between calls: hashing allocates nothing.
            static CANONICAL: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        fn opt<T: AsRef<str>>(value: Option<&T>) -> &str {
            value.map_or("\u{0}", AsRef::as_ref)
        }
        CANONICAL.with_borrow_mut(|text| {
            // The fields joined by U+001F, as they have always been written.
            text.clear();
            let counts = self.casualties.counts();
            let _ = write!(
                text,
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}",
                self.source,
                opt(self.source_id.as_ref()),
                self.kind.as_str(),
                self.occurred
            );
            if let Some(p) = self.location {
                push_fixed(text, p.lon.degrees(), 7);
                text.push(',');
                push_fixed(text, p.lat.degrees(), 7);
            }
            for field in [
                self.location_precision.as_str(),
                &self.community,
                self.community_pcode.as_ref().map_or("\u{0}", Pcode::as_str),
                opt(self.admin1.as_ref()),
                opt(self.admin2.as_ref()),
                opt(self.admin3.as_ref()),
                opt(self.place_type.as_ref()),
                opt(self.perpetrator.as_ref()),
                opt(self.weapon.as_ref()),
                opt(self.cause.as_ref()),
                opt(self.vehicle.as_ref()),
            ] {
                text.push('\u{1f}');
                text.push_str(field);
            }
            let _ = write!(
                text,
                "\u{1f}{},{},{},{},{},{}\u{1f}{}\u{1f}{}:{}:",
                counts.killed,
                counts.killed_women,
                counts.killed_children,
                counts.injured,
                counts.injured_women,
                counts.injured_children,
                opt(self.notes.as_ref()),
                opt(self.resolution.community_id.as_ref()),
                self.resolution.method.as_str(),
            );
            push_fixed(text, f64::from(self.resolution.score), 3);
            xxhash_rust::xxh3::xxh3_64(text.as_bytes())
        })
    }
}

/// Appends `value` with `decimals` decimals, as `format!("{value:.decimals$}")` writes it
/// (the content hash depends on it), without the general formatter where the answer is
/// plain: the scaled value is well away from a rounding tie and not zero.
fn push_fixed(text: &mut String, value: f64, decimals: u32) {
    use std::fmt::Write as _;
    let scale = 10u64.pow(decimals);
    // Exact for the scales used: the product is within an ulp of the true one, which
    // for values under 10^10 is well inside the margin kept from a tie.
    let scaled = value.abs() * scale as f64;
    let fraction = scaled - scaled.trunc();
    if (1.0..1e10).contains(&scaled) && (fraction - 0.5).abs() > 1e-5 {
        let digits = scaled.round() as u64;
        let _ = write!(
            text,
            "{}{}.{:0width$}",
            if value < 0.0 { "-" } else { "" },
            digits / scale,
            digits % scale,
            width = decimals as usize
        );
    } else {
        let _ = write!(text, "{value:.*}", decimals as usize);
    }
}

/// A stored incident: its id and its record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Incident {
    /// Assigned by Athar.
    pub id: Uuid,
    /// Everything else.
    #[serde(flatten)]
    pub record: IncidentRecord,
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The content hash's numbers are written as the formatter writes them: points
        /// to seven decimals, scores to three.
        #[test]
        fn fixed_decimals_are_written_as_the_formatter_writes_them(
            degrees in -180.0f64..180.0,
            score in 0.0f32..=1.0,
            micro in -2_000_000i64..2_000_000,
        ) {
            for (value, decimals) in [
                (degrees, 7),
                (f64::from(score), 3),
                (micro as f64 / 1e5, 7),
                (micro as f64 * 5e-8, 7),
            ] {
                let mut text = String::new();
                push_fixed(&mut text, value, decimals);
                proptest::prop_assert_eq!(text, format!("{value:.*}", decimals as usize));
            }
        }
    }

    #[test]
    fn fixed_decimals_at_ties_zero_and_signs_match_the_formatter() {
        for value in [
            0.0,
            -0.0,
            1e-9,
            -1e-9,
            0.5,
            -0.5,
            0.000_000_05,
            0.000_000_15,
            2.5e-8,
            35.123_456_75,
            -179.999_999_95,
            0.95,
            1.0,
            0.0005,
            0.0015,
        ] {
            for decimals in [3, 7] {
                let mut text = String::new();
                push_fixed(&mut text, value, decimals);
                assert_eq!(text, format!("{value:.*}", decimals as usize), "{value}");
            }
        }
    }

    #[test]
    fn pcodes_are_letters_then_digits() {
        assert_eq!(Pcode::parse(" c4150 ").unwrap().as_str(), "C4150");
        for bad in ["4150", "C", "C41-50", "CAMPS1234", "C4150X"] {
            assert!(Pcode::parse(bad).is_err(), "{bad}");
        }
    }
}
