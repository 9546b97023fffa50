//! What every request shares: the store, the tokens and the current snapshot.
//!
//! The snapshot is swapped whole: readers clone an `Arc` and keep it as long as they like.
//! After a write, [`AppState::catch_up`] reads the change log from the last sequence it
//! applied, loads the incidents it names and patches the snapshot; the same runs on a
//! timer, so writes made by another process (the CLI, another replica) show up too.

use std::sync::{Arc, RwLock};

use athar_core::{CommunityResolver, Vocabularies};
use athar_gazetteer::Gazetteer;
use athar_index::Snapshot;
use athar_store::{Store, StoreError};

use crate::Settings;
use crate::auth::Tokens;

/// Past this many changes, catching up reloads everything instead of patching.
const PATCH_LIMIT: usize = 50_000;

/// Shared by every worker.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Community places and names: the bundled gazetteer with the store's communities and
    /// attached spellings. Reloaded whenever the store changes.
    gazetteer: RwLock<Arc<Gazetteer>>,
    /// Known tokens.
    pub tokens: Tokens,
    /// Write rate limits.
    write_limits: crate::limits::WriteLimits,
    /// Heavy-read rate limits for anonymous readers.
    read_limits: crate::limits::ReadLimits,
    /// Exports streaming at once (each holds a blocking thread and its rows).
    exporting: Arc<tokio::sync::Semaphore>,
    /// The settings it runs with.
    pub settings: Settings,
    /// Encoded vector tiles.
    pub tiles: crate::routes::tiles::TileCache,
    /// The front-end files, as sent.
    pub(crate) assets: crate::routes::embed::AssetCache,
    /// `/v1/stats` bodies by query, snapshot version and whether for an anonymous reader.
    pub(crate) stats: moka::future::Cache<(String, u64, bool), String>,
    /// Hotspot analyses, by parameters and snapshot version.
    pub(crate) hotspots: athar_app::hotspots::HotspotCache,
    /// Permits for computations done off the request workers (see [`AppState::compute`]).
    computing: tokio::sync::Semaphore,
    compute_permits: u32,
    /// Hotspot units and weights, by area and neighbourhood.
    pub(crate) hotspot_neighbourhoods: athar_app::hotspots::NeighbourhoodCache,
    /// The snapshot, and beside it what anonymous readers are served from when the privacy
    /// settings show them other data; swapped together.
    views: RwLock<Views>,
    /// The last change-log sequence the snapshot includes; held while catching up.
    applied: tokio::sync::Mutex<i64>,
    /// Where the first snapshot came from: `cache` or `store`.
    loaded_from: std::sync::OnceLock<&'static str>,
    /// The snapshot version last written to the cache file.
    cached_version: std::sync::atomic::AtomicU64,
}

/// The value under `key`, made by `make` when `cache` lacks it. Requests that miss the
/// same key at once wait for one making, not one each: a new snapshot version (any write)
/// makes every cached tile and figure stale together, and a map's readers then ask for the
/// same few at the same moment. Should the request making it go away (its client hung
/// up), one of those waiting makes it instead. Failures are answered, not kept.
pub(crate) async fn cached_or_made<K, V>(
    cache: &moka::future::Cache<K, V>,
    key: K,
    make: impl Future<Output = Result<V, crate::ApiError>>,
) -> Result<V, crate::ApiError>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    cache
        .try_get_with(key, make)
        .await
        .map_err(|error| crate::ApiError::clone(&error))
}

/// Computations at once: two per core (each runs on a core of its own, and one waiting
/// on memory lets the other go on), the same on every machine so that the memory they
/// may take together is known.
const COMPUTE_PERMITS: u32 = 4;

/// Exports streaming at once; more are answered 503 with `Retry-After`.
const EXPORTS_AT_ONCE: usize = 8;

/// How long a request waits for a permit to compute before it is answered 503.
const COMPUTE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The memory for cached `/v1/stats` bodies (a few to tens of KB each).
const STATS_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The file a snapshot is cached in, beside the embedded store.
const CACHE_FILE: &str = "snapshot.cache";

