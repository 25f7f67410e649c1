//! What happens to every generated operation, done once: progenitor calls
//! these hooks around each request it builds.
//!
//! `pre` checks the URL against the operation's path template and the
//! configured origin, then adds the credentials. `exec` sends the request
//! under the retry policy, inside one tracing span per operation with one
//! event per attempt, and makes unsuccessful response bodies safe to show
//! (bounded, token redacted).

use std::time::Duration;

use bytes::Bytes;
use progenitor_runtime::{ClientHooks, Error as ApiCallError, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, HeaderName, HeaderValue, TRANSFER_ENCODING, USER_AGENT};
use tokio::time::Instant;
use tracing::Instrument;

use crate::error::{MAX_ERROR_BODY, read_up_to};
use crate::generated;
use crate::retry::{self, CallReport, RetryPolicy};

/// `X-Auth-ID`, Vobiz's account header.
pub(crate) const AUTH_ID: HeaderName = HeaderName::from_static("x-auth-id");
/// `X-Auth-Token`, Vobiz's secret header.
pub(crate) const AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");
/// The header progenitor's generated code adds to every request.
const API_VERSION: HeaderName = HeaderName::from_static("api-version");
/// What a response header whose name spells the token is called instead.
const REDACTED_HEADER: HeaderName = HeaderName::from_static("x-vobiz-redacted");
/// How much of an error body is read past [`MAX_ERROR_BODY`] before it is
/// redacted and cut: a spelling of the token that straddles the cut is
/// found whole as long as it is shorter than this.
const REDACTION_SLACK: usize = 64 * 1024;
/// Bodies at least this long are redacted on the blocking pool.
const SCRUB_INLINE_UP_TO: usize = 256 * 1024;

