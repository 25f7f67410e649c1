//! The simulator's answers, built from the generated types where the spec
//! has one (so they cannot drift from it), and as the pages show them
//! where it gives only an example.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use super::state::State;
use crate::generated::types;
use crate::operation::Operation;

pub(super) type Reply = Response<Full<Bytes>>;

/// `body` as JSON with `status`.
pub(in crate::testing) fn json(status: StatusCode, body: &impl Serialize) -> Reply {
    json_text(
        status,
        Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
    )
}

/// `text`, which is JSON, with `status`.
fn json_text(status: StatusCode, text: Bytes) -> Reply {
    let mut response = Response::new(Full::new(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// Vobiz's flat error body, the shape the spec documents for a 404.
pub(in crate::testing) fn error(state: &State, status: StatusCode, message: &str) -> Reply {
    let body = types::GetConference404Error {
        api_id: state.next_api_id(),
        error: message.to_owned(),
    };
    json(status, &body)
}

/// Vobiz's nested error body (the other shape its pages show), for an
/// account in the path that is not the authenticated one.
pub(in crate::testing) fn forbidden(state: &State, account: &str) -> Reply {
    let body = json!({
        "status": "error",
        "error": {
            "code": "FORBIDDEN",
            "message": "the account in the path is not the authenticated account",
            "details": {"auth_id": account},
        },
        "timestamp": "2026-01-01T00:00:00Z",
        "requestId": state.next_api_id(),
    });
    json(StatusCode::FORBIDDEN, &body)
}

pub(in crate::testing) fn no_content() -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// An operation the simulator keeps no state for: its page's documented
/// success (`generated::documented`), or 501 if the page documents none.
pub(in crate::testing) fn documented(state: &State, operation: &Operation) -> Reply {
    let Some(exchange) = crate::generated::documented::exchange(operation) else {
        let message = format!(
            "the simulator routes `{operation}` ({} {}) but its page documents no answer",
            operation.method, operation.path
        );
        return error(state, StatusCode::NOT_IMPLEMENTED, &message);
    };
    let status = StatusCode::from_u16(exchange.status).unwrap_or(StatusCode::OK);
    match exchange.answer {
        Some(answer) => json_text(status, Bytes::from_static(answer.as_bytes())),
        None => {
            let mut response = no_content();
            *response.status_mut() = status;
            response
        }
    }
}
