//! A Rust client for the [Vobiz](https://vobiz.ai) voice API: the
//! operations Vobiz documents (the Conference family by default, all 101
//! with the `full` feature), generated, on one core that authenticates,
//! keeps paths safe, retries, redacts, traces and audits each alike; the
//! Conference family's handles beside it ([`conference`]: end rooms,
//! moderate their members, record them, sweep many at once); typed errors
//! you can act on and a simulator to test against.
//!
//! The client is generated at build time by progenitor from Vobiz's own
//! OpenAPI document (`openapi/vobiz.yaml`), so every operation is there
//! exactly as Vobiz documents it; this crate wraps it with authentication,
//! path safety, retries, redaction of the token and an audit trail, for
//! every operation alike. For tests, the `test-util` feature adds
//! `testing::FakeVobiz`, an in-process simulator of the API; the `console`
//! feature adds `console`, the moderator console (an axum `Router`); the
//! `vobiz-cli` crate is the same for people on call (`vobiz hangup`,
//! `vobiz sweep`, `vobiz console`, ...).
//!
//! ```sh
//! cargo add vobiz
//! cargo add tokio --features full
//! ```
//!
//! ```no_run
//! # async fn run() -> Result<(), vobiz::Error> {
//! let client = vobiz::Client::from_env()?;
//! client.hangup_conference("My Conf Room").await?;
//! # Ok(()) }
//! ```
//!
//! Rooms and members, with the traps Vobiz's docs describe handled (see
//! [`conference::Conference`] and [`conference::MemberSelector`]):
//!
//! ```no_run
//! # async fn run(client: vobiz::Client) -> Result<(), vobiz::Error> {
//! use std::time::Duration;
//! use vobiz::conference::MemberSelector;
//! let room = client.conference("My Conf Room");
//! room.members("17").mute().await?;
//! room.members(MemberSelector::all()).play("https://example.com/notice.mp3").await?;
//! room.hangup_with_notice("https://example.com/closing.mp3", Duration::from_secs(10)).await?;
//! # Ok(()) }
//! ```
//!
//! Every operation of the spec is also callable as generated through
//! [`Client::api`], with the same authentication and safety:
//!
//! ```no_run
//! # async fn run(client: vobiz::Client) -> Result<(), vobiz::Error> {
//! if let Err(e) = client.api().delete_conference().conference_name("room").send().await {
//!     return Err(vobiz::Error::from_api(e).await);
//! }
//! # Ok(()) }
//! ```
//!
//! Guarantees:
//! - Any string is safe as a path parameter: it is sent percent-encoded as
//!   exactly one segment, or refused with [`Error::InvalidInput`] before a
//!   byte is sent (`""`, `"."`, `".."`). See [`path`].
//! - `X-Auth-ID` and `X-Auth-Token` go on every request and only to the
//!   configured base URL's origin: redirects are never followed, and plain
//!   `http://` is refused except to loopback.
//! - The auth token is never shown by `Debug`, `Display` or any error.
//! - Every request that changes state writes one audit event on the
//!   target `vobiz::audit`, and every operation runs in a `vobiz.operation`
//!   span; field names follow OpenTelemetry's HTTP conventions.
//!
//! # The audit trail
//! Every request of an operation that changes state writes one INFO event
//! on the target `vobiz::audit`, whichever way it was made: a handle, a
//! request of a split member list, `client.api()`, [`Client::call`] or
//! [`Client::invoke`]. One writer (the hooks around every generated call)
//! and one schema for every operation, imported ones included, so the
//! trail needs no line of code per resource. `vobiz --audit-log FILE`
//! writes these same events as JSON lines (with a `time`), so a library's
//! trail and the CLI's are one schema. The fields, each present when it
//! applies:
//!
//! | field | what |
//! |---|---|
//! | `vobiz.operation` | the operation id, as generated (`delete-conference`) |
//! | `vobiz.account` | the auth ID the call was made for |
//! | `http.request.method` | `DELETE`, `POST`, ... |
//! | `url.path` | the request's path, below the base URL's |
//! | `vobiz.subject` | what it acts on: the path parameters but the account, `name=value` as sent (`conference_name=My%20Room member_id=17`, `call_uuid=c-1`); absent for an account-wide call |
//! | `vobiz.outcome` | one of the words below |
//! | `http.response.status_code` | the final status, when there was an answer |
//! | `vobiz.attempts` | how many times it was sent |
//! | `vobiz.api_id` | Vobiz's id for the answer, when it carried one |
//! | `error.type` | the status, or the failure's kind (`timeout`, `connect`, `transport`, `passing_failure`) |
//! | `vobiz.error` | the server's error text, or why no answer came (redacted) |
//!
//! The outcome words, the same for every operation: `applied` (a success
//! status: for `delete-conference`, the room was ended), `not_found` (404:
//! for a hangup, no such active room), `gone_after_retry` (404 after an
//! attempt whose outcome was unknown: most likely that attempt did it),
//! `error` (any other failure), `cancelled` (dropped after it may have been
//! sent: unknown), `not_sent` (a request of a split member list never sent
//! because an earlier one failed). A call refused before anything is sent
//! (an unusable argument) sent nothing and writes nothing. The token never
//! appears.
//!
//! # Features
#![cfg_attr(feature = "document-features", doc = document_features::document_features!())]
#![cfg_attr(
    not(feature = "document-features"),
    doc = "See the features table in the README (rendered here when built with \
           `document-features`, as docs.rs does)."
)]
#![deny(missing_docs)]
// The core alone (no `conference`, no `full`) generates no operation: the
// facilities the resources and generated calls use (a compound call's
// pause, deadline and `not_sent`, the dispatcher's arguments) are compiled
// but idle then, not dead in any build that calls Vobiz.
#![cfg_attr(not(feature = "conference"), allow(dead_code, unused_imports))]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod accepted;
mod arguments;
mod audit;
pub use audit::audit_fields;
mod call;
pub mod callbacks;
mod client;
#[cfg(feature = "conference")]
#[cfg_attr(docsrs, doc(cfg(feature = "conference")))]
pub mod conference;
mod config;
#[cfg(feature = "console")]
#[cfg_attr(docsrs, doc(cfg(feature = "console")))]
pub mod console;
mod error;
pub mod generated;
mod hooks;
pub mod invoke;
pub mod operation;
pub mod path;
mod recording;
mod redact;
pub mod retry;
mod said;
#[cfg(feature = "serve")]
#[cfg_attr(docsrs, doc(cfg(feature = "serve")))]
pub mod serve;
mod shape;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod testing;
pub mod text;
mod transport;
mod url_check;
pub mod xml;

pub use accepted::Accepted;
pub use client::Client;
pub use config::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BODY,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, ENV_AUTH_ID, ENV_AUTH_TOKEN, ENV_BASE_URL, MAX_WAIT,
};
pub use error::{ApiError, Error, ErrorSummary, TransportError};
pub use recording::RecordingFormat;
pub use retry::RetryPolicy;

/// The client progenitor generates, as [`Client::api`] hands it out; named
/// apart from [`Client`] so that signatures say which is which.
pub type GeneratedClient = generated::Client;
/// The error a [`GeneratedClient`] operation returns; [`Error::from_api`]
/// and [`Client::call`] turn it into an [`Error`].
pub type GeneratedError<E = ()> = generated::Error<E>;

/// The README's Rust examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// So do the guide's.
#[cfg(doctest)]
#[doc = include_str!("../docs/guide.md")]
struct GuideDoctests;

/// And those of the guarantees.
#[cfg(doctest)]
#[doc = include_str!("../docs/guarantees.md")]
struct GuaranteesDoctests;
