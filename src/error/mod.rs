//! Errors: one enum that tells apart what a caller can act on
//! ([`Error`]), and what a server said when it refused ([`ApiError`]).
//! How each failure becomes one is in `convert`.

use std::time::Duration;

use crate::retry::{self, CallReport, Outcome, Verdict};

mod api;
mod convert;
mod transport;

pub use api::ApiError;
pub use transport::TransportError;

/// An [`Error`] as data, for JSON output and structured logs: its kind (see
/// [`Error::kind`]), the status if the server answered, the message as
/// `Display` shows it, Vobiz's `api_id`, and whether trying again may help.
/// Like every error text here, it never holds the auth token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ErrorSummary {
    /// [`Error::kind`].
    pub kind: &'static str,
    /// The HTTP status, if the server answered.
    pub status: Option<u16>,
    /// The error's one-line message.
    pub message: String,
    /// Vobiz's id for the failed call, if it sent one.
    pub api_id: Option<String>,
    /// [`Error::is_retryable`].
    pub retryable: bool,
}

/// Everything that can go wrong when calling Vobiz.
///
/// Match on the variant to decide what to do, or use the helpers:
/// [`status`](Error::status), [`is_not_found`](Error::is_not_found),
/// [`is_retryable`](Error::is_retryable), [`message`](Error::message),
/// [`api_id`](Error::api_id). No variant ever contains the auth token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument cannot be sent as given; nothing was sent.
    #[error("invalid input (nothing was sent): {0}")]
    InvalidInput(String),
    /// The client configuration is unusable (bad base URL, credentials that
    /// cannot be header values, a missing environment variable, ...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// 404: the resource does not exist (for a conference: no such active room).
    #[error("not found: {0}")]
    NotFound(ApiError),
    /// 401: the auth ID or token was rejected.
    #[error("unauthorized: {0}")]
    Unauthorized(ApiError),
    /// 403: authenticated, but not allowed to do this.
    #[error("forbidden: {0}")]
    Forbidden(ApiError),
    /// 429: too many requests; see [`ApiError::retry_after`].
    #[error("rate limited: {0}")]
    RateLimited(ApiError),
    /// 5xx: the server failed.
    #[error("server error: {0}")]
    Server(ApiError),
    /// Any other unsuccessful status.
    #[error("API error: {0}")]
    Api(ApiError),
    /// The server answered with a redirect, which is never followed: the
    /// credentials go to the configured base URL and nowhere else.
    #[error("refused to follow HTTP {status} redirect to {location}")]
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, as sent (shortened if very long).
        location: String,
    },
    /// No response in time (connect, request or operation timeout).
    #[error("timed out{}{}", after(*.attempts), source.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    Timeout {
        /// The last attempt's failure; `None` when the operation timeout
        /// ran out before a request of a compound call could be sent.
        #[source]
        source: Option<TransportError>,
        /// Attempts made.
        attempts: u32,
    },
    /// The request or response failed on the way (connection refused or
    /// reset, TLS, DNS, a body cut short).
    #[error("transport error{}: {source}", after(*.attempts))]
    Transport {
        /// The last attempt's failure.
        #[source]
        source: TransportError,
        /// Attempts made.
        attempts: u32,
    },
    /// A success status whose body Vobiz's docs say is a failure, on every
    /// attempt the retry policy allowed: Retrieve a Conference's
    /// `200 {"error": "failed"}` for a live room is the one documented (see
    /// `vobiz::conference`). What was asked for exists; asking again later
    /// may succeed.
    #[error("a failure Vobiz documents in a success answer: {0}")]
    PassingFailure(ApiError),
    /// A call split over several requests (a member list too long for
    /// one) failed part-way: the requests in `applied` took effect
    /// (possibly none), the `not_sent` parts (each one request's worth, as
    /// it would have been sent) were never sent, and the request that
    /// failed is described by `source`.
    #[error("{source} (requests: {} applied before it, {} not sent)", applied.len(), not_sent.len())]
    PartlyApplied {
        /// What took effect, one entry per request, in the order sent.
        applied: Vec<crate::Accepted>,
        /// The parts never sent (for members: the `member_id` values).
        not_sent: Vec<String>,
        /// Why the failing request failed.
        source: Box<Error>,
    },
    /// A successful answer's body was longer than the client reads
    /// ([`ClientBuilder::max_response_body`](crate::ClientBuilder::max_response_body));
    /// none of it was kept. Not retried: the same request would get the same
    /// answer.
    #[error("response body longer than the {limit} bytes this client reads{}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    ResponseTooLarge {
        /// The bound that was exceeded, in bytes.
        limit: usize,
        /// The status, when the call knows it (as for [`Error::Decode`]).
        status: Option<u16>,
    },
    /// A successful status whose body does not match the spec.
    #[error("unexpected response body{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Decode {
        /// The status, when the call knows it ([`Client`](crate::Client)
        /// methods and [`Client::call`](crate::Client::call) always do).
        status: Option<u16>,
        /// What did not match.
        message: String,
    },
}

/// The Display suffix for errors that took more than one attempt.
fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// `$on` for the error an answer made, for the variants that hold one: the
/// one list of those variants.
macro_rules! answered {
    ($error:expr, $api:ident => $on:expr) => {
        match $error {
            Error::NotFound($api)
            | Error::Unauthorized($api)
            | Error::Forbidden($api)
            | Error::RateLimited($api)
            | Error::Server($api)
            | Error::PassingFailure($api)
            | Error::Api($api) => Some($on),
            _ => None,
        }
    };
}

