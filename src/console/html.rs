//! HTML text: escaping, and the frame every page shares. Everything a page
//! shows that came from a server, a caller or a moderator goes through
//! [`esc`]; the pages hold no inline script or style, so the
//! Content-Security-Policy can forbid both.

use std::fmt::Write;

/// `text` with `& < > " '` escaped: safe in element content and in quoted
/// attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    crate::xml::escape(text, &mut out);
    out
}

/// `text` as one URL path segment or query value: every byte but the
/// unreserved ones percent-encoded.
pub(crate) fn url_part(text: &str) -> String {
    crate::path::encode_segment(text)
}

/// A duration to the second, as people read it (`1h 2m 3s`).
pub(crate) fn human(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
}

/// A time (ms since the epoch) in RFC 3339, to the second, UTC.
pub(crate) fn when(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

/// The page around `body`: the navigation, the moderator's name and the
/// sign-out form (which carries `csrf`).
pub(crate) fn page(title: &str, moderator: &str, csrf: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · vobiz console</title>\
         <link rel=\"stylesheet\" href=\"/assets/console.css\">\
         <script src=\"/assets/console.js\" defer></script></head><body>\
         <header><nav><a href=\"/\">Live rooms</a> <a href=\"/schedules\">Schedules</a> \
         <a href=\"/rules\">Rules</a> <a href=\"/audit\">Audit</a></nav>\
         <form method=\"post\" action=\"/signout\" class=\"who\"><span data-moderator>{who}</span> \
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\"><button>Sign out</button></form>\
         </header><main><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title),
        who = esc(moderator),
        csrf = esc(csrf),
    );
    out
}

/// A page for someone not signed in (no navigation).
pub(crate) fn bare_page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} · vobiz console</title>\
         <link rel=\"stylesheet\" href=\"/assets/console.css\"></head><body>\
         <main class=\"narrow\"><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title)
    )
}

/// A POST form of one button, with the CSRF token and hidden fields.
pub(crate) fn button_form(
    action: &str,
    csrf: &str,
    fields: &[(&str, &str)],
    label: &str,
    data_action: &str,
) -> String {
    let mut out = format!(
        "<form method=\"post\" action=\"{}\" class=\"inline\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(action),
        esc(csrf)
    );
    for (name, value) in fields {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(name),
            esc(value)
        );
    }
    let _ = write!(
        out,
        "<button data-action=\"{}\">{}</button></form>",
        esc(data_action),
        esc(label)
    );
    out
}

/// A notice above a page's content: what an action came to.
pub(crate) fn flash(text: &str, ok: bool) -> String {
    format!(
        "<p class=\"flash {}\" role=\"status\" data-outcome>{}</p>",
        if ok { "ok" } else { "bad" },
        esc(text)
    )
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_is_text() {
        assert_eq!(
            esc("<b onclick='x'>\"R&D\"</b>"),
            "&lt;b onclick=&apos;x&apos;&gt;&quot;R&amp;D&quot;&lt;/b&gt;"
        );
    }
}
