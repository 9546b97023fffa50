//! Seeing a running server: one log line per request, and Prometheus metrics.
//!
//! Every request is logged once, when its answer is ready, at `info` under the target
//! `athar::request`: method, route template (never the raw path or query, which may carry
//! private filters), status, bytes, duration, request id and the token's name when one was
//! presented (never the token). The request id is the client's `X-Request-Id` when it is a
//! plain one (1–64 letters, digits, `.`, `_`, `-`), else a new one; it is answered in
//! `X-Request-Id`.
//!
//! `GET /metrics` answers the Prometheus text format (0.0.4): requests by route template,
//! method and status, a latency histogram and bytes sent per route, the tile cache's hits,
//! misses, evictions and bytes per layer, the snapshot (version, incidents, age), the
//! change log (newest sequence, the one applied and the lag), the import log's totals, the
//! database pool, and the process's memory and CPU.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

/// The header carrying a request's id.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// A tile layer's label (layers are named by constants: no allocation per tile).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LayerLabels {
    layer: &'static str,
}

/// What the tile cache did for a tile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TileOutcome {
    /// Answered from the cache.
    Hit,
    /// Made, the cache lacking it.
    Miss,
    /// Dropped from the cache to make room.
    Eviction,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RowLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    /// One scrape at a time: the totals read from elsewhere are raised to what was read,
    /// which two scrapes at once would each add; and scrapes queue rather than each
    /// querying the store and walking the tile cache.
    rendering: tokio::sync::Mutex<()>,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    bytes: Family<RouteLabels, Counter>,
    tile_hits: Family<LayerLabels, Counter>,
    tile_misses: Family<LayerLabels, Counter>,
    tile_evictions: Family<LayerLabels, Counter>,
    tile_bytes: Family<LayerLabels, Gauge>,
    snapshot_version: Gauge,
    snapshot_incidents: Gauge,
    snapshot_age: Gauge<f64, AtomicU64>,
    changes_newest: Gauge,
    changes_applied: Gauge,
    changes_lag: Gauge,
    imports: Counter,
    import_rows: Family<RowLabels, Counter>,
    pool: Family<PoolLabels, Gauge>,
    memory: Gauge,
    cpu: Counter<f64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("athar");
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 0.5 ms to about 16 s.
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let metrics = Self {
            requests: Family::default(),
            durations,
            bytes: Family::default(),
            tile_hits: Family::default(),
            tile_misses: Family::default(),
            tile_evictions: Family::default(),
            tile_bytes: Family::default(),
            snapshot_version: Gauge::default(),
            snapshot_incidents: Gauge::default(),
            snapshot_age: Gauge::default(),
            changes_newest: Gauge::default(),
            changes_applied: Gauge::default(),
            changes_lag: Gauge::default(),
            imports: Counter::default(),
            import_rows: Family::default(),
            pool: Family::default(),
            memory: Gauge::default(),
            cpu: Counter::default(),
            registry: Registry::default(),
            rendering: tokio::sync::Mutex::new(()),
        };
        let m = &metrics;
        registry.register(
            "http_requests",
            "Requests answered, by route template, method and status",
            m.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route template",
            m.durations.clone(),
        );
        registry.register(
            "http_response_bytes",
            "Body bytes sent (as encoded), by route template",
            m.bytes.clone(),
        );
        registry.register(
            "tile_cache_hits",
            "Tiles answered from the tile cache, by layer",
            m.tile_hits.clone(),
        );
        registry.register(
            "tile_cache_misses",
            "Tiles made because the cache lacked them, by layer",
            m.tile_misses.clone(),
        );
        registry.register(
            "tile_cache_evictions",
            "Tiles dropped from the cache to make room, by layer",
            m.tile_evictions.clone(),
        );
        registry.register(
            "tile_cache_bytes",
            "Bytes of tiles held in the cache, by layer",
            m.tile_bytes.clone(),
        );
        registry.register(
            "snapshot_version",
            "The in-memory snapshot's version",
            m.snapshot_version.clone(),
        );
        registry.register(
            "snapshot_incidents",
            "Incidents in the snapshot",
            m.snapshot_incidents.clone(),
        );
        registry.register(
            "snapshot_age_seconds",
            "Seconds since the snapshot was last made or patched",
            m.snapshot_age.clone(),
        );
        registry.register(
            "change_log_sequence",
            "The newest change-log sequence in the store",
            m.changes_newest.clone(),
        );
        registry.register(
            "change_log_applied_sequence",
            "The change-log sequence the snapshot includes",
            m.changes_applied.clone(),
        );
        registry.register(
            "change_log_lag",
            "Change-log entries not yet in the snapshot",
            m.changes_lag.clone(),
        );
        registry.register(
            "imports",
            "Finished imports in the import log (every process of this store)",
            m.imports.clone(),
        );
        registry.register(
            "import_rows",
            "Rows of finished imports, by outcome (accepted, updated, unchanged, rejected)",
            m.import_rows.clone(),
        );
        registry.register(
            "db_pool_connections",
            "The database pool's connections, by state (open, idle)",
            m.pool.clone(),
        );
        registry.register(
            "process_resident_memory_bytes",
            "The process's resident memory",
            m.memory.clone(),
        );
        registry.register(
            "process_cpu_seconds",
            "CPU time the process has used, user and system",
            m.cpu.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }
}

