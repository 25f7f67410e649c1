//! The audit trail: one INFO event on the target `vobiz::audit` for every
//! call that changes state, and one for such a call dropped once it had
//! started. The handles write theirs with the room and members they act on
//! (conference hangups, hang up all, each member request, recording start
//! and stop); any other operation that changes state, called through
//! `client.api()` or `Client::call`, imported ones included, gets one from
//! the hooks ([`Watched`]), with its URL path, and no handwritten code.
//!
//! Field names follow OpenTelemetry's conventions where one exists
//! (`http.request.method`, `http.response.status_code`, `error.type`); ours
//! carry a `vobiz.` prefix. The event never holds the token: it is built from
//! the outcome only, never from a request.

use crate::Error;
use crate::operation::Operation;
use crate::outcome::Hangup;
use crate::retry::CallReport;

/// What one audited call was about.
#[derive(Clone, Copy)]
pub(crate) struct Audited<'a> {
    /// The operation it sends.
    pub operation: &'static Operation,
    /// The account (auth ID) it is made for.
    pub account: &'a str,
    /// The conference, unless the call is account-wide.
    pub conference: Option<&'a str>,
    /// The `member_id` as sent (`17`, `10,15`, `all`), for member calls.
    pub members: Option<&'a str>,
    /// The request's path, for calls the hooks audit.
    pub url_path: Option<&'a str>,
    /// What a call the hooks audit acts on: each path parameter but the
    /// account, `name=value` as sent (`call_uuid=c-1`).
    pub subject: Option<&'a str>,
}

/// What an audited call came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuditOutcome {
    /// A room was ended (204).
    Ended,
    /// The room was gone after an attempt whose outcome was unknown.
    GoneAfterRetry,
    /// No such active room (404 on a hangup).
    NotActive,
    /// Vobiz accepted the request.
    Applied,
    /// 404 on anything but a hangup.
    NotFound,
    /// Any other failure.
    Error,
    /// Dropped once it had started: the request may have reached the
    /// server, so what happened is unknown.
    Cancelled,
    /// Never sent: an earlier request of the same split member list failed
    /// (or the operation's deadline passed first).
    NotSent,
}

impl AuditOutcome {
    /// The word the event carries.
    fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ended => Hangup::Ended.as_str(),
            AuditOutcome::GoneAfterRetry => Hangup::GoneAfterRetry.as_str(),
            AuditOutcome::NotActive => Hangup::NotActive.as_str(),
            AuditOutcome::Applied => "applied",
            AuditOutcome::NotFound => "not_found",
            AuditOutcome::Error => "error",
            AuditOutcome::Cancelled => "cancelled",
            AuditOutcome::NotSent => "not_sent",
        }
    }
}

/// How an audited call ended.
pub(crate) struct Ended<'a> {
    pub outcome: AuditOutcome,
    /// Vobiz's id for the call, from a success body or the error.
    pub api_id: Option<&'a str>,
    pub error: Option<&'a Error>,
    /// Attempts, and the final status when the server answered.
    pub report: CallReport,
}

impl Ended<'_> {
    /// An end with nothing but its outcome: no answer, no error of its own.
    fn only(outcome: AuditOutcome, report: CallReport) -> Self {
        Ended {
            outcome,
            api_id: None,
            error: None,
            report,
        }
    }
}

/// Writes the event for a call dropped once it had started: its request
/// may have reached the server, so what happened is unknown.
fn cancelled(call: &Audited) {
    record(
        call,
        &Ended::only(AuditOutcome::Cancelled, CallReport::default()),
    );
}

/// Writes the event for a call that does not finish: dropped (cancelled,
/// timed out by the caller) once it had started, when its request may have
/// reached the server.
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
            cancelled(call);
        }
    }
}

/// Writes the event for a call that was never sent.
pub(crate) fn not_sent(call: &Audited) {
    record(
        call,
        &Ended::only(AuditOutcome::NotSent, CallReport::default()),
    );
}

/// Writes the event for a finished call.
fn record(call: &Audited, ended: &Ended) {
    let Ended {
        outcome,
        api_id,
        error,
        ref report,
    } = *ended;
    tracing::event!(
        target: "vobiz::audit",
        tracing::Level::INFO,
        vobiz.operation = call.operation.id,
        vobiz.account = call.account,
        http.request.method = call.operation.method.as_str(),
        vobiz.conference = call.conference,
        vobiz.members = call.members,
        url.path = call.url_path,
        vobiz.subject = call.subject,
        vobiz.outcome = outcome.as_str(),
        http.response.status_code = report.status,
        vobiz.attempts = report.attempts,
        vobiz.api_id = api_id.or_else(|| error.and_then(Error::api_id)),
        error.type = error.map(|e| tracing::field::display(e.error_type())),
        vobiz.error = error.map(tracing::field::display),
        "vobiz audit"
    );
}

/// The audit of one generated call that changes state and is not a
/// handle's (those write their own): started before it is sent, finished
/// with its answer, or written as `cancelled` if dropped in between.
pub(crate) struct Watched {
    operation: &'static Operation,
    account: String,
    path: String,
    subject: String,
    done: bool,
}

impl Watched {
    /// Starts watching `request`, if it is one to audit and anybody listens.
    pub(crate) fn start(operation: &'static Operation, request: &reqwest::Request) -> Option<Self> {
        let audited = operation.changes_state()
            && !crate::retry::audits_itself()
            && tracing::enabled!(target: "vobiz::audit", tracing::Level::INFO);
        audited.then(|| Watched {
            operation,
            account: request
                .headers()
                .get("x-auth-id")
                .and_then(|id| id.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            path: request.url().path().to_owned(),
            subject: subject(operation, request.url().path()),
            done: false,
        })
    }

    /// The call ended with `result`: write its event.
    pub(crate) fn finish(
        mut self,
        result: &reqwest::Result<reqwest::Response>,
        report: CallReport,
    ) {
        self.done = true;
        let outcome = match result {
            Ok(r) if r.status().is_success() => AuditOutcome::Applied,
            Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => AuditOutcome::NotFound,
            _ => AuditOutcome::Error,
        };
        record(&self.call(), &Ended::only(outcome, report));
    }

    fn call(&self) -> Audited<'_> {
        Audited {
            operation: self.operation,
            account: &self.account,
            conference: None,
            members: None,
            url_path: Some(&self.path),
            subject: (!self.subject.is_empty()).then_some(self.subject.as_str()),
        }
    }
}

/// The operation's path parameters in `path` (as sent, still
/// percent-encoded), the account left out: `conference_name=r member_id=1`.
/// The guard has already checked `path` against the template.
fn subject(operation: &Operation, path: &str) -> String {
    let mut names = operation.param_names();
    operation
        .segments
        .iter()
        .zip(path.split('/'))
        .filter(|(literal, _)| literal.is_none())
        .filter_map(|(_, value)| Some((names.next()?, value)))
        .filter(|(name, _)| Some(*name) != operation.account_param())
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Drop for Watched {
    fn drop(&mut self) {
        if !self.done {
            cancelled(&self.call());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::subject;
    use crate::generated::operations;

    #[test]
    fn a_subject_is_the_path_parameters_but_the_account_as_sent() {
        assert_eq!(
            subject(
                &operations::KICK_MEMBER,
                "/api/v1/Account/MA_1/Conference/My%20Room/Member/2/Kick/"
            ),
            "conference_name=My%20Room member_id=2"
        );
        assert_eq!(
            subject(
                &operations::DELETE_ALL_CONFERENCES,
                "/api/v1/Account/MA_1/Conference/"
            ),
            ""
        );
    }
}