impl AppState {
    /// Loads the first snapshot from the store.
    pub async fn load(
        store: Store,
        tokens: Tokens,
        settings: Settings,
    ) -> Result<Self, StoreError> {
        let state = Self {
            store,
            gazetteer: RwLock::new(Arc::new(Gazetteer::empty())),
            tiles: crate::routes::tiles::TileCache::new(settings.tile_cache_mb),
            assets: crate::routes::embed::AssetCache::new(),
            stats: moka::future::Cache::builder()
                .weigher(|_, body: &String| u32::try_from(body.len()).unwrap_or(u32::MAX))
                .max_capacity(STATS_CACHE_BYTES)
                .build(),
            hotspots: athar_app::hotspots::new_cache(),
            hotspot_neighbourhoods: athar_app::hotspots::new_neighbourhood_cache(),
            computing: tokio::sync::Semaphore::new(COMPUTE_PERMITS as usize),
            compute_permits: COMPUTE_PERMITS,
            read_limits: crate::limits::ReadLimits::new(settings.read_rate_per_ip),
            exporting: Arc::new(tokio::sync::Semaphore::new(EXPORTS_AT_ONCE)),
            write_limits: crate::limits::WriteLimits::new(
                settings.write_rate_per_token,
                settings.write_rate_per_ip,
            ),
            tokens,
            settings,
            views: RwLock::new(Views {
                full: Arc::new(Snapshot::empty(Arc::new(Vocabularies::defaults()))),
                public: None,
            }),
            applied: tokio::sync::Mutex::new(0),
            loaded_from: std::sync::OnceLock::new(),
            cached_version: std::sync::atomic::AtomicU64::new(0),
        };
        state.load_places().await?;
        if state.load_cache().await {
            let _ = state.loaded_from.set("cache");
        } else {
            state.reload().await?;
            let _ = state.loaded_from.set("store");
        }
        Ok(state)
    }

