//! What travels with a call, in one place: the [`CallReport`] the attempt
//! loop leaves for the caller, and what a compound call (a sweep, a split
//! member list) shares with every single call it makes: the sweep's pause
//! and the compound's deadline.
//!
//! It travels in one task-local, because the generated methods between the
//! caller and the hooks have no parameter for it; each function here says
//! which part it sets or reads.

use std::cell::Cell;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::time::Instant;

use crate::operation::Operation;
use crate::said::Said;

/// What happened over all attempts of one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct CallReport {
    /// Requests sent (or tried).
    pub attempts: u32,
    /// Some attempt before the last may have been acted on by the server.
    pub ambiguous: bool,
    /// The last attempt's status, if the server answered.
    pub status: Option<u16>,
    /// The operation sent, once the attempt loop has it.
    pub operation: Option<&'static Operation>,
    /// When the last attempt got no answer: why, in the words of the layer
    /// that failed, made safe to show (see `Transport::failure_cause`).
    pub failure: Option<Arc<str>>,
    /// What the last answer's body said of itself, where it was read:
    /// every unsuccessful answer's, and successful ones' of operations that
    /// change state (their `api_id`, for the audit trail). Shared with the
    /// answer and the error made from it, not copied.
    pub said: Option<Arc<Said>>,
    /// The last answer had a success status that a quirk's rule marked as
    /// a documented failure.
    pub passing_failure: bool,
}

impl CallReport {
    /// Vobiz's `api_id` from the last answer, where it was read.
    pub fn api_id(&self) -> Option<&str> {
        self.said.as_ref()?.api_id.as_deref()
    }

    /// The server's error text in the last answer, when it was an error.
    pub fn reason(&self) -> Option<&str> {
        self.said.as_ref()?.message.as_deref()
    }
}

/// The context of one call.
#[derive(Default)]
struct Context {
    /// Set by the attempt loop when the call ends.
    report: Cell<CallReport>,
    /// The pause of the sweep the call belongs to.
    gate: Option<Arc<Gate>>,
    /// The deadline of the compound call it belongs to.
    deadline: Option<Instant>,
}

tokio::task_local! {
    static CONTEXT: Context;
}

/// A new context inside the current one: the same gate and deadline, and a
/// report of its own.
fn nested(gate: Option<Arc<Gate>>, deadline: Option<Instant>) -> Context {
    let (outer_gate, outer_deadline) = CONTEXT
        .try_with(|c| (c.gate.clone(), c.deadline))
        .unwrap_or_default();
    Context {
        report: Cell::default(),
        gate: gate.or(outer_gate),
        deadline: earliest(outer_deadline, deadline),
    }
}

/// Runs a generated call and returns what its attempt loop reported (zero
/// attempts if it never got that far, e.g. a refused path).
///
/// Plain functions returning combinators rather than `async fn`s: an
/// `async fn` keeps its moved-in argument beside the future it moved into,
/// doubling the size of every call's state.
pub(crate) fn scoped<F: Future>(call: F) -> impl Future<Output = (F::Output, CallReport)> {
    let with_report = call.map(|output| (output, CONTEXT.with(|c| c.report.take())));
    CONTEXT.scope(nested(None, None), with_report)
}

/// Hands the report of a finished call to its caller: through the context
/// when the call runs inside [`scoped`], and on the response itself, so that
/// `Error::from_api` can read it from an unexpected response.
pub(crate) fn publish(report: &CallReport, outcome: &mut reqwest::Result<reqwest::Response>) {
    let _ = CONTEXT.try_with(|c| c.report.set(report.clone()));
    // Only when it says more than a plain single attempt: inserting the
    // first extension allocates, on the hot path.
    if let (Ok(response), true) = (outcome, report.attempts > 1 || report.ambiguous) {
        response.extensions_mut().insert(report.clone());
    }
}

/// Runs `call` as part of the sweep that `gate` paces.
pub(crate) fn paced<F: Future>(gate: Arc<Gate>, call: F) -> impl Future<Output = F::Output> {
    CONTEXT.scope(nested(Some(gate), None), call)
}

/// Runs `call`, every single call in it included, so that none of them
/// outlives `deadline`: a compound call is one operation under the
/// client's operation timeout.
pub(crate) fn bounded<F: Future>(
    deadline: Option<Instant>,
    call: F,
) -> impl Future<Output = F::Output> {
    CONTEXT.scope(nested(None, deadline), call)
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
    CONTEXT.try_with(|c| c.deadline).ok().flatten()
}

/// How much longer the sweep this call belongs to (if any) is paused.
pub(super) fn paused_for() -> Duration {
    CONTEXT
        .try_with(|c| c.gate.as_ref().map(|gate| gate.remaining()))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Pauses the whole sweep (if any) for `wait`.
pub(crate) fn pause_all(wait: Duration) {
    let Some(gate) = CONTEXT.try_with(|c| c.gate.clone()).ok().flatten() else {
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

/// A pause shared by every call of one sweep
/// (`Client::hangup_conferences`): when one of them is told to slow down
/// (429), all of them wait, instead of each finding out on its own.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    closed_until: Mutex<Option<Instant>>,
}

impl Gate {
    fn until(&self) -> MutexGuard<'_, Option<Instant>> {
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
