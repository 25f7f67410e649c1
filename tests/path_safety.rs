//! Property: whatever strings are passed as path parameters, the request line
//! is exactly `/api/v1/Account/{A}/Conference/{C}/` with A and C made of
//! unreserved characters and `%XX` escapes that decode to exactly the inputs,
//! or the call fails with invalid input and no byte reaches the server.

mod common;

use std::sync::OnceLock;

use common::World;
use percent_encoding::percent_decode_str;
use proptest::prelude::*;

/// Pieces that have broken URL builders: dots, slashes, escapes, delimiters,
/// controls, non-ASCII.
const PIECES: &[&str] = &[
    ".", "..", "/", "\\", "%", "%2e", "%2E", "%2f", "%5C", "%25", "?", "#", ";", " ", "\t", "\n",
    "\r", "\0", "\u{7f}", "+", "&", "=", "@", ":", "[", "]", "|", "^", "`", "{", "}", "<", ">",
    "\"", "'", "!", "$", "(", ")", "*", ",", "~", "-", "_", "a", "Z", "0", "é", "日本", "🎉",
    "\u{202e}", "\u{feff}", "\u{0}",
];

fn tricky() -> impl Strategy<Value = String> {
    let piece = proptest::sample::select(PIECES);
    prop_oneof![
        3 => Just(String::new()),
        3 => Just(".".to_owned()),
        3 => Just("..".to_owned()),
        40 => proptest::collection::vec(piece.clone(), 1..12).prop_map(|p| p.concat()),
        20 => any::<String>(),
        2 => proptest::collection::vec(piece, 2500..3500)
            .prop_map(|p| p.concat())
            .prop_filter("about 10 KB", |s| s.len() <= 10 * 1024),
    ]
}

fn is_refused(value: &str) -> bool {
    matches!(value, "" | "." | "..")
}

/// Checks one segment of a received request line against its input.
fn check_segment(segment: &str, input: &str) -> Result<(), TestCaseError> {
    let only_safe = segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b));
    prop_assert!(
        only_safe,
        "segment {segment:?} has characters outside unreserved/%XX"
    );
    let well_formed = segment
        .split('%')
        .skip(1)
        .all(|esc| esc.len() >= 2 && esc.as_bytes()[..2].iter().all(|b| b.is_ascii_hexdigit()));
    prop_assert!(well_formed, "segment {segment:?} has a broken escape");
    let decoded = percent_decode_str(segment).decode_utf8();
    prop_assert_eq!(decoded.as_deref().ok(), Some(input));
    Ok(())
}

fn check_call(
    w: &World,
    auth_id: &str,
    name: &str,
    outcome: Result<(), vobiz::Error>,
    before: usize,
) -> Result<(), TestCaseError> {
    if is_refused(auth_id) || is_refused(name) {
        let err = outcome.expect_err("refused input must not succeed");
        prop_assert!(err.is_invalid_input(), "expected invalid input, got {err}");
        prop_assert_eq!(
            w.server.count(),
            before,
            "a refused call reached the server"
        );
        return Ok(());
    }
    prop_assert!(outcome.is_ok(), "call failed: {:?}", outcome);
    prop_assert_eq!(w.server.count(), before + 1);
    let line = w.server.request_line(before).unwrap_or_default();
    let target = line
        .strip_prefix("DELETE ")
        .and_then(|l| l.strip_suffix(" HTTP/1.1"))
        .ok_or_else(|| TestCaseError::fail(format!("odd request line {line:?}")))?;
    let parts: Vec<&str> = target.split('/').collect();
    prop_assert_eq!(parts.len(), 8, "target {} has the wrong shape", target);
    prop_assert_eq!(&parts[..4], &["", "api", "v1", "Account"]);
    prop_assert_eq!(parts[5], "Conference");
    prop_assert_eq!(parts[7], "");
    check_segment(parts[4], auth_id)?;
    check_segment(parts[6], name)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn hangup_conference_sends_exactly_one_segment_or_nothing(name in tricky()) {
        static W: OnceLock<World> = OnceLock::new();
        let w = W.get_or_init(World::start);
        let before = w.server.count();
        let outcome = w.rt.block_on(w.client.hangup_conference(&name));
        check_call(w, w.client.auth_id(), &name, outcome, before)?;
    }

    #[test]
    fn generated_operation_sends_exactly_its_path_or_nothing(auth_id in tricky(), name in tricky()) {
        static W: OnceLock<World> = OnceLock::new();
        let w = W.get_or_init(World::start);
        let before = w.server.count();
        let outcome = w.rt.block_on(async {
            match w.client.api().delete_conference(&auth_id, &name).await {
                Ok(_) => Ok(()),
                Err(e) => Err(vobiz::Error::from_api(e).await),
            }
        });
        check_call(w, &auth_id, &name, outcome, before)?;
    }
}
