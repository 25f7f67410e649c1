//! The one rule for URLs a caller gives: checked as they will be used.
//!
//! The `url` crate quietly drops tabs and line breaks, trims spaces, turns
//! `\` into `/` and reads `https:host` as `https://host`, so a string that
//! passes a check on its parsed form can be another URL when sent as
//! written (`https://api.vobiz.ai\t.evil.example/` is a different host). A
//! URL is accepted only if the parser reads it as written, and then what is
//! used is the parsed form that was checked. Each caller adds its own rules
//! (schemes, loopback) on top.

use url::Url;

/// `url` parsed, if the parser reads it as written: no white space or
/// control character anywhere, no backslash, its scheme followed by `//`,
/// a host, and no user name or password. Otherwise why not.
pub(crate) fn parse_as_written(url: &str) -> Result<Url, &'static str> {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain white space or control characters");
    }
    if url.contains('\\') {
        return Err("must not contain a backslash");
    }
    let parsed = Url::parse(url).map_err(|_| "must be an absolute URL")?;
    let written_scheme = url.split_once("://").map(|(scheme, _)| scheme);
    if written_scheme.is_none_or(|s| !s.eq_ignore_ascii_case(parsed.scheme())) {
        return Err("must start with its scheme and `://`");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("must name a host");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry credentials");
    }
    Ok(parsed)
}

/// [`parse_as_written`], with a scheme from `schemes`.
pub(crate) fn parse_with_scheme(url: &str, schemes: &[&str]) -> Result<Url, String> {
    let parsed = parse_as_written(url)?;
    if !schemes.contains(&parsed.scheme()) {
        return Err(format!("must use {}", schemes.join(" or ")));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_vobiz_must_fetch() {
        assert!(parse_with_scheme("https://example.com/a.mp3", &["https"]).is_ok());
        for bad in [
            "http://example.com/a.mp3",
            "/a.mp3",
            "example.com/a.mp3",
            "https://",
            "https://u:p@example.com/a",
            "ftp://x/a",
        ] {
            assert!(parse_with_scheme(bad, &["https"]).is_err(), "{bad}");
        }
    }
}
