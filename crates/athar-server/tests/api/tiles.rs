//! Vector tiles of the demo month, decoded with an independent decoder (mvt-reader) and
//! compared tile by tile, at several zooms and with filters, against a brute-force
//! reference built from the OGC items; and the HTTP answers of a tile server.

use std::collections::{BTreeMap, BTreeSet};

use athar_tiles::{EXTENT, Tile, lon_lat_to_mercator};
use mvt_reader::feature::Value as MvtValue;

use crate::support::{
    Backend, TestStore, both_backends, browser_tile, client, compressed_tile, get,
};

both_backends!(
    tiles_hold_every_matching_incident_once_and_clusters_agree_across_tiles,
    tiles_answer_like_a_tile_server,
    community_tiles_draw_the_ranking_and_tilejson_carries_the_filters,
    a_write_reaches_cached_tiles_at_once,
    the_context_basemap_draws_boundaries_and_places_offline,
);

/// Every incident with a point: (id, kind, lon, lat).
async fn reference(address: &str) -> Vec<(String, String, f64, f64)> {
    let (_, items) = get(&format!(
        "{address}/collections/incidents/items?limit=10000"
    ))
    .await;
    items["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["id"].as_str().unwrap().to_owned(),
                f["properties"]["kind"].as_str().unwrap().to_owned(),
                c[0].as_f64().unwrap(),
                c[1].as_f64().unwrap(),
            )
        })
        .collect()
}

/// A decoded feature: its pixel position and properties.
struct Decoded {
    pixel: [i64; 2],
    properties: BTreeMap<String, MvtValue>,
}

async fn fetch(address: &str, tile: Tile, query: &str) -> (u16, Vec<Decoded>) {
    fetch_layer(address, "incidents", tile, query).await
}

async fn fetch_layer(address: &str, layer: &str, tile: Tile, query: &str) -> (u16, Vec<Decoded>) {
    let url = format!(
        "{address}/tiles/{layer}/{}/{}/{}.mvt?{query}",
        tile.z, tile.x, tile.y
    );
    let mut response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.body().limit(50_000_000).await.unwrap().to_vec();
    if status != 200 {
        return (status, Vec::new());
    }
    let reader = mvt_reader::Reader::new(body).expect("a valid vector tile");
    assert_eq!(reader.get_layer_names().unwrap(), [layer]);
    let features = reader
        .get_features_as::<i32>(0)
        .unwrap()
        .into_iter()
        .map(|feature| {
            let point = match feature.geometry {
                geo_types::Geometry::Point(p) => p,
                geo_types::Geometry::MultiPoint(m) => m.0[0],
                other => panic!("not a point: {other:?}"),
            };
            Decoded {
                pixel: [i64::from(point.x()), i64::from(point.y())],
                properties: feature.properties.unwrap_or_default().into_iter().collect(),
            }
        })
        .collect();
    (status, features)
}

fn uint(value: Option<&MvtValue>) -> u64 {
    match value {
        Some(MvtValue::UInt(n)) => *n,
        Some(MvtValue::Int(n) | MvtValue::SInt(n)) => u64::try_from(*n).unwrap(),
        other => panic!("not a count: {other:?}"),
    }
}

fn inside(pixel: [i64; 2]) -> bool {
    (0..i64::from(EXTENT)).contains(&pixel[0]) && (0..i64::from(EXTENT)).contains(&pixel[1])
}

