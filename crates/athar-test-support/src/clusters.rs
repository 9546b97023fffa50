//! The checks of the clustered incidents layer over every tile of a zoom: decoded as a
//! map client reads them, with the circles' sizes given by the caller (from the style).

use std::collections::BTreeMap;

/// The side of a tile on screen, in pixels (MapLibre draws vector tiles 512 wide).
const TILE_PIXELS: f64 = 512.0;
/// Tile units in a tile's side.
const EXTENT: i64 = athar_tiles::EXTENT as i64;

/// A feature of an incidents tile, as a client decodes it.
#[derive(Debug, Clone)]
pub struct Symbol {
    /// Its point in the tile, in tile units (outside 0..4096 in the buffer).
    pub pixel: [i64; 2],
    /// A cluster (`cluster=true`), or a lone incident.
    pub cluster: bool,
    /// Incidents: `count` of a cluster, 1 for an incident.
    pub count: u64,
    /// Killed and injured.
    pub casualties: u64,
    /// A lone incident's id.
    pub id: Option<String>,
    /// A cluster's counts by kind, summed.
    pub kinds_total: u64,
}

/// The features of an incidents tile (`kinds`: the kind vocabulary's slugs). Panics when
/// it is not a vector tile of one layer, `incidents`, of points.
#[must_use]
pub fn decode(tile: Vec<u8>, kinds: &[&str]) -> Vec<Symbol> {
    use mvt_reader::feature::Value;
    let uint = |value: Option<&Value>| match value {
        Some(Value::UInt(n)) => *n,
        Some(Value::Int(n) | Value::SInt(n)) => u64::try_from(*n).expect("a count"),
        None => 0,
        other => panic!("not a count: {other:?}"),
    };
    let reader = mvt_reader::Reader::new(tile).expect("a vector tile");
    assert_eq!(reader.get_layer_names().expect("layers"), ["incidents"]);
    reader
        .get_features_as::<i32>(0)
        .expect("features")
        .into_iter()
        .map(|feature| {
            let point = match feature.geometry {
                geo_types::Geometry::Point(point) => point,
                geo_types::Geometry::MultiPoint(points) if points.0.len() == 1 => points.0[0],
                other => panic!("not a point: {other:?}"),
            };
            let properties = feature.properties.unwrap_or_default();
            let cluster = properties.get("cluster") == Some(&Value::Bool(true));
            Symbol {
                pixel: [i64::from(point.x()), i64::from(point.y())],
                cluster,
                count: if cluster {
                    uint(properties.get("count"))
                } else {
                    1
                },
                casualties: uint(properties.get("killed")) + uint(properties.get("injured")),
                id: match properties.get("id") {
                    Some(Value::String(id)) => Some(id.clone()),
                    _ => None,
                },
                kinds_total: kinds.iter().map(|kind| uint(properties.get(*kind))).sum(),
            }
        })
        .collect()
}

/// What the tiles of one zoom show, once checked by [`check_zoom`].
#[derive(Debug, Default)]
pub struct Shown {
    /// The incidents counted by the symbols, each symbol once (in its own tile).
    pub incidents: u64,
    /// Symbols drawn.
    pub symbols: usize,
    /// Each lone incident's id and point, in tile units of the zoom's global grid.
    pub lone: BTreeMap<String, [i64; 2]>,
}

