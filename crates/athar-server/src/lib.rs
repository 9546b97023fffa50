//! Athar's HTTP server: settings, the application and its routes. What it does beyond
//! HTTP is in `athar-app`.
//!
//! [`Application::build`] opens and migrates the store, loads the demo month when asked,
//! takes a snapshot of every incident, binds its listener (port 0 picks a free port, as
//! tests do) and returns; [`Application::run_until_stopped`] serves until a signal.
//! Routes are one [`router`] used by the binary and by tests alike.
#![deny(missing_docs)]

mod auth;
mod error;
mod http;
mod limits;
mod observe;
mod openapi;
mod query;
mod routes;
mod settings;
mod startup;
mod state;

pub use auth::{Caller, Role, TokenEntry, Tokens, new_token};
pub use error::ApiError;
pub use observe::{Metrics, MetricsAccess};
pub use routes::router;
pub use settings::{DatabaseUrl, Secret, Settings};
pub use startup::{Application, StartupError};
pub use state::AppState;
