//! One suite, run against PostGIS (a fresh database per test, through `#[sqlx::test]`,
//! which needs `DATABASE_URL`: `scripts/test` provides it) and against SQLite.

use athar_core::{
    FieldChange, ImportKeys, Incident, IncidentDraft, IncidentRecord, StagedIncident, Term,
    ValidationContext, Vocabularies, VocabularyName,
};
use athar_gazetteer::Gazetteer;
use athar_store::{ImportMeta, MergeCounts, Store};
use uuid::Uuid;

async fn migrated(store: Store) -> Store {
    store.migrate().await.expect("migrations run");
    store
}

/// Runs each named test body against both backends.
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[sqlx::test(migrations = false)]
            async fn postgres(pool: sqlx::PgPool) {
                super::$name(super::migrated(athar_store::Store::Postgres(pool)).await).await;
            }

            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let location = athar_store::StoreLocation::Sqlite(dir.path().join("data").join("athar.db"));
                let store = athar_store::Store::open(&location).await.unwrap();
                super::$name(super::migrated(store).await).await;
            }
        }
    )*};
}

both_backends!(
    reimporting_the_same_rows_changes_nothing,
    a_changed_row_is_updated_and_logged,
    identical_rows_without_source_ids_are_kept_apart_and_reimport_cleanly,
    an_unfinished_import_leaves_the_store_as_it_was,
    every_field_survives_the_round_trip,
    vocabularies_are_seeded_once_and_terms_can_be_added,
    imports_in_many_batches_count_every_row,
    a_release_is_a_frozen_copy,
);

fn record(fields: &[(&str, &str)]) -> IncidentRecord {
    let vocabularies = Vocabularies::defaults();
    let gazetteer = Gazetteer::empty();
    let context = ValidationContext::new(&vocabularies, &gazetteer);
    let mut draft = IncidentDraft::default();
    for (field, value) in [
        ("source", "store-test"),
        ("kind", "attack"),
        ("occurred_on", "2024-04-10"),
        ("community", "سرمين"),
        ("latitude", "35.9"),
        ("longitude", "36.72"),
    ]
    .iter()
    .chain(fields)
    {
        draft.set(field, value).unwrap();
    }
    draft.validate(&context).unwrap()
}

fn staged(records: Vec<IncidentRecord>) -> Vec<StagedIncident> {
    let mut keys = ImportKeys::default();
    records
        .into_iter()
        .enumerate()
        .map(|(index, record)| keys.stage(index as u64 + 2, record).unwrap())
        .collect()
}

async fn import(store: &Store, records: Vec<IncidentRecord>) -> MergeCounts {
    let meta = ImportMeta {
        source: "store-test".into(),
        format: "csv".into(),
        file_name: Some("test.csv".into()),
        actor: None,
    };
    let mut session = store.begin_import(&meta).await.unwrap();
    session.stage(&staged(records)).await.unwrap();
    session
        .finish(
            0,
            |counts| serde_json::json!({ "accepted": counts.accepted }),
        )
        .await
        .unwrap()
}

fn month() -> Vec<IncidentRecord> {
    vec![
        record(&[
            ("source_id", "a1"),
            ("weapon", "artillery"),
            ("killed", "1"),
        ]),
        record(&[("source_id", "a2"), ("weapon", "drone"), ("injured", "2")]),
        record(&[("source_id", "f1"), ("kind", "fire"), ("cause", "gas_leak")]),
    ]
}

async fn reimporting_the_same_rows_changes_nothing(store: Store) {
    let first = import(&store, month()).await;
    assert_eq!(
        first,
        MergeCounts {
            accepted: 3,
            updated: 0,
            unchanged: 0
        }
    );
    let second = import(&store, month()).await;
    assert_eq!(
        second,
        MergeCounts {
            accepted: 0,
            updated: 0,
            unchanged: 3
        }
    );
    assert_eq!(store.count_incidents().await.unwrap(), 3);
    let changes = store.changes_since(0, 100).await.unwrap();
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|c| c.op == "insert"));
}

