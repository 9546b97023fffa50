//! Building and running the application.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::{App, HttpServer, middleware, web};
use athar_ingest::Format;
use athar_store::{ImportMeta, Store, StoreError};

use crate::{AppState, Settings, Tokens, router};
use athar_app::{DEMO_CSV, ImportError, run_import};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The store could not be opened or migrated.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The demo data could not be loaded.
    #[error("loading the demo data failed: {0}")]
    Demo(#[from] ImportError),
    /// The tokens file is not usable.
    #[error("{0}")]
    Tokens(#[from] crate::auth::TokenFileError),
    /// The privacy settings contradict each other.
    #[error("{0}")]
    Privacy(#[from] athar_app::privacy::PrivacyError),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens the store the settings name and runs its migrations.
pub(crate) async fn open_store(settings: &Settings) -> Result<Store, StoreError> {
    athar_app::gazetteer::open_store(
        settings
            .database_url
            .as_ref()
            .map(crate::DatabaseUrl::expose),
        &settings.data_dir,
    )
    .await
}

/// Reads are open to any origin (widgets are embedded anywhere) unless origins are
/// configured; writes are not open to other origins.
fn cors(origins: &[String]) -> Cors {
    let cors = if origins.is_empty() {
        Cors::default().allow_any_origin().send_wildcard()
    } else {
        origins
            .iter()
            .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
    };
    cors.allowed_methods(["GET", "HEAD"])
        .allowed_headers([
            header::IF_NONE_MATCH,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
        ])
        .expose_headers([header::ETAG])
        .max_age(3600)
}

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Opens the store, loads the demo month if asked and the store is empty, takes the
    /// first snapshot and binds the listener.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let store = open_store(&settings).await?;
        if settings.demo && store.count_incidents().await? == 0 {
            let report = run_import(
                &store,
                Arc::new(store.vocabularies().await?),
                Arc::new(athar_app::load_gazetteer(&store).await?),
                Format::Csv,
                DEMO_CSV,
                ImportMeta {
                    source: "athar-demo (synthetic)".into(),
                    format: "csv".into(),
                    file_name: Some("incidents-2024-04.csv".into()),
                    actor: None,
                },
            )
            .await?;
            tracing::info!(
                accepted = report.accepted,
                rejected = report.rejected_rows,
                "demo data loaded"
            );
        }
        let tokens = Tokens::load(
            settings.admin_token.as_ref(),
            settings.tokens_file.as_deref(),
        )?;
        settings.privacy.check()?;
        tokens.refresh(&store).await?;
        let state = web::Data::new(AppState::load(store, tokens, settings.clone()).await?);
        {
            // Tokens made and revoked from the command line, on any server of the store,
            // are known here within a second; their last use is written every ten.
            let watched = state.clone();
            actix_web::rt::spawn(async move {
                let mut ticks = tokio::time::interval(std::time::Duration::from_secs(1));
                let mut tick: u64 = 0;
                loop {
                    ticks.tick().await;
                    tick += 1;
                    if let Err(error) = watched.tokens.refresh(&watched.store).await {
                        tracing::warn!(%error, "could not read the tokens");
                    }
                    if tick.is_multiple_of(10)
                        && let Err(error) = watched.tokens.record_uses(&watched.store).await
                    {
                        tracing::warn!(%error, "could not record the tokens' use");
                    }
                }
            });
        }
        // Cache the first snapshot for the next start, without delaying this one.
        let caching = state.clone();
        actix_web::rt::spawn(async move { caching.refresh_cache().await });
        if settings.poll_interval_ms > 0 {
            // Writes by other processes (the CLI, other replicas) reach this snapshot
            // through the change log.
            let polled = state.clone();
            let period = std::time::Duration::from_millis(settings.poll_interval_ms);
            actix_web::rt::spawn(async move {
                let mut ticks = tokio::time::interval(period);
                let mut since_cached = std::time::Instant::now();
                loop {
                    ticks.tick().await;
                    if let Err(error) = polled.catch_up().await {
                        tracing::warn!(%error, "could not read the change log");
                    }
                    // Releases made or withdrawn by another replica or the CLI.
                    if let Err(error) = polled
                        .releases
                        .refresh(&polled.store, &polled.settings.privacy)
                        .await
                    {
                        tracing::warn!(%error, "could not read the releases");
                    }
                    // Keep the cached snapshot at most a minute behind, so a restart has
                    // little of the change log to apply.
                    if since_cached.elapsed() >= std::time::Duration::from_mins(1) {
                        polled.refresh_cache().await;
                        since_cached = std::time::Instant::now();
                    }
                }
            });
        }
        let listener =
            TcpListener::bind(&settings.listen).map_err(|source| StartupError::Bind {
                address: settings.listen.clone(),
                source,
            })?;
        let port = listener.local_addr().map_err(|source| StartupError::Bind {
            address: settings.listen.clone(),
            source,
        })?;
        let server_state = state.clone();
        let origins = settings.cors_origins.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(server_state.clone())
                .wrap(middleware::from_fn(crate::observe::observe))
                .wrap(
                    middleware::DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("Referrer-Policy", "strict-origin-when-cross-origin")),
                )
                .wrap(cors(&origins))
                .configure(router)
        })
        .on_connect(send_at_once)
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            address: settings.listen.clone(),
            source,
        })?
        .run();
        tracing::info!(address = %port, "listening");
        Ok(Self {
            port: port.port(),
            server,
            state,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tests.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT or SIGTERM, draining requests in flight, then caches the
    /// snapshot for the next start.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await?;
        self.state.refresh_cache().await;
        Ok(())
    }
}

/// Turns off Nagle's algorithm on each connection. A compressed response leaves in two
/// writes, the headers and then the body (compressed off the worker), and with Nagle the
/// body waited for the client to acknowledge the headers, which clients delay (40 ms on
/// Linux, up to 200 ms on Windows): every compressed response on a kept-alive connection
/// took about 40 ms here, against well under 1 ms uncompressed.
fn send_at_once(connection: &dyn std::any::Any, _: &mut actix_web::dev::Extensions) {
    if let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Err(error) = stream.set_nodelay(true)
    {
        tracing::warn!(%error, "cannot turn off Nagle's algorithm on a connection");
    }
}

#[cfg(test)]
mod tests {
    #[actix_web::test]
    async fn connections_send_without_waiting_for_acknowledgements() {
        use actix_web::rt::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert!(!accepted.nodelay().unwrap());
        super::send_at_once(&accepted, &mut actix_web::dev::Extensions::new());
        assert!(accepted.nodelay().unwrap());
    }
}
