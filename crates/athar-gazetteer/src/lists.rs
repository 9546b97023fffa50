//! Community lists: the bundled GeoNames gazetteer, and lists in the layout organisations
//! hold (OCHA's Syria "populated places" columns, or plain ones).

use std::io::Read;

use crate::name::cross_script_key;
use crate::{AdminArea, Community, CommunityKind, CommunityStatus, community_key};

/// The bundled gazetteer: every populated place of Syria in GeoNames with 500 people or
/// more (CC BY 4.0; see `data/README.md`).
const BUNDLED: &str =
    include_str!("../../../data/gazetteer/syria_all_gazetteer_geonames_cities500.csv");

/// The bundled reference list: OCHA's Syria community list, with p-codes (CC BY 3.0 IGO;
/// see `data/README.md`).
const BUNDLED_OCHA: &str = include_str!("../../../data/gazetteer/syria_communities_ocha.csv");

/// What GeoNames-derived data must carry wherever it is shown.
pub const GEONAMES_ATTRIBUTION: &str =
    "Contains data from GeoNames (www.geonames.org), licensed CC BY 4.0; modified.";

/// What the OCHA community list must carry wherever it is used.
pub const OCHA_ATTRIBUTION: &str = "Community names and p-codes: OCHA (CC BY 3.0 IGO)";

/// Both, as one line: the bundled gazetteer's attribution wherever places are shown.
pub const GAZETTEER_ATTRIBUTION: &str = "Community names and p-codes: OCHA (CC BY 3.0 IGO). Contains data from GeoNames (www.geonames.org), licensed CC BY 4.0; modified.";

/// A row of a community list that could not be taken, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedRow {
    /// Spreadsheet row number: the header is row 1.
    pub row: u64,
    /// The column at fault.
    pub field: String,
    /// What was wrong.
    pub message: String,
}

/// What reading a community list found.
#[derive(Debug, Default)]
pub struct ListReport {
    /// The communities of the good rows, in file order.
    pub communities: Vec<Community>,
    /// The rows left out.
    pub rejected: Vec<RejectedRow>,
}

/// A list that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// Not CSV, or not UTF-8.
    #[error("row {row}: {message}")]
    Unreadable {
        /// Where reading stopped.
        row: u64,
        /// The reader's complaint.
        message: String,
    },
    /// No column names a place.
    #[error("no name column: expected one of {expected}")]
    NoNameColumn {
        /// The recognised column names.
        expected: String,
    },
}

/// The columns a list may hold, each with the header names recognised for it (compared
/// without case, spaces, hyphens or underscores).
const COLUMNS: [(&str, &[&str]); 15] = [
    (
        "pcode",
        &[
            "admin4pcode",
            "pcode",
            "communitypcode",
            "locationpcode",
            "code",
        ],
    ),
    (
        "name_ar",
        &["admin4namear", "namear", "arabicname", "arabic", "name_ar"],
    ),
    (
        "name_en",
        &["admin4nameen", "nameen", "englishname", "english", "name"],
    ),
    ("latitude", &["latitude", "lat", "y"]),
    ("longitude", &["longitude", "lon", "long", "lng", "x"]),
    (
        "admin1",
        &["admin1nameen", "admin1name", "admin1", "governorate"],
    ),
    ("admin1_pcode", &["admin1pcode", "admin1code"]),
    (
        "admin2",
        &["admin2nameen", "admin2name", "admin2", "district"],
    ),
    ("admin2_pcode", &["admin2pcode", "admin2code"]),
    (
        "admin3",
        &["admin3nameen", "admin3name", "admin3", "subdistrict"],
    ),
    ("admin3_pcode", &["admin3pcode", "admin3code"]),
    ("kind", &["kind", "placekind", "type", "placetype"]),
    (
        "alternate_names",
        &["alternatenames", "altnames", "aliases", "alternates"],
    ),
    ("alternate_names_ar", &["altnamesar", "alternatenamesar"]),
    ("alternate_names_en", &["altnamesen", "alternatenamesen"]),
];

