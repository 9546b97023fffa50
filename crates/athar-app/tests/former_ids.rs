//! A store written before OCHA's list was bundled: its incidents were resolved to GeoNames
//! ids (`geonames:164816`, Saraqib). Loading the live data moves them to the places' ids
//! now (C3916), once, so that counts group them with the place's new incidents.

use std::sync::Arc;

use athar_ingest::Format;
use athar_store::ImportMeta;

#[tokio::test]
async fn incidents_under_a_former_geonames_id_move_to_the_ocha_place() {
    let dir = tempfile::tempdir().unwrap();
    let store = athar_app::open_store(None, dir.path()).await.unwrap();
    let vocabularies = Arc::new(store.vocabularies().await.unwrap());
    let gazetteer = Arc::new(athar_app::load_gazetteer(&store).await.unwrap());
    let csv = "source_id,kind,occurred_on,community,latitude,longitude\n\
               s1,attack,2024-04-01,سراقب,35.865,36.805\n\
               s2,attack,2024-04-02,سراقب,35.862,36.808\n";
    let meta = ImportMeta {
        source: "old".into(),
        format: "csv".into(),
        file_name: None,
        actor: None,
    };
    athar_app::run_import(
        &store,
        vocabularies,
        Arc::clone(&gazetteer),
        Format::Csv,
        csv.as_bytes(),
        meta,
    )
    .await
    .unwrap();
    // As an older Athar stored them.
    let mut incidents = store.load_incidents().await.unwrap();
    assert!(
        incidents
            .iter()
            .all(|i| i.record.resolution.community_id.as_deref() == Some("C3916"))
    );
    for incident in &mut incidents {
        incident.record.resolution.community_id = Some("geonames:164816".into());
    }
    store
        .rewrite_incidents(incidents, "test", None)
        .await
        .unwrap();

    let moved = athar_app::gazetteer::move_former_ids(&store, &gazetteer)
        .await
        .unwrap();
    assert_eq!(moved, 2);
    let ids: Vec<Option<String>> = store
        .load_incidents()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.record.resolution.community_id)
        .collect();
    assert_eq!(ids, [Some("C3916".to_owned()), Some("C3916".to_owned())]);
    // Done once: nothing left to move.
    assert_eq!(
        athar_app::gazetteer::move_former_ids(&store, &gazetteer)
            .await
            .unwrap(),
        0
    );
}
