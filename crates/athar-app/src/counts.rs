//! Communities ranked by incidents, as typed entries: the counts endpoint, its exports,
//! the statistics' top communities, the communities layer and the static maps' circles
//! all read these, and small counts are withheld from anonymous readers here, once (see
//! [`crate::privacy`]).

use athar_core::Filter;
use athar_gazetteer::lists::is_bundled;
use athar_gazetteer::name::unfolded_letters;
use athar_gazetteer::{Gazetteer, community_key, display_form, romanise};
use athar_index::{CommunityCount, RowId, Snapshot};
use chrono::Duration;
use serde::Serialize;

use crate::privacy::Viewer;

/// One community of a ranking: a resolved place with its gazetteer id, names and point; an
/// unresolved name under its most frequent spellings and the centroid of its incidents.
/// Fields are in alphabetical order, as the JSON answers have always listed them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CommunityEntry {
    /// `count` less `previous_count`, when there is a previous period.
    pub change: Option<i64>,
    /// The place's id, or the normalised key of an unresolved name.
    pub community_id: String,
    /// Incidents (null when withheld).
    pub count: Option<u64>,
    /// Injured (null when withheld).
    pub injured: Option<u64>,
    /// Killed (null when withheld).
    pub killed: Option<u64>,
    /// Latitude of its point.
    pub lat: Option<f64>,
    /// Longitude of its point.
    pub lon: Option<f64>,
    /// Arabic name.
    pub name_ar: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// OCHA p-code.
    pub pcode: Option<String>,
    /// Incidents in the period of the same length just before `from` (needs from and to).
    pub previous_count: Option<u64>,
    /// 1 for the most incidents; ties share a rank (null when withheld).
    pub rank: Option<u32>,
    /// `reference`, `learned`, `confirmed` or `unresolved`.
    pub status: String,
    /// Present, and true, when the counts are withheld from an anonymous reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<bool>,
}

impl CommunityEntry {
    /// The entry of `count`. For places of the bundled gazetteer, whose Arabic names are
    /// OCHA's or GeoNames' spellings (اطمه for أطمة; دار تعزة for دارة عزة), the Arabic
    /// spelling the reports used most is shown, without a type word in front (or the
    /// place's own, when it is the same name written in fuller letters); an imported
    /// community list's names are shown as they are. A place or name known only in Arabic
    /// is shown in English by its romanisation.
    pub fn new(snapshot: &Snapshot, places: &Gazetteer, count: &CommunityCount) -> Self {
        let info = &snapshot.communities()[count.community as usize];
        let place = info.resolved.then(|| places.get(&info.key)).flatten();
        let point = place.and_then(|p| p.lon_lat).or(info.centroid);
        let reported = info.name_ar.as_deref().map(display_form);
        let name_ar = if place.is_some_and(is_bundled) {
            let own = place.and_then(|p| p.name_ar.clone());
            match (reported, own) {
                // Two spellings of one name: the one written in full (فطيرة, not فطيره).
                (Some(reported), Some(own))
                    if community_key(&reported) == community_key(&own)
                        && unfolded_letters(&own) > unfolded_letters(&reported) =>
                {
                    Some(own)
                }
                (Some(reported), _) => Some(reported),
                (None, own) => own,
            }
        } else {
            place.and_then(|p| p.name_ar.clone()).or(reported)
        };
        Self {
            rank: Some(count.rank),
            community_id: info.key.clone(),
            pcode: place
                .map_or(info.pcode.as_deref(), |p| p.pcode.as_deref())
                .map(str::to_owned),
            name_en: place
                .and_then(|p| p.name_en.clone())
                .or_else(|| info.name_en.clone())
                .or_else(|| name_ar.as_deref().map(romanise)),
            name_ar,
            status: place.map_or("unresolved", |p| p.status.as_str()).to_owned(),
            count: Some(count.count),
            killed: Some(count.killed),
            injured: Some(count.injured),
            lon: point.map(|c| c.0),
            lat: point.map(|c| c.1),
            previous_count: count.previous_count,
            change: count
                .previous_count
                .map(|previous| count.count as i64 - previous as i64),
            suppressed: None,
        }
    }

    /// Hides the counts from an anonymous reader (see [`crate::privacy`]).
    pub fn withhold(&mut self) {
        self.rank = None;
        self.count = None;
        self.killed = None;
        self.injured = None;
        self.previous_count = None;
        self.change = None;
        self.suppressed = Some(true);
    }
}

/// The formats of a ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = CountsFormat)]
pub enum Format {
    /// The document of [`RankingDocument`].
    Json,
    /// A FeatureCollection of the communities with a point.
    Geojson,
    /// CSV.
    Csv,
}

crate::params::named!(Format {
    Format::Json => "json",
    Format::Geojson => "geojson",
    Format::Csv => "csv",
});

/// The formats of a ranking as a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = CommunityExportFormat)]
pub enum FileFormat {
    /// CSV with HXL hashtags.
    Csv,
    /// A FeatureCollection.
    Geojson,
}

impl FileFormat {
    /// The format of a file extension.
    pub fn from_extension(extension: &str) -> Option<Self> {
        match extension {
            "csv" => Some(Self::Csv),
            "geojson" => Some(Self::Geojson),
            _ => None,
        }
    }
}

