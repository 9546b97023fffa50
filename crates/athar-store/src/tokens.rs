//! Tokens made from the command line (`tokens`): names, roles, expiry and last use, and
//! the SHA-256 of each token, never the token.

use crate::{Result, Store, StoreError};

/// A token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// Who holds it.
    pub name: String,
    /// `reader`, `editor` or `admin`.
    pub role: String,
    /// SHA-256 of the token, hex.
    pub sha256: String,
    /// Its last valid day, `YYYY-MM-DD`, if it expires.
    pub expires: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When a server last saw it used.
    pub last_used_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
}

type TokenRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Stores a new token's digest. A name already taken (even by a revoked token) is
    /// refused.
    pub async fn create_token(
        &self,
        name: &str,
        role: &str,
        sha256: &str,
        expires: Option<chrono::NaiveDate>,
    ) -> Result<()> {
        let inserted = match self {
            Self::Postgres(pool) => sqlx::query(
                "INSERT INTO tokens (name, role, sha256, expires) VALUES ($1, $2, $3, $4)",
            )
            .bind(name)
            .bind(role)
            .bind(sha256)
            .bind(expires)
            .execute(pool)
            .await
            .map(|_| ()),
            Self::Sqlite(pool) => sqlx::query(
                "INSERT INTO tokens (name, role, sha256, expires) VALUES (?1, ?2, ?3, ?4)",
            )
            .bind(name)
            .bind(role)
            .bind(sha256)
            .bind(expires.map(|day| day.to_string()))
            .execute(pool)
            .await
            .map(|_| ()),
        };
        match inserted {
            Ok(()) => Ok(()),
            // The name is the key (the digest is unique too, but 192 random bits never meet).
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                Err(StoreError::Conflict(format!(
                    "a token named '{name}' exists already (names are never reused: choose another)"
                )))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Every stored token, by name.
    pub async fn tokens(&self) -> Result<Vec<StoredToken>> {
        let rows: Vec<TokenRow> = match self {
            Self::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT name, role, sha256, expires::text, \
                     to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                     to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                     to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') \
                     FROM tokens ORDER BY name",
                )
                .fetch_all(pool)
                .await?
            }
            Self::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT name, role, sha256, expires, created_at, last_used_at, revoked_at \
                     FROM tokens ORDER BY name",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows
            .into_iter()
            .map(
                |(name, role, sha256, expires, created_at, last_used_at, revoked_at)| StoredToken {
                    name,
                    role,
                    sha256,
                    expires,
                    created_at,
                    last_used_at,
                    revoked_at,
                },
            )
            .collect())
    }

    /// Revokes the token named `name`: whether there was one not revoked yet.
    pub async fn revoke_token(&self, name: &str) -> Result<bool> {
        let done = match self {
            Self::Postgres(pool) => sqlx::query(
                "UPDATE tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL",
            )
            .bind(name)
            .execute(pool)
            .await?
            .rows_affected(),
            Self::Sqlite(pool) => sqlx::query(
                "UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
                 WHERE name = ?1 AND revoked_at IS NULL",
            )
            .bind(name)
            .execute(pool)
            .await?
            .rows_affected(),
        };
        Ok(done > 0)
    }

    /// Records that the tokens named `names` were used now.
    pub async fn touch_tokens(&self, names: &[String]) -> Result<()> {
        for name in names {
            match self {
                Self::Postgres(pool) => {
                    sqlx::query("UPDATE tokens SET last_used_at = now() WHERE name = $1")
                        .bind(name)
                        .execute(pool)
                        .await?;
                }
                Self::Sqlite(pool) => {
                    sqlx::query(
                        "UPDATE tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') \
                         WHERE name = ?1",
                    )
                    .bind(name)
                    .execute(pool)
                    .await?;
                }
            }
        }
        Ok(())
    }
}
