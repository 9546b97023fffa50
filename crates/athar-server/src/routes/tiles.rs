//! Mapbox Vector Tiles of the incidents, from the in-memory snapshot.
//!
//! At and above the cluster zoom every incident is a point. Below it, incidents are
//! clustered on a global grid of cells 64 tile pixels wide, aligned to the tiles: a cell
//! lies in exactly one tile, so clusters are the same whichever tile shows them, and the
//! counts of a tile's features add up to the incidents in that tile. The 64-pixel buffer
//! holds exactly the ring of neighbouring cells, so a cluster near an edge is drawn whole.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use athar_core::BBox;
use athar_index::{RowId, Snapshot};
use athar_tiles::{EXTENT, Tile, lon_lat_to_mercator, mercator_to_lon_lat};

use crate::query::Query;
use crate::{ApiError, AppState};

/// The zoom from which every incident is its own point.
pub(crate) const CLUSTER_ZOOM: u8 = 12;
/// The side of a cluster cell, in tile pixels.
const CELL_PIXELS: i32 = 64;
/// The name of the incidents layer.
pub(crate) const LAYER: &str = "incidents";

/// A tile coordinate from the path: not a number is a 400, off the grid a 404.
fn coordinate(name: &str, value: &str) -> Result<u32, ApiError> {
    value.parse::<u32>().map_err(|_| ApiError::BadParameter {
        parameter: name.into(),
        message: format!("'{value}' is not a tile coordinate (a whole number)"),
    })
}

/// z/x/y from the path, `y` with an optional `.mvt` or `.pbf`.
pub(crate) fn tile_of_path(z: &str, x: &str, y: &str) -> Result<Tile, ApiError> {
    let y = y
        .strip_suffix(".mvt")
        .or_else(|| y.strip_suffix(".pbf"))
        .unwrap_or(y);
    let (z, x, y) = (
        coordinate("z", z)?,
        coordinate("x", x)?,
        coordinate("y", y)?,
    );
    u8::try_from(z)
        .ok()
        .and_then(|z| Tile::new(z, x, y).ok())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "there is no tile {z}/{x}/{y} (zoom 0 to {}, x and y below 2^z)",
                athar_tiles::MAX_ZOOM
            ))
        })
}

/// The cell of the global grid at zoom `z` that holds a Web Mercator point.
fn cell([x, y]: [f64; 2], z: u8) -> (i64, i64) {
    let size = Tile::size(z) * f64::from(CELL_PIXELS) / f64::from(EXTENT);
    #[allow(clippy::cast_possible_truncation)] // at most 2^22 × 64 cells a side
    let index = |value: f64| (value / size).floor() as i64;
    (
        index(x + athar_tiles::HALF_WORLD),
        index(athar_tiles::HALF_WORLD - y),
    )
}

/// The first zoom at which incidents spread over `min`..`max` fall in two cells.
fn expansion_zoom(min: [f64; 2], max: [f64; 2], z: u8) -> u8 {
    (z + 1..CLUSTER_ZOOM)
        .find(|&zoom| cell(min, zoom) != cell(max, zoom))
        .unwrap_or(CLUSTER_ZOOM)
}

/// The rows of the snapshot inside the tile and its buffer that pass the filter.
fn rows_in(snapshot: &Snapshot, query: &Query, tile: &Tile) -> Vec<RowId> {
    let bounds = tile.buffered_bounds();
    let [west, south] = mercator_to_lon_lat([bounds.min_x, bounds.min_y]);
    let [east, north] = mercator_to_lon_lat([bounds.max_x, bounds.max_y]);
    let mut filter = query.filter.clone();
    let tile_box = BBox {
        min_lon: west,
        min_lat: south,
        max_lon: east,
        max_lat: north,
    };
    filter.bbox = Some(match filter.bbox {
        None => tile_box,
        Some(asked) => BBox {
            min_lon: asked.min_lon.max(tile_box.min_lon),
            min_lat: asked.min_lat.max(tile_box.min_lat),
            max_lon: asked.max_lon.min(tile_box.max_lon),
            max_lat: asked.max_lat.min(tile_box.max_lat),
        },
    });
    if filter
        .bbox
        .is_some_and(|b| b.min_lon > b.max_lon || b.min_lat > b.max_lat)
    {
        return Vec::new();
    }
    snapshot
        .select(&filter)
        .into_iter()
        .filter(|&row| {
            snapshot
                .summary(row)
                .lon_lat
                .is_some_and(|(lon, lat)| bounds.contains(lon_lat_to_mercator(lon, lat)))
        })
        .collect()
}