fn header_key(header: &str) -> String {
    header
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads a community list: CSV with a header row, comma or semicolon separated.
///
/// # Errors
/// When the file is not CSV or names no name column; bad rows are reported in
/// [`ListReport::rejected`] and the others kept.
pub fn read_community_list(mut reader: impl Read) -> Result<ListReport, ListError> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| ListError::Unreadable {
            row: 1,
            message: e.to_string(),
        })?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = csv.headers().map_err(|e| ListError::Unreadable {
        row: 1,
        message: e.to_string(),
    })?;
    let keys: Vec<String> = headers.iter().map(header_key).collect();
    let position = |column: &str| -> Option<usize> {
        let names = COLUMNS.iter().find(|(name, _)| *name == column)?.1;
        // The first recognised name wins: "admin4Name_en" before a plain "name".
        names
            .iter()
            .find_map(|name| keys.iter().position(|key| key == &header_key(name)))
    };
    let columns: Vec<(&str, Option<usize>)> = COLUMNS
        .iter()
        .map(|(name, _)| (*name, position(name)))
        .collect();
    let at = |column: &str| {
        columns
            .iter()
            .find(|(name, _)| *name == column)
            .and_then(|c| c.1)
    };
    if at("name_ar").is_none() && at("name_en").is_none() {
        return Err(ListError::NoNameColumn {
            expected: "admin4Name_ar, admin4Name_en, name_ar, name_en, name".into(),
        });
    }
    let mut report = ListReport::default();
    for (index, record) in csv.records().enumerate() {
        let row = index as u64 + 2;
        let record = record.map_err(|e| ListError::Unreadable {
            row,
            message: e.to_string(),
        })?;
        let get = |column: &str| {
            at(column)
                .and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        match community_of_row(&get) {
            Ok(community) => report.communities.push(community),
            Err((field, message)) => report.rejected.push(RejectedRow {
                row,
                field: field.to_owned(),
                message,
            }),
        }
    }
    Ok(report)
}

fn community_of_row(
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Community, (&'static str, String)> {
    let name_ar = get("name_ar");
    let name_en = get("name_en");
    let key = name_ar
        .as_deref()
        .or(name_en.as_deref())
        .map(community_key)
        .filter(|k| !k.is_empty())
        .ok_or((
            "name_ar",
            "the row names no place (no Arabic or English name)".to_owned(),
        ))?;
    let coordinate =
        |field: &'static str, range: f64| -> Result<Option<f64>, (&'static str, String)> {
            get(field)
                .map(|value| {
                    value
                        .replace(',', ".")
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && v.abs() <= range)
                        .ok_or((
                            field,
                            format!("'{value}' is not a {field} in [-{range}, {range}]"),
                        ))
                })
                .transpose()
        };
    let lat = coordinate("latitude", 90.0)?;
    let lon = coordinate("longitude", 180.0)?;
    let lon_lat = match (lon, lat) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        (None, None) => None,
        (Some(_), None) => return Err(("latitude", "is missing while longitude is given".into())),
        (None, Some(_)) => return Err(("longitude", "is missing while latitude is given".into())),
    };
    let kind = match get("kind") {
        None if name_ar.as_deref().and_then(crate::kind_hint) == Some(CommunityKind::Camp) => {
            CommunityKind::Camp
        }
        None => CommunityKind::Village,
        Some(value) => CommunityKind::parse(&value).ok_or((
            "kind",
            format!("'{value}' is not a kind (allowed: city, town, village, camp, neighbourhood)"),
        ))?,
    };
    let pcode = get("pcode");
    if let Some(code) = &pcode
        && !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err((
            "pcode",
            format!("'{code}' is not a p-code (letters, digits, - and _)"),
        ));
    }
    let admin = |name: &str, code: &str| AdminArea {
        name: get(name),
        pcode: get(code),
    };
    let admin1 = admin("admin1", "admin1_pcode");
    let alternate_names = [
        "alternate_names",
        "alternate_names_ar",
        "alternate_names_en",
    ]
    .into_iter()
    .filter_map(get)
    .flat_map(|names| {
        names
            .split(['|', ';'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    })
    .collect();
    let id = pcode.clone().unwrap_or_else(|| {
        let area = admin1
            .pcode
            .clone()
            .or_else(|| admin1.name.as_deref().map(community_key))
            .unwrap_or_default();
        format!("list:{area}:{key}")
    });
    Ok(Community {
        id,
        pcode,
        name_ar,
        name_en,
        alternate_names,
        kind,
        status: CommunityStatus::Reference,
        lon_lat,
        admin1,
        admin2: admin("admin2", "admin2_pcode"),
        admin3: admin("admin3", "admin3_pcode"),
    })
}

/// One row of a list in a fixed layout ([`read_layout`]).
struct LayoutRow<'a> {
    row: u64,
    record: &'a csv::StringRecord,
    columns: &'a [&'a str],
    positions: &'a [Option<usize>],
}

