//! Conference callbacks, verified and parsed in one call
//! ([`ConferenceEvent::from_request`]), and [`LiveRooms`], the registry of
//! live rooms they keep true.
//!
//! A room's `callbackUrl` (see [`crate::xml::Conference::callback_url`])
//! receives its events. Vobiz signs each one (see `signature`); an
//! unsigned or wrongly signed request is refused, so nobody who can reach
//! the endpoint can forge "room ended". Vobiz publishes two versions of
//! these pages: the older sends `start`, `enter`, `exit` and `end` with
//! `ConferenceCurrentSize`, `Timestamp` and `RecordingUrl`; the newer sends
//! only `enter` and `exit`, with `Event`, `ConferenceMemberID`,
//! `ConferenceFirstMember` and `ConferenceLastMember`. Whatever either
//! sends is read, and nothing either omits is required. Delivery order is
//! not event order, and failed deliveries are retried: [`LiveRooms`] is
//! built for both.
//!
//! ```
//! use vobiz::callbacks::{ConferenceAction, ConferenceEvent, LiveRooms};
//! # let (token, url, headers, body) = ("token-1234", "https://x.example/cb", http::HeaderMap::new(), b"");
//! let rooms = LiveRooms::new();
//! match ConferenceEvent::from_request(token, url, &headers, body) {
//!     Ok(event) => rooms.apply(&event),   // answer 200
//!     Err(refused) => eprintln!("{refused}"), // answer 403; Vobiz retries
//! }
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use http::HeaderMap;
use serde::Serialize;

mod registry;
mod signature;

pub use registry::LiveRooms;
pub use signature::sign;

/// Why a callback was refused. Its message says which check failed and
/// never shows the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No V3, V2 or MA signature header (the legacy SHA-1
    /// `X-Vobiz-Signature` alone is not enough; Vobiz sends the others only
    /// when the callback URL has credentials configured).
    #[error("the callback carries no V2 or V3 signature")]
    MissingSignature,
    /// A signature header is present but its nonce header is not.
    #[error("the callback has a signature but no {header} header")]
    MissingNonce {
        /// The nonce header expected.
        header: &'static str,
    },
    /// A signature header is not base64.
    #[error("the {header} header is not a base64 signature")]
    MalformedSignature {
        /// The header.
        header: &'static str,
    },
    /// No signature matches: not from Vobiz, or not for this URL or token.
    #[error("no signature of the callback matches")]
    WrongSignature,
    /// The URL given is not an absolute URL.
    #[error("the callback URL is not an absolute URL")]
    BadUrl,
    /// The body is not form-encoded text.
    #[error("the callback body is not form-encoded")]
    MalformedBody,
    /// A field every conference callback has is missing.
    #[error("the callback has no {0}")]
    MissingField(&'static str),
    /// The nonce was seen within the [`NonceCache`]'s window: a replay.
    #[error("the callback's nonce was already used")]
    Replayed,
}

/// What happened in the room.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConferenceAction {
    /// The room started (older docs only).
    Start,
    /// A member entered.
    Enter,
    /// A member left.
    Exit,
    /// The room ended (older docs only).
    End,
    /// Another action, as sent (Vobiz adds some, such as a digits match);
    /// never guessed into one of the above.
    Other(String),
}

impl ConferenceAction {
    fn parse(value: &str) -> Self {
        match value {
            "start" => ConferenceAction::Start,
            "enter" => ConferenceAction::Enter,
            "exit" => ConferenceAction::Exit,
            "end" => ConferenceAction::End,
            other => ConferenceAction::Other(other.to_owned()),
        }
    }
}

/// A verified conference callback: every parameter Vobiz sent, with
/// accessors for the documented ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConferenceEvent {
    action: ConferenceAction,
    /// Every parameter as sent.
    params: BTreeMap<String, String>,
    #[serde(skip)]
    nonce: String,
}

