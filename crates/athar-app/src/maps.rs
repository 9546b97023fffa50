//! Static maps of incidents: what a map shows (its symbols, area, context, places,
//! title, period and legend) for a filter, in either language, as the renderer of
//! `athar-maps` takes it.

use std::collections::BTreeMap;

use athar_core::{Filter, VocabularyName};
use athar_gazetteer::admin1_identity;
use athar_index::Snapshot;
use athar_maps::{
    BoundingBox, Category, Governorate, IncidentLayer, IncidentPoint, Language, LocalizedName,
    LonLat, MapSpec, PixelRatio, PlaceClass, PlaceLabel, Polygon, ProportionalCircle,
    ProportionalLayer, Symbols,
};
use athar_tile_sources::basemap::basemap;
use athar_tiles::mercator_to_lon_lat;

use crate::counts::ranking;
use crate::privacy::Viewer;

/// The area shown when neither the filters nor the data say: north-west Syria.
const NORTH_WEST_SYRIA: BoundingBox = BoundingBox::new(35.7, 35.3, 37.6, 36.75);

/// The map's own words in each language.
struct Words {
    incidents: &'static str,
    per_community: &'static str,
    no_dates: &'static str,
    attribution: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::Arabic => Words {
            incidents: "الحوادث",
            per_community: "الحوادث حسب التجمع",
            no_dates: "كل التواريخ",
            attribution: "البيانات: أثر؛ الحدود: Natural Earth؛ الأماكن: OCHA (CC BY 3.0 IGO)، GeoNames (CC BY 4.0)",
        },
        Language::English => Words {
            incidents: "Incidents",
            per_community: "Incidents per community",
            no_dates: "All dates",
            attribution: "Data: Athar; boundaries: Natural Earth; places: OCHA (CC BY 3.0 IGO), GeoNames (CC BY 4.0)",
        },
    }
}

/// The period of the filters, or else of the incidents shown.
fn period(
    filter: &Filter,
    shown: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    language: Language,
) -> String {
    let (from, to) = match (filter.from, filter.to) {
        (None, None) => match shown {
            Some(extent) => (Some(extent.0), Some(extent.1)),
            None => return words(language).no_dates.to_owned(),
        },
        ends => ends,
    };
    let day =
        |date: Option<chrono::NaiveDate>| date.map_or_else(|| "…".to_owned(), |d| d.to_string());
    match language {
        Language::Arabic => format!("من {} إلى {}", day(from), day(to)),
        Language::English => format!("{} to {}", day(from), day(to)),
    }
}

/// The country outline and the governorates, as the renderer takes them.
fn context() -> (Vec<Polygon>, Vec<Governorate>) {
    let mut country = Vec::new();
    let mut governorates: BTreeMap<String, Governorate> = BTreeMap::new();
    for boundary in &basemap().boundaries {
        let ring: Vec<LonLat> = boundary
            .points
            .iter()
            .map(|point| {
                let [lon, lat] = mercator_to_lon_lat(*point);
                LonLat::new(lon, lat)
            })
            .collect();
        let polygon = Polygon { rings: vec![ring] };
        if boundary.kind == "country" {
            country.push(polygon);
        } else {
            governorates
                .entry(boundary.name_en.clone())
                .or_insert_with(|| Governorate {
                    name: LocalizedName::new(
                        boundary.name_en.clone(),
                        boundary.name_ar.unwrap_or_default(),
                    ),
                    polygons: Vec::new(),
                })
                .polygons
                .push(polygon);
        }
    }
    (country, governorates.into_values().collect())
}

/// The bounds of the governorate `admin1` names, if it is one.
pub fn governorate_bounds(admin1: &str) -> Option<BoundingBox> {
    let wanted = admin1_identity(admin1);
    let mut bounds: Option<BoundingBox> = None;
    for boundary in basemap()
        .boundaries
        .iter()
        .filter(|b| b.kind == "governorate" && admin1_identity(&b.name_en) == wanted)
    {
        let [west, south] = mercator_to_lon_lat([boundary.bounds.min_x, boundary.bounds.min_y]);
        let [east, north] = mercator_to_lon_lat([boundary.bounds.max_x, boundary.bounds.max_y]);
        bounds = Some(match bounds {
            None => BoundingBox::new(west, south, east, north),
            Some(b) => BoundingBox::new(
                b.west.min(west),
                b.south.min(south),
                b.east.max(east),
                b.north.max(north),
            ),
        });
    }
    bounds
}

/// The extent of `points`, grown by a tenth on each side (and to at least 0.1°).
fn extent_of(points: impl Iterator<Item = (f64, f64)>) -> Option<BoundingBox> {
    let mut extent: Option<BoundingBox> = None;
    for (lon, lat) in points {
        extent = Some(match extent {
            None => BoundingBox::new(lon, lat, lon, lat),
            Some(b) => BoundingBox::new(
                b.west.min(lon),
                b.south.min(lat),
                b.east.max(lon),
                b.north.max(lat),
            ),
        });
    }
    extent.map(|b| {
        let pad_x = ((b.east - b.west) * 0.1).max(0.05);
        let pad_y = ((b.north - b.south) * 0.1).max(0.05);
        BoundingBox::new(
            b.west - pad_x,
            b.south - pad_y,
            b.east + pad_x,
            b.north + pad_y,
        )
    })
}

