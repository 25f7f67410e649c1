//! What an answer's JSON body says of itself: its `api_id` and, for an
//! error, the server's text, code, details and request id. The transport
//! reads it once, where it redacts the body, and hands it on with the
//! answer; the error built from that answer and the audit event take it
//! from there rather than parsing the body again.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::text::{clean, clean_owned};

/// What a body said, each text as it may be shown (see [`clean`]).
/// Travels with the answer it was read from (`transport::Heard`), in the
/// call's report and in the error made from it.
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
        let top = Top::of(body)?;
        let mut said = Said {
            api_id: field_text(top.api_id),
            request_id: field_text(top.request_id_camel).or_else(|| field_text(top.request_id)),
            ..Said::default()
        };
        match top.error {
            Some(Value::Object(mut nested)) => {
                said.message = field_text(nested.remove("message"));
                said.code = field_text(nested.remove("code"));
                said.details = nested.remove("details");
            }
            error => said.message = field_text(error).or_else(|| field_text(top.message)),
        }
        Some(said)
    }

    /// What a successful JSON answer said: its `api_id`, as it may be
    /// shown; `None` without one.
    pub(crate) fn of_success(body: &[u8]) -> Option<Said> {
        let api_id = field_text(Top::of(body)?.api_id);
        api_id.is_some().then(|| Said {
            api_id,
            ..Said::default()
        })
    }
}

/// The fields of a body's top level that say something of the answer;
/// the others are skipped, not built.
#[derive(Default, Deserialize)]
struct Top {
    api_id: Option<Value>,
    error: Option<Value>,
    message: Option<Value>,
    #[serde(rename = "requestId")]
    request_id_camel: Option<Value>,
    request_id: Option<Value>,
}

impl Top {
    /// `None` when the body is not JSON.
    fn of(body: &[u8]) -> Option<Top> {
        if let Ok(top) = serde_json::from_slice::<Top>(body) {
            return Some(top);
        }
        // Valid JSON the quick read refuses: not an object (nothing to
        // say), or a key given twice, where the last one counts.
        let mut fields = match serde_json::from_slice::<Value>(body).ok()? {
            Value::Object(fields) => fields,
            _ => Map::new(),
        };
        let mut take = |key: &str| fields.remove(key);
        Some(Top {
            api_id: take("api_id"),
            error: take("error"),
            message: take("message"),
            request_id_camel: take("requestId"),
            request_id: take("request_id"),
        })
    }
}

/// A JSON value as one clean line of text; `null` and absence are `None`.
fn field_text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(s) => clean_owned(s),
        Value::Null => None,
        other => clean(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::Said;

    /// What `Said::of_error` must find, read off the body as any JSON.
    fn expected(body: &[u8]) -> Option<Said> {
        let json: Value = serde_json::from_slice(body).ok()?;
        let text = |v: Option<&Value>| match v? {
            Value::String(s) => crate::text::clean(s),
            Value::Null => None,
            other => crate::text::clean(&other.to_string()),
        };
        let nested = json.get("error").filter(|e| e.is_object());
        Some(Said {
            api_id: text(json.get("api_id")),
            message: match nested {
                Some(e) => text(e.get("message")),
                None => text(json.get("error")).or_else(|| text(json.get("message"))),
            },
            code: nested.and_then(|e| text(e.get("code"))),
            details: nested.and_then(|e| e.get("details")).cloned(),
            request_id: text(json.get("requestId")).or_else(|| text(json.get("request_id"))),
        })
    }

    fn field() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            "[ -~]{0,12}|.{0,6}".prop_map(Value::from),
            Just(json!(["a", 1])),
            Just(json!({"code": "E1", "message": "bad\nthing", "details": {"k": 1}})),
            Just(json!({"message": null})),
        ]
    }

    fn body() -> impl Strategy<Value = Vec<u8>> {
        let key = prop::sample::select(vec![
            "api_id",
            "error",
            "message",
            "requestId",
            "request_id",
            "other",
        ]);
        let object = proptest::collection::vec((key, field()), 0..6).prop_map(|pairs| {
            // Written by hand so that a key may come twice.
            let fields: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{v}", Value::from(*k)))
                .collect();
            format!("{{{}}}", fields.join(",")).into_bytes()
        });
        prop_oneof![
            8 => object,
            1 => field().prop_map(|v| v.to_string().into_bytes()),
            1 => "[ -~]{0,20}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        /// The quick read says what reading the whole body as JSON says,
        /// duplicate keys, nulls and odd types included.
        #[test]
        fn reads_what_the_whole_json_says(body in body()) {
            prop_assert_eq!(Said::of_error(&body), expected(&body));
            let api_id = expected(&body).and_then(|s| s.api_id);
            prop_assert_eq!(Said::of_success(&body).and_then(|s| s.api_id), api_id);
        }
    }
}