/// Raises `counter` to `total` (read from elsewhere), never lowering it.
fn raise(counter: &Counter, total: u64) {
    let now = counter.get();
    if total > now {
        counter.inc_by(total - now);
    }
}

/// Clamps a count to a gauge's range.
fn gauge_value(value: impl TryInto<i64>) -> i64 {
    value.try_into().unwrap_or(i64::MAX)
}

impl Metrics {
    /// Counts what the tile cache did for a tile of `layer`.
    pub(crate) fn tile(&self, outcome: TileOutcome, layer: &'static str) {
        let family = match outcome {
            TileOutcome::Hit => &self.tile_hits,
            TileOutcome::Miss => &self.tile_misses,
            TileOutcome::Eviction => &self.tile_evictions,
        };
        family.get_or_create(&LayerLabels { layer }).inc();
    }

    /// Counts one answered request.
    fn record(&self, route: &str, method: &str, status: u16, (bytes, seconds): (u64, f64)) {
        let labels = RouteLabels {
            route: route.to_owned(),
        };
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.durations.get_or_create(&labels).observe(seconds);
        self.bytes.get_or_create(&labels).inc_by(bytes);
    }

    /// The metrics in the Prometheus text format, read now.
    pub(crate) async fn render(&self, state: &AppState) -> String {
        let _alone = self.rendering.lock().await;
        let snapshot = state.snapshot();
        self.snapshot_version.set(gauge_value(snapshot.version()));
        self.snapshot_incidents.set(gauge_value(snapshot.len()));
        self.snapshot_age
            .set(state.live.snapshot_age().as_secs_f64());
        let applied = state.live.applied_seq();
        self.changes_applied.set(applied);
        if let Ok(newest) = state.store.last_change_seq().await {
            self.changes_newest.set(newest);
            self.changes_lag.set((newest - applied).max(0));
        }
        if let Ok(totals) = state.store.import_totals().await {
            let count = |value: i64| u64::try_from(value).unwrap_or(0);
            raise(&self.imports, count(totals.imports));
            for (outcome, value) in [
                ("accepted", totals.accepted),
                ("updated", totals.updated),
                ("unchanged", totals.unchanged),
                ("rejected", totals.rejected),
            ] {
                raise(
                    &self.import_rows.get_or_create(&RowLabels { outcome }),
                    count(value),
                );
            }
        }
        let (open, idle) = state.store.pool_connections();
        self.pool
            .get_or_create(&PoolLabels { state: "open" })
            .set(i64::from(open));
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(gauge_value(idle));
        for (layer, bytes) in state.tiles.bytes_by_layer() {
            self.tile_bytes
                .get_or_create(&LayerLabels { layer })
                .set(gauge_value(bytes));
        }
        if let Some((resident, cpu)) = process_usage() {
            self.memory.set(gauge_value(resident));
            let now = self.cpu.get();
            if cpu > now {
                self.cpu.inc_by(cpu - now);
            }
        }
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry);
        text
    }
}

