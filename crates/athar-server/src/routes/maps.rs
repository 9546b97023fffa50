//! `GET /maps/static.{svg,png,pdf}`: a map of the filtered incidents rendered on the
//! server (by `athar-maps`), with the bundled context layers, a legend with counts, the
//! title and period, a scale bar, a north arrow and the sources, in Arabic or English.
//! The same filters as the widget and the tiles; the same parameters give the same bytes.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_core::{Filter, VocabularyName};
use athar_gazetteer::admin1_identity;
use athar_index::Snapshot;
use athar_maps::{
    BoundingBox, Category, Format, Governorate, IncidentLayer, IncidentPoint, Language,
    LocalizedName, LonLat, MapSpec, PixelRatio, PlaceClass, PlaceLabel, Polygon,
    ProportionalCircle, ProportionalLayer, Symbols,
};
use athar_tiles::mercator_to_lon_lat;

use crate::http::not_modified_tag;
use crate::query::Query;
use crate::{ApiError, AppState};
use athar_app::counts::ranking;
use athar_app::privacy::Viewer;
use athar_tile_sources::basemap::basemap;

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
            attribution: "البيانات: أثر؛ الحدود: Natural Earth؛ الأماكن: GeoNames (CC BY 4.0)",
        },
        Language::English => Words {
            incidents: "Incidents",
            per_community: "Incidents per community",
            no_dates: "All dates",
            attribution: "Data: Athar; boundaries: Natural Earth; places: GeoNames (CC BY 4.0)",
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
pub(crate) fn governorate_bounds(admin1: &str) -> Option<BoundingBox> {
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

/// The map of a request, without its context layers' data checks (the renderer checks).
fn spec(
    (snapshot, places, viewer): (&Snapshot, &athar_gazetteer::Gazetteer, Viewer<'_>),
    query: &Query,
    language: Language,
    points: bool,
) -> Result<MapSpec, ApiError> {
    let filter = &query.filter;
    let rows = snapshot.select(filter);
    let view = if points { "points" } else { "communities" };
    let words = words(language);
    let mut dates: Option<(chrono::NaiveDate, chrono::NaiveDate)> = None;
    let symbols = if view == "points" {
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
        BoundingBox::new(b.min_lon, b.min_lat, b.max_lon, b.max_lat)
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
    let (width, height, scale) = size(query)?;
    Ok(MapSpec {
        width,
        height,
        scale,
        language,
        title: query
            .get("title")
            .map_or_else(|| words.incidents.to_owned(), str::to_owned),
        subtitle: period(filter, dates, language),
        legend_title: if view == "points" {
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
    })
}

/// The most pixels a rendered map may have (2,000 × 2,000, or the default 1,200 × 800 at
/// scale 2): rendering a PNG took about 88 bytes a pixel at its peak (measured: 4,000 ×
/// 4,000 pixels took the server 1.6 GB above its resting memory, 2,000 × 2,000 350 MB),
/// and two renders may run at once. SVG and PDF are drawn as vectors and cost no pixels,
/// but are held to the same size.
const MAX_PIXELS: u64 = 4_000_000;

/// The longest title, in characters.
const MAX_TITLE: usize = 300;

/// The map's size in CSS pixels and its pixel ratio, checked before any work: within the
/// renderer's bounds, and within [`MAX_PIXELS`] device pixels.
fn size(query: &Query) -> Result<(u32, u32, PixelRatio), ApiError> {
    let width = query.number("width", 1200, 1, 100_000)?;
    let height = query.number("height", 800, 1, 100_000)?;
    let ratio = query.number("scale", 1, 1, 2)?;
    let scale = PixelRatio::try_from(ratio as u32).map_err(|e| map_error(&e))?;
    let pixels = (width * height * ratio * ratio) as u64;
    if pixels > MAX_PIXELS {
        return Err(ApiError::BadParameter {
            parameter: if ratio > 1 { "scale" } else { "height" }.into(),
            message: format!(
                "{width} × {height} at scale {ratio} is {pixels} pixels; at most {MAX_PIXELS} are drawn"
            ),
        });
    }
    if query
        .get("title")
        .is_some_and(|t| t.chars().count() > MAX_TITLE)
    {
        return Err(ApiError::BadParameter {
            parameter: "title".into(),
            message: format!("is longer than {MAX_TITLE} characters"),
        });
    }
    Ok((width as u32, height as u32, scale))
}

fn map_error(error: &athar_maps::MapError) -> ApiError {
    if error.is_internal() {
        ApiError::Internal(error.to_string())
    } else {
        ApiError::BadParameter {
            parameter: "map".into(),
            message: error.to_string(),
        }
    }
}

/// `GET /maps/static.{format}`.
#[utoipa::path(
    get,
    path = "/maps/static.{format}",
    tag = "Maps",
    params(
        ("format" = crate::openapi::StaticMapFormat, Path, description = "svg, png or pdf"),
        crate::openapi::FilterParams,
        ("lang" = Option<crate::openapi::Lang>, Query, description = "The map's language and direction (default en)"),
        ("title" = Option<String>, Query, description = "The title (default: Incidents)"),
        ("width" = Option<u32>, Query, minimum = 200, maximum = 4000, description = "Width in CSS pixels (default 1200)"),
        ("height" = Option<u32>, Query, minimum = 200, maximum = 4000, description = "Height in CSS pixels (default 800)"),
        ("scale" = Option<u32>, Query, minimum = 1, maximum = 2, description = "PNG pixels per CSS pixel, 2 for print (default 1)"),
        ("view" = Option<crate::openapi::MapView>, Query, description = "points (one symbol per incident, by kind) or communities (proportional circles)"),
    ),
    responses(
        (status = 200, description = "The map", content(
            (String = "image/svg+xml"),
            (String = "image/png"),
            (String = "application/pdf"),
        )),
        (status = 400, description = "A bad parameter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such format", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn static_map(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::from_extension(&path).ok_or_else(|| {
        ApiError::NotFound(format!(
            "there is no map format '{path}'; use svg, png or pdf"
        ))
    })?;
    let view = state.view(&request);
    let snapshot = &view.snapshot;
    let query = Query::parse(
        &request,
        snapshot.vocabularies(),
        &*state.resolver(),
        &["lang", "title", "width", "height", "scale", "view"],
    )?;
    let language: Language = query
        .choice("lang", &["en", "ar"], "en")?
        .parse()
        .map_err(|e| map_error(&e))?;
    // The query is part of the tag: the same URL on a newer snapshot is another map.
    let tag = format!(
        "W/\"v{}-{:016x}{}\"",
        snapshot.version(),
        xxhash_rust::xxh3::xxh3_64(request.query_string().as_bytes()),
        if view.viewer.is_public() { "-p" } else { "" }
    );
    if let Some(response) = not_modified_tag(&request, tag.clone()) {
        return Ok(response);
    }
    // Checked before the incidents are gathered.
    size(&query)?;
    let incidents = state.incidents_visible(&request);
    let points = query.choice(
        "view",
        &["points", "communities"],
        if incidents { "points" } else { "communities" },
    )? == "points";
    if points {
        state.require_incident_level(&request)?;
    }
    state.authorize_heavy_read(&request)?;
    let spec = spec(
        (snapshot, &view.places, view.viewer),
        &query,
        language,
        points,
    )?;
    // Rendering shares the limit of the other heavy computations.
    let bytes = state
        .compute_heavy(move || athar_maps::render(&spec, format))
        .await?
        .map_err(|e| map_error(&e))?;
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::VARY, "Authorization"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"athar-map.{}\"", format.extension()),
        ))
        .body(bytes))
}