/// Method and path template of one generated operation (the table is
/// generated from the spec by `vobiz-codegen`).
#[derive(Debug)]
pub struct OperationSpec {
    /// `operationId` as written in the spec.
    pub operation_id: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/api/v1/Account/{auth_id}/Conference/{conference_name}/`.
    pub path: &'static str,
    /// The template split at `/`: a literal segment, or `None` where a
    /// parameter goes.
    pub segments: &'static [Option<&'static str>],
}

/// The configuration the hooks apply; held by the generated client.
///
/// It has no public constructor: a generated client only exists inside a
/// [`crate::Client`], so no operation runs without these hooks' checks.
#[derive(Clone)]
pub struct Inner {
    pub(crate) auth_id: HeaderValue,
    pub(crate) auth_token: HeaderValue,
    /// Scrubs the token out of everything a server sends back.
    pub(crate) redactor: crate::redact::Redactor,
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

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"<redacted>")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// Everything `pre` does, as a plain function: refuse a request whose
    /// URL is not exactly its operation's, then authenticate it.
    fn prepare(&self, request: &mut reqwest::Request, operation: &str) -> Result<(), String> {
        let spec = generated::operation_spec(operation)
            .ok_or_else(|| format!("operation `{operation}` is not in the spec table"))?;
        if request.method().as_str() != spec.method {
            return Err(format!(
                "`{}` must be sent as {}",
                spec.operation_id, spec.method
            ));
        }
        if !self.is_same_origin(request.url()) {
            return Err(format!(
                "`{}` would leave the configured origin {}",
                spec.operation_id,
                self.base.origin().ascii_serialization()
            ));
        }
        crate::path::check_path(
            request.url().path(),
            self.base.path().trim_end_matches('/'),
            spec.segments,
            spec.path,
        )
        .map_err(|e| format!("{}: {e}", spec.operation_id))?;
        let headers = request.headers_mut();
        // progenitor adds `api-version: <info.version>` to every request;
        // Vobiz defines no such header, so it is only bytes to send and parse.
        headers.remove(API_VERSION);
        headers.insert(AUTH_ID, self.auth_id.clone());
        headers.insert(AUTH_TOKEN, self.auth_token.clone());
        if let Some(agent) = &self.user_agent {
            headers.insert(USER_AGENT, agent.clone());
        }
        if let (Some(timeout), false) = (self.timeout, self.client_has_timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// When a call that starts now must be over, if the client bounds calls.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.operation_timeout
            .and_then(|t| Instant::now().checked_add(t))
    }

    /// Scheme, host and port as the base URL's (without building an
    /// `Origin`, which allocates, on every request).
    fn is_same_origin(&self, url: &url::Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    /// Sends `request`, retrying as the policy allows, and reports the
    /// attempts to whoever awaits the call (see [`retry::scoped`]).
    ///
    /// A request that provably never left (the connection closed before it
    /// was written, see [`retry::never_sent`]) is sent again at once whatever
    /// the method and the policy, up to [`retry::MAX_UNSENT_RESENDS`] times:
    /// nothing reached the server, so sending it is not a retry.
    async fn send(
        &self,
        operation_id: &str,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        let deadline = retry::earliest(self.deadline(), retry::compound_deadline());
        let mut report = CallReport::default();
        let mut unsent_resends = 0;
        let mut connection_failed = false;
        loop {
            let client = self.client_for(request.method(), connection_failed);
            // A body that cannot be cloned (a stream) is sent once.
            let copy = request.try_clone();
            let method = request.method().clone();
            self.fit_timeout(&mut request, deadline);
            report.attempts += 1;
            let started = Instant::now();
            let (mut outcome, api_id) = self.attempt(client, operation_id, request).await;
            connection_failed |= outcome.is_err();
            let unsent = outcome.as_ref().is_err_and(retry::never_sent)
                && unsent_resends < retry::MAX_UNSENT_RESENDS
                && deadline.is_none_or(|d| Instant::now() < d);
            let copy = match (unsent, copy) {
                (true, Some(copy)) => {
                    log_attempt(report.attempts, &outcome, started.elapsed(), None, None);
                    unsent_resends += 1;
                    report.attempts -= 1;
                    request = copy;
                    continue;
                }
                (_, copy) => copy,
            };
            let next = copy.and_then(|copy| {
                retry::decide(&self.retry, &method, report.attempts, &outcome, deadline)
                    .map(|(wait, ambiguous)| (wait, copy, ambiguous))
            });
            let retry_in = next.as_ref().map(|n| n.0);
            log_attempt(
                report.attempts,
                &outcome,
                started.elapsed(),
                api_id.as_deref(),
                retry_in,
            );
            let Some((wait, copy, ambiguous)) = next else {
                report.status = outcome.as_ref().ok().map(|r| r.status().as_u16());
                record_outcome(&tracing::Span::current(), &outcome, report.attempts);
                retry::publish(report, &mut outcome);
                return outcome;
            };
            report.ambiguous |= ambiguous;
            if is_rate_limited(&outcome) {
                retry::pause_all(wait);
            }
            tokio::time::sleep(wait).await;
            request = copy;
        }
    }

    /// The client a request goes through: the pooled one, unless the request
    /// must not be repeated or a connection already failed this call; then a
    /// new connection (see [`Inner::unpooled`]).
    fn client_for(&self, method: &reqwest::Method, connection_failed: bool) -> &reqwest::Client {
        match &self.unpooled {
            Some(unpooled) if connection_failed || !retry::is_idempotent(method) => unpooled,
            _ => &self.http,
        }
    }

    /// Sends once, and makes the answer safe to show: every header and
    /// every body byte goes through the redactor before anything reads it;
    /// an unsuccessful body is cut to [`MAX_ERROR_BODY`] (after redaction, so
    /// no token straddles the cut), a successful one past
    /// [`Inner::max_body`] is refused. Returns the answer's `api_id` where it
    /// was read.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        operation_id: &str,
        request: reqwest::Request,
    ) -> (reqwest::Result<reqwest::Response>, Option<String>) {
        let mut response = match client.execute(request).await {
            Ok(response) => response,
            Err(e) => return (Err(e), None),
        };
        self.scrub_headers(response.headers_mut());
        let success = response.status().is_success();
        if success && !has_body(&response) {
            return (Ok(response), None);
        }
        let head = head_of(&response);
        let limit = if success {
            self.max_body
        } else {
            MAX_ERROR_BODY + REDACTION_SLACK
        };
        let body = match read_up_to(response, limit.saturating_add(1)).await {
            (_, Some(e)) if success => return (Err(e), None),
            (body, _) if success && body.len() > limit => {
                let refused = reqwest::Body::wrap(TooLargeBody(limit));
                return (Ok(reqwest::Response::from(head.map(|()| refused))), None);
            }
            (body, _) => body,
        };
        let mut body = self.scrubbed(body).await;
        if !success {
            body.truncate(MAX_ERROR_BODY);
        }
        let transient = success
            && crate::quirks::inspects_success(operation_id)
            && crate::quirks::is_transient_body(&body);
        let api_id = (!success || transient)
            .then(|| crate::error::api_id_of(&body))
            .flatten();
        let mut response = reqwest::Response::from(head.map(|()| body));
        if transient {
            response.extensions_mut().insert(crate::quirks::Transient);
        }
        (Ok(response), api_id)
    }

    /// `body` with the token redacted; a large body is scanned off the
    /// runtime's threads, so that one answer cannot stall the others.
    async fn scrubbed(&self, body: Bytes) -> Bytes {
        let scrub = |redactor: &crate::redact::Redactor, body: Bytes| match redactor.scrub(&body) {
            std::borrow::Cow::Borrowed(_) => body,
            std::borrow::Cow::Owned(scrubbed) => Bytes::from(scrubbed),
        };
        if body.len() < SCRUB_INLINE_UP_TO {
            return scrub(&self.redactor, body);
        }
        let redactor = self.redactor.clone();
        let copy = body.clone();
        match tokio::task::spawn_blocking(move || scrub(&redactor, copy)).await {
            Ok(scrubbed) => scrubbed,
            // The blocking pool is gone (the runtime is shutting down): do
            // it here rather than hand out an unscrubbed body.
            Err(_) => scrub(&self.redactor, body),
        }
    }

    /// Replaces every header value that spells the token, and every header
    /// name (which HTTP lower-cases) that does, ignoring case.
    fn scrub_headers(&self, headers: &mut reqwest::header::HeaderMap) {
        for value in headers.values_mut() {
            if let std::borrow::Cow::Owned(scrubbed) = self.redactor.scrub(value.as_bytes()) {
                *value = HeaderValue::from_bytes(&scrubbed)
                    .unwrap_or_else(|_| HeaderValue::from_static(crate::redact::REDACTED));
            }
        }
        let spelled = |name: &HeaderName| {
            matches!(
                self.redactor.scrub_folded(name.as_str().as_bytes()),
                std::borrow::Cow::Owned(_)
            )
        };
        if !headers.keys().any(spelled) {
            return;
        }
        let mut name = None;
        for (next, value) in std::mem::take(headers) {
            name = next.or(name);
            if let Some(name) = &name {
                let name = if spelled(name) {
                    REDACTED_HEADER
                } else {
                    name.clone()
                };
                headers.append(name, value);
            }
        }
    }

    /// Shortens the attempt's timeout so it cannot outlast the operation's.
    fn fit_timeout(&self, request: &mut reqwest::Request, deadline: Option<Instant>) {
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            *request.timeout_mut() = Some(self.timeout.map_or(left, |t| t.min(left)));
        }
    }
}

/// Whether a successful answer carries a body to read.
fn has_body(response: &reqwest::Response) -> bool {
    response.status() != reqwest::StatusCode::NO_CONTENT && response.content_length() != Some(0)
}

/// A response's status, version and headers, for a copy with a body read
/// here (its length headers go: the new body sets its own).
fn head_of(response: &reqwest::Response) -> http::Response<()> {
    let mut head = http::Response::new(());
    *head.status_mut() = response.status();
    *head.version_mut() = response.version();
    *head.headers_mut() = response.headers().clone();
    head.headers_mut().remove(CONTENT_LENGTH);
    head.headers_mut().remove(TRANSFER_ENCODING);
    head
}

/// The body of a successful answer that was too large to read: reading it
/// fails with [`BodyTooLarge`], which [`crate::Error::from_api`] reports as
/// [`crate::Error::ResponseTooLarge`].
struct TooLargeBody(usize);

impl http_body::Body for TooLargeBody {
    type Data = Bytes;
    type Error = BodyTooLarge;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BodyTooLarge>>> {
        std::task::Poll::Ready(Some(Err(BodyTooLarge(self.0))))
    }
}

/// A successful answer's body was longer than the configured bound.
#[derive(Debug)]
pub(crate) struct BodyTooLarge(pub(crate) usize);

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "response body longer than {} bytes", self.0)
    }
}

impl std::error::Error for BodyTooLarge {}

fn is_rate_limited(outcome: &reqwest::Result<reqwest::Response>) -> bool {
    outcome
        .as_ref()
        .is_ok_and(|r| r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS)
}

/// The per-attempt event, named after OpenTelemetry's HTTP conventions
/// where they have a name. Only the status, timing and server-given id: the
/// request (and so its headers) is never formatted.
fn log_attempt(
    attempt: u32,
    outcome: &reqwest::Result<reqwest::Response>,
    elapsed: Duration,
    api_id: Option<&str>,
    retry_in: Option<Duration>,
) {
    let elapsed_ms = elapsed.as_millis() as u64;
    let retry_in_ms = retry_in.map(|w| w.as_millis() as u64);
    let resend_count = attempt - 1;
    match outcome {
        Ok(r) => tracing::debug!(
            http.request.resend_count = resend_count,
            http.response.status_code = r.status().as_u16(),
            vobiz.elapsed_ms = elapsed_ms,
            vobiz.api_id = api_id,
            vobiz.retry_in_ms = retry_in_ms,
            "vobiz attempt"
        ),
        Err(e) => tracing::debug!(
            http.request.resend_count = resend_count,
            error.type = transport_error_type(e),
            vobiz.error = %e,
            vobiz.elapsed_ms = elapsed_ms,
            vobiz.retry_in_ms = retry_in_ms,
            "vobiz attempt failed"
        ),
    }
}

/// OpenTelemetry's `error.type` for a failure without a response.
fn transport_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

/// The operation span's outcome fields, once the call is over.
fn record_outcome(
    span: &tracing::Span,
    outcome: &reqwest::Result<reqwest::Response>,
    attempts: u32,
) {
    span.record("vobiz.attempts", attempts);
    match outcome {
        Ok(r) => {
            span.record("http.response.status_code", r.status().as_u16());
            if !r.status().is_success() {
                span.record("error.type", r.status().as_str());
            }
        }
        Err(e) => {
            span.record("error.type", transport_error_type(e));
        }
    }
}

impl ClientHooks<Inner> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), ApiCallError<E>> {
        self.inner
            .prepare(request, info.operation_id)
            .map_err(ApiCallError::InvalidRequest)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // `pre` has already refused operations missing from the table.
        let (id, method, route) = generated::operation_spec(info.operation_id)
            .map_or((info.operation_id, "", ""), |s| {
                (s.operation_id, s.method, s.path)
            });
        // Field names follow OpenTelemetry's HTTP client conventions, so that
        // traces export cleanly; ours carry a `vobiz.` prefix.
        let url = request.url();
        let span = tracing::info_span!(
            "vobiz.operation",
            vobiz.operation_id = id,
            http.request.method = method,
            http.route = route,
            url.path = url.path(),
            server.address = url.host_str(),
            server.port = url.port_or_known_default(),
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            vobiz.attempts = tracing::field::Empty,
        );
        // Boxed: the retry loop's state is large, and every layer of the
        // generated future around it would otherwise be moved with it.
        Box::pin(self.inner.send(id, request).instrument(span)).await
    }
}

#[cfg(test)]
mod tests {
    /// The credentials are added marked sensitive, so that `http` and
    /// reqwest print them as `Sensitive`, never as their value.
    #[test]
    fn credentials_are_marked_sensitive() {
        let client = crate::Client::builder("MA_SENSITIVE", "token-sensitive-1")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let url = "http://127.0.0.1:9/api/v1/Account/MA_SENSITIVE/Conference/r/";
        let mut request = reqwest::Request::new(reqwest::Method::DELETE, url.parse().unwrap());
        client
            .api()
            .inner
            .prepare(&mut request, "delete_conference")
            .unwrap();
        for name in [super::AUTH_ID, super::AUTH_TOKEN] {
            assert!(request.headers()[&name].is_sensitive(), "{name}");
        }
        assert!(!format!("{request:?}").contains("token-sensitive-1"));
    }
}
