//! Accepting connections and reading requests, within bounds: a failed
//! `accept` is retried, heads and bodies must arrive in time, bodies are
//! bounded, and only authenticated requests are kept.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::state::{State, lock};
use super::{MAX_REQUEST_BODY, READ_TIMEOUT, RecordedRequest, faults, replies, vobiz};

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

/// The connection is closed without an answer.
#[derive(Debug)]
pub(super) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for Dropped {}

pub(super) async fn serve(listener: TcpListener, state: Arc<State>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of descriptors, or a connection reset before it was
            // accepted: the listener is still good. Say so, give
            // connections time to close, and go on.
            Err(e) => {
                tracing::warn!(error = %e, "vobiz simulator: accept failed; retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, state.clone()));
            // A client hanging up mid-request is its business, not an error here.
            let _ = http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(
    req: Request<Incoming>,
    state: Arc<State>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let _in_flight = InFlight::enter(&state);
    state.received.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = req.into_parts();
    let limited = http_body_util::Limited::new(body, MAX_REQUEST_BODY);
    let body = match tokio::time::timeout(READ_TIMEOUT, limited.collect()).await {
        Ok(Ok(body)) => body.to_bytes(),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return Ok(replies::error(
                &state,
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large for the simulator",
            ));
        }
        // Cut short or too slow: nobody is waiting for an answer.
        Ok(Err(_)) | Err(_) => return Err(Dropped),
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
    faults::answer(fault, &state, &recorded).await
}
