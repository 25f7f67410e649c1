//! The one redaction rule: the auth token never reaches a caller, a log or
//! a trace, whatever a server does with it.
//!
//! A server can echo the token back as it is, percent-encoded (`%74ok`, in
//! either case), JSON-escaped (`tok\/en`, `\u0074ok`), as an HTML character
//! reference, or any mix of these, up to three layers deep (`%255C`).
//! [`Redactor::scrub`] decodes those layers while remembering where each
//! decoded byte came from, finds the token in any layer, and replaces the
//! original bytes that spelled it with `<redacted>`. Everything else stays as
//! it was.
//!
//! The hooks apply it to every response before anything else reads it:
//! every header value (`Location`, `WWW-Authenticate`, anything) and every
//! body, error or success. Configuration errors apply it to what they echo.
//! Errors, `Debug` output, audit events and spans are all built from that
//! scrubbed text, so this is the only place the rule lives.

use std::borrow::Cow;
use std::ops::Range;

/// What replaces the token.
pub(crate) const REDACTED: &str = "<redacted>";

/// How many layers of encoding are looked through.
const LAYERS: usize = 3;

/// Scrubs one secret out of text.
#[derive(Clone)]
pub(crate) struct Redactor {
    secret: Box<[u8]>,
}

impl Redactor {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Redactor {
            secret: secret.into(),
        }
    }

    /// `input` with every spelling of the secret replaced by `<redacted>`.
    pub(crate) fn scrub<'a>(&self, input: &'a [u8]) -> Cow<'a, [u8]> {
        let hits = self.hits(input);
        if hits.is_empty() {
            return Cow::Borrowed(input);
        }
        let mut out = Vec::with_capacity(input.len());
        let mut at = 0;
        for hit in hits {
            out.extend_from_slice(&input[at..hit.start]);
            out.extend_from_slice(REDACTED.as_bytes());
            at = hit.end;
        }
        out.extend_from_slice(&input[at..]);
        Cow::Owned(out)
    }

    /// [`scrub`](Self::scrub) for text.
    pub(crate) fn scrub_str<'a>(&self, input: &'a str) -> Cow<'a, str> {
        match self.scrub(input.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(input),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// The ranges of `input` that spell the secret, sorted and merged.
    fn hits(&self, input: &[u8]) -> Vec<Range<usize>> {
        if self.secret.is_empty() {
            return Vec::new();
        }
        let len = self.secret.len();
        // Most text holds no escape at all: then only the text itself can
        // spell the secret, and nothing needs decoding (or allocating).
        if !input.iter().any(|b| matches!(b, b'%' | b'\\' | b'&')) {
            return merge(
                find_all(input, &self.secret)
                    .map(|at| at..at + len)
                    .collect(),
            );
        }
        let mut hits = Vec::new();
        // Layer 0 is the input itself; each map entry is the range of the
        // input that one decoded byte came from.
        let mut layer: Vec<u8> = input.to_vec();
        let mut map: Vec<Range<usize>> = (0..input.len()).map(|i| i..i + 1).collect();
        for depth in 0..=LAYERS {
            for start in find_all(&layer, &self.secret) {
                let end = start + len - 1;
                hits.push(map[start].start..map[end].end);
            }
            if depth == LAYERS {
                break;
            }
            let (decoded, inner) = decode_layer(&layer);
            if decoded == layer {
                break;
            }
            map = inner
                .iter()
                .map(|r| map[r.start].start..map[r.end - 1].end)
                .collect();
            layer = decoded;
        }
        merge(hits)
    }
}

fn find_all(haystack: &[u8], needle: &[u8]) -> impl Iterator<Item = usize> {
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(move |(_, w)| *w == needle)
        .map(|(i, _)| i)
}

fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// One layer of decoding: `%XX`, JSON escapes and numeric HTML character
/// references become the bytes they stand for; each output byte comes with
/// the range of `input` it was decoded from.
fn decode_layer(input: &[u8]) -> (Vec<u8>, Vec<Range<usize>>) {
    let mut out = Vec::with_capacity(input.len());
    let mut map = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let (bytes, used) = escape_at(input, i).unwrap_or_else(|| (vec![input[i]], 1));
        for b in bytes {
            out.push(b);
            map.push(i..i + used);
        }
        i += used;
    }
    (out, map)
}

/// The escape starting at `input[i]`, if there is one: its bytes, and how
/// many input bytes it spans.
fn escape_at(input: &[u8], i: usize) -> Option<(Vec<u8>, usize)> {
    let rest = &input[i..];
    match rest.first()? {
        b'%' => {
            let byte = u8::from_str_radix(std::str::from_utf8(rest.get(1..3)?).ok()?, 16).ok()?;
            Some((vec![byte], 3))
        }
        b'\\' => json_escape(rest),
        b'&' if rest.get(1) == Some(&b'#') => html_reference(rest),
        _ => None,
    }
}

fn json_escape(rest: &[u8]) -> Option<(Vec<u8>, usize)> {
    let simple = |b: u8| Some((vec![b], 2));
    match rest.get(1)? {
        b'/' => simple(b'/'),
        b'\\' => simple(b'\\'),
        b'"' => simple(b'"'),
        b'\'' => simple(b'\''),
        b'n' => simple(b'\n'),
        b't' => simple(b'\t'),
        b'r' => simple(b'\r'),
        b'b' => simple(8),
        b'f' => simple(12),
        b'u' => {
            let unit = |at: usize| {
                let hex = std::str::from_utf8(rest.get(at..at + 4)?).ok()?;
                u32::from_str_radix(hex, 16).ok()
            };
            let high = unit(2)?;
            let (code, used) = if (0xD800..0xDC00).contains(&high)
                && rest.get(6..8) == Some(b"\\u")
                && let Some(low @ 0xDC00..0xE000) = unit(8)
            {
                (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 12)
            } else {
                (high, 6)
            };
            let c = char::from_u32(code)?;
            Some((c.to_string().into_bytes(), used))
        }
        _ => None,
    }
}

/// `&#NN;` or `&#xHH;`.
fn html_reference(rest: &[u8]) -> Option<(Vec<u8>, usize)> {
    let end = rest.iter().take(12).position(|&b| b == b';')?;
    let body = std::str::from_utf8(&rest[2..end]).ok()?;
    let code = match body.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => body.parse().ok()?,
    };
    let c = char::from_u32(code)?;
    Some((c.to_string().into_bytes(), end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "tok/SECRET+9";

    fn scrub(input: &str) -> String {
        Redactor::new(TOKEN.as_bytes())
            .scrub_str(input)
            .into_owned()
    }

    #[test]
    fn every_spelling_is_replaced_and_nothing_else() {
        for spelled in [
            TOKEN.to_owned(),
            "tok%2FSECRET%2B9".to_owned(),
            "tok%2fSECRET%2b9".to_owned(),
            "%74%6F%6B%2F%53ECRET+9".to_owned(),
            "tok\\/SECRET+9".to_owned(),
            "\\u0074ok\\/SECRET\\u002B9".to_owned(),
            "tok&#47;SECRET&#x2B;9".to_owned(),
            "tok%252FSECRET%252B9".to_owned(),
            "tok\\u00252FSECRET+9".to_owned(),
        ] {
            assert_eq!(
                scrub(&format!("bad token {spelled}!")),
                "bad token <redacted>!",
                "{spelled}"
            );
        }
        assert_eq!(
            scrub("nothing here %zz \\q &#;"),
            "nothing here %zz \\q &#;"
        );
        assert_eq!(scrub("tok/SECRET+8"), "tok/SECRET+8");
    }
}
