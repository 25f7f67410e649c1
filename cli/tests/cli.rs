//! The real `vobiz` binary against the simulator on loopback: every
//! command, the refusals and exit codes, `--json`, `--audit-log`,
//! `--dry-run`, and the progress bar under a pseudo-terminal.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;
use vobiz::testing::{FAKE_AUTH_TOKEN, Fault};

mod common;
use common::*;

#[test]
fn rooms_lists_names_and_says_the_list_is_inconclusive() {
    let s = sim(&[("standup", 1), ("retro", 0)]);
    let r = run(s.vobiz(&["rooms"]));
    assert_eq!((r.code, r.stdout.as_str()), (0, "retro\nstandup\n"));
    assert!(
        r.stderr.contains("can leave live rooms out"),
        "{}",
        r.stderr
    );
    let r = run(s.vobiz(&["--json", "rooms"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["conferences"], serde_json::json!(["retro", "standup"]));
}

#[test]
fn room_shows_run_time_and_members() {
    let s = sim(&[("standup", 3)]);
    let r = run(s.vobiz(&["room", "standup"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("standup: 3 members, running for"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("caller name") && r.stdout.contains("+15550000002"));
    let r = run(s.vobiz(&["--json", "room", "standup"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["member_count"], 3);
    assert_eq!(doc["members"][2]["id"], "3");
    let r = run(s.vobiz(&["room", "nope"]));
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// Promise: with `--json`, a command that fails still prints one JSON
/// document, `{"error": ...}` (the library's error summary, or the kind
/// `usage`), beside its one line on stderr and its exit code.
#[test]
fn json_failures_are_one_document_too() {
    let s = sim(&[("standup", 1)]);
    let doc = |r: &Run| -> Value {
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
        serde_json::from_str(&r.stdout).unwrap()
    };
    let r = run(s.vobiz(&["--json", "room", "nope"]));
    assert_eq!(r.code, 1);
    let d = doc(&r);
    assert_eq!(
        (d["error"]["kind"].as_str(), d["error"]["status"].as_u64()),
        (Some("not_found"), Some(404))
    );

    let refused = format!("http://127.0.0.1:{}", free_port());
    let r = run(s.vobiz(&["--json", "room", "standup", "--base-url", &refused]));
    assert_eq!(r.code, 1);
    let d = doc(&r);
    assert_eq!(d["error"]["kind"], "transport");
    assert_eq!(d["error"]["retryable"], true);
    // It says why, not only which URL.
    let message = d["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("connection refused"), "{message}");

    // No terminal and no --yes: refused before anything is sent.
    let before = s.fake.requests().len();
    let r = run(s.vobiz(&["--json", "hangup", "standup"]));
    assert_eq!(r.code, 2);
    assert_eq!(doc(&r)["error"]["kind"], "usage");
    assert_eq!(s.fake.requests().len(), before);

    // A command that printed its own document (each room's error in it)
    // prints no second one: three 500s for the verifying GET, three for the
    // DELETE.
    s.fake.push_faults((0..6).map(|_| Fault::status(500)));
    let r = run(s.vobiz(&["--json", "hangup", "standup", "--yes"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    let d: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(d.get("error").is_none(), "{d}");
    assert_eq!(d["rooms"][0]["error"]["status"], 500);
}

#[test]
fn an_html_error_page_is_summarised_in_one_line() {
    let s = sim(&[("standup", 1)]);
    let page = format!(
        "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head><title>501</title></head>\n<body>{}</body></html>",
        "Not Implemented by this proxy. ".repeat(30)
    );
    s.fake.push_faults([Fault::not_json(501, page.clone())]);
    let r = run(s.vobiz(&["room", "standup"]));
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!(
            "vobiz: server error: HTTP 501: a text/html body of {} bytes, not shown\n",
            page.len()
        )
    );
}

#[test]
fn hangup_verifies_confirms_notifies_ends_and_logs() {
    let s = sim(&[("standup", 2), ("quiet", 0)]);
    // No terminal, no --yes: refused, nothing sent at all.
    let r = run(s.vobiz(&["hangup", "standup"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--yes"), "{}", r.stderr);
    assert_eq!(s.fake.request_count(), 0);

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let log_arg = log.to_str().unwrap();
    let r = run(s.vobiz(&[
        "hangup",
        "--audit-log",
        log_arg,
        "standup",
        "quiet",
        "gone",
        "--notice",
        "https://example.com/n.mp3",
        "--grace",
        "1ms",
        "--yes",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("standup: 2 members, running for"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("gone: not active"), "{}", r.stderr);
    assert_eq!(r.stdout, "standup: ended\nquiet: ended\ngone: not active\n");
    assert!(!s.fake.is_active("standup") && !s.fake.is_active("quiet"));
    let sent: Vec<(String, String)> = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method.clone(), r.target.clone()))
        .collect();
    // Every room hears the notice before any is ended.
    let methods: Vec<&str> = sent.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        methods,
        ["POST", "POST", "POST", "DELETE", "DELETE", "DELETE"],
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|(m, t)| m == "POST" && t.ends_with("/standup/Member/all/Play/")),
        "{sent:?}"
    );
    // The library's audit events, as JSON lines: one schema for both.
    let lines = json_lines(&std::fs::read_to_string(&log).unwrap());
    let mut endings: Vec<(String, &str)> = lines
        .iter()
        .filter(|l| l["vobiz.operation"] == "delete-conference")
        .map(|l| {
            (
                subject_param(l, "conference_name").unwrap(),
                l["vobiz.outcome"].as_str().unwrap(),
            )
        })
        .collect();
    endings.sort_unstable();
    assert_eq!(
        endings,
        [
            ("gone".to_owned(), "not_found"),
            ("quiet".to_owned(), "applied"),
            ("standup".to_owned(), "applied")
        ]
    );
    let notice = lines
        .iter()
        .find(|l| subject_param(l, "conference_name").as_deref() == Some("standup"))
        .unwrap();
    assert_eq!(
        (
            &notice["vobiz.operation"],
            &notice["vobiz.outcome"],
            &notice["vobiz.subject"]
        ),
        (
            &Value::from("play-audio-member"),
            &Value::from("applied"),
            &Value::from("conference_name=standup member_id=all")
        )
    );
    assert!(notice["vobiz.api_id"].is_string(), "{notice}");
    for line in &lines {
        assert_eq!(line["vobiz.account"], s.fake.auth_id());
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }

    let r = run(s.vobiz(&["--json", "hangup", "gone", "--yes"]));
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["rooms"][0]["outcome"], "not_active");
    assert_eq!(doc["verified"][0]["details"], Value::Null);
}

#[test]
fn hangup_failures_exit_1_and_bad_names_exit_2() {
    let s = sim(&[("standup", 1)]);
    // Three for the verifying GET's attempts, three for the DELETE's.
    s.fake.push_faults((0..6).map(|_| Fault::status(500)));
    let r = run(s.vobiz(&["hangup", "standup", "--yes"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .all(|l| l.starts_with("vobiz: ") || l.starts_with("standup"))
    );
    let before = s.fake.request_count();
    let r = run(s.vobiz(&["hangup", "..", "--yes"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        s.changes(),
        3,
        "the refused name sent nothing that changes state"
    );
    assert!(r.stderr.contains("invalid input"), "{}", r.stderr);
    assert_eq!(
        s.fake.request_count(),
        before,
        "nothing at all was sent for `..`"
    );
}

#[test]
fn hangup_all_needs_the_account_typed_or_yes() {
    let s = sim(&[("a", 0), ("b", 1)]);
    let r = run(s.vobiz(&["hangup", "--all"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "vobiz: refusing without confirmation (This ends EVERY conference on account {}): \
             stdin is not a terminal, so pass --yes; nothing was sent\n",
            s.fake.auth_id()
        )
    );
    assert_eq!(s.fake.request_count(), 0);
    let r = run(s.vobiz(&["hangup", "--all", "--yes"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(s.fake.active_conferences().is_empty());
}

#[test]
fn members_act_as_asked_and_refuse_what_would_widen() {
    let s = sim(&[("standup", 3)]);
    let r = run(s.vobiz(&["members", "standup", "mute", "1"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(s.fake.members("standup")[0].muted);
    // Refused in the CLI's words (no library type names), nothing sent.
    for (bad, says) in [
        (
            &["mute", "all"][..],
            "member id \"all\" would select every member: use --all for that; nothing was sent",
        ),
        (
            &["mute", "1,2"],
            "member id \"1,2\" holds commas: give the ids as separate arguments (1 2); nothing was sent",
        ),
        (
            &["mute", "x"],
            "member id \"x\" is not a member id: ids are the digits `vobiz room NAME` shows; nothing was sent",
        ),
        (&["mute"], "give member ids, or --all"),
    ] {
        let mut args = vec!["members", "standup"];
        args.extend_from_slice(bad);
        let before = s.fake.request_count();
        let r = run(s.vobiz(&args));
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert_eq!(r.stderr, format!("vobiz: {says}\n"));
        assert_eq!(s.fake.request_count(), before, "{bad:?} sent something");
    }
    let r = run(s.vobiz(&["members", "standup", "deafen", "--all", "--except", "2"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("join from now on are not included"),
        "{}",
        r.stderr
    );
    let deaf: Vec<bool> = s.fake.members("standup").iter().map(|m| m.deaf).collect();
    assert_eq!(deaf, [true, false, true]);
    let r = run(s.vobiz(&[
        "members",
        "standup",
        "play",
        "https://example.com/a.mp3",
        "3",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        s.fake.members("standup")[2].playing.as_deref(),
        Some("https://example.com/a.mp3")
    );
    let r = run(s.vobiz(&["members", "standup", "kick", "3"]));
    assert_eq!(r.code, 2, "kick needs confirmation: {}", r.stderr);
    let r = run(s.vobiz(&["--json", "members", "standup", "kick", "3", "--yes"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["outcome"]["requests"][0]["status"], 202);
    assert_eq!(s.fake.members("standup").len(), 2);
}

#[test]
fn record_starts_and_stops() {
    let s = sim(&[("standup", 1)]);
    let r = run(s.vobiz(&[
        "record",
        "standup",
        "start",
        "--format",
        "wav",
        "--callback",
        "https://example.com/cb",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let recording = s.fake.recording("standup").unwrap();
    assert_eq!(recording.file_format, "wav");
    let r = run(s.vobiz(&["record", "standup", "stop"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(s.fake.recording("standup").is_none());
    let r = run(s.vobiz(&["record", "standup", "stop"]));
    assert_eq!(r.code, 1, "nothing to stop: {}", r.stderr);
}

/// A simulator and a file naming `total` rooms `room-0`...; those for which
/// `live` holds are active.
fn rooms_to_sweep(total: usize, live: impl Fn(usize) -> bool) -> (Sim, tempfile::TempDir, String) {
    let s = sim(&[]);
    let names: Vec<String> = (0..total).map(|i| format!("room-{i}")).collect();
    for (_, name) in names.iter().enumerate().filter(|(i, _)| live(*i)) {
        s.fake.add_conference(name.as_str());
    }
    let dir = tempfile::tempdir().unwrap();
    let file = names_file(&dir, &names);
    (s, dir, file)
}

#[test]
fn sweep_ends_what_is_named_counts_each_outcome_and_dry_runs() {
    let (s, _dir, file) = rooms_to_sweep(60, |i| i < 20);
    let names: Vec<String> = (0..60).map(|i| format!("room-{i}")).collect();

    // The dry run asks the server: 20 live, 40 not, nothing changed.
    let r = run(s.vobiz(&["--json", "sweep", &file, "--dry-run", "--concurrency", "4"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = json_lines(&r.stdout);
    let summary = lines.pop().unwrap();
    assert_eq!(
        summary["summary"],
        serde_json::json!({"would_end": 20, "not_active": 40, "unreadable": 0})
    );
    let would: Vec<&str> = lines
        .iter()
        .filter(|l| l["outcome"] == "would_end")
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(would.len(), 20);
    assert!(
        would
            .iter()
            .all(|n| n.trim_start_matches("room-").parse::<usize>().unwrap() < 20)
    );
    assert_eq!((s.fake.request_count(), s.changes()), (60, 0));
    assert!(s.fake.max_in_flight() <= 4);
    assert_eq!(s.fake.active_conferences().len(), 20);
    // A room that cannot be read is said so, and the dry run exits 1.
    s.fake.push_faults((0..3).map(|_| Fault::status(503)));
    let r = run(s.vobiz(&["sweep", &file, "--dry-run", "--concurrency", "1"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("room-0: could not be read (server error: HTTP 503"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("dry run: 19 room(s) would be ended, 40 not active, 1 could not be read; nothing was changed"),
        "{}",
        r.stderr
    );
    assert_eq!(s.changes(), 0);
    let before = s.fake.request_count();
    let r = run(s.vobiz(&["sweep", &file]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(s.fake.request_count(), before);

    let r = run(s.vobiz(&["sweep", &file, "--yes", "--concurrency", "4"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        "swept 60: 20 ended, 40 not active, 0 gone after retry, 0 failed, 0 not tried"
    );
    assert!(
        !r.stderr.contains('█'),
        "no progress bar without a terminal"
    );
    assert!(s.fake.max_in_flight() <= 4);

    for name in names.iter().take(5) {
        s.fake.add_conference(name.as_str());
    }
    let r = run(s.vobiz(&["--json", "sweep", &file, "--yes"]));
    let lines = json_lines(&r.stdout);
    assert_eq!(lines.len(), 61);
    let summary = &lines[60]["summary"];
    assert_eq!(
        (summary["ended"].as_u64(), summary["not_active"].as_u64()),
        (Some(5), Some(55))
    );
}

#[test]
fn sweep_on_a_terminal_shows_its_progress_and_ends_with_the_summary() {
    let (s, _dir, file) = rooms_to_sweep(1000, |i| i % 3 == 0);
    let output = s
        .on_terminal(&format!("sweep {file} --yes --concurrency 4"))
        .stdin(Stdio::null())
        .output()
        .expect("script(1) runs the CLI under a pseudo-terminal");
    let screen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{screen}");
    assert!(screen.contains("/1000"), "no progress bar: {screen}");
    // Every frame adds up (done is the sum of its counts), and its rate is
    // a whole number.
    let frames: Vec<&str> = screen
        .split(['\r', '\n'])
        .filter(|l| l.contains("/1000 · ended "))
        .collect();
    assert!(!frames.is_empty(), "{screen}");
    for frame in frames {
        let number = |text: &str| -> u64 {
            let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
            digits
                .parse()
                .unwrap_or_else(|_| panic!("{text} in {frame}"))
        };
        let after = |label: &str| number(frame.split(label).nth(1).unwrap());
        let before_total = frame.split("/1000").next().unwrap();
        let done_at = before_total
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .len();
        let done = number(&before_total[done_at..]);
        let counts = [
            "· ended ",
            "· not active ",
            "· gone after retry ",
            "· failed ",
        ];
        assert_eq!(
            done,
            counts.iter().map(|l| after(l)).sum::<u64>(),
            "{frame}"
        );
        let rate = frame.split(" · ").find(|p| p.ends_with("/s")).unwrap();
        assert!(
            rate.trim_end_matches("/s")
                .bytes()
                .all(|b| b.is_ascii_digit()),
            "{frame}"
        );
    }
    assert!(
        screen.contains("swept 1000: 334 ended, 666 not active, 0 gone after retry, 0 failed"),
        "{screen}"
    );
}

#[test]
fn enforce_ends_rooms_over_the_limit_and_dry_runs_send_no_change() {
    let s = sim(&[("long", 2), ("hidden", 1), ("young", 1)]);
    s.fake.hide_from_list("hidden", true);
    let hour = std::time::Duration::from_secs(3600);
    s.fake.backdate("long", 2 * hour);
    s.fake.backdate("hidden", 2 * hour);
    let dir = tempfile::tempdir().unwrap();
    let extra = names_file(&dir, &["hidden".to_owned()]);
    let r = run(s.vobiz(&[
        "enforce",
        "--max-duration",
        "1h",
        "--once",
        "--dry-run",
        "--rooms",
        &extra,
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("long: 2 members, running for 2h")
            && r.stdout.contains("hidden: 1 members, running for 2h"),
        "{}",
        r.stdout
    );
    assert!(
        without_run_times(&r.stdout).contains("young: 1 members, running for …: under limit"),
        "{}",
        r.stdout
    );
    assert_eq!(s.changes(), 0);
    let r = run(s.vobiz(&["enforce", "--max-duration", "1h", "--once"]));
    assert_eq!(r.code, 2, "confirmation needed: {}", r.stderr);
    let r = run(s.vobiz(&[
        "--json",
        "enforce",
        "--max-duration",
        "1h",
        "--once",
        "--yes",
        "--rooms",
        &extra,
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut lines = json_lines(&r.stdout);
    let summary = lines.pop().unwrap();
    assert_eq!(summary["summary"]["endings"]["ended"], 2, "{}", r.stdout);
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(
        lines.iter().all(|l| l["outcome"] == "ended"),
        "{}",
        r.stdout
    );
    assert_eq!(s.fake.active_conferences(), ["young"]);
    let r = run(s.vobiz(&["enforce", "--max-duration", "1h", "--once", "--yes"]));
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    assert_eq!(s.fake.active_conferences(), ["young"]);
}

#[test]
fn the_simulator_command_prints_what_points_the_cli_at_it() {
    let port = free_port();
    let mut child = vobiz_process()
        .args([
            "simulator",
            "--port",
            &port.to_string(),
            "--room",
            "standup:3",
            "--room",
            "retro",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut env = Vec::new();
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        let (name, value) = line
            .strip_prefix("export ")
            .unwrap()
            .split_once('=')
            .unwrap();
        env.push((name.to_owned(), value.to_owned()));
    }
    let listed = vobiz_process()
        .arg("rooms")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "retro\nstandup\n");
    assert!(
        env.iter()
            .any(|(k, v)| k == "VOBIZ_BASE_URL" && v.ends_with(&port.to_string()))
    );
}

#[test]
fn missing_credentials_and_usage_errors_exit_2() {
    let mut cmd = vobiz_bare();
    cmd.arg("rooms");
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("VOBIZ_AUTH_ID is not set"),
        "{}",
        r.stderr
    );
    let mut cmd = vobiz_bare();
    cmd.args(["hangup"]);
    assert_eq!(run(cmd).code, 2);
    let mut cmd = vobiz_bare();
    cmd.args(["--token", "x", "rooms"]);
    assert_eq!(run(cmd).code, 2, "there is no flag for the token");
}

#[test]
fn the_demo_runs_a_moderated_session_without_credentials() {
    let mut cmd = vobiz_bare();
    cmd.arg("demo");
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("SIMULATED"), "{}", r.stdout);
    assert!(
        r.stdout.contains("The room is gone")
            && r.stdout.ends_with("Active conferences left: []\n")
    );
}

#[test]
fn xml_conference_prints_an_escaped_document_and_refuses_what_the_docs_do_not_allow() {
    let mut cmd = vobiz_bare();
    cmd.args([
        "xml",
        "conference",
        "Q&A <live>",
        "--muted",
        "--end-on-exit",
        "--max-participants",
        "10",
        "--callback-url",
        "https://example.com/events",
        "--record",
        "https://example.com/recordings",
        "--stay-alone",
        "--start-on-enter",
        "false",
    ]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Record recordSession=\"true\" action=\"https://example.com/recordings\"/>"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(">Q&amp;A &lt;live&gt;</Conference>"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("maxParticipants=\"10\"")
            && r.stdout.contains("endConferenceOnExit=\"true\"")
            && r.stdout.contains("stayAlone=\"true\"")
            && r.stdout.contains("startConferenceOnEnter=\"false\""),
        "{}",
        r.stdout
    );
    for bad in [
        &["--max-participants", "0"][..],
        &["--callback-url", "ftp://x/y"],
        &["--record", "ftp://x/y"],
        &["--record"],
    ] {
        let mut cmd = vobiz_bare();
        cmd.args(["xml", "conference", "room"]).args(bad);
        let r = run(cmd);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
}

/// Promise: the simulator's signed callbacks reach `vobiz callbacks serve`,
/// which sees every event, keeps the live rooms, and refuses a forgery.
#[test]
fn the_simulators_signed_callbacks_reach_the_receiver() {
    let port = free_port();
    let (mut receiver, events, notes) = spawned(
        vobiz_process()
            .args(["callbacks", "serve", "--port", &port.to_string()])
            .env("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN)
            .env("VOBIZ_ROOMS_TOKEN", ROOMS_TOKEN),
    );
    let wait = std::time::Duration::from_secs(20);
    assert!(
        notes
            .recv_timeout(wait)
            .unwrap()
            .starts_with("receiving conference callbacks")
    );

    let s = sim(&[]);
    s.rt.block_on(async {
        s.fake
            .send_callbacks_to(format!("http://127.0.0.1:{port}/events?source=sim"))
    })
    .unwrap();
    s.rt.block_on(async {
        s.fake.join("standup", "+15550100");
        s.fake.join("standup", "+15550101");
    });
    let mut seen: Vec<Value> = (0..3)
        .map(|_| serde_json::from_str(&events.recv_timeout(wait).unwrap()).unwrap())
        .collect();
    let (_, rooms) = http(port, &rooms_request());
    let rooms: Value = serde_json::from_str(&rooms).unwrap();
    assert_eq!(rooms["rooms"], serde_json::json!(["standup"]));
    assert_eq!(rooms["members"]["standup"].as_array().unwrap().len(), 2);
    // The receiver's registry feeds sweep and enforce.
    let rooms_url = format!("http://127.0.0.1:{port}/rooms");
    let r = run(with_rooms_token(s.vobiz(&[
        "sweep",
        "--rooms-from",
        &rooms_url,
        "--dry-run",
    ])));
    assert_eq!(
        (r.code, without_run_times(&r.stdout).as_str()),
        (0, "standup: 2 members, running for …: would end\n"),
        "{}",
        r.stderr
    );
    let r = run(with_rooms_token(s.vobiz(&[
        "enforce",
        "--max-duration",
        "1h",
        "--once",
        "--dry-run",
        "--rooms-from",
        &rooms_url,
    ])));
    assert_eq!(
        (r.code, without_run_times(&r.stdout).as_str()),
        (0, "standup: 2 members, running for …: under limit\n"),
        "{}",
        r.stderr
    );

    let r = run(s.vobiz(&["hangup", "standup", "--yes"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    seen.extend(
        (0..3).map(|_| serde_json::from_str::<Value>(&events.recv_timeout(wait).unwrap()).unwrap()),
    );
    let mut actions: Vec<&str> = seen
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, ["end", "enter", "enter", "exit", "exit", "start"]);
    let (_, rooms) = http(port, &rooms_request());
    assert_eq!(
        serde_json::from_str::<Value>(&rooms).unwrap()["rooms"],
        serde_json::json!([])
    );

    let forged = "ConferenceAction=end&ConferenceUUID=u&ConferenceName=standup";
    let (status, _) = http(
        port,
        &format!(
            "POST /events HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{forged}",
            forged.len()
        ),
    );
    assert_eq!(status, 403);
    assert!(says(&notes, "refused a callback"));
    let _ = receiver.kill();
    let _ = receiver.wait();
}

/// Promise: a receiver that accepts and never answers cannot hang a sweep
/// (or a cron job's enforce pass): reading its rooms is bounded, and the
/// sweep fails in one line, sending nothing.
#[test]
fn a_receiver_that_never_answers_does_not_hang_a_sweep() {
    let s = sim(&[("standup", 1)]);
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rooms", silent.local_addr().unwrap());
    let before = s.fake.request_count();
    let mut cmd = s.vobiz(&["sweep", "--rooms-from", &url, "--yes"]);
    // Unbounded, the sweep would wait forever: kill it (exit -1) long
    // before that.
    cmd.timeout(std::time::Duration::from_secs(60));
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot read the rooms at"),
        "{}",
        r.stderr
    );
    assert_eq!(s.fake.request_count(), before);
    drop(silent);
}