    /// Where the first snapshot came from: `cache` or `store`.
    pub fn loaded_from(&self) -> &'static str {
        self.loaded_from.get().copied().unwrap_or("store")
    }

    fn cache_path(&self) -> std::path::PathBuf {
        self.settings.data_dir.join(CACHE_FILE)
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

    /// The current snapshot, as stored (for writes and token holders; reads go through
    /// [`AppState::view`]).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.views().full)
    }

    fn views(&self) -> Views {
        self.views
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// What a request may read: the snapshot and the places as stored for token holders
    /// (and for everyone when nothing is configured), their public view for anonymous
    /// readers, with who is reading. Every read handler starts here, so that no anonymous
    /// answer is computed from an exact point or a private field.
    pub(crate) fn view(&self, request: &actix_web::HttpRequest) -> View<'_> {
        let viewer = self.viewer(request);
        let views = self.views();
        match (viewer, views.public) {
            (athar_app::privacy::Viewer::Public(_), Some(public)) => View {
                snapshot: public.snapshot,
                places: public.places,
                viewer,
            },
            _ => View {
                snapshot: views.full,
                places: self.gazetteer(),
                viewer,
            },
        }
    }

    /// Makes `full` the snapshot, with its public view made beside it (off the request
    /// workers: a whole view of a million incidents takes a few seconds).
    async fn swap(&self, full: Arc<Snapshot>, change: Change) -> Result<(), StoreError> {
        let public = if self.settings.privacy.needs_public_view() {
            let (privacy, places) = (self.settings.privacy.clone(), self.gazetteer());
            let previous = self.views().public;
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
        Ok(())
    }

    /// Reloads everything from the store.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let mut applied = self.applied.lock().await;
        let seq = self.store.last_change_seq().await?;
        let vocabularies = Arc::new(self.store.vocabularies().await?);
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
        Ok(())
    }

    /// Reads every incident on two connections of a loader of its own (see
    /// [`athar_app::snapshot::load_in_parallel`]).
    async fn load_in_parallel(
        &self,
        vocabularies: Arc<Vocabularies>,
        version: u64,
    ) -> Result<Snapshot, StoreError> {
        let location = athar_store::StoreLocation::from_settings(
            self.settings
                .database_url
                .as_ref()
                .map(crate::Secret::expose),
            &self.settings.data_dir,
        )?;
        athar_app::snapshot::load_in_parallel(location, vocabularies, version).await
    }

    /// Applies the change log written since the snapshot was taken. Returns whether the
    /// snapshot changed.
    pub async fn catch_up(&self) -> Result<bool, StoreError> {
        let mut applied = self.applied.lock().await;
        let changes = self
            .store
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
        let upserts = self.store.load_incidents_by_ids(&touched).await?;
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
        Ok(true)
    }

    /// The caller of a write: within the address's write rate, holding a token with the
    /// editor role (or more), within the token's write rate.
    pub(crate) fn authorize_write(
        &self,
        request: &actix_web::HttpRequest,
    ) -> Result<crate::Caller, crate::ApiError> {
        self.write_limits.check_address(request)?;
        let caller = self.tokens.authorize(request, crate::Role::Editor)?;
        self.write_limits.check_token(&caller.name)?;
        Ok(caller)
    }

    /// Runs a computation over the snapshot on a blocking thread, at most two per core at
    /// once; requests beyond that wait their turn without holding memory, for at most
    /// [`COMPUTE_WAIT`], then are answered 503 with `Retry-After`. The request workers stay
    /// free to read requests and send answers meanwhile (a statistic over the whole store
    /// takes a tenth of a second).
    pub(crate) async fn compute<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::ApiError> {
        self.compute_weighing(1, work).await
    }

    /// As [`AppState::compute`], for the heavy work whose memory grows with its
    /// parameters up to their limits (hotspot analyses, static maps): it takes half of
    /// the permits, so that at most two run at once, and statistics wait behind them
    /// rather than run beside them.
    pub(crate) async fn compute_heavy<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::ApiError> {
        self.compute_weighing(self.compute_permits / 2, work).await
    }

    /// A permit to stream an export, held until the export ends; 503 when every one is
    /// taken.
    pub(crate) fn export_permit(
        &self,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, crate::ApiError> {
        Arc::clone(&self.exporting)
            .try_acquire_owned()
            .map_err(|_| crate::ApiError::Busy)
    }

    /// Whether the request may see incidents one by one: always with a token, and
    /// without one unless the deployment shows anonymous readers counts only.
    pub(crate) fn incidents_visible(&self, request: &actix_web::HttpRequest) -> bool {
        self.settings.privacy.public_incidents
            || self.tokens.authorize(request, crate::Role::Reader).is_ok()
    }

    /// Refuses an anonymous reader incident-level data where the deployment shows it to
    /// token holders only (`--public-incidents false`).
    pub(crate) fn require_incident_level(
        &self,
        request: &actix_web::HttpRequest,
    ) -> Result<(), crate::ApiError> {
        if self.incidents_visible(request) {
            return Ok(());
        }
        Err(crate::ApiError::Unauthorized(
            "this deployment shows incidents one by one to token holders only; without a token, ask for counts (/v1/stats, /v1/communities/counts, community tiles)".into(),
        ))
    }

    /// Counts a heavy read (an analysis, a static map, an export) against the anonymous
    /// reader's address (`--read-rate-per-ip`); token holders are not counted.
    pub(crate) fn authorize_heavy_read(
        &self,
        request: &actix_web::HttpRequest,
    ) -> Result<(), crate::ApiError> {
        if self.tokens.authorize(request, crate::Role::Reader).is_ok() {
            return Ok(());
        }
        self.read_limits.check(request)
    }

    /// Whether the process's resident memory is past nine tenths of the ceiling
    /// (`--memory-limit-mb`); if so, the caches of derived data are emptied, so that it
    /// falls back.
    fn over_memory(&self) -> bool {
        let limit = self.settings.memory_limit_mb.saturating_mul(1024 * 1024) / 10 * 9;
        let over = crate::limits::resident_bytes().is_some_and(|resident| resident > limit);
        if over {
            tracing::warn!(
                limit_mb = self.settings.memory_limit_mb,
                "resident memory near the ceiling: emptying caches, refusing heavy work"
            );
            self.stats.invalidate_all();
            self.hotspots.invalidate_all();
            self.hotspot_neighbourhoods.invalidate_all();
            self.tiles.shed();
        }
        over
    }

    async fn compute_weighing<T: Send + 'static>(
        &self,
        permits: u32,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::ApiError> {
        if permits > 1 && self.over_memory() {
            return Err(crate::ApiError::Busy);
        }
        let _permit = tokio::time::timeout(COMPUTE_WAIT, self.computing.acquire_many(permits))
            .await
            .map_err(|_| crate::ApiError::Busy)?
            .map_err(|e| crate::ApiError::Internal(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| crate::ApiError::Internal(e.to_string()))
    }

    /// Who is reading: anyone with a valid token sees what is stored; without one, what
    /// the privacy settings allow.
    pub(crate) fn viewer(
        &self,
        request: &actix_web::HttpRequest,
    ) -> athar_app::privacy::Viewer<'_> {
        let privacy = &self.settings.privacy;
        if !privacy.is_configured() || self.tokens.authorize(request, crate::Role::Reader).is_ok() {
            athar_app::privacy::Viewer::Trusted
        } else {
            athar_app::privacy::Viewer::Public(privacy)
        }
    }

    /// The resolver for names in filters and imports.
    pub fn resolver(&self) -> Arc<dyn CommunityResolver> {
        self.gazetteer() as Arc<dyn CommunityResolver>
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
        if self.settings.privacy.needs_public_view() {
            self.swap(self.snapshot(), Change::Places).await?;
        }
        Ok(())
    }

    async fn load_places(&self) -> Result<(), StoreError> {
        let gazetteer = athar_app::load_gazetteer(&self.store).await?;
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
    public: Option<athar_app::privacy::PublicView>,
}

/// How a new snapshot differs from the one before, so that its public view can be patched
/// rather than made whole.
enum Change {
    Whole,
    Patched(Vec<athar_core::Incident>, Vec<uuid::Uuid>),
    Places,
}

/// What one request reads: a snapshot and places of one moment, as its reader may see
/// them (see [`AppState::view`]).
pub(crate) struct View<'a> {
    /// The incidents.
    pub(crate) snapshot: Arc<Snapshot>,
    /// The places.
    pub(crate) places: Arc<Gazetteer>,
    /// Who is reading (for what is withheld from anonymous readers).
    pub(crate) viewer: athar_app::privacy::Viewer<'a>,
}

impl View<'_> {
    /// What the answer's ETag is made of.
    pub(crate) fn tag(&self) -> crate::http::Tag {
        crate::http::Tag::new(self.snapshot.version(), self.viewer.is_public())
    }
}
