//! The one function that decides what is retried ([`classify`]), the
//! outcomes it decides on, and the wait before the next attempt.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use super::RetryPolicy;

/// What one attempt came to, as far as retrying is concerned. The attempt
/// loop reads it off a live outcome ([`Outcome::of`]); `Error::is_retryable`
/// reads it off an error: both then ask [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No connection: nothing reached the server.
    Unconnected,
    /// The request may have reached the server and no usable answer came
    /// back: a timeout, or a connection lost with the request or response
    /// on the way.
    Lost,
    /// Another failure without an answer, one that will not pass by
    /// asking again: a certificate TLS refused, a body that could not be
    /// read as a whole, say.
    Failed,
    /// An answer with this status.
    Status(u16),
    /// A 2xx that Vobiz documents as a passing failure (see the quirk
    /// classifiers the hooks hand the attempt loop, in `crate::quirks`).
    PassingFailure,
}

/// Marks a response that a quirk classifier found to be a passing failure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassingFailureMark;

impl Outcome {
    /// The outcome of one attempt as the attempt loop sees it.
    pub(crate) fn of(result: &reqwest::Result<reqwest::Response>) -> Outcome {
        match result {
            Err(e) => Outcome::of_transport(e),
            Ok(r) if r.extensions().get::<PassingFailureMark>().is_some() => {
                Outcome::PassingFailure
            }
            Ok(r) => Outcome::Status(r.status().as_u16()),
        }
    }

    /// The outcome of a failure without an answer.
    pub(crate) fn of_transport(error: &reqwest::Error) -> Outcome {
        if error.is_connect() && refused_certificate(error) {
            // Final: asking again within seconds meets the same
            // certificate, and the caller should hear so at once.
            Outcome::Failed
        } else if error.is_connect() {
            Outcome::Unconnected
        } else if error.is_timeout() || error.is_request() || error.is_body() {
            Outcome::Lost
        } else {
            Outcome::Failed
        }
    }
}

/// Whether TLS refused the server's certificate (untrusted, expired, not
/// for this name, or none presented). Recognised where rustls made the
/// connection; with `native-tls` alone, such a failure is a connection
/// failure and retried, harmlessly.
fn refused_certificate(error: &reqwest::Error) -> bool {
    #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
    {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(e) = source {
            // rustls's error arrives inside `io::Error`s (tokio-rustls's,
            // then hyper-util's), whose `source()` skips what they wrap.
            let mut layer = e;
            while let Some(inner) = layer
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                layer = inner;
            }
            if matches!(
                layer.downcast_ref::<rustls::Error>(),
                Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
            ) {
                return true;
            }
            source = e.source();
        }
    }
    #[cfg(not(any(feature = "rustls", feature = "rustls-ring")))]
    let _ = error;
    false
}

/// What one attempt's outcome means for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Final: return it.
    Done,
    /// Try again; the flag says whether the server may have acted on this
    /// attempt (so a later 404 may be our own doing).
    Retry { ambiguous: bool },
}

/// The one place that decides whether an attempt is retried (see the
/// module docs of [`crate::retry`] for why each rule is what it is).
pub(crate) fn classify(method: &Method, outcome: Outcome) -> Verdict {
    match outcome {
        Outcome::Unconnected => Verdict::Retry { ambiguous: false },
        _ if !is_idempotent(method) => Verdict::Done,
        Outcome::Lost => Verdict::Retry { ambiguous: true },
        Outcome::PassingFailure => Verdict::Retry { ambiguous: false },
        // A 408 or 429 says the request was not acted on; a 5xx may have
        // been, half-way.
        Outcome::Status(status @ (408 | 429 | 500 | 502 | 503 | 504)) => Verdict::Retry {
            ambiguous: status >= 500,
        },
        Outcome::Status(_) | Outcome::Failed => Verdict::Done,
    }
}

/// Whether repeating `method` cannot do anything twice.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ]
    .contains(method)
}

