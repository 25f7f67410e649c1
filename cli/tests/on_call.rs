//! What an engineer on call meets (issue 22, breaks 7, 9 and 10): exit
//! codes that never say "held" when it did not, batches that stop at
//! refused credentials, names files read as written, refusals before any
//! byte is sent, names that cannot forge a line, notices played to every
//! room before any ends, and prompts that say what they are about to do.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

mod common;
use common::*;

const HOUR: Duration = Duration::from_secs(3600);

/// A simulator with `long` running for two hours.
fn one_long_room() -> Sim {
    let s = sim(&[("long", 2)]);
    s.fake.backdate("long", 2 * HOUR);
    s
}

fn enforce_once(s: &Sim, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = vec!["enforce", "--max-duration", "1h", "--once", "--yes"];
    args.extend_from_slice(extra);
    let mut cmd = s.vobiz(&args);
    for (name, value) in env {
        cmd.env(name, value);
    }
    run(cmd)
}

/// Promise (breaks 7 and 10): `enforce --once` exits 1 whenever it could
/// not look at, or read the run time of, what it was asked to, and its
/// `--json` always holds its summary.
#[test]
fn enforce_once_exits_1_when_it_could_not_check() {
    // Refused credentials: one line that says what to check, and a summary.
    let s = one_long_room();
    let r = enforce_once(
        &s,
        &["--json"],
        &[("VOBIZ_AUTH_TOKEN", "not-the-token-1234")],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN"),
        "{}",
        r.stderr
    );
    assert_eq!(summary(&r.stdout)["checked"], 0);
    assert!(s.fake.is_active("long"));

    // The API unreachable.
    let closed = format!("http://127.0.0.1:{}", free_port());
    let r = enforce_once(&s, &[], &[("VOBIZ_BASE_URL", &closed)]);
    assert_eq!(r.code, 1, "{}", r.stderr);

    // The registry unreachable while the room is missing from the list.
    s.fake.hide_from_list("long", true);
    let registry = format!("http://127.0.0.1:{}/rooms", free_port());
    let r = enforce_once(&s, &["--rooms-from", &registry], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(s.fake.is_active("long"));
    s.fake.hide_from_list("long", false);

    // The room's details keep answering Vobiz's documented `200 failed`.
    s.fake.fail_retrievals("long", 100);
    let r = enforce_once(&s, &["--json"], &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(summary(&r.stdout)["could_not_check"], 1);
    assert!(s.fake.is_active("long"));
}

/// Promise (break 10): a sweep stops at the first refusal of the
/// credentials, with one line saying what to check, rather than send every
/// name to be refused; the names not tried are counted.
#[test]
fn a_sweep_stops_when_the_credentials_are_refused() {
    let s = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..200).map(|i| format!("room-{i}")).collect();
    let file = names_file(&dir, &names);
    let mut cmd = s.vobiz(&["--json", "sweep", &file, "--yes", "--concurrency", "4"]);
    cmd.env("VOBIZ_AUTH_TOKEN", "not-the-token-1234");
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        s.fake.request_count() <= 8,
        "{} requests",
        s.fake.request_count()
    );
    assert!(r.stderr.lines().count() <= 6, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("check VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN"),
        "{}",
        r.stderr
    );
    let summary = summary(&r.stdout);
    assert!(summary["not_tried"].as_u64().unwrap() >= 190, "{summary}");
}