impl LayoutRow<'_> {
    /// The trimmed value of the layout's `i`th column, when there is one.
    fn get(&self, i: usize) -> Option<String> {
        self.positions[i]
            .and_then(|c| self.record.get(c))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The layout's `i`th column as a number.
    fn number(&self, i: usize) -> Result<f64, ListError> {
        self.get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| self.unreadable(self.columns[i]))
    }

    fn unreadable(&self, what: &str) -> ListError {
        ListError::Unreadable {
            row: self.row,
            message: format!("no valid {what}"),
        }
    }
}

/// Reads a CSV list whose columns are named `columns` (in any order), one community a
/// row; `each` makes it, or says why the row cannot be read.
fn read_layout(
    text: &str,
    columns: &[&str],
    mut each: impl FnMut(&LayoutRow<'_>) -> Result<Community, ListError>,
) -> Result<Vec<Community>, ListError> {
    let mut csv = csv::Reader::from_reader(text.as_bytes());
    let headers = csv.headers().map_err(|e| ListError::Unreadable {
        row: 1,
        message: e.to_string(),
    })?;
    let positions: Vec<Option<usize>> = columns
        .iter()
        .map(|name| headers.iter().position(|h| h == *name))
        .collect();
    let mut communities = Vec::new();
    for (index, record) in csv.records().enumerate() {
        let row = index as u64 + 2;
        let record = record.map_err(|e| ListError::Unreadable {
            row,
            message: e.to_string(),
        })?;
        communities.push(each(&LayoutRow {
            row,
            record: &record,
            columns,
            positions: &positions,
        })?);
    }
    Ok(communities)
}

/// Whether a name is written in Arabic letters alone (with their marks, digits, spaces,
/// hyphens and apostrophes): not Latin, and not the letters Persian, Urdu or Kurdish add (پ چ ژ
/// گ ک ی ہ ە…), which an Arabic reader does not write.
pub fn is_arabic_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty()
        && name.chars().any(|c| ('\u{0621}'..='\u{064A}').contains(&c))
        && name.chars().all(|c| {
            matches!(c,
                '\u{0621}'..='\u{063A}' | '\u{0640}'..='\u{065F}' | '\u{0660}'..='\u{0669}'
                | '\u{0670}' | '\u{0671}' | '0'..='9' | ' ' | '-' | '\'' | '\u{2019}')
        })
}

