//! The Conference operations' answers the spec types only by example, and
//! the ones its prose documents.

use hyper::StatusCode;
use serde_json::json;

use crate::generated::types;
use crate::testing::replies::{Reply, error, json};
use crate::testing::state::State;

pub(in crate::testing) fn conference_not_found(state: &State) -> Reply {
    error(state, StatusCode::NOT_FOUND, "conference not found")
}

/// Retrieve a Conference's documented `200 {"error": "failed"}`.
pub(in crate::testing) fn failed_retrieval(state: &State) -> types::GetConferenceResponse {
    types::GetConferenceResponse::CurrentLiveRetrievalFailure {
        api_id: state.next_api_id(),
        error: types::CurrentLiveRetrievalFailureError::Failed,
    }
}

/// A queued member action's 202 (the spec gives only an example of it).
pub(in crate::testing) fn accepted(state: &State, message: &str, member_ids: &[u64]) -> Reply {
    let ids: Vec<String> = member_ids.iter().map(u64::to_string).collect();
    let body = json!({"message": message, "member_id": ids, "api_id": state.next_api_id()});
    json(StatusCode::ACCEPTED, &body)
}

/// Start Recording's 200 (the spec gives only an example of it).
pub(in crate::testing) fn recording_started(state: &State) -> Reply {
    let body = json!({"message": "async api spawned", "api_id": state.next_api_id()});
    json(StatusCode::OK, &body)
}