impl ConferenceEvent {
    /// Verifies a callback and parses it. `url` is the full URL Vobiz
    /// requested, as your server received it (query included); `body` the
    /// raw body (form-encoded for POST; empty for GET, whose parameters are
    /// in the query). Answer 200 on `Ok`; on `Err`, 403, and Vobiz retries.
    pub fn from_request(
        token: &str,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, CallbackError> {
        Self::verified(token, None, url, headers, body)
    }

    /// [`from_request`](Self::from_request) for a sub-account's callbacks,
    /// which Vobiz may sign with the parent account's token (`MA-V2`,
    /// `MA-V3`): either token's signature is accepted.
    pub fn from_request_with_parent(
        token: &str,
        parent_token: &str,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, CallbackError> {
        Self::verified(token, Some(parent_token), url, headers, body)
    }

    fn verified(
        token: &str,
        parent: Option<&str>,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, CallbackError> {
        let nonce = signature::verify(token, parent, url, headers)?;
        let query = url::Url::parse(url).map_err(|_| CallbackError::BadUrl)?;
        if std::str::from_utf8(body).is_err() {
            return Err(CallbackError::MalformedBody);
        }
        let mut params: BTreeMap<String, String> = query.query_pairs().into_owned().collect();
        params.extend(form_urlencoded::parse(body).into_owned());
        for required in ["ConferenceName", "ConferenceUUID"] {
            if params.get(required).is_none_or(String::is_empty) {
                return Err(CallbackError::MissingField(required));
            }
        }
        let action = params
            .get("ConferenceAction")
            .map(|a| ConferenceAction::parse(a))
            .ok_or(CallbackError::MissingField("ConferenceAction"))?;
        Ok(ConferenceEvent {
            action,
            params,
            nonce,
        })
    }

    /// The nonce the callback was signed with (for a [`NonceCache`]).
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// What happened.
    pub fn action(&self) -> &ConferenceAction {
        &self.action
    }

    /// Any parameter, as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// `ConferenceName`.
    pub fn conference_name(&self) -> &str {
        self.get("ConferenceName").unwrap_or_default()
    }

    /// `ConferenceUUID`.
    pub fn conference_uuid(&self) -> &str {
        self.get("ConferenceUUID").unwrap_or_default()
    }

    /// `CallUUID`: the member's call.
    pub fn call_uuid(&self) -> Option<&str> {
        self.get("CallUUID")
    }

    /// `ConferenceMemberID` (newer docs).
    pub fn member_id(&self) -> Option<&str> {
        self.get("ConferenceMemberID")
    }

    /// `Event`: `ConferenceEnter` or `ConferenceExit` (newer docs).
    pub fn event(&self) -> Option<&str> {
        self.get("Event")
    }

    /// `ConferenceFirstMember` on enter (newer docs).
    pub fn first_member(&self) -> Option<bool> {
        self.flag("ConferenceFirstMember")
    }

    /// `ConferenceLastMember` on exit (newer docs): the room was empty when
    /// this fired.
    pub fn last_member(&self) -> Option<bool> {
        self.flag("ConferenceLastMember")
    }

    /// `ConferenceCurrentSize` (older docs).
    pub fn current_size(&self) -> Option<u32> {
        self.get("ConferenceCurrentSize")?.trim().parse().ok()
    }

    /// `RecordingUrl`, on `end` of a recorded room (older docs).
    pub fn recording_url(&self) -> Option<&str> {
        self.get("RecordingUrl")
    }

    /// `Timestamp` (older docs).
    pub fn timestamp(&self) -> Option<&str> {
        self.get("Timestamp")
    }

    /// `From`, on enter.
    pub fn from(&self) -> Option<&str> {
        self.get("From")
    }

    /// `To`, on enter.
    pub fn to(&self) -> Option<&str> {
        self.get("To")
    }

    /// `Direction`, on enter (newer docs).
    pub fn direction(&self) -> Option<&str> {
        self.get("Direction")
    }

    /// `CallStatus`, on enter (newer docs).
    pub fn call_status(&self) -> Option<&str> {
        self.get("CallStatus")
    }

    fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name)?.trim() {
            v if v.eq_ignore_ascii_case("true") => Some(true),
            v if v.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// Refuses a nonce seen within a window: Vobiz's callbacks carry no
/// timestamp, so remembering nonces is the only way to stop a replay.
#[derive(Debug)]
pub struct NonceCache {
    window: Duration,
    seen: std::sync::Mutex<BTreeMap<String, Instant>>,
}

impl NonceCache {
    /// Remembers nonces for `window` (Vobiz suggests a few minutes).
    pub fn new(window: Duration) -> Self {
        NonceCache {
            window,
            seen: std::sync::Mutex::default(),
        }
    }

    /// Accepts `event` if its nonce was not seen within the window.
    pub fn check(&self, event: &ConferenceEvent) -> Result<(), CallbackError> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, at| now.saturating_duration_since(*at) < self.window);
        if seen.contains_key(event.nonce()) {
            return Err(CallbackError::Replayed);
        }
        seen.insert(event.nonce().to_owned(), now);
        Ok(())
    }
}
