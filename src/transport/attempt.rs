//! The attempt loop every generated operation runs: send, classify,
//! wait, send again, within the retry policy and the deadlines.

use std::sync::Arc;

use tokio::time::Instant;

use super::{PassingFailureRule, Transport, sanitize, telemetry};
use crate::operation::Operation;
use crate::retry::{self, CallReport};
use crate::said::Said;

impl Transport {
    /// Sends `request`, retrying as the policy allows, and reports the
    /// attempts to whoever awaits the call (see [`retry::scoped`]).
    ///
    /// A request that provably never left (the connection closed before it
    /// was written, see [`retry::never_sent`]) is sent again at once whatever
    /// the method and the policy, up to [`retry::MAX_UNSENT_RESENDS`] times:
    /// nothing reached the server, so sending it is not a retry.
    pub(crate) async fn send(
        &self,
        operation: &'static Operation,
        mut request: reqwest::Request,
        passing_failures: &[PassingFailureRule],
    ) -> (reqwest::Result<reqwest::Response>, CallReport) {
        let deadline = retry::earliest(self.deadline(), retry::compound_deadline());
        let mut report = CallReport {
            operation: Some(operation),
            ..CallReport::default()
        };
        let mut unsent_resends = 0;
        let mut connection_failed = false;
        loop {
            let client = self.client_for(request.method(), connection_failed);
            // A body that cannot be cloned (a stream) is sent once.
            let copy = copy_of(&request);
            let method = request.method().clone();
            self.fit_timeout(&mut request, deadline);
            report.attempts += 1;
            let started = Instant::now();
            let mut outcome = self
                .attempt(client, operation, request, passing_failures)
                .await;
            let said = outcome
                .as_ref()
                .ok()
                .and_then(|r| r.extensions().get::<sanitize::Heard>())
                .map(|heard| Arc::clone(&heard.said));
            connection_failed |= outcome.is_err();
            let cause = outcome.as_ref().err().and_then(|e| self.failure_cause(e));
            let unsent = outcome.as_ref().is_err_and(retry::never_sent)
                && unsent_resends < retry::MAX_UNSENT_RESENDS
                && deadline.is_none_or(|d| Instant::now() < d);
            let copy = match (unsent, copy) {
                (true, Some(copy)) => {
                    telemetry::log_attempt(
                        report.attempts,
                        &outcome,
                        cause.as_deref(),
                        started.elapsed(),
                        None,
                        None,
                    );
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
            telemetry::log_attempt(
                report.attempts,
                &outcome,
                cause.as_deref(),
                started.elapsed(),
                said.as_ref().and_then(|s| s.api_id.as_deref()),
                retry_in,
            );
            let Some((wait, copy, ambiguous)) = next else {
                report.said = said;
                report.passing_failure = outcome
                    .as_ref()
                    .is_ok_and(|r| r.extensions().get::<retry::PassingFailureMark>().is_some());
                report.status = outcome.as_ref().ok().map(|r| r.status().as_u16());
                report.failure = cause.map(Arc::from);
                telemetry::record_outcome(&tracing::Span::current(), &outcome, report.attempts);
                retry::publish(&report, &mut outcome);
                return (outcome, report);
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
    /// new connection (see [`Transport::unpooled`]).
    fn client_for(&self, method: &reqwest::Method, connection_failed: bool) -> &reqwest::Client {
        match &self.unpooled {
            Some(unpooled) if connection_failed || !retry::is_idempotent(method) => unpooled,
            _ => &self.http,
        }
    }

    /// Sends once, and makes the answer safe to show: every header and
    /// every body byte goes through the redactor before anything reads it;
    /// an unsuccessful body is cut to [`sanitize::MAX_ERROR_BODY`] (after redaction, so
    /// no token straddles the cut), a successful one past
    /// [`Transport::max_body`] is refused. A JSON body that was read
    /// travels with the answer as its [`sanitize::Heard`] extension, with
    /// what it said: an error's fields, a success's `api_id` where the audit
    /// trail keeps it.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        operation: &Operation,
        request: reqwest::Request,
        passing_failures: &[PassingFailureRule],
    ) -> reqwest::Result<reqwest::Response> {
        let mut response = client.execute(request).await?;
        self.scrub_headers(response.headers_mut());
        let success = response.status().is_success();
        if success && !sanitize::has_body(&response) {
            return Ok(response);
        }
        let head = sanitize::head_of(&mut response);
        let limit = if success {
            self.max_body
        } else {
            sanitize::MAX_ERROR_BODY + sanitize::REDACTION_SLACK
        };
        let body = match sanitize::read_up_to(response, limit.saturating_add(1)).await {
            (_, Some(e)) if success => return Err(e),
            (body, _) if success && body.len() > limit => {
                let refused = reqwest::Body::wrap(sanitize::TooLargeBody(limit));
                return Ok(reqwest::Response::from(head.map(|()| refused)));
            }
            (body, _) => body,
        };
        let mut body = self.scrubbed(body).await;
        if !success {
            body.truncate(sanitize::MAX_ERROR_BODY);
        }
        let passing = success && passing_failures.iter().any(|is| is(operation, &body));
        let said = if !success || passing {
            Said::of_error(&body)
        } else if operation.is_audited() {
            // A success's id is read only where the audit trail keeps it.
            Said::of_success(&body)
        } else {
            None
        };
        let heard = said.map(|said| sanitize::Heard {
            body: body.clone(),
            said: Arc::new(said),
        });
        let mut response = reqwest::Response::from(head.map(|()| body));
        if passing {
            response.extensions_mut().insert(retry::PassingFailureMark);
        }
        if let Some(heard) = heard {
            response.extensions_mut().insert(heard);
        }
        Ok(response)
    }

    /// Shortens the attempt's timeout so it cannot outlast the operation's.
    fn fit_timeout(&self, request: &mut reqwest::Request, deadline: Option<Instant>) {
        if let Some(deadline) = deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            *request.timeout_mut() = Some(self.timeout.map_or(left, |t| t.min(left)));
        }
    }
}

/// A copy of `request` to send again, or `None` if its body is a stream.
/// reqwest's `try_clone` allocates the request's extensions (twice) even
/// when they hold nothing: on every call, for a copy that is rarely sent.
/// A request built by the generated code carries nothing there but the
/// timeout (reqwest keeps its extensions private; `timeout` is the one
/// setting its `RequestBuilder` stores in them), so that is what is copied.
fn copy_of(request: &reqwest::Request) -> Option<reqwest::Request> {
    if request.body().is_some() {
        return request.try_clone();
    }
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    Some(copy)
}

fn is_rate_limited(outcome: &reqwest::Result<reqwest::Response>) -> bool {
    outcome
        .as_ref()
        .is_ok_and(|r| r.status() == reqwest::StatusCode::TOO_MANY_REQUESTS)
}
