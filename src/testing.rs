//! `FakeVobiz`: an in-process simulator of the Vobiz conference API, for
//! your tests and for the demo. Enabled by the `test-util` feature.
//!
//! It listens on `127.0.0.1` on a free port, checks `X-Auth-ID` and
//! `X-Auth-Token` like Vobiz does, keeps a set of active conferences, and
//! records every request exactly as it arrived.
//!
//! To test how your code copes with failures, queue [`Fault`]s: each request
//! takes the next one, and once the queue is empty the simulator behaves
//! normally again.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use std::time::Duration;
//! use vobiz::testing::{FakeVobiz, Fault};
//!
//! let fake = FakeVobiz::start().await?;
//! fake.add_conference("standup");
//! // The first attempt is applied but its answer lost; then the server is busy.
//! fake.push_faults([
//!     Fault::drop_connection(true),
//!     Fault::status(503).with_header("Retry-After", "0"),
//! ]);
//! let client = fake.client_builder()
//!     .retry(vobiz::RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
//!     .build()
//!     .unwrap();
//! // The first attempt ended the room, so the 404 of the last is success.
//! client.hangup_conference("standup").await.unwrap();
//! assert_eq!(fake.requests().len(), 3);
//! # Ok(()) }
//! ```
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use vobiz::testing::FakeVobiz;
//!
//! let fake = FakeVobiz::start().await?;
//! fake.add_conference("standup");
//! let client = fake.client();
//!
//! client.hangup_conference("standup").await.unwrap();
//! assert!(!fake.is_active("standup"));
//! assert!(client.hangup_conference("standup").await.unwrap_err().is_not_found());
//! assert_eq!(fake.requests()[0].target, format!("/api/v1/Account/{}/Conference/standup/", fake.auth_id()));
//! # Ok(()) }
//! ```

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use reqwest::header::HeaderMap;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::{Client, ClientBuilder};

/// The auth ID [`FakeVobiz::start`] accepts.
pub const FAKE_AUTH_ID: &str = "MA_FAKE00001";
/// The auth token [`FakeVobiz::start`] accepts.
pub const FAKE_AUTH_TOKEN: &str = "fake-token-not-a-secret";

/// One request as the simulator received it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method, e.g. `DELETE`.
    pub method: String,
    /// The request target exactly as sent on the request line (path and query).
    pub target: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The request body.
    pub body: Bytes,
    /// When the simulator finished reading it.
    pub received_at: std::time::Instant,
}

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
}

#[derive(Debug, Default)]
struct State {
    auth_id: String,
    auth_token: String,
    conferences: Mutex<BTreeSet<String>>,
    requests: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<VecDeque<Fault>>,
    api_ids: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Counts a request as in flight for as long as it lives.
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
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
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a scripted fault")
    }
}

impl std::error::Error for Dropped {}

/// A running simulator; it stops when dropped.
#[derive(Debug)]
pub struct FakeVobiz {
    addr: SocketAddr,
    state: Arc<State>,
    client: Client,
    server: JoinHandle<()>,
}

impl Drop for FakeVobiz {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeVobiz {
    /// Starts a simulator accepting [`FAKE_AUTH_ID`] and [`FAKE_AUTH_TOKEN`].
    /// Must be called inside a Tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::with_credentials(FAKE_AUTH_ID, FAKE_AUTH_TOKEN).await
    }

