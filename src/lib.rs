//! A Rust client for the [Vobiz](https://vobiz.ai) voice API.
//!
//! The client is generated at build time by progenitor from Vobiz's own
//! OpenAPI document (`openapi/vobiz.yaml`); this crate wraps it with
//! authentication, path safety, and errors you can act on.
//!
//! ```no_run
//! # async fn run() -> Result<(), vobiz::Error> {
//! let client = vobiz::Client::from_env()?;
//! client.hangup_conference("My Conf Room").await?;
//! # Ok(()) }
//! ```
//!
//! Rooms and members, with the traps Vobiz's docs describe handled (see
//! [`Conference`] and [`MemberSelector`]):
//!
//! ```no_run
//! # async fn run(client: vobiz::Client) -> Result<(), vobiz::Error> {
//! use std::time::Duration;
//! let room = client.conference("My Conf Room");
//! room.members("17").mute().await?;
//! room.members(vobiz::MemberSelector::all()).play("https://example.com/notice.mp3").await?;
//! room.hangup_with_notice("https://example.com/closing.mp3", Duration::from_secs(10)).await?;
//! # Ok(()) }
//! ```
//!
//! Every operation of the spec is also callable as generated through
//! [`Client::api`], with the same authentication and safety:
//!
//! ```no_run
//! # async fn run(client: vobiz::Client) -> Result<(), vobiz::Error> {
//! if let Err(e) = client.api().delete_conference(client.auth_id(), "room").await {
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
//! - Every state-changing call of the handles writes one audit event on the
//!   target `vobiz::audit`, and every operation runs in a `vobiz.operation`
//!   span; field names follow OpenTelemetry's HTTP conventions.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod audit;
mod call;
mod client;
mod conference;
mod config;
mod error;
mod extras;
pub mod generated;
mod hooks;
mod members;
pub mod operation;
mod outcome;
pub mod path;
mod quirks;
mod redact;
pub mod retry;
mod shape;
#[cfg(feature = "test-util")]
pub mod testing;
mod text;
mod transport;
mod url_check;

pub use client::Client;
pub use conference::{Conference, ConferenceDetails, MemberDetails, RecordingFormat};
pub use config::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BODY,
    DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, MAX_WAIT,
};
pub use error::{ApiError, Error, ErrorSummary};
pub use members::{MAX_MEMBER_ID_LEN, MemberSelector, Members};
pub use outcome::{Accepted, Hangup, MemberOutcome};
pub use retry::RetryPolicy;

/// The README's Rust examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
