//! GDAL, an independent client, reads the real server with the demo month: the collection
//! whole through its OGC API – Features driver, and a zoom level of vector tiles through
//! its MVT driver and the TileJSON.

use std::time::Duration;

use athar_e2e::{Run as _, Server, Target, both_backends};

both_backends!(
    gdal_reads_every_incident_through_the_ogc_api,
    gdal_reads_a_zoom_level_of_vector_tiles_through_tilejson
);

fn ogrinfo(arguments: &[String]) -> String {
    let output = std::process::Command::new("ogrinfo")
        .args(arguments)
        .env("GDAL_HTTP_TIMEOUT", "30")
        .run_within(Duration::from_mins(5));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "ogrinfo failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// `athar serve --demo` on the target.
fn serve_demo(target: &Target) -> Server {
    Server::start(target.athar().args(["serve", "--demo"]))
}

async fn gdal_reads_every_incident_through_the_ogc_api(target: Target) {
    let server = serve_demo(&target);
    let expected = server.healthz().unwrap()["incidents"].as_u64().unwrap();
    let source = format!("OAPIF:{}", server.base);
    // Every feature, read page by page through the `next` links (GDAL asks for its own
    // page size), with the fields the collection declares.
    let listing = ogrinfo(&[
        "-ro".into(),
        "-al".into(),
        "--config".into(),
        "OAPIF_PAGE_SIZE".into(),
        "50".into(),
        source,
        "incidents".into(),
    ]);
    let features = listing
        .lines()
        .filter(|line| line.starts_with("OGRFeature("))
        .count() as u64;
    assert_eq!(features, expected, "GDAL read {features} features");
    assert!(
        listing.contains("kind (String) = attack"),
        "{}",
        &listing[..listing.len().min(2_000)]
    );
    assert!(listing.contains("POINT (36."), "geometries are read");
}

async fn gdal_reads_a_zoom_level_of_vector_tiles_through_tilejson(target: Target) {
    let server = serve_demo(&target);
    let source = format!("MVT:{}/tiles/incidents/4", server.base);
    let summary = ogrinfo(&["-ro".into(), "-al".into(), "-so".into(), source]);
    assert!(summary.contains("Layer name: incidents"), "{summary}");
    let features: u64 = summary
        .lines()
        .find_map(|line| line.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(features > 0, "{summary}");
    // The fields come from the TileJSON's vector_layers.
    for field in [
        "count: Real",
        "kind: String",
        "expansion_zoom: Real",
        "cluster: Integer(Boolean)",
    ] {
        assert!(summary.contains(field), "{field}: {summary}");
    }
}