/// Reads a gazetteer in the bundled GeoNames layout (`geonameid`, `name`, `asciiname`,
/// `name_ar`, `alt_names_ar`, `alt_names_latin`, `lat`, `lon`, `population`,
/// `feature_code`, `admin1_name`, `admin1_ocha_pcode`, `admin2_name`).
///
/// # Errors
/// When the text is not CSV of that layout.
pub fn read_geonames(text: &str) -> Result<Vec<Community>, ListError> {
    const COLUMNS: [&str; 13] = [
        "geonameid",
        "name",
        "asciiname",
        "name_ar",
        "alt_names_ar",
        "alt_names_latin",
        "lat",
        "lon",
        "population",
        "feature_code",
        "admin1_name",
        "admin1_ocha_pcode",
        "admin2_name",
    ];
    read_layout(text, &COLUMNS, |record| {
        let get = |i: usize| record.get(i);
        let id = get(0).ok_or_else(|| record.unreadable("geonameid"))?;
        let (lat, lon) = (record.number(6)?, record.number(7)?);
        let population: u64 = get(8).and_then(|v| v.parse().ok()).unwrap_or(0);
        let kind = match get(9).as_deref() {
            Some("PPLC" | "PPLA") => CommunityKind::City,
            Some("PPLA2") if population >= 50_000 => CommunityKind::City,
            Some("PPLA2") => CommunityKind::Town,
            _ if population >= 10_000 => CommunityKind::Town,
            _ => CommunityKind::Village,
        };
        // GeoNames' Arabic column sometimes holds another language's spelling in Arabic
        // script, or a transliteration (Latakia's `ladhqyہ`): the first name written in
        // Arabic letters alone, of the column and then the alternates, is the Arabic name.
        let name_ar = get(3)
            .into_iter()
            .chain(
                get(4)
                    .into_iter()
                    .flat_map(|names| names.split('|').map(str::to_owned).collect::<Vec<_>>()),
            )
            .find(|name| is_arabic_name(name));
        let name_en = get(1);
        let mut alternate_names: Vec<String> = [get(2), get(4), get(5)]
            .into_iter()
            .flatten()
            .flat_map(|names| names.split('|').map(str::to_owned).collect::<Vec<_>>())
            .filter(|n| !n.trim().is_empty())
            .filter(|n| Some(n) != name_ar.as_ref() && Some(n) != name_en.as_ref())
            .collect();
        alternate_names.dedup();
        Ok(Community {
            id: format!("geonames:{id}"),
            pcode: None,
            name_ar,
            name_en,
            alternate_names,
            kind,
            status: CommunityStatus::Reference,
            lon_lat: Some((lon, lat)),
            admin1: AdminArea {
                name: get(10),
                pcode: get(11),
            },
            admin2: AdminArea {
                name: get(12),
                pcode: None,
            },
            admin3: AdminArea::default(),
        })
    })
}

/// Reads OCHA's Syria community list in the bundled layout (`pcode`, `name_en`,
/// `name_ar`, `admin1_pcode`, `admin1_en`, `admin2_pcode`, `admin2_en`, `admin3_pcode`,
/// `admin3_en`, `lat`, `lon`).
///
/// OCHA writes two names of one place in one field (`Abin - Efrin`, `الصياح_صياح ظاهرية`,
/// `Rabwa / Harbuq`): the first is the place's name and the others its alternate names.
/// It also tells homonyms apart by the area they lie in (`Qanater (Atareb)`,
/// `Hadath - Al Bab`): a part in brackets, or one that names the row's governorate,
/// district or sub-district, is where the place is, not a name of it, and is left out
/// (with the Arabic part in the same position).
///
/// # Errors
/// When the text is not CSV of that layout, or a row has no p-code, name or point.
pub fn read_ocha(text: &str) -> Result<Vec<Community>, ListError> {
    const COLUMNS: [&str; 11] = [
        "pcode",
        "name_en",
        "name_ar",
        "admin1_pcode",
        "admin1_en",
        "admin2_pcode",
        "admin2_en",
        "admin3_pcode",
        "admin3_en",
        "lat",
        "lon",
    ];
    read_layout(text, &COLUMNS, |record| {
        let get = |i: usize| record.get(i);
        let pcode = get(0).ok_or_else(|| record.unreadable("pcode"))?;
        let (lat, lon) = (record.number(9)?, record.number(10)?);
        let admin = |name: usize, code: usize| AdminArea {
            name: get(name),
            pcode: get(code),
        };
        let (admin1, admin2, admin3) = (admin(4, 3), admin(6, 5), admin(8, 7));
        let areas: Vec<String> = [&admin1, &admin2, &admin3]
            .iter()
            .filter_map(|area| area.name.as_deref())
            .map(community_key)
            .collect();
        let (english, dropped) = ocha_names(get(1).as_deref().unwrap_or_default(), &areas);
        let (arabic, _) = ocha_names(get(2).as_deref().unwrap_or_default(), &[]);
        // An Arabic part in the position of a dropped English one names the area too.
        let arabic: Vec<String> = if arabic.len() == english.len() + dropped.len() {
            arabic
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !dropped.contains(i))
                .map(|(_, name)| name)
                .collect()
        } else {
            arabic
        };
        let mut names = arabic.iter().skip(1).chain(english.iter().skip(1));
        let mut alternate_names: Vec<String> = Vec::new();
        for name in names.by_ref() {
            if !alternate_names.contains(name) {
                alternate_names.push(name.clone());
            }
        }
        if arabic.is_empty() && english.is_empty() {
            return Err(record.unreadable("name"));
        }
        let name_ar = arabic.into_iter().next();
        let kind = match name_ar.as_deref().and_then(crate::kind_hint) {
            Some(CommunityKind::Camp) => CommunityKind::Camp,
            _ => CommunityKind::Village,
        };
        Ok(Community {
            id: pcode.clone(),
            pcode: Some(pcode),
            name_ar,
            name_en: english.into_iter().next(),
            alternate_names,
            kind,
            status: CommunityStatus::Reference,
            lon_lat: Some((lon, lat)),
            admin1,
            admin2,
            admin3,
        })
    })
}