fn encode_error(error: &mvt::Error) -> ApiError {
    ApiError::Internal(format!("encoding a tile: {error}"))
}

fn point_feature(
    layer: mvt::Layer,
    tile: &Tile,
    point: [f64; 2],
) -> Result<mvt::Feature, ApiError> {
    let [px, py] = tile.pixel(point);
    let geometry = mvt::GeomEncoder::new(mvt::GeomType::Point)
        .point(f64::from(px), f64::from(py))
        .and_then(mvt::GeomEncoder::encode)
        .map_err(|e| encode_error(&e))?;
    Ok(layer.into_feature(geometry))
}

/// One incident as a point feature with its properties.
fn incident_feature(
    layer: mvt::Layer,
    snapshot: &Snapshot,
    tile: &Tile,
    row: RowId,
) -> Result<mvt::Layer, ApiError> {
    let incident = snapshot.incident(row);
    let record = &incident.record;
    let Some(point) = record.location else {
        return Ok(layer);
    };
    let mut feature = point_feature(
        layer,
        tile,
        lon_lat_to_mercator(point.lon.degrees(), point.lat.degrees()),
    )?;
    feature.add_tag_string("id", &incident.id.to_string());
    feature.add_tag_string("kind", record.kind.as_str());
    feature.add_tag_string("occurred_on", &record.occurred.date().to_string());
    feature.add_tag_uint("killed", u64::from(record.casualties.killed()));
    feature.add_tag_uint("injured", u64::from(record.casualties.injured()));
    feature.add_tag_string("community", &record.community);
    if let Some(id) = &record.resolution.community_id {
        feature.add_tag_string("community_id", id);
    }
    for (name, slug) in [
        ("perpetrator", &record.perpetrator),
        ("weapon", &record.weapon),
        ("place_type", &record.place_type),
    ] {
        if let Some(slug) = slug {
            feature.add_tag_string(name, slug.as_str());
        }
    }
    Ok(feature.into_layer())
}

/// The incidents of one cell, with their Web Mercator points.
type Members = Vec<(RowId, [f64; 2])>;

/// The incidents of one cell as a cluster: a point at their centroid, with their count,
/// counts by kind, casualties, and the zoom at which they part.
fn cluster_feature(
    layer: mvt::Layer,
    snapshot: &Snapshot,
    tile: &Tile,
    members: &Members,
) -> Result<mvt::Layer, ApiError> {
    let count = members.len() as f64;
    let (mut sum, mut min, mut max) = ([0.0, 0.0], [f64::MAX; 2], [f64::MIN; 2]);
    let (mut killed, mut injured) = (0u64, 0u64);
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for (row, point) in members {
        for axis in 0..2 {
            sum[axis] += point[axis];
            min[axis] = min[axis].min(point[axis]);
            max[axis] = max[axis].max(point[axis]);
        }
        let summary = snapshot.summary(*row);
        killed += u64::from(summary.killed);
        injured += u64::from(summary.injured);
        *kinds.entry(summary.kind.as_str()).or_default() += 1;
    }
    let mut feature = point_feature(layer, tile, [sum[0] / count, sum[1] / count])?;
    feature.add_tag_bool("cluster", true);
    feature.add_tag_uint("count", members.len() as u64);
    for (kind, n) in kinds {
        feature.add_tag_uint(kind, n);
    }
    feature.add_tag_uint("killed", killed);
    feature.add_tag_uint("injured", injured);
    feature.add_tag_uint(
        "expansion_zoom",
        u64::from(expansion_zoom(min, max, tile.z)),
    );
    Ok(feature.into_layer())
}

/// The tile's features: incidents at and above the cluster zoom, clusters below.
pub(crate) fn incidents_tile(
    snapshot: &Snapshot,
    query: &Query,
    tile: &Tile,
) -> Result<Option<Vec<u8>>, ApiError> {
    let rows = rows_in(snapshot, query, tile);
    if rows.is_empty() {
        return Ok(None);
    }
    let mut mvt_tile = mvt::Tile::new(EXTENT.unsigned_abs());
    let mut layer = mvt_tile.create_layer(LAYER);
    if tile.z >= CLUSTER_ZOOM {
        for row in rows {
            layer = incident_feature(layer, snapshot, tile, row)?;
        }
    } else {
        let mut cells: BTreeMap<(i64, i64), Members> = BTreeMap::new();
        for row in rows {
            if let Some((lon, lat)) = snapshot.summary(row).lon_lat {
                let point = lon_lat_to_mercator(lon, lat);
                cells
                    .entry(cell(point, tile.z))
                    .or_default()
                    .push((row, point));
            }
        }
        for members in cells.into_values() {
            layer = match members.as_slice() {
                [(row, _)] => incident_feature(layer, snapshot, tile, *row)?,
                _ => cluster_feature(layer, snapshot, tile, &members)?,
            };
        }
    }
    mvt_tile.add_layer(layer).map_err(|e| encode_error(&e))?;
    mvt_tile.to_bytes().map(Some).map_err(|e| encode_error(&e))
}

