//! `FakeVobiz`: an in-process simulator of Vobiz's Conference API, for your
//! tests and for the demo. Enabled by the `test-util` feature.
//!
//! It listens on loopback, checks `X-Auth-ID` and `X-Auth-Token` like Vobiz
//! does, and serves all 14 Conference operations with state: rooms hold
//! members (id, from, to, caller name, direction, call uuid, join time) with
//! mute and deaf flags and what is playing to them, and a room may be
//! recording. It validates `member_id` as Vobiz's docs define it (one id of
//! digits, ids joined by commas, or `all`) and records every request exactly
//! as it arrived.
//!
//! Vobiz's documented quirks can be switched on:
//! [`fail_retrievals`](FakeVobiz::fail_retrievals) (Retrieve a Conference
//! answers `200 {"error": "failed"}` for a live room) and
//! [`hide_from_list`](FakeVobiz::hide_from_list) (List All Conferences leaves
//! a live room out), per room; [`Fault::RetrievalFailed`] does the first for
//! one call.
//!
//! To test how your code copes with failures, queue [`Fault`]s: each request
//! takes the next one, and once the queue is empty the simulator behaves
//! normally again.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use vobiz::testing::FakeVobiz;
//!
//! let fake = FakeVobiz::start().await?;
//! let ann = fake.join("standup", "+15550100");
//! let bob = fake.join("standup", "+15550101");
//! let room = fake.client().conference("standup");
//!
//! room.members(bob.as_str()).mute().await.unwrap();
//! assert!(fake.members("standup").iter().any(|m| m.id == bob && m.muted));
//! room.members(ann.as_str()).kick().await.unwrap();
//! assert_eq!(room.details().await.unwrap().member_count(), 1);
//! room.hangup().await.unwrap();
//! assert!(!fake.is_active("standup"));
//! # Ok(()) }
//! ```
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
//! It also runs on its own, so that a service in any language (or curl) can
//! be tested against it: `cargo run --example fake_vobiz -- --port 4010`.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
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
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The `member_id` segment exactly as sent, for member operations.
    pub fn member_id(&self) -> Option<&str> {
        let path = self.target.split('?').next()?;
        let mut segments = path.split('/').skip_while(|s| *s != "Member");
        segments.next()?;
        segments.next()
    }
}

/// One member of a simulated room.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeMember {
    /// The id Vobiz would give it: digits, the lowest free one in the room
    /// (so an id comes back after its member leaves, as on Vobiz).
    pub id: String,
    /// The calling number.
    pub from: String,
    /// The called number.
    pub to: String,
    /// The caller's name.
    pub caller_name: String,
    /// `inbound`.
    pub direction: String,
    /// The member's call.
    pub call_uuid: String,
    /// Whether it is muted.
    pub muted: bool,
    /// Whether it is deafened.
    pub deaf: bool,
    /// The audio URL playing to it, if any.
    pub playing: Option<String>,
    joined: Instant,
}

/// Why a member left a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Departure {
    /// Its call was hung up.
    HungUp,
    /// It was kicked; its call goes on (with its XML flow).
    Kicked,
    /// The whole room was hung up.
    RoomEnded,
}

/// A simulated room's recording.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeRecording {
    /// `mp3` or `wav`.
    pub file_format: String,
    /// Where Vobiz would deliver it.
    pub callback_url: Option<String>,
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

#[derive(Debug)]
struct Room {
    created: Instant,
    members: BTreeMap<u64, FakeMember>,
    recording: Option<FakeRecording>,
    failing_retrievals: u32,
    hidden_from_list: bool,
}

impl Room {
    fn new() -> Self {
        Room {
            created: Instant::now(),
            members: BTreeMap::new(),
            recording: None,
            failing_retrievals: 0,
            hidden_from_list: false,
        }
    }
}

/// Requests and faults under one lock, so that the n-th request recorded is
/// the one that took the n-th fault.
#[derive(Debug, Default)]
struct Log {
    requests: VecDeque<RecordedRequest>,
    /// The bytes of the kept requests' bodies.
    bytes: usize,
    faults: VecDeque<Fault>,
}

