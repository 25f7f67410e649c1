//! What Vobiz's pages say in prose that their yaml does not, for the
//! operations it concerns. The hooks apply these to every call of those
//! operations, through `client.api()` as much as through the handles, and
//! each decision is recorded here.
//!
//! - **Retrieve a Conference** can answer `200 OK` with
//!   `{"error": "failed", "api_id": ...}` for a live room. The yaml models it
//!   as a valid answer; the prose says it is a passing failure. It is marked
//!   [`Transient`], and the retry classifier repeats it like a 503. If it
//!   persists, the caller still gets the answer as the spec types it
//!   (`GetConferenceResponse::CurrentLiveRetrievalFailure`), and
//!   [`Conference::details`](crate::Conference::details) reports
//!   [`Error::LiveRetrievalFailed`](crate::Error::LiveRetrievalFailed).
//! - **Kick, mute and deaf** are documented with an empty JSON object `{}` as
//!   the request body, although the yaml declares none. We send no body: the
//!   yaml is the contract, and a validator of it (Prism, see
//!   `tests/contract.rs`) refuses `{}` with `415 Unsupported Media Type`,
//!   since the operation accepts no media type at all. A POST without a body
//!   carries no `Content-Type`, so no server-side parser runs on it; the
//!   simulator accepts both.

/// Marks a response the retry classifier treats as a passing failure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transient;

/// Operations that may answer 2xx with `{"error": "failed"}`.
const FAILED_IS_TRANSIENT: [&str; 1] = ["get-conference"];

/// Whether a successful answer of this operation must be read before it is
/// classified.
pub(crate) fn inspects_success(operation_id: &str) -> bool {
    FAILED_IS_TRANSIENT.contains(&operation_id)
}

/// Whether a successful answer's body is the documented passing failure.
pub(crate) fn is_transient_body(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .is_ok_and(|json| json.get("error").and_then(|e| e.as_str()) == Some("failed"))
}
