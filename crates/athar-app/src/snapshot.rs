//! Every incident of a store, compacted into a snapshot as they arrive: the one loader
//! of the server (at start, and when it reloads) and of the command line (exports).

use std::sync::Arc;

use athar_core::{Incident, Vocabularies};
use athar_index::{Snapshot, SnapshotBuilder};
use athar_store::{Store, StoreError, StoreLocation};

/// Loads every incident of `store` on `connections` connections into a snapshot of
/// `version`, compacting them on a blocking thread while the store produces them.
pub async fn load(
    store: &Store,
    connections: usize,
    vocabularies: Arc<Vocabularies>,
    version: u64,
) -> Result<Snapshot, StoreError> {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Vec<Incident>>(8);
    let compacted = tokio::task::spawn_blocking(move || compact(receiver, vocabularies, version));
    store.send_incidents(connections, sender).await?;
    compacted
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))
}

/// Loads every incident of the store at `location` on two connections of a loader of its
/// own (a two-thread runtime, so that rows are decoded on both cores while PostgreSQL or
/// SQLite produce them), and compacts them into a snapshot on a blocking thread as they
/// arrive. For a server whose own runtime is busy answering requests meanwhile.
pub async fn load_in_parallel(
    location: StoreLocation,
    vocabularies: Arc<Vocabularies>,
    version: u64,
) -> Result<Snapshot, StoreError> {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Vec<Incident>>(8);
    let loader = std::thread::spawn(move || -> Result<(), StoreError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        runtime.block_on(async move {
            let store = Store::open(&location).await?;
            store.send_incidents(2, sender).await
        })
    });
    let compacted = tokio::task::spawn_blocking(move || compact(receiver, vocabularies, version))
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
    // The compactor has seen the channel close, so the loader is done or failed.
    loader
        .join()
        .map_err(|_| StoreError::Io(std::io::Error::other("the snapshot loader panicked")))??;
    Ok(compacted)
}

fn compact(
    mut receiver: tokio::sync::mpsc::Receiver<Vec<Incident>>,
    vocabularies: Arc<Vocabularies>,
    version: u64,
) -> Snapshot {
    let mut builder = SnapshotBuilder::new(vocabularies);
    while let Some(batch) = receiver.blocking_recv() {
        for incident in &batch {
            builder.push(incident);
        }
    }
    builder.finish(version)
}
