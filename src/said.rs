//! What an answer's JSON body says of itself: its `api_id` and, for an
//! error, the server's text, code, details and request id. The transport
//! reads it once, where it redacts the body, and hands it on with the
//! answer; the error built from that answer and the audit event take it
//! from there rather than parsing the body again.

use serde_json::Value;

use crate::text::clean;

/// What an error body said, each text as it may be shown (see
/// [`clean`]). Travels as an extension of the answer it was read from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Said {
    pub(crate) api_id: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) code: Option<String>,
    pub(crate) details: Option<Value>,
    pub(crate) request_id: Option<String>,
}

impl Said {
    /// What a JSON error body said, in either shape Vobiz's pages show:
    /// `{"error": {"code", "message", "details"}, "requestId"}`, or
    /// `{"error": ...}` or `{"message": ...}` at the top, each with its
    /// `api_id`. `None` when the body is not JSON.
    pub(crate) fn of_error(body: &[u8]) -> Option<Said> {
        let json = serde_json::from_slice::<Value>(body).ok()?;
        let nested = json.get("error").filter(|e| e.is_object());
        Some(Said {
            api_id: field_text(json.get("api_id")),
            message: match nested {
                Some(nested) => field_text(nested.get("message")),
                None => field_text(json.get("error")).or_else(|| field_text(json.get("message"))),
            },
            code: nested.and_then(|e| field_text(e.get("code"))),
            details: nested.and_then(|e| e.get("details")).cloned(),
            request_id: field_text(json.get("requestId"))
                .or_else(|| field_text(json.get("request_id"))),
        })
    }
}

/// The `api_id` of a successful JSON answer, as it may be shown. Only that
/// field is decoded: the rest of the body is skipped, not built.
pub(crate) fn api_id_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(default)]
        api_id: Option<Value>,
    }
    let head = serde_json::from_slice::<Head>(body).ok()?;
    field_text(head.api_id.as_ref())
}

/// A JSON value as one clean line of text; `null` and absence are `None`.
fn field_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => clean(s),
        Value::Null => None,
        other => clean(&other.to_string()),
    }
}
