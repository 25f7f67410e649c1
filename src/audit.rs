//! The audit trail: one INFO event on the target `vobiz::audit` for every
//! request of an operation that changes state, written in one place for
//! every operation alike: the hooks ([`Watched`]) write it around each
//! generated call, whether it came from a handle, `client.api()`,
//! `Client::call` or `Client::invoke`. The event names the operation and
//! its subject (the path parameters but the account, as sent), never a
//! resource's own fields, so an operation imported from a new Vobiz page is
//! audited with no handwritten line. The one event the hooks cannot write
//! is [`not_sent`]: a request a compound call gave up before sending.
//!
//! Field names follow OpenTelemetry's conventions where one exists
//! (`http.request.method`, `http.response.status_code`, `error.type`); ours
//! carry a `vobiz.` prefix. The event never holds the token: it is built from
//! the operation, the path as sent and the outcome, never from headers.

use std::borrow::Cow;

use crate::operation::Operation;
use crate::retry::{CallReport, PassingFailureMark};

/// What an audited call was about.
struct Audited<'a> {
    operation: &'static Operation,
    /// The account (auth ID) it is made for.
    account: &'a str,
    /// The request's path, relative to the base URL.
    url_path: &'a str,
    /// Each path parameter but the account, `name=value` as sent
    /// (`call_uuid=c-1`); empty for an account-wide call.
    subject: &'a str,
}

/// What an audited call came to: the same words for every operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuditOutcome {
    /// A success status.
    Applied,
    /// 404.
    NotFound,
    /// 404 after an attempt whose outcome was unknown (a timeout, a dropped
    /// connection, a 5xx): most likely that attempt did it.
    GoneAfterRetry,
    /// Any other failure.
    Error,
    /// Dropped once it had started: the request may have reached the
    /// server, so what happened is unknown.
    Cancelled,
    /// Never sent: an earlier request of the same compound call failed, or
    /// its deadline passed first.
    NotSent,
}

impl AuditOutcome {
    /// The word the event carries.
    fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Applied => "applied",
            AuditOutcome::NotFound => "not_found",
            AuditOutcome::GoneAfterRetry => "gone_after_retry",
            AuditOutcome::Error => "error",
            AuditOutcome::Cancelled => "cancelled",
            AuditOutcome::NotSent => "not_sent",
        }
    }
}

/// How an audited call ended.
struct Ended<'a> {
    outcome: AuditOutcome,
    /// Attempts, the final status, the answer's `api_id`, and why the last
    /// attempt got no answer.
    report: &'a CallReport,
    /// OpenTelemetry's `error.type`: the status, or the transport failure's
    /// kind.
    error_type: Option<Cow<'static, str>>,
}

/// Writes the event for a finished call.
fn record(call: &Audited, ended: &Ended) {
    let report = ended.report;
    let failed = ended.error_type.is_some();
    tracing::event!(
        target: "vobiz::audit",
        tracing::Level::INFO,
        vobiz.operation = call.operation.id,
        vobiz.account = call.account,
        http.request.method = call.operation.method.as_str(),
        url.path = call.url_path,
        vobiz.subject = (!call.subject.is_empty()).then_some(call.subject),
        vobiz.outcome = ended.outcome.as_str(),
        http.response.status_code = report.status,
        vobiz.attempts = report.attempts,
        vobiz.api_id = report.api_id(),
        error.type = ended.error_type.as_deref(),
        vobiz.error = report.failure.as_deref().or(report.reason()).filter(|_| failed),
        "vobiz audit"
    );
}

/// The audit of one generated call that changes state: started before it
/// is sent, finished with its answer, or written as `cancelled` if dropped
/// in between.
pub(crate) struct Watched {
    operation: &'static Operation,
    account: std::sync::Arc<str>,
    path: String,
    subject: String,
    done: bool,
}

