//! Backups of a running store, and restoring one into an empty store.
//!
//! The embedded store is copied with SQLite's `VACUUM INTO`, which writes the database as
//! one read transaction sees it, while other connections go on writing. PostGIS is dumped
//! with `pg_dump --format=custom` (one transaction's snapshot, every table, the change
//! log, releases, tokens and the import log included) and restored with `pg_restore`,
//! PostgreSQL's own tools, from the `postgresql-client` package of the server's version.

use std::path::Path;
use std::process::Command;

use crate::{Result, Store, StoreError, StoreLocation};

/// A PostgreSQL URL without its password, and the password (given to `pg_dump` and
/// `pg_restore` in `PGPASSWORD`, so that it never shows in the process list).
fn without_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let Some((credentials, host)) = authority.rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    match credentials.split_once(':') {
        Some((user, password)) => (
            format!("{scheme}://{user}@{host}/{path}"),
            // (`%XX` escapes decoded: a password in a URL may hold them.)
            Some(
                percent_encoding::percent_decode_str(password)
                    .decode_utf8_lossy()
                    .into_owned(),
            ),
        ),
        None => (url.to_owned(), None),
    }
}

/// Runs one of PostgreSQL's tools (on `url`, if given), failing with what it printed.
fn run_tool(tool: &str, url: Option<&str>, args: &[&std::ffi::OsStr]) -> Result<Vec<u8>> {
    let mut command = Command::new(tool);
    command.args(args);
    if let Some(url) = url {
        let (url, password) = without_password(url);
        command.arg(format!("--dbname={url}"));
        if let Some(password) = password {
            command.env("PGPASSWORD", password);
        }
    }
    let output = command.output().map_err(|error| {
        StoreError::Config(format!(
            "{tool} could not be run ({error}): install PostgreSQL's client tools (postgresql-client)"
        ))
    })?;
    if !output.status.success() {
        return Err(StoreError::Config(format!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output.stdout)
}

impl Store {
    /// Writes a consistent copy of this store (at `location`) to `file`, which must not
    /// exist yet, while the store goes on serving and writing.
    ///
    /// # Errors
    /// `file` exists, or the copy failed.
    pub async fn backup(&self, location: &StoreLocation, file: &Path) -> Result<()> {
        if file.exists() {
            return Err(StoreError::Config(format!(
                "{} exists already: a backup never overwrites a file",
                file.display()
            )));
        }
        match (self, location) {
            (Self::Sqlite(pool), _) => {
                sqlx::query("VACUUM INTO ?1")
                    .bind(file.to_string_lossy().into_owned())
                    .execute(pool)
                    .await?;
            }
            (Self::Postgres(_), StoreLocation::Postgres(url)) => {
                let (url, file) = (url.clone(), file.to_owned());
                tokio::task::spawn_blocking(move || {
                    run_tool(
                        "pg_dump",
                        Some(&url),
                        &[
                            "--format=custom".as_ref(),
                            "--no-owner".as_ref(),
                            "--file".as_ref(),
                            file.as_os_str(),
                        ],
                    )
                })
                .await
                .map_err(|error| StoreError::Io(std::io::Error::other(error)))??;
            }
            (Self::Postgres(_), StoreLocation::Sqlite(_)) => {
                return Err(StoreError::Config(
                    "a PostgreSQL store needs its URL".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Restores the backup `file` into the store at `location`, which must be empty: a new
/// SQLite file (none yet, or one without incidents), or a PostgreSQL database with
/// PostGIS and no tables yet (`CREATE DATABASE`, then `CREATE EXTENSION postgis` as a
/// superuser; not migrated).
///
/// # Errors
/// The store is not empty, the file is not a backup of this kind of store, or the
/// restore failed (an SQLite store is then left as it was).
pub async fn restore(location: &StoreLocation, file: &Path) -> Result<()> {
    if !file.is_file() {
        return Err(StoreError::Config(format!(
            "{} is not a file",
            file.display()
        )));
    }
    match location {
        StoreLocation::Sqlite(path) => {
            // The backup must be an Athar store: an SQLite file with the instance table.
            let backup = crate::sqlite::open_read_only(file).await.map_err(|_| {
                StoreError::Config(format!(
                    "{} is not an SQLite backup of Athar",
                    file.display()
                ))
            })?;
            let instance: Option<String> = sqlx::query_scalar("SELECT hex(id) FROM athar_instance")
                .fetch_optional(&backup)
                .await
                .map_err(|_| {
                    StoreError::Config(format!(
                        "{} is not an SQLite backup of Athar",
                        file.display()
                    ))
                })?;
            backup.close().await;
            if instance.is_none() {
                return Err(StoreError::Config(format!(
                    "{} is not an SQLite backup of Athar",
                    file.display()
                )));
            }
            if path.exists() {
                let existing = crate::sqlite::open_read_only(path).await?;
                let incidents: i64 = sqlx::query_scalar("SELECT count(*) FROM incidents")
                    .fetch_one(&existing)
                    .await
                    .unwrap_or(0);
                existing.close().await;
                if incidents > 0 {
                    return Err(StoreError::Config(format!(
                        "{} holds {incidents} incidents: restore into an empty store",
                        path.display()
                    )));
                }
            }
            if let Some(folder) = path.parent() {
                std::fs::create_dir_all(folder)?;
            }
            // Copied beside, then renamed over: never half a database.
            let partial = path.with_extension("db.restoring");
            std::fs::copy(file, &partial)?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            std::fs::rename(&partial, path)?;
        }
        StoreLocation::Postgres(url) => {
            let pool = crate::postgres::open(url).await?;
            let tables: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' \
                 AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'",
            )
            .fetch_one(&pool)
            .await?;
            let postgis: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')",
            )
            .fetch_one(&pool)
            .await?;
            pool.close().await;
            if tables > 0 {
                return Err(StoreError::Config(format!(
                    "the database holds {tables} tables: restore into a new, empty database"
                )));
            }
            if !postgis {
                return Err(StoreError::Config(
                    "the database has no PostGIS: CREATE EXTENSION postgis (as a superuser) first"
                        .into(),
                ));
            }
            let (url, file) = (url.clone(), file.to_owned());
            tokio::task::spawn_blocking(move || -> Result<()> {
                // Everything but the extensions, which the database has already.
                let listing = run_tool("pg_restore", None, &["--list".as_ref(), file.as_os_str()])
                    .map_err(|error| {
                        StoreError::Config(format!(
                            "{} is not a PostgreSQL backup of Athar ({error})",
                            file.display()
                        ))
                    })?;
                let mut kept = String::new();
                for line in String::from_utf8_lossy(&listing)
                    .lines()
                    .filter(|line| !line.contains(" EXTENSION "))
                {
                    kept.push_str(line);
                    kept.push('\n');
                }
                let list = file.with_extension("restore-list");
                std::fs::write(&list, kept)?;
                let restored = run_tool(
                    "pg_restore",
                    Some(&url),
                    &[
                        "--no-owner".as_ref(),
                        "--no-privileges".as_ref(),
                        "--exit-on-error".as_ref(),
                        "--single-transaction".as_ref(),
                        "--use-list".as_ref(),
                        list.as_os_str(),
                        file.as_os_str(),
                    ],
                );
                let _ = std::fs::remove_file(&list);
                restored.map(|_| ())
            })
            .await
            .map_err(|error| StoreError::Io(std::io::Error::other(error)))??;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        assert_eq!(
            without_password("postgres://athar:s%40cret@127.0.0.1:5432/athar"),
            (
                "postgres://athar@127.0.0.1:5432/athar".to_owned(),
                Some("s@cret".to_owned())
            )
        );
        assert_eq!(
            without_password("postgres://athar@db/athar"),
            ("postgres://athar@db/athar".to_owned(), None)
        );
    }
}
