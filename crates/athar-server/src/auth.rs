//! Bearer tokens with roles.
//!
//! Tokens are kept as SHA-256 digests, never in the clear, and a presented token is
//! compared with every known digest in constant time. Roles are ordered: a `reader` may
//! read private endpoints, an `editor` may also write, an `admin` may do everything.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::{ApiError, Secret};

/// What a token may do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads private endpoints.
    Reader,
    /// Writes incidents and imports.
    Editor,
    /// Everything.
    Admin,
}

/// A known token.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TokenEntry {
    /// Who holds it; recorded as the actor of every change it makes.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// SHA-256 of the token, hex.
    pub sha256: String,
    /// Last day it is valid, if it expires.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

/// A token's SHA-256 and what it may do.
type Digested = ([u8; 32], TokenEntry);

/// Every known token: the admin token and the tokens file's, fixed at start, and those
/// of the store (`athar token create`), read again every second.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], TokenEntry)>,
    stored: Arc<RwLock<Vec<Digested>>>,
    /// The stored tokens used since their last use was written.
    used: Arc<Mutex<BTreeSet<String>>>,
}

/// A new random token (`athar_` and 48 hexadecimal digits: 192 random bits from the
/// system's generator) and its SHA-256 in hex, the only form in which it is stored.
pub fn new_token() -> (String, String) {
    let random = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    // Version and variant bits aside, each UUID has 122 random bits: 96 of each are kept.
    let token = format!(
        "athar_{}{}",
        &random[0].simple().to_string()[..24],
        &random[1].simple().to_string()[8..32]
    );
    let mut hex = String::with_capacity(64);
    for byte in digest(&token) {
        use std::fmt::Write as _;
        let _ = write!(hex, "{byte:02x}");
    }
    (token, hex)
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn constant_time_equal(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse_hex(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(bytes)
}

/// Why a tokens file was not read.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// It could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// It is not a JSON list of tokens.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A token's digest is not 64 hexadecimal digits.
    #[error("{}: token {number} ('{name}'): sha256 must be 64 hex digits", path.display())]
    Digest {
        /// The file.
        path: std::path::PathBuf,
        /// The token's place in the list, from 1.
        number: usize,
        /// Its name.
        name: String,
    },
}

impl Tokens {
    /// The admin token, if any, and the tokens of a file, if any.
    pub fn load(admin: Option<&Secret>, file: Option<&Path>) -> Result<Self, TokenFileError> {
        let mut tokens = Self::default();
        if let Some(admin) = admin.filter(|t| !t.expose().is_empty()) {
            tokens.entries.push((
                digest(admin.expose()),
                TokenEntry {
                    name: "admin".into(),
                    role: Role::Admin,
                    sha256: String::new(),
                    expires: None,
                },
            ));
        }
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| TokenFileError::Read {
                path: path.to_owned(),
                source,
            })?;
            let entries: Vec<TokenEntry> =
                serde_json::from_str(&text).map_err(|source| TokenFileError::Json {
                    path: path.to_owned(),
                    source,
                })?;
            for (index, entry) in entries.into_iter().enumerate() {
                let hash = parse_hex(&entry.sha256).ok_or_else(|| TokenFileError::Digest {
                    path: path.to_owned(),
                    number: index + 1,
                    name: entry.name.clone(),
                })?;
                tokens.entries.push((hash, entry));
            }
        }
        Ok(tokens)
    }

    /// Reads the store's tokens again: those not revoked are known from now on, and a
    /// revoked one no longer. A stored row that cannot be read is left out, with a warning.
    ///
    /// # Errors
    /// The store's, when it cannot be read (the tokens known stay as they were).
    pub async fn refresh(&self, store: &athar_store::Store) -> Result<(), athar_store::StoreError> {
        let mut known = Vec::new();
        for token in store.tokens().await? {
            if token.revoked_at.is_some() {
                continue;
            }
            let role = match token.role.as_str() {
                "reader" => Role::Reader,
                "editor" => Role::Editor,
                "admin" => Role::Admin,
                other => {
                    tracing::warn!(name = %token.name, role = other, "a stored token with an unknown role is ignored");
                    continue;
                }
            };
            let expires = match token.expires.as_deref().map(str::parse::<NaiveDate>) {
                None => None,
                Some(Ok(day)) => Some(day),
                Some(Err(_)) => {
                    tracing::warn!(name = %token.name, "a stored token with an unreadable expiry is ignored");
                    continue;
                }
            };
            let Some(hash) = parse_hex(&token.sha256) else {
                tracing::warn!(name = %token.name, "a stored token with an unreadable digest is ignored");
                continue;
            };
            known.push((
                hash,
                TokenEntry {
                    name: token.name,
                    role,
                    sha256: token.sha256,
                    expires,
                },
            ));
        }
        *self.stored.write().unwrap_or_else(PoisonError::into_inner) = known;
        Ok(())
    }

    /// Writes the last use of the stored tokens used since the last call.
    ///
    /// # Errors
    /// The store's (the uses are then forgotten: a later use records them again).
    pub async fn record_uses(
        &self,
        store: &athar_store::Store,
    ) -> Result<(), athar_store::StoreError> {
        let used: Vec<String> =
            std::mem::take(&mut *self.used.lock().unwrap_or_else(PoisonError::into_inner))
                .into_iter()
                .collect();
        if used.is_empty() {
            return Ok(());
        }
        store.touch_tokens(&used).await
    }

    /// Adds a token in the clear (for tests and the admin token).
    pub fn add(&mut self, token: &str, name: &str, role: Role) {
        self.entries.push((
            digest(token),
            TokenEntry {
                name: name.into(),
                role,
                sha256: String::new(),
                expires: None,
            },
        ));
    }

    /// The name of the valid token a request presents as a bearer token, if any (for the
    /// request log: the token itself is never kept).
    pub fn name_of(&self, request: &HttpRequest) -> Option<String> {
        self.authorize(request, Role::Reader)
            .ok()
            .map(|caller| caller.name)
    }

    /// The caller a request's bearer token names: 401 without a valid one, 403 when its
    /// role is below `needed`.
    pub fn authorize(&self, request: &HttpRequest, needed: Role) -> Result<Caller, ApiError> {
        self.authorize_as(request, needed, false)
    }

    /// As [`Tokens::authorize`], also reading the token as the password of basic
    /// authentication, as KoboToolbox's REST services send it (on the intake only: a
    /// browser may send basic credentials by itself, a bearer token never).
    pub fn authorize_basic_too(
        &self,
        request: &HttpRequest,
        needed: Role,
    ) -> Result<Caller, ApiError> {
        self.authorize_as(request, needed, true)
    }

    fn authorize_as(
        &self,
        request: &HttpRequest,
        needed: Role,
        basic_too: bool,
    ) -> Result<Caller, ApiError> {
        let header = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        let bearer = header.and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .map(|token| token.trim().to_owned())
        });
        // Basic authentication (as KoboToolbox's REST services send it): the token is the
        // password; the user name is not read.
        let basic = || {
            use base64::Engine as _;
            if !basic_too {
                return None;
            }
            let encoded = header?
                .strip_prefix("Basic ")
                .or_else(|| header?.strip_prefix("basic "))?;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            Some(decoded.split_once(':')?.1.to_owned())
        };
        let presented = bearer.or_else(basic).ok_or_else(|| {
            ApiError::Unauthorized("an Authorization: Bearer token is required".into())
        })?;
        let presented = digest(&presented);
        let today = chrono::Utc::now().date_naive();
        let mut found = None;
        for (hash, entry) in &self.entries {
            if constant_time_equal(hash, &presented) {
                found = Some(entry.clone());
            }
        }
        for (hash, entry) in self
            .stored
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            if constant_time_equal(hash, &presented) {
                found = Some(entry.clone());
                self.used
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(entry.name.clone());
            }
        }
        // One answer for every token that is not valid, unknown or expired alike, so that
        // a guessed token cannot be confirmed by its expiry.
        let entry = found
            .filter(|entry| entry.expires.is_none_or(|last| today <= last))
            .ok_or_else(|| ApiError::Unauthorized("the token is not valid".into()))?;
        if entry.role < needed {
            return Err(ApiError::Forbidden(format!(
                "this needs the {needed:?} role; the token has {:?}",
                entry.role
            )));
        }
        Ok(Caller {
            name: entry.name.clone(),
            role: entry.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digests_parse_and_bad_ones_do_not() {
        let hex = "a".repeat(64);
        assert_eq!(parse_hex(&hex), Some([0xaa; 32]));
        assert_eq!(parse_hex("abc"), None);
        assert_eq!(parse_hex(&"g".repeat(64)), None);
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Reader < Role::Editor && Role::Editor < Role::Admin);
    }
}