async fn a_changed_row_is_updated_and_logged(store: Store) {
    import(&store, month()).await;
    let mut edited = month();
    edited[1] = record(&[
        ("source_id", "a2"),
        ("weapon", "drone"),
        ("injured", "3"),
        ("injured_children", "1"),
    ]);
    let counts = import(&store, edited).await;
    assert_eq!(
        counts,
        MergeCounts {
            accepted: 0,
            updated: 1,
            unchanged: 2
        }
    );
    let a2 = stored_incident(&store, "a2").await;
    assert_eq!(a2.record.casualties.injured(), 3);
    assert_eq!(a2.record.casualties.injured_children(), 1);
    let log = store.changes_since(0, 100).await.unwrap();
    let last = log.last().unwrap();
    assert_eq!((last.op.as_str(), last.incident_id), ("update", a2.id));
    let changed: Vec<(&str, Option<&str>, Option<&str>)> = last
        .fields
        .iter()
        .flatten()
        .map(|c| (c.field.as_str(), c.before.as_deref(), c.after.as_deref()))
        .collect();
    assert_eq!(
        changed,
        [
            ("injured", Some("2"), Some("3")),
            ("injured_children", Some("0"), Some("1"))
        ]
    );
    assert!(
        log.windows(2).all(|w| w[0].seq < w[1].seq),
        "sequence is monotonic"
    );
    // Later entries only, for mirrors that follow the log.
    assert_eq!(
        store.changes_since(log[2].seq, 100).await.unwrap(),
        std::slice::from_ref(last)
    );
}

async fn identical_rows_without_source_ids_are_kept_apart_and_reimport_cleanly(store: Store) {
    let twins = || {
        vec![
            record(&[("weapon", "drone")]),
            record(&[("weapon", "drone")]),
            record(&[]),
        ]
    };
    assert_eq!(import(&store, twins()).await.accepted, 3);
    assert_eq!(
        import(&store, twins()).await,
        MergeCounts {
            accepted: 0,
            updated: 0,
            unchanged: 3
        }
    );
    assert_eq!(store.count_incidents().await.unwrap(), 3);
}

async fn an_unfinished_import_leaves_the_store_as_it_was(store: Store) {
    import(&store, month()).await;
    let before = store.load_incidents().await.unwrap();
    {
        let meta = ImportMeta {
            source: "store-test".into(),
            format: "csv".into(),
            file_name: None,
            actor: None,
        };
        let mut session = store.begin_import(&meta).await.unwrap();
        let mut changed = month();
        changed[0] = record(&[
            ("source_id", "a1"),
            ("weapon", "artillery"),
            ("killed", "9"),
        ]);
        changed.push(record(&[("source_id", "new")]));
        session.stage(&staged(changed)).await.unwrap();
        // Dropped here, as when the process dies or the reader fails mid-file.
    }
    assert_eq!(store.load_incidents().await.unwrap(), before);
    assert_eq!(store.changes_since(0, 100).await.unwrap().len(), 3);
    // The store still takes the next import.
    assert_eq!(
        import(&store, vec![record(&[("source_id", "later")])])
            .await
            .accepted,
        1
    );
}

async fn every_field_survives_the_round_trip(store: Store) {
    let full = record(&[
        ("source_id", "full-1"),
        ("kind", "traffic_accident"),
        ("occurred_at", "2024-04-10T17:45"),
        ("community", "مخيم أطمة"),
        ("community_pcode", "cp0042"),
        ("admin1", "Idlib"),
        ("admin2", "Harim"),
        ("admin3", "Dana"),
        ("place_type", "road"),
        ("cause", "speeding"),
        ("vehicle", "motorcycle"),
        ("killed", "2"),
        ("killed_women", "1"),
        ("killed_children", "1"),
        ("injured", "5"),
        ("injured_women", "2"),
        ("injured_children", "2"),
        ("notes", "اصطدام دراجة نارية بسيارة \"مسرعة\", ليلاً"),
    ]);
    let bare = record(&[("source_id", "bare-1"), ("kind", "drowning"), ("notes", "")]);
    import(&store, vec![full.clone(), bare.clone()]).await;
    let loaded: Vec<IncidentRecord> = store
        .load_incidents()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.record)
        .collect();
    assert_eq!(loaded, vec![bare, full]);
}

