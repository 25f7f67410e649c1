//! What is traced of every operation: one `vobiz.operation` span, and one
//! event per attempt, with fields named after OpenTelemetry's HTTP client
//! conventions (ours carry a `vobiz.` prefix). Only statuses, timings and
//! server-given ids: a request, and so its headers, is never formatted.

use std::time::Duration;

use crate::operation::Operation;

/// The span every operation runs in.
pub(crate) fn operation_span(operation: &Operation, request: &reqwest::Request) -> tracing::Span {
    let url = request.url();
    tracing::info_span!(
        "vobiz.operation",
        vobiz.operation_id = operation.id,
        http.request.method = operation.method.as_str(),
        http.route = operation.path,
        url.path = url.path(),
        server.address = url.host_str(),
        server.port = url.port_or_known_default(),
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
        vobiz.attempts = tracing::field::Empty,
    )
}

/// The per-attempt event, named after OpenTelemetry's HTTP conventions
/// where they have a name. Only the status, timing and server-given id: the
/// request (and so its headers) is never formatted. `cause` is a failure's
/// root cause, already made safe (`Transport::failure_cause`).
pub(super) fn log_attempt(
    attempt: u32,
    outcome: &reqwest::Result<reqwest::Response>,
    cause: Option<&str>,
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
            vobiz.error_cause = cause,
            vobiz.elapsed_ms = elapsed_ms,
            vobiz.retry_in_ms = retry_in_ms,
            "vobiz attempt failed"
        ),
    }
}

/// OpenTelemetry's `error.type` for a failure without a response.
pub(crate) fn transport_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else {
        "transport"
    }
}

/// The operation span's outcome fields, once the call is over.
pub(super) fn record_outcome(
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
