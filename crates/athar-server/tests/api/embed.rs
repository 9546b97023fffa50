//! The map page's HTTP side: styles with absolute URLs, the front-end files, the page
//! itself in both languages with its frame policy, and oEmbed. (Its rendering is tested in
//! a real browser by the workspace's tests/tests/browser.rs.)

use crate::support::{
    Backend, TestStore, both_backends, browser_tile, client, compressed_tile, encoded, get,
};

both_backends!(the_map_page_its_styles_and_oembed_answer_as_documented);

async fn the_map_page_its_styles_and_oembed_answer_as_documented(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;

    let (status, style) = get(&format!("{address}/styles/incidents.json?kind=attack")).await;
    assert_eq!(status, 200);
    assert_eq!(style["version"], 8);
    assert_eq!(
        style["sources"]["incidents"]["url"],
        format!("{address}/tiles/incidents.json?kind=attack")
    );
    assert_eq!(
        style["sources"]["context"]["url"],
        format!("{address}/tiles/context.json")
    );
    let (status, dark) = get(&format!("{address}/styles/incidents-dark.json")).await;
    assert_eq!(
        (status, dark["sources"]["incidents"]["url"].clone()),
        (200, format!("{address}/tiles/incidents.json").into())
    );
    assert_eq!(
        get(&format!("{address}/styles/satellite.json")).await.0,
        404
    );
    assert_eq!(
        get(&format!("{address}/styles/incidents.json?kind=nonsense"))
            .await
            .0,
        400
    );

    for lang in ["ar", "en"] {
        let mut page = client()
            .get(format!(
                "{address}/embed?lang={lang}&kind=attack&title={}",
                encoded("<b>x</b>")
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 200);
        let policy = page
            .headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors *",
        ] {
            assert!(policy.contains(directive), "{policy}");
        }
        assert_eq!(
            page.headers().get("x-content-type-options").unwrap(),
            "nosniff"
        );
        assert!(page.headers().get("referrer-policy").is_some());
        let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
        // The one inline script is allowed by its hash, and by nothing looser.
        {
            use base64::Engine as _;
            use sha2::Digest as _;
            let script = html
                .split_once("<script type=\"module\">")
                .and_then(|(_, rest)| rest.split_once("</script>"))
                .unwrap()
                .0;
            let hash =
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
            assert!(
                policy.contains(&format!("script-src 'self' 'sha256-{hash}';")),
                "{policy}"
            );
            assert!(
                !policy.contains("unsafe-eval")
                    && !policy.contains("script-src 'self' 'unsafe-inline'")
            );
        }
        assert!(html.contains(&format!("lang=\"{lang}\"")));
        assert!(html.contains(if lang == "ar" {
            "dir=\"rtl\""
        } else {
            "dir=\"ltr\""
        }));
        assert!(html.contains("/assets/maplibre-gl/maplibre-gl.mjs"));
        // The style inline, its sources' tiles with the page's filters (no TileJSON).
        assert!(html.contains(&format!(
            "\"tiles\":[\"{address}/tiles/incidents/{{z}}/{{x}}/{{y}}.mvt?kind=attack\"]"
        )));
        assert!(!html.contains("/styles/") && !html.contains("/tiles/incidents.json"));
        assert!(
            html.contains("&lt;b&gt;x&lt;/b&gt;"),
            "the title is escaped"
        );
        assert!(!html.contains("https://"), "nothing from a CDN");
    }
    assert_eq!(get(&format!("{address}/embed?lang=fr")).await.0, 400);
    assert_eq!(get(&format!("{address}/embed?view=heatmap")).await.0, 400);

    // view=hotspots: the style has the hotspot tiles with the filters and parameters in
    // place of the incidents, and the page shows them with no download links.
    let (status, style) = get(&format!(
        "{address}/styles/incidents.json?kind=attack&view=hotspots&resolution=7"
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        style["sources"]["hotspots"]["tiles"][0],
        format!("{address}/tiles/hotspots/{{z}}/{{x}}/{{y}}.mvt?kind=attack&resolution=7")
    );
    assert!(style["sources"].get("incidents").is_none());
    let layers: Vec<&str> = style["layers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|layer| layer["id"].as_str())
        .collect();
    assert_eq!(
        layers,
        [
            "background",
            "governorates",
            "country",
            "hotspots",
            "hotspots-outline",
            "places"
        ]
    );
    let mut page = client()
        .get(format!(
            "{address}/embed?view=hotspots&lang=en&kind=attack&resolution=7"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    assert!(html.contains(&format!(
        "\"tiles\":[\"{address}/tiles/hotspots/{{z}}/{{x}}/{{y}}.mvt?kind=attack&resolution=7\"]"
    )));
    assert!(
        html.contains("Hotspots (Getis-Ord Gi*)") && html.contains("H3 hexagons, resolution 7")
    );
    assert!(!html.contains("download-png\""), "no download links");
    assert_eq!(
        get(&format!(
            "{address}/embed?view=hotspots&kind=attack&trend=true&interval=week&periods=8"
        ))
        .await
        .0,
        200
    );
    for bad in [
        "view=hotspots&resolution=4",
        "view=hotspots&resolution=seven",
        "view=hotspots&distance_km=0",
        "view=hotspots&fdr=yes",
        "view=hotspots&trend=maybe",
        "view=hotspots&interval=week",
        "view=hotspots&trend=true&periods=1",
        "resolution=7",
    ] {
        assert_eq!(get(&format!("{address}/embed?{bad}")).await.0, 400, "{bad}");
        assert_eq!(
            get(&format!("{address}/styles/incidents.json?{bad}"))
                .await
                .0,
            400,
            "{bad}"
        );
    }

    let embed = format!("{address}/embed?lang=ar");
    let (status, oembed) = get(&format!(
        "{address}/oembed?url={}&maxwidth=640",
        encoded(&embed)
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (oembed["version"].as_str(), oembed["type"].as_str()),
        (Some("1.0"), Some("rich"))
    );
    assert_eq!(oembed["width"], 640);
    assert!(
        oembed["html"]
            .as_str()
            .unwrap()
            .contains(&format!("src=\"{address}/embed?lang=ar\""))
    );
    assert_eq!(
        get(&format!(
            "{address}/oembed?url={}",
            encoded("https://example.org/embed")
        ))
        .await
        .0,
        404
    );
    assert_eq!(get(&format!("{address}/oembed")).await.0, 400);
}

/// The front-end files are built into the server: each is, byte for byte, the file of the
/// npm package pinned in `web/package-lock.json` (installed by `scripts/setup-web`, as
/// `scripts/test` does; after a version change `scripts/vendor-web` builds them in again),
/// plain, gzipped and in Brotli, with an ETag that answers `If-None-Match` with 304.
#[actix_web::test]
async fn front_end_files_are_built_in_and_are_the_pinned_packages() {
    let store = TestStore::new(Backend::Sqlite).await;
    let address = store.spawn_with(store.settings(false)).await;
    let packages = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/node_modules");
    for (served, installed, media) in [
        (
            "maplibre-gl/maplibre-gl.mjs",
            "maplibre-gl/dist/maplibre-gl.mjs",
            "text/javascript",
        ),
        (
            "maplibre-gl/maplibre-gl-shared.mjs",
            "maplibre-gl/dist/maplibre-gl-shared.mjs",
            "text/javascript",
        ),
        (
            "maplibre-gl/maplibre-gl-worker.mjs",
            "maplibre-gl/dist/maplibre-gl-worker.mjs",
            "text/javascript",
        ),
        (
            "maplibre-gl/maplibre-gl.css",
            "maplibre-gl/dist/maplibre-gl.css",
            "text/css",
        ),
        (
            "rtl-text/mapbox-gl-rtl-text.js",
            "@mapbox/mapbox-gl-rtl-text/dist/mapbox-gl-rtl-text.js",
            "text/javascript",
        ),
    ] {
        let pinned = std::fs::read(packages.join(installed)).unwrap_or_else(|error| {
            panic!("{installed}: {error} (install the pinned packages with scripts/setup-web)")
        });
        let url = format!("{address}/assets/{served}");
        let mut plain = client().get(&url).send().await.unwrap();
        assert_eq!(plain.status().as_u16(), 200, "{served}");
        assert_eq!(plain.headers().get("content-type").unwrap(), media);
        let etag = plain.headers().get("etag").unwrap().clone();
        let body = plain.body().limit(8 << 20).await.unwrap();
        assert!(
            body == pinned,
            "{served} differs from web/node_modules/{installed}: run scripts/vendor-web"
        );
        assert!(browser_tile(&url).await == pinned, "{served} in Brotli");
        assert!(
            compressed_tile(&url, "gzip", "gzip").await == pinned,
            "{served} gzipped"
        );
        let again = client()
            .get(&url)
            .insert_header(("If-None-Match", etag.clone()))
            .insert_header(("Accept-Encoding", "gzip, deflate, br, zstd"))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304);
        assert_eq!(again.headers().get("etag").unwrap(), &etag);
    }
    assert_eq!(get(&format!("{address}/assets/nothing.js")).await.0, 404);
}

/// The time slider: its steps and their legends in the page's configuration, and bad
/// slider parameters refused by name (too many steps, an unknown unit, a bad `at`, a
/// slider on a hotspot map).
#[actix_web::test]
async fn the_time_slider_has_a_legend_per_step_and_refuses_bad_parameters() {
    let store = TestStore::new(Backend::Sqlite).await;
    let address = store.spawn(true).await;
    let page = |query: &str| {
        let url = format!("{address}/embed?{query}");
        async move {
            let mut response = client().get(url).send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.body().limit(1 << 22).await.unwrap();
            (status, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    let (status, html) =
        page("lang=en&slider=week&from=2024-04-01&to=2024-04-30&at=2024-04-08").await;
    assert_eq!(status, 200, "{html}");
    let config: serde_json::Value = serde_json::from_str(
        html.split_once("const config = ")
            .unwrap()
            .1
            .split_once(";\n")
            .unwrap()
            .0,
    )
    .unwrap();
    let steps = config["slider"]["steps"].as_array().unwrap();
    let dates: Vec<(&str, &str)> = steps
        .iter()
        .map(|step| (step["from"].as_str().unwrap(), step["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        dates,
        [
            ("2024-04-01", "2024-04-07"),
            ("2024-04-08", "2024-04-14"),
            ("2024-04-15", "2024-04-21"),
            ("2024-04-22", "2024-04-28"),
            ("2024-04-29", "2024-04-30"),
        ]
    );
    assert_eq!(steps[0]["label"], "1–7 April 2024");
    // Each step's legend is /v1/stats for its dates (and the month is not empty).
    let mut counted = 0;
    for step in steps {
        let (_, stats) = get(&format!(
            "{address}/v1/stats?from={}&to={}",
            step["from"].as_str().unwrap(),
            step["to"].as_str().unwrap()
        ))
        .await;
        let total: u64 = step["legend"]["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|kind| kind["count"].as_u64().unwrap())
            .sum();
        assert_eq!(Some(total), stats["incidents"].as_u64(), "{step}");
        counted += total;
    }
    assert!(counted > 0);
    for (query, parameter) in [
        ("slider=day&from=2020-01-01&to=2024-12-31", "slider"),
        ("slider=hour&from=2024-04-01&to=2024-04-30", "slider"),
        ("slider=week&from=2024-04-01&to=2024-04-30&at=April", "at"),
        ("at=2024-04-01", "at"),
        (
            "view=hotspots&slider=week&from=2024-04-01&to=2024-04-30",
            "slider",
        ),
    ] {
        let (status, body) = page(query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body.contains(&format!("\"{parameter}\"")),
            "{query}: {body}"
        );
    }
}
