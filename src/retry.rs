//! Retries: the policy, the one function that decides what is retried, and
//! the loop the `exec` hook runs for every generated operation.
//!
//! What is retried, and why:
//! - **Connection failures** (nothing reached the server): always, whatever
//!   the method.
//! - **Timeouts, connections dropped after the request was written, 408,
//!   429, 500, 502, 503, 504**: only for idempotent methods (DELETE, GET,
//!   HEAD, PUT, OPTIONS, TRACE). The request may have reached the server, and
//!   only an idempotent one can be repeated without doing something twice.
//!   500 is included because repeating an idempotent request cannot make
//!   anything worse, and at Vobiz's scale a 500 is as often a node dying
//!   mid-request as a request that always fails; the attempt limit bounds
//!   the cost when it is the latter.
//! - **A documented passing failure in a 2xx** (Retrieve a Conference's
//!   `{"error": "failed"}`, see [`Error::LiveRetrievalFailed`](crate::Error::LiveRetrievalFailed)): like a 503, for the
//!   idempotent GET it comes with.
//! - Everything else (other 4xx, redirects, success) is final.
//!
//! Backoff is exponential with full jitter (a random wait between zero and
//! `initial_backoff * 2^(retry - 1)`, capped at `max_backoff`), so that many
//! clients failing together do not retry together. A `Retry-After` header
//! (seconds or HTTP date) replaces that wait; if it asks for longer than
//! [`RetryPolicy::max_retry_after`], the response is returned at once rather
//! than slept on. No wait ever runs past the operation timeout.

use std::time::Duration;

use futures_util::FutureExt;
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

