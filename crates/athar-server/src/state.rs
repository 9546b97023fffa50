//! What every request shares: the store, the tokens, the live data (the snapshot, the
//! gazetteer and the public view, kept up to date by `athar_app::live::Live`), the caches
//! and the limits on work.

use std::sync::Arc;

use athar_core::CommunityResolver;
use athar_gazetteer::Gazetteer;
use athar_index::Snapshot;
use athar_store::{Store, StoreError};

use crate::Settings;
use crate::auth::Tokens;

/// Shared by every worker.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The snapshot, the gazetteer and the public view, kept up to date.
    pub live: athar_app::live::Live,
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
    /// What `/metrics` answers.
    pub(crate) metrics: Arc<crate::observe::Metrics>,
    /// The front-end files, as sent.
    pub(crate) assets: crate::routes::embed::AssetCache,
    /// `/v1/stats` bodies by filter, snapshot version and whether for an anonymous reader.
    pub(crate) stats: moka::future::Cache<(athar_core::Filter, u64, bool), String>,
    /// Published releases, each a snapshot of its own.
    pub releases: athar_app::releases::Releases,
    /// Hotspot analyses, by parameters and snapshot version.
    pub(crate) hotspots: athar_app::hotspots::HotspotCache,
    /// Permits for computations done off the request workers (see [`AppState::compute`]).
    computing: tokio::sync::Semaphore,
    compute_permits: u32,
    /// Hotspot units and weights, by area and neighbourhood.
    pub(crate) hotspot_neighbourhoods: athar_app::hotspots::NeighbourhoodCache,
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

/// Exports streaming at once; more are answered 503 with `Retry-After`. Each writes on a
/// blocking thread as fast as its client reads: eight at once starved the request
/// workers of a 2-core machine (`/healthz` up to 687 ms in the resource test).
const EXPORTS_AT_ONCE: usize = 2;

/// How long a request waits for a permit to compute before it is answered 503.
const COMPUTE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The memory for cached `/v1/stats` bodies (a few to tens of KB each).
const STATS_CACHE_BYTES: u64 = 16 * 1024 * 1024;

impl AppState {
    /// Loads the first snapshot from the store.
    pub async fn load(
        store: Store,
        tokens: Tokens,
        settings: Settings,
    ) -> Result<Self, StoreError> {
        let location = athar_store::StoreLocation::from_settings(
            settings.database_url.as_ref().map(crate::Secret::expose),
            &settings.data_dir,
        )?;
        // A replica to read snapshots and the change log from, if one is named.
        let reader = match settings.read_database_url.as_ref() {
            Some(url) => {
                let location = athar_store::StoreLocation::from_settings(
                    Some(url.expose()),
                    &settings.data_dir,
                )?;
                if !matches!(location, athar_store::StoreLocation::Postgres(_)) {
                    return Err(StoreError::Config(
                        "ATHAR_READ_DATABASE_URL must be a PostgreSQL URL (a streaming replica)"
                            .into(),
                    ));
                }
                Some((Store::open(&location).await?, location))
            }
            None => None,
        };
        let live = athar_app::live::Live::load(
            store.clone(),
            (location, settings.data_dir.clone()),
            settings.privacy.clone(),
            reader,
        )
        .await?;
        let releases = athar_app::releases::Releases::load(&store, &settings.privacy)
            .await
            .map_err(|error| match error {
                athar_app::releases::ReleaseError::Store(error) => error,
                other => StoreError::Io(std::io::Error::other(other)),
            })?;
        let metrics = Arc::new(crate::observe::Metrics::default());
        Ok(Self {
            store,
            live,
            releases,
            tiles: crate::routes::tiles::TileCache::new(settings.tile_cache_mb, &metrics),
            metrics,
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
        })
    }

