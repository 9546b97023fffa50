//! The one error type of the HTTP edge: client errors as RFC 9457 problem documents,
//! internal details logged and never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

/// An error answered to a client.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A query parameter is unknown or has a bad value.
    #[error("parameter '{parameter}': {message}")]
    BadParameter {
        /// The parameter.
        parameter: String,
        /// What was wrong and what is allowed.
        message: String,
    },
    /// Nothing is at this path.
    #[error("{0}")]
    NotFound(String),
    /// What was here is gone for good (a withdrawn release), and why.
    #[error("{0}")]
    Gone(String),
    /// What was asked to be made exists already (a release id).
    #[error("{0}")]
    Conflict(String),
    /// No valid token.
    #[error("{0}")]
    Unauthorized(String),
    /// A token whose role is not enough.
    #[error("{0}")]
    Forbidden(String),
    /// A body over the limit.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit.
        limit: usize,
    },
    /// Too many writes from one token or one address.
    #[error("too many writes from {who}; try again in {retry_after} s")]
    TooManyRequests {
        /// The token's name or the address.
        who: String,
        /// Seconds until the next write is allowed.
        retry_after: u64,
    },
    /// A body that breaks the domain's rules.
    #[error("{detail}")]
    Invalid {
        /// What is wrong as a whole.
        detail: String,
        /// Each broken rule.
        errors: Vec<athar_core::FieldError>,
    },
    /// A method the path does not answer; the methods it does.
    #[error("this path answers {0} only")]
    MethodNotAllowed(&'static str),
    /// The database cannot be reached.
    #[error("the database is unavailable")]
    Unavailable,
    /// Every permit for heavy work is taken, and was for longer than a request waits.
    #[error("the server is busy with other computations; try again shortly")]
    Busy,
    /// Anything else: logged with its source, answered as 500 without details.
    #[error("internal error: {0}")]
    Internal(#[source] Internal),
}

/// The cause of an internal error, kept (not flattened to text) for the log, and shared
/// by the requests that waited on one failed computation.
#[derive(Debug, Clone)]
pub struct Internal(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for Internal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Internal {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl ApiError {
    /// An internal error caused by `error` (an error, or a description).
    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(Internal(std::sync::Arc::from(error.into())))
    }
}

impl From<athar_store::StoreError> for ApiError {
    fn from(error: athar_store::StoreError) -> Self {
        if error.is_unavailable() {
            Self::Unavailable
        } else {
            Self::internal(error)
        }
    }
}

impl From<athar_app::params::ParamError> for ApiError {
    fn from(error: athar_app::params::ParamError) -> Self {
        Self::BadParameter {
            parameter: error.parameter,
            message: error.message,
        }
    }
}

impl From<athar_app::hotspots::AnalysisError> for ApiError {
    fn from(error: athar_app::hotspots::AnalysisError) -> Self {
        match error {
            athar_app::hotspots::AnalysisError::Parameter(error) => error.into(),
            internal @ athar_app::hotspots::AnalysisError::Internal(_) => Self::internal(internal),
        }
    }
}

impl From<athar_tile_sources::TileError> for ApiError {
    fn from(error: athar_tile_sources::TileError) -> Self {
        Self::internal(error)
    }
}

impl From<athar_app::embed::StyleError> for ApiError {
    fn from(error: athar_app::embed::StyleError) -> Self {
        Self::internal(error)
    }
}

impl From<athar_core::FilterError> for ApiError {
    fn from(error: athar_core::FilterError) -> Self {
        Self::BadParameter {
            parameter: error.parameter,
            message: error.message,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadParameter { .. } => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Gone(_) => StatusCode::GONE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Unavailable | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut body = Problem {
            detail: None,
            errors: None,
            parameter: None,
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error"),
            r#type: "about:blank",
        };
        match self {
            Self::BadParameter { parameter, message } => {
                body.detail = Some(format!("parameter '{parameter}': {message}"));
                body.parameter = Some(parameter);
            }
            Self::NotFound(detail)
            | Self::Gone(detail)
            | Self::Conflict(detail)
            | Self::Unauthorized(detail)
            | Self::Forbidden(detail) => {
                body.detail = Some(detail.clone());
            }
            Self::PayloadTooLarge { .. }
            | Self::TooManyRequests { .. }
            | Self::Busy
            | Self::MethodNotAllowed(_) => {
                body.detail = Some(self.to_string());
            }
            Self::Invalid { detail, errors } => {
                body.detail = Some(detail.clone());
                body.errors = Some(errors);
            }
            Self::Unavailable => {
                body.detail = Some("the database is unavailable; try again shortly".into());
            }
            Self::Internal(cause) => {
                // The cause and every source under it.
                let mut chain = cause.to_string();
                let mut source = std::error::Error::source(cause);
                while let Some(inner) = source {
                    chain.push_str(": ");
                    chain.push_str(&inner.to_string());
                    source = inner.source();
                }
                tracing::error!(error = %chain, "internal error");
            }
        }
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Self::Unavailable | Self::Busy => {
                response.insert_header(("Retry-After", "5"));
            }
            Self::TooManyRequests { retry_after, .. } => {
                response.insert_header(("Retry-After", retry_after.to_string()));
            }
            Self::Unauthorized(_) => {
                response.insert_header(("WWW-Authenticate", "Bearer realm=\"athar\""));
            }
            Self::MethodNotAllowed(allow) => {
                response.insert_header(("Allow", *allow));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

/// An error as answered (RFC 9457); the fields are in alphabetical order, as Athar has
/// always written them.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Problem<'a> {
    /// What was wrong and what is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    /// Each broken rule, for 422s.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    errors: Option<&'a [athar_core::FieldError]>,
    /// The query parameter at fault, for 400s.
    #[serde(skip_serializing_if = "Option::is_none")]
    parameter: Option<&'a str>,
    /// The HTTP status.
    #[schema(example = 400)]
    status: u16,
    /// The status's reason.
    #[schema(example = "Bad Request")]
    title: &'a str,
    /// `about:blank`.
    #[schema(example = "about:blank")]
    r#type: &'static str,
}
