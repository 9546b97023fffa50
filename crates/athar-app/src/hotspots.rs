//! Hotspots: where incidents are concentrated beyond chance (Getis-Ord Gi*), over H3
//! hexagons or communities, as one map or as emerging-hotspot categories over consecutive
//! periods, ready to serve as GeoJSON and as vector tiles. The statistics are in
//! `athar-hotspots`; here the request's filters choose the incidents of the reader's view
//! of the snapshot, and units and weights are kept per area and neighbourhood.
//!
//! The study area is explicit: the `bbox` given, else the governorate of `admin1`, else
//! the extent of the matching incidents; units without incidents inside it count as zeros,
//! and the area is returned with the result.

use std::sync::Arc;

use athar_hotspots::{
    BoundingBox, Confidence, Counts, EmergingOptions, GiStarOptions, Interval, Periods,
    SpatialWeights, TrendSeries, Units, emerging_hotspots, gi_star,
};
use athar_index::Snapshot;
use athar_tile_sources::TileError;
use athar_tile_sources::mvt::{Feature, layer_builder};
use athar_tiles::{Tile, lon_lat_to_mercator};
use serde_json::{Value, json};

use crate::params::{ParamError, Parameters, Pick as _};
use crate::privacy::OwnedViewer;

/// A computed analysis: the units with their geometry and results, ready to serve.
pub struct Analysis {
    /// The GeoJSON answer, serialised once.
    pub body: String,
    /// What the analysis was made of, without its units: for a map's legend.
    pub outline: Outline,
    /// Each unit: its ring (hexagons) or point (communities) in Web Mercator, and the
    /// properties tiles carry.
    shapes: Vec<Shape>,
}

impl Analysis {
    /// About the memory it holds, in bytes (for the cache's bound).
    pub fn bytes(&self) -> usize {
        let summary = 256 + self.outline.periods.len() * 32 + self.outline.present.len() * 32;
        let shapes: usize = self
            .shapes
            .iter()
            .map(|(ring, tags)| ring.len() * 16 + tags.len() * 64 + 48)
            .sum();
        self.body.len() + summary + shapes
    }
}

/// What an analysis was made of, without its units: what a map's legend says of it.
#[derive(Debug, Clone)]
pub struct Outline {
    /// The study area: west, south, east, north.
    pub study_area: [f64; 4],
    /// The H3 resolution of hexagon units (none for communities).
    pub resolution: Option<u8>,
    /// The neighbourhood of each unit.
    pub neighbourhood: athar_hotspots::Neighbourhood,
    /// Whether classes are corrected for the False Discovery Rate.
    pub fdr: bool,
    /// The periods of a trend, first day and last day (none for one map).
    pub periods: Vec<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Whether a trend's periods are weeks (else months).
    pub weekly: bool,
    /// The categories of a trend that some unit has (none for one map).
    pub present: Vec<String>,
}