/// Promise (break 7): a names file is read as a person wrote it: a byte
/// order mark is not part of the first name, and a name holding a control
/// character refuses the file before anything is sent.
#[test]
fn names_files_drop_a_bom_and_refuse_control_characters() {
    let s = sim(&[("standup", 1), ("retro", 1)]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("names");
    std::fs::write(&file, "\u{feff}standup\nretro\n").unwrap();
    let r = run(s.vobiz(&["sweep", file.to_str().unwrap(), "--yes"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(s.fake.active_conferences().is_empty());

    let s = sim(&[("standup", 1)]);
    std::fs::write(&file, "standup\nbad\u{1b}[2Jname\n").unwrap();
    let r = run(s.vobiz(&["sweep", file.to_str().unwrap(), "--yes"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("line 2"), "{}", r.stderr);
    assert_eq!(s.fake.request_count(), 0);
}

/// Promise (breaks 9 and 10): what would be refused later is refused
/// before anything is sent: `--except` without a terminal, and a notice
/// with `--all`, which Vobiz cannot play to every room.
#[test]
fn refusals_come_before_any_request() {
    let s = sim(&[("standup", 3)]);
    let r = run(s.vobiz(&["members", "standup", "kick", "--all", "--except", "2"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(s.fake.request_count(), 0, "a request was sent");
    let r = run(s.vobiz(&[
        "hangup",
        "--all",
        "--notice",
        "https://cdn.example.com/closing.mp3",
        "--yes",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(s.fake.request_count(), 0, "a request was sent");
    assert!(s.fake.is_active("standup"));
}

/// Promise (break 9): a room name shown as text cannot forge a line or
/// move the terminal's cursor: control and bidi characters are escaped.
/// JSON keeps the name exact.
#[test]
fn names_shown_as_text_cannot_forge_lines() {
    let forged = "x\nvobiz: all rooms ended";
    let s = sim(&[(forged, 1), ("\u{1b}[2Jwipe", 1), ("abc\u{202e}fed", 1)]);
    let r = run(s.vobiz(&["rooms"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 3, "{}", r.stdout);
    assert!(!r.stdout.contains('\u{1b}') && !r.stdout.contains('\u{202e}'));
    assert!(
        r.stdout.contains("x\\u{a}vobiz: all rooms ended"),
        "{}",
        r.stdout
    );
    let r = run(s.vobiz(&["--json", "rooms"]));
    let listed: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(
        listed["conferences"]
            .as_array()
            .unwrap()
            .contains(&Value::from(forged))
    );
}

/// Promise (break 10): with a notice, every room over the limit hears it
/// before any room is ended, and the grace period is waited once for the
/// batch (on the wire: every play comes before the first hangup).
#[test]
fn enforce_plays_every_notice_before_ending_any_room() {
    let rooms: Vec<String> = (0..6).map(|i| format!("room-{i}")).collect();
    let s = sim(&rooms.iter().map(|r| (r.as_str(), 2)).collect::<Vec<_>>());
    for room in &rooms {
        s.fake.backdate(room, 2 * HOUR);
    }
    let r = enforce_once(
        &s,
        &[
            "--notice",
            "https://cdn.example.com/closing.mp3",
            "--grace",
            "1s",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(s.fake.active_conferences().is_empty());
    let changes: Vec<String> = s
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| r.method)
        .collect();
    assert_eq!(changes.len(), 12, "{changes:?}");
    assert!(changes[..6].iter().all(|m| m == "POST"), "{changes:?}");
    assert!(changes[6..].iter().all(|m| m == "DELETE"), "{changes:?}");
    assert!(
        r.stderr.contains("enforce: 6 room(s) checked"),
        "{}",
        r.stderr
    );
}

/// `vobiz ARGS` on a terminal, answered "no"; what the screen showed.
fn declined_on_a_terminal(s: &Sim, args: &str) -> String {
    let mut child = s
        .on_terminal(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script(1) runs the CLI under a pseudo-terminal");
    // Answer the prompt with "no", typed on the terminal.
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"no\n").unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Promise (break 10): on a terminal, the confirmation says how many rooms
/// and lists them, the first 20 and then how many more; `enforce`'s lists
/// the rooms over the limit.
#[test]
fn the_confirmation_lists_the_rooms_it_would_end() {
    let s = sim(&[]);
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..25).map(|i| format!("room-{i:02}")).collect();
    let file = names_file(&dir, &names);
    let screen = declined_on_a_terminal(&s, &format!("sweep {file}"));
    assert!(
        screen.contains("room-00") && screen.contains("room-19"),
        "{screen}"
    );
    assert!(!screen.contains("room-20"), "{screen}");
    assert!(
        screen.contains("and 5 more") && screen.contains("(25 room(s))"),
        "{screen}"
    );
    assert_eq!(s.fake.request_count(), 0);

    let s = sim(&[("old-a", 1), ("old-b", 1), ("young", 1)]);
    s.fake.backdate("old-a", 2 * HOUR);
    s.fake.backdate("old-b", 2 * HOUR);
    let screen = declined_on_a_terminal(&s, "enforce --max-duration 1h --once");
    assert!(
        screen.contains("old-a") && screen.contains("old-b") && !screen.contains("young"),
        "{screen}"
    );
    assert!(
        screen.contains("running longer than 1h? (2 room(s))"),
        "{screen}"
    );
    assert_eq!(s.changes(), 0);
}

/// Promise: Ctrl-C typed at a confirmation prompt ends the command at once
/// and sends nothing; only once rooms are being ended does the CLI catch
/// it, to finish and audit what is in flight.
#[test]
fn ctrl_c_at_the_prompt_ends_the_command() {
    let s = one_long_room();
    let mut child = s
        .on_terminal("enforce --max-duration 1h --once")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script(1) runs the CLI under a pseudo-terminal");
    let mut terminal = child.stdin.take().unwrap();
    // The screen, as it comes; the prompt ends without a newline.
    let mut screen = child.stdout.take().unwrap();
    let (shown, prompt) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut chunk = [0u8; 256];
        while let Ok(n @ 1..) = std::io::Read::read(&mut screen, &mut chunk) {
            seen.extend_from_slice(&chunk[..n]);
            if String::from_utf8_lossy(&seen).contains("to go on") {
                let _ = shown.send(());
            }
        }
    });
    prompt
        .recv_timeout(Duration::from_secs(20))
        .expect("no prompt on the terminal");
    std::io::Write::write_all(&mut terminal, b"\x03").unwrap();
    // The terminal stays open: a CLI that swallowed the interrupt would
    // wait at its prompt, and the bound below would end the test.
    let (done, ended) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait());
    });
    let ended = ended.recv_timeout(Duration::from_secs(20));
    drop(terminal);
    assert!(
        ended.is_ok(),
        "Ctrl-C at the prompt did not end the command"
    );
    assert_eq!(s.changes(), 0);
    assert!(s.fake.is_active("long"));
}
