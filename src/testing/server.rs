//! The simulator's requests, served by the shared bounded loop
//! ([`crate::serve`]): each is counted, checked, kept if authenticated,
//! and answered (or dropped) as its scripted fault says.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};
use tokio::net::TcpListener;

use super::state::{State, lock};
use super::{MAX_REQUEST_BODY, READ_TIMEOUT, RecordedRequest, faults, replies, vobiz};
use crate::serve::{BodyTooLarge, Dropped, ServeLimits, serve_bounded};

/// Counts a request as in flight for as long as it lives.
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        state.arrivals.notify_waiters();
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The simulator's bounds: [`READ_TIMEOUT`], [`MAX_REQUEST_BODY`], and
/// connections well under a default descriptor limit of 1,024.
const LIMITS: ServeLimits = ServeLimits {
    read_timeout: READ_TIMEOUT,
    max_body: MAX_REQUEST_BODY,
    max_connections: 512,
};

pub(super) async fn serve(listener: TcpListener, state: Arc<State>) {
    serve_bounded(listener, LIMITS, move |parts, body| {
        handle(parts, body, state.clone())
    })
    .await;
}

async fn handle(
    parts: http::request::Parts,
    body: Result<Bytes, BodyTooLarge>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    // Counted before the arrival is announced, for `FakeVobiz::received`.
    state.received.fetch_add(1, Ordering::SeqCst);
    let _in_flight = InFlight::enter(&state);
    let Ok(body) = body else {
        return Ok(replies::error(
            &state,
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large for the simulator",
        ));
    };
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        target: parts.uri.to_string(),
        headers: parts.headers,
        body,
        received_at: Instant::now(),
    };
    let fault = {
        let mut log = lock(&state.log);
        if vobiz::authenticated(&state, &recorded) {
            log.keep(recorded.clone());
        }
        log.faults.pop_front()
    };
    let answer = faults::answer(fault, &state, &recorded).await;
    state.handled.notify_waiters();
    answer
}
