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
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod bulk;
mod client;
mod config;
mod error;
pub mod generated;
mod hooks;
pub mod path;
pub mod retry;
#[cfg(feature = "test-util")]
pub mod testing;

pub use client::{Client, Hangup};
pub use config::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT,
};
pub use error::{ApiError, Error};
pub use retry::RetryPolicy;

/// The README's Rust examples compile as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