/// The process's resident memory (bytes) and CPU time (seconds), from `/proc`.
fn process_usage() -> Option<(u64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let resident = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?
        * 1024;
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // After the command name (in parentheses, which may hold spaces): fields 14 and 15,
    // user and system time, in clock ticks of 1/100 s on Linux.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    #[allow(clippy::cast_precision_loss)] // ticks far below 2^52
    Some((resident, ticks as f64 / 100.0))
}

/// A request id the client sent that may be kept as it is.
fn plain_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    (!text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"._-".contains(&byte)))
    .then(|| text.to_owned())
}

/// What is known of a request once answered, logged and counted when its body has been
/// sent (or the client went away).
struct Answered {
    state: Option<web::Data<AppState>>,
    method: String,
    route: String,
    status: u16,
    id: String,
    token: Option<String>,
    started: Instant,
}

impl Answered {
    fn finish(self, bytes: u64) {
        let seconds = self.started.elapsed().as_secs_f64();
        if let Some(state) = &self.state {
            state
                .metrics
                .record(&self.route, &self.method, self.status, (bytes, seconds));
        }
        tracing::info!(
            target: "athar::request",
            method = %self.method,
            route = %self.route,
            status = self.status,
            bytes,
            duration_ms = seconds * 1000.0,
            request_id = %self.id,
            token = self.token.as_deref().unwrap_or("-"),
            "request"
        );
    }
}

/// A response body that counts the bytes sent, and logs its request when dropped.
struct Counted {
    body: actix_web::body::BoxBody,
    bytes: u64,
    answered: Option<Answered>,
}

impl MessageBody for Counted {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        let this = self.get_mut();
        let polled = std::pin::Pin::new(&mut this.body).poll_next(context);
        if let std::task::Poll::Ready(Some(Ok(chunk))) = &polled {
            this.bytes += chunk.len() as u64;
        }
        polled
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Some(answered) = self.answered.take() {
            answered.finish(self.bytes);
        }
    }
}

/// The tile layers, served by scopes of their own (see `routes::router`).
const TILE_SCOPES: [&str; 4] = [
    "/tiles/incidents/",
    "/tiles/communities/",
    "/tiles/context/",
    "/tiles/hotspots/",
];

/// The route template a request matched (a tile layer's scope with its tile path), or
/// `(unmatched)`: never the raw path.
fn route_of(request: &actix_web::HttpRequest) -> String {
    if let Some(pattern) = request.match_pattern() {
        return pattern;
    }
    let path = request.path();
    TILE_SCOPES
        .iter()
        .find(|scope| path.starts_with(**scope))
        .map_or_else(
            || "(unmatched)".to_owned(),
            |scope| format!("{scope}{{z}}/{{x}}/{{y}}"),
        )
}

/// The middleware: gives the request its id, and once its answer is sent logs it, counts
/// it in the metrics and answers the id.
pub(crate) async fn observe(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(plain_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let method = request.method().as_str().to_owned();
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let token = state
        .as_ref()
        .and_then(|state| state.tokens.name_of(request.request()));
    let mut response = next.call(request).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let answered = Answered {
        state,
        method,
        route: route_of(response.request()),
        status: response.status().as_u16(),
        id,
        token,
        started,
    };
    Ok(response.map_body(move |_, body| Counted {
        body: body.boxed(),
        bytes: 0,
        answered: Some(answered),
    }))
}

/// Who may read `/metrics` (`--metrics-from`): this machine, any valid token, or an
/// address or network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Requests from a loopback address (`loopback`, the default).
    Loopback,
    /// Requests with a valid bearer token of any role (`token`).
    Token,
    /// Requests from an address in this network (`10.0.0.0/8`, `192.0.2.7`, `::1/128`).
    Network(std::net::IpAddr, u8),
}

