//! Errors: one enum that tells apart what a caller can act on.

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use serde_json::Value;

use crate::generated;
use crate::retry::CallReport;

/// At most this much of an error response body is read: enough for any real
/// error document, and a misbehaving server cannot make us buffer more.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// At most this much of the server's error text is kept for [`Error::message`].
const MAX_MESSAGE: usize = 1024;

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
        source: Option<reqwest::Error>,
        /// Attempts made.
        attempts: u32,
    },
    /// The request or response failed on the way (connection refused or
    /// reset, TLS, DNS, a body cut short).
    #[error("transport error{}: {source}", after(*.attempts))]
    Transport {
        /// The last attempt's failure.
        #[source]
        source: reqwest::Error,
        /// Attempts made.
        attempts: u32,
    },
    /// Retrieve a Conference answered `200 OK` with `{"error": "failed"}`, as
    /// Vobiz documents it may for a live room, on every attempt the retry
    /// policy allowed. The room exists; asking again later may succeed.
    #[error("conference retrieval failed (Vobiz's documented 200 `failed` answer): {0}")]
    LiveRetrievalFailed(ApiError),
    /// A member action whose list was too long for one request failed: the
    /// requests in `applied` took effect (possibly none), the `not_sent`
    /// member ids (each entry one request's worth) were never sent, and the
    /// request that failed is described by `source`.
    #[error("{source} ({} member requests applied before it, {} not sent)", applied.requests().len(), not_sent.len())]
    PartlyApplied {
        /// What took effect.
        applied: crate::MemberOutcome,
        /// The `member_id` values of the requests not sent.
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

/// What the server said in an unsuccessful response.
///
/// Vobiz documents two body shapes, and both are understood:
/// `{"error": "conference not found", "api_id": "..."}` and
/// `{"status": "error", "error": {"code", "message", "details"}, "timestamp", "requestId"}`.
/// A body that is empty or not JSON still yields the status, and its text
/// (bounded) as the message. Where the spec documents an error body, its
/// type is generated (`types::<Operation><Status>Error`) and
/// [`decode_body`](ApiError::decode_body) reads the body as that type.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(Box<Fields>);

/// Boxed so that `Result<_, Error>` stays small on the success path.
#[derive(Clone, PartialEq)]
struct Fields {
    status: u16,
    message: Option<String>,
    code: Option<String>,
    details: Option<Value>,
    api_id: Option<String>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    attempts: u32,
    /// The body as received: at most [`MAX_ERROR_BODY`] bytes, token redacted.
    body: Bytes,
}

/// Like the derived one, but the body by its length only.
impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("code", &self.code)
            .field("details", &self.details)
            .field("api_id", &self.api_id)
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .field("attempts", &self.attempts)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl ApiError {
    /// Builds the error for a response from its status, headers and
    /// (possibly truncated) body.
    pub(crate) fn from_parts(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let mut error = match serde_json::from_slice::<Value>(body) {
            Ok(json) => Self::from_json(status, &json),
            Err(_) => Self::from_text(status, body),
        };
        error.0.retry_after = retry_after(headers, SystemTime::now());
        error.0.body = Bytes::copy_from_slice(body);
        error
    }

    fn empty(status: StatusCode) -> Fields {
        Fields {
            status: status.as_u16(),
            message: None,
            code: None,
            details: None,
            api_id: None,
            request_id: None,
            retry_after: None,
            attempts: 1,
            body: Bytes::new(),
        }
    }

    fn from_text(status: StatusCode, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        ApiError(Box::new(Fields {
            message: clean(&text),
            ..Self::empty(status)
        }))
    }

    fn from_json(status: StatusCode, json: &Value) -> Self {
        let text = |v: Option<&Value>| match v? {
            Value::String(s) => clean(s),
            Value::Null => None,
            other => clean(&other.to_string()),
        };
        let nested = json.get("error").filter(|e| e.is_object());
        let message = match nested {
            Some(e) => text(e.get("message")),
            None => text(json.get("error")).or_else(|| text(json.get("message"))),
        };
        ApiError(Box::new(Fields {
            message,
            code: nested.and_then(|e| text(e.get("code"))),
            details: nested.and_then(|e| e.get("details")).cloned(),
            api_id: text(json.get("api_id")),
            request_id: text(json.get("requestId")).or_else(|| text(json.get("request_id"))),
            ..Self::empty(status)
        }))
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The server's own error text, if it sent any (one line, at most 1 KiB).
    pub fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }

    /// The machine-readable error code of the nested body shape.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The `details` of the nested body shape, as sent.
    pub fn details(&self) -> Option<&Value> {
        self.0.details.as_ref()
    }

    /// Vobiz's `api_id` for this call: quote it to Vobiz support.
    pub fn api_id(&self) -> Option<&str> {
        self.0.api_id.as_deref()
    }

    /// The `requestId` of the nested body shape.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// How long the server asked us to wait (`Retry-After`, seconds or HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// How many requests the call sent, this response's included.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The response body as received: at most 64 KiB, with the auth token
    /// replaced should the server have echoed it.
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    /// The body read as `T`, typically the type the spec documents for this
    /// status (`types::<Operation><Status>Error`).
    ///
    /// ```no_run
    /// # async fn f(client: vobiz::Client) {
    /// use vobiz::generated::types::GetConference404Error;
    /// let err = client.call(client.api().get_conference(client.auth_id(), "room")).await.unwrap_err();
    /// if let Some(api) = err.api_error() {
    ///     let typed: Result<GetConference404Error, _> = api.decode_body();
    /// }
    /// # }
    /// ```
    pub fn decode_body<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.0.body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "HTTP {}", e.status)?;
        if let Some(m) = &e.message {
            write!(f, ": {m}")?;
        }
        if let Some(c) = &e.code {
            write!(f, " (code {c})")?;
        }
        if let Some(id) = &e.api_id {
            write!(f, " [api_id {id}]")?;
        } else if let Some(id) = &e.request_id {
            write!(f, " [requestId {id}]")?;
        }
        if let Some(wait) = e.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        f.write_str(&after(e.attempts))
    }
}