impl Error {
    /// How many requests were sent (or tried) before this error: 0 when
    /// nothing was sent.
    ///
    /// Exact for the [`Client`](crate::Client) methods and
    /// [`Client::call`](crate::Client::call); [`Error::from_api`] alone can
    /// only see it on responses the spec does not describe.
    pub fn attempts(&self) -> u32 {
        match self.cause() {
            Error::InvalidInput(_) | Error::Config(_) => 0,
            Error::Timeout { attempts, .. } | Error::Transport { attempts, .. } => *attempts,
            other => other.api_error().map_or(1, ApiError::attempts),
        }
    }

    /// Records what the call knows and the error alone may not: how many
    /// attempts it made, the final status, and why the last attempt got no
    /// answer.
    pub(crate) fn with_report(mut self, report: CallReport) -> Self {
        match (&mut self, report.status, report.failure) {
            (
                Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. },
                Some(known),
                _,
            ) => {
                status.get_or_insert(known);
            }
            (
                Error::Timeout {
                    source: Some(source),
                    ..
                }
                | Error::Transport { source, .. },
                _,
                Some(failure),
            ) => source.set_reason(&failure),
            _ => {}
        }
        self.with_attempts(report.attempts)
    }

    /// Records how many attempts the call made.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::Timeout { attempts, .. } | Error::Transport { attempts, .. } => *attempts = n,
            other => {
                if let Some(e) = other.response_mut() {
                    e.set_attempts(n);
                }
            }
        }
        self
    }

    /// The error a server answer made, for the variants that hold one.
    fn response_mut(&mut self) -> Option<&mut ApiError> {
        answered!(self, e => e)
    }

    /// The error that decides what this one means: a part-way failure means
    /// what its failing request's error means.
    fn cause(&self) -> &Error {
        match self {
            Error::PartlyApplied { source, .. } => source.cause(),
            other => other,
        }
    }

    /// The details the server sent, for the variants that come from a response.
    pub fn api_error(&self) -> Option<&ApiError> {
        answered!(self.cause(), e => e)
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<u16> {
        match self.cause() {
            Error::Redirect { status, .. } => Some(*status),
            Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. } => *status,
            other => other.api_error().map(ApiError::status),
        }
    }

    /// True for a 404: the conference (or other resource) does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self.cause(), Error::NotFound(_))
    }

    /// True for a 401 or 403: Vobiz refused the credentials (or this
    /// account's access). Every other call with the same client will be
    /// refused too, so a batch should stop rather than repeat it.
    pub fn is_auth_failure(&self) -> bool {
        matches!(self.cause(), Error::Unauthorized(_) | Error::Forbidden(_))
    }

    /// A stable snake_case name for the variant: `invalid_input`, `config`,
    /// `not_found`, `unauthorized`, `forbidden`, `rate_limited`, `server`,
    /// `api`, `redirect`, `timeout`, `transport`, `passing_failure`,
    /// `partly_applied`, `response_too_large` or `decode`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::Config(_) => "config",
            Error::NotFound(_) => "not_found",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::RateLimited(_) => "rate_limited",
            Error::Server(_) => "server",
            Error::Api(_) => "api",
            Error::Redirect { .. } => "redirect",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::PassingFailure(_) => "passing_failure",
            Error::PartlyApplied { .. } => "partly_applied",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::Decode { .. } => "decode",
        }
    }

    /// This error as data (see [`ErrorSummary`]).
    pub fn summary(&self) -> ErrorSummary {
        ErrorSummary {
            kind: self.kind(),
            status: self.status(),
            message: self.to_string(),
            api_id: self.api_id().map(str::to_owned),
            retryable: self.is_retryable(),
        }
    }

    /// True if nothing was sent because an argument was unusable.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// True if sending the same idempotent request again later may
    /// succeed: timeouts, connection failures, 408, 429, 500, 502, 503, 504
    /// and [`Error::PassingFailure`]. The client has already retried
    /// these as its
    /// [`RetryPolicy`](crate::RetryPolicy) allows; [`crate::retry`] says
    /// why 500 is among them.
    pub fn is_retryable(&self) -> bool {
        // The retry loop's own classifier decides, for an idempotent request.
        let outcome = match self.cause() {
            Error::InvalidInput(_) | Error::Config(_) => return false,
            Error::Timeout { source: None, .. } => Outcome::Lost,
            Error::Timeout {
                source: Some(source),
                ..
            }
            | Error::Transport { source, .. } => Outcome::of_transport(source.reqwest()),
            Error::PassingFailure(_) => Outcome::PassingFailure,
            other => match other.status() {
                Some(status) => Outcome::Status(status),
                None => return false,
            },
        };
        retry::classify(&reqwest::Method::GET, outcome) != Verdict::Done
    }

    /// Vobiz's `api_id` for the failed call, if the server sent one.
    pub fn api_id(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::api_id)
    }

    /// The server's own error text, if it sent any.
    pub fn message(&self) -> Option<&str> {
        self.api_error().and_then(ApiError::message)
    }

    /// How long the server asked us to wait before trying again, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api_error().and_then(ApiError::retry_after)
    }
}
