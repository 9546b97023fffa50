//! GDAL's OGC API – Features driver, an independent client, reads the collection whole.

use crate::support::{Backend, TestStore, both_backends, get};

both_backends!(
    gdal_reads_every_incident_through_the_ogc_api,
    gdal_reads_a_zoom_level_of_vector_tiles_through_tilejson
);

fn ogrinfo(arguments: &[String]) -> String {
    let output = std::process::Command::new("ogrinfo")
        .args(arguments)
        .env("GDAL_HTTP_TIMEOUT", "30")
        .output()
        .expect("ogrinfo (Debian gdal-bin) must be installed: scripts/test installs it");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "ogrinfo failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn gdal_reads_every_incident_through_the_ogc_api(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let expected = get(&format!("{address}/healthz")).await.1["incidents"]
        .as_u64()
        .unwrap();
    let source = format!("OAPIF:{address}");
    // Every feature, read page by page through the `next` links (GDAL asks for its own
    // page size), with the fields the collection declares.
    let listing = actix_web::rt::task::spawn_blocking(move || {
        ogrinfo(&[
            "-ro".into(),
            "-al".into(),
            "--config".into(),
            "OAPIF_PAGE_SIZE".into(),
            "50".into(),
            source,
            "incidents".into(),
        ])
    })
    .await
    .unwrap();
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

async fn gdal_reads_a_zoom_level_of_vector_tiles_through_tilejson(backend: Backend) {
    let store = TestStore::new(backend).await;
    let address = store.spawn(true).await;
    let source = format!("MVT:{address}/tiles/incidents/4");
    let summary = actix_web::rt::task::spawn_blocking(move || {
        ogrinfo(&["-ro".into(), "-al".into(), "-so".into(), source])
    })
    .await
    .unwrap();
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
