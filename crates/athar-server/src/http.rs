//! Response helpers: ETags from the snapshot version, and absolute URLs for links.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// What a read's ETag is made of: the snapshot version it was answered from, and whether
/// for an anonymous reader under privacy settings (who may be shown less, so that a token
/// holder's ETag never earns an anonymous reader a 304, nor the reverse).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    version: u64,
    public: bool,
}

impl Tag {
    /// The tag of an answer that is the same for every reader.
    pub(crate) fn shared(version: u64) -> Self {
        Self {
            version,
            public: false,
        }
    }

    /// The tag of an answer from `version` for a reader who is anonymous (`public`) or not.
    pub(crate) fn new(version: u64, public: bool) -> Self {
        Self { version, public }
    }

    /// How long an answer may be kept: a minute for the live data; for good for a release
    /// (whose snapshot versions have the top bit set: see `athar_app::releases`), which
    /// never changes.
    pub(crate) fn cache_control(self) -> &'static str {
        if self.version >= 1 << 63 {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=60"
        }
    }

    /// The ETag. Weak: bodies carry a time stamp, but say the same thing until the
    /// snapshot changes.
    pub(crate) fn etag(self) -> String {
        let Self { version, public } = self;
        if public {
            format!("W/\"v{version}p\"")
        } else {
            format!("W/\"v{version}\"")
        }
    }
}

/// 304 when the request's `If-None-Match` names the current ETag.
pub(crate) fn not_modified(request: &HttpRequest, tag: Tag) -> Option<HttpResponse> {
    not_modified_tag(request, tag.etag())
}

/// 304 when the request's `If-None-Match` names `tag` (compared weakly, as RFC 9110 asks
/// of `If-None-Match`).
pub(crate) fn not_modified_tag(request: &HttpRequest, tag: String) -> Option<HttpResponse> {
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.split(',').map(str::trim).any(|candidate| {
                candidate == "*"
                    || candidate.trim_start_matches("W/") == tag.trim_start_matches("W/")
            })
        });
    matches.then(|| {
        HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish()
    })
}

/// A 200 response with the snapshot's ETag and its cache lifetime (see [`Tag::cache_control`]).
pub(crate) fn cached(tag: Tag, content_type: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, tag.etag()))
        .insert_header((header::CACHE_CONTROL, tag.cache_control()))
        // Token holders may see more than anonymous readers (see `privacy`).
        .insert_header((header::VARY, "Authorization"))
        .body(body)
}

/// Whether the request came through a proxy the deployment trusts (`--trusted-proxies`),
/// whose `Forwarded` and `X-Forwarded-*` headers may then be believed.
pub(crate) fn from_trusted_proxy(request: &HttpRequest) -> bool {
    let Some(peer) = request.peer_addr().map(|a| a.ip()) else {
        return false;
    };
    request
        .app_data::<actix_web::web::Data<crate::AppState>>()
        .is_some_and(|state| state.settings.trusted_proxies.contains(&peer))
}

/// The client's address: the peer's, or, behind a trusted proxy, the one it forwarded.
pub(crate) fn client_address(request: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = request.peer_addr().map(|a| a.ip());
    if from_trusted_proxy(request) {
        let info = request.connection_info();
        let forwarded = info.realip_remote_addr().and_then(|text| {
            text.parse::<std::net::IpAddr>()
                .ok()
                .or_else(|| text.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        });
        return forwarded.or(peer);
    }
    peer
}

/// A host as links may carry it: letters, digits, dots, hyphens, a port, or a bracketed
/// IPv6 address; nothing that could end a string or a URL's authority.
fn plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

/// `scheme://host` of the request, for absolute links: the `Host` the client asked for,
/// or, from a trusted proxy only, the forwarded host and scheme. Forwarded headers from
/// anyone else are ignored, as they land in cacheable links, TileJSON, styles and oEmbed.
pub(crate) fn base_url(request: &HttpRequest) -> String {
    if from_trusted_proxy(request) {
        let info = request.connection_info();
        if plausible_host(info.host()) && matches!(info.scheme(), "http" | "https") {
            return format!("{}://{}", info.scheme(), info.host());
        }
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| {
            request
                .uri()
                .authority()
                .map(actix_web::http::uri::Authority::as_str)
        })
        .filter(|host| plausible_host(host));
    match host {
        Some(host) => format!("http://{host}"),
        None => format!("http://{}", request.app_config().host()),
    }
}

/// Percent-encodes a query-string value.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// A query string from pairs.
pub(crate) fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}
