//! Where pulls from other systems got to (`sync_cursors`), and finding a pulled incident
//! again by its source and source id.

use uuid::Uuid;

use crate::{Result, Store};

impl Store {
    /// The position a pull named `name` reached, if it ran before.
    pub async fn cursor(&self, name: &str) -> Result<Option<String>> {
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT position FROM sync_cursors WHERE name = $1")
                    .bind(name)
                    .fetch_optional(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT position FROM sync_cursors WHERE name = ?1")
                    .bind(name)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }

    /// Records the position a pull named `name` reached.
    pub async fn set_cursor(&self, name: &str, position: &str) -> Result<()> {
        match self {
            Self::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO sync_cursors (name, position) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                )
                .bind(name)
                .bind(position)
                .execute(pool)
                .await?;
            }
            Self::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO sync_cursors (name, position) VALUES (?1, ?2) \
                     ON CONFLICT (name) DO UPDATE SET position = excluded.position",
                )
                .bind(name)
                .bind(position)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// The incident stored under `source` and `source_id`, if any.
    pub async fn incident_by_source(&self, source: &str, source_id: &str) -> Result<Option<Uuid>> {
        Ok(match self {
            Self::Postgres(pool) => {
                sqlx::query_scalar("SELECT id FROM incidents WHERE source = $1 AND source_id = $2")
                    .bind(source)
                    .bind(source_id)
                    .fetch_optional(pool)
                    .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_scalar("SELECT id FROM incidents WHERE source = ?1 AND source_id = ?2")
                    .bind(source)
                    .bind(source_id)
                    .fetch_optional(pool)
                    .await?
            }
        })
    }
}
