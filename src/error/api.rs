//! [`ApiError`]: what the server said in an unsuccessful response.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use super::after;
use crate::retry::CallReport;
use crate::said::Said;
use crate::text::clean;

/// What the server said in an unsuccessful response.
///
/// Vobiz documents two body shapes, and both are understood:
/// `{"error": "conference not found", "api_id": "..."}` and
/// `{"status": "error", "error": {"code", "message", "details"}, "timestamp", "requestId"}`.
/// A body that is empty or not JSON still yields the status; a short line
/// of plain text is the message, and anything else (an HTML error page, a
/// long text) is summarised by its content type and size rather than shown. Where the spec documents an error body, its
/// type is generated (`types::<Operation><Status>Error`) and
/// [`decode_body`](ApiError::decode_body) reads the body as that type.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(Box<Fields>);

/// Boxed so that `Result<_, Error>` stays small on the success path.
#[derive(Clone, PartialEq)]
struct Fields {
    status: u16,
    /// What the body said: its text, code, details and ids (shared with
    /// the call's report, which read it).
    said: Arc<Said>,
    retry_after: Option<Duration>,
    attempts: u32,
    /// The body as received: at most [`MAX_ERROR_BODY`] bytes, token redacted.
    body: Bytes,
}

/// Like the derived one, but the body by its length only.
impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("message", &self.said.message)
            .field("code", &self.said.code)
            .field("details", &self.said.details)
            .field("api_id", &self.said.api_id)
            .field("request_id", &self.said.request_id)
            .field("retry_after", &self.retry_after)
            .field("attempts", &self.attempts)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl ApiError {
    /// Builds the error for a response from its status, headers and
    /// (possibly truncated) body, and what the body said if the transport
    /// has read it already (a JSON body is parsed here otherwise; any other
    /// body is the message).
    pub(crate) fn from_parts(
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
        said: Option<Arc<Said>>,
    ) -> Self {
        let said = said.or_else(|| Said::of_error(&body).map(Arc::new));
        let said = said.unwrap_or_else(|| {
            Arc::new(Said {
                message: not_json(headers, &body),
                ..Said::default()
            })
        });
        let mut error = Self::from_said(status, said);
        error.0.retry_after = crate::retry::retry_after(headers, SystemTime::now);
        error.0.body = body;
        error
    }

    /// The error an answer made, from what the transport read of it (its
    /// `api_id` and error text), once its body has been decoded into a
    /// typed value and is gone: a documented passing failure the spec
    /// types as a success.
    pub(crate) fn from_report(
        status: StatusCode,
        headers: &HeaderMap,
        report: &CallReport,
    ) -> Self {
        Self::from_parts(status, headers, Bytes::new(), report.said.clone())
    }

    fn from_said(status: StatusCode, said: Arc<Said>) -> Self {
        ApiError(Box::new(Fields {
            status: status.as_u16(),
            said,
            retry_after: None,
            attempts: 1,
            body: Bytes::new(),
        }))
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The server's own error text, if it sent any (one line, at most 1 KiB).
    pub fn message(&self) -> Option<&str> {
        self.0.said.message.as_deref()
    }

    /// The machine-readable error code of the nested body shape.
    pub fn code(&self) -> Option<&str> {
        self.0.said.code.as_deref()
    }

    /// The `details` of the nested body shape, as sent.
    pub fn details(&self) -> Option<&Value> {
        self.0.said.details.as_ref()
    }

    /// Vobiz's `api_id` for this call: quote it to Vobiz support.
    pub fn api_id(&self) -> Option<&str> {
        self.0.said.api_id.as_deref()
    }

    /// The `requestId` of the nested body shape.
    pub fn request_id(&self) -> Option<&str> {
        self.0.said.request_id.as_deref()
    }

    /// How long the server asked us to wait (`Retry-After`, seconds or HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    pub(super) fn set_attempts(&mut self, n: u32) {
        self.0.attempts = n;
    }

    /// How many requests the call sent, this response's included.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The response body as received: at most 64 KiB, with the auth token
    /// replaced should the server have echoed it.
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    /// The body read as `T`, typically the type the spec documents for this
    /// status (`types::<Operation><Status>Error`).
    ///
    /// ```no_run
    /// # async fn f(client: vobiz::Client) {
    /// use vobiz::generated::types::GetConference404Error;
    /// let err = client.call(client.api().get_conference().conference_name("room").send()).await.unwrap_err();
    /// if let Some(api) = err.api_error() {
    ///     let typed: Result<GetConference404Error, _> = api.decode_body();
    /// }
    /// # }
    /// ```
    pub fn decode_body<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.0.body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.0;
        write!(f, "HTTP {}", e.status)?;
        if let Some(m) = &e.said.message {
            write!(f, ": {m}")?;
        }
        if let Some(c) = &e.said.code {
            write!(f, " (code {c})")?;
        }
        if let Some(id) = &e.said.api_id {
            write!(f, " [api_id {id}]")?;
        } else if let Some(id) = &e.said.request_id {
            write!(f, " [requestId {id}]")?;
        }
        if let Some(wait) = e.retry_after {
            write!(f, " (retry after {}s)", wait.as_secs())?;
        }
        f.write_str(&after(e.attempts))
    }
}

/// The longest plain-text body that is shown as the message; a proxy's
/// `Service Unavailable` fits, a page does not.
const SHOWN_TEXT: usize = 200;

/// What a body that is not JSON says: its text when it is one short line of
/// plain text, else its content type and size, so that a proxy's 501 page
/// is one line in a report rather than the page.
fn not_json(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let plain = matches!(content_type.as_deref(), None | Some("text/plain"));
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if plain && text.len() <= SHOWN_TEXT && !text.starts_with('<') && !text.contains('\n') {
        return clean(text);
    }
    let declared = headers
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Without a declared length, a body read up to the bound may be longer.
    let size = match declared {
        Some(size) => format!("{size} bytes"),
        None if body.len() >= crate::transport::MAX_ERROR_BODY => {
            format!("{} bytes or more", body.len())
        }
        None => format!("{} bytes", body.len()),
    };
    Some(match content_type.and_then(|t| clean(&t)) {
        Some(kind) => format!("a {kind} body of {size}, not shown"),
        None => format!("a body of {size} with no content type, not shown"),
    })
}
