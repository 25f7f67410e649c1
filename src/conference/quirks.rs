//! What Vobiz's pages say in prose that their yaml does not, for the
//! operations it concerns, and what we do about it: each rule that decides
//! "retry, fail or succeed" for an answer is one named function here,
//! detection included, and [`PASSING_FAILURES`] is the list the hooks hand
//! the attempt loop for every operation, through `client.api()` as much as
//! through the handles.
//!
//! - **Retrieve a Conference** can answer `200 OK` with
//!   `{"error": "failed", "api_id": ...}` for a live room. The yaml models it
//!   as a valid answer; the prose says it is a passing failure.
//!   [`is_failed_retrieval`] finds it; the retry classifier then repeats it
//!   like a 503 (`crate::retry`). If it persists, the caller still gets the
//!   answer as the spec types it
//!   (`GetConferenceResponse::CurrentLiveRetrievalFailure`), and
//!   [`Conference::details`](crate::conference::Conference::details) reports
//!   [`Error::PassingFailure`](crate::Error::PassingFailure), with
//!   or without its `api_id`. Without it the answer fits neither variant of
//!   the spec; every call whose error is mapped with its operation known
//!   (`client.call`, the handles) reports it as `PassingFailure` too,
//!   not as a decode error.
//! - **Kick, mute and deaf** are documented with an empty JSON object `{}` as
//!   the request body, although the yaml declares none. We send no body: the
//!   yaml is the contract, and a validator of it (Prism, see
//!   `tests/contract.rs`) refuses `{}` with `415 Unsupported Media Type`,
//!   since the operation accepts no media type at all. A POST without a body
//!   carries no `Content-Type`, so no server-side parser runs on it; the
//!   simulator accepts both.

use crate::generated::operations;
use crate::operation::Operation;
use crate::transport::PassingFailureRule;

/// Every passing-failure classifier, for the attempt loop.
pub(crate) const PASSING_FAILURES: &[PassingFailureRule] = &[is_failed_retrieval];

/// Retrieve a Conference's documented `200 {"error": "failed"}`.
pub(crate) fn is_failed_retrieval(operation: &Operation, body: &[u8]) -> bool {
    *operation == operations::GET_CONFERENCE && is_failed_answer(body)
}

/// Whether a body is the `{"error": "failed"}` answer, whatever else it
/// holds or lacks (its `api_id` may be missing).
fn is_failed_answer(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|json| json.get("error").and_then(|e| e.as_str()) == Some("failed"))
}