async fn vocabularies_are_seeded_once_and_terms_can_be_added(store: Store) {
    let vocabularies = store.vocabularies().await.unwrap();
    assert_eq!(vocabularies, Vocabularies::defaults());
    let term = Term {
        vocabulary: VocabularyName::Weapon,
        slug: athar_core::Slug::parse("cluster_munition").unwrap(),
        label_en: "Cluster munition".into(),
        label_ar: "ذخائر عنقودية".into(),
    };
    assert_eq!(store.add_terms([&term], false).await.unwrap(), 1);
    let relabelled = Term {
        label_en: "Artillery".into(),
        ..Vocabularies::defaults()
            .terms()
            .find(|t| t.slug.as_str() == "artillery")
            .unwrap()
            .clone()
    };
    store.add_terms([&relabelled], true).await.unwrap();
    store.migrate().await.unwrap();
    let after = store.vocabularies().await.unwrap();
    assert_eq!(after.len(), Vocabularies::defaults().len() + 1);
    assert_eq!(
        after
            .lookup(VocabularyName::Weapon, "ذخائر عنقودية")
            .unwrap(),
        term.slug
    );
    // Migrating again keeps an organisation's own labels.
    assert_eq!(
        after
            .get(VocabularyName::Weapon, relabelled.slug.as_str())
            .unwrap()
            .label_en,
        "Artillery"
    );
}

async fn imports_in_many_batches_count_every_row(store: Store) {
    let rows: Vec<IncidentRecord> = (0..2_500)
        .map(|i| record(&[("source_id", &format!("bulk-{i}"))]))
        .collect();
    let meta = ImportMeta {
        source: "store-test".into(),
        format: "csv".into(),
        file_name: None,
        actor: None,
    };
    let mut session = store.begin_import(&meta).await.unwrap();
    for batch in staged(rows).chunks(700) {
        session.stage(batch).await.unwrap();
    }
    let counts = session
        .finish(0, |_| serde_json::Value::Null)
        .await
        .unwrap();
    assert_eq!(counts.accepted, 2_500);
    assert_eq!(store.count_incidents().await.unwrap(), 2_500);
}

/// The stored incident with this source id.
async fn stored_incident(store: &Store, source_id: &str) -> Incident {
    store
        .load_incidents()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.record.source_id.as_deref() == Some(source_id))
        .unwrap_or_else(|| panic!("no incident {source_id}"))
}

/// Bulk-loaded rows: `count` incidents of `source` keyed `bulk-0`, `bulk-1`, …
fn bulk_rows(source: &str, count: u64) -> Vec<StagedIncident> {
    let template = IncidentRecord {
        source: source.into(),
        ..record(&[])
    };
    (0..count)
        .map(|i| StagedIncident {
            row: i + 2,
            source_key: format!("bulk-{i}"),
            content_hash: i,
            record: IncidentRecord {
                source_id: Some(format!("bulk-{i}")),
                ..template.clone()
            },
        })
        .collect()
}

/// Finishes an import: its accepted, updated and unchanged counts.
async fn finished(session: athar_store::ImportSession) -> (u64, u64, u64) {
    let counts = session
        .finish(0, |_| serde_json::Value::Null)
        .await
        .unwrap();
    (counts.accepted, counts.updated, counts.unchanged)
}

/// The import log entry of a CSV import of `source`.
fn csv_import(source: &str, actor: Option<&str>) -> ImportMeta {
    ImportMeta {
        source: source.into(),
        format: "csv".into(),
        file_name: None,
        actor: actor.map(str::to_owned),
    }
}

/// How many of the named indexes (of `incidents` and `changes`) exist.
async fn indexes_named(pool: &sqlx::PgPool, names: &[&str]) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_indexes WHERE tablename IN ('incidents', 'changes') AND indexname = ANY($1)",
    )
    .bind(names)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// The indexes a bulk load drops and makes again.
const BULK_INDEXES: [&str; 5] = [
    "incidents_pkey",
    "incidents_source_source_key_key",
    "incidents_geom_gix",
    "changes_pkey",
    "changes_incident_idx",
];

