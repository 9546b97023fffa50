//! Helpers for Athar's tests.
//!
//! [`FreshDatabase`] creates an empty PostgreSQL database (with PostGIS) on the server
//! `DATABASE_URL` names, for one test, and drops it when the test ends, pass or fail.
//! Without `DATABASE_URL` it panics: PostGIS tests must run, never skip (`scripts/test`
//! sets the variable up).
#![deny(missing_docs)]

use sqlx::{Connection, Executor, PgConnection};

pub mod clusters;

/// The URL of the test server, from `DATABASE_URL`.
pub fn server_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must name a PostgreSQL server with PostGIS for these tests: run scripts/test, which sets it up",
    )
}

/// A database created for one test and dropped afterwards.
pub struct FreshDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl FreshDatabase {
    /// Creates `athar_test_<random>` with the PostGIS extension.
    pub async fn create() -> Self {
        let server_url = server_url();
        let name = format!("athar_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server_url)
            .await
            .expect("connect to DATABASE_URL");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create a test database");
        let url = match server_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("DATABASE_URL has no database name: {server_url}"),
        };
        let mut connection = PgConnection::connect(&url)
            .await
            .expect("connect to the test database");
        connection
            .execute("CREATE EXTENSION IF NOT EXISTS postgis")
            .await
            .expect("PostGIS is installed on the test server");
        Self {
            server_url,
            name,
            url,
        }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        // Drop runs outside any async context we could rely on: use a thread and a runtime
        // of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server_url)
                    .await
                    .map_err(std::io::Error::other)?;
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await
                    .map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}