impl Log {
    /// Keeps `request`, forgetting the oldest beyond the bounds.
    fn keep(&mut self, request: RecordedRequest) {
        self.bytes += request.body.len();
        self.requests.push_back(request);
        while self.requests.len() > MAX_RECORDED_REQUESTS || self.bytes > MAX_RECORDED_BYTES {
            match self.requests.pop_front() {
                Some(old) => self.bytes -= old.body.len(),
                None => break,
            }
        }
    }
}

#[derive(Debug, Default)]
struct State {
    auth_id: String,
    auth_token: String,
    rooms: Mutex<BTreeMap<String, Room>>,
    departures: Mutex<Vec<(String, String, Departure)>>,
    log: Mutex<Log>,
    api_ids: AtomicU64,
    calls: AtomicU64,
    /// Requests received, kept or not.
    received: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Woken whenever `in_flight` grows.
    arrivals: tokio::sync::Notify,
}

impl State {
    fn next_api_id(&self) -> String {
        format!(
            "fake-{:08}",
            self.api_ids.fetch_add(1, Ordering::Relaxed) + 1
        )
    }

    fn rooms(&self) -> MutexGuard<'_, BTreeMap<String, Room>> {
        lock(&self.rooms)
    }
}

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
    /// Starts a simulator on a free loopback port, accepting
    /// [`FAKE_AUTH_ID`] and [`FAKE_AUTH_TOKEN`]. Must be called inside a
    /// Tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        Self::with_credentials(FAKE_AUTH_ID, FAKE_AUTH_TOKEN).await
    }

    /// Starts a simulator accepting the given credentials; fails with
    /// `InvalidInput` if a [`Client`] could not use them.
    pub async fn with_credentials(
        auth_id: impl Into<String>,
        auth_token: impl Into<String>,
    ) -> std::io::Result<Self> {
        Self::serve(SocketAddr::from(([127, 0, 0, 1], 0)), auth_id, auth_token).await
    }

    /// Starts a simulator on `addr`, which must be a loopback address (it
    /// accepts the credentials it is given, so it is not for other hosts).
    pub async fn serve(
        addr: SocketAddr,
        auth_id: impl Into<String>,
        auth_token: impl Into<String>,
    ) -> std::io::Result<Self> {
        if !addr.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("the simulator listens on loopback only, not {addr}"),
            ));
        }
        let listener = TcpListener::bind(addr).await?;
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

    /// Makes a conference active (with nobody in it yet).
    pub fn add_conference(&self, name: impl Into<String>) {
        self.state
            .rooms()
            .entry(name.into())
            .or_insert_with(Room::new);
    }

    /// A caller joins `room` (which becomes active if it was not); returns
    /// the member id it got.
    pub fn join(&self, room: &str, from: &str) -> String {
        let mut rooms = self.state.rooms();
        let room = rooms.entry(room.to_owned()).or_insert_with(Room::new);
        let id = (1..)
            .find(|id| !room.members.contains_key(id))
            .unwrap_or(u64::MAX);
        let call = self.state.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let member = FakeMember {
            id: id.to_string(),
            from: from.to_owned(),
            to: "+18005550100".to_owned(),
            caller_name: format!("Caller {from}"),
            direction: "inbound".to_owned(),
            call_uuid: format!("fake-call-{call:06}"),
            muted: false,
            deaf: false,
            playing: None,
            joined: Instant::now(),
        };
        room.members.insert(id, member);
        id.to_string()
    }

    /// Whether a conference is active.
    pub fn is_active(&self, name: &str) -> bool {
        self.state.rooms().contains_key(name)
    }

    /// The active conferences, sorted.
    pub fn active_conferences(&self) -> Vec<String> {
        self.state.rooms().keys().cloned().collect()
    }

    /// The members of `room`, by id (none if it is not active).
    pub fn members(&self, room: &str) -> Vec<FakeMember> {
        self.state
            .rooms()
            .get(room)
            .map(|r| r.members.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Everyone who left a room so far: room, member id, and why.
    pub fn departures(&self) -> Vec<(String, String, Departure)> {
        lock(&self.state.departures).clone()
    }

    /// The recording running in `room`, if any.
    pub fn recording(&self, room: &str) -> Option<FakeRecording> {
        self.state.rooms().get(room)?.recording.clone()
    }

    /// Quirk: the next `times` retrievals of `room` answer
    /// `200 {"error": "failed"}`, as Vobiz documents for live rooms.
    pub fn fail_retrievals(&self, room: &str, times: u32) {
        if let Some(r) = self.state.rooms().get_mut(room) {
            r.failing_retrievals = times;
        }
    }

    /// Quirk: List All Conferences leaves `room` out while it is live, as
    /// Vobiz documents it may.
    pub fn hide_from_list(&self, room: &str, hidden: bool) {
        if let Some(r) = self.state.rooms().get_mut(room) {
            r.hidden_from_list = hidden;
        }
    }

    /// Queues faults; each request takes the next one, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        lock(&self.state.log).faults.extend(faults);
    }

    /// The authenticated requests received so far, in order: at most the
    /// newest [`MAX_RECORDED_REQUESTS`], holding at most
    /// [`MAX_RECORDED_BYTES`] of bodies. Requests without the simulator's
    /// credentials are answered 401 and not kept.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.log).requests.iter().cloned().collect()
    }

    /// The most requests it was ever handling at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// How many requests it has received, kept or not.
    pub fn request_count(&self) -> usize {
        self.state.received.load(Ordering::SeqCst)
    }
}