    /// Starts a simulator accepting the given credentials; fails with
    /// `InvalidInput` if a [`Client`] could not use them.
    pub async fn with_credentials(
        auth_id: impl Into<String>,
        auth_token: impl Into<String>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            auth_id: auth_id.into(),
            auth_token: auth_token.into(),
            ..State::default()
        });
        let client = Client::builder(&*state.auth_id, &*state.auth_token)
            .base_url(format!("http://{addr}"))
            .build()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let server = tokio::spawn(serve(listener, state.clone()));
        Ok(FakeVobiz {
            addr,
            state,
            client,
            server,
        })
    }

    /// The simulator's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The auth ID it accepts.
    pub fn auth_id(&self) -> &str {
        &self.state.auth_id
    }

    /// A builder with the accepted credentials, pointed at the simulator.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder(&*self.state.auth_id, &*self.state.auth_token).base_url(self.base_url())
    }

    /// A client with the accepted credentials, pointed at the simulator.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Makes a conference active, as if members had joined it.
    pub fn add_conference(&self, name: impl Into<String>) {
        lock(&self.state.conferences).insert(name.into());
    }

    /// Whether a conference is active.
    pub fn is_active(&self, name: &str) -> bool {
        lock(&self.state.conferences).contains(name)
    }

    /// The active conferences, sorted.
    pub fn active_conferences(&self) -> Vec<String> {
        lock(&self.state.conferences).iter().cloned().collect()
    }

    /// Queues faults; each request takes the next one, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.state.faults).extend(faults);
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).clone()
    }

    /// The most requests it was ever handling at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many requests it has received.
    pub fn request_count(&self) -> usize {
        lock(&self.state.requests).len()
    }
}

/// A poisoned lock only means another test thread panicked; the data is
/// still what it was.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve(listener: TcpListener, state: Arc<State>) {
    while let Ok((stream, _)) = listener.accept().await {
        let state = state.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, state.clone()));
            // A client hanging up mid-request is its business, not an error here.
            let _ = http1::Builder::new()
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
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        target: parts.uri.to_string(),
        headers: parts.headers,
        body,
        received_at: std::time::Instant::now(),
    };
    lock(&state.requests).push(recorded.clone());
    let fault = lock(&state.faults).pop_front();
    match fault {
        None => Ok(respond(&state, &recorded)),
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            Ok(respond(&state, &recorded))
        }
        Some(Fault::DropConnection { applied }) => {
            if applied {
                respond(&state, &recorded);
            }
            Err(Dropped)
        }
        Some(Fault::Status { status, headers }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("scripted failure");
            let body = serde_json::json!({"api_id": next_api_id(&state), "error": reason});
            let mut response = json(status, &body);
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
    }
}

fn next_api_id(state: &State) -> String {
    format!(
        "fake-{:08}",
        state.api_ids.fetch_add(1, Ordering::Relaxed) + 1
    )
}

/// The Vobiz behaviour: authenticate, route, act on the conference set.
fn respond(state: &State, req: &RecordedRequest) -> Response<Full<Bytes>> {
    let api_id = format!(
        "fake-{:08}",
        state.api_ids.fetch_add(1, Ordering::Relaxed) + 1
    );
    let header = |name: &str| req.headers.get(name).map(|v| v.as_bytes());
    if header("x-auth-id") != Some(state.auth_id.as_bytes())
        || header("x-auth-token") != Some(state.auth_token.as_bytes())
    {
        let body = serde_json::json!({
            "api_id": api_id,
            "error": "authentication failed: X-Auth-ID and X-Auth-Token are required and must match",
        });
        return json(StatusCode::UNAUTHORIZED, &body);
    }
    let path = req.target.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let (account, name) = match segments.as_slice() {
        ["", "api", "v1", "Account", account, "Conference", name, ""] => (*account, *name),
        _ => {
            let body = serde_json::json!({"api_id": api_id, "error": "not found"});
            return json(StatusCode::NOT_FOUND, &body);
        }
    };
    if req.method != "DELETE" {
        let body = serde_json::json!({"api_id": api_id, "error": "method not allowed"});
        return json(StatusCode::METHOD_NOT_ALLOWED, &body);
    }
    if decode(account).as_deref() != Some(state.auth_id.as_str()) {
        let body = serde_json::json!({
            "status": "error",
            "error": {
                "code": "FORBIDDEN",
                "message": "the account in the path is not the authenticated account",
                "details": {"auth_id": account},
            },
            "timestamp": "2026-01-01T00:00:00Z",
            "requestId": api_id,
        });
        return json(StatusCode::FORBIDDEN, &body);
    }
    let removed = decode(name).is_some_and(|name| lock(&state.conferences).remove(&name));
    if removed {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NO_CONTENT;
        response
    } else {
        let body = serde_json::json!({"api_id": api_id, "error": "conference not found"});
        json(StatusCode::NOT_FOUND, &body)
    }
}

fn decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
