//! The context layer: the offline basemap from bundled data (the country and its
//! governorates from Natural Earth, places from GeoNames).

use athar_tiles::Tile;
use fast_mvt::{MvtCoord, MvtGeomType, MvtLayerBuilder};

use crate::mvt::{Feature, TileError, encode_error, layer_builder};

/// The offline basemap, as the source of the context layers.
pub struct ContextSource;

impl crate::TileSource for ContextSource {
    fn tile(&self, tile: &Tile) -> Result<Option<Vec<u8>>, TileError> {
        context_tile(tile)
    }
}

/// The offline basemap of a tile: boundary lines clipped to the tile and its buffer, and
/// the places drawn at its zoom.
fn context_tile(tile: &Tile) -> Result<Option<Vec<u8>>, TileError> {
    let map = crate::basemap::basemap();
    let bounds = tile.buffered_bounds();
    let within = |[x, y]: [f64; 2]| {
        x >= bounds.min_x && x <= bounds.max_x && y >= bounds.min_y && y <= bounds.max_y
    };
    let coord = |point| {
        let [x, y] = tile.pixel(point);
        MvtCoord { x, y }
    };
    let mut lines = layer_builder("boundaries")?;
    for boundary in &map.boundaries {
        let b = boundary.bounds;
        if b.max_x < bounds.min_x
            || b.min_x > bounds.max_x
            || b.max_y < bounds.min_y
            || b.min_y > bounds.max_y
        {
            continue;
        }
        // The line's parts inside the buffered tile: a segment that leaves it ends a part.
        let mut runs: Vec<Vec<MvtCoord>> = Vec::new();
        let mut open = false;
        for pair in boundary.points.windows(2) {
            match bounds.clip_segment(pair[0], pair[1]) {
                Some((start, end)) => {
                    // A segment starting inside continues the part; one entering starts
                    // a new part, and one leaving ends it.
                    if !open || !within(pair[0]) {
                        runs.push(vec![coord(start)]);
                    }
                    if let Some(run) = runs.last_mut() {
                        run.push(coord(end));
                    }
                    open = within(pair[1]);
                }
                None => open = false,
            }
        }
        // Runs shorter than a pixel draw nothing and are not valid MVT lines.
        for run in &mut runs {
            run.dedup();
        }
        runs.retain(|run| run.len() > 1);
        if runs.is_empty() {
            continue;
        }
        let mut feature = lines.feature_of(MvtGeomType::LineString);
        for run in runs {
            feature.line(run).map_err(|e| encode_error(&e))?;
        }
        let mut feature = Feature(feature);
        feature
            .text("kind", boundary.kind)?
            .text("name_en", &boundary.name_en)?;
        if let Some(name) = boundary.name_ar {
            feature.text("name_ar", name)?;
        }
        lines = feature.end();
    }
    let mut places = layer_builder("places")?;
    for place in map
        .places
        .iter()
        .filter(|p| p.min_zoom <= tile.z && within(p.point))
    {
        let mut feature = Feature::point(places, tile, place.point)?;
        feature.text("kind", place.kind)?;
        for (name, value) in [("name_ar", &place.name_ar), ("name_en", &place.name_en)] {
            if let Some(value) = value {
                feature.text(name, value)?;
            }
        }
        places = feature.end();
    }
    // A tile is its layers' messages one after another; empty layers are left out.
    let layers: Vec<Vec<u8>> = [lines, places]
        .into_iter()
        .filter(|layer| layer.num_features() > 0)
        .map(MvtLayerBuilder::encode)
        .collect();
    Ok((!layers.is_empty()).then(|| layers.concat()))
}