/// How a [`Client`](crate::Client) retries failed requests.
///
/// ```
/// use std::time::Duration;
/// let policy = vobiz::RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(100))
///     .max_backoff(Duration::from_secs(2));
/// let client = vobiz::Client::builder("MA_XXXXXX", "your-auth-token").retry(policy).build()?;
/// # Ok::<(), vobiz::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts in total, backoff from 200 ms up to 5 s, and `Retry-After`
    /// honoured up to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt: never retry.
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Attempts in total, including the first (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff ceiling before the first retry; it doubles each retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The largest backoff ceiling.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` that is waited for; a longer one ends the
    /// call with the rate-limit (or 503) error at once.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// Attempts in total.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Refuses waits longer than `max` (see [`crate::MAX_WAIT`]).
    pub(crate) fn check(&self, max: Duration) -> Result<(), String> {
        let waits = [
            ("initial_backoff", self.initial_backoff),
            ("max_backoff", self.max_backoff),
            ("max_retry_after", self.max_retry_after),
        ];
        match waits.into_iter().find(|(_, wait)| *wait > max) {
            Some((name, wait)) => Err(format!(
                "retry policy {name} of {wait:?} is longer than the {max:?} the client can honour"
            )),
            None => Ok(()),
        }
    }

    /// The jittered wait before retry number `retry` (1-based).
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// The statuses worth repeating for an idempotent request.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Transport failures worth repeating for an idempotent request: no
/// connection, no answer in time, or a connection lost with the request or
/// response on the way. (TLS failures count as connection failures in
/// reqwest, so they are repeated too, harmlessly.)
pub(crate) fn is_transient(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request() || error.is_body()
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

/// What one attempt's outcome means for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Final: return it.
    Done,
    /// Try again; the flag says whether the server may have acted on this
    /// attempt (so a later 404 may be our own doing).
    Retry { ambiguous: bool },
}

/// The one place that decides whether an attempt is retried.
pub(crate) fn classify(method: &Method, outcome: &reqwest::Result<reqwest::Response>) -> Verdict {
    match outcome {
        Err(e) if e.is_connect() => Verdict::Retry { ambiguous: false },
        _ if !is_idempotent(method) => Verdict::Done,
        Err(e) if is_transient(e) => Verdict::Retry { ambiguous: true },
        Err(_) => Verdict::Done,
        // A documented passing failure in a 200 (see `crate::quirks`).
        Ok(r) if r.extensions().get::<crate::quirks::Transient>().is_some() => {
            Verdict::Retry { ambiguous: false }
        }
        Ok(r) if is_retryable_status(r.status().as_u16()) => Verdict::Retry {
            // A 408 or 429 says the request was not acted on; a 5xx may
            // have been, half-way.
            ambiguous: r.status().is_server_error(),
        },
        Ok(_) => Verdict::Done,
    }
}

/// What happened over all attempts of one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CallReport {
    /// Requests sent (or tried).
    pub attempts: u32,
    /// Some attempt before the last may have been acted on by the server.
    pub ambiguous: bool,
    /// The last attempt's status, if the server answered.
    pub status: Option<u16>,
}

/// What to do after attempt number `attempt` of a `method` request:
/// `Some((wait, ambiguous))` to try again after `wait`, `None` to stop.
pub(crate) fn decide(
    policy: &RetryPolicy,
    method: &Method,
    attempt: u32,
    outcome: &reqwest::Result<reqwest::Response>,
    deadline: Option<Instant>,
) -> Option<(Duration, bool)> {
    match classify(method, outcome) {
        Verdict::Retry { ambiguous } => {
            next_wait(policy, attempt, outcome, deadline).map(|wait| (wait, ambiguous))
        }
        Verdict::Done => None,
    }
}

/// How long to wait before the next attempt, or `None` to stop now.
fn next_wait(
    policy: &RetryPolicy,
    retry: u32,
    outcome: &reqwest::Result<reqwest::Response>,
    deadline: Option<Instant>,
) -> Option<Duration> {
    if retry >= policy.max_attempts {
        return None;
    }
    let asked = outcome
        .as_ref()
        .ok()
        .filter(|r| {
            matches!(
                r.status(),
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
        })
        .and_then(|r| crate::error::retry_after(r.headers(), std::time::SystemTime::now()));
    let wait = match asked {
        Some(wait) if wait > policy.max_retry_after => return None,
        Some(wait) => wait,
        None => policy.backoff(retry),
    };
    // A sweep's shared pause holds this call too; waiting for it counts
    // against the call's own deadline like any other wait.
    let wait = wait.max(paused_for());
    match deadline {
        Some(deadline) if deadline.saturating_duration_since(Instant::now()) <= wait => None,
        _ => Some(wait),
    }
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

tokio::task_local! {
    /// Where the `exec` hook leaves its [`CallReport`] for [`scoped`].
    static REPORT: std::cell::Cell<CallReport>;
}

/// Hands the report of a finished call to its caller: through the task-local
/// when the call runs inside [`scoped`], and on the response itself, so that
/// [`Error::from_api`](crate::Error::from_api) can read it from an
/// unexpected response.
pub(crate) fn publish(report: CallReport, outcome: &mut reqwest::Result<reqwest::Response>) {
    let _ = REPORT.try_with(|cell| cell.set(report));
    // Only when it says more than a plain single attempt: inserting the
    // first extension allocates, on the hot path.
    if let (Ok(response), true) = (outcome, report.attempts > 1 || report.ambiguous) {
        response.extensions_mut().insert(report);
    }
}

/// Runs a generated call and returns what its `exec` hook reported
/// (zero attempts if it never got that far, e.g. a refused path).
///
/// Plain functions returning combinators rather than `async fn`s: an
/// `async fn` keeps its moved-in argument beside the future it moved into,
/// doubling the size of every call's state.
pub(crate) fn scoped<F: Future>(call: F) -> impl Future<Output = (F::Output, CallReport)> {
    let with_report = call.map(|output| (output, REPORT.with(std::cell::Cell::get)));
    REPORT.scope(std::cell::Cell::new(CallReport::default()), with_report)
}

/// A pause shared by every call of one sweep
/// ([`Client::hangup_conferences`](crate::Client::hangup_conferences)): when
/// one of them is told to slow down (429), all of them wait, instead of each
/// finding out on its own.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    closed_until: std::sync::Mutex<Option<Instant>>,
}

impl Gate {
    fn until(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.closed_until.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remaining(&self) -> Duration {
        self.until()
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    }

    /// Waits until the sweep is not paused; a call starts only after that,
    /// so the wait is not part of its operation timeout.
    pub(crate) async fn wait_open(&self) {
        loop {
            let remaining = self.remaining();
            if remaining.is_zero() {
                return;
            }
            tokio::time::sleep(remaining).await;
        }
    }
}

/// What a compound call (a sweep, a split member list) shares with every
/// single call it makes: the sweep's pause, and the compound's deadline.
#[derive(Clone, Default)]
struct Compound {
    gate: Option<std::sync::Arc<Gate>>,
    deadline: Option<Instant>,
}

tokio::task_local! {
    static COMPOUND: Compound;
}

fn compound() -> Compound {
    COMPOUND.try_with(Clone::clone).unwrap_or_default()
}

/// Runs `call` as part of the sweep that `gate` paces.
pub(crate) fn paced<F: Future>(
    gate: std::sync::Arc<Gate>,
    call: F,
) -> impl Future<Output = F::Output> {
    let mut context = compound();
    context.gate = Some(gate);
    COMPOUND.scope(context, call)
}

/// Runs `call`, every single call in it included, so that none of them
/// outlives `deadline`: a compound call is one operation under the
/// client's operation timeout.
pub(crate) fn bounded<F: Future>(
    deadline: Option<Instant>,
    call: F,
) -> impl Future<Output = F::Output> {
    let mut context = compound();
    context.deadline = earliest(context.deadline, deadline);
    COMPOUND.scope(context, call)
}

/// The earlier of two optional deadlines.
pub(crate) fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The deadline of the compound call this call belongs to, if any.
pub(crate) fn compound_deadline() -> Option<Instant> {
    COMPOUND.try_with(|c| c.deadline).ok().flatten()
}

/// How much longer the sweep this call belongs to (if any) is paused.
fn paused_for() -> Duration {
    COMPOUND
        .try_with(|c| c.gate.as_ref().map(|gate| gate.remaining()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Pauses the whole sweep (if any) for `wait`.
pub(crate) fn pause_all(wait: Duration) {
    let Some(gate) = COMPOUND.try_with(|c| c.gate.clone()).ok().flatten() else {
        return;
    };
    let Some(resume) = Instant::now().checked_add(wait) else {
        return;
    };
    let mut until = gate.until();
    if until.is_none_or(|t| t < resume) {
        *until = Some(resume);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_below_a_doubling_capped_ceiling() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        for _ in 0..1000 {
            assert!(policy.backoff(1) <= Duration::from_millis(100));
            assert!(policy.backoff(2) <= Duration::from_millis(200));
            assert!(policy.backoff(9) <= Duration::from_millis(300));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| policy.backoff(3)).collect();
        assert!(spread.len() > 10, "not jittered");
    }

    fn response(status: u16) -> reqwest::Result<reqwest::Response> {
        let mut response = http::Response::new("");
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        Ok(reqwest::Response::from(response))
    }

    #[test]
    fn only_idempotent_methods_retry_what_the_server_may_have_seen() {
        let (delete, post) = (Method::DELETE, Method::POST);
        assert_eq!(
            classify(&delete, &response(503)),
            Verdict::Retry { ambiguous: true }
        );
        assert_eq!(
            classify(&delete, &response(500)),
            Verdict::Retry { ambiguous: true }
        );
        assert_eq!(
            classify(&delete, &response(429)),
            Verdict::Retry { ambiguous: false }
        );
        assert_eq!(
            classify(&delete, &response(408)),
            Verdict::Retry { ambiguous: false }
        );
        for status in [200, 204, 301, 400, 401, 403, 404, 409, 501] {
            assert_eq!(
                classify(&delete, &response(status)),
                Verdict::Done,
                "{status}"
            );
        }
        for status in [408, 429, 500, 502, 503, 504] {
            assert_eq!(
                classify(&post, &response(status)),
                Verdict::Done,
                "{status}"
            );
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_whatever_the_method() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        drop(listener);
        let refused = reqwest::Client::new().post(&url).send().await;
        assert!(refused.as_ref().is_err_and(reqwest::Error::is_connect));
        assert_eq!(
            classify(&Method::POST, &refused),
            Verdict::Retry { ambiguous: false }
        );
    }

    #[test]
    fn attempts_are_at_least_one() {
        assert_eq!(RetryPolicy::default().attempts(), 3);
        assert_eq!(RetryPolicy::none().attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
    }
}
