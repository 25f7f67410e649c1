//! What every handler of one console shares, and who is asking.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::live::Live;
use super::sessions::Sessions;
use super::store::Store;
use crate::Client;
use crate::callbacks::NonceCache;

/// The moderator a request is made by. The standalone console's sign-in
/// puts it on each request; an application mounting
/// [`Console::router`](super::Console::router) behind its own
/// authentication inserts it as a request extension.
#[derive(Clone)]
pub struct Moderator {
    name: String,
    session_key: String,
}

impl std::fmt::Debug for Moderator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session key is what the CSRF token is derived from.
        f.debug_struct("Moderator")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Moderator {
    /// `name` (shown in the audit trail), signed in with a session that
    /// `session_key` names: the CSRF tokens of the forms it is shown are
    /// derived from it, so it must be secret and differ per session (the
    /// application's session id will do).
    pub fn new(name: impl Into<String>, session_key: impl Into<String>) -> Moderator {
        Moderator {
            name: name.into(),
            session_key: session_key.into(),
        }
    }

    /// The moderator's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// How the console verifies callbacks.
pub(crate) struct CallbackCheck {
    /// The account's auth token, which Vobiz signs callbacks with.
    pub token: String,
    /// The URL Vobiz calls the console at (without a trailing `/`): what
    /// a request's path is appended to for its signature. Never the Host
    /// header, which the caller writes.
    pub public_url: String,
    pub seen: NonceCache,
}

/// Bounds and timings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Cookies are marked `Secure` (the console is served over https).
    pub secure_cookies: bool,
    /// How often Vobiz's list is read.
    pub list_every: Duration,
    /// How often enabled rules are checked.
    pub rules_every: Duration,
    /// How long the audit trail is kept.
    pub audit_retention: Duration,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub client: Client,
    pub store: Store,
    pub live: Live,
    pub sessions: Sessions,
    pub callbacks: Option<CallbackCheck>,
    pub settings: Settings,
    /// Pages open on the event stream; a page past the bound is told to
    /// reload later.
    pub streams: Arc<tokio::sync::Semaphore>,
    /// Wakes the planner when schedules or rules change.
    pub planner: tokio::sync::Notify,
    /// Since when each room has had at most one member, as observed (the
    /// abandoned-room rule).
    pub low_since: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// Keys the CSRF tokens; new each start.
    secret: [u8; 32],
}

impl Shared {
    pub(crate) fn new(
        client: Client,
        store: Store,
        callbacks: Option<CallbackCheck>,
        settings: Settings,
        max_streams: usize,
    ) -> Shared {
        Shared {
            client,
            store,
            live: Live::new(),
            sessions: Sessions::default(),
            callbacks,
            settings,
            streams: Arc::new(tokio::sync::Semaphore::new(max_streams)),
            planner: tokio::sync::Notify::new(),
            low_since: Default::default(),
            secret: super::sessions::random_bytes(),
        }
    }

    /// The CSRF token of `moderator`'s forms.
    pub(crate) fn csrf(&self, moderator: &Moderator) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("any key length");
        mac.update(moderator.session_key.as_bytes());
        super::sessions::hex(&mac.finalize().into_bytes())
    }

    /// Whether `token` is `moderator`'s CSRF token (in constant time).
    pub(crate) fn csrf_ok(&self, moderator: &Moderator, token: &str) -> bool {
        let expected = self.csrf(moderator);
        expected.len() == token.len()
            && expected
                .bytes()
                .zip(token.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}
