//! The one redaction rule: the auth token never reaches a caller, a log or
//! a trace, whatever a server does with it.
//!
//! A server can echo the token back as it is, percent-encoded (`%74ok`, in
//! either case), JSON-escaped (`tok\/en`, `\u0074ok`), as an HTML character
//! reference (`&#47;`, `&#x2F;`, `&#00047;`, `&#47` without its `;`, or
//! named: `&sol;`), any mix of these up to three layers deep (`%255C`), with
//! invisible characters inside it, or with its white space changed.
//! [`Redactor::scrub`] reads the text the way the cleaner that shows it
//! does, and the way each decoder would: every layer of it is first made
//! canonical (bidirectional and zero-width controls dropped, every control
//! and line or paragraph separator a space, as [`crate::text::clean`] shows
//! them), then searched for each spelling of the token, then decoded once
//! more. The spellings are the token and its own decodings (a token that
//! itself holds `%41` or `\"` is found however many of its escapes a server
//! resolved), made canonical the same way, and are computed once, when the
//! client is built. The original bytes behind every hit are replaced with
//! [`REDACTED`]; everything else stays as it was.
//!
//! The cost is linear in the input: one scan when it holds no escape, no
//! control and nothing but ASCII (the common case), otherwise one pass per
//! layer, with memory for one decoded copy and a record per escape (never
//! per byte). Header names are searched too, without regard to case,
//! because HTTP lower-cases them.
//!
//! The hooks apply it to every response before anything else reads it:
//! every header name and value and every body, error or success.
//! Configuration errors apply it to what they echo. Errors, `Debug` output,
//! audit events and spans are all built from that scrubbed text, so this is
//! the only place the rule lives.
//!
//! Not recognised: a token transformed some other way (base64, reversed,
//! split across fields), and a spelling longer than the 64 KiB of slack read
//! past an error body's bound.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use memchr::memmem::Finder;

mod escapes;
use escapes::escape_at;

/// What replaces the token.
pub(crate) const REDACTED: &str = "<redacted>";

/// Text up to this long is first checked for the first byte of a
/// spelling before that spelling is searched for.
const SHORT_TEXT: usize = 256;

/// How many layers of encoding are looked through.
const LAYERS: usize = 3;

/// Scrubs one secret out of text.
#[derive(Clone)]
pub(crate) struct Redactor(Arc<Spellings>);

struct Spellings {
    /// The canonical forms of the secret and of each of its decodings.
    exact: Vec<Finder<'static>>,
    /// The same, lower-cased, for text HTTP lower-cases (header names).
    folded: Vec<Finder<'static>>,
}

impl Redactor {
    pub(crate) fn new(secret: &[u8]) -> Self {
        let mut forms: Vec<Vec<u8>> = Vec::new();
        let mut form = canonical(secret, false).text;
        for _ in 0..=LAYERS {
            if !form.is_empty() && !forms.contains(&form) {
                forms.push(form.clone());
            }
            form = canonical(&form, true).text;
        }
        let finders = |fold: bool| {
            let mut seen: Vec<Vec<u8>> = Vec::new();
            for f in &forms {
                let f = if fold {
                    f.to_ascii_lowercase()
                } else {
                    f.clone()
                };
                if !seen.contains(&f) {
                    seen.push(f);
                }
            }
            seen.iter()
                .map(|f| Finder::new(f).into_owned())
                .collect::<Vec<_>>()
        };
        Redactor(Arc::new(Spellings {
            exact: finders(false),
            folded: finders(true),
        }))
    }

    /// `input` with every spelling of the secret replaced by `<redacted>`.
    pub(crate) fn scrub<'a>(&self, input: &'a [u8]) -> Cow<'a, [u8]> {
        replace(input, self.hits(input, &self.0.exact, false))
    }

    /// [`scrub`](Self::scrub) ignoring ASCII case, for header names.
    pub(crate) fn scrub_folded<'a>(&self, input: &'a [u8]) -> Cow<'a, [u8]> {
        replace(input, self.hits(input, &self.0.folded, true))
    }

    /// [`scrub`](Self::scrub) for text.
    pub(crate) fn scrub_str<'a>(&self, input: &'a str) -> Cow<'a, str> {
        match self.scrub(input.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(input),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// The ranges of `input` that spell the secret, sorted and merged.
    fn hits(&self, input: &[u8], finders: &[Finder<'static>], fold: bool) -> Vec<Range<usize>> {
        if finders.is_empty() {
            return Vec::new();
        }
        let search = |text: &[u8], found: &mut dyn FnMut(Range<usize>)| {
            // Header names arrive lower-cased already: no copy for them.
            let folded;
            let text = if fold && text.iter().any(u8::is_ascii_uppercase) {
                folded = text.to_ascii_lowercase();
                &folded[..]
            } else {
                text
            };
            // A spelling longer than the text cannot be in it (most
            // header values are shorter than a token), nor one whose first
            // byte it lacks: for short text, one `memchr` settles most of
            // them, where setting up the substring search costs more.
            let could_hold = |needle: &[u8]| {
                needle.len() <= text.len()
                    && (text.len() > SHORT_TEXT
                        || needle
                            .first()
                            .is_some_and(|&b| memchr::memchr(b, text).is_some()))
            };
            for finder in finders.iter().filter(|f| could_hold(f.needle())) {
                for at in finder.find_iter(text) {
                    found(at..at + finder.needle().len());
                }
            }
        };
        let mut hits = Vec::new();
        // Most text is plain: nothing to make canonical, nothing to decode.
        if is_plain(input) {
            search(input, &mut |r| hits.push(r));
            return merge(hits);
        }
        let mut layers: Vec<Layer> = Vec::with_capacity(LAYERS + 1);
        let mut next = canonical(input, false);
        loop {
            search(&next.text, &mut |r| {
                hits.push(
                    layers
                        .iter()
                        .rev()
                        .fold(next.source_of(r.clone()), |r, l| l.source_of(r)),
                );
            });
            let done = layers.len() == LAYERS || !has_escape(&next.text);
            let decoded = (!done).then(|| canonical(&next.text, true));
            layers.push(next);
            match decoded {
                Some(d) => next = d,
                None => break,
            }
        }
        merge(hits)
    }
}

/// `input` with each range replaced by [`REDACTED`].
fn replace(input: &[u8], hits: Vec<Range<usize>>) -> Cow<'_, [u8]> {
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

/// Printable ASCII with no escape character: already canonical, and
/// nothing in it decodes.
fn is_plain(input: &[u8]) -> bool {
    input.iter().all(|&b| PLAIN[usize::from(b)])
}

/// [`is_plain`]'s bytes as a table: it is asked of every byte of every
/// answer.
const PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0x20;
    while b < 0x7f {
        table[b] = !matches!(b as u8, b'%' | b'\\' | b'&');
        b += 1;
    }
    table
};

