//! Server and caller text as it may be shown: one line, nothing invisible,
//! bounded. Every message, error field and successful answer's text passes
//! through `clean`; callers' values quoted in messages through `shorten`.
//! [`one_line`] is the same rule for a program's own messages (the `vobiz`
//! command line's errors go through it), so there is one.

use serde_json::Value;

/// At most this much of a server's text is kept.
const MAX_MESSAGE: usize = 1024;

/// One readable line of at most [`MAX_MESSAGE`] bytes (the `…` that marks a
/// cut included), or `None` if blank. Line breaks of every kind (control
/// characters, U+2028, U+2029) become spaces and invisible controls (see
/// [`is_invisible`]) are dropped, so that a server's text can neither split
/// a log line nor turn text around on screen.
pub(crate) fn clean(text: &str) -> Option<String> {
    const ELLIPSIS: char = '…';
    let mut out = String::new();
    let mut chars = text.trim().chars().filter(|c| !is_invisible(*c)).peekable();
    while let Some(c) = chars.next() {
        let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            ' '
        } else {
            c
        };
        let room = if chars.peek().is_some() {
            MAX_MESSAGE - ELLIPSIS.len_utf8()
        } else {
            MAX_MESSAGE
        };
        if out.len() + c.len_utf8() > room {
            out.push(ELLIPSIS);
            break;
        }
        out.push(c);
    }
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_owned())
}

/// `text` as one readable line: line breaks of every kind become spaces,
/// bidirectional and zero-width controls are dropped, and at most 1 KiB is
/// kept (a cut is marked `…`); blank text is the empty string.
pub fn one_line(text: &str) -> String {
    clean(text).unwrap_or_default()
}

/// The characters [`clean`] drops: bidirectional controls, and the
/// zero-width ones that hide between letters.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A caller's value, quoted and cut to a readable length, for messages.
pub(crate) fn shorten(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    match value.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
        None => format!("{value:?}"),
    }
}

/// The `api_id` of a JSON body, and its error text if `error` is set,
/// each as it may be shown.
pub(crate) fn said_in(body: &[u8], error: bool) -> (Option<String>, Option<String>) {
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let message = error.then(|| error_message(&json)).flatten();
    (field_text(json.get("api_id")), message)
}

/// The error text of a JSON error body, in either shape Vobiz's pages
/// show: `{"error": {"message": ...}}`, or `{"error": ...}` or
/// `{"message": ...}` at the top.
pub(crate) fn error_message(json: &Value) -> Option<String> {
    match json.get("error").filter(|e| e.is_object()) {
        Some(nested) => field_text(nested.get("message")),
        None => field_text(json.get("error")).or_else(|| field_text(json.get("message"))),
    }
}

/// A JSON value as one clean line of text; `null` and absence are `None`.
pub(crate) fn field_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => clean(s),
        Value::Null => None,
        other => clean(&other.to_string()),
    }
}