/// The Display suffix for errors that took more than one attempt.
fn after(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    }
}

/// A caller's value, quoted and cut to a readable length, for messages.
pub(crate) fn shorten(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    match value.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
        None => format!("{value:?}"),
    }
}

/// The `api_id` of an error body, if it has one.
pub(crate) fn api_id_of(body: &[u8]) -> Option<String> {
    let json: Value = serde_json::from_slice(body).ok()?;
    clean(json.get("api_id")?.as_str()?)
}

/// One readable line of at most [`MAX_MESSAGE`] bytes (the `…` that marks a
/// cut included), or `None` if blank. Line breaks of every kind (control
/// characters, U+2028, U+2029) become spaces and bidirectional controls are
/// dropped, so that a server's text can neither split a log line nor turn
/// text around on screen.
pub(crate) fn clean(text: &str) -> Option<String> {
    const ELLIPSIS: char = '…';
    let mut out = String::new();
    let mut chars = text
        .trim()
        .chars()
        .filter(|c| !crate::redact::is_invisible(*c))
        .peekable();
    while let Some(c) = chars.next() {
        let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            ' '
        } else {
            c
        };
        let room = if chars.peek().is_some() {
            MAX_MESSAGE - ELLIPSIS.len_utf8()
        } else {
            MAX_MESSAGE
        };
        if out.len() + c.len_utf8() > room {
            out.push(ELLIPSIS);
            break;
        }
        out.push(c);
    }
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_owned())
}

