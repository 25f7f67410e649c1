//! A failure without an answer, made as safe to show as an answer is.

use std::fmt;

/// Why a request got no answer: reqwest's error, and the reason the layer
/// that failed gave (the OS, DNS, TLS), which reqwest's own message leaves
/// out.
///
/// The reason is cleaned and redacted like a server's answer, because it
/// can hold what the server sent: a certificate's names are the server's
/// words. For the same reason reqwest's error is kept inside and is not
/// this error's [`source`](std::error::Error::source): its chain holds the
/// TLS library's words as they came. `Display` is reqwest's message (which
/// names the URL) and the reason; `Debug` shows the kind, the URL and the
/// reason.
pub struct TransportError {
    error: reqwest::Error,
    reason: Option<String>,
}

impl TransportError {
    pub(crate) fn new(error: reqwest::Error) -> Self {
        TransportError {
            error,
            reason: None,
        }
    }

    /// reqwest's error, to classify; never to show (see the type's docs).
    pub(crate) fn reqwest(&self) -> &reqwest::Error {
        &self.error
    }

    /// Records the reason the call's attempt loop made safe, once.
    pub(crate) fn set_reason(&mut self, reason: &str) {
        self.reason.get_or_insert_with(|| reason.to_owned());
    }

    /// The reason, as the layer that failed gave it: "Connection refused
    /// (os error 111)", "invalid peer certificate: UnknownIssuer". Known to
    /// calls made through [`Client`](crate::Client)'s methods,
    /// [`Client::call`](crate::Client::call) and the handles; `None` from
    /// [`Error::from_api`](crate::Error::from_api) alone, or when there is
    /// nothing below reqwest's message.
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }

    /// True if no connection was made: refused, unreachable, DNS, or the
    /// TLS handshake (an untrusted certificate, say).
    pub fn is_connect(&self) -> bool {
        self.error.is_connect()
    }

    /// True if a timeout ended the attempt.
    pub fn is_timeout(&self) -> bool {
        self.error.is_timeout()
    }

    /// The URL the request was for: the configured base URL and the
    /// operation's path (never credentials, which travel in headers).
    pub fn url(&self) -> Option<&reqwest::Url> {
        self.error.url()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // reqwest's `Display` is its own message alone, not its chain.
        write!(f, "{}", self.error)?;
        match &self.reason {
            Some(reason) => write!(f, ": {reason}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &crate::transport::transport_error_type(&self.error))
            .field("url", &self.url().map(reqwest::Url::as_str))
            .field("reason", &self.reason)
            .finish()
    }
}

impl std::error::Error for TransportError {}