/// A poisoned lock only means another test thread panicked; the data is
/// still what it was.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long a client may take to send a request's head, and then its body,
/// before its connection is closed: a client that trickles bytes cannot
/// hold a connection open for ever.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body read; a larger one is answered 413 unread.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How many requests [`FakeVobiz::requests`] keeps, the newest.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
/// How many bytes of request bodies [`FakeVobiz::requests`] keeps, the
/// newest requests' first.
pub const MAX_RECORDED_BYTES: usize = 16 * 1024 * 1024;

async fn serve(listener: TcpListener, state: Arc<State>) {
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
            return Ok(error(
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
        if authenticated(&state, &recorded) {
            log.keep(recorded.clone());
        }
        log.faults.pop_front()
    };
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
            let mut response = error(&state, status, reason);
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
            let body = json!({"error": "failed", "api_id": state.next_api_id()});
            Ok(json_response(StatusCode::OK, &body))
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
            Ok(respond(&state, &recorded))
        }
        Some(Fault::DelayAfterApplying(delay)) => {
            let response = respond(&state, &recorded);
            tokio::time::sleep(delay).await;
            Ok(response)
        }
        Some(Fault::StatusAfterApplying(status)) => {
            respond(&state, &recorded);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("scripted failure");
            Ok(error(&state, status, reason))
        }
    }
}

