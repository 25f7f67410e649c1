//! Retries: the policy ([`RetryPolicy`]), the one function that decides what
//! is retried (`classify`), and the context a call carries (its report, a
//! sweep's pause, a compound call's deadline). The attempt loop that applies
//! them to every generated operation is in `crate::transport`.
//!
//! What is retried, and why:
//! - **Connection failures** (nothing reached the server): always, whatever
//!   the method. Except a certificate TLS refused (untrusted, expired, not
//!   for this name), where rustls made the connection: asking again within
//!   seconds meets the same certificate, so the caller hears at once. (With
//!   `native-tls` alone it cannot be told apart, and is retried.)
//! - **Timeouts, connections dropped after the request was written, 408,
//!   429, 500, 502, 503, 504**: only for idempotent methods (DELETE, GET,
//!   HEAD, PUT, OPTIONS, TRACE). The request may have reached the server, and
//!   only an idempotent one can be repeated without doing something twice.
//!   500 is included because repeating an idempotent request cannot make
//!   anything worse, and at Vobiz's scale a 500 is as often a node dying
//!   mid-request as a request that always fails; the attempt limit bounds
//!   the cost when it is the latter.
//! - **A documented passing failure in a 2xx** (Retrieve a Conference's
//!   `{"error": "failed"}`, see [`Error::PassingFailure`](crate::Error::PassingFailure)): like a 503, for the
//!   idempotent GET it comes with.
//! - Everything else (other 4xx, redirects, success) is final.
//!
//! Backoff is exponential with full jitter (a random wait between zero and
//! `initial_backoff * 2^(retry - 1)`, capped at `max_backoff`), so that many
//! clients failing together do not retry together. A `Retry-After` header
//! (seconds or HTTP date) replaces that wait; if it asks for longer than
//! [`RetryPolicy::max_retry_after`], the response is returned at once rather
//! than slept on. No wait ever runs past the operation timeout.

mod classify;
mod context;
mod policy;

pub(crate) use classify::{
    MAX_UNSENT_RESENDS, Outcome, PassingFailureMark, Verdict, classify, decide, is_idempotent,
    never_sent, retry_after,
};
pub(crate) use context::{
    CallReport, Gate, bounded, compound_deadline, earliest, paced, pause_all, publish, scoped,
};
pub use policy::RetryPolicy;
