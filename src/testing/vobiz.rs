//! The Vobiz behaviour every operation shares: authenticate, route, check
//! the account in the path, then hand the request to the resource that
//! keeps state for it (`conference`), or answer it from its page.

use hyper::StatusCode;

use super::replies::{self, Reply};
use super::routing::Routed;
use super::state::State;
use super::{RecordedRequest, conference};

/// Whether a request carries the simulator's credentials.
pub(super) fn authenticated(state: &State, req: &RecordedRequest) -> bool {
    let header = |name: &str| req.headers.get(name).map(|v| v.as_bytes());
    header("x-auth-id") == Some(state.auth_id.as_bytes())
        && header("x-auth-token") == Some(state.auth_token.as_bytes())
}

/// The answer to one authenticated-or-not request, with its effect on the
/// state.
pub(super) fn respond(state: &State, req: &RecordedRequest) -> Reply {
    if !authenticated(state, req) {
        return replies::error(
            state,
            StatusCode::UNAUTHORIZED,
            "authentication failed: X-Auth-ID and X-Auth-Token are required and must match",
        );
    }
    let path = req.target.split('?').next().unwrap_or_default();
    let (operation, params) = match Routed::of(&req.method, path) {
        Routed::Operation { operation, params } => (operation, params),
        Routed::WrongMethod => {
            return replies::error(state, StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        Routed::Unknown => return replies::error(state, StatusCode::NOT_FOUND, "not found"),
    };
    let account = operation
        .account_param()
        .and_then(|name| params.iter().find(|(n, _)| *n == name));
    if let Some((_, account)) = account.filter(|(_, id)| *id != state.auth_id) {
        return replies::forbidden(state, account);
    }
    conference::respond(state, operation, &params, &req.body)
        .unwrap_or_else(|| replies::documented(state, operation))
}