async fn tiles_hold_every_matching_incident_once_and_clusters_agree_across_tiles(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let all = reference(&address).await;
    assert!(all.len() > 100, "{}", all.len());
    let (_, vocabularies) = get(&format!("{address}/v1/vocabularies")).await;
    let kinds: Vec<String> = vocabularies["vocabularies"]["kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|term| term["slug"].as_str().unwrap().to_owned())
        .collect();
    for (query, kind) in [
        ("", None),
        ("kind=attack", Some("attack")),
        ("kind=fire", Some("fire")),
    ] {
        let points: Vec<&(String, String, f64, f64)> = all
            .iter()
            .filter(|p| kind.is_none_or(|k| p.1 == k))
            .collect();
        for z in [5u8, 8, 10, 12, 14] {
            // The reference: which incidents each tile holds. Below the cluster zoom a
            // cluster is drawn at its incidents' centroid, which may be in a tile holding
            // none of them: there every tile over their extent is read, and the counts of
            // all add up to the incidents.
            let mut expected: BTreeMap<Tile, BTreeSet<&str>> = BTreeMap::new();
            for (id, _, lon, lat) in &points {
                let tile = Tile::containing(lon_lat_to_mercator(*lon, *lat), z);
                expected.entry(tile).or_default().insert(id.as_str());
            }
            if z < 12 {
                // (Tiles sort by column first: the rows' extent is taken on its own.)
                let columns = expected.keys().map(|tile| tile.x);
                let rows = expected.keys().map(|tile| tile.y);
                let (west, east) = (columns.clone().min().unwrap(), columns.max().unwrap());
                let (north, south) = (rows.clone().min().unwrap(), rows.max().unwrap());
                for y in north..=south {
                    for x in west..=east {
                        expected.entry(Tile { z, x, y }).or_default();
                    }
                }
            }
            let mut total = 0;
            // Global pixel → count of the features inside their own tile.
            let mut own: BTreeMap<[i64; 2], u64> = BTreeMap::new();
            let mut buffered: Vec<([i64; 2], u64)> = Vec::new();
            for (tile, ids) in &expected {
                let (status, features) = fetch(&address, *tile, query).await;
                // Below the cluster zoom a tile's incidents may all be drawn by a cluster
                // centred in a neighbour: any tile may be empty there.
                if ids.is_empty() || z < 12 {
                    assert!(
                        status == 200 || status == 204,
                        "{z}/{}/{} {query}",
                        tile.x,
                        tile.y
                    );
                } else {
                    assert_eq!(status, 200, "{z}/{}/{} {query}", tile.x, tile.y);
                }
                let mut count = 0;
                let mut seen_ids = BTreeSet::new();
                for feature in &features {
                    let n = if feature.properties.get("cluster") == Some(&MvtValue::Bool(true)) {
                        assert!(z < 12, "clusters only below the cluster zoom");
                        let n = uint(feature.properties.get("count"));
                        assert!(n >= 2, "a lone incident stays an incident");
                        let by_kind: u64 = kinds
                            .iter()
                            .filter_map(|k| feature.properties.get(k.as_str()))
                            .map(|v| uint(Some(v)))
                            .sum();
                        assert_eq!(by_kind, n, "per-kind counts add up");
                        let expansion = uint(feature.properties.get("expansion_zoom"));
                        assert!(expansion > u64::from(z) && expansion <= 12, "{expansion}");
                        n
                    } else {
                        let Some(MvtValue::String(id)) = feature.properties.get("id") else {
                            panic!("an incident without an id");
                        };
                        let (_, _, lon, lat) =
                            all.iter().find(|p| &p.0 == id).expect("a known incident");
                        let pixel = tile.pixel(lon_lat_to_mercator(*lon, *lat));
                        assert_eq!(feature.pixel, [i64::from(pixel[0]), i64::from(pixel[1])]);
                        if inside(feature.pixel) {
                            seen_ids.insert(id.clone());
                        }
                        1
                    };
                    let global = [
                        i64::from(tile.x) * i64::from(EXTENT) + feature.pixel[0],
                        i64::from(tile.y) * i64::from(EXTENT) + feature.pixel[1],
                    ];
                    if inside(feature.pixel) {
                        count += n;
                        *own.entry(global).or_default() += n;
                    } else {
                        buffered.push((global, n));
                    }
                }
                total += count;
                if z >= 12 {
                    assert_eq!(count, ids.len() as u64, "{z}/{}/{} {query}", tile.x, tile.y);
                    let ids: BTreeSet<String> = ids.iter().map(|s| (*s).to_owned()).collect();
                    assert_eq!(seen_ids, ids, "{z}/{}/{}", tile.x, tile.y);
                }
            }
            assert_eq!(total, points.len() as u64, "z{z} {query}");
            // A feature drawn in a neighbour's buffer is the same as in its own tile.
            for (global, n) in buffered {
                assert_eq!(own.get(&global), Some(&n), "z{z} {global:?} {query}");
            }
        }
    }
}

async fn tiles_answer_like_a_tile_server(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let status = |path: &'static str| {
        let url = format!("{address}{path}");
        async move { client().get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/tiles/incidents/a/0/0").await, 400);
    assert_eq!(status("/tiles/incidents/3/0/0.png").await, 400);
    assert_eq!(status("/tiles/incidents/3/8/0.mvt").await, 404);
    assert_eq!(status("/tiles/incidents/23/0/0.mvt").await, 404);
    assert_eq!(status("/tiles/incidents/14/0/0.mvt").await, 204);
    assert_eq!(status("/tiles/incidents/3/4/3?kind=nonsense").await, 400);
    // Tile routes are matched by prefix: other shapes of path are not tiles.
    for path in [
        "/tiles/incidents",
        "/tiles/incidents/",
        "/tiles/incidents/3/4",
        "/tiles/incidents/3/4/3/2",
        "/tiles/incidents//4/3",
        "/tiles/communities/3/4/3/",
        "/tiles/context/3/4",
        "/tiles/hotspots/3",
    ] {
        assert!(matches!(status(path).await, 400 | 404), "{path}");
    }
    for layer in ["incidents", "communities", "context", "hotspots"] {
        let response = client()
            .post(format!("{address}/tiles/{layer}/3/4/3.mvt"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405, "{layer}");
        assert_eq!(response.headers().get("allow").unwrap(), "GET, HEAD");
        let head = client()
            .head(format!("{address}/tiles/{layer}/3/4/3.mvt"))
            .send()
            .await
            .unwrap();
        assert!(
            head.status().is_success(),
            "HEAD {layer}: {}",
            head.status()
        );
    }

    // The tile holding north-west Syria at zoom 3, with and without an extension.
    let url = format!("{address}/tiles/incidents/3/4/3.mvt");
    let mut first = client().get(&url).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(
        first.headers().get("content-type").unwrap(),
        "application/vnd.mapbox-vector-tile"
    );
    let etag = first.headers().get("etag").unwrap().clone();
    let bytes = first.body().await.unwrap();
    for other in ["/tiles/incidents/3/4/3.pbf", "/tiles/incidents/3/4/3"] {
        let mut response = client()
            .get(format!("{address}{other}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.body().await.unwrap(), bytes, "{other}");
    }
    let again = client()
        .get(&url)
        .insert_header(("If-None-Match", etag.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // Other filters, another ETag.
    let filtered = client()
        .get(format!("{url}?kind=fire"))
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.status().as_u16(), 200);
    // Compressed as the client takes it (as browsers ask: Brotli), from the cache the
    // second time, the same tile once decompressed.
    for _ in 0..2 {
        assert_eq!(browser_tile(&url).await, bytes.as_ref());
        assert_eq!(compressed_tile(&url, "gzip", "gzip").await, bytes.as_ref());
        assert_eq!(
            compressed_tile(&url, "br;q=0.5, gzip", "gzip").await,
            bytes.as_ref()
        );
    }
}

async fn community_tiles_draw_the_ranking_and_tilejson_carries_the_filters(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let (_, counts) = get(&format!(
        "{address}/v1/communities/counts?kind=attack&limit=100000"
    ))
    .await;
    for z in [6u8, 9, 12] {
        // The reference: community id → count, by the tile its point falls in.
        let mut expected: BTreeMap<Tile, BTreeMap<String, u64>> = BTreeMap::new();
        for community in counts["communities"].as_array().unwrap() {
            let (Some(lon), Some(lat)) = (community["lon"].as_f64(), community["lat"].as_f64())
            else {
                continue;
            };
            let tile = Tile::containing(lon_lat_to_mercator(lon, lat), z);
            expected.entry(tile).or_default().insert(
                community["community_id"].as_str().unwrap().to_owned(),
                community["count"].as_u64().unwrap(),
            );
        }
        assert!(!expected.is_empty());
        for (tile, communities) in &expected {
            let (status, features) =
                fetch_layer(&address, "communities", *tile, "kind=attack").await;
            assert_eq!(status, 200);
            let drawn: BTreeMap<String, u64> = features
                .iter()
                .filter(|f| inside(f.pixel))
                .map(|f| {
                    let Some(MvtValue::String(id)) = f.properties.get("community_id") else {
                        panic!("a community without an id");
                    };
                    assert!(
                        f.properties.contains_key("name_ar")
                            || f.properties.contains_key("name_en")
                    );
                    (id.clone(), uint(f.properties.get("count")))
                })
                .collect();
            assert_eq!(&drawn, communities, "z{z} {tile:?}");
        }
    }

    let (status, tilejson) = get(&format!("{address}/tiles/incidents.json?kind=attack")).await;
    assert_eq!(status, 200);
    assert_eq!(tilejson["tilejson"], "3.0.0");
    let template = tilejson["tiles"][0].as_str().unwrap();
    assert!(
        template.starts_with("http://127.0.0.1:")
            && template.ends_with("/tiles/incidents/{z}/{x}/{y}.mvt?kind=attack"),
        "{template}"
    );
    let layer = &tilejson["vector_layers"][0];
    assert_eq!(layer["id"], "incidents");
    assert_eq!(layer["fields"]["count"], "Number");
    assert_eq!(layer["fields"]["cluster"], "Boolean");
    assert_eq!(layer["fields"]["attack"], "Number");
    let bounds = tilejson["bounds"].as_array().unwrap();
    assert!(
        bounds[0].as_f64().unwrap() > 35.0 && bounds[2].as_f64().unwrap() < 43.0,
        "{bounds:?}"
    );
    assert!(
        tilejson["attribution"]
            .as_str()
            .unwrap()
            .contains("GeoNames")
    );
    let (_, communities) = get(&format!("{address}/tiles/communities.json")).await;
    assert_eq!(communities["vector_layers"][0]["id"], "communities");
    assert!(
        communities["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with("/tiles/communities/{z}/{x}/{y}.mvt")
    );
    let (status, problem) = get(&format!("{address}/tiles/incidents.json?kind=nonsense")).await;
    assert_eq!((status, problem["parameter"].as_str()), (400, Some("kind")));
}

async fn a_write_reaches_cached_tiles_at_once(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let csv = "source_id,kind,occurred_on,community,latitude,longitude\n\
               w1,attack,2024-05-01,سرمين,35.904,36.725\n";
    crate::support::import_csv(&address, csv).await;
    let tile = Tile::containing(lon_lat_to_mercator(36.725, 35.904), 14);
    let clustered = Tile::containing(lon_lat_to_mercator(36.725, 35.904), 8);
    let count = |features: &[Decoded]| features.iter().filter(|f| inside(f.pixel)).count();
    let incidents = |features: &[Decoded]| -> u64 {
        features
            .iter()
            .map(|f| f.properties.get("count").map_or(1, |v| uint(Some(v))))
            .sum()
    };
    let (_, before) = fetch(&address, tile, "").await;
    let (_, cached) = fetch(&address, tile, "").await;
    assert_eq!((count(&before), count(&cached)), (1, 1));
    assert_eq!(incidents(&fetch(&address, clustered, "").await.1), 1);
    let csv = "source_id,kind,occurred_on,community,latitude,longitude\n\
               w2,fire,2024-05-02,سرمين,35.9041,36.7251\n";
    crate::support::import_csv(&address, csv).await;
    let (_, after) = fetch(&address, tile, "").await;
    assert_eq!(count(&after), 2);
    // The clusters of the new snapshot, too.
    let (_, clusters) = fetch(&address, clustered, "").await;
    assert_eq!(incidents(&clusters), 2);
    assert_eq!(clusters.len(), 1, "one cluster of two");
}

async fn the_context_basemap_draws_boundaries_and_places_offline(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let idlib = lon_lat_to_mercator(36.6339, 35.9306);
    for z in [5u8, 8] {
        let tile = Tile::containing(idlib, z);
        let (boundaries, places) = context_layers(&address, tile).await;
        let kinds: BTreeSet<String> = boundaries
            .iter()
            .filter_map(|f| match f.properties.as_ref()?.get("kind")? {
                MvtValue::String(kind) => Some(kind.clone()),
                _ => None,
            })
            .collect();
        assert!(kinds.contains("governorate"), "z{z} {kinds:?}");
        assert!(
            boundaries
                .iter()
                .any(|f| f.properties.as_ref().unwrap().get("name_ar")
                    == Some(&MvtValue::String("إدلب".into()))),
            "Idlib governorate, named in Arabic"
        );
        // Lines are clipped to the tile and its buffer.
        for feature in &boundaries {
            let lines: Vec<geo_types::LineString<i32>> = match &feature.geometry {
                geo_types::Geometry::LineString(line) => vec![line.clone()],
                geo_types::Geometry::MultiLineString(lines) => lines.0.clone(),
                other => panic!("a boundary is a line: {other:?}"),
            };
            for point in lines.iter().flat_map(|l| l.0.iter()) {
                assert!(
                    (-64..=4160).contains(&point.x) && (-64..=4160).contains(&point.y),
                    "{point:?}"
                );
            }
        }
        assert!(places.iter().any(|f| {
            let p = f.properties.as_ref().unwrap();
            p.get("name_en").is_some() && p.get("name_ar").is_some()
        }));
    }
    // Towns appear from zoom 8; cities from zoom 5.
    let named = |features: &[mvt_reader::feature::Feature<i32>], arabic: &str| {
        features.iter().any(|f| {
            f.properties.as_ref().unwrap().get("name_ar") == Some(&MvtValue::String(arabic.into()))
        })
    };
    let (_, places) = context_layers(&address, Tile::containing(idlib, 8)).await;
    assert!(named(&places, "سراقب"), "Saraqib, a town, at zoom 8");
    let (_, places) = context_layers(&address, Tile::containing(idlib, 5)).await;
    assert!(!named(&places, "سراقب"), "but not at zoom 5");
    let (status, _) = fetch_status(&address, "/tiles/context/14/0/0.mvt").await;
    assert_eq!(status, 204, "nothing of Syria in the Pacific");
    let (_, tilejson) = get(&format!("{address}/tiles/context.json")).await;
    let ids: Vec<&str> = tilejson["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["boundaries", "places"]);
}

async fn fetch_status(address: &str, path: &str) -> (u16, Vec<u8>) {
    let mut response = client()
        .get(format!("{address}{path}"))
        .send()
        .await
        .unwrap();
    (
        response.status().as_u16(),
        response.body().await.unwrap().to_vec(),
    )
}

/// The boundaries and places layers of the context tile (either may be empty).
async fn context_layers(
    address: &str,
    tile: Tile,
) -> (
    Vec<mvt_reader::feature::Feature<i32>>,
    Vec<mvt_reader::feature::Feature<i32>>,
) {
    let path = format!("/tiles/context/{}/{}/{}.mvt", tile.z, tile.x, tile.y);
    let (status, body) = fetch_status(address, &path).await;
    assert_eq!(status, 200, "{path}");
    let reader = mvt_reader::Reader::new(body).unwrap();
    let names = reader.get_layer_names().unwrap();
    let layer = |name: &str| {
        names
            .iter()
            .position(|n| n == name)
            .map(|index| reader.get_features_as::<i32>(index).unwrap())
            .unwrap_or_default()
    };
    (layer("boundaries"), layer("places"))
}