/// A unit's ring or point in Web Mercator, and the properties its tile feature carries.
type Shape = (Vec<[f64; 2]>, Vec<(&'static str, TagValue)>);

#[derive(Clone)]
enum TagValue {
    Text(String),
    Number(f64),
    Count(u64),
}

fn bad(parameter: &str, message: impl Into<String>) -> ParamError {
    ParamError::new(parameter, message)
}

/// Why an analysis was not made: a parameter to change (a 400 for the server), or a
/// failure of Athar's own (a 500, logged).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    /// A parameter, or the filters, asked for what cannot be analysed.
    #[error(transparent)]
    Parameter(#[from] ParamError),
    /// The analysis failed on data it made itself.
    #[error("the hotspot analysis failed")]
    Internal(#[source] athar_hotspots::Error),
}

/// A hotspot error as the parameter it comes from, or as an internal failure when no
/// parameter caused it.
fn hotspot_error(error: &athar_hotspots::Error) -> AnalysisError {
    use athar_hotspots::Error;
    let parameter = match error {
        Error::UnsupportedResolution { .. }
        | Error::TooManyUnits { .. }
        | Error::EmptyStudyArea { .. } => "resolution",
        Error::InvalidBoundingBox { .. } => "bbox",
        Error::NoUnits | Error::TooManyGivenUnits { .. } => "unit",
        Error::InvalidDistance { .. } | Error::TooManyNeighbours { .. } => "distance_km",
        Error::InvalidNeighbourCount { .. } => "k",
        Error::InvalidPeriodCount { .. } | Error::PeriodsOutOfRange { .. } => "periods",
        _ => return AnalysisError::Internal(error.clone()),
    };
    AnalysisError::Parameter(bad(parameter, error.to_string()))
}

/// The most unit-periods of an emerging-hotspot analysis: its answer holds a z-score and
/// a class for each (about 50 MB of JSON at the most).
pub const MAX_TREND_CELLS: usize = 1_000_000;

/// Refuses a trend over more unit-periods than [`MAX_TREND_CELLS`], before any is counted.
fn check_cells(units: &Units, periods: usize) -> Result<(), ParamError> {
    let cells = units.len().saturating_mul(periods);
    if cells > MAX_TREND_CELLS {
        return Err(bad(
            "periods",
            format!(
                "{} units over {periods} periods are {cells} unit-periods; at most {MAX_TREND_CELLS} are analysed (fewer periods, a coarser resolution or a smaller area)",
                units.len()
            ),
        ));
    }
    Ok(())
}

/// The study area of a request.
fn study_area(
    snapshot: &Snapshot,
    query: &dyn Parameters,
    rows: &[athar_index::RowId],
) -> Result<BoundingBox, AnalysisError> {
    let filter = query.filter();
    let (west, south, east, north) = if let Some(b) = filter.bbox {
        (b.west, b.south, b.east, b.north)
    } else if let Some(b) = filter
        .admin1
        .as_deref()
        .and_then(crate::maps::governorate_bounds)
    {
        (b.west, b.south, b.east, b.north)
    } else {
        let mut extent: Option<(f64, f64, f64, f64)> = None;
        for &row in rows {
            if let Some((lon, lat)) = snapshot.tile_fields(row).lon_lat {
                extent = Some(match extent {
                    None => (lon, lat, lon, lat),
                    Some((w, s, e, n)) => (w.min(lon), s.min(lat), e.max(lon), n.max(lat)),
                });
            }
        }
        let (w, s, e, n) = extent.ok_or_else(|| {
            bad(
                "bbox",
                "no incident with a point matches the filters, so there is no study area; give a bbox",
            )
        })?;
        // A margin of 2% (and at least 0.1°, about the width of a resolution-5 hexagon's
        // half) so that the hexagons of the outermost incidents are inside.
        let (mx, my) = (((e - w) * 0.02).max(0.1), ((n - s) * 0.02).max(0.1));
        (w - mx, s - my, e + mx, n + my)
    };
    athar_hotspots::study_area(west, south, east, north).map_err(|e| hotspot_error(&e))
}

/// The units of a request: hexagons, or the gazetteer's places in the study area.
fn units(
    (query, unit): (&dyn Parameters, Unit),
    area: BoundingBox,
    places: &athar_gazetteer::Gazetteer,
) -> Result<Units, AnalysisError> {
    if unit == Unit::H3 {
        let resolution = query.number("resolution", 7, 5, 9)? as u8;
        Units::h3(resolution, area).map_err(|e| hotspot_error(&e))
    } else {
        {
            let inside: Vec<(String, f64, f64)> = places
                .communities()
                .iter()
                .filter_map(|c| {
                    let (lon, lat) = c.lon_lat?;
                    let within = (area.west..=area.east).contains(&lon)
                        && (area.south..=area.north).contains(&lat);
                    within.then(|| (c.id.clone(), lon, lat))
                })
                .collect();
            Units::points(inside).map_err(|e| hotspot_error(&e))
        }
    }
}

/// Units and their weights, by everything they depend on: built once and shared by the
/// analyses of every filter and period over the same area (they cost more than Gi*).
pub type NeighbourhoodCache = moka::sync::Cache<NeighbourhoodKey, Arc<Neighbourhood>>;

/// What units and weights depend on: the unit, the study area (by its coordinates' bits),
/// the parameters as given, and for community units the places they are (a reloaded
/// gazetteer is another set, and anonymous readers' places are never another reader's).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NeighbourhoodKey {
    unit: Unit,
    area: [u64; 4],
    resolution: Option<String>,
    distance_km: Option<String>,
    k: Option<String>,
    method: Option<String>,
    places: Option<(usize, bool)>,
}

/// The units of a hotspot analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = HotspotUnit)]
pub enum Unit {
    /// H3 hexagons.
    H3,
    /// The gazetteer's places.
    Community,
}

crate::params::named!(Unit {
    Unit::H3 => "h3",
    Unit::Community => "community",
});

/// The statistic of a hotspot analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = HotspotMethod)]
pub enum Method {
    /// Getis-Ord Gi*.
    GiStar,
}

crate::params::named!(Method { Method::GiStar => "gi_star" });

crate::params::named!(Interval {
    Interval::Month => "month",
    Interval::Week => "week",
});

crate::params::named!(Confidence {
    Confidence::P90 => "90",
    Confidence::P95 => "95",
    Confidence::P99 => "99",
});

crate::params::named!(TrendSeries {
    TrendSeries::Counts => "counts",
    TrendSeries::GiZ => "gi_z",
});

/// Units and the weights between them.
pub type Neighbourhood = (Units, SpatialWeights);

fn neighbourhood(
    (query, periods): (&dyn Parameters, usize),
    area: BoundingBox,
    viewer: &OwnedViewer,
    cache: &NeighbourhoodCache,
) -> Result<(Arc<Neighbourhood>, Unit), AnalysisError> {
    let (places, public) = (&viewer.places, viewer.viewer().is_public());
    let unit = query.pick("unit", Unit::H3)?;
    let area_bits = [area.west, area.south, area.east, area.north].map(f64::to_bits);
    let given = |name: &str| query.get(name).map(str::to_owned);
    let key = NeighbourhoodKey {
        unit,
        area: area_bits,
        resolution: Some(query.get("resolution").unwrap_or("7").to_owned()),
        distance_km: given("distance_km"),
        k: given("k"),
        method: given("method"),
        places: (unit == Unit::Community).then_some((Arc::as_ptr(places) as usize, public)),
    };
    if let Some(found) = cache.get(&key) {
        check_cells(&found.0, periods)?;
        return Ok((found, unit));
    }
    let units = units((query, unit), area, places)?;
    check_cells(&units, periods)?;
    let weights = weights(query, &units)?;
    let built = Arc::new((units, weights));
    cache.insert(key, Arc::clone(&built));
    Ok((built, unit))
}

fn weights(query: &dyn Parameters, units: &Units) -> Result<SpatialWeights, AnalysisError> {
    query.pick("method", Method::GiStar)?;
    let distance = query.decimal("distance_km", 0.001, athar_hotspots::MAX_DISTANCE_KM)?;
    match (distance, query.get("k")) {
        (Some(_), Some(_)) => Err(bad("k", "give distance_km or k, not both").into()),
        (_, Some(_)) => {
            let k = query.number("k", 8, 1, 1_000)?;
            SpatialWeights::k_nearest(units, k).map_err(|e| hotspot_error(&e))
        }
        (distance, None) => {
            SpatialWeights::distance_band(units, distance).map_err(|e| hotspot_error(&e))
        }
    }
}

/// The incidents of the request as the viewer may see them: their points and dates and,
/// for community units, the unit each incident's place is (none when it resolved to no
/// place in the area).
struct Located {
    points: Vec<(f64, f64, chrono::NaiveDate)>,
    places: Vec<Option<usize>>,
}

fn incidents(
    snapshot: &Snapshot,
    rows: &[athar_index::RowId],
    community_units: Option<&Units>,
) -> Located {
    let index: std::collections::HashMap<String, usize> = community_units
        .map(|units| {
            (0..units.len())
                .map(|i| (units.id(i).to_string(), i))
                .collect()
        })
        .unwrap_or_default();
    let mut located = Located {
        points: Vec::with_capacity(rows.len()),
        places: Vec::new(),
    };
    for &row in rows {
        let fields = snapshot.tile_fields(row);
        let Some(lon_lat) = fields.lon_lat else {
            continue;
        };
        // The snapshot is the reader's view: its points are those this reader may see.
        located
            .points
            .push((lon_lat.0, lon_lat.1, fields.occurred_on));
        if community_units.is_some() {
            located
                .places
                .push(fields.community_id.and_then(|id| index.get(id).copied()));
        }
    }
    located
}

fn area_json(area: BoundingBox) -> Value {
    json!([area.west, area.south, area.east, area.north])
}

/// The geometry of a unit: a hexagon's ring, or a community's point.
fn shape(units: &Units, i: usize) -> (Value, Vec<[f64; 2]>) {
    if let Some(ring) = units.boundary(i) {
        (
            json!({ "type": "Polygon", "coordinates": [ring.iter().map(|p| [p.lon, p.lat]).collect::<Vec<_>>()] }),
            ring.iter()
                .map(|p| lon_lat_to_mercator(p.lon, p.lat))
                .collect(),
        )
    } else {
        let c = units.centre(i);
        (
            json!({ "type": "Point", "coordinates": [c.lon, c.lat] }),
            vec![lon_lat_to_mercator(c.lon, c.lat)],
        )
    }
}

/// `/v1/hotspots`: Gi* over the units.
pub fn map_analysis(
    snapshot: &Snapshot,
    query: &dyn Parameters,
    viewer: &OwnedViewer,
    cache: &NeighbourhoodCache,
) -> Result<Analysis, AnalysisError> {
    // The trend's parameters mean nothing here, but a bad one is still a mistake to name.
    trend_parameters(query)?;
    let rows = snapshot.select(query.filter());
    let area = study_area(snapshot, query, &rows)?;
    let (neighbourhood, unit) = neighbourhood((query, 1), area, viewer, cache)?;
    let (units, weights) = (&neighbourhood.0, &neighbourhood.1);
    let fdr = query.flag("fdr", false)?;
    let located = incidents(snapshot, &rows, (unit == Unit::Community).then_some(units));
    let counts = if unit == Unit::H3 {
        units
            .count_points(located.points.iter().map(|(lon, lat, _)| (*lon, *lat)))
            .map_err(|e| hotspot_error(&e))?
    } else {
        let mut per_unit = vec![0u32; units.len()];
        for &i in located.places.iter().flatten() {
            per_unit[i] += 1;
        }
        Counts::new(units, per_unit).map_err(|e| hotspot_error(&e))?
    };
    let result = gi_star(weights, &counts, GiStarOptions { fdr }).map_err(|e| hotspot_error(&e))?;
    let mut features = Vec::with_capacity(units.len());
    let mut shapes = Vec::with_capacity(units.len());
    for (i, hotspot) in result.units.iter().enumerate() {
        let (geometry, mercator) = shape(units, i);
        let id = units.id(i).to_string();
        features.push(json!({
            "type": "Feature",
            "id": id,
            "geometry": geometry,
            "properties": {
                "unit_id": id,
                "count": hotspot.count,
                "neighbours": hotspot.neighbours,
                "gi_z": hotspot.gi_z,
                "gi_p": hotspot.p_value,
                "gi_p_fdr": hotspot.fdr_p_value,
                "class": hotspot.class.as_str(),
            },
        }));
        shapes.push((
            mercator,
            vec![
                ("unit_id", TagValue::Text(id)),
                ("class", TagValue::Text(hotspot.class.as_str().to_owned())),
                ("gi_z", TagValue::Number(hotspot.gi_z)),
                ("gi_p", TagValue::Number(hotspot.p_value)),
                ("count", TagValue::Count(u64::from(hotspot.count))),
            ],
        ));
    }
    let class_counts: serde_json::Map<String, Value> = result
        .class_counts()
        .iter()
        .map(|(class, n)| (class.as_str().to_owned(), json!(n)))
        .collect();
    let document = json!({
        "type": "FeatureCollection",
        "method": "gi_star",
        "unit": unit,
        "resolution": units.resolution(),
        "study_area": area_json(area),
        "neighbourhood": result.neighbourhood,
        "fdr": fdr,
        "units": units.len(),
        "incidents": counts.total(),
        "incidents_outside_units": counts.outside(),
        "mean": result.mean,
        "standard_deviation": result.standard_deviation,
        "class_counts": class_counts,
        "features": features,
    });
    let outline = Outline {
        study_area: [area.west, area.south, area.east, area.north],
        resolution: units.resolution(),
        neighbourhood: result.neighbourhood,
        fdr,
        periods: Vec::new(),
        weekly: false,
        present: Vec::new(),
    };
    Ok(Analysis::new(&document, outline, shapes))
}

/// `/v1/hotspots/trend`: emerging-hotspot categories over consecutive periods.
pub fn trend_analysis(
    snapshot: &Snapshot,
    query: &dyn Parameters,
    viewer: &OwnedViewer,
    cache: &NeighbourhoodCache,
) -> Result<Analysis, AnalysisError> {
    let (interval, periods, min_confidence, trend_of) = trend_parameters(query)?;
    let fdr = query.flag("fdr", true)?;
    // The periods end with the filter's last day, else the last incident's.
    let mut filter = query.filter().clone();
    let last = match filter.to {
        Some(to) => to,
        None => snapshot
            .date_extent()
            .map(|(_, last)| last)
            .ok_or_else(|| bad("to", "there are no incidents, so no period to end with"))?,
    };
    let periods = Periods::ending_at(interval, last, periods).map_err(|e| hotspot_error(&e))?;
    // Every period's incidents, whatever `from` says.
    // (`Periods::end` is the day after a period's last day.)
    filter.from = Some(periods.start(0));
    filter.to = Some(periods.end(periods.len() - 1) - chrono::Duration::days(1));
    let rows = snapshot.select(&filter);
    let area = study_area(snapshot, query, &rows)?;
    let (neighbourhood, unit) = neighbourhood((query, periods.len()), area, viewer, cache)?;
    let (units, weights) = (&neighbourhood.0, &neighbourhood.1);
    let located = incidents(snapshot, &rows, (unit == Unit::Community).then_some(units));
    let counts = if unit == Unit::H3 {
        units
            .count_dated_points(
                located
                    .points
                    .iter()
                    .map(|(lon, lat, date)| (*lon, *lat, *date)),
                periods,
            )
            .map_err(|e| hotspot_error(&e))?
    } else {
        // Community units: each incident in its place's row, by period.
        let t = periods.len();
        let mut per = vec![0u32; units.len() * t];
        for ((_, _, date), place) in located.points.iter().zip(&located.places) {
            if let (Some(i), Some(p)) = (place, periods.index_of(*date)) {
                per[i * t + p] += 1;
            }
        }
        athar_hotspots::SpaceTimeCounts::new(units, periods, per).map_err(|e| hotspot_error(&e))?
    };
    let result = emerging_hotspots(
        weights,
        &counts,
        EmergingOptions {
            fdr,
            min_confidence,
            trend_of,
        },
    )
    .map_err(|e| hotspot_error(&e))?;
    let mut features = Vec::new();
    let mut shapes = Vec::new();
    for (i, emerging) in result.units.iter().enumerate() {
        let (geometry, mercator) = shape(units, i);
        let id = units.id(i).to_string();
        let category = serde_json::to_value(emerging.category).unwrap_or(Value::Null);
        let category_text = category.as_str().unwrap_or("no_pattern").to_owned();
        features.push(json!({
            "type": "Feature",
            "id": id,
            "geometry": geometry,
            "properties": {
                "unit_id": id,
                "category": category,
                "total": emerging.total,
                "hot_periods": emerging.hot_periods,
                "cold_periods": emerging.cold_periods,
                "last_class": emerging.last_class.as_str(),
                "count_trend": emerging.count_trend,
                "gi_z_trend": emerging.gi_z_trend,
                "gi_z": result.gi_z_series(i),
                "classes": result.class_series(i).iter().map(|c| c.as_str()).collect::<Vec<_>>(),
            },
        }));
        shapes.push((
            mercator,
            vec![
                ("unit_id", TagValue::Text(id)),
                ("category", TagValue::Text(category_text)),
                (
                    "last_class",
                    TagValue::Text(emerging.last_class.as_str().to_owned()),
                ),
                ("total", TagValue::Count(emerging.total)),
            ],
        ));
    }
    let period_list: Vec<Value> = (0..result.periods.len())
        .map(|p| {
            json!({
                "from": result.periods.start(p),
                "to": result.periods.end(p) - chrono::Duration::days(1),
            })
        })
        .collect();
    let category_counts: serde_json::Map<String, Value> = result
        .category_counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .filter_map(|(category, n)| {
            Some((
                serde_json::to_value(category).ok()?.as_str()?.to_owned(),
                json!(n),
            ))
        })
        .collect();
    let document = json!({
        "type": "FeatureCollection",
        "method": "emerging_gi_star",
        "unit": unit,
        "resolution": units.resolution(),
        "study_area": area_json(area),
        "neighbourhood": result.neighbourhood,
        "fdr": fdr,
        "min_confidence": result.min_confidence,
        "trend_of": trend_of,
        "interval": query.get("interval").unwrap_or("month"),
        "periods": period_list,
        "units": units.len(),
        "category_counts": category_counts,
        "features": features,
    });
    let outline = Outline {
        study_area: [area.west, area.south, area.east, area.north],
        resolution: units.resolution(),
        neighbourhood: result.neighbourhood,
        fdr,
        periods: (0..result.periods.len())
            .map(|p| {
                (
                    result.periods.start(p),
                    result.periods.end(p) - chrono::Duration::days(1),
                )
            })
            .collect(),
        weekly: query.get("interval") == Some("week"),
        present: category_counts.keys().cloned().collect(),
    };
    Ok(Analysis::new(&document, outline, shapes))
}

impl Analysis {
    fn new(document: &Value, outline: Outline, shapes: Vec<Shape>) -> Self {
        Self {
            body: document.to_string(),
            outline,
            shapes,
        }
    }
}

/// The interval, number of periods, confidence and trended series of a trend.
pub fn trend_parameters(
    query: &dyn Parameters,
) -> Result<(Interval, usize, Confidence, TrendSeries), ParamError> {
    let interval = query.pick("interval", Interval::Month)?;
    let periods = query.number(
        "periods",
        6,
        athar_hotspots::MIN_PERIODS,
        athar_hotspots::MAX_PERIODS,
    )?;
    let confidence = query.pick("confidence", Confidence::P90)?;
    // The method: a Mann-Kendall trend of each unit's counts; ArcGIS trends the
    // z-scores (`trend_of=gi_z`).
    let trend_of = query.pick("trend_of", TrendSeries::Counts)?;
    Ok((interval, periods, confidence, trend_of))
}

/// Which analysis a request asks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Gi* over the units (`/v1/hotspots`).
    Map,
    /// Emerging hotspots over periods (`/v1/hotspots/trend`).
    Trend,
}

/// The cache of analyses, by kind, parameters in a canonical order, snapshot version and
/// whether for an anonymous reader: a few dozen, each a map's worth of units.
pub type HotspotCache = moka::sync::Cache<(Kind, Vec<(String, String)>, u64, bool), Arc<Analysis>>;

/// The memory for cached analyses.
const ANALYSES_BYTES: u64 = 64 * 1024 * 1024;
/// The memory for cached units and weights.
const NEIGHBOURHOODS_BYTES: u64 = 128 * 1024 * 1024;

fn weight(bytes: usize) -> u32 {
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

/// An empty cache of analyses, bounded by bytes.
pub fn new_cache() -> HotspotCache {
    moka::sync::Cache::builder()
        .weigher(|_, analysis: &Arc<Analysis>| weight(analysis.bytes()))
        .max_capacity(ANALYSES_BYTES)
        .build()
}

/// An empty cache of units and weights, bounded by bytes.
pub fn new_neighbourhood_cache() -> NeighbourhoodCache {
    moka::sync::Cache::builder()
        .weigher(|_, found: &Arc<Neighbourhood>| {
            // A unit's id, centre and cell, and the weights.
            weight(found.0.len() * 64 + found.1.heap_bytes())
        })
        .max_capacity(NEIGHBOURHOODS_BYTES)
        .build()
}

/// The units of an analysis that reach into a tile (with its buffer).
pub fn encode_tile(analysis: &Analysis, tile: &Tile) -> Result<Option<Vec<u8>>, TileError> {
    let bounds = tile.buffered_bounds();
    let mut layer = layer_builder("hotspots")?;
    for (shape, tags) in &analysis.shapes {
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for [x, y] in shape {
            min = [min[0].min(*x), min[1].min(*y)];
            max = [max[0].max(*x), max[1].max(*y)];
        }
        if max[0] < bounds.min_x
            || min[0] > bounds.max_x
            || max[1] < bounds.min_y
            || min[1] > bounds.max_y
        {
            continue;
        }
        let mut feature = if shape.len() == 1 {
            Feature::point(layer, tile, shape[0])?
        } else {
            // The ring is counter-clockwise in longitude and latitude (y up), so clockwise
            // in tile pixels (y down): an exterior ring as the MVT specification wants.
            // The closing point is implied by ClosePath.
            let mut ring: Vec<[i32; 2]> = shape[..shape.len() - 1]
                .iter()
                .map(|point| tile.pixel(*point))
                .collect();
            ring.dedup();
            while ring.len() > 1 && ring.first() == ring.last() {
                ring.pop();
            }
            // A hexagon smaller than a pixel at this zoom draws nothing.
            if ring.len() < 3 {
                continue;
            }
            Feature::polygon(layer, &ring)?
        };
        for (name, value) in tags {
            match value {
                TagValue::Text(text) => feature.text(name, text)?,
                TagValue::Number(x) => feature.number(name, *x)?,
                TagValue::Count(n) => feature.count(name, *n)?,
            };
        }
        layer = feature.end();
    }
    Ok((layer.num_features() > 0).then(|| layer.encode()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_parameter_or_are_internal() {
        let named = |error: athar_hotspots::Error| match hotspot_error(&error) {
            AnalysisError::Parameter(error) => Some(error.parameter),
            AnalysisError::Internal(_) => None,
        };
        assert_eq!(
            named(athar_hotspots::Error::InvalidNeighbourCount { k: 9, units: 3 }).as_deref(),
            Some("k")
        );
        assert_eq!(
            named(athar_hotspots::Error::TooManyNeighbours { limit: 1 }).as_deref(),
            Some("distance_km")
        );
        assert_eq!(
            named(athar_hotspots::Error::NoUnits).as_deref(),
            Some("unit")
        );
        // Athar's own mistakes name no parameter: the server answers 500.
        assert_eq!(named(athar_hotspots::Error::PointsNeedCells), None);
    }
}