/// A bulk load into an empty table takes the path that drops the keys and the spatial
/// index (and the change log's keys) and makes them again; all must exist afterwards, and
/// a failed bulk load must leave them in place.
#[sqlx::test(migrations = false)]
async fn a_bulk_load_rebuilds_the_unique_key_and_the_spatial_index(pool: sqlx::PgPool) {
    let store = migrated(Store::Postgres(pool.clone())).await;
    let rows = bulk_rows("store-test", 100_000);
    let meta = ImportMeta {
        source: "store-test".into(),
        format: "csv".into(),
        file_name: None,
        actor: Some("loader".into()),
    };
    {
        let mut session = store.begin_import(&meta).await.unwrap();
        session.stage(&rows).await.unwrap();
        // Abandoned before finishing.
    }
    assert_eq!(indexes_named(&pool, &BULK_INDEXES).await, 5);
    assert_eq!(store.count_incidents().await.unwrap(), 0);
    let mut session = store.begin_import(&meta).await.unwrap();
    for batch in rows.chunks(30_000) {
        session.stage(batch).await.unwrap();
    }
    let counts = session
        .finish(0, |_| serde_json::Value::Null)
        .await
        .unwrap();
    assert_eq!(counts.accepted, 100_000);
    assert_eq!(indexes_named(&pool, &BULK_INDEXES).await, 5);
    let near_sarmin: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM incidents WHERE geom && ST_MakeEnvelope(36.7, 35.89, 36.73, 35.91, 4326)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(near_sarmin, 100_000);
    // One insert per row, in row order, with the import's actor.
    let logged: Vec<(Uuid, String, Option<String>)> =
        sqlx::query_as("SELECT incident_id, op, actor FROM changes ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(logged.len(), 100_000);
    assert!(
        logged
            .iter()
            .all(|(_, op, actor)| op == "insert" && actor.as_deref() == Some("loader"))
    );
    let ids_in_row_order: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM incidents ORDER BY substr(source_key, 6)::int")
            .fetch_all(&pool)
            .await
            .unwrap();
    let logged_ids: Vec<Uuid> = logged.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(logged_ids, ids_in_row_order);
    // Every field written on the bulk path reads back as it was staged.
    let bulk_7 = stored_incident(&store, "bulk-7").await;
    assert_eq!(bulk_7.record, rows[7].record);
    // The same file again finds every key: nothing new, nothing changed.
    let mut session = store.begin_import(&meta).await.unwrap();
    session.stage(&rows).await.unwrap();
    let again = session
        .finish(0, |_| serde_json::Value::Null)
        .await
        .unwrap();
    assert_eq!((again.accepted, again.unchanged), (0, 100_000));
}

/// While a bulk load holds the change log's keys, readers of the log are told the store is
/// unavailable (a 503 with `Retry-After` over HTTP) after a short wait, instead of waiting
/// for the whole import; once it is gone they read the log again.
#[sqlx::test(migrations = false)]
async fn change_log_readers_do_not_wait_for_a_bulk_load(pool: sqlx::PgPool) {
    let store = migrated(Store::Postgres(pool.clone())).await;
    import(&store, month()).await;
    let logged = store.changes_since(0, 1000).await.unwrap().len();
    assert!(logged > 0);
    let mut session = store.begin_import(&csv_import("bulk", None)).await.unwrap();
    session.stage(&bulk_rows("bulk", 100_000)).await.unwrap();
    // Without the readers' lock timeout these would wait for the session, which waits
    // for them: the bound turns that into a failure.
    let bound = std::time::Duration::from_mins(1);
    let error = tokio::time::timeout(bound, store.changes_since(0, 1000))
        .await
        .expect("the read waits for the import")
        .unwrap_err();
    assert!(error.is_unavailable(), "{error}");
    let error = tokio::time::timeout(bound, store.last_change_seq())
        .await
        .expect("the read waits for the import")
        .unwrap_err();
    assert!(error.is_unavailable(), "{error}");
    drop(session);
    assert_eq!(store.changes_since(0, 1000).await.unwrap().len(), logged);
}

/// A bulk load of a new source that then meets rows of a stored source makes the unique
/// key again to look them up, and updates what changed.
#[sqlx::test(migrations = false)]
async fn a_bulk_load_that_meets_stored_rows_looks_them_up(pool: sqlx::PgPool) {
    let store = migrated(Store::Postgres(pool.clone())).await;
    import(&store, month()).await;
    let meta = csv_import("mixed", None);
    let mut session = store.begin_import(&meta).await.unwrap();
    session
        .stage(&bulk_rows("new-source", 100_000))
        .await
        .unwrap();
    let mut changed = month();
    changed[0].notes = Some("corrected".into());
    session.stage(&staged(changed)).await.unwrap();
    assert_eq!(finished(session).await, (100_000, 1, 2));
    assert_eq!(indexes_named(&pool, &BULK_INDEXES).await, 5);
    let a1 = stored_incident(&store, "a1").await;
    assert_eq!(a1.record.notes.as_deref(), Some("corrected"));
    let updates: i64 = sqlx::query_scalar("SELECT count(*) FROM changes WHERE op = 'update'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(updates, 1);
}

both_backends!(edits_and_deletions_are_logged_with_their_actor);

async fn edits_and_deletions_are_logged_with_their_actor(store: Store) {
    import(&store, month()).await;
    let a1 = stored_incident(&store, "a1").await;
    let mut edited = a1.record.clone();
    edited.notes = Some("corrected by the team".into());
    let counts = store
        .update_incident(a1.id, edited.clone(), Some("editor-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counts.updated, 1);
    let reloaded = store.load_incidents_by_ids(&[a1.id]).await.unwrap();
    assert_eq!(reloaded[0].record, edited);
    // Saving the same record again changes nothing and logs nothing.
    let again = store
        .update_incident(a1.id, edited, Some("editor-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.updated, again.unchanged), (0, 1));
    assert!(
        store
            .update_incident(uuid::Uuid::now_v7(), a1.record.clone(), None)
            .await
            .unwrap()
            .is_none()
    );

    assert!(
        store
            .delete_incident(a1.id, Some("editor-2"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_incident(a1.id, Some("editor-2"))
            .await
            .unwrap()
    );
    assert_eq!(store.count_incidents().await.unwrap(), 2);
    let log = store.changes_since(0, 100).await.unwrap();
    let tail: Vec<(&str, Option<&str>)> = log[3..]
        .iter()
        .map(|c| (c.op.as_str(), c.actor.as_deref()))
        .collect();
    assert_eq!(
        tail,
        [("update", Some("editor-1")), ("delete", Some("editor-2"))]
    );
    // What changed: the edited field with both texts; a delete keeps every field it had.
    let field = |field: &str, before: Option<&str>, after: Option<&str>| FieldChange {
        field: field.into(),
        before: before.map(str::to_owned),
        after: after.map(str::to_owned),
    };
    assert_eq!(
        log[3].fields.as_deref(),
        Some(
            &[field(
                "notes",
                a1.record.notes.as_deref(),
                Some("corrected by the team")
            )][..]
        )
    );
    let deleted = log[4].fields.as_ref().unwrap();
    let kept: Vec<(&str, Option<&str>)> = deleted
        .iter()
        .map(|change| {
            assert_eq!(change.after, None);
            (change.field.as_str(), change.before.as_deref())
        })
        .collect();
    for expected in [
        ("source_id", Some("a1")),
        ("kind", Some("attack")),
        ("weapon", Some("artillery")),
        ("killed", Some("1")),
        ("notes", Some("corrected by the team")),
    ] {
        assert!(kept.contains(&expected), "{expected:?} in {kept:?}");
    }
    assert!(log[..3].iter().all(|change| change.fields.is_none()));
    // When, in UTC.
    for change in &log {
        let at = chrono::DateTime::parse_from_rfc3339(&change.at).unwrap();
        assert!(
            (chrono::Utc::now() - at.to_utc()).num_minutes().abs() < 10,
            "{}",
            change.at
        );
    }
    assert_eq!(
        store.last_change_seq().await.unwrap(),
        log.last().unwrap().seq
    );
}

both_backends!(concurrent_edits_and_deletions_all_succeed);

/// Edits, deletions and an import running at once each wait for the others rather than
/// fail: on SQLite a deletion reads before it writes, and a transaction that read first
/// cannot take the write lock once another connection has written ("database is
/// locked"), so every writing transaction must take the lock when it begins.
async fn concurrent_edits_and_deletions_all_succeed(store: Store) {
    const EACH: usize = 24;
    let records: Vec<IncidentRecord> = (0..2 * EACH)
        .map(|n| record(&[("source_id", &format!("c{n}"))]))
        .collect();
    import(&store, records).await;
    let stored = store.load_incidents().await.unwrap();
    let (to_delete, to_edit) = stored.split_at(EACH);
    let deletions = to_delete.iter().map(|incident| {
        let store = store.clone();
        let id = incident.id;
        tokio::spawn(async move { store.delete_incident(id, Some("remover")).await })
    });
    let edits = to_edit.iter().map(|incident| {
        let store = store.clone();
        let (id, mut record) = (incident.id, incident.record.clone());
        record.notes = Some("checked".into());
        tokio::spawn(async move { store.update_incident(id, record, Some("editor")).await })
    });
    let more = {
        let store = store.clone();
        tokio::spawn(async move {
            let records = (0..EACH)
                .map(|n| record(&[("source_id", &format!("new{n}"))]))
                .collect();
            import(&store, records).await
        })
    };
    let deletions = futures_util::future::join_all(deletions.collect::<Vec<_>>());
    let edits = futures_util::future::join_all(edits.collect::<Vec<_>>());
    let (deleted, edited, imported) = tokio::join!(deletions, edits, more);
    for result in deleted {
        assert!(result.unwrap().expect("a deletion succeeds"));
    }
    for result in edited {
        let counts = result.unwrap().expect("an edit succeeds").unwrap();
        assert_eq!(counts.updated, 1);
    }
    assert_eq!(imported.unwrap().accepted, EACH as u64);
    assert_eq!(store.count_incidents().await.unwrap(), 2 * EACH as u64);
    let log = store.changes_since(0, 1_000).await.unwrap();
    let count = |op: &str| log.iter().filter(|change| change.op == op).count();
    assert_eq!(
        (count("insert"), count("update"), count("delete")),
        (3 * EACH, EACH, EACH)
    );
}

both_backends!(incidents_sent_in_bulk_equal_those_read_by_query);

/// The bulk paths (binary COPY on PostGIS, rusqlite on SQLite) decode every column as the
/// query path does: times, missing points, p-codes, admin areas, casualties, notes.
async fn incidents_sent_in_bulk_equal_those_read_by_query(store: Store) {
    let mut rows = month();
    rows.push(record(&[
        ("source_id", "t1"),
        ("occurred_on", "1999-12-31"),
        ("occurred_at", "1999-12-31T23:59"),
        ("community_pcode", "C4321"),
        ("admin1", "Idlib"),
        ("admin2", "Harim"),
        ("admin3", "Salqin"),
        ("place_type", "market"),
        ("perpetrator", "government_forces"),
        ("weapon", "guided_missile"),
        ("killed", "7"),
        ("killed_women", "2"),
        ("killed_children", "3"),
        ("injured", "11"),
        ("injured_women", "4"),
        ("injured_children", "5"),
        ("notes", "قصف صاروخي\nسطر ثان, \"quoted\""),
        ("latitude", "-33.25"),
        ("longitude", "-179.999999"),
    ]));
    let mut no_point = record(&[
        ("source_id", "n1"),
        ("occurred_on", "2021-02-03"),
        ("occurred_at", "2021-02-03T00:00"),
    ]);
    no_point.location = None;
    rows.push(no_point);
    import(&store, rows).await;
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    let sending = {
        let store = store.clone();
        tokio::spawn(async move { store.send_incidents(2, sender).await })
    };
    let mut sent = Vec::new();
    while let Some(batch) = receiver.recv().await {
        sent.extend(batch);
    }
    sending.await.unwrap().unwrap();
    let mut queried = store.load_incidents().await.unwrap();
    sent.sort_by_key(|incident| incident.id);
    queried.sort_by_key(|incident| incident.id);
    assert_eq!(sent.len(), 5);
    assert_eq!(sent, queried);
    let timed = sent
        .iter()
        .find(|incident| incident.record.source_id.as_deref() == Some("t1"))
        .unwrap();
    assert_eq!(timed.record.casualties.counts().killed_children, 3);
    assert!(
        sent.iter()
            .any(|incident| incident.record.location.is_none())
    );
}

both_backends!(incidents_are_sent_in_parts_each_exactly_once);

async fn incidents_are_sent_in_parts_each_exactly_once(store: Store) {
    let rows: Vec<IncidentRecord> = (0..1_000)
        .map(|i| record(&[("source_id", &format!("part-{i}"))]))
        .collect();
    import(&store, rows).await;
    for parts in [1, 2, 3, 7] {
        let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
        let sending = {
            let store = store.clone();
            tokio::spawn(async move { store.send_incidents(parts, sender).await })
        };
        let mut ids = Vec::new();
        while let Some(batch) = receiver.recv().await {
            ids.extend(batch.into_iter().map(|incident| incident.id));
        }
        sending.await.unwrap().unwrap();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!((before, ids.len()), (1_000, 1_000), "{parts} parts");
    }
}

/// Batches of new rows are streamed through one COPY while the next are read: every row is
/// stored once and logged in row order, across the stream's breaks (a batch of a stored
/// source between them, the bulk decision, the change log written every ~135,000 rows), and
/// an import abandoned before it finishes stores nothing.
#[sqlx::test(migrations = false)]
async fn streamed_batches_store_every_row_and_log_it_in_row_order(pool: sqlx::PgPool) {
    let store = migrated(Store::Postgres(pool.clone())).await;
    import(&store, month()).await;
    let meta = csv_import("streamed", Some("loader"));
    let rows = bulk_rows("streamed", 150_000);
    let mut edited = month();
    edited[1] = record(&[("source_id", "a2"), ("weapon", "drone"), ("injured", "4")]);
    let stored_source = staged(edited);
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    let batches: Vec<Vec<StagedIncident>> = rows.chunks(5_000).map(<[_]>::to_vec).collect();
    let producer = tokio::spawn(async move {
        for (index, batch) in batches.into_iter().enumerate() {
            if index == 10 {
                sender.send(stored_source.clone()).await.unwrap();
            }
            sender.send(batch).await.unwrap();
        }
    });
    let mut session = store.begin_import(&meta).await.unwrap();
    session.stage_all(&mut receiver).await.unwrap();
    producer.await.unwrap();
    assert_eq!(finished(session).await, (150_000, 1, 2));
    assert_eq!(store.count_incidents().await.unwrap(), 150_003);
    let streamed_7 = stored_incident(&store, "bulk-7").await;
    assert_eq!(streamed_7.record, rows[7].record);
    // The log: the month's three inserts, then this import in row order, the update
    // between the tenth and eleventh batches.
    let logged: Vec<(Uuid, String, Option<String>)> =
        sqlx::query_as("SELECT incident_id, op, actor FROM changes ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(logged.len(), 3 + 150_000 + 1);
    assert_eq!(logged[3 + 50_000].1, "update");
    let ids_in_row_order: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM incidents WHERE source = 'streamed' ORDER BY substr(source_key, 6)::int",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let streamed_log: Vec<Uuid> = logged[3..]
        .iter()
        .filter(|(_, op, _)| op == "insert")
        .map(|(id, _, actor)| {
            assert_eq!(actor.as_deref(), Some("loader"));
            *id
        })
        .collect();
    assert_eq!(streamed_log, ids_in_row_order);
    assert_eq!(indexes_named(&pool, &BULK_INDEXES).await, 5);

    // Streamed, then abandoned before finishing: nothing of it is stored or logged.
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    let abandoned = bulk_rows("abandoned", 20_000);
    tokio::spawn(async move {
        for batch in abandoned.chunks(5_000) {
            if sender.send(batch.to_vec()).await.is_err() {
                break;
            }
        }
    });
    {
        let mut session = store.begin_import(&meta).await.unwrap();
        session.stage_all(&mut receiver).await.unwrap();
    }
    assert_eq!(store.count_incidents().await.unwrap(), 150_003);
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM changes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logged, 3 + 150_000 + 1);
}

/// A SQLite database still locked by another writer when the busy timeout runs out is
/// unavailable (a 503 to try again), not a failed statement (a 500).
#[tokio::test]
async fn a_sqlite_database_locked_past_the_busy_timeout_is_unavailable() {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("locked.db"))
        .create_if_missing(true)
        .busy_timeout(std::time::Duration::ZERO);
    let mut holder = options.connect().await.unwrap();
    let mut waiter = options.connect().await.unwrap();
    let lock = holder.begin_with("BEGIN IMMEDIATE").await.unwrap();
    let error = waiter
        .begin_with("BEGIN IMMEDIATE")
        .await
        .expect_err("the second writer is refused");
    assert!(athar_store::StoreError::from(error).is_unavailable());
    lock.rollback().await.unwrap();
    let refused = sqlx::query("SELECT * FROM nonexistent")
        .execute(&mut waiter)
        .await
        .unwrap_err();
    assert!(!athar_store::StoreError::from(refused).is_unavailable());
}

fn new_release<'a>(id: &'a str, sha256: &'a str) -> athar_store::NewRelease<'a> {
    athar_store::NewRelease {
        id,
        title: "April 2024",
        from: chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(2024, 4, 30).unwrap(),
        filters: "kind=attack",
        created_at: "2024-05-03T09:00:00Z",
        created_by: Some("editor-1"),
        sha256,
        vocabularies: "vocabulary,slug,label_en,label_ar\n",
        communities: "[]",
    }
}

/// A release keeps copies of its incidents: editing, deleting and re-importing the live
/// rows changes nothing in it; its id is never reused; a withdrawal is recorded once.
async fn a_release_is_a_frozen_copy(store: Store) {
    import(&store, month()).await;
    let mut frozen = store.load_incidents().await.unwrap();
    frozen.sort_by_key(|incident| incident.record.source_id.clone());
    assert!(
        store
            .create_release(&new_release("2024-04", "ab"), &frozen)
            .await
            .unwrap()
    );
    // The id is taken: nothing is replaced.
    assert!(
        !store
            .create_release(&new_release("2024-04", "cd"), &frozen[..1])
            .await
            .unwrap()
    );

    let a1 = stored_incident(&store, "a1").await;
    let mut edited = a1.record.clone();
    edited.notes = Some("corrected after publication".into());
    store
        .update_incident(a1.id, edited, Some("editor-2"))
        .await
        .unwrap();
    let a2 = stored_incident(&store, "a2").await;
    assert!(
        store
            .delete_incident(a2.id, Some("editor-2"))
            .await
            .unwrap()
    );

    assert_eq!(store.release_incidents("2024-04").await.unwrap(), frozen);
    assert!(store.release_incidents("2024-05").await.unwrap().is_empty());
    let listed = store.releases().await.unwrap();
    assert_eq!(listed.len(), 1);
    let release = &listed[0];
    assert_eq!(
        (
            release.id.as_str(),
            release.sha256.as_str(),
            release.incidents
        ),
        ("2024-04", "ab", 3)
    );
    assert_eq!(
        (release.from_day.as_str(), release.to_day.as_str()),
        ("2024-04-01", "2024-04-30")
    );
    assert_eq!(release.withdrawn_at, None);

    let withdrawal = ("2024-06-01T00:00:00Z", Some("admin"), "counted twice");
    assert!(store.withdraw_release("2024-04", withdrawal).await.unwrap());
    assert!(!store.withdraw_release("2024-04", withdrawal).await.unwrap());
    assert!(!store.withdraw_release("2099-01", withdrawal).await.unwrap());
    let release = store.releases().await.unwrap().remove(0);
    assert_eq!(release.withdrawn_reason.as_deref(), Some("counted twice"));
    assert_eq!(release.withdrawn_by.as_deref(), Some("admin"));
}