/// Checks the symbols of every tile of zoom `z` that holds any (`tiles`: (column, row) and
/// the tile's symbols), each symbol's circle `radius` (screen pixels, stroke included):
/// - no two symbols, in any tiles, closer than the sum of their radii;
/// - a symbol drawn in a neighbour's buffer is the one of its own tile;
/// - a cluster holds two or more incidents and its counts by kind add up to its count.
///
/// Returns what the zoom shows, for the caller to compare with the incidents.
///
/// # Errors
/// The first check that fails, with the zoom and the symbols.
pub fn check_zoom(
    z: u8,
    tiles: &[((u32, u32), Vec<Symbol>)],
    radius: &dyn Fn(&Symbol) -> f64,
) -> Result<Shown, String> {
    let units_per_pixel = EXTENT as f64 / TILE_PIXELS;
    let mut own: BTreeMap<[i64; 2], Symbol> = BTreeMap::new();
    let mut buffered = Vec::new();
    for ((x, y), symbols) in tiles {
        for symbol in symbols {
            let global = [
                i64::from(*x) * EXTENT + symbol.pixel[0],
                i64::from(*y) * EXTENT + symbol.pixel[1],
            ];
            let inside = symbol.pixel.iter().all(|value| (0..EXTENT).contains(value));
            if !inside {
                buffered.push((global, symbol));
            } else if own.insert(global, symbol.clone()).is_some() {
                return Err(format!("z{z}: two symbols at one point {global:?}"));
            }
            if symbol.cluster && (symbol.count < 2 || symbol.kinds_total != symbol.count) {
                return Err(format!("z{z}: a cluster that does not add up: {symbol:?}"));
            }
        }
    }
    for (global, symbol) in buffered {
        match own.get(&global) {
            Some(same) if same.count == symbol.count && same.id == symbol.id => {}
            other => {
                return Err(format!(
                    "z{z}: {symbol:?} in a buffer at {global:?} is {other:?} in its own tile"
                ));
            }
        }
    }
    // Neighbours by squares of 64 screen pixels: two circles that touch are in the same
    // or neighbouring squares while no radius is over 32.
    if let Some(wide) = own.values().find(|symbol| radius(symbol) > 32.0) {
        return Err(format!(
            "z{z}: a circle over 32 px, beyond what this check reads: {wide:?}"
        ));
    }
    let square = |global: &[i64; 2]| {
        let side = (64.0 * units_per_pixel) as i64;
        [global[0].div_euclid(side), global[1].div_euclid(side)]
    };
    let mut squares: BTreeMap<[i64; 2], Vec<(&[i64; 2], &Symbol)>> = BTreeMap::new();
    for (global, symbol) in &own {
        squares
            .entry(square(global))
            .or_default()
            .push((global, symbol));
    }
    let mut shown = Shown::default();
    for (global, symbol) in &own {
        let [sx, sy] = square(global);
        for nx in sx - 1..=sx + 1 {
            for ny in sy - 1..=sy + 1 {
                for (other_at, other) in squares.get(&[nx, ny]).into_iter().flatten() {
                    if *other_at <= global {
                        continue;
                    }
                    let dx = (other_at[0] - global[0]) as f64 / units_per_pixel;
                    let dy = (other_at[1] - global[1]) as f64 / units_per_pixel;
                    let distance = dx.hypot(dy);
                    let reach = radius(symbol) + radius(other);
                    if distance < reach {
                        return Err(format!(
                            "z{z}: symbols {distance:.2} px apart, their radii add to {reach}: \
                             {symbol:?} at {global:?} and {other:?} at {other_at:?}"
                        ));
                    }
                }
            }
        }
        shown.incidents += symbol.count;
        shown.symbols += 1;
        if let Some(id) = &symbol.id {
            shown.lone.insert(id.clone(), *global);
        }
    }
    Ok(shown)
}

/// Checks that each lone incident `shown` at zoom `z` is at its point (`points`: Web
/// Mercator metres by id), to a tile unit (coordinates are kept to about a centimetre).
///
/// # Errors
/// The first incident away from its point.
pub fn check_lone(z: u8, shown: &Shown, points: &BTreeMap<String, [f64; 2]>) -> Result<(), String> {
    for (id, at) in &shown.lone {
        let point = points
            .get(id)
            .ok_or_else(|| format!("z{z}: an unknown incident {id}"))?;
        let tile = athar_tiles::Tile::containing(*point, z);
        let pixel = tile.pixel(*point);
        let expected = [
            i64::from(tile.x) * EXTENT + i64::from(pixel[0]),
            i64::from(tile.y) * EXTENT + i64::from(pixel[1]),
        ];
        if (0..2).any(|axis| (at[axis] - expected[axis]).abs() > 1) {
            return Err(format!(
                "z{z}: incident {id} at {at:?}, away from its point {expected:?}"
            ));
        }
    }
    Ok(())
}
