//! The escapes a server can spell the token with, one decoder each:
//! `%XX` (a multi-byte character as its bytes), JSON's backslash escapes,
//! and HTML's character references as browsers read them.

/// The escape starting at `input[i]`, if there is one: the character it
/// stands for, and how many input bytes it spans.
pub(super) fn escape_at(input: &[u8], i: usize) -> Option<(char, usize)> {
    let rest = &input[i..];
    match rest.first()? {
        b'%' => {
            let byte = hex_value(rest.get(1..3)?)?;
            // A percent-encoded byte of a multi-byte character is decoded
            // with the bytes that follow it.
            if byte < 0x80 {
                return Some((byte as char, 3));
            }
            percent_utf8(rest, byte)
        }
        b'\\' => json_escape(rest),
        b'&' => html_reference(rest),
        _ => None,
    }
}

fn hex_value(digits: &[u8]) -> Option<u8> {
    u8::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// A character spelled as several `%XX` bytes.
fn percent_utf8(rest: &[u8], lead: u8) -> Option<(char, usize)> {
    let len = match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => return None,
    };
    let mut bytes = [0u8; 4];
    for (k, byte) in bytes.iter_mut().enumerate().take(len) {
        let at = k * 3;
        if rest.get(at) != Some(&b'%') {
            return None;
        }
        *byte = hex_value(rest.get(at + 1..at + 3)?)?;
    }
    let c = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    Some((c, len * 3))
}

fn json_escape(rest: &[u8]) -> Option<(char, usize)> {
    let simple = |c: char| Some((c, 2));
    match rest.get(1)? {
        b'/' => simple('/'),
        b'\\' => simple('\\'),
        b'"' => simple('"'),
        b'\'' => simple('\''),
        b'n' => simple('\n'),
        b't' => simple('\t'),
        b'r' => simple('\r'),
        b'b' => simple('\u{8}'),
        b'f' => simple('\u{c}'),
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
            Some((char::from_u32(code)?, used))
        }
        _ => None,
    }
}

/// `&#NN;`, `&#xHH;` (any number of leading zeros, `;` optional, as HTML
/// reads them), or a named reference to an ASCII character.
fn html_reference(rest: &[u8]) -> Option<(char, usize)> {
    if rest.get(1) == Some(&b'#') {
        let hex = matches!(rest.get(2), Some(b'x' | b'X'));
        let start = if hex { 3 } else { 2 };
        let radix = if hex { 16 } else { 10 };
        let digits = rest[start..]
            .iter()
            .take_while(|b| (**b as char).is_digit(radix))
            .count();
        if digits == 0 {
            return None;
        }
        let mut code: u32 = 0;
        for &b in &rest[start..start + digits] {
            let digit = (b as char).to_digit(radix)?;
            code = code.saturating_mul(radix).saturating_add(digit);
        }
        let end = start + digits;
        let used = if rest.get(end) == Some(&b';') {
            end + 1
        } else {
            end
        };
        return Some((char::from_u32(code)?, used));
    }
    let name_len = rest[1..]
        .iter()
        .take(32)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    let name = std::str::from_utf8(&rest[1..1 + name_len]).ok()?;
    let c = named(name)?;
    let used = if rest.get(1 + name_len) == Some(&b';') {
        2 + name_len
    } else if LEGACY.contains(&name) {
        1 + name_len
    } else {
        return None;
    };
    Some((c, used))
}

/// The named references HTML also reads without a `;`.
const LEGACY: [&str; 9] = ["amp", "AMP", "lt", "LT", "gt", "GT", "quot", "QUOT", "nbsp"];

/// HTML's names for the ASCII characters (and the no-break space).
fn named(name: &str) -> Option<char> {
    Some(match name {
        "Tab" => '\t',
        "NewLine" => '\n',
        "nbsp" | "NonBreakingSpace" => '\u{a0}',
        "excl" => '!',
        "quot" | "QUOT" => '"',
        "num" => '#',
        "dollar" => '$',
        "percnt" => '%',
        "amp" | "AMP" => '&',
        "apos" => '\'',
        "lpar" => '(',
        "rpar" => ')',
        "ast" | "midast" => '*',
        "plus" => '+',
        "comma" => ',',
        "period" => '.',
        "sol" => '/',
        "colon" => ':',
        "semi" => ';',
        "lt" | "LT" => '<',
        "equals" => '=',
        "gt" | "GT" => '>',
        "quest" => '?',
        "commat" => '@',
        "lsqb" | "lbrack" => '[',
        "bsol" => '\\',
        "rsqb" | "rbrack" => ']',
        "Hat" => '^',
        "lowbar" | "UnderBar" => '_',
        "grave" | "DiacriticalGrave" => '`',
        "lcub" | "lbrace" => '{',
        "verbar" | "vert" | "VerticalLine" => '|',
        "rcub" | "rbrace" => '}',
        _ => return None,
    })
}