/// The names OCHA wrote in one field, and the positions of the parts left out as the
/// place's area (see [`read_ocha`]).
fn ocha_names(field: &str, areas: &[String]) -> (Vec<String>, Vec<usize>) {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut rest = field;
    // A part in brackets says where; the others are names, split on ` - `, `/` and `_`.
    while !rest.is_empty() {
        let (outside, bracketed, after) = match rest.find('(') {
            Some(open) => {
                let close = rest[open..].find(')').map_or(rest.len(), |c| open + c);
                (
                    &rest[..open],
                    Some(&rest[open + 1..close]),
                    rest.get(close + 1..).unwrap_or_default(),
                )
            }
            None => (rest, None, ""),
        };
        for part in outside.split(" - ").flat_map(|p| p.split(['/', '_'])) {
            let part = part.trim().trim_matches('-').trim();
            if !part.is_empty() {
                parts.push((part.to_owned(), false));
            }
        }
        if let Some(bracketed) = bracketed.map(str::trim).filter(|b| !b.is_empty()) {
            parts.push((bracketed.to_owned(), true));
        }
        rest = after;
    }
    let mut names = Vec::new();
    let mut dropped = Vec::new();
    for (position, (part, bracketed)) in parts.iter().enumerate() {
        let is_area = *bracketed || (position > 0 && areas.contains(&community_key(part)));
        if is_area && !(names.is_empty() && position + 1 == parts.len()) {
            dropped.push(position);
        } else if !names.contains(part) {
            names.push(part.clone());
        }
    }
    (names, dropped)
}

