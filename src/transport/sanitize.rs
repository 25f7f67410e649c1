//! An answer made safe to read before anything reads it: every header
//! name and value and every body byte redacted (see `crate::redact`), an
//! error body cut to [`MAX_ERROR_BODY`], a successful one bounded by the
//! client's `max_response_body`; and, when no answer came, the failing
//! layer's reason, redacted the same way.

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, HeaderName, HeaderValue, TRANSFER_ENCODING};

use super::Transport;
use crate::redact::{REDACTED, Redactor};
use crate::text::clean;

/// At most this much of an error response body is kept: enough for any real
/// error document, and a misbehaving server cannot make us buffer more.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;
/// How much of an error body is read past [`MAX_ERROR_BODY`] before it is
/// redacted and cut: a spelling of the token that straddles the cut is
/// found whole as long as it is shorter than this.
pub(super) const REDACTION_SLACK: usize = 64 * 1024;
/// Bodies at least this long are redacted on the blocking pool.
const SCRUB_INLINE_UP_TO: usize = 256 * 1024;
/// What a response header whose name spells the token is called instead.
const REDACTED_HEADER: HeaderName = HeaderName::from_static("x-vobiz-redacted");

impl Transport {
    /// `body` with the token redacted; a large body is scanned off the
    /// runtime's threads, so that one answer cannot stall the others.
    pub(super) async fn scrubbed(&self, body: Bytes) -> Bytes {
        let scrub = |redactor: &Redactor, body: Bytes| match redactor.scrub(&body) {
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
    pub(super) fn scrub_headers(&self, headers: &mut reqwest::header::HeaderMap) {
        for value in headers.values_mut() {
            if let std::borrow::Cow::Owned(scrubbed) = self.redactor.scrub(value.as_bytes()) {
                *value = HeaderValue::from_bytes(&scrubbed)
                    .unwrap_or_else(|_| HeaderValue::from_static(REDACTED));
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

    /// Why a request got no answer, in the words of the deepest layer that
    /// said (the OS: "Connection refused (os error 111)"; TLS: "invalid peer
    /// certificate: UnknownIssuer"; DNS), because reqwest's own message
    /// only names the URL. Those words can carry what a server sent (the
    /// names in its certificate), so they are cleaned and redacted like an
    /// answer. `None` when there is nothing below reqwest's message.
    pub(super) fn failure_cause(&self, error: &reqwest::Error) -> Option<String> {
        let mut deepest: &(dyn std::error::Error + 'static) = error;
        while let Some(next) = deepest.source() {
            deepest = next;
        }
        if std::ptr::addr_eq(deepest, error) {
            return None;
        }
        let words = self.redactor.scrub_str(&deepest.to_string()).into_owned();
        clean(&words)
    }
}

/// A body the transport read, redacted and bounded, with what it said of
/// itself (see `crate::said`): the extension of an answer whose JSON body
/// was read (every error's, a success's where the audit trail keeps its
/// `api_id`), so that neither the error made from it nor the audit reads
/// the answer again.
#[derive(Clone)]
pub(crate) struct Heard {
    pub(crate) body: Bytes,
    pub(crate) said: std::sync::Arc<crate::said::Said>,
}

/// Whether a successful answer carries a body to read.
pub(super) fn has_body(response: &reqwest::Response) -> bool {
    response.status() != reqwest::StatusCode::NO_CONTENT && response.content_length() != Some(0)
}

/// A response's status, version, URL and headers (taken: what is left of
/// it is read for its body), for a copy with a body read here (its length
/// headers go: the new body sets its own).
pub(super) fn head_of(response: &mut reqwest::Response) -> http::Response<()> {
    use reqwest::ResponseBuilderExt;
    // Through the builder's `url`: without it, reqwest makes the copy's
    // URL by parsing a placeholder, which costs more than the rest of this.
    let mut head = http::Response::builder()
        .url(response.url().clone())
        .body(())
        .unwrap_or_default();
    *head.status_mut() = response.status();
    *head.version_mut() = response.version();
    *head.headers_mut() = std::mem::take(response.headers_mut());
    head.headers_mut().remove(CONTENT_LENGTH);
    head.headers_mut().remove(TRANSFER_ENCODING);
    head
}

/// The body of a successful answer that was too large to read: reading it
/// fails with [`BodyTooLarge`], which [`crate::Error::from_api`] reports as
/// [`crate::Error::ResponseTooLarge`].
pub(super) struct TooLargeBody(pub(super) usize);

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

/// Reads at most `limit` bytes of a body; a read error ends it early, since
/// what has arrived is still the best account of the failure.
pub(crate) async fn read_bounded(response: reqwest::Response, limit: usize) -> Bytes {
    read_up_to(response, limit).await.0
}

/// Reads at most `limit` bytes of a body: what arrived, and the error that
/// ended the read early, if one did.
pub(super) async fn read_up_to(
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
