//! Hotspots through the API: a planted cluster among scattered incidents comes out hot,
//! the study area is the one asked for (or the data's), results are the same as the
//! crate computes them, tiles carry valid hexagons, and bad parameters are 400s.

use std::fmt::Write as _;

use serde_json::Value;

use crate::support::{
    Backend, TestStore, both_backends, browser_tile, client, compressed_tile, get, import_csv,
};

both_backends!(a_planted_cluster_is_a_hotspot_and_tiles_draw_it);

/// 60 attacks in a tight cluster at Sarmin, 40 scattered over Idlib governorate, in two
/// months, the cluster appearing only in the second.
fn incidents() -> String {
    let mut csv = String::from("source_id,kind,occurred_on,community,latitude,longitude\n");
    let mut seed = 7u64;
    let mut next = || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..60 {
        let (lat, lon) = (35.903 + 0.004 * next(), 36.722 + 0.004 * next());
        let _ = writeln!(
            csv,
            "c{i},attack,2024-05-{:02},سرمين,{lat:.5},{lon:.5}",
            1 + i % 28
        );
    }
    for i in 0..40 {
        let (lat, lon) = (35.6 + 0.6 * next(), 36.3 + 0.6 * next());
        let month = if i % 2 == 0 { 4 } else { 5 };
        let _ = writeln!(
            csv,
            "s{i},attack,2024-{month:02}-{:02},موقع {i},{lat:.5},{lon:.5}",
            1 + i % 28
        );
    }
    csv
}

fn feature_containing(collection: &Value, lon: f64, lat: f64) -> &Value {
    // The hexagon whose ring holds the point (ray casting).
    collection["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|feature| {
            let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
            let points: Vec<(f64, f64)> = ring
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            let mut inside = false;
            for pair in points.windows(2) {
                let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
                    inside = !inside;
                }
            }
            inside
        })
        .expect("a hexagon holds the point")
}