/// What to do after attempt number `attempt` of a `method` request:
/// `Some((wait, ambiguous))` to try again after `wait`, `None` to stop.
pub(crate) fn decide(
    policy: &RetryPolicy,
    method: &Method,
    attempt: u32,
    result: &reqwest::Result<reqwest::Response>,
    deadline: Option<Instant>,
) -> Option<(Duration, bool)> {
    match classify(method, Outcome::of(result)) {
        Verdict::Retry { ambiguous } => {
            next_wait(policy, attempt, result, deadline).map(|wait| (wait, ambiguous))
        }
        Verdict::Done => None,
    }
}

/// How long to wait before the next attempt, or `None` to stop now.
fn next_wait(
    policy: &RetryPolicy,
    retry: u32,
    result: &reqwest::Result<reqwest::Response>,
    deadline: Option<Instant>,
) -> Option<Duration> {
    if retry >= policy.attempts() {
        return None;
    }
    let asked = result
        .as_ref()
        .ok()
        .filter(|r| {
            matches!(
                r.status(),
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
        })
        .and_then(|r| retry_after(r.headers(), SystemTime::now));
    let wait = match asked {
        Some(wait) if wait > policy.retry_after_cap() => return None,
        Some(wait) => wait,
        None => policy.backoff(retry),
    };
    // A sweep's shared pause holds this call too; waiting for it counts
    // against the call's own deadline like any other wait.
    let wait = wait.max(super::context::paused_for());
    match deadline {
        Some(deadline) if deadline.saturating_duration_since(Instant::now()) <= wait => None,
        _ => Some(wait),
    }
}

/// Parses `Retry-After` as delta-seconds (of any size) or an HTTP date
/// (against `now`, asked only then: a clock read on every error answer
/// would cost more than the rest of this).
pub(crate) fn retry_after(
    headers: &HeaderMap,
    now: impl FnOnce() -> SystemTime,
) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than a u64 holds is still a number of seconds: far
        // beyond any cap, never "no Retry-After".
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now()).unwrap_or(Duration::ZERO))
}

/// How many times a request that never left is sent again, at most.
pub(crate) const MAX_UNSENT_RESENDS: u32 = 3;

/// Whether a failed attempt provably sent nothing: hyper gave the request
/// back unwritten because its connection closed first (a pooled connection
/// the server had already closed, or a new one it closed at once). hyper's
/// client retries the first case itself on reused connections only; this
/// covers the rest. A request that was written, even partly, is never
/// counted here.
pub(crate) fn never_sent(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(e) = source {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_canceled)
        {
            return true;
        }
        source = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_idempotent_methods_retry_what_the_server_may_have_seen() {
        let (delete, post) = (Method::DELETE, Method::POST);
        let status = |s| classify(&delete, Outcome::Status(s));
        assert_eq!(status(503), Verdict::Retry { ambiguous: true });
        assert_eq!(status(500), Verdict::Retry { ambiguous: true });
        assert_eq!(status(429), Verdict::Retry { ambiguous: false });
        assert_eq!(status(408), Verdict::Retry { ambiguous: false });
        for s in [200, 204, 301, 400, 401, 403, 404, 409, 501] {
            assert_eq!(status(s), Verdict::Done, "{s}");
        }
        for s in [408, 429, 500, 502, 503, 504] {
            assert_eq!(classify(&post, Outcome::Status(s)), Verdict::Done, "{s}");
        }
        assert_eq!(classify(&post, Outcome::PassingFailure), Verdict::Done);
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_whatever_the_method() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let refused = reqwest::Client::new().post(&url).send().await;
        assert!(refused.as_ref().is_err_and(reqwest::Error::is_connect));
        assert_eq!(
            classify(&Method::POST, Outcome::of(&refused)),
            Verdict::Retry { ambiguous: false }
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h, || now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        h.insert(RETRY_AFTER, later.parse().unwrap());
        assert_eq!(retry_after(&h, || now), Some(Duration::from_secs(90)));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, || now), None);
        h.insert(RETRY_AFTER, "99999999999999999999999".parse().unwrap());
        assert_eq!(retry_after(&h, || now), Some(Duration::MAX));
    }
}
