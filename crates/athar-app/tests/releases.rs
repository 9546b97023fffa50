//! Releases against a real (SQLite) store: what is frozen stays as it was after the live
//! data changes, is restored from the store as it was made, and its hash is the SHA-256 of
//! its GeoJSON export. (The HTTP tests run the same on PostGIS.)

use std::sync::Arc;

use athar_app::releases::{Releases, Request, canonical_sha256};
use athar_core::Filter;
use athar_ingest::Format;
use athar_store::ImportMeta;

#[tokio::test]
async fn a_release_survives_later_writes_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let store = athar_app::open_store(None, dir.path()).await.unwrap();
    let vocabularies = Arc::new(store.vocabularies().await.unwrap());
    let gazetteer = Arc::new(athar_app::load_gazetteer(&store).await.unwrap());
    let meta = ImportMeta {
        source: "demo".into(),
        format: "csv".into(),
        file_name: None,
        actor: None,
    };
    athar_app::run_import(
        &store,
        Arc::clone(&vocabularies),
        Arc::clone(&gazetteer),
        Format::Csv,
        athar_app::DEMO_CSV,
        meta,
    )
    .await
    .unwrap();
    let gazetteer = athar_app::load_gazetteer(&store).await.unwrap();
    let live = athar_app::snapshot::load(&store, 1, Arc::clone(&vocabularies), 1)
        .await
        .unwrap();
    let privacy = athar_app::privacy::Privacy::default();
    let filter = Filter {
        from: "2024-04-01".parse().ok(),
        to: "2024-04-30".parse().ok(),
        ..Filter::default()
    };
    let releases = Releases::default();
    let request = |id: &'static str| Request {
        id,
        title: "April 2024",
        filter: filter.clone(),
        filters: String::new(),
        actor: Some("editor"),
    };
    let manifest = releases
        .create(&store, (&live, &gazetteer), request("2024-04"), &privacy)
        .await
        .unwrap();
    let in_april = live.select(&filter).len() as u64;
    assert!(in_april > 10, "{in_april} incidents in April");
    assert_eq!(manifest.incidents, in_april);
    assert!(
        releases
            .create(&store, (&live, &gazetteer), request("2024-04"), &privacy)
            .await
            .is_err(),
        "an id is never reused"
    );

    // The live data changes: an April incident is deleted, another edited.
    let rows = live.select(&filter);
    let (gone, edited) = (live.incident(rows[0]), live.incident(rows[1]));
    assert!(store.delete_incident(gone.id, None).await.unwrap());
    let mut record = edited.record.clone();
    record.notes = Some("corrected".into());
    store
        .update_incident(edited.id, record, None)
        .await
        .unwrap();

    // Restored from the store, as a restarted server or another replica would.
    let restored = Releases::load(&store, &privacy).await.unwrap();
    let release = restored.get("2024-04").unwrap();
    assert_eq!(release.manifest, manifest);
    assert_eq!(canonical_sha256(&release.snapshot), manifest.sha256);
    let frozen = releases.get("2024-04").unwrap();
    assert_eq!(release.snapshot.len(), frozen.snapshot.len());
    for row in 0..u32::try_from(release.snapshot.len()).unwrap() {
        assert_eq!(
            release.snapshot.incident(row),
            frozen.snapshot.incident(row)
        );
    }
    assert!(
        release.snapshot.find(gone.id).is_some(),
        "the deleted incident is kept"
    );

    let withdrawn = restored
        .withdraw(
            &store,
            "2024-04",
            (Some("admin"), "counted twice"),
            &privacy,
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.withdrawn.unwrap().reason, "counted twice");
    let again = Releases::load(&store, &privacy).await.unwrap();
    assert!(again.get("2024-04").unwrap().manifest.withdrawn.is_some());
}
