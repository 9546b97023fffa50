//! The clustered map over the demo month, through the real server: every incidents tile of
//! every clustered zoom over the incidents' extent, as MapLibre reads it, with the circles'
//! sizes read from the style the server gives the map (`/styles/incidents.json`, and its
//! `view=casualties` version): no two symbols closer than the sum of their radii (in
//! screen pixels at that zoom, across tile borders), counts that add up to the matching
//! incidents, and each lone incident at its point. The same over 1,000,000 generated
//! incidents is `crates/athar-tile-sources/tests/clusters.rs`.

use std::collections::BTreeMap;

use athar_e2e::{Server, Target, get, get_json};
use athar_test_support::clusters::{Symbol, check_lone, check_zoom, decode};
use athar_tiles::{Tile, lon_lat_to_mercator};
use serde_json::Value;

/// The number `expression` gives for `symbol`: the style's `step`, `get`, `+` and numbers,
/// as MapLibre evaluates them.
fn evaluate(expression: &Value, symbol: &Symbol) -> f64 {
    match expression {
        Value::Number(number) => number.as_f64().unwrap(),
        Value::Array(items) => match items[0].as_str().unwrap() {
            "get" => match items[1].as_str().unwrap() {
                "count" => symbol.count as f64,
                // The symbol keeps killed and injured summed.
                "killed" => symbol.casualties as f64,
                "injured" => 0.0,
                other => panic!("a radius by {other}"),
            },
            "+" => items[1..].iter().map(|item| evaluate(item, symbol)).sum(),
            "step" => {
                let input = evaluate(&items[1], symbol);
                let mut value = evaluate(&items[2], symbol);
                for pair in items[3..].chunks(2) {
                    if input >= evaluate(&pair[0], symbol) {
                        value = evaluate(&pair[1], symbol);
                    }
                }
                value
            }
            other => panic!("an expression the check does not read: {other}"),
        },
        other => panic!("not a radius: {other}"),
    }
}

/// The radius (stroke included) of a symbol as the style draws it: clusters by the
/// `clusters` layer, lone incidents by the `incidents` layer.
fn radius_in(style: &Value) -> impl Fn(&Symbol) -> f64 + '_ {
    move |symbol: &Symbol| {
        let id = if symbol.cluster {
            "clusters"
        } else {
            "incidents"
        };
        let layer = style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|layer| layer["id"] == id)
            .unwrap();
        let paint = &layer["paint"];
        evaluate(&paint["circle-radius"], symbol) + paint["circle-stroke-width"].as_f64().unwrap()
    }
}

#[test]
fn the_demo_months_clusters_never_overlap_and_add_up_at_every_clustered_zoom() {
    let target = Target::sqlite();
    let server = Server::start(target.athar().args(["serve", "--demo"]));
    let base = &server.base;
    let kinds: Vec<String> = get_json(&format!("{base}/v1/vocabularies")).unwrap()["vocabularies"]
        ["kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|term| term["slug"].as_str().unwrap().to_owned())
        .collect();
    let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
    for (filter, view, size) in [
        ("", "points", ""),
        ("kind=attack", "points", ""),
        ("", "casualties", "size=casualties"),
    ] {
        // The incidents and their points, as GeoJSON gives them.
        let items = get_json(&format!(
            "{base}/collections/incidents/items?limit=10000&{filter}"
        ))
        .unwrap();
        let features = items["features"].as_array().unwrap();
        assert!(features.len() > 100, "{filter}: {}", features.len());
        assert_eq!(items["numberMatched"].as_u64(), Some(features.len() as u64));
        let points: BTreeMap<String, [f64; 2]> = features
            .iter()
            .map(|feature| {
                let coordinates = &feature["geometry"]["coordinates"];
                (
                    feature["id"].as_str().unwrap().to_owned(),
                    lon_lat_to_mercator(
                        coordinates[0].as_f64().unwrap(),
                        coordinates[1].as_f64().unwrap(),
                    ),
                )
            })
            .collect();
        let style = get_json(&format!(
            "{base}/styles/incidents.json?view={view}&{filter}"
        ))
        .unwrap();
        let tiles_url = style["sources"]["incidents"]["url"].as_str().unwrap();
        assert_eq!(
            tiles_url.contains("size=casualties"),
            !size.is_empty(),
            "{tiles_url}"
        );
        let radius = radius_in(&style);
        let query = [filter, size]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("&");
        for z in 0..12u8 {
            let corners: Vec<Tile> = points.values().map(|at| Tile::containing(*at, z)).collect();
            let columns = corners.iter().map(|tile| tile.x);
            let rows = corners.iter().map(|tile| tile.y);
            let (west, east) = (columns.clone().min().unwrap(), columns.max().unwrap());
            let (north, south) = (rows.clone().min().unwrap(), rows.max().unwrap());
            let mut tiles = Vec::new();
            let last = (1u32 << z) - 1;
            for y in north.saturating_sub(1)..=(south + 1).min(last) {
                for x in west.saturating_sub(1)..=(east + 1).min(last) {
                    let answer = get(&format!("{base}/tiles/incidents/{z}/{x}/{y}.mvt?{query}"));
                    let symbols = match answer.status {
                        200 => decode(answer.body, &kinds),
                        204 => Vec::new(),
                        status => panic!("z{z}/{x}/{y}?{query}: {status}"),
                    };
                    tiles.push(((x, y), symbols));
                }
            }
            let shown = check_zoom(z, &tiles, &radius)
                .unwrap_or_else(|error| panic!("{filter} {view}: {error}"));
            assert_eq!(shown.incidents, points.len() as u64, "z{z} {filter} {view}");
            check_lone(z, &shown, &points).unwrap_or_else(|error| panic!("{error}"));
            if z == 11 {
                assert!(
                    !shown.lone.is_empty(),
                    "{filter} {view}: no lone incident at z11"
                );
            }
        }
    }
}