/// The bundled gazetteer: OCHA's community list first, then each GeoNames place either
/// merged into the OCHA community it is (a name of one keys like a name of the other,
/// by [`community_key`] or [`cross_script_key`], within [`MERGE_KM`]) or kept as a place of
/// its own where OCHA lacks it. A merged place keeps OCHA's id, p-code, names and areas,
/// takes GeoNames' kind (city, town) and gains its names as alternate names; the
/// GeoNames id it had is kept as a former id ([`bundled_former_ids`]).
fn merge_bundled() -> BundledLists {
    let mut ocha = read_ocha(BUNDLED_OCHA).expect("the bundled OCHA list is valid");
    let geonames = read_geonames(BUNDLED).expect("the bundled gazetteer is valid");
    let keys_of = |community: &Community| -> Vec<String> {
        let mut keys = Vec::new();
        for name in community.names() {
            for written in crate::name::aliases(name) {
                keys.push(community_key(&written));
                let cross = cross_script_key(&written);
                if cross.len() >= 3 {
                    keys.push(format!("~{cross}"));
                }
            }
        }
        keys.retain(|k| !k.is_empty());
        keys.sort();
        keys.dedup();
        keys
    };
    let ocha_keys: Vec<Vec<String>> = ocha.iter().map(&keys_of).collect();
    let mut kept = Vec::new();
    let mut former = Vec::new();
    for place in geonames {
        let point = place.lon_lat.expect("GeoNames places have points");
        let keys = keys_of(&place);
        let nearest = ocha
            .iter()
            .enumerate()
            .filter_map(|(index, candidate)| {
                let other = candidate.lon_lat?;
                // A tenth of a degree is over 8 km at these latitudes.
                if (other.0 - point.0).abs() > 0.1 || (other.1 - point.1).abs() > 0.1 {
                    return None;
                }
                let distance = crate::distance_km(point, other);
                (distance <= MERGE_KM
                    && ocha_keys[index]
                        .iter()
                        .any(|key| keys.binary_search(key).is_ok()))
                .then_some((index, distance))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((index, _)) = nearest else {
            // A place whose name OCHA lists in the same governorate, farther away, is a
            // GeoNames duplicate at a wrong point (Qabbāsīn twice, once 40 km east), not a
            // place OCHA lacks: it is left out.
            let area = place.admin1.pcode.as_deref();
            let listed = ocha
                .iter()
                .zip(&ocha_keys)
                .any(|(candidate, candidate_keys)| {
                    area.is_some()
                        && candidate.admin1.pcode.as_deref() == area
                        && candidate_keys
                            .iter()
                            .any(|key| !key.starts_with('~') && keys.binary_search(key).is_ok())
                });
            if !listed {
                kept.push(place);
            }
            continue;
        };
        let target = &mut ocha[index];
        if matches!(target.kind, CommunityKind::Village)
            && matches!(place.kind, CommunityKind::City | CommunityKind::Town)
        {
            target.kind = place.kind;
        }
        let names: Vec<String> = place.names().map(str::to_owned).collect();
        for name in names {
            if !target.names().any(|existing| existing == name) {
                target.alternate_names.push(name);
            }
        }
        former.push((place.id, target.id.clone()));
    }
    ocha.extend(kept);
    (ocha, former)
}

/// How far (km) a GeoNames place may lie from the OCHA community it is merged into.
pub const MERGE_KM: f64 = 6.0;

/// The bundled places, and their former ids with the ids they now are.
type BundledLists = (Vec<Community>, Vec<(String, String)>);

fn bundled_lists() -> &'static BundledLists {
    static BUNDLED_COMMUNITIES: std::sync::OnceLock<BundledLists> = std::sync::OnceLock::new();
    BUNDLED_COMMUNITIES.get_or_init(merge_bundled)
}

/// The bundled gazetteer's communities (read once per process): OCHA's list with the
/// GeoNames places merged in or added (see `merge_bundled`).
pub fn bundled() -> Vec<Community> {
    bundled_lists().0.clone()
}

/// Whether a place is one of the bundled gazetteer's (by its id, or a GeoNames id), as a
/// reference place: its names are OCHA's or GeoNames' spellings, not a list an
/// organisation imported or a place a person confirmed.
pub fn is_bundled(community: &Community) -> bool {
    static IDS: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    community.status == CommunityStatus::Reference
        && (community.id.starts_with("geonames:")
            || IDS
                .get_or_init(|| bundled_lists().0.iter().map(|c| c.id.clone()).collect())
                .contains(&community.id))
}

/// The ids the bundled places had before OCHA's list was bundled (`geonames:<id>`), each
/// with the id of the place it now is: incidents and aliases stored under an old id still
/// find their place.
pub fn bundled_former_ids() -> &'static [(String, String)] {
    &bundled_lists().1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every place of the bundled gazetteers that has an Arabic name has one in Arabic
    /// letters: an Arabic map never shows a transliteration or another language's
    /// spelling (Latakia was `ladhqyہ`, Al-Hasakah `hەsychە`).
    #[test]
    fn arabic_names_are_written_in_arabic_letters() {
        assert!(is_arabic_name("اللاذقية") && is_arabic_name("جسر الشغور"));
        assert!(
            !is_arabic_name("ladhqyہ") && !is_arabic_name("لاذقیه") && !is_arabic_name("hەsychە")
        );
        assert!(!is_arabic_name("Idlib") && !is_arabic_name(""));
        let text =
            include_str!("../../../data/gazetteer/syria_all_gazetteer_geonames_cities500.csv");
        let all = read_geonames(text).unwrap();
        let merged = bundled();
        let wrong: Vec<_> = all
            .iter()
            .chain(merged.iter())
            .filter_map(|c| c.name_ar.as_deref())
            .filter(|name| !is_arabic_name(name))
            .collect();
        assert!(
            wrong.is_empty(),
            "{} names: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(20)]
        );
        let latakia = all.iter().find(|c| c.id == "geonames:173576").unwrap();
        assert_eq!(latakia.name_ar.as_deref(), Some("اللاذقية"));
        let hasakah = all.iter().find(|c| c.id == "geonames:173811").unwrap();
        assert_eq!(hasakah.name_ar.as_deref(), Some("الحسكة"));
    }

    #[test]
    fn the_bundled_gazetteer_holds_syrian_towns_in_both_scripts() {
        let communities = bundled();
        assert!(communities.len() > 300, "{}", communities.len());
        let saraqib = communities
            .iter()
            .find(|c| c.name_ar.as_deref() == Some("سراقب"))
            .expect("Saraqib");
        assert_eq!(saraqib.admin1.name.as_deref(), Some("Idlib"));
        assert!(saraqib.lon_lat.is_some());
        // OCHA's community, with GeoNames' kind and names merged in, and its GeoNames id
        // kept as a former id.
        assert_eq!(saraqib.id, "C3916");
        assert_eq!(saraqib.pcode.as_deref(), Some("C3916"));
        assert_eq!(saraqib.kind, CommunityKind::Town);
        assert!(saraqib.alternate_names.iter().any(|n| n == "Saraqib"));
        assert!(
            bundled_former_ids()
                .iter()
                .any(|(former, id)| former == "geonames:164816" && id == "C3916")
        );
        // Every OCHA community is there, and GeoNames adds only what OCHA lacks.
        let ocha = communities.iter().filter(|c| c.pcode.is_some()).count();
        assert_eq!(ocha, 5621);
        let added = communities.len() - ocha;
        assert!((1..=20).contains(&added), "{added}");
    }

    #[test]
    fn ocha_names_split_into_names_and_the_area_that_tells_homonyms_apart() {
        let areas = vec![community_key("Al Bab"), community_key("Atareb")];
        let names = |field: &str| ocha_names(field, &areas);
        assert_eq!(
            names("Abin - Efrin"),
            (vec!["Abin".into(), "Efrin".into()], vec![])
        );
        assert_eq!(names("Qanater (Atareb)"), (vec!["Qanater".into()], vec![1]));
        assert_eq!(names("Hadath - Al Bab"), (vec!["Hadath".into()], vec![1]));
        assert_eq!(
            names("Rabwa / Harbuq"),
            (vec!["Rabwa".into(), "Harbuq".into()], vec![])
        );
        assert_eq!(
            names("الصياح_صياح ظاهرية"),
            (vec!["الصياح".into(), "صياح ظاهرية".into()], vec![])
        );
        // A name that is only an area's name stays a name.
        assert_eq!(names("Al Bab"), (vec!["Al Bab".into()], vec![]));
        let list = "pcode,name_en,name_ar,admin1_pcode,admin1_en,admin2_pcode,admin2_en,admin3_pcode,admin3_en,lat,lon\n\
                    C1,Hadath - Al Bab,حدث,SY02,Aleppo,SY0202,Al Bab,SY020200,Al Bab,36.3,37.5\n\
                    C2,Sayah - Sayah Thahriyeh,الصياح_صياح ظاهرية,SY02,Aleppo,SY0202,Al Bab,SY020200,Al Bab,36.4,37.6\n";
        let read = read_ocha(list).unwrap();
        assert_eq!(read[0].name_en.as_deref(), Some("Hadath"));
        assert!(
            read[0].alternate_names.is_empty(),
            "{:?}",
            read[0].alternate_names
        );
        assert_eq!(read[1].name_ar.as_deref(), Some("الصياح"));
        assert_eq!(
            read[1].alternate_names,
            vec!["صياح ظاهرية", "Sayah Thahriyeh"]
        );
        assert_eq!(read[1].admin3.pcode.as_deref(), Some("SY020200"));
    }

    #[test]
    fn the_romanisation_of_every_ocha_arabic_name_keeps_its_cross_script_key() {
        let mut differ = Vec::new();
        for community in bundled().iter().filter(|c| c.pcode.is_some()) {
            let Some(arabic) = community.name_ar.as_deref() else {
                continue;
            };
            let latin = crate::romanise(arabic);
            assert!(latin.is_ascii(), "{arabic} → {latin}");
            // A name that is only a qualifier has no key to keep.
            if cross_script_key(arabic).is_empty() {
                continue;
            }
            if cross_script_key(&latin) != cross_script_key(arabic) {
                differ.push(format!("{arabic} → {latin}"));
            }
        }
        assert!(differ.is_empty(), "{differ:?}");
    }

    #[test]
    fn ocha_and_plain_column_names_are_both_recognised() {
        let ocha = "admin1Name_en,admin1Pcode,admin2Name_en,admin2Pcode,admin3Name_en,admin3Pcode,admin4Name_en,admin4Name_ar,admin4Pcode,latitude,longitude\n\
                    Idlib,SY07,Maarrat An Nu'man,SY0703,Kafr Nobol,SY070302,Fatira,فطيرة,C4150,35.6461,36.4806\n";
        let report = read_community_list(ocha.as_bytes()).unwrap();
        assert_eq!(report.rejected, vec![]);
        let fatira = &report.communities[0];
        assert_eq!(fatira.id, "C4150");
        assert_eq!(fatira.pcode.as_deref(), Some("C4150"));
        assert_eq!(fatira.name_ar.as_deref(), Some("فطيرة"));
        assert_eq!(fatira.name_en.as_deref(), Some("Fatira"));
        assert_eq!(fatira.lon_lat, Some((36.4806, 35.6461)));
        assert_eq!(fatira.admin1.pcode.as_deref(), Some("SY07"));
        assert_eq!(fatira.admin3.name.as_deref(), Some("Kafr Nobol"));

        let plain = "\u{feff}pcode;name_ar;name_en;lat;lon;admin1;kind;alt_names\n\
                     CP001;مخيم أطمة;Atmeh camp;36.3;36.59;Idlib;camp;Atma camp|مخيمات أطمة\n";
        let report = read_community_list(plain.as_bytes()).unwrap();
        let camp = &report.communities[0];
        assert_eq!(camp.kind, CommunityKind::Camp);
        assert_eq!(camp.admin1.name.as_deref(), Some("Idlib"));
        assert_eq!(camp.alternate_names, vec!["Atma camp", "مخيمات أطمة"]);
    }

    #[test]
    fn bad_rows_are_reported_by_row_and_column_and_the_rest_kept() {
        let list = "pcode,name_ar,name_en,lat,lon,kind\n\
                    C1,سرمين,Sarmin,35.9,36.7,village\n\
                    C2,,,35.9,36.7,village\n\
                    C3,بنش,Binnish,95,36.7,village\n\
                    C4,تفتناز,Taftanaz,35.99,,village\n\
                    C5,أريحا,Ariha,35.81,36.6,hamlet\n\
                    C 6,حزانو,Hazano,36.1,36.6,village\n";
        let report = read_community_list(list.as_bytes()).unwrap();
        assert_eq!(report.communities.len(), 1);
        let rejected: Vec<(u64, &str)> = report
            .rejected
            .iter()
            .map(|r| (r.row, r.field.as_str()))
            .collect();
        assert_eq!(
            rejected,
            vec![
                (3, "name_ar"),
                (4, "latitude"),
                (5, "longitude"),
                (6, "kind"),
                (7, "pcode")
            ]
        );
        assert!(report.rejected[1].message.contains("'95'"));
    }

    #[test]
    fn a_list_without_a_name_column_is_refused() {
        let error = read_community_list("pcode,lat,lon\nC1,1,2\n".as_bytes()).unwrap_err();
        assert!(matches!(error, ListError::NoNameColumn { .. }), "{error}");
    }
}
