//! Property: whatever strings are passed as path parameters, the request line
//! is exactly the operation's path template with each parameter made of
//! unreserved characters and `%XX` escapes that decode to exactly the input,
//! or the call fails with invalid input and no byte reaches the server. This
//! holds for every operation: `auth_id`, `conference_name` and `member_id`.

mod common;

use vobiz::generated::operations;

use common::World;
use common::ops::{self, Args, OPS, Op};
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

/// The input that goes where the template says `segment`.
fn input_for<'a>(segment: &str, args: Args<'a>) -> Option<&'a str> {
    match segment {
        "{auth_id}" => Some(args.auth_id),
        "{conference_name}" => Some(args.conference),
        "{member_id}" => Some(args.member),
        _ => None,
    }
}

fn check_call(
    w: &World,
    op: &Op,
    args: Args,
    outcome: Result<u16, vobiz::Error>,
    before: usize,
) -> Result<(), TestCaseError> {
    let used: Vec<&str> = op
        .template()
        .split('/')
        .filter_map(|segment| input_for(segment, args))
        .collect();
    if used.iter().any(|value| is_refused(value)) {
        let err = outcome.expect_err("refused input must not succeed");
        prop_assert!(err.is_invalid_input(), "expected invalid input, got {err}");
        prop_assert_eq!(
            w.server.count(),
            before,
            "a refused call reached the server"
        );
        return Ok(());
    }
    // The raw server answers 204, which only the 204 operations document.
    match &outcome {
        Ok(status) => prop_assert_eq!(*status, 204),
        Err(e) => prop_assert!(
            op.status != 204 && e.status() == Some(204),
            "{}: {e}",
            op.id()
        ),
    }
    prop_assert_eq!(w.server.count(), before + 1);
    let line = w.server.request_line(before).unwrap_or_default();
    let target = line
        .strip_prefix(&format!("{} ", op.method()))
        .and_then(|l| l.strip_suffix(" HTTP/1.1"))
        .ok_or_else(|| TestCaseError::fail(format!("odd request line {line:?}")))?;
    let expected: Vec<&str> = op.template().split('/').collect();
    let actual: Vec<&str> = target.split('/').collect();
    prop_assert_eq!(
        actual.len(),
        expected.len(),
        "target {} has the wrong shape",
        target
    );
    for (segment, template) in actual.iter().zip(&expected) {
        match input_for(template, args) {
            Some(input) => check_segment(segment, input)?,
            None => prop_assert_eq!(segment, template),
        }
    }
    Ok(())
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
        let w = world!();
        let before = w.server.count();
        let outcome = w.rt.block_on(w.client.hangup_conference(&name)).map(|()| 204);
        let args = Args { auth_id: w.client.auth_id(), conference: &name, member: "" };
        check_call(w, ops::op(&operations::DELETE_CONFERENCE), args, outcome, before)?;
    }

    #[test]
    fn every_operation_sends_exactly_its_path_or_nothing(
        op in 0..OPS.len(),
        auth_id in tricky(),
        conference in tricky(),
        member in tricky(),
    ) {
        let w = world!();
        let (op, before) = (&OPS[op], w.server.count());
        let args = Args { auth_id: &auth_id, conference: &conference, member: &member };
        let outcome = w.rt.block_on((op.call)(&w.client, args));
        check_call(w, op, args, outcome, before)?;
    }
}
