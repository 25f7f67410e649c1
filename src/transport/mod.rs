//! How every generated operation's request travels, done once: the
//! request guard (origin, path, credentials, in `guard`), the attempt loop
//! under the retry policy (`attempt`), the answer made safe to read
//! (`sanitize`: redacted, bounded) and what is traced of it (`telemetry`).
//! The hooks (`crate::hooks`) call into it for each operation.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::redact::Redactor;
use crate::retry::RetryPolicy;

mod attempt;
mod guard;
mod sanitize;
mod telemetry;

pub(crate) use sanitize::{BodyTooLarge, Heard, MAX_ERROR_BODY, read_bounded};
pub(crate) use telemetry::{operation_span, transport_error_type};

/// `X-Auth-ID`, Vobiz's account header.
pub(crate) const AUTH_ID: HeaderName = HeaderName::from_static("x-auth-id");
/// `X-Auth-Token`, Vobiz's secret header.
pub(crate) const AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");

/// A rule that reads a successful answer's body and says whether it is a
/// documented passing failure, to be retried like a 503 (the
/// Conference family's are in `crate::conference::quirks`). The hooks hand the attempt loop the ones that apply.
pub(crate) type PassingFailureRule = fn(&crate::operation::Operation, &[u8]) -> bool;

/// How every request travels: the credentials, the one origin it may go
/// to, the reqwest clients, the timeouts, the retry policy and the bounds.
/// The generated client holds it (progenitor's `inner`), the hooks send
/// through it.
///
/// It has no public constructor: a generated client only exists inside a
/// [`crate::Client`], so no operation runs without these hooks' checks.
#[derive(Clone)]
pub struct Transport {
    pub(crate) auth_id: HeaderValue,
    /// The same account as text: the generated builders start with it as
    /// the path's account parameter.
    pub(crate) account: std::sync::Arc<str>,
    pub(crate) auth_token: HeaderValue,
    /// Scrubs the token out of everything a server sends back.
    pub(crate) redactor: Redactor,
    /// The client every request goes through: the one `build()` checked
    /// (no redirects). A generated client assembled by hand around a copy of
    /// this configuration still sends through it, never through its own.
    pub(crate) http: reqwest::Client,
    /// With our own client: the same, keeping no idle connections, for the
    /// requests that must not be repeated (POST), and for any retry after a
    /// connection failed. A server may close a kept-alive connection at the
    /// very moment it is reused; the request is then lost in a way that
    /// cannot be told apart from one the server acted on, so a POST could not
    /// be sent again, and a retry through the pool could meet the same fate.
    /// On a new connection it cannot happen. (A supplied client is used for
    /// everything.)
    pub(crate) unpooled: Option<reqwest::Client>,
    /// The configured base URL: requests may go to its origin only.
    pub(crate) base: url::Url,
    pub(crate) user_agent: Option<HeaderValue>,
    /// The per-attempt timeout.
    pub(crate) timeout: Option<Duration>,
    /// Whether the reqwest client already applies `timeout` by itself.
    pub(crate) client_has_timeout: bool,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    /// The most bytes of a successful answer's body that are read.
    pub(crate) max_body: usize,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &crate::redact::REDACTED)
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// The account every operation's path names unless told otherwise.
    pub(crate) fn account(&self) -> &str {
        &self.account
    }

    /// When a call that starts now must be over, if the client bounds calls.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.operation_timeout
            .and_then(|t| Instant::now().checked_add(t))
    }
}
