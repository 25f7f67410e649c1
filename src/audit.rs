//! The audit trail: one INFO event on the target `vobiz::audit` for every
//! state-changing call the handwritten layer makes (conference hangups,
//! hang up all, each member request, recording start and stop).
//!
//! Field names follow OpenTelemetry's conventions where one exists
//! (`http.request.method`, `http.response.status_code`, `error.type`); ours
//! carry a `vobiz.` prefix. The event never holds the token: it is built from
//! the outcome only, never from a request.

use crate::Error;
use crate::retry::CallReport;

/// What one audited call was about.
pub(crate) struct Audited<'a> {
    /// The spec's operationId, e.g. `kick-member`; its method comes from the
    /// generated operation table.
    pub operation: &'static str,
    /// The conference, unless the call is account-wide.
    pub conference: Option<&'a str>,
    /// The `member_id` as sent (`17`, `10,15`, `all`), for member calls.
    pub members: Option<&'a str>,
}

/// How an audited call ended.
#[derive(Clone, Copy)]
pub(crate) struct Ended<'a> {
    /// A word for what happened: `ended`, `applied`, `not_active`, `error`,
    /// `cancelled` (dropped while it may have been sent: outcome unknown)...
    pub outcome: &'a str,
    /// Vobiz's id for the call, from a success body or the error.
    pub api_id: Option<&'a str>,
    pub error: Option<&'a Error>,
    /// Attempts, and the final status when the server answered.
    pub report: CallReport,
}

/// Writes the event for a call that does not finish: dropped (cancelled,
/// timed out by the caller) once it had started, when its request may have
/// reached the server. The outcome is `cancelled`: unknown.
pub(crate) struct Pending<'a, 'c> {
    call: Option<&'a Audited<'c>>,
}

impl<'a, 'c> Pending<'a, 'c> {
    /// Starts watching `call`; create it where the call's I/O begins.
    pub(crate) fn start(call: &'a Audited<'c>) -> Self {
        Pending { call: Some(call) }
    }

    /// The call finished: write its event.
    pub(crate) fn finish(mut self, ended: &Ended) {
        if let Some(call) = self.call.take() {
            record(call, ended);
        }
    }
}

impl Drop for Pending<'_, '_> {
    fn drop(&mut self) {
        if let Some(call) = self.call.take() {
            let ended = Ended {
                outcome: "cancelled",
                api_id: None,
                error: None,
                report: CallReport::default(),
            };
            record(call, &ended);
        }
    }
}

/// Writes the event for a finished call.
pub(crate) fn record(call: &Audited, ended: &Ended) {
    let Ended {
        outcome,
        api_id,
        error,
        report,
    } = *ended;
    let method = crate::generated::OPERATIONS
        .iter()
        .find(|spec| spec.operation_id == call.operation)
        .map(|spec| spec.method);
    tracing::event!(
        target: "vobiz::audit",
        tracing::Level::INFO,
        vobiz.operation = call.operation,
        http.request.method = method,
        vobiz.conference = call.conference,
        vobiz.members = call.members,
        vobiz.outcome = outcome,
        http.response.status_code = report.status,
        vobiz.attempts = report.attempts,
        vobiz.api_id = api_id.or_else(|| error.and_then(Error::api_id)),
        error.type = error.map(|e| tracing::field::display(e.error_type())),
        vobiz.error = error.map(tracing::field::display),
        "vobiz audit"
    );
}