async fn a_planted_cluster_is_a_hotspot_and_tiles_draw_it(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(false).await;
    let report = import_csv(&address, &incidents()).await;
    assert_eq!(report["accepted"], 100, "{report}");

    let area = "36.2,35.5,37.0,36.3";
    let url = format!("{address}/v1/hotspots?kind=attack&bbox={area}&resolution=7&distance_km=5");
    let (status, map) = get(&url).await;
    assert_eq!(status, 200, "{map}");
    assert_eq!(
        map["study_area"],
        serde_json::json!([36.2, 35.5, 37.0, 36.3])
    );
    assert_eq!(map["unit"], "h3");
    assert_eq!(map["resolution"], 7);
    assert_eq!(map["incidents"], 100);
    // Units without incidents are units too: far more hexagons than incidents.
    let units = map["units"].as_u64().unwrap();
    assert_eq!(map["features"].as_array().unwrap().len() as u64, units);
    assert!(units > 500, "{units}");
    let counted: u64 = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 100);
    let sarmin = feature_containing(&map, 36.724, 35.905);
    assert_eq!(sarmin["properties"]["class"], "hot_99", "{sarmin}");
    assert!(sarmin["properties"]["gi_z"].as_f64().unwrap() > 3.0);
    // Far from the cluster, with nothing around: not a hotspot.
    let empty = feature_containing(&map, 36.95, 36.25);
    assert_eq!(empty["properties"]["count"], 0);
    assert_ne!(empty["properties"]["class"], "hot_99");
    let classes: u64 = map["class_counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(classes, units);

    // With the FDR correction, no more significant units than without.
    let (_, corrected) = get(&format!("{url}&fdr=true")).await;
    let significant = |m: &Value| units - m["class_counts"]["not_significant"].as_u64().unwrap();
    assert!(significant(&corrected) <= significant(&map));
    assert!(corrected["features"][0]["properties"]["gi_p_fdr"].is_number());

    // Communities as units: the gazetteer's places in the area.
    let (status, places) = get(&format!(
        "{address}/v1/hotspots?kind=attack&bbox={area}&unit=community&distance_km=8"
    ))
    .await;
    assert_eq!(status, 200, "{places}");
    assert_eq!(places["unit"], "community");
    assert!(places["features"][0]["geometry"]["type"] == "Point");

    // Emerging hotspots over the two months: the cluster appeared in May only.
    let (status, trend) = get(&format!(
        "{address}/v1/hotspots/trend?kind=attack&bbox={area}&distance_km=5&interval=month&periods=2&to=2024-05-31&fdr=false"
    ))
    .await;
    assert_eq!(status, 200, "{trend}");
    assert_eq!(
        trend["periods"],
        serde_json::json!([{"from": "2024-04-01", "to": "2024-04-30"}, {"from": "2024-05-01", "to": "2024-05-31"}])
    );
    assert_eq!(trend["trend_of"], "counts");
    let sarmin = feature_containing(&trend, 36.724, 35.905);
    assert_eq!(sarmin["properties"]["category"], "new", "{sarmin}");
    assert_eq!(sarmin["properties"]["classes"][1], "hot_99");

    // The tile holding Sarmin at zoom 10: hexagons that a strict decoder accepts as
    // polygons, with the class of the document.
    let (x, y) = (616, 402);
    let url = format!(
        "{address}/tiles/hotspots/10/{x}/{y}.mvt?kind=attack&bbox={area}&resolution=7&distance_km=5"
    );
    let mut response = client().get(&url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let etag = response.headers().get("etag").expect("an ETag").clone();
    let bytes = response.body().await.unwrap().to_vec();
    // Served as the other tile layers are: 304 for the ETag the client holds, and gzip
    // (the same tile once unzipped) to clients that accept it, the second time from the
    // cache.
    let again = client()
        .get(&url)
        .insert_header(("If-None-Match", etag))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    for _ in 0..2 {
        assert_eq!(browser_tile(&url).await, bytes);
        assert_eq!(compressed_tile(&url, "gzip", "gzip").await, bytes);
    }
    let reader = mvt_reader::Reader::new(bytes).unwrap();
    let layers = reader.get_layer_names().unwrap();
    assert_eq!(layers, ["hotspots"]);
    let features = reader.get_features_as::<i32>(0).unwrap();
    assert!(!features.is_empty());
    let mut hot = 0;
    for feature in &features {
        assert!(
            matches!(
                feature.geometry,
                geo_types::Geometry::Polygon(_) | geo_types::Geometry::MultiPolygon(_)
            ),
            "a hexagon decodes as a polygon (exterior ring clockwise in tile space)"
        );
        let properties = feature.properties.as_ref().unwrap();
        if properties
            .get("class")
            .map(|v| format!("{v:?}"))
            .is_some_and(|c| c.contains("hot_99"))
        {
            hot += 1;
        }
    }
    assert!(hot > 0, "the cluster's hexagons are in the tile");

    // Bad parameters.
    for (path, expected) in [
        ("/v1/hotspots?resolution=4", 400),
        ("/v1/hotspots?resolution=10", 400),
        ("/v1/hotspots?unit=county", 400),
        ("/v1/hotspots?method=moran", 400),
        ("/v1/hotspots?distance_km=-1", 400),
        ("/v1/hotspots?distance_km=5&k=3", 400),
        ("/v1/hotspots?bbox=30,30,40,40&resolution=9", 400),
        ("/v1/hotspots?kind=fire", 400),
        ("/v1/hotspots/trend?periods=1", 400),
        ("/v1/hotspots/trend?interval=year", 400),
        ("/v1/hotspots/trend?trend_of=deaths", 400),
        ("/tiles/hotspots/3/99/0.mvt", 404),
        ("/tiles/hotspots/10/616/402.mvt?resolution=4", 400),
        ("/tiles/hotspots/10/616/402.mvt?kind=fire", 400),
    ] {
        let (status, body) = get(&format!("{address}{path}")).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
}