/// What a request asks for, once routed.
enum Route<'a> {
    Conferences,
    Room(&'a str),
    Member(&'a str, &'a str, &'a str),
    Record(&'a str),
}

fn route(path: &str) -> Option<(&str, Route<'_>)> {
    let segments: Vec<&str> = path.split('/').collect();
    let ["", "api", "v1", "Account", account, "Conference", rest @ ..] = segments.as_slice() else {
        return None;
    };
    let route = match rest {
        [""] => Route::Conferences,
        [room, ""] => Route::Room(room),
        [room, "Record", ""] => Route::Record(room),
        [room, "Member", member, ""] => Route::Member(room, member, ""),
        [room, "Member", member, action, ""]
            if matches!(*action, "Kick" | "Mute" | "Deaf" | "Play") =>
        {
            Route::Member(room, member, action)
        }
        _ => return None,
    };
    Some((account, route))
}

/// The Vobiz behaviour: authenticate, route, act on the rooms.
/// Whether a request carries the simulator's credentials.
fn authenticated(state: &State, req: &RecordedRequest) -> bool {
    let header = |name: &str| req.headers.get(name).map(|v| v.as_bytes());
    header("x-auth-id") == Some(state.auth_id.as_bytes())
        && header("x-auth-token") == Some(state.auth_token.as_bytes())
}

fn respond(state: &State, req: &RecordedRequest) -> Response<Full<Bytes>> {
    if !authenticated(state, req) {
        return error(
            state,
            StatusCode::UNAUTHORIZED,
            "authentication failed: X-Auth-ID and X-Auth-Token are required and must match",
        );
    }
    let path = req.target.split('?').next().unwrap_or_default();
    let Some((account, route)) = route(path) else {
        return error(state, StatusCode::NOT_FOUND, "not found");
    };
    if decode(account).as_deref() != Some(state.auth_id.as_str()) {
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
        return json_response(StatusCode::FORBIDDEN, &body);
    }
    let method = req.method.as_str();
    let decoded = |segment: &str| decode(segment).unwrap_or_default();
    match (route, method) {
        (Route::Conferences, "GET") => list(state),
        (Route::Conferences, "DELETE") => end_all(state),
        (Route::Room(room), "GET") => retrieve(state, &decoded(room)),
        (Route::Room(room), "DELETE") => end_room(state, &decoded(room)),
        (Route::Record(room), "POST") => start_recording(state, &decoded(room), &req.body),
        (Route::Record(room), "DELETE") => stop_recording(state, &decoded(room)),
        (Route::Member(room, member, action), _) => member_call(
            state,
            &decoded(room),
            &decoded(member),
            action,
            method,
            &req.body,
        ),
        _ => error(state, StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    }
}

fn list(state: &State) -> Response<Full<Bytes>> {
    let names: Vec<String> = state
        .rooms()
        .iter()
        .filter(|(_, room)| !room.hidden_from_list)
        .map(|(name, _)| name.clone())
        .collect();
    let body = json!({"api_id": state.next_api_id(), "conferences": names});
    json_response(StatusCode::OK, &body)
}

fn end_all(state: &State) -> Response<Full<Bytes>> {
    let ended = std::mem::take(&mut *state.rooms());
    for (name, room) in ended {
        depart(state, &name, room.members.keys(), Departure::RoomEnded);
    }
    no_content()
}

fn retrieve(state: &State, name: &str) -> Response<Full<Bytes>> {
    let mut rooms = state.rooms();
    let Some(room) = rooms.get_mut(name) else {
        return conference_not_found(state);
    };
    if room.failing_retrievals > 0 {
        room.failing_retrievals -= 1;
        let body = json!({"error": "failed", "api_id": state.next_api_id()});
        return json_response(StatusCode::OK, &body);
    }
    let seconds = |since: Instant| since.elapsed().as_secs().to_string();
    let members: Vec<Value> = room
        .members
        .values()
        .map(|m| {
            json!({
                "muted": m.muted,
                "member_id": m.id,
                "deaf": m.deaf,
                "from": m.from,
                "to": m.to,
                "caller_name": m.caller_name,
                "direction": m.direction,
                "call_uuid": m.call_uuid,
                "join_time": seconds(m.joined),
            })
        })
        .collect();
    let body = json!({
        "conference_name": name,
        "conference_run_time": seconds(room.created),
        "conference_member_count": room.members.len().to_string(),
        "members": members,
        "api_id": state.next_api_id(),
    });
    json_response(StatusCode::OK, &body)
}

fn end_room(state: &State, name: &str) -> Response<Full<Bytes>> {
    let removed = state.rooms().remove(name);
    match removed {
        Some(room) => {
            depart(state, name, room.members.keys(), Departure::RoomEnded);
            no_content()
        }
        None => conference_not_found(state),
    }
}

fn start_recording(state: &State, name: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let request: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(_) => return error(state, StatusCode::BAD_REQUEST, "body is not JSON"),
        }
    };
    let file_format = match request.get("file_format") {
        None => "mp3",
        Some(Value::String(f)) if f == "mp3" || f == "wav" => f.as_str(),
        Some(_) => {
            return error(
                state,
                StatusCode::BAD_REQUEST,
                "file_format must be mp3 or wav",
            );
        }
    };
    let mut rooms = state.rooms();
    match rooms.get_mut(name) {
        Some(room) if !room.members.is_empty() => {
            room.recording = Some(FakeRecording {
                file_format: file_format.to_owned(),
                callback_url: request
                    .get("callback_url")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
            let body = json!({"message": "async api spawned", "api_id": state.next_api_id()});
            json_response(StatusCode::OK, &body)
        }
        Some(_) => error(
            state,
            StatusCode::NOT_FOUND,
            "no member has joined the conference",
        ),
        None => conference_not_found(state),
    }
}

fn stop_recording(state: &State, name: &str) -> Response<Full<Bytes>> {
    let stopped = state
        .rooms()
        .get_mut(name)
        .map(|room| room.recording.take());
    match stopped {
        Some(Some(_)) => no_content(),
        Some(None) => error(
            state,
            StatusCode::NOT_FOUND,
            "the conference is not being recorded",
        ),
        None => conference_not_found(state),
    }
}

/// `member_id` as Vobiz's docs define it: `all`, or ids of digits joined by
/// commas. `None` if it is neither.
fn parse_member_id(member_id: &str) -> Option<Option<Vec<u64>>> {
    if member_id == "all" {
        return Some(None);
    }
    member_id
        .split(',')
        .map(|id| {
            let digits = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| id.parse().ok()).flatten()
        })
        .collect::<Option<Vec<u64>>>()
        .map(Some)
}

fn member_call(
    state: &State,
    room_name: &str,
    member_id: &str,
    action: &str,
    method: &str,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let Some(selected) = parse_member_id(member_id) else {
        return error(
            state,
            StatusCode::BAD_REQUEST,
            "member_id must be a member id, ids separated by commas, or all",
        );
    };
    let url = match (action, method) {
        ("Play", "POST") => match play_url(body) {
            Some(url) => Some(url),
            None => return error(state, StatusCode::BAD_REQUEST, "url is required"),
        },
        ("Kick" | "Mute" | "Deaf", "POST") if !is_empty_object(body) => {
            return error(state, StatusCode::BAD_REQUEST, "body must be empty or {}");
        }
        ("", "DELETE") | ("Kick", "POST") | ("Mute" | "Deaf" | "Play", "POST" | "DELETE") => None,
        _ => return error(state, StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    };
    let mut rooms = state.rooms();
    let Some(room) = rooms.get_mut(room_name) else {
        return conference_not_found(state);
    };
    let ids: Vec<u64> = match selected {
        None => room.members.keys().copied().collect(),
        Some(ids) => ids
            .into_iter()
            .filter(|id| room.members.contains_key(id))
            .collect(),
    };
    if ids.is_empty() {
        return error(state, StatusCode::NOT_FOUND, "member not found");
    }
    let (message, departure) = match (action, method) {
        ("", _) => ("", Some(Departure::HungUp)),
        ("Kick", _) => ("kicked", Some(Departure::Kicked)),
        (flag, post) => {
            for id in &ids {
                if let Some(m) = room.members.get_mut(id) {
                    let on = post == "POST";
                    match flag {
                        "Mute" => m.muted = on,
                        "Deaf" => m.deaf = on,
                        _ => m.playing = url.clone().filter(|_| on),
                    }
                }
            }
            let message = match flag {
                "Mute" => "muted",
                "Deaf" => "deaf",
                _ => "play queued into conference",
            };
            (message, None)
        }
    };
    if let Some(departure) = departure {
        for id in &ids {
            room.members.remove(id);
        }
        drop(rooms);
        depart(state, room_name, ids.iter(), departure);
    }
    if method == "DELETE" {
        return no_content();
    }
    let affected: Vec<String> = ids.iter().map(u64::to_string).collect();
    let body = json!({"message": message, "member_id": affected, "api_id": state.next_api_id()});
    json_response(StatusCode::ACCEPTED, &body)
}

fn play_url(body: &[u8]) -> Option<String> {
    let request: Value = serde_json::from_slice(body).ok()?;
    Some(request.get("url")?.as_str()?.to_owned())
}

fn is_empty_object(body: &[u8]) -> bool {
    body.is_empty()
        || serde_json::from_slice::<Value>(body)
            .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}

fn depart<'a>(state: &State, room: &str, ids: impl Iterator<Item = &'a u64>, why: Departure) {
    let mut departures = lock(&state.departures);
    departures.extend(ids.map(|id| (room.to_owned(), id.to_string(), why)));
}

fn decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

fn conference_not_found(state: &State) -> Response<Full<Bytes>> {
    error(state, StatusCode::NOT_FOUND, "conference not found")
}

/// Vobiz's flat error body.
fn error(state: &State, status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        &json!({"api_id": state.next_api_id(), "error": message}),
    )
}

fn no_content() -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

fn json_response(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}
