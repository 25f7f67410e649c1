//! `vobiz callbacks serve` as it runs in production (issue 22): behind a
//! loopback reverse proxy, against replays, slow clients and a descriptor
//! limit, with `/rooms` behind its credential; and `--rooms-from` reading
//! it within bounds. Real processes on 127.0.0.1 only. The requests here
//! are this file's own text, signed with the documented formula.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use vobiz::testing::FAKE_AUTH_TOKEN;

mod common;
use common::*;

const WAIT: Duration = Duration::from_secs(20);

/// A running `vobiz callbacks serve`, killed when dropped.
struct Receiver {
    child: Child,
    port: u16,
    events: mpsc::Receiver<String>,
    notes: mpsc::Receiver<String>,
    /// What it said on start.
    started: Vec<String>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the receiver through `sh` (for a `ulimit` before it), with these
/// flags and variables, and waits for its start-up notes.
fn receiver(limit: &str, flags: &[&str], env: &[(&str, &str)]) -> Receiver {
    let port = free_port();
    let bin = assert_cmd::cargo::cargo_bin("vobiz");
    let script = format!(
        "{limit} exec \"$0\" callbacks serve --port {port} \"$@\"",
        limit = limit
    );
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(script)
        .arg(&bin)
        .args(flags)
        .env_clear()
        .env("VOBIZ_CONFIG_DIR", NO_PROFILES)
        .env("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN)
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    let (child, events, notes) = spawned(&mut command);
    let mut started = vec![notes.recv_timeout(WAIT).expect("the receiver said nothing")];
    assert!(started[0].starts_with("receiving"), "{started:?}");
    // Its last start-up note is always the one on `GET /rooms`.
    while !started
        .last()
        .is_some_and(|line| line.contains("GET /rooms"))
    {
        started.push(
            notes
                .recv_timeout(WAIT)
                .expect("the receiver's start-up notes"),
        );
    }
    Receiver {
        child,
        port,
        events,
        notes,
        started,
    }
}

/// A callback as Vobiz sends it to `public` + `path`: V3 and V2, each with
/// its own nonce, as raw HTTP.
fn signed_callback(public: &str, path: &str, nonces: (&str, &str), body: &str) -> String {
    let base = format!("{public}{path}");
    let v3 = vobiz::callbacks::sign(FAKE_AUTH_TOKEN, &format!("{base}.{}", nonces.0));
    let v2 = vobiz::callbacks::sign(FAKE_AUTH_TOKEN, &format!("{base}{}", nonces.1));
    format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n\
         x-vobiz-signature-v3: {v3}\r\nx-vobiz-signature-v3-nonce: {}\r\n\
         x-vobiz-signature-v2: {v2}\r\nx-vobiz-signature-v2-nonce: {}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        nonces.0,
        nonces.1,
        body.len()
    )
}

/// Keeps only the headers named (and the request line and body).
fn only_headers(request: &str, drop: &[&str]) -> String {
    request
        .split("\r\n")
        .filter(|line| !drop.iter().any(|d| line.starts_with(d)))
        .collect::<Vec<_>>()
        .join("\r\n")
}

fn live_rooms(port: u16) -> Vec<String> {
    let (status, body) = http(port, &rooms_request());
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

/// A reverse proxy on loopback, as a tunnel or TLS terminator is: requests
/// to `/vobiz/...` go to the receiver as `/...`, with the Host and
/// X-Forwarded-* headers a proxy adds. Returns its port.
fn proxy_to(target: u16) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            std::thread::spawn(move || forward(client, target));
        }
    });
    port
}

fn forward(mut client: TcpStream, target: u16) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).unwrap_or(0) == 0 {
            return;
        }
        head.push(byte[0]);
    }
    // One request per connection, as it rewrites only the first head: a
    // request after it on a kept-alive connection would reach the receiver
    // with the public path, fail its signature and be lost.
    let head = String::from_utf8_lossy(&head)
        .replacen(" /vobiz/", " /", 1)
        .replacen(
            "\r\n",
            "\r\nx-forwarded-host: attacker.example\r\nx-forwarded-proto: https\r\nconnection: close\r\n",
            1,
        );
    let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", target)) else {
        return;
    };
    let _ = upstream.write_all(head.as_bytes());
    let (mut client_read, mut upstream_write) =
        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    std::thread::spawn(move || std::io::copy(&mut client_read, &mut upstream_write));
    let _ = std::io::copy(&mut upstream, &mut client);
    // The other direction's thread holds a clone: close the socket itself.
    let _ = client.shutdown(std::net::Shutdown::Both);
}

