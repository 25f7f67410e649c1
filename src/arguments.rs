//! An operation's arguments given by name, as JSON: what
//! [`Client::invoke`](crate::Client::invoke) sends, and `vobiz api`'s
//! `--param NAME=VALUE` and `--body`. The generated dispatcher
//! (`generated::dispatch`) takes each argument by the name its page gives
//! it and decodes it into the generated method's own type, so a value that
//! does not fit is refused before anything is sent.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The name under which a request body is given.
const BODY: &str = "body";

/// The parameters and body of one request, by name, as JSON.
///
/// ```
/// let args = vobiz::invoke::Arguments::new()
///     .param("conference_name", "My Room")
///     .param("limit", 20);
/// # let _ = args;
/// ```
#[derive(Debug, Clone, Default)]
pub struct Arguments {
    given: Vec<Given>,
}

#[derive(Debug, Clone)]
struct Given {
    name: String,
    value: Value,
    taken: bool,
}

impl Arguments {
    /// No arguments.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the path or query parameter `name` (as the page names it) to
    /// `value`. A string is read as the parameter's type where it is not a
    /// string parameter: `"20"` for an integer, `"true"` for a boolean.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set(name.into(), value.into());
        self
    }

    /// Sets the request body.
    pub fn body(mut self, body: Value) -> Self {
        self.set(BODY.to_owned(), body);
        self
    }

    /// Whether the parameter `name` is given.
    pub fn has(&self, name: &str) -> bool {
        self.given.iter().any(|g| g.name == name)
    }

    fn set(&mut self, name: String, value: Value) {
        self.given.retain(|g| g.name != name);
        self.given.push(Given {
            name,
            value,
            taken: false,
        });
    }

    /// The argument `name` decoded as `T`; a missing one decodes from
    /// `null` (so an optional one is `None`), a missing body from `{}`.
    pub(crate) fn take<T: DeserializeOwned + Serialize>(
        &mut self,
        name: &str,
    ) -> Result<T, String> {
        let Some(given) = self.given.iter_mut().find(|g| g.name == name) else {
            // An absent body is `{}`: a body type with defaults fills them
            // in (progenitor takes even an optional body as an argument).
            let absent = if name == BODY {
                Value::Object(Default::default())
            } else {
                Value::Null
            };
            return serde_json::from_value(absent).map_err(|e| match name {
                BODY => format!("the body is required: {e}"),
                _ => format!("`{name}` is required"),
            });
        };
        given.taken = true;
        let decoded: T = serde_json::from_value(given.value.clone())
            .or_else(|e| match &given.value {
                Value::String(text) => serde_json::from_str(text).map_err(|_| e),
                _ => Err(e),
            })
            .map_err(|e| format!("`{name}`: {e}"))?;
        match dropped_field(&given.value, &decoded) {
            Some(field) => Err(format!("`{name}` has no field `{field}`")),
            None => Ok(decoded),
        }
    }

    /// Refuses an argument the operation did not take.
    pub(crate) fn finish(&mut self) -> Result<(), String> {
        match self.given.iter().find(|g| !g.taken) {
            Some(g) => Err(format!("this operation has no parameter `{}`", g.name)),
            None => Ok(()),
        }
    }
}

/// A field of `given` that `decoded` lost: a body type drops what its
/// schema does not declare, and a caller would never learn it went unsent.
fn dropped_field(given: &Value, decoded: &impl Serialize) -> Option<String> {
    let Value::Object(fields) = given else {
        return None;
    };
    let kept = serde_json::to_value(decoded).ok()?;
    let kept = kept.as_object()?;
    fields
        .iter()
        .find(|(name, value)| !value.is_null() && !kept.contains_key(*name))
        .map(|(name, _)| name.clone())
}
