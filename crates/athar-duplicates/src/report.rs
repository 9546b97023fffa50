//! One incident as detection sees it.

use athar_core::{CasualtyCounts, LocationPrecision};
use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

/// One incident as detection sees it: borrowed from the caller's rows, nothing copied but
/// the numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report<'a> {
    /// The incident's id.
    pub id: Uuid,
    /// The organisation or report it came from; only reports of different sources pair.
    pub source: &'a str,
    /// What happened, the vocabulary slug (`attack`, `fire`…); only equal kinds pair.
    pub kind: &'a str,
    /// The local day.
    pub date: NaiveDate,
    /// The local time, when known; compared to the minute (seconds are ignored).
    pub time: Option<NaiveTime>,
    /// Where, `(longitude, latitude)` in degrees. A point of [`LocationPrecision::Admin`]
    /// precision, or one outside the valid range of degrees, counts as no point.
    pub point: Option<(f64, f64)>,
    /// How the point was found: given with the incident (`Exact`), the centre of its
    /// community (`Community`) or of an administrative area (`Admin`).
    pub precision: LocationPrecision,
    /// The gazetteer id of the community the incident was resolved to, if any.
    pub community_id: Option<&'a str>,
    /// Killed and injured, with the women and children among them.
    pub casualties: CasualtyCounts,
}
