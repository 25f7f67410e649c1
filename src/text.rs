//! Server and caller text as it may be shown: one line, nothing invisible,
//! bounded. Every message, error field and successful answer's text passes
//! through `clean`; callers' values quoted in messages through `shorten`.
//! [`one_line`] is the same rule for a program's own messages (the `vobiz`
//! command line's errors go through it), so there is one.

/// At most this much of a server's text is kept.
const MAX_MESSAGE: usize = 1024;

/// One readable line of at most [`MAX_MESSAGE`] bytes (the `…` that marks a
/// cut included), or `None` if blank. Line breaks of every kind (control
/// characters, U+2028, U+2029) become spaces and invisible controls (see
/// [`is_invisible`]) are dropped, so that a server's text can neither split
/// a log line nor turn text around on screen.
pub(crate) fn clean(text: &str) -> Option<String> {
    const ELLIPSIS: char = '…';
    let trimmed = text.trim();
    if is_shown_as_is(trimmed) {
        return (!trimmed.is_empty()).then(|| trimmed.to_owned());
    }
    let mut out = String::with_capacity(trimmed.len().min(MAX_MESSAGE));
    let shown = trimmed.chars().filter(|c| !is_invisible(*c)).map(|c| {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            ' '
        } else {
            c
        }
    });
    for c in shown {
        if out.len() + c.len_utf8() > MAX_MESSAGE {
            // It does not fit: make room for the mark that says so.
            while out.len() + ELLIPSIS.len_utf8() > MAX_MESSAGE {
                out.pop();
            }
            out.push(ELLIPSIS);
            break;
        }
        out.push(c);
    }
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_owned())
}

/// [`clean`] for text the caller owns: text that is shown as it is comes
/// back without a copy.
pub(crate) fn clean_owned(text: String) -> Option<String> {
    if is_shown_as_is(&text) && text.trim() == text {
        return (!text.is_empty()).then_some(text);
    }
    clean(&text)
}

/// Short printable ASCII: what most text is, and what [`clean`] leaves as
/// it is (every character it changes is a control or non-ASCII).
fn is_shown_as_is(text: &str) -> bool {
    text.len() <= MAX_MESSAGE && text.bytes().all(|b| matches!(b, b' '..=b'~'))
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{MAX_MESSAGE, clean};

    /// What `clean` shows of `text` when nothing has to be cut.
    fn shown(text: &str) -> String {
        mapped(text).trim().to_owned()
    }

    /// `text` with each character as `clean` shows it, before the last
    /// trim: a leading control becomes a space, which that trim drops.
    fn mapped(text: &str) -> String {
        text.trim()
            .chars()
            .filter(|c| !super::is_invisible(*c))
            .map(|c| {
                if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                    ' '
                } else {
                    c
                }
            })
            .collect::<String>()
    }

    /// Plain ASCII (the quick path), controls, invisibles, separators and
    /// wide characters, around the bound.
    fn text() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            8 => proptest::char::range(' ', '~'),
            1 => proptest::char::range('\0', '\u{1f}'),
            1 => prop::sample::select(vec!['\u{200B}', '\u{202E}', '\u{2028}', '\u{FEFF}', '\u{85}']),
            1 => prop::sample::select(vec!['é', '€', '😀']),
        ];
        prop_oneof![
            proptest::collection::vec(proptest::char::range(' ', '~'), 1015..1030),
            proptest::collection::vec(c, 0..1100),
        ]
        .prop_map(|chars| chars.into_iter().collect())
    }

    #[test]
    fn a_leading_control_is_trimmed_after_the_cut() {
        // Found by the property below: the control becomes a space, the
        // emoji goes with the cut, and the space is trimmed last.
        let text = format!("\u{1b}{}😀{}", "a".repeat(1017), "b".repeat(10));
        let out = clean(&text).unwrap();
        assert_eq!(out, format!("{}…", "a".repeat(1017)));
    }

    proptest! {
        #[test]
        fn shows_all_that_fits_and_marks_a_cut(text in text()) {
            let full = shown(&text);
            prop_assert_eq!(super::clean_owned(text.clone()), clean(&text));
            match clean(&text) {
                None => prop_assert!(full.is_empty()),
                Some(out) if full.len() <= MAX_MESSAGE => prop_assert_eq!(out, full),
                Some(out) => {
                    let kept = out.strip_suffix('…').expect("a cut is marked");
                    prop_assert!(out.len() <= MAX_MESSAGE, "{} bytes", out.len());
                    prop_assert!(full.starts_with(kept.trim_end()));
                    // Cut only as far as the mark needs (a wide character
                    // may take up to 4 bytes with it), besides the leading
                    // spaces the last trim drops.
                    let mapped = mapped(&text);
                    let lead = mapped.len() - mapped.trim_start().len();
                    prop_assert!(kept.len() + lead + 3 + 4 > MAX_MESSAGE, "{} bytes kept", kept.len());
                }
            }
        }
    }
}
