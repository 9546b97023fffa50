//! A pair of incidents that are probably one event, and why.

use serde::Serialize;
use uuid::Uuid;

/// Two incidents of different sources that are probably one event.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    /// The two incidents' ids, the smaller first.
    #[schema(min_items = 2, max_items = 2)]
    pub incidents: [Uuid; 2],
    /// Every rule that held, so that a person sees why the pair was proposed: in the
    /// order sources, kind, place, days, times, casualties.
    pub reasons: Vec<Reason>,
    /// How likely the two are one event, 0–1, to three decimals (see the crate's
    /// documentation for the weights).
    #[serde(serialize_with = "three_decimals")]
    pub score: f32,
}

/// Writes a score as the decimal it was rounded to, also into a `serde_json::Value`,
/// which would otherwise widen the `f32` 0.835 to the `f64` 0.8349999785423279.
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn three_decimals<S: serde::Serializer>(score: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64((f64::from(*score) * 1000.0).round() / 1000.0)
}

/// A rule that held for a candidate. In JSON, a string (`"same_kind"`) or, with a
/// measurement, an object of one member (`{"within_km": 0.8}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The reports come from different sources (always: no source duplicates itself
    /// here).
    DifferentSources,
    /// The reports are of the same kind (always).
    SameKind,
    /// Both have points, this many kilometres apart (to the metre).
    WithinKm(f64),
    /// Both were resolved to the same community.
    SameCommunity,
    /// Both are of the same day.
    SameDay,
    /// Their dates are one day apart.
    OneDayApart,
    /// Both give a time, this many minutes apart (across midnight when one day apart).
    TimesWithinMinutes(u32),
    /// All six casualty figures are equal.
    CasualtiesEqual,
    /// Some casualty figures differ, none by more than rounding explains.
    CasualtiesCompatible,
}