fn has_escape(text: &[u8]) -> bool {
    memchr::memchr3(b'%', b'\\', b'&', text).is_some()
}

/// One layer of text and where its bytes came from in the layer below.
struct Layer {
    text: Vec<u8>,
    /// Every place the text differs in length or origin from the layer
    /// below, in order; between them, bytes map one to one.
    edits: Vec<Edit>,
}

/// `out_len` bytes at `out` came from the `in_len` bytes at `at` below.
#[derive(Clone, Copy)]
struct Edit {
    out: usize,
    out_len: usize,
    at: usize,
    in_len: usize,
}

impl Layer {
    /// The range of the layer below that `range` of this one came from.
    fn source_of(&self, range: Range<usize>) -> Range<usize> {
        let start = self.source_byte(range.start).start;
        let end = self
            .source_byte(range.end.saturating_sub(1).max(range.start))
            .end;
        start..end
    }

    fn source_byte(&self, i: usize) -> Range<usize> {
        let k = self.edits.partition_point(|e| e.out <= i);
        let Some(edit) = k.checked_sub(1).map(|k| self.edits[k]) else {
            return i..i + 1;
        };
        if i < edit.out + edit.out_len {
            edit.at..edit.at + edit.in_len
        } else {
            let at = edit.at + edit.in_len + (i - edit.out - edit.out_len);
            at..at + 1
        }
    }
}

/// `input` as the cleaner shows it (see the module docs), with one layer of
/// escapes decoded if `decode`.
fn canonical(input: &[u8], decode: bool) -> Layer {
    let mut text = Vec::with_capacity(input.len());
    let mut edits = Vec::new();
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        let escape = if decode { escape_at(input, i) } else { None };
        let (c, used) = match escape {
            Some(found) => found,
            None if b < 0x80 => (b as char, 1),
            None => match utf8_char_at(input, i) {
                Some(found) => found,
                None => {
                    text.push(b);
                    i += 1;
                    continue;
                }
            },
        };
        let before = text.len();
        if !crate::text::is_invisible(c) {
            let shown = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            };
            let mut buf = [0u8; 4];
            text.extend_from_slice(shown.encode_utf8(&mut buf).as_bytes());
        }
        let out_len = text.len() - before;
        if out_len != used || escape.is_some() {
            edits.push(Edit {
                out: before,
                out_len,
                at: i,
                in_len: used,
            });
        }
        i += used;
    }
    Layer { text, edits }
}

/// The UTF-8 character starting at `input[i]`, and its length.
fn utf8_char_at(input: &[u8], i: usize) -> Option<(char, usize)> {
    let len = match input[i] {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(input.get(i..i + len)?)
        .ok()?
        .chars()
        .next()?;
    Some((c, len))
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
            "tok&sol;SECRET&plus;9".to_owned(),
            "tok&#47SECRET&#0000043;9".to_owned(),
            "to\u{202A}k/SEC\u{200E}RET+9".to_owned(),
            "tok/SE\\u202aCRET+9".to_owned(),
        ] {
            assert_eq!(
                scrub(&format!("bad token {spelled}!")),
                "bad token <redacted>!",
                "{spelled}"
            );
        }
        assert_eq!(
            scrub("nothing here %zz \\q &#; &bogus; \u{202a}x"),
            "nothing here %zz \\q &#; &bogus; \u{202a}x"
        );
        assert_eq!(scrub("tok/SECRET+8"), "tok/SECRET+8");
    }

    #[test]
    fn a_token_with_escapes_of_its_own_is_found_half_decoded() {
        let r = Redactor::new(b"p%41ss/word-1234");
        for echoed in ["p%41ss\\/word-1234", "pAss/word-1234", "p%2541ss/word-1234"] {
            assert_eq!(r.scrub_str(echoed), REDACTED, "{echoed}");
        }
        let spaced = Redactor::new(b"with space-123");
        assert_eq!(spaced.scrub_str("x with\tspace-123"), "x <redacted>");
    }

    #[test]
    fn header_names_are_searched_without_case() {
        let r = Redactor::new(TOKEN.as_bytes());
        assert_eq!(&*r.scrub_folded(b"tok%2fsecret%2b9"), REDACTED.as_bytes());
        assert_eq!(&*r.scrub_folded(b"x-plain"), b"x-plain");
    }
}