/// Bundled places inside `bbox` that may be named, cities first.
fn places_in(bbox: BoundingBox) -> Vec<PlaceLabel> {
    basemap()
        .places
        .iter()
        .enumerate()
        .filter_map(|(rank, place)| {
            let [lon, lat] = mercator_to_lon_lat(place.point);
            let inside =
                (bbox.west..=bbox.east).contains(&lon) && (bbox.south..=bbox.north).contains(&lat);
            inside.then(|| PlaceLabel {
                name: LocalizedName::new(
                    place.name_en.clone().unwrap_or_default(),
                    place.name_ar.clone().unwrap_or_default(),
                ),
                position: LonLat::new(lon, lat),
                rank: rank as u32,
                class: match place.kind {
                    "city" => PlaceClass::City,
                    "town" => PlaceClass::Town,
                    _ => PlaceClass::Village,
                },
            })
        })
        .collect()
}

/// What a static map draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MapView {
    /// One symbol per incident, by kind.
    Points,
    /// Proportional circles, one per community.
    Communities,
}

crate::params::named!(MapView {
    MapView::Points => "points",
    MapView::Communities => "communities",
});

/// What a static map shows: its filter, view, size, language and title.
pub struct MapRequest<'a> {
    /// The incidents it shows.
    pub filter: &'a Filter,
    /// What it draws.
    pub view: MapView,
    /// Width and height in CSS pixels.
    pub size: (u32, u32),
    /// Pixels per CSS pixel.
    pub scale: PixelRatio,
    /// Its language.
    pub language: Language,
    /// Its title (else "Incidents" in its language).
    pub title: Option<&'a str>,
}

/// The map of a request, as `viewer` may see it, without its context layers' data checks
/// (the renderer checks).
pub fn spec(
    (snapshot, places, viewer): (&Snapshot, &athar_gazetteer::Gazetteer, Viewer<'_>),
    request: &MapRequest<'_>,
) -> MapSpec {
    let (filter, language) = (request.filter, request.language);
    let rows = snapshot.select(filter);
    let words = words(language);
    let mut dates: Option<(chrono::NaiveDate, chrono::NaiveDate)> = None;
    let symbols = if request.view == MapView::Points {
        let vocabularies = snapshot.vocabularies();
        let categories = vocabularies
            .terms_of(VocabularyName::Kind)
            .map(|term| {
                Category::with_style_colour(
                    term.slug.as_str(),
                    LocalizedName::new(term.label_en.clone(), term.label_ar.clone()),
                )
            })
            .collect();
        let incidents = rows
            .iter()
            .filter_map(|row| {
                let fields = snapshot.tile_fields(*row);
                let day = fields.occurred_on;
                dates = Some(dates.map_or((day, day), |(a, b)| (a.min(day), b.max(day))));
                // The snapshot is the reader's view: its points are those they may see.
                let (lon, lat) = fields.lon_lat?;
                Some(IncidentPoint {
                    position: LonLat::new(lon, lat),
                    category: fields.kind.as_str().to_owned(),
                })
            })
            .collect();
        Symbols::Incidents(IncidentLayer {
            categories,
            incidents,
        })
    } else {
        for row in &rows {
            let day = snapshot.tile_fields(*row).occurred_on;
            dates = Some(dates.map_or((day, day), |(a, b)| (a.min(day), b.max(day))));
        }
        let ranked = ranking((snapshot, places, viewer), filter, &rows, usize::MAX);
        let circles = ranked
            .entries
            .iter()
            .filter_map(|entry| {
                Some(ProportionalCircle {
                    position: LonLat::new(entry.lon?, entry.lat?),
                    count: u32::try_from(entry.count?).ok()?,
                    label: LocalizedName::new(
                        entry.name_en.as_deref().unwrap_or_default(),
                        entry.name_ar.as_deref().unwrap_or_default(),
                    ),
                })
            })
            .collect();
        Symbols::Proportional(ProportionalLayer {
            circles,
            ..ProportionalLayer::default()
        })
    };
    let bbox = if let Some(b) = filter.bbox {
        b
    } else if let Some(bounds) = filter.admin1.as_deref().and_then(governorate_bounds) {
        bounds
    } else {
        let points: Vec<(f64, f64)> = match &symbols {
            Symbols::Incidents(layer) => layer
                .incidents
                .iter()
                .map(|p| (p.position.lon, p.position.lat))
                .collect(),
            Symbols::Proportional(layer) => layer
                .circles
                .iter()
                .map(|c| (c.position.lon, c.position.lat))
                .collect(),
            Symbols::None => Vec::new(),
        };
        extent_of(points.into_iter()).unwrap_or(NORTH_WEST_SYRIA)
    };
    let (country, governorates) = context();
    MapSpec {
        width: request.size.0,
        height: request.size.1,
        scale: request.scale,
        language,
        title: request
            .title
            .map_or_else(|| words.incidents.to_owned(), str::to_owned),
        subtitle: period(filter, dates, language),
        legend_title: if request.view == MapView::Points {
            words.incidents
        } else {
            words.per_community
        }
        .to_owned(),
        attribution: words.attribution.to_owned(),
        country,
        governorates,
        places: places_in(bbox),
        symbols,
        ..MapSpec::new(bbox)
    }
}
