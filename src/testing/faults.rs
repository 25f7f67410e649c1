//! Scripted deviations from normal behaviour ([`Fault`]), and how each is
//! answered.

use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use super::state::State;
use super::{RecordedRequest, replies, vobiz};
use crate::serve::Dropped;

/// A scripted deviation from normal behaviour, for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, these headers and a Vobiz-shaped JSON error
    /// body, without touching any conference.
    Status {
        /// The status to answer with.
        status: u16,
        /// Extra response headers, e.g. `Retry-After`.
        headers: Vec<(String, String)>,
    },
    /// Answer with this status and a body that is not JSON.
    NotJson {
        /// The status to answer with.
        status: u16,
        /// The body, sent as `text/html`.
        body: String,
    },
    /// Wait this long, then behave normally.
    Delay(Duration),
    /// Read the request, apply it or not, and close the connection without
    /// answering: the client cannot know whether the operation happened.
    DropConnection {
        /// Whether the request takes effect before the connection drops.
        applied: bool,
    },
    /// Answer Retrieve a Conference with Vobiz's documented
    /// `200 {"error": "failed"}`, as it may for a live room.
    RetrievalFailed,
    /// Hold the request until `requests` requests have been in flight at
    /// once, or for `at_most`, then behave normally. Queue one per request to
    /// hold: concurrency then shows without depending on timing, and a bound
    /// on it can be checked (hold one request more than the bound allows:
    /// they are released only by `at_most`, with the bound reached exactly).
    HoldUntilInFlight {
        /// How many requests must have been in flight at once.
        requests: usize,
        /// The longest hold.
        at_most: Duration,
    },
    /// Apply the request, then answer with this status and a Vobiz-shaped
    /// error body: the server acted, but the client is told it failed.
    StatusAfterApplying(u16),
    /// Apply the request, then wait this long before answering: a client
    /// that gives up first cannot know the request took effect.
    DelayAfterApplying(Duration),
}

impl Fault {
    /// [`Fault::Status`] without extra headers.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            headers: Vec::new(),
        }
    }

    /// Adds a response header to a [`Fault::Status`] (other faults ignore it).
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Fault::Status { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    /// [`Fault::NotJson`].
    pub fn not_json(status: u16, body: impl Into<String>) -> Self {
        Fault::NotJson {
            status,
            body: body.into(),
        }
    }

    /// [`Fault::Delay`].
    pub fn delay(delay: Duration) -> Self {
        Fault::Delay(delay)
    }

    /// [`Fault::DropConnection`].
    pub fn drop_connection(applied: bool) -> Self {
        Fault::DropConnection { applied }
    }

    /// [`Fault::HoldUntilInFlight`].
    pub fn hold_until_in_flight(requests: usize, at_most: Duration) -> Self {
        Fault::HoldUntilInFlight { requests, at_most }
    }

    /// [`Fault::StatusAfterApplying`].
    pub fn status_after_applying(status: u16) -> Self {
        Fault::StatusAfterApplying(status)
    }

    /// [`Fault::DelayAfterApplying`].
    pub fn delay_after_applying(delay: Duration) -> Self {
        Fault::DelayAfterApplying(delay)
    }
}

/// The answer to `recorded` under the fault it took, if any.
pub(super) async fn answer(
    fault: Option<Fault>,
    state: &State,
    recorded: &RecordedRequest,
) -> Result<Response<Full<Bytes>>, Dropped> {
    match fault {
        None => Ok(vobiz::respond(state, recorded)),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(vobiz::respond(state, recorded))
        }
        Some(Fault::DropConnection { applied }) => {
            if applied {
                vobiz::respond(state, recorded);
            }
            Err(Dropped)
        }
        Some(Fault::Status { status, headers }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("scripted failure");
            let mut response = replies::error(state, status, reason);
            for (name, value) in headers {
                if let (Ok(name), Ok(value)) = (
                    hyper::header::HeaderName::from_bytes(name.as_bytes()),
                    hyper::header::HeaderValue::from_str(&value),
                ) {
                    response.headers_mut().append(name, value);
                }
            }
            Ok(response)
        }
        Some(Fault::NotJson { status, body }) => {
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            response.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("text/html"),
            );
            Ok(response)
        }
        Some(Fault::RetrievalFailed) => {
            let body = super::conference::replies::failed_retrieval(state);
            Ok(replies::json(StatusCode::OK, &body))
        }
        Some(Fault::HoldUntilInFlight { requests, at_most }) => {
            let reached = async {
                loop {
                    let arrival = state.arrivals.notified();
                    if state.max_in_flight.load(Ordering::SeqCst) >= requests {
                        return;
                    }
                    arrival.await;
                }
            };
            let _ = tokio::time::timeout(at_most, reached).await;
            Ok(vobiz::respond(state, recorded))
        }
        Some(Fault::DelayAfterApplying(delay)) => {
            let response = vobiz::respond(state, recorded);
            tokio::time::sleep(delay).await;
            Ok(response)
        }
        Some(Fault::StatusAfterApplying(status)) => {
            vobiz::respond(state, recorded);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("scripted failure");
            Ok(replies::error(state, status, reason))
        }
    }
}
