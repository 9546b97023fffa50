//! Building and running the application.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use athar_ingest::Format;
use athar_store::{ImportMeta, Store, StoreError, StoreLocation};

use crate::{AppState, DEMO_CSV, ImportError, Settings, router, run_import};

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
pub async fn open_store(settings: &Settings) -> Result<Store, StoreError> {
    let location = StoreLocation::from_settings(
        settings
            .database_url
            .as_ref()
            .map(crate::DatabaseUrl::expose),
        &settings.data_dir,
    )?;
    tracing::info!(store = %location.describe(), "opening the store");
    let store = Store::open(&location).await?;
    store.migrate().await?;
    Ok(store)
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
                Arc::new(athar_gazetteer::Gazetteer::empty()),
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
        let state = web::Data::new(AppState::load(store).await?);
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
        let server = HttpServer::new(move || {
            App::new()
                .app_data(server_state.clone())
                .wrap(middleware::Compress::default())
                .wrap(middleware::NormalizePath::trim())
                .configure(router)
        })
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

    /// Serves until SIGINT or SIGTERM, draining requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
