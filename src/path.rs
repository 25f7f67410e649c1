//! What may go into a URL path segment, and the check that a request's path
//! is exactly the one its operation was generated from.
//!
//! This module is the single home of that rule. Two things together make
//! every generated operation path-safe:
//!
//! 1. [`encode_segment`] replaces progenitor's `encode_path` in the generated
//!    code (see [`crate::generated`]). It percent-encodes every byte outside
//!    RFC 3986's *unreserved* set (`A-Z a-z 0-9 - . _ ~`), so a value can never
//!    contribute a `/`, a `\` (which the `url` crate reads as `/`), a `?`, a
//!    `#` or a `%` of its own.
//!
//!    That includes the comma of a member list (`member_id` `10,15,22` goes
//!    as `10%2C15%2C22`). RFC 3986 (section 2.2) wants a reserved character
//!    raw only where it acts as a delimiter of the URI's own syntax, and
//!    percent-encoded where it is data. Vobiz's spec declares `member_id` one
//!    `string` path parameter (style `simple`), whose expansion (RFC 6570,
//!    section 3.2.2) percent-encodes every reserved character: the list is
//!    one value, and the comma is part of it. The server decodes the segment
//!    before it reads the ids, and gets exactly `10,15,22`, the form the docs
//!    show. A raw comma would be the serialisation of an array parameter,
//!    which this one is not: a validating server (Prism, in
//!    `tests/contract.rs`) refuses it.
//! 2. After that, the only values that can still change which resource a URL
//!    names are `""`, `"."` and `".."`: the `url` crate resolves dot segments
//!    (also when written `%2e`) and an empty segment collapses into `//`.
//!    [`check_path`] runs in the pre-request hook of every operation and
//!    compares the final URL with the operation's path template: a dot
//!    segment always removes a segment or empties one, so any such value is
//!    caught before a byte is sent.

/// Percent-encodes a value for use as (part of) one path segment.
///
/// The output consists only of unreserved characters and `%XX` escapes and
/// percent-decodes (as UTF-8) to exactly `value`.
pub fn encode_segment(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    // Runs of unreserved bytes are copied whole: names are mostly that.
    let mut rest = value;
    while let Some(at) = rest.bytes().position(|b| !is_unreserved(b)) {
        // `at` follows ASCII (or is 0), so it is a character boundary.
        let (run, escaped) = rest.split_at(at);
        out.push_str(run);
        let mut chars = escaped.chars();
        if let Some(c) = chars.next() {
            for b in c.encode_utf8(&mut [0; 4]).bytes() {
                out.extend([
                    '%',
                    char::from(HEX[usize::from(b >> 4)]),
                    char::from(HEX[usize::from(b & 15)]),
                ]);
            }
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out
}

/// RFC 3986's unreserved characters: the only bytes sent as they are.
fn is_unreserved(b: u8) -> bool {
    UNRESERVED[usize::from(b)]
}

/// [`is_unreserved`] as a table: it is asked of every byte of every path.
const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~');
        b += 1;
    }
    table
};

/// Why a value cannot be a whole path segment, if it cannot.
///
/// `""`, `"."` and `".."` are the only strings that, once encoded by
/// [`encode_segment`], do not name exactly one segment.
pub fn segment_problem(value: &str) -> Option<&'static str> {
    match value {
        "" => Some("must not be empty"),
        "." | ".." => Some("must not be `.` or `..`, which URLs resolve to a different path"),
        _ => None,
    }
}

/// Checks that `path` (a request URL's path) is `base_path` followed by the
/// template `segments` (split at `/`; `None` where a parameter goes), each
/// parameter segment a non-empty run of unreserved characters and `%XX`
/// escapes, and not `.` or `..`.
///
/// On failure returns why, for the operation with path `template`.
pub fn check_path(
    path: &str,
    base_path: &str,
    segments: &[Option<&str>],
    template: &str,
) -> Result<(), String> {
    let fits = path
        .strip_prefix(base_path)
        .is_some_and(|rest| matches_segments(rest, segments));
    if fits {
        return Ok(());
    }
    Err(format!(
        "each parameter of `{template}` must be one path segment: a value that is empty, \
         `.` or `..` cannot name a single resource"
    ))
}

fn matches_segments(path: &str, segments: &[Option<&str>]) -> bool {
    // One pass, front to back: a literal segment is one comparison, a
    // parameter one scan of its bytes, and `/` must come between them.
    let path = path.as_bytes();
    let mut at = 0;
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            if path.get(at) != Some(&b'/') {
                return false;
            }
            at += 1;
        }
        let end = match segment {
            Some(literal) => {
                let end = at + literal.len();
                if path.get(at..end) != Some(literal.as_bytes()) {
                    return false;
                }
                end
            }
            None => match encoded_segment_end(path, at) {
                Some(end) => end,
                None => return false,
            },
        };
        at = end;
    }
    at == path.len()
}

/// Where the parameter segment that starts at `start` ends (at the next
/// `/`, or the end), if it is a non-empty segment that [`encode_segment`]
/// could have produced and that no URL parser treats as a dot segment.
fn encoded_segment_end(path: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while let Some(&b) = path.get(i) {
        match b {
            b'/' => break,
            b'%' if path
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) =>
            {
                i += 3
            }
            b if is_unreserved(b) => i += 1,
            _ => return None,
        }
    }
    (!matches!(&path[start..i], b"" | b"." | b"..")).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[Option<&str>] = &[
        Some(""),
        Some("api"),
        Some("v1"),
        Some("Account"),
        None,
        Some("Conference"),
        None,
        Some(""),
    ];

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode_segment("a b/c\\d;e.f~g"), "a%20b%2Fc%5Cd%3Be.f~g");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn template_check() {
        assert!(check_path("/api/v1/Account/A/Conference/r%20x/", "", T, "t").is_ok());
        assert!(check_path("/p/api/v1/Account/A/Conference/r/", "/p", T, "t").is_ok());
        // What the url crate leaves of ".", ".." and "" in conference_name.
        for bad in [
            "/api/v1/Account/A/Conference/",
            "/api/v1/Account/A/",
            "/api/v1/Account/A/Conference//",
            "/api/v1/Account/A/Conference/a/b/",
            "/api/v1/Account/A/Conference/a;b/",
        ] {
            assert!(check_path(bad, "", T, "t").is_err(), "{bad}");
        }
    }
}