impl MetricsAccess {
    /// One entry of `--metrics-from`.
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        match text {
            "loopback" => return Ok(Self::Loopback),
            "token" => return Ok(Self::Token),
            _ => {}
        }
        let (address, prefix) = text
            .split_once('/')
            .map_or((text, None), |(a, p)| (a, Some(p)));
        let address: std::net::IpAddr = address.parse().map_err(|_| {
            format!("'{text}' is not loopback, token, an IP address or a network (10.0.0.0/8)")
        })?;
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("'{text}': the prefix length must be 0 to {bits}"))?,
        };
        Ok(Self::Network(address, prefix))
    }

    fn allows(&self, peer: Option<std::net::IpAddr>, has_token: &dyn Fn() -> bool) -> bool {
        match self {
            Self::Loopback => peer.is_some_and(|ip| ip.is_loopback()),
            Self::Token => has_token(),
            Self::Network(network, prefix) => peer.is_some_and(|ip| {
                // Both as IPv6 (IPv4 as IPv4-mapped, as a dual-stack socket sees an IPv4
                // client), an IPv4 prefix moved past the mapping's 96 bits.
                let bits = |ip: std::net::IpAddr| match ip {
                    std::net::IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
                    std::net::IpAddr::V6(v6) => u128::from(v6),
                };
                let prefix = u32::from(*prefix) + if network.is_ipv4() { 96 } else { 0 };
                prefix == 0 || bits(ip) >> (128 - prefix) == bits(*network) >> (128 - prefix)
            }),
        }
    }
}

/// `GET /metrics`: the server's metrics in the Prometheus text format, to the readers
/// `--metrics-from` allows (loopback by default); others are refused with 403.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Operations",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
        (status = 403, description = "Not allowed by --metrics-from", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn metrics(
    request: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<actix_web::HttpResponse, crate::ApiError> {
    let peer = request.peer_addr().map(|address| address.ip());
    let has_token = || {
        state
            .tokens
            .authorize(&request, crate::Role::Reader)
            .is_ok()
    };
    if !state
        .settings
        .metrics_from
        .iter()
        .any(|rule| rule.allows(peer, &has_token))
    {
        return Err(crate::ApiError::Forbidden(
            "/metrics is not open to this address (see --metrics-from)".into(),
        ));
    }
    let body = state.metrics.render(&state).await;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_access_reads_addresses_and_networks() {
        let no_token = || false;
        let ip = |text: &str| Some(text.parse().unwrap());
        let rule = |text: &str| MetricsAccess::parse(text).unwrap();
        assert!(rule("loopback").allows(ip("127.0.0.1"), &no_token));
        assert!(rule("loopback").allows(ip("::1"), &no_token));
        assert!(!rule("loopback").allows(ip("10.1.2.3"), &no_token));
        assert!(rule("10.0.0.0/8").allows(ip("10.1.2.3"), &no_token));
        assert!(!rule("10.0.0.0/8").allows(ip("11.1.2.3"), &no_token));
        assert!(rule("10.0.0.0/8").allows(ip("::ffff:10.1.2.3"), &no_token));
        assert!(rule("192.0.2.7").allows(ip("192.0.2.7"), &no_token));
        assert!(!rule("192.0.2.7").allows(ip("192.0.2.8"), &no_token));
        assert!(rule("0.0.0.0/0").allows(ip("8.8.8.8"), &no_token));
        assert!(rule("2001:db8::/32").allows(ip("2001:db8::5"), &no_token));
        assert!(!rule("2001:db8::/32").allows(ip("2001:db9::5"), &no_token));
        assert!(rule("token").allows(None, &|| true));
        assert!(!rule("token").allows(ip("127.0.0.1"), &no_token));
        for bad in ["10.0.0.0/33", "nowhere", "10.0.0/8", ""] {
            assert!(MetricsAccess::parse(bad).is_err(), "{bad}");
        }
    }
}
