//! The live data of a running Athar: the snapshot of every incident and the gazetteer,
//! swapped whole, with the public view beside them when privacy settings need one.
//!
//! Readers clone an `Arc` and keep it as long as they like. After a write,
//! [`Live::catch_up`] reads the change log from the last sequence it applied, loads the
//! incidents it names and patches the snapshot (and its public view); the same runs on a
//! timer, so writes made by another process (the CLI, another replica) show up too. The
//! snapshot is cached in the data folder (`snapshot.cache`) so that a restart reads it and
//! applies the change log written since, instead of loading every incident again.
//!
//! Snapshots may be loaded, and the change log followed, from a PostgreSQL streaming
//! replica of the store instead of the store itself (`reader`): writes and everything else
//! still go to the store, and a write then shows once the replica has it (the poll picks
//! it up), not at once.

use std::sync::{Arc, RwLock};

use athar_core::Vocabularies;
use athar_gazetteer::Gazetteer;
use athar_index::Snapshot;
use athar_store::{Store, StoreError, StoreLocation};

use crate::privacy::{Privacy, PublicView};

/// Past this many changes, catching up reloads everything instead of patching.
const PATCH_LIMIT: usize = 50_000;

/// The file a snapshot is cached in, beside the embedded store.
const CACHE_FILE: &str = "snapshot.cache";

/// The snapshot, the gazetteer and the public view of one store, kept up to date.
pub struct Live {
    store: Store,
    /// Where snapshots are loaded and the change log is followed from: the store itself,
    /// or a streaming replica of it (`ATHAR_READ_DATABASE_URL`).
    reader: (Store, StoreLocation),
    data_dir: std::path::PathBuf,
    privacy: Privacy,
    /// Community places and names: the bundled gazetteer with the store's communities and
    /// attached spellings. Reloaded whenever the store changes.
    gazetteer: RwLock<Arc<Gazetteer>>,
    /// The snapshot, and beside it what anonymous readers are served from when the privacy
    /// settings show them other data; swapped together.
    views: RwLock<Views>,
    /// The last change-log sequence the snapshot includes; held while catching up.
    applied: tokio::sync::Mutex<i64>,
    /// Where the first snapshot came from: `cache` or `store`.
    loaded_from: std::sync::OnceLock<&'static str>,
    /// The snapshot version last written to the cache file.
    cached_version: std::sync::atomic::AtomicU64,
    /// The last change-log sequence applied, as `applied` (read without waiting on it).
    applied_seq: std::sync::atomic::AtomicI64,
    /// When the snapshot was last swapped.
    swapped_at: std::sync::Mutex<std::time::Instant>,
}

impl Live {
    /// Loads the gazetteer and the first snapshot of `store` (at `location`), from the
    /// snapshot cached in `data_dir` when it belongs to this store.
    pub async fn load(
        store: Store,
        (location, data_dir): (StoreLocation, std::path::PathBuf),
        privacy: Privacy,
        reader: Option<(Store, StoreLocation)>,
    ) -> Result<Self, StoreError> {
        let live = Self {
            reader: reader.unwrap_or_else(|| (store.clone(), location)),
            store,
            data_dir,
            privacy,
            gazetteer: RwLock::new(Arc::new(Gazetteer::empty())),
            views: RwLock::new(Views {
                full: Arc::new(Snapshot::empty(Arc::new(Vocabularies::defaults()))),
                public: None,
            }),
            applied: tokio::sync::Mutex::new(0),
            loaded_from: std::sync::OnceLock::new(),
            cached_version: std::sync::atomic::AtomicU64::new(0),
            applied_seq: std::sync::atomic::AtomicI64::new(0),
            swapped_at: std::sync::Mutex::new(std::time::Instant::now()),
        };
        live.load_places().await?;
        // Incidents of a store written before OCHA's list was bundled find their places'
        // ids (through the change log, which the cached snapshot then replays).
        crate::gazetteer::move_former_ids(&live.store, &live.gazetteer()).await?;
        if live.load_cache().await {
            let _ = live.loaded_from.set("cache");
        } else {
            live.reload().await?;
            let _ = live.loaded_from.set("store");
        }
        Ok(live)
    }

