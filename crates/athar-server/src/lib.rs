//! Athar's HTTP server: settings, the import pipeline, the application and its routes.
//!
//! [`Application::build`] opens and migrates the store, loads the demo month when asked,
//! takes a snapshot of every incident, binds its listener (port 0 picks a free port, as
//! tests do) and returns; [`Application::run_until_stopped`] serves until a signal.
//! Routes are one [`router`] used by the binary and by tests alike.
#![deny(missing_docs)]

mod auth;
mod basemap;
mod error;
pub mod export;
mod features;
mod gazetteer;
mod http;
mod import;
mod limits;
mod openapi;
pub mod privacy;
mod query;
mod routes;
mod settings;
mod startup;
mod state;

pub use auth::{Caller, Role, TokenEntry, Tokens};
pub use error::ApiError;
pub use gazetteer::{learned_id, load_gazetteer};
pub use import::{DEMO_CSV, ImportError, ImportReport, Rejection, run_import};
pub use routes::communities::{CommunityImportError, import_community_list};
pub use routes::router;
pub use settings::{DatabaseUrl, Secret, Settings};
pub use startup::{Application, StartupError, open_store};
pub use state::AppState;