    /// Where the first snapshot came from: `cache` or `store`.
    pub fn loaded_from(&self) -> &'static str {
        self.live.loaded_from()
    }

    /// The current snapshot, as stored (for writes and token holders; reads go through
    /// [`AppState::view`]).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.live.snapshot()
    }

    /// Applies the change log written since the snapshot was taken (see
    /// [`athar_app::live::Live::catch_up`]).
    pub async fn catch_up(&self) -> Result<bool, StoreError> {
        self.live.catch_up().await
    }

    /// Writes the snapshot cache if the snapshot changed since it was last written.
    pub async fn refresh_cache(&self) {
        self.live.refresh_cache().await;
    }

    /// The gazetteer as it stands.
    pub fn gazetteer(&self) -> Arc<Gazetteer> {
        self.live.gazetteer()
    }

    /// Reads the gazetteer again from the store, and moves the public view's places with it.
    pub async fn reload_gazetteer(&self) -> Result<(), StoreError> {
        self.live.reload_gazetteer().await
    }

    /// What a request may read: the snapshot and the places as stored for token holders
    /// (and for everyone when nothing is configured), their public view for anonymous
    /// readers, with who is reading. Every read handler starts here, so that no anonymous
    /// answer is computed from an exact point or a private field.
    ///
    /// With `release=ID`, the release's snapshot and places instead (a 404 naming an
    /// unknown release, a 410 with the reason for a withdrawn one).
    pub(crate) fn view(
        &self,
        request: &actix_web::HttpRequest,
    ) -> Result<View<'_>, crate::ApiError> {
        let viewer = self.viewer(request);
        if let Some(id) = release_parameter(request) {
            let release = self.releases.published(&id)?;
            let (snapshot, places) = release.seen_by(viewer.is_public());
            let resolver = Arc::clone(&release.places) as Arc<dyn CommunityResolver>;
            return Ok(View {
                snapshot,
                places,
                viewer,
                resolver,
                release: Some(release),
            });
        }
        let (full, public) = self.live.views();
        let resolver = self.resolver();
        Ok(match (viewer, public) {
            (athar_app::privacy::Viewer::Public(_), Some(public)) => View {
                snapshot: public.snapshot,
                places: public.places,
                viewer,
                resolver,
                release: None,
            },
            _ => View {
                snapshot: full,
                places: self.gazetteer(),
                viewer,
                resolver,
                release: None,
            },
        })
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

    /// As [`AppState::authorize_write`], accepting the token as basic authentication's
    /// password too (the field-form intake, for KoboToolbox's REST services).
    pub(crate) fn authorize_intake(
        &self,
        request: &actix_web::HttpRequest,
    ) -> Result<crate::Caller, crate::ApiError> {
        self.write_limits.check_address(request)?;
        let caller = self
            .tokens
            .authorize_basic_too(request, crate::Role::Editor)?;
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
    /// parameters up to their limits (hotspot analyses, static maps): it takes all the
    /// permits but one, so that one runs at a time, with at most one statistic beside it.
    /// Two at once took both cores of a 2-core machine for seconds, and `/healthz` waited
    /// up to 765 ms behind them (`scripts/resource-test`, 2,000 × 2,000 maps).
    pub(crate) async fn compute_heavy<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, crate::ApiError> {
        self.compute_weighing(self.compute_permits - 1, work).await
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
            .map_err(crate::ApiError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(crate::ApiError::internal)
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
}

/// The release a request pins (`release=ID`), if any: the last one given.
fn release_parameter(request: &actix_web::HttpRequest) -> Option<String> {
    // Most requests name none: no parsing for them (cached tiles are answered by the
    // thousand a second).
    if !request.query_string().contains("release") {
        return None;
    }
    actix_web::web::Query::<Vec<(String, String)>>::from_query(request.query_string())
        .ok()?
        .into_inner()
        .into_iter()
        .rev()
        .find(|(name, _)| name == "release")
        .map(|(_, value)| value)
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
    /// What names in filters resolve against: the live gazetteer, or a release's places
    /// (so that a release's answers never change with the gazetteer).
    pub(crate) resolver: Arc<dyn CommunityResolver>,
    /// The release it reads, when the request pins one (`release=ID`).
    pub(crate) release: Option<Arc<athar_app::releases::Release>>,
}

impl View<'_> {
    /// What the answer's ETag is made of.
    pub(crate) fn tag(&self) -> crate::http::Tag {
        crate::http::Tag::new(self.snapshot.version(), self.viewer.is_public())
    }
}