    /// The store it reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the first snapshot came from: `cache` or `store`.
    pub fn loaded_from(&self) -> &'static str {
        self.loaded_from.get().copied().unwrap_or("store")
    }

    fn cache_path(&self) -> std::path::PathBuf {
        self.data_dir.join(CACHE_FILE)
    }

    /// Starts from the snapshot cached on disk, if it belongs to this store, and brings it
    /// up to date from the change log. Any doubt (another store, a damaged file, a count
    /// that does not match the store's) means `false`, and a full load.
    async fn load_cache(&self) -> bool {
        let path = self.cache_path();
        if !path.exists() {
            return false;
        }
        let attempt = async {
            let store_id = self.store.instance_id().await?.to_string();
            let vocabularies = Arc::new(self.store.vocabularies().await?);
            let read = tokio::task::spawn_blocking(move || {
                let file = std::fs::File::open(&path)?;
                Snapshot::read_cache(file, &store_id, vocabularies, 1)
            })
            .await
            .map_err(std::io::Error::other)?;
            let Some((snapshot, seq)) = read? else {
                tracing::info!(
                    "the cached snapshot belongs to another store; loading from the store"
                );
                return Ok::<bool, StoreError>(false);
            };
            self.cached_version
                .store(snapshot.version(), std::sync::atomic::Ordering::Relaxed);
            self.swap(Arc::new(snapshot), Change::Whole).await?;
            *self.applied.lock().await = seq;
            self.applied_seq
                .store(seq, std::sync::atomic::Ordering::Relaxed);
            self.catch_up().await?;
            let stored = self.store.count_incidents().await?;
            if stored != self.snapshot().len() as u64 {
                tracing::warn!(
                    stored,
                    cached = self.snapshot().len(),
                    "the cached snapshot disagrees with the store; loading from the store"
                );
                return Ok(false);
            }
            Ok(true)
        };
        match attempt.await {
            Ok(used) => used,
            Err(error) => {
                tracing::warn!(%error, "the cached snapshot could not be used; loading from the store");
                false
            }
        }
    }

    /// Writes the current snapshot to the cache file (through a temporary file, renamed
    /// into place, so a crash never leaves half a file). Failures are logged: the cache
    /// only saves time.
    pub async fn write_cache(&self) {
        let (snapshot, seq) = {
            let applied = self.applied.lock().await;
            (self.snapshot(), *applied)
        };
        let version = snapshot.version();
        let store_id = match self.store.instance_id().await {
            Ok(id) => id.to_string(),
            Err(error) => {
                tracing::warn!(%error, "not caching the snapshot");
                return;
            }
        };
        let path = self.cache_path();
        let written = tokio::task::spawn_blocking(move || {
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            let temporary =
                path.with_extension(format!("partial-{}", uuid::Uuid::new_v4().simple()));
            snapshot.write_cache(std::fs::File::create(&temporary)?, &store_id, seq)?;
            std::fs::rename(&temporary, &path)
        })
        .await;
        match written {
            Ok(Ok(())) => self
                .cached_version
                .store(version, std::sync::atomic::Ordering::Relaxed),
            Ok(Err(error)) => tracing::warn!(%error, "could not cache the snapshot"),
            Err(error) => tracing::warn!(%error, "could not cache the snapshot"),
        }
    }

    /// Writes the cache if the snapshot changed since it was last written.
    pub async fn refresh_cache(&self) {
        if self.snapshot().version()
            != self
                .cached_version
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            self.write_cache().await;
        }
    }

    /// The current snapshot, as stored (for writes and token holders).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current().full)
    }

    fn current(&self) -> Views {
        self.views
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The snapshot as stored and its public view (none when the privacy settings need
    /// none), of one moment.
    pub fn views(&self) -> (Arc<Snapshot>, Option<PublicView>) {
        let views = self.current();
        (views.full, views.public)
    }

    /// Makes `full` the snapshot, with its public view made beside it (off the request
    /// workers: a whole view of a million incidents takes a few seconds).
    async fn swap(&self, full: Arc<Snapshot>, change: Change) -> Result<(), StoreError> {
        let public = if self.privacy.needs_public_view() {
            let (privacy, places) = (self.privacy.clone(), self.gazetteer());
            let previous = self.current().public;
            let for_view = Arc::clone(&full);
            let made = tokio::task::spawn_blocking(move || match (change, previous) {
                (Change::Patched(upserts, touched), Some(previous)) => {
                    privacy.patch_public_view(&previous, &for_view, &places, (&upserts, &touched))
                }
                (Change::Places, Some(previous)) => {
                    privacy.patch_public_view(&previous, &for_view, &places, (&[], &[]))
                }
                _ => privacy.public_view(&for_view, &places),
            })
            .await
            .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
            Some(made)
        } else {
            None
        };
        *self
            .views
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Views { full, public };
        *self
            .swapped_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = std::time::Instant::now();
        Ok(())
    }

    /// The last change-log sequence the snapshot includes.
    pub fn applied_seq(&self) -> i64 {
        self.applied_seq.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How long ago the snapshot was last swapped (made from the store or patched).
    pub fn snapshot_age(&self) -> std::time::Duration {
        self.swapped_at
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .elapsed()
    }

    /// Reloads everything from the store.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let mut applied = self.applied.lock().await;
        let seq = self.reader.0.last_change_seq().await?;
        let vocabularies = Arc::new(self.reader.0.vocabularies().await?);
        let started = std::time::Instant::now();
        let version = self.snapshot().version() + 1;
        let snapshot = self.load_in_parallel(vocabularies, version).await?;
        tracing::info!(
            incidents = snapshot.len(),
            milliseconds = started.elapsed().as_millis() as u64,
            "snapshot loaded from the store"
        );
        self.swap(Arc::new(snapshot), Change::Whole).await?;
        *applied = seq;
        self.applied_seq
            .store(seq, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Reads every incident on two connections of a loader of its own (see
    /// [`crate::snapshot::load_in_parallel`]).
    async fn load_in_parallel(
        &self,
        vocabularies: Arc<Vocabularies>,
        version: u64,
    ) -> Result<Snapshot, StoreError> {
        crate::snapshot::load_in_parallel(self.reader.1.clone(), vocabularies, version).await
    }

    /// Applies the change log written since the snapshot was taken. Returns whether the
    /// snapshot changed.
    pub async fn catch_up(&self) -> Result<bool, StoreError> {
        let mut applied = self.applied.lock().await;
        let changes = self
            .reader
            .0
            .changes_since(*applied, PATCH_LIMIT as i64 + 1)
            .await?;
        let Some(last) = changes.last().map(|c| c.seq) else {
            return Ok(false);
        };
        // Writes may have learned places or moved incidents between them.
        self.load_places().await?;
        if changes.len() > PATCH_LIMIT {
            drop(applied);
            self.reload().await?;
            return Ok(true);
        }
        let mut touched: Vec<uuid::Uuid> = changes.iter().map(|c| c.incident_id).collect();
        touched.sort_unstable();
        touched.dedup();
        // Whatever still exists is (re)loaded; whatever does not was deleted.
        let upserts = self.reader.0.load_incidents_by_ids(&touched).await?;
        let current = self.snapshot();
        // Tens of milliseconds over a million rows: off the request workers.
        let (patched, upserts) = tokio::task::spawn_blocking(move || {
            let patched = current.patch(
                current.version() + 1,
                Arc::clone(current.vocabularies()),
                &upserts,
                &touched,
            );
            (patched, (upserts, touched))
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
        self.swap(Arc::new(patched), Change::Patched(upserts.0, upserts.1))
            .await?;
        *applied = last;
        self.applied_seq
            .store(last, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }

    /// The gazetteer as it stands.
    pub fn gazetteer(&self) -> Arc<Gazetteer> {
        Arc::clone(
            &self
                .gazetteer
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Reads the gazetteer again from the store (after a list import, a learned place, an
    /// attached spelling or a merge), and moves the public view's places with it.
    pub async fn reload_gazetteer(&self) -> Result<(), StoreError> {
        let _applied = self.applied.lock().await;
        self.load_places().await?;
        if self.privacy.needs_public_view() {
            self.swap(self.snapshot(), Change::Places).await?;
        }
        Ok(())
    }

    async fn load_places(&self) -> Result<(), StoreError> {
        let gazetteer = crate::load_gazetteer(&self.store).await?;
        *self
            .gazetteer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(gazetteer);
        Ok(())
    }
}

/// The snapshot and its public view, swapped together.
#[derive(Clone)]
struct Views {
    full: Arc<Snapshot>,
    public: Option<PublicView>,
}

/// How a new snapshot differs from the one before, so that its public view can be patched
/// rather than made whole.
enum Change {
    Whole,
    Patched(Vec<athar_core::Incident>, Vec<uuid::Uuid>),
    Places,
}