/// Parses `Retry-After` as delta-seconds (of any size) or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds is still a number of seconds: far
        // beyond any cap, never "no Retry-After".
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl Error {
    /// Classifies an unsuccessful response by its status.
    pub(crate) fn from_response_parts(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        if status.is_redirection() {
            let location = headers
                .get(LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
            return Error::Redirect {
                status: status.as_u16(),
                location: location
                    .and_then(|l| clean(&l))
                    .unwrap_or_else(|| "(no Location header)".to_owned()),
            };
        }
        let api = ApiError::from_parts(status, headers, body);
        match status.as_u16() {
            401 => Error::Unauthorized(api),
            403 => Error::Forbidden(api),
            404 => Error::NotFound(api),
            429 => Error::RateLimited(api),
            500..=599 => Error::Server(api),
            _ => Error::Api(api),
        }
    }

    /// Classifies a transport failure.
    pub(crate) fn from_reqwest(source: reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout {
                source: Some(source),
                attempts: 1,
            }
        } else {
            Error::Transport {
                source,
                attempts: 1,
            }
        }
    }

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
    /// attempts it made and the final status.
    pub(crate) fn with_report(mut self, report: CallReport) -> Self {
        if let (
            Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. },
            Some(known),
        ) = (&mut self, report.status)
        {
            status.get_or_insert(known);
        }
        self.with_attempts(report.attempts)
    }

    /// Records how many attempts the call made.
    pub(crate) fn with_attempts(mut self, n: u32) -> Self {
        match &mut self {
            Error::Timeout { attempts, .. } | Error::Transport { attempts, .. } => *attempts = n,
            other => {
                if let Some(e) = other.response_mut() {
                    e.0.attempts = n;
                }
            }
        }
        self
    }

    /// The error a server answer made, for the variants that hold one.
    fn response_mut(&mut self) -> Option<&mut ApiError> {
        match self {
            Error::NotFound(e)
            | Error::Unauthorized(e)
            | Error::Forbidden(e)
            | Error::RateLimited(e)
            | Error::Server(e)
            | Error::LiveRetrievalFailed(e)
            | Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The error that decides what this one means: a part-way failure means
    /// what its failing request's error means.
    fn cause(&self) -> &Error {
        match self {
            Error::PartlyApplied { source, .. } => source.cause(),
            other => other,
        }
    }

    /// Turns the error of any generated operation into a [`vobiz::Error`](Error),
    /// classified the same way as the handwritten calls.
    ///
    /// ```no_run
    /// # async fn f(client: &vobiz::Client) -> Result<(), vobiz::Error> {
    /// let result = client.api().delete_conference(client.auth_id(), "room").await;
    /// if let Err(e) = result {
    ///     let e = vobiz::Error::from_api(e).await;
    ///     if e.is_not_found() { /* no such active room */ }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Every non-2xx response is classified by its status, whatever its body
    /// holds (generation routes every error status here; see
    /// `codegen/src/normalize.rs`). A 2xx body that does not match the spec
    /// is [`Error::Decode`]; its status is known through
    /// [`Client::call`](crate::Client::call), not through this function alone.
    pub async fn from_api<E>(err: generated::Error<E>) -> Self {
        use generated::Error as G;
        match err {
            G::InvalidRequest(msg) => Error::InvalidInput(msg),
            G::Custom(msg) => Error::InvalidInput(msg),
            // reqwest refuses to build a request whose URL it cannot hold
            // (a path parameter of tens of kilobytes): nothing was sent, and
            // its message would carry the whole URL, so say it briefly.
            G::CommunicationError(e) if e.is_builder() => Error::InvalidInput(
                "the request cannot be built: a path parameter is too long for a URL".into(),
            ),
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                match too_large(&e) {
                    Some(limit) => Error::ResponseTooLarge {
                        limit,
                        status: None,
                    },
                    None => Error::from_reqwest(e),
                }
            }
            G::InvalidResponsePayload(_, e) => Error::Decode {
                status: None,
                message: clean(&e.to_string()).unwrap_or_default(),
            },
            // Generation documents no error responses, so this arm is not
            // reached by generated code; the status still decides.
            G::ErrorResponse(value) => {
                Error::from_response_parts(value.status(), value.headers(), &[])
            }
            G::UnexpectedResponse(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                let report = response.extensions().get::<CallReport>().copied();
                let body = read_bounded(response, MAX_ERROR_BODY).await;
                let error = Error::from_response_parts(status, &headers, &body);
                match report {
                    Some(report) => error.with_attempts(report.attempts),
                    None => error,
                }
            }
        }
    }

    /// The details the server sent, for the variants that come from a response.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self.cause() {
            Error::NotFound(e)
            | Error::Unauthorized(e)
            | Error::Forbidden(e)
            | Error::RateLimited(e)
            | Error::Server(e)
            | Error::LiveRetrievalFailed(e)
            | Error::Api(e) => Some(e),
            _ => None,
        }
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

    /// OpenTelemetry's `error.type` for this error: the status code for an
    /// answer, else a short name of the kind.
    pub(crate) fn error_type(&self) -> std::borrow::Cow<'static, str> {
        match self.cause() {
            Error::InvalidInput(_) => "invalid_input".into(),
            Error::Config(_) => "config".into(),
            Error::Timeout { .. } => "timeout".into(),
            Error::Transport { .. } => "transport".into(),
            Error::Decode { .. } => "decode".into(),
            Error::ResponseTooLarge { .. } => "response_too_large".into(),
            Error::LiveRetrievalFailed(_) => "live_retrieval_failed".into(),
            other => other
                .status()
                .map_or("unknown".into(), |s| s.to_string().into()),
        }
    }

    /// True if nothing was sent because an argument was unusable.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Error::InvalidInput(_))
    }

    /// True if sending the same idempotent request again later may
    /// succeed: timeouts, connection failures, 408, 429, 500, 502, 503, 504
    /// and [`Error::LiveRetrievalFailed`]. The client has already retried
    /// these as its
    /// [`RetryPolicy`](crate::RetryPolicy) allows; [`crate::retry`] says
    /// why 500 is among them.
    pub fn is_retryable(&self) -> bool {
        match self.cause() {
            Error::Timeout { source: None, .. } => true,
            Error::Timeout {
                source: Some(source),
                ..
            }
            | Error::Transport { source, .. } => crate::retry::is_transient(source),
            Error::LiveRetrievalFailed(_) => true,
            Error::Decode { .. } | Error::ResponseTooLarge { .. } => false,
            other => other
                .status()
                .is_some_and(crate::retry::is_retryable_status),
        }
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

/// The bound a successful body exceeded, if that is what ended this read
/// (see `hooks::TooLargeBody`).
fn too_large(error: &reqwest::Error) -> Option<usize> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(too_large) = e.downcast_ref::<crate::hooks::BodyTooLarge>() {
            return Some(too_large.0);
        }
        source = e.source();
    }
    None
}

/// Reads at most `limit` bytes of a body; a read error ends it early, since
/// what has arrived is still the best account of the failure.
pub(crate) async fn read_bounded(response: reqwest::Response, limit: usize) -> Bytes {
    read_up_to(response, limit).await.0
}

/// Reads at most `limit` bytes of a body: what arrived, and the error that
/// ended the read early, if one did.
pub(crate) async fn read_up_to(
    mut response: reqwest::Response,
    limit: usize,
) -> (Bytes, Option<reqwest::Error>) {
    let mut body = Vec::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - body.len());
                body.extend_from_slice(&chunk[..take]);
            }
            Ok(None) => break,
            Err(e) => return (Bytes::from(body), Some(e)),
        }
    }
    (Bytes::from(body), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        h.insert(RETRY_AFTER, later.parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(90)));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }
}
