//! What successful calls report: [`Hangup`] for a room, [`Accepted`] for
//! one request Vobiz took, [`MemberOutcome`] for a member action.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::generated::ResponseValue;
use crate::text::clean;

/// The outcome of [`Client::hangup_conference_if_active`](crate::Client::hangup_conference_if_active).
///
/// Serialised as its [`as_str`](Hangup::as_str) name; displayed for people
/// as the same words with spaces ("not active").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hangup {
    /// The conference was running and has been ended (204).
    Ended,
    /// No active conference had that name (404): nothing to end.
    NotActive,
    /// The room is gone, but an earlier attempt's outcome was unknown (a
    /// timeout, a dropped connection, a 5xx) before a retry got 404: most
    /// likely that attempt ended it, but the call cannot tell that from a
    /// room that never existed. Count it apart from [`Hangup::Ended`] in
    /// summaries. [`Client::hangup_conference`](crate::Client::hangup_conference)
    /// treats it as success.
    GoneAfterRetry,
}

impl Hangup {
    /// The outcome's name for machines: `"ended"`, `"not_active"` or
    /// `"gone_after_retry"`. JSON and the audit log's events use it, so
    /// the two always agree.
    pub const fn as_str(self) -> &'static str {
        match self {
            Hangup::Ended => "ended",
            Hangup::NotActive => "not_active",
            Hangup::GoneAfterRetry => "gone_after_retry",
        }
    }
}

impl fmt::Display for Hangup {
    /// The [`as_str`](Hangup::as_str) name with spaces: "not active".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, word) in self.as_str().split('_').enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}

impl Serialize for Hangup {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

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

/// What a member action did: one [`Accepted`] per request sent (more than
/// one only when a long list was split).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MemberOutcome {
    pub(crate) requests: Vec<Accepted>,
}

impl MemberOutcome {
    /// Each request, in the order sent.
    pub fn requests(&self) -> &[Accepted] {
        &self.requests
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