/// Promise (break 1): behind a proxy, signatures are checked against the
/// public URL given with `--public-url`, never one taken from the request;
/// without it the receiver says only loopback callers will verify.
#[test]
fn behind_a_proxy_the_receiver_verifies_the_url_vobiz_called() {
    let receiving = receiver("", &[], &[("VOBIZ_ROOMS_TOKEN", ROOMS_TOKEN)]);
    let unproxied = proxy_to(receiving.port);
    assert!(
        receiving
            .started
            .iter()
            .any(|l| l.contains("no --public-url")),
        "{:?}",
        receiving.started
    );
    let public = format!("http://127.0.0.1:{unproxied}/vobiz");
    let body = "ConferenceAction=enter&ConferenceUUID=u-1&ConferenceName=standup&CallUUID=c-1&ConferenceMemberID=1";
    let request = signed_callback(
        &public,
        "/vobiz/events",
        ("1".repeat(20).as_str(), "2".repeat(20).as_str()),
        body,
    );
    let (status, _) = http(unproxied, &request);
    assert_eq!(
        status, 403,
        "without --public-url the public URL cannot verify"
    );

    // The proxy's port must be in the public URL: start the proxy first.
    let target = free_port();
    let proxy = proxy_to(target);
    let public = format!("http://127.0.0.1:{proxy}/vobiz");
    let (mut child, events, notes) = spawned(
        vobiz_process()
            .args([
                "callbacks",
                "serve",
                "--port",
                &target.to_string(),
                "--public-url",
                &public,
            ])
            .env("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN)
            .env("VOBIZ_ROOMS_TOKEN", ROOMS_TOKEN),
    );
    assert!(notes.recv_timeout(WAIT).unwrap().starts_with("receiving"));

    // The simulator plays Vobiz: it calls, and signs, the public URL.
    let s = sim(&[]);
    s.rt.block_on(async {
        s.fake
            .send_callbacks_to(format!("{public}/events?from=sim"))
    })
    .unwrap();
    s.rt.block_on(async { s.fake.join("standup", "+15550100") });
    for _ in 0..2 {
        let event: Value = serde_json::from_str(&events.recv_timeout(WAIT).unwrap()).unwrap();
        assert_eq!(event["params"]["ConferenceName"], "standup");
    }
    assert_eq!(live_rooms(target), ["standup"]);
    // A later event, on a connection the simulator would keep alive.
    s.rt.block_on(async { s.fake.join("standup", "+15550101") });
    let event: Value = serde_json::from_str(&events.recv_timeout(WAIT).unwrap()).unwrap();
    assert_eq!(event["params"]["ConferenceAction"], "enter");

    // Signed for the URL the request's Host and X-Forwarded-* name: refused.
    let forged_for = "https://attacker.example/vobiz";
    let request = signed_callback(
        forged_for,
        "/vobiz/events",
        ("3".repeat(20).as_str(), "4".repeat(20).as_str()),
        "ConferenceAction=end&ConferenceUUID=u-9&ConferenceName=other",
    );
    let (status, _) = http(proxy, &request.replace("host: x", "host: attacker.example"));
    assert_eq!(status, 403);
    assert!(says(&notes, "refused a callback"));
    let _ = child.kill();
    let _ = child.wait();
}

/// Promise (break 4): one captured signature is accepted once; sent again,
/// whole or with one of its two signatures and another body, it is refused
/// and changes no room.
#[test]
fn the_receiver_refuses_replays() {
    let r = receiver("", &[], &[("VOBIZ_ROOMS_TOKEN", ROOMS_TOKEN)]);
    let public = format!("http://127.0.0.1:{}", r.port);
    let enter = "ConferenceAction=enter&ConferenceUUID=u-1&ConferenceName=standup&CallUUID=c-1&ConferenceMemberID=1";
    let (n3, n2) = ("31415926535897932384", "27182818284590452353");
    let original = signed_callback(&public, "/events", (n3, n2), enter);
    assert_eq!(http(r.port, &original).0, 200);
    assert!(r.events.recv_timeout(WAIT).is_ok());
    assert_eq!(http(r.port, &original).0, 403);
    // Keep V2 only, and name another room in the unsigned body.
    let other = "ConferenceAction=enter&ConferenceUUID=u-2&ConferenceName=boardroom&CallUUID=c-2";
    let v2_only = only_headers(&original, &["x-vobiz-signature-v3"])
        .replace(enter, other)
        .replace(
            &format!("content-length: {}", enter.len()),
            &format!("content-length: {}", other.len()),
        );
    assert_eq!(http(r.port, &v2_only).0, 403);
    assert_eq!(live_rooms(r.port), ["standup"]);
    assert!(says(&r.notes, "already used"));
}

/// Promise (break 2 and item 5): a receiver with an empty or short token,
/// or a short `/rooms` credential, does not start (exit 2), and says why.
#[test]
fn an_unusable_token_does_not_start_a_receiver() {
    for env in [
        vec![("VOBIZ_AUTH_TOKEN", "")],
        vec![],
        vec![("VOBIZ_AUTH_TOKEN", "short")],
        vec![
            ("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN),
            ("VOBIZ_ROOMS_TOKEN", "1234"),
        ],
    ] {
        let mut cmd = vobiz_bare();
        cmd.args(["callbacks", "serve", "--port", &free_port().to_string()])
            .timeout(WAIT);
        for (name, value) in &env {
            cmd.env(name, value);
        }
        let r = run(cmd);
        assert_eq!(r.code, 2, "{env:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
}

/// Promise (item 5): `/rooms` answers only a caller holding
/// `VOBIZ_ROOMS_TOKEN`, and is off without one; `--rooms-from` sends it
/// from the same variable.
#[test]
fn live_rooms_need_the_credential() {
    let off = receiver("", &[], &[]);
    assert_eq!(http(off.port, &rooms_request()).0, 404);
    assert!(off.started.iter().any(|l| l.contains("/rooms is off")));

    let on = receiver("", &[], &[("VOBIZ_ROOMS_TOKEN", ROOMS_TOKEN)]);
    let bare = "GET /rooms HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
    assert_eq!(http(on.port, bare).0, 401);
    let wrong = rooms_request().replace(ROOMS_TOKEN, "rooms-credential-0123456780");
    assert_eq!(http(on.port, &wrong).0, 401);
    assert_eq!(http(on.port, &rooms_request()).0, 200);

    let s = sim(&[("standup", 1)]);
    let url = format!("http://127.0.0.1:{}/rooms", on.port);
    let r = run(s.vobiz(&["sweep", "--rooms-from", &url, "--dry-run"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("VOBIZ_ROOMS_TOKEN"), "{}", r.stderr);
    let r = run(with_rooms_token(s.vobiz(&[
        "sweep",
        "--rooms-from",
        &url,
        "--dry-run",
    ])));
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{}", r.stderr);
}

/// Promise (break 6): 80 clients trickling request heads, under a limit of
/// 64 descriptors, do not keep a genuine callback from its answer, and a
/// silent connection is closed.
#[test]
fn slow_clients_cannot_starve_a_callback() {
    let r = receiver("ulimit -n 64 &&", &[], &[]);
    let slow: Vec<TcpStream> = (0..80)
        .filter_map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", r.port)).ok()?;
            stream
                .write_all(b"POST /events HTTP/1.1\r\nhost: x\r\n")
                .ok()?;
            Some(stream)
        })
        .collect();
    assert_eq!(slow.len(), 80);
    let public = format!("http://127.0.0.1:{}", r.port);
    let enter = "ConferenceAction=enter&ConferenceUUID=u-1&ConferenceName=standup&CallUUID=c-1";
    let request = signed_callback(
        &public,
        "/events",
        (&"5".repeat(20), &"6".repeat(20)),
        enter,
    );
    // Well within the 5 s the slow heads have before they are closed.
    let mut genuine = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    genuine
        .set_read_timeout(Some(Duration::from_secs(4)))
        .unwrap();
    genuine.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = genuine.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");

    let mut silent = TcpStream::connect(("127.0.0.1", r.port)).unwrap();
    silent.set_read_timeout(Some(WAIT)).unwrap();
    let mut byte = [0u8; 1];
    let closed = matches!(silent.read(&mut byte), Ok(0))
        || matches!(silent.read(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset);
    assert!(closed, "a silent connection was still open after {WAIT:?}");
    drop(slow);
}

/// Promise (break 6): `--rooms-from` reads at most 4 MiB of a receiver's
/// answer, and a larger one fails the sweep.
#[test]
fn a_huge_rooms_answer_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/rooms", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Some(Ok(mut stream)) = listener.incoming().next() {
            let mut head = [0u8; 1024];
            let _ = stream.read(&mut head);
            let name = "a".repeat(16 * 1024 * 1024);
            let body = format!("{{\"rooms\":[\"{name}\"]}}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let s = sim(&[]);
    let r = run(s.vobiz(&["sweep", "--rooms-from", &url, "--dry-run"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("over 4194304 bytes"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}