impl Watched {
    /// Starts watching `request` (already checked against its operation
    /// by the guard), if it is one to audit and anybody listens. `base_path`
    /// is the configured base URL's path, which the operation's follows.
    pub(crate) fn start(
        operation: &'static Operation,
        request: &reqwest::Request,
        account: &std::sync::Arc<str>,
        base_path: &str,
    ) -> Option<Self> {
        operation.is_audited().then(|| {
            let path = request.url().path();
            let path = path
                .strip_prefix(base_path.trim_end_matches('/'))
                .unwrap_or(path);
            Watched {
                operation,
                account: account.clone(),
                path: path.to_owned(),
                subject: subject(operation, path),
                done: false,
            }
        })
    }

    /// The call ended with `result`: write its event.
    pub(crate) fn finish(
        mut self,
        result: &reqwest::Result<reqwest::Response>,
        report: &CallReport,
    ) {
        self.done = true;
        let (outcome, error_type) = match result {
            Ok(r) if r.extensions().get::<PassingFailureMark>().is_some() => {
                (AuditOutcome::Error, Some("passing_failure".into()))
            }
            Ok(r) if r.status().is_success() => (AuditOutcome::Applied, None),
            Ok(r) => {
                let outcome = match r.status() {
                    reqwest::StatusCode::NOT_FOUND if report.ambiguous => {
                        AuditOutcome::GoneAfterRetry
                    }
                    reqwest::StatusCode::NOT_FOUND => AuditOutcome::NotFound,
                    _ => AuditOutcome::Error,
                };
                (outcome, Some(r.status().as_u16().to_string().into()))
            }
            Err(e) => (
                AuditOutcome::Error,
                Some(crate::transport::transport_error_type(e).into()),
            ),
        };
        let ended = Ended {
            outcome,
            report,
            error_type,
        };
        record(&self.call(), &ended);
    }

    fn call(&self) -> Audited<'_> {
        Audited {
            operation: self.operation,
            account: &self.account,
            url_path: &self.path,
            subject: &self.subject,
        }
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if !self.done {
            record_unanswered(&self.call(), AuditOutcome::Cancelled);
        }
    }
}

/// Writes the event for a request of a compound call that was never sent:
/// `operation` with each path parameter `param` gives (the account
/// excepted), encoded as it would have been.
pub(crate) fn not_sent(
    operation: &'static Operation,
    account: &str,
    mut param: impl FnMut(&str) -> Option<String>,
) {
    let path = operation.fill_path(|name| {
        let value = match Some(name) == operation.account_param() {
            true => Some(account.to_owned()),
            false => param(name),
        };
        value.map(|v| crate::path::encode_segment(&v))
    });
    let call = Audited {
        operation,
        account,
        url_path: &path,
        subject: &subject(operation, &path),
    };
    record_unanswered(&call, AuditOutcome::NotSent);
}

/// Writes the event for a call that got no answer of its own: nothing to
/// report but its outcome.
fn record_unanswered(call: &Audited, outcome: AuditOutcome) {
    let report = CallReport::default();
    let ended = Ended {
        outcome,
        report: &report,
        error_type: None,
    };
    record(call, &ended);
}

/// The operation's path parameters in `path` (relative to the base URL,
/// as sent, still percent-encoded), the account left out:
/// `conference_name=r member_id=1`.
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

/// The fields of an audit event (target `vobiz::audit`) as JSON values,
/// keyed by their names, without the fixed `message`: what the CLI's
/// `--audit-log` writes and the console stores, so that both are one
/// schema. Numbers stay numbers; a field recorded by `Display` (the error
/// texts) is its text.
pub fn audit_fields(event: &tracing::Event<'_>) -> serde_json::Map<String, serde_json::Value> {
    let mut fields = Fields(serde_json::Map::new());
    event.record(&mut fields);
    fields.0.remove("message");
    fields.0
}

/// Collects an event's fields as JSON values.
struct Fields(serde_json::Map<String, serde_json::Value>);

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.into());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        // Display values (`error.type`, `vobiz.error`) arrive here too,
        // their Debug being their Display.
        self.0
            .insert(field.name().to_owned(), format!("{value:?}").into());
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