/// The ETag of a tile: the snapshot version and the request's filters.
fn tile_etag(version: u64, request: &HttpRequest) -> String {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let filters = BuildHasherDefault::<DefaultHasher>::default().hash_one(request.query_string());
    format!("W/\"v{version}-{filters:x}\"")
}

/// `GET /tiles/incidents/{z}/{x}/{y}` (also `.mvt` and `.pbf`): the incidents of a tile
/// with the shared filters; 204 when the tile holds none.
#[utoipa::path(
    get,
    path = "/tiles/incidents/{z}/{x}/{y}",
    tag = "Tiles",
    params(
        ("z" = u32, Path, minimum = 0, maximum = 22, description = "Zoom"),
        ("x" = u32, Path, description = "Column from the west, below 2^z"),
        ("y" = String, Path, description = "Row from the north, below 2^z, optionally with .mvt or .pbf"),
        crate::openapi::FilterParams,
    ),
    responses(
        (status = 200, description = "A Mapbox Vector Tile with one layer, incidents", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>),
        (status = 204, description = "No incident in the tile"),
        (status = 400, description = "Not a tile coordinate, or a bad filter", body = crate::openapi::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tile", body = crate::openapi::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn incidents(
    request: HttpRequest,
    path: web::Path<(String, String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (z, x, y) = path.into_inner();
    let tile = tile_of_path(&z, &x, &y)?;
    let snapshot = state.snapshot();
    let query = Query::parse(&request, snapshot.vocabularies(), &*state.resolver(), &[])?;
    let etag = tile_etag(snapshot.version(), &request);
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|candidate| candidate.trim() == etag));
    if matches {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let body = tokio::task::spawn_blocking(move || incidents_tile(&snapshot, &query, &tile))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let mut response = match body {
        Some(_) => HttpResponse::Ok(),
        None => HttpResponse::NoContent(),
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"));
    Ok(match body {
        Some(bytes) => response
            .content_type("application/vnd.mapbox-vector-tile")
            .body(bytes),
        None => response.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_aligned_to_tiles_and_split_as_one_zooms_in() {
        // A cell never straddles two tiles: the cell's tile is the point's tile.
        let idlib = lon_lat_to_mercator(36.6339, 35.9306);
        for z in 0..CLUSTER_ZOOM {
            let (cx, cy) = cell(idlib, z);
            let tile = Tile::containing(idlib, z);
            let per_tile = i64::from(EXTENT / CELL_PIXELS);
            assert_eq!(
                (cx / per_tile, cy / per_tile),
                (i64::from(tile.x), i64::from(tile.y))
            );
        }
        // Two points 1 km apart share a cell at zoom 5 and part by zoom 11.
        let east = [idlib[0] + 1_000.0, idlib[1]];
        assert_eq!(cell(idlib, 5), cell(east, 5));
        let zoom = expansion_zoom(idlib, east, 5);
        assert!(cell(idlib, zoom) != cell(east, zoom));
        assert_eq!(cell(idlib, zoom - 1), cell(east, zoom - 1));
        // Points at one place never part below the cluster zoom.
        assert_eq!(expansion_zoom(idlib, idlib, 3), CLUSTER_ZOOM);
    }

    #[test]
    fn tile_paths_are_checked() {
        assert_eq!(
            tile_of_path("3", "2", "5.mvt").unwrap(),
            Tile::new(3, 2, 5).unwrap()
        );
        assert_eq!(
            tile_of_path("3", "2", "5.pbf").unwrap(),
            Tile::new(3, 2, 5).unwrap()
        );
        assert_eq!(
            tile_of_path("3", "2", "5").unwrap(),
            Tile::new(3, 2, 5).unwrap()
        );
        assert!(matches!(
            tile_of_path("a", "2", "5"),
            Err(ApiError::BadParameter { .. })
        ));
        assert!(matches!(
            tile_of_path("3", "2", "5.png"),
            Err(ApiError::BadParameter { .. })
        ));
        assert!(matches!(
            tile_of_path("3", "8", "5"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            tile_of_path("23", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            tile_of_path("300", "0", "0"),
            Err(ApiError::NotFound(_))
        ));
    }
}