/// Communities ranked by incidents, as the counts endpoint answers in JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RankingDocument {
    /// The communities, most incidents first.
    pub communities: Vec<CommunityEntry>,
    /// The filter's first day.
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<chrono::NaiveDate>,
    /// The filter's last day.
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<chrono::NaiveDate>,
    /// Communities with incidents for the filter.
    pub total_communities: usize,
    /// Incidents for the filter.
    pub total_incidents: u64,
}

/// A ranking: its first entries, and how many communities it has in all.
pub struct Ranking {
    /// The entries asked for.
    pub entries: Vec<CommunityEntry>,
    /// Communities with incidents for the filter.
    pub communities: usize,
}

/// The first `limit` communities ranked by the incidents of `rows` (which `filter`
/// selected), compared with the period before, as `viewer` may see them.
pub fn ranking(
    (snapshot, places, viewer): (&Snapshot, &Gazetteer, Viewer<'_>),
    filter: &Filter,
    rows: &[RowId],
    limit: usize,
) -> Ranking {
    let previous_filter = previous_period(filter);
    let previous = previous_filter
        .as_ref()
        .map(|filter| snapshot.select(filter));
    let ranking = snapshot.community_counts(rows, previous.as_deref());
    // What an anonymous reader may not see (see `privacy`): withheld communities lose
    // their counts and their rank, and follow the others in the order of their ids, so
    // that neither a tie nor a place in the order says how many they had.
    let withheld = viewer
        .withheld(snapshot, filter, previous_filter.as_ref())
        .with_complement(&ranking);
    let (mut shown, mut hidden): (Vec<_>, Vec<_>) = ranking
        .iter()
        .partition(|c| !withheld.now.contains(&c.community));
    let key = |c: &&CommunityCount| &snapshot.communities()[c.community as usize].key;
    hidden.sort_by(|a, b| key(a).cmp(key(b)));
    shown.append(&mut hidden);
    let entries = shown
        .into_iter()
        .take(limit)
        .map(|c| {
            let mut entry = CommunityEntry::new(snapshot, places, c);
            if withheld.now.contains(&c.community) {
                entry.withhold();
            } else if withheld.before.contains(&c.community) {
                entry.previous_count = None;
                entry.change = None;
            }
            entry
        })
        .collect();
    Ranking {
        entries,
        communities: ranking.len(),
    }
}

/// The period of the same length just before `filter`'s, when it has both ends.
pub fn previous_period(filter: &Filter) -> Option<Filter> {
    let (from, to) = (filter.from?, filter.to?);
    let days = (to - from).num_days() + 1;
    let mut previous = filter.clone();
    previous.to = Some(from - Duration::days(1));
    previous.from = Some(from - Duration::days(days));
    Some(previous)
}

/// A ranking as a GeoJSON FeatureCollection of community points (none for a name that
/// has no point).
pub fn ranking_geojson(entries: &[CommunityEntry]) -> String {
    let features: Vec<serde_json::Value> = entries
        .iter()
        .map(|entry| {
            let geometry = match (entry.lon, entry.lat) {
                (Some(lon), Some(lat)) => {
                    serde_json::json!({ "type": "Point", "coordinates": [lon, lat] })
                }
                _ => serde_json::Value::Null,
            };
            serde_json::json!({ "type": "Feature", "id": entry.community_id, "geometry": geometry, "properties": entry })
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features }).to_string()
}

/// The columns of a ranking in CSV, with their HXL hashtags.
const RANKING_COLUMNS: [(&str, &str); 12] = [
    ("rank", "#meta+rank"),
    ("community_id", "#loc+id"),
    ("pcode", "#loc+code"),
    ("name_ar", "#loc+name+i_ar"),
    ("name_en", "#loc+name+i_en"),
    ("count", "#event+num"),
    ("killed", "#affected+killed"),
    ("injured", "#affected+injured"),
    ("lon", "#geo+lon"),
    ("lat", "#geo+lat"),
    ("previous_count", "#event+num+previous"),
    ("change", "#event+num+change"),
];

/// A ranking as CSV, with a row of HXL hashtags under the header when `hxl` is set.
pub fn ranking_csv(entries: &[CommunityEntry], hxl: bool) -> Result<String, csv::Error> {
    fn cell<T: ToString>(value: Option<T>) -> String {
        value.map_or_else(String::new, |value| value.to_string())
    }
    let text = |value: Option<&str>| {
        value.map_or_else(String::new, |text| {
            crate::export::neutralised(text).into_owned()
        })
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(RANKING_COLUMNS.map(|(name, _)| name))?;
    if hxl {
        writer.write_record(RANKING_COLUMNS.map(|(_, tag)| tag))?;
    }
    for entry in entries {
        writer.write_record([
            cell(entry.rank),
            text(Some(&entry.community_id)),
            text(entry.pcode.as_deref()),
            text(entry.name_ar.as_deref()),
            text(entry.name_en.as_deref()),
            cell(entry.count),
            cell(entry.killed),
            cell(entry.injured),
            entry.lon.map_or_else(String::new, json_number),
            entry.lat.map_or_else(String::new, json_number),
            cell(entry.previous_count),
            cell(entry.change),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .map_err(csv::IntoInnerError::into_error)?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

/// A number as JSON writes it (the CSV's cells have always been the JSON values').
fn json_number(value: f64) -> String {
    serde_json::json!(value).to_string()
}
