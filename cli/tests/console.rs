//! `vobiz console` as a person starts it: `--simulate` with its one-time
//! sign-in URL, `add-moderator` storing only a hash, a password sign-in
//! against a console on the simulator, and the refusal to listen beyond
//! loopback without an https public URL. The real binary, on 127.0.0.1.

use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::time::Duration;

mod common;
use common::*;

const WAIT: Duration = Duration::from_secs(20);

/// A running console, killed when dropped, and its stderr, read so that
/// it never blocks on a full pipe.
struct Running {
    child: Child,
    _notes: std::sync::mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `vobiz console ARGS` on a free loopback port, with only `env` set: the
/// port, its stdout's lines, and the process (killed when dropped).
fn console(
    args: &[&str],
    env: &[(&str, &str)],
) -> (u16, std::sync::mpsc::Receiver<String>, Running) {
    let port = free_port();
    let (child, out, notes) = spawned(
        vobiz_process()
            .arg("console")
            .args(args)
            .args(["--port", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null()),
    );
    (
        port,
        out,
        Running {
            child,
            _notes: notes,
        },
    )
}

/// A raw HTTP/1.1 exchange with 127.0.0.1:`port`: the whole answer.
fn exchange(port: u16, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn post(port: u16, path: &str, cookie: &str, body: &str) -> String {
    exchange(
        port,
        &format!(
            "POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n\
             cookie: {cookie}\r\ncontent-type: application/x-www-form-urlencoded\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

fn get(port: u16, path: &str, cookie: &str) -> String {
    exchange(
        port,
        &format!(
            "GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncookie: {cookie}\r\n\r\n"
        ),
    )
}

/// The session cookie an answer sets.
fn cookie_of(answer: &str) -> String {
    let line = answer
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap_or_else(|| panic!("no cookie set: {answer}"));
    line.split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn the_simulated_console_prints_a_sign_in_url_that_works_once() {
    let (port, out, _running) = console(&["--simulate"], &[]);
    let console = out.recv_timeout(WAIT).expect("the console said nothing");
    assert_eq!(console, format!("console: http://127.0.0.1:{port}/"));
    let sign_in = out.recv_timeout(WAIT).unwrap();
    let url = sign_in.strip_prefix("sign-in: ").expect("a sign-in line");
    let (path, token) = url
        .split_once(&format!("127.0.0.1:{port}"))
        .unwrap()
        .1
        .split_once("?token=")
        .unwrap();
    assert_eq!(path, "/signin/link");

    let answer = post(port, "/signin/link", "", &format!("token={token}"));
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let cookie = cookie_of(&answer);
    let page = get(port, "/", &cookie);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    for room in ["Team Standup", "Design Review", "Support Line"] {
        assert!(
            page.contains(&format!("data-room=\"{room}\"")),
            "{room}: {page}"
        );
    }
    // Once only.
    let again = post(port, "/signin/link", "", &format!("token={token}"));
    assert!(again.starts_with("HTTP/1.1 401"), "{again}");
}

#[test]
fn a_moderator_added_from_the_command_line_signs_in_and_only_a_hash_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let db = db.to_str().unwrap();
    let password = "a long test password 42";
    let s = sim(&[("Ops", 1)]);
    let mut add = s.vobiz(&["console", "add-moderator", "grace", "--db", db]);
    add.write_stdin(format!("{password}\n"));
    let added = run(add);
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert_eq!(added.stdout.trim(), "moderator grace added");
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored);
    assert!(
        !stored.contains(password),
        "the password is in the database"
    );
    assert!(stored.contains("$argon2id$"));

    // The console on the simulator's account, signed into with it.
    let base_url = s.fake.base_url();
    let env = [
        ("VOBIZ_AUTH_ID", s.fake.auth_id()),
        ("VOBIZ_AUTH_TOKEN", vobiz::testing::FAKE_AUTH_TOKEN),
        ("VOBIZ_BASE_URL", base_url.as_str()),
    ];
    let (port, out, _running) = console(&["--db", db], &env);
    assert!(out.recv_timeout(WAIT).unwrap().starts_with("console: "));
    let wrong = post(port, "/signin", "", "name=grace&password=not+it+at+all");
    assert!(wrong.starts_with("HTTP/1.1 401"), "{wrong}");
    let body = format!("name=grace&password={}", password.replace(' ', "+"));
    let answer = post(port, "/signin", "", &body);
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let page = get(port, "/audit", &cookie_of(&answer));
    assert!(page.contains("<span data-moderator>grace</span>"), "{page}");
}

#[test]
fn listening_beyond_loopback_needs_an_https_public_url() {
    let s = sim(&[]);
    for flags in [
        vec!["--bind", "0.0.0.0"],
        vec![
            "--bind",
            "0.0.0.0",
            "--public-url",
            "http://moderate.example.com",
        ],
    ] {
        let mut args = vec!["console"];
        args.extend(flags);
        let refused = run(s.vobiz(&args));
        assert_eq!(refused.code, 2, "{}", refused.stderr);
        assert!(
            refused.stderr.contains("--public-url https://"),
            "{}",
            refused.stderr
        );
        assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);
    }
}

#[test]
fn a_short_password_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("console.db");
    let s = sim(&[]);
    let mut add = s.vobiz(&[
        "console",
        "add-moderator",
        "bob",
        "--db",
        db.to_str().unwrap(),
    ]);
    add.write_stdin("short\n");
    let refused = run(add);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("at least 12 characters"),
        "{}",
        refused.stderr
    );
}
