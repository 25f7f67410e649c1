//! The audit trail is the truth (issue 22, break 8): the library's events,
//! one line per request of a split member list, a write failure that stops
//! the command, and an interrupted sweep that records what it did.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use vobiz::testing::{FAKE_AUTH_TOKEN, Fault};

mod common;
use common::*;

fn trail(path: &std::path::Path) -> Vec<Value> {
    json_lines(&std::fs::read_to_string(path).unwrap_or_default())
}

/// The outcome word of each line of the trail.
fn outcomes(path: &std::path::Path) -> Vec<String> {
    trail(path)
        .iter()
        .map(|l| l["vobiz.outcome"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Promise: an audit log that cannot be written stops the command with
/// exit 1 after the change it could not record; nothing more is changed.
#[test]
fn a_failed_audit_write_stops_with_exit_1() {
    let s = sim(&[("a", 1), ("b", 1), ("c", 1)]);
    let dir = tempfile::tempdir().unwrap();
    let names = names_file(&dir, &["a".into(), "b".into(), "c".into()]);
    let r = run(s.vobiz(&[
        "sweep",
        "--audit-log",
        "/dev/full",
        &names,
        "--yes",
        "--concurrency",
        "1",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot write the audit log"),
        "{}",
        r.stderr
    );
    assert_eq!(
        s.fake.active_conferences().len(),
        2,
        "more rooms were ended"
    );

    let s = sim(&[("a", 1), ("b", 1)]);
    let r = run(s.vobiz(&["hangup", "--audit-log", "/dev/full", "a", "b", "--yes"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(s.fake.active_conferences(), ["b"]);
}

/// Promise: a member list split over several requests writes one line per
/// request, each with its own outcome: applied, error, or not sent.
#[test]
fn a_split_member_list_writes_one_line_per_request() {
    let s = sim(&[("town-hall", 0)]);
    let ids: Vec<String> = (0..800)
        .map(|i| s.fake.join("town-hall", &format!("+1555{i:07}")))
        .collect();
    // The first request goes through, the second answers 500.
    s.fake.push_faults([
        Fault::Delay(Duration::ZERO),
        Fault::Status {
            status: 500,
            headers: Vec::new(),
        },
    ]);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let mut args = vec![
        "members",
        "--audit-log",
        log.to_str().unwrap(),
        "town-hall",
        "kick",
    ];
    args.extend(ids.iter().map(String::as_str));
    args.push("--yes");
    let r = run(s.vobiz(&args));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines = trail(&log);
    assert_eq!(
        outcomes(&log),
        ["applied", "error", "not_sent"],
        "{lines:?}"
    );
    let carried: Vec<String> = lines
        .iter()
        .map(|l| subject_param(l, "member_id").unwrap())
        .collect();
    let named: Vec<&str> = carried.iter().flat_map(|ids| ids.split(',')).collect();
    assert_eq!(named, ids, "every id, once, in the request that carried it");
    for line in &lines {
        assert_eq!(subject_param(line, "conference_name").unwrap(), "town-hall");
    }
    let kicked = 800 - s.fake.members("town-hall").len();
    let applied = carried[0].split(',').count();
    assert_eq!(kicked, applied);
}

/// A sweep of `rooms` rooms running as a child, with its audit log; the
/// first `held` requests are held by the simulator for `hold`.
struct Interrupted {
    s: Sim,
    child: std::process::Child,
    notes: std::sync::mpsc::Receiver<String>,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn sweep_in_flight(rooms: usize, held: usize, hold: Duration) -> Interrupted {
    in_flight(rooms, 0, held, hold, |file| {
        vec![
            "sweep".into(),
            file.into(),
            "--concurrency".into(),
            held.to_string(),
        ]
    })
}

/// `command` (given the names file) over `rooms` rooms, two hours old;
/// after `first` requests that pass, the next `held` are held for `hold`.
fn in_flight(
    rooms: usize,
    first: usize,
    held: usize,
    hold: Duration,
    command: impl Fn(&str) -> Vec<String>,
) -> Interrupted {
    let names: Vec<String> = (0..rooms).map(|i| format!("room-{i:02}")).collect();
    let s = sim(&names.iter().map(|n| (n.as_str(), 1)).collect::<Vec<_>>());
    for name in &names {
        s.fake.backdate(name, Duration::from_secs(7200));
    }
    let passing = (0..first).map(|_| Fault::Delay(Duration::ZERO));
    s.fake
        .push_faults(passing.chain((0..held).map(|_| Fault::Delay(hold))));
    let dir = tempfile::tempdir().unwrap();
    let file = names_file(&dir, &names);
    let log = dir.path().join("audit.jsonl");
    let mut child = vobiz_process()
        .args(command(&file))
        .args(["--json", "--audit-log", log.to_str().unwrap()])
        .arg("--yes")
        .env("VOBIZ_AUTH_ID", s.fake.auth_id())
        .env("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN)
        .env("VOBIZ_BASE_URL", s.fake.base_url())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let notes = lines(child.stderr.take().unwrap());
    // Every slot busy: the held requests have all arrived.
    s.rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), s.fake.received(first + held))
            .await
            .expect("the sweep never sent its first requests")
    });
    Interrupted {
        s,
        child,
        notes,
        log,
        _dir: dir,
    }
}

impl Interrupted {
    /// Sends one SIGINT, waits for the CLI to say so, and reads its stdout
    /// to the end.
    fn interrupted_once(&mut self) -> String {
        interrupt(&self.child);
        assert!(says(&self.notes, "interrupted"));
        let mut stdout = String::new();
        let mut out = self.child.stdout.take().unwrap();
        out.read_to_string(&mut stdout).unwrap();
        stdout
    }
}

fn interrupt(child: &std::process::Child) {
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Promise: SIGINT stops new work, lets the calls in flight finish, audits
/// each, prints the summary (JSON too) and exits 130.
#[test]
fn an_interrupted_sweep_finishes_what_is_in_flight_and_says_so() {
    let mut run = sweep_in_flight(12, 3, Duration::from_secs(2));
    let stdout = run.interrupted_once();
    let status = run.child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{stdout}");
    let summary = summary(&stdout);
    assert_eq!(summary["ended"], 3, "{summary}");
    assert_eq!(summary["not_tried"], 9, "{summary}");
    assert_eq!(run.s.fake.active_conferences().len(), 9);
    assert_eq!(outcomes(&run.log), ["applied", "applied", "applied"]);
}

/// Promise: a second SIGINT stops at once; what was in flight is audited
/// as cancelled (its outcome unknown), and the exit is still 130.
#[test]
fn a_second_interrupt_stops_at_once_and_audits_the_cancelled() {
    let mut run = sweep_in_flight(12, 3, Duration::from_secs(60));
    interrupt(&run.child);
    assert!(says(&run.notes, "interrupted"));
    interrupt(&run.child);
    let status = run.child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(outcomes(&run.log), ["cancelled", "cancelled", "cancelled"]);
}

/// Promise: `enforce` under SIGINT does as a sweep does: the endings in
/// flight finish and are audited, the pass's summary is printed, exit 130.
#[test]
fn an_interrupted_enforce_pass_finishes_what_is_in_flight() {
    // The list and the 8 details pass; the first 2 endings are held.
    let mut run = in_flight(8, 9, 2, Duration::from_secs(2), |_| {
        [
            "enforce",
            "--max-duration",
            "1h",
            "--once",
            "--concurrency",
            "2",
        ]
        .map(String::from)
        .to_vec()
    });
    let stdout = run.interrupted_once();
    assert_eq!(run.child.wait().unwrap().code(), Some(130), "{stdout}");
    let summary = summary(&stdout);
    assert_eq!(summary["endings"]["ended"], 2, "{summary}");
    assert_eq!(summary["endings"]["not_tried"], 6, "{summary}");
    assert_eq!(run.s.fake.active_conferences().len(), 6);
    assert_eq!(trail(&run.log).len(), 2);
}
