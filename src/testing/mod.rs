//! `FakeVobiz`: an in-process simulator of the Vobiz API, for your tests
//! and for the demo. Enabled by the `test-util` feature.
//!
//! It listens on loopback, checks `X-Auth-ID` and `X-Auth-Token` like Vobiz
//! does, answers every generated operation (each one outside the Conference
//! family with its page's documented success), and serves the 14
//! Conference operations with state: rooms hold
//! members (id, from, to, caller name, direction, call uuid, join time) with
//! mute and deaf flags and what is playing to them, and a room may be
//! recording. It validates `member_id` as Vobiz's docs define it (one id of
//! digits, ids joined by commas, or `all`) and records every authenticated
//! request exactly as it arrived.
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
//! be tested against it: `vobiz simulator --port 4010` (the `vobiz-cli`
//! crate).
//!
//! Inside: `server` accepts and reads requests, `faults` applies the
//! scripted ones, `routing` finds each request's operation in the generated
//! table (so an imported operation is routed, and answered from its page,
//! without a change here), `vobiz` authenticates and hands each request to
//! the resource that keeps state for it or to `replies`, which answers it
//! as its page documents, and `state` holds the requests and counters.
//! `conference` is the Conference family's own: its rooms and members, the
//! actions on them, their callbacks, and the methods that seed and read
//! them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::HeaderMap;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::{Client, ClientBuilder};

mod conference;
mod faults;
mod replies;
mod routing;
mod server;
mod state;
mod vobiz;

pub use conference::{Departure, FakeMember, FakeRecording};
pub use faults::Fault;
use state::{State, lock};

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

/// How long a client may take to send a request's head, and then its body,
/// before its connection is closed: a client that trickles bytes cannot
/// hold a connection open for ever.
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest request body read; a larger one is answered 413 unread.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How many requests [`FakeVobiz::requests`] keeps, the newest.
pub const MAX_RECORDED_REQUESTS: usize = 10_000;
/// How many bytes of requests, heads and bodies, [`FakeVobiz::requests`]
/// keeps, the newest requests' first.
pub const MAX_RECORDED_BYTES: usize = 16 * 1024 * 1024;

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
        let server = tokio::spawn(server::serve(listener, state.clone()));
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

    /// Waits until it has received `count` requests, kept or not (as
    /// their heads and bodies arrive, before any is answered): a test can
    /// await what a client has sent rather than sleep for it.
    pub async fn received(&self, count: usize) {
        loop {
            // Made before the check, so no arrival in between is missed.
            let arrival = self.state.arrivals.notified();
            if self.request_count() >= count {
                return;
            }
            arrival.await;
        }
    }

    /// Waits until `holds` is true of the simulator, checked at once and
    /// again each time it has handled a request (its change made): a test
    /// can await the state a client brings about, such as a room no longer
    /// active, rather than sleep for it. [`FakeVobiz::received`] would wake
    /// as the request arrives, before its change.
    pub async fn until(&self, holds: impl Fn(&FakeVobiz) -> bool) {
        loop {
            // Made before the check, so no request handled in between is missed.
            let handled = self.state.handled.notified();
            if holds(self) {
                return;
            }
            handled.await;
        }
    }
}
