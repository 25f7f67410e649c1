//! `vobiz api`: any operation by its operationId, against the simulator,
//! with the other commands' confirmation, audit, `--json` and exit codes.

use serde_json::Value;
use vobiz::generated::operations;

mod common;
use common::*;

/// Promise: `--list` names every operation of the spec with its method and
/// path, and needs no credentials.
#[test]
fn list_names_every_operation() {
    let mut cmd = vobiz_bare();
    cmd.args(["--json", "api", "--list"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let listed: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(listed.len(), operations::ALL.len());
    for (row, op) in listed.iter().zip(operations::ALL) {
        assert_eq!(row["operation"], op.id);
        assert_eq!(row["method"], op.method.as_str());
        assert_eq!(row["path"], op.path);
    }
}

/// `vobiz --json api get-conference` for `room`.
fn get_conference(s: &Sim, room: &str) -> Run {
    let param = format!("conference_name={room}");
    run(s.vobiz(&["--json", "api", "get-conference", "-p", &param]))
}

/// Promise: a read is sent as asked, with the account filled in, and its
/// answer printed (text: the body; --json: operation, status and body).
#[test]
fn a_read_prints_the_answer() {
    let s = sim(&[("weekly sync", 2)]);
    let r = get_conference(&s, "weekly sync");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let document: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(document["operation"], "get-conference");
    assert_eq!(document["status"], 200);
    assert_eq!(document["body"]["conference_name"], "weekly sync");
    assert_eq!(document["body"]["conference_member_count"], "2");
    let sent = &s.fake.requests()[0];
    assert_eq!(
        sent.target,
        format!(
            "/api/v1/Account/{}/Conference/weekly%20sync/",
            s.fake.auth_id()
        )
    );

    let r = run(s.vobiz(&["api", "list-live-calls", "--param", "status=live"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 200"), "{}", r.stderr);
    let body: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(body["calls"].is_array(), "{body}");
    assert!(s.fake.requests()[1].target.ends_with("/Call?status=live"));
}

/// Promise: an operation that changes state is refused without a terminal
/// or --yes, before anything is sent; with --yes it is sent, audited, and
/// exits 0.
#[test]
fn a_change_asks_first_and_is_audited() {
    let s = sim(&[("room", 1)]);
    let r = run(s.vobiz(&["api", "delete-conference", "-p", "conference_name=room"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("pass --yes"), "{}", r.stderr);
    // The confirmation names the account the client fills in.
    let path = format!(
        "DELETE /api/v1/Account/{}/Conference/room/",
        s.fake.auth_id()
    );
    assert!(r.stderr.contains(&path), "{}", r.stderr);
    assert_eq!(s.fake.request_count(), 0);
    assert!(s.fake.is_active("room"));

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let log_arg = log.to_str().unwrap();
    let r = run(s.vobiz(&[
        "api",
        "--audit-log",
        log_arg,
        "delete-conference",
        "-p",
        "conference_name=room",
        "--yes",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 204"), "{}", r.stderr);
    assert!(!s.fake.is_active("room"));
    let trail = json_lines(&std::fs::read_to_string(&log).unwrap());
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0]["vobiz.operation"], "delete-conference");
}

/// Promise: bad input is exit 2 with one line and nothing sent: an unknown
/// operation, a parameter the operation does not have, a missing required
/// one, a value that does not fit, a body that is not JSON or has a field
/// the operation's schema does not.
#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let s = sim(&[("room", 1)]);
    let play = |body: &'static str| {
        vec![
            "api",
            "play-audio-member",
            "-p",
            "conference_name=room",
            "-p",
            "member_id=all",
            "--body",
            body,
            "--yes",
        ]
    };
    let cases: [Vec<&str>; 6] = [
        vec!["api", "no-such-operation"],
        vec![
            "api",
            "get-conference",
            "-p",
            "conference_name=room",
            "-p",
            "typo=1",
        ],
        vec!["api", "list-live-calls"],
        vec!["api", "list-cdrs", "-p", "page=many"],
        play("{"),
        play(r#"{"url":"https://example.com/a.mp3","volume":2}"#),
    ];
    for args in cases {
        let r = run(s.vobiz(&args));
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
    }
    assert_eq!(s.fake.request_count(), 0);
}

/// Promise: an error answer is exit 1 with the one-line error (and its
/// summary with --json).
#[test]
fn an_error_answer_is_exit_1() {
    let s = sim(&[]);
    let r = get_conference(&s, "gone");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let document: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(document["error"]["status"], 404, "{document}");
}
