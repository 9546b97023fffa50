//! Write rate limits: so many writes a minute for each token and for each client address
//! (the generic cell rate algorithm, from `governor`). The address is checked before the
//! token, so that guessing tokens is limited too.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};

use crate::ApiError;

type Keyed<K> = RateLimiter<K, HashMapStateStore<K>, DefaultClock>;

/// Keys remembered before idle ones are forgotten.
const KEYS_KEPT: usize = 10_000;

/// The write limits of one server.
pub(crate) struct WriteLimits {
    by_token: Option<Keyed<String>>,
    by_address: Option<Keyed<IpAddr>>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_minute: u32) -> Option<Keyed<K>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::hashmap(Quota::per_minute(n)))
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: Option<&Keyed<K>>,
    key: &K,
    who: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    if limiter.len() > KEYS_KEPT {
        limiter.retain_recent();
    }
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            who: who(),
            retry_after: wait.as_secs() + 1,
        }
    })
}

impl WriteLimits {
    /// Limits of so many writes a minute (0: none).
    pub(crate) fn new(per_token: u32, per_address: u32) -> Self {
        Self {
            by_token: limiter(per_token),
            by_address: limiter(per_address),
        }
    }

    /// Counts a write from the request's address.
    pub(crate) fn check_address(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let Some(address) = crate::http::client_address(request) else {
            return Ok(());
        };
        check(self.by_address.as_ref(), &address, || address.to_string())
    }

    /// Counts a write by the token named `name`.
    pub(crate) fn check_token(&self, name: &str) -> Result<(), ApiError> {
        check(self.by_token.as_ref(), &name.to_owned(), || {
            format!("token '{name}'")
        })
    }
}

/// The read limit of one server: so many heavy reads (analyses, static maps, exports) a
/// minute from one client address without a token (0: none). Token holders are not
/// counted.
pub(crate) struct ReadLimits {
    by_address: Option<Keyed<IpAddr>>,
}

impl ReadLimits {
    /// A limit of so many heavy reads a minute (0: none).
    pub(crate) fn new(per_address: u32) -> Self {
        Self {
            by_address: limiter(per_address),
        }
    }

    /// Counts a heavy read from the request's address.
    pub(crate) fn check(&self, request: &HttpRequest) -> Result<(), ApiError> {
        let Some(address) = crate::http::client_address(request) else {
            return Ok(());
        };
        check(self.by_address.as_ref(), &address, || address.to_string())
    }
}

/// The process's resident memory in bytes (Linux: `/proc/self/statm`), none elsewhere.
pub(crate) fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // The page size of Linux on x86-64 and most of aarch64.
    Some(pages * 4096)
}
