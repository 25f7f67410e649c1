//! What Vobiz said when it accepted one request ([`Accepted`]), for any
//! operation whose answer acknowledges it.

use serde::Serialize;
use serde_json::Value;

use crate::generated::ResponseValue;
use crate::text::clean;

/// What Vobiz said when it accepted one request. Serialises with the field
/// names of its accessors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    requested: Option<String>,
    status: u16,
    message: Option<String>,
    member_ids: Vec<String>,
    api_id: Option<String>,
}

impl Accepted {
    fn new(requested: Option<&str>, status: u16, body: Option<&Value>) -> Self {
        // Server text, shown and logged: one clean line, like error text.
        let text = |key: &str| {
            body.and_then(|b| b.get(key))
                .and_then(Value::as_str)
                .and_then(clean)
        };
        let member_ids = body
            .and_then(|b| b.get("member_id"))
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| match id {
                        Value::String(s) => clean(s),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Accepted {
            requested: requested.map(str::to_owned),
            status,
            message: text("message"),
            member_ids,
            api_id: text("api_id"),
        }
    }

    /// The `member_id` this request carried (`17`, `10,15`, `all`); `None`
    /// for a conference-wide call.
    pub fn requested(&self) -> Option<&str> {
        self.requested.as_deref()
    }

    /// The success status (202 for queued member actions, 204 for done ones,
    /// 200 for a queued recording).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The server's word for it (`kicked`, `muted`, `async api spawned`).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The member ids the server says it acted on, where it says (202 answers).
    pub fn member_ids(&self) -> &[String] {
        &self.member_ids
    }

    /// Vobiz's `api_id` for the request, where the answer has a body.
    pub fn api_id(&self) -> Option<&str> {
        self.api_id.as_deref()
    }
}

/// A successful answer's body as JSON, if it has one.
pub(crate) trait AnswerBody {
    fn json(&self) -> Option<&Value>;
}

impl AnswerBody for () {
    fn json(&self) -> Option<&Value> {
        None
    }
}

impl AnswerBody for Value {
    fn json(&self) -> Option<&Value> {
        Some(self)
    }
}

impl Accepted {
    pub(crate) fn from_answer<T: AnswerBody>(
        requested: Option<&str>,
        answer: &ResponseValue<T>,
    ) -> Self {
        Accepted::new(requested, answer.status().as_u16(), answer.json())
    }
}
