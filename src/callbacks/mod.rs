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
//! use std::time::Duration;
//! use vobiz::callbacks::{ConferenceEvent, LiveRooms, NonceCache};
//! # let (token, public_url, headers, body) = ("token-1234", "https://hooks.example.com/cb", http::HeaderMap::new(), b"");
//! let rooms = LiveRooms::new();
//! let seen = NonceCache::new(Duration::from_secs(300));
//! // `public_url`: the URL Vobiz called (from your configuration), with the
//! // request's path and query.
//! match ConferenceEvent::from_request(token, public_url, &headers, body)
//!     .and_then(|event| seen.check(&event).map(|()| event))
//! {
//!     Ok(event) => rooms.apply(&event),   // answer 200
//!     Err(refused) => eprintln!("{refused}"), // answer 403; Vobiz retries
//! }
//! ```

use std::collections::BTreeMap;

use http::HeaderMap;
use serde::Serialize;

mod nonce_cache;
mod registry;
mod signature;

pub use nonce_cache::NonceCache;
pub use registry::LiveRooms;
pub use signature::sign;

/// Whether `token` can verify callbacks: at least as long as a client
/// accepts for a token ([`CallbackError::UnusableKey`] if not). Check it
/// when a receiver starts, so that it refuses to start rather than answer
/// every callback 403.
pub fn check_key(token: &str) -> Result<(), CallbackError> {
    signature::usable_key(token)
}

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
    /// A nonce header is not the documented 20 ASCII digits.
    #[error("the {header} header is not a nonce of 20 digits")]
    MalformedNonce {
        /// The nonce header.
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
    /// A nonce of the callback was seen within the [`NonceCache`]'s
    /// window: a replay.
    #[error("the callback's nonce was already used")]
    Replayed,
    /// The token (or parent token) given to verify with is shorter than a
    /// client accepts: an empty or short key would let anybody sign. Every
    /// callback is refused until the receiver is given the real token.
    #[error("the token to verify callbacks with is shorter than {min} characters")]
    UnusableKey {
        /// The shortest token accepted.
        min: usize,
    },
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
    /// The request for the `waitSound` URL (`ConferenceAction=waitSound`):
    /// not an event, but a request for the XML played to callers waiting
    /// for the room to start. It carries no `ConferenceUUID`; answer it
    /// with XML (`<Speak>`, `<Wait>`; an empty `<Response>` is silence).
    WaitSound,
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
            "waitSound" => ConferenceAction::WaitSound,
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
    /// Every well-formed nonce the request carried, the signed one first.
    #[serde(skip)]
    nonces: Vec<String>,
}

impl ConferenceEvent {
    /// Verifies a callback and parses it. Answer 200 on `Ok`; on `Err`,
    /// 403, and Vobiz retries. Pass every `Ok` through a [`NonceCache`] to
    /// refuse replays: the body is not signed, so a replayed signature can
    /// carry any body.
    ///
    /// - `token`: the account's auth token; shorter than a client accepts
    ///   (an empty one, say) is [`CallbackError::UnusableKey`].
    /// - `url`: the URL **Vobiz requested**, the one in your `callbackUrl`,
    ///   with the request's path and query. Behind a proxy, tunnel or TLS
    ///   terminator that is the public URL, not the one your server listens
    ///   on: take its scheme, host and port from your configuration, never
    ///   from the request's `Host` or `X-Forwarded-*` headers, which the
    ///   caller writes.
    /// - `body`: the raw body (form-encoded for POST; empty for GET, whose
    ///   parameters are in the query).
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
        let mut nonces = signature::nonces(headers);
        nonces.retain(|n| *n != nonce);
        nonces.insert(0, nonce.clone());
        let query = url::Url::parse(url).map_err(|_| CallbackError::BadUrl)?;
        if std::str::from_utf8(body).is_err() {
            return Err(CallbackError::MalformedBody);
        }
        let mut params: BTreeMap<String, String> = query.query_pairs().into_owned().collect();
        params.extend(form_urlencoded::parse(body).into_owned());
        let action = params
            .get("ConferenceAction")
            .map(|a| ConferenceAction::parse(a))
            .ok_or(CallbackError::MissingField("ConferenceAction"))?;
        // The wait-audio request names the room but no conference id.
        let required: &[&'static str] = match action {
            ConferenceAction::WaitSound => &["ConferenceName"],
            _ => &["ConferenceName", "ConferenceUUID"],
        };
        for &field in required {
            if params.get(field).is_none_or(String::is_empty) {
                return Err(CallbackError::MissingField(field));
            }
        }
        Ok(ConferenceEvent {
            action,
            params,
            nonce,
            nonces,
        })
    }

    /// The nonce the callback was signed with.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// Every well-formed nonce the request carried (V3's and V2's may
    /// differ), the signed one first: what a [`NonceCache`] remembers.
    pub fn nonces(&self) -> impl Iterator<Item = &str> {
        self.nonces.iter().map(String::as_str)
    }

    /// Whether this is the `waitSound` request, which wants XML back
    /// rather than a bare 200.
    pub fn is_wait_sound(&self) -> bool {
        self.action == ConferenceAction::WaitSound
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

    /// `ConferenceUUID` (empty on the `waitSound` request, which has none).
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
