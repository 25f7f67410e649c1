//! The second adversarial review's cases, kept as a suite: a hostile server,
//! a hostile docs page (see `codegen/tests/docs_are_text.rs` and the import
//! tests in `xtask` and `codegen`) and a careless caller, against loopback
//! servers. Each test is named after the promise it guards; each failed on
//! the code before this round.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{AUTH_ID, RawServer};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vobiz::Error;
use vobiz::conference::{MemberSelector, RecordingFormat};
use vobiz::testing::{FakeVobiz, Fault};

/// A token with the characters encoders change (`/`, `+`).
const TOKEN: &str = "tok/SECRET+9-hostile";

fn client(base_url: &str) -> vobiz::Client {
    common::client_as(base_url, AUTH_ID, TOKEN)
}

/// Everything a caller can see of an error, as text.
fn shown(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n{:?}\n{:?}\n", err.message(), err.api_id());
    text.push_str(&serde_json::to_string(&err.summary()).unwrap());
    if let Some(api) = err.api_error() {
        text.push_str(&String::from_utf8_lossy(api.body()));
    }
    if let Error::Redirect { location, .. } = err {
        text.push_str(location);
    }
    text
}

/// Whether `text` shows the token, or the start of it (a token cut short
/// still gives most of it away).
fn reveals(text: &str, token: &str) -> bool {
    let half = &token[..token.len() / 2 + 1];
    text.contains(token) || text.contains(half)
}

thread_local! {
    /// What the global subscriber formatted on this thread.
    static TRACE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes into this thread's [`TRACE`].
struct ThreadSink;

impl Write for ThreadSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        TRACE.with(|t| t.borrow_mut().extend_from_slice(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything emitted at TRACE (ours, reqwest's and hyper's) while `f`
/// runs on a current-thread runtime, as text. One global subscriber for the
/// whole binary, writing per thread: scoped subscribers coming and going in
/// parallel tests make tracing's callsite cache drop events.
fn traced<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadSink)
            .init();
    });
    TRACE.with(|t| t.borrow_mut().clear());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(f);
    drop(rt);
    let text =
        TRACE.with(|t| String::from_utf8_lossy(&std::mem::take(&mut *t.borrow_mut())).into_owned());
    (out, text)
}

const INVISIBLE: [char; 8] = [
    '\u{202A}', '\u{200E}', '\u{2066}', '\u{061C}', '\u{200B}', '\u{2069}', '\u{FEFF}', '\u{202E}',
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: an invisible control a server puts inside the token (raw,
    /// or JSON-escaped) does not hide it from redaction: not in `Display`,
    /// `message()`, `api_id()`, a redirect's location, nor the audit and
    /// per-attempt events.
    #[test]
    fn a_token_split_by_invisible_controls_never_shows(
        at in 1..TOKEN.len() - 1,
        control in proptest::sample::select(&INVISIBLE[..]),
        escaped in any::<bool>(),
        place in 0..3u8,
    ) {
        let inside = if escaped {
            format!("\\u{:04x}", control as u32)
        } else {
            control.to_string()
        };
        let spelled = format!("{}{inside}{}", &TOKEN[..at], &TOKEN[at..]);
        let (err, trace) = traced(async {
            let server = RawServer::start(common::NO_CONTENT).await;
            match place {
                0 => server.respond_with(400, format!(r#"{{"error":"bad {spelled}","api_id":"a"}}"#).as_bytes()),
                1 => server.respond_with(404, format!(r#"{{"error":"no","api_id":"{spelled}"}}"#).as_bytes()),
                _ => server.respond_with_headers(302, &[("location", &format!("https://x.example/{spelled}"))], b""),
            }
            client(&server.base_url()).hangup_conference("room").await.unwrap_err()
        });
        prop_assert!(!reveals(&shown(&err), TOKEN), "{}", shown(&err));
        prop_assert!(!reveals(&trace, TOKEN), "{trace}");
    }
}

/// Promise: a header whose *name* spells the token (HTTP lower-cases names,
/// and lower-case percent-encoding makes any token a legal one) shows
/// neither in `client.api()`'s errors nor in a success's headers.
#[tokio::test]
async fn header_names_never_spell_the_token() {
    let lower = "all-lowercase-token-77";
    for (token, name) in [(TOKEN, "tok%2fsecret%2b9-hostile"), (lower, lower)] {
        let server = RawServer::start(common::NO_CONTENT).await;
        let c = common::client_as(&server.base_url(), AUTH_ID, token);
        server.respond_with_headers(404, &[(name, "x")], b"");
        let raw = c
            .api()
            .delete_conference()
            .conference_name("r")
            .send()
            .await
            .unwrap_err();
        let text = format!("{raw}\n{raw:?}");
        assert!(!text.to_ascii_lowercase().contains(name), "{text}");
        server.respond_with_headers(200, &[(name, "x")], br#"{"api_id":"a","conferences":[]}"#);
        let listed = c.api().list_conferences().send().await.unwrap();
        let names: Vec<&str> = listed.headers().keys().map(|k| k.as_str()).collect();
        assert!(!names.iter().any(|n| n.contains(name)), "{names:?}");
        assert!(names.contains(&"x-vobiz-redacted"), "{names:?}");
    }
}

/// Promise: an error body is redacted before it is cut to 64 KiB, so no
/// token straddling the cut keeps its first bytes.
#[tokio::test]
async fn a_token_straddling_the_error_body_bound_is_cut_whole() {
    const BOUND: usize = 64 * 1024;
    let server = RawServer::start(common::NO_CONTENT).await;
    let c = client(&server.base_url());
    for before_cut in [1, 4, TOKEN.len() / 2, TOKEN.len() - 1] {
        let mut body = "x".repeat(BOUND - before_cut);
        body.push_str(TOKEN);
        body.push_str(&"y".repeat(100));
        server.respond_with(500, body.as_bytes());
        let err = c.hangup_conference("r").await.unwrap_err();
        let kept = String::from_utf8_lossy(err.api_error().unwrap().body()).into_owned();
        assert!(kept.len() <= BOUND, "{}", kept.len());
        assert!(
            !kept.ends_with(&TOKEN[..before_cut]),
            "{before_cut}: ends {:?}",
            &kept[kept.len() - 30..]
        );
    }
}

/// A loopback server that answers every request 200 with a chunked body
/// of `total` bytes (endless when `None`), written as fast as it is read.
async fn streaming_server(total: Option<usize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = [0u8; 4096];
                let _ = stream.read(&mut head).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
                // Bounded even when "endless": 1 GiB, or until the client
                // stops reading.
                let chunks = total.map_or(16 * 1024, |t| t / (64 * 1024));
                for _ in 0..chunks {
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = stream.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

/// Promise: a successful body past `max_response_body` is
/// `Error::ResponseTooLarge` (with the status), for the handles and for
/// every generated operation, and an endless one ends the call too.
#[tokio::test]
async fn success_bodies_are_bounded() {
    for total in [Some(8 * 1024 * 1024), None] {
        let base = streaming_server(total).await;
        let c = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(&base)
            .max_response_body(1024 * 1024)
            .build()
            .unwrap();
        let err = c.conference("r").details().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::ResponseTooLarge {
                    limit: 1_048_576,
                    status: Some(200)
                }
            ),
            "{err:?}"
        );
        assert!(!err.is_retryable());
        let raw = c.call(c.api().list_conferences().send()).await.unwrap_err();
        assert!(matches!(raw, Error::ResponseTooLarge { .. }), "{raw:?}");
    }
    let refused = vobiz::Client::builder(AUTH_ID, TOKEN)
        .max_response_body(0)
        .build()
        .unwrap_err();
    assert!(matches!(refused, Error::Config(_)), "{refused:?}");
}

/// Promise: a member list split over several requests reports every
/// request when any fails, the first included: which applied (none here)
/// and which were never sent.
#[tokio::test]
async fn a_split_list_whose_first_request_fails_reports_what_was_not_sent() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("room");
    let present: Vec<String> = (0..600)
        .map(|i| fake.join("room", &format!("+1555{i:07}")))
        .collect();
    let departed = (0..200).map(|i| (9_000_000 + i).to_string());
    let ids: Vec<String> = departed.chain(present.iter().cloned()).collect();
    let err = fake
        .client()
        .conference("room")
        .members(MemberSelector::list(ids))
        .mute()
        .await
        .unwrap_err();
    let (applied, not_sent, source) = common::partly_applied(&err);
    assert!(applied.is_empty());
    assert!(source.is_not_found() && err.is_not_found());
    let unsent: Vec<&str> = not_sent.iter().flat_map(|r| r.split(',')).collect();
    assert!(
        present.iter().all(|id| unsent.contains(&id.as_str())),
        "{} unsent",
        unsent.len()
    );
    assert_eq!(fake.request_count(), 1);
    assert!(fake.members("room").iter().all(|m| !m.muted));
}

/// Promise: a split member action is one operation under
/// `operation_timeout`: it returns by the deadline, and sends nothing after.
#[tokio::test]
async fn a_split_member_action_keeps_the_operation_timeout() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("room");
    let ids: Vec<String> = (0..700)
        .map(|i| fake.join("room", &format!("+1{i}")))
        .collect();
    let c = fake
        .client_builder()
        .operation_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    fake.push_faults((0..3).map(|_| Fault::delay(Duration::from_millis(600))));
    let started = Instant::now();
    let err = c
        .conference("room")
        .members(MemberSelector::list(ids))
        .mute()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1_400), "took {took:?}");
    let (applied, not_sent, source) = common::partly_applied(&err);
    assert!(matches!(source, Error::Timeout { .. }), "{source:?}");
    assert_eq!(applied.len(), 1);
    assert!(!not_sent.is_empty());
    assert!(fake.request_count() <= 2, "{}", fake.request_count());
}

/// Promise: a `Retry-After` of any size is "beyond the cap": the error
/// comes back at once, with the wait it asked for.
#[tokio::test]
async fn a_retry_after_beyond_u64_ends_the_call_at_once() {
    for asked in [
        "18446744073709551616",
        "1234567890123456789012345678901234567890",
    ] {
        let server = RawServer::start(common::NO_CONTENT).await;
        server.respond_with_headers(503, &[("retry-after", asked)], b"");
        let c = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(server.base_url())
            .retry(common::fast_retry())
            .build()
            .unwrap();
        let err = c.hangup_conference("r").await.unwrap_err();
        assert_eq!(server.count(), 1, "{asked}");
        assert!(
            err.retry_after()
                .is_some_and(|w| w >= Duration::from_secs(u64::MAX)),
            "{err:?}"
        );
    }
}

const REWRITTEN_URLS: [&str; 7] = [
    " https://example.com/a.mp3",
    "\0https://example.com/a.mp3",
    "https://example.com/a.mp3\r\nX-Injected: 1",
    "https://good.example\t.evil.example/a.mp3",
    "https:example.com/a.mp3",
    "https:\\\\example.com\\a.mp3",
    "https://example.com/a.mp3 ",
];

/// Promise: a URL a caller gives is checked as it is sent. One a parser
/// would quietly change is refused before anything is sent; an accepted
/// one is sent exactly as it was checked.
#[tokio::test]
async fn caller_urls_are_checked_as_they_are_sent() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("room");
    fake.join("room", "+15550001");
    let room = fake.client().conference("room");
    for url in REWRITTEN_URLS {
        let played = room
            .members(MemberSelector::all())
            .play(url)
            .await
            .unwrap_err();
        assert!(played.is_invalid_input(), "{url:?}: {played:?}");
        let recorded = room
            .start_recording(RecordingFormat::Mp3, Some(url))
            .await
            .unwrap_err();
        assert!(recorded.is_invalid_input(), "{url:?}: {recorded:?}");
    }
    assert_eq!(fake.request_count(), 0);
    room.members(MemberSelector::all())
        .play("HTTPS://Example.COM/a.mp3")
        .await
        .unwrap();
    let sent = fake.requests()[0].body.clone();
    let sent: serde_json::Value = serde_json::from_slice(&sent).unwrap();
    assert_eq!(sent["url"], "https://example.com/a.mp3");
}

/// Promise: checking a long list costs time in proportion to its length
/// (it was quadratic: 40,000 ids took 4 s before the first request, and the
/// 200,000 here took two minutes).
#[tokio::test]
async fn checking_a_long_member_list_is_linear() {
    let fake = FakeVobiz::start().await.unwrap();
    let mut ids: Vec<String> = (0..200_000u64)
        .map(|i| (1_000_000 + i).to_string())
        .collect();
    ids.push("not-an-id".into());
    let started = Instant::now();
    let checked = fake
        .client()
        .conference("room")
        .members(MemberSelector::list(ids))
        .mute()
        .await;
    // The check runs before any I/O, on this thread: no timer could cut it
    // short, so its length is read afterwards. Linear, it takes milliseconds.
    let took = started.elapsed();
    assert!(checked.unwrap_err().is_invalid_input());
    assert!(
        took < Duration::from_secs(20),
        "200,000 ids took {took:?} to check"
    );
    assert_eq!(fake.request_count(), 0);
}

/// A loopback server that reads one request head, says so, and never
/// answers.
async fn silent_server() -> (String, tokio::sync::mpsc::Receiver<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = tx.send(()).await;
            open.push(stream);
        }
    });
    (format!("http://{addr}"), rx)
}

/// Promise: a state-changing call dropped after its request may have been
/// sent leaves an audit event that says its outcome is unknown.
#[test]
fn a_cancelled_state_change_leaves_an_audit_event() {
    let ((), trace) = traced(async {
        let (base, mut arrived) = silent_server().await;
        let c = client(&base);
        let hangup = c.hangup_conference("doomed-room");
        tokio::pin!(hangup);
        tokio::select! {
            _ = &mut hangup => panic!("the silent server answered"),
            _ = arrived.recv() => {}
        }
        let room = c.conference("kick-room");
        let members = room.members("17");
        let kick = members.kick();
        tokio::pin!(kick);
        tokio::select! {
            _ = &mut kick => panic!("the silent server answered"),
            _ = arrived.recv() => {}
        }
    });
    for (room, operation) in [
        ("doomed-room", "delete-conference"),
        ("kick-room", "kick-member"),
    ] {
        let line = trace
            .lines()
            .find(|l| l.contains("vobiz audit") && l.contains(room))
            .unwrap_or_else(|| panic!("no audit event for {room}: {trace}"));
        assert!(line.contains("vobiz.outcome=\"cancelled\""), "{line}");
        assert!(line.contains(operation), "{line}");
    }
}

/// Promise: server text in successful answers is one line without
/// direction controls, like error text.
#[tokio::test]
async fn server_text_in_2xx_answers_is_one_line() {
    let forged = "muted\nINFO vobiz::audit: forged line\u{202e}gnp.exe";
    let server = RawServer::start(common::NO_CONTENT).await;
    let body = serde_json::json!({"message": forged, "api_id": "a\r\nb", "member_id": ["1\n2"]});
    server.respond_with(202, body.to_string().as_bytes());
    let c = client(&server.base_url());
    let outcome = c.conference("r").members("1").mute().await.unwrap();
    let accepted = &outcome.requests()[0];
    let one_line = |t: &str| !t.contains(|c: char| c.is_control() || c == '\u{202e}');
    assert!(
        one_line(accepted.message().unwrap()),
        "{:?}",
        accepted.message()
    );
    assert!(
        one_line(accepted.api_id().unwrap()),
        "{:?}",
        accepted.api_id()
    );
    assert!(accepted.member_ids().iter().all(|id| one_line(id)));
    let details = serde_json::json!({
        "api_id": "x\ny", "conference_name": "r\u{2028}oom\u{202e}", "conference_run_time": "5",
        "conference_member_count": "1",
        "members": [{"member_id": "1", "muted": false, "deaf": false, "join_time": "1",
                     "caller_name": "Eve\nINFO forged", "from": "+1\r\n", "to": "\u{2066}x",
                     "direction": "in\nbound", "call_uuid": "u\u{85}u"}],
    });
    server.respond_with(200, details.to_string().as_bytes());
    let d = c.conference("r").details().await.unwrap();
    let m = &d.members()[0];
    for text in [d.name(), d.api_id(), m.id()].into_iter().chain(
        [
            m.caller_name(),
            m.from(),
            m.to(),
            m.direction(),
            m.call_uuid(),
        ]
        .into_iter()
        .flatten(),
    ) {
        assert!(one_line(text), "{text:?}");
    }
}

/// Promise: tokens that contain escape sequences of their own are found
/// however many of those escapes a server resolves or adds.
#[tokio::test]
async fn tokens_with_escapes_of_their_own_never_show() {
    for (token, echoed) in [
        ("p%41ss/word-1234", r#"p%41ss\/word-1234"#),
        ("p%41ss/word-1234", "pAss/word-1234"),
        (r#"pa\"ss-word-1234"#, r#"pa\\\"ss-word-1234"#),
        ("p&#65;ss-word-1234", "p&amp;#65;ss-word-1234"),
        ("p&#65;ss-word-1234", "pAss-word-1234"),
    ] {
        let server = RawServer::start(common::NO_CONTENT).await;
        server.respond_with(
            400,
            format!(r#"{{"error":"bad {echoed}","api_id":"{echoed}"}}"#).as_bytes(),
        );
        let c = common::client_as(&server.base_url(), AUTH_ID, token);
        let err = c.hangup_conference("r").await.unwrap_err();
        let text = shown(&err);
        assert!(
            !text.contains(token) && !text.contains(echoed),
            "{token}: {text}"
        );
    }
}

/// Promise: the spellings HTML allows (named references, zero-padded
/// numbers, references without `;`) and changed white space still hide the
/// token.
#[tokio::test]
async fn html_and_white_space_spellings_never_show() {
    let spaced = "tok with space/SECRET-1";
    for (token, echoed) in [
        (TOKEN, "tok&sol;SECRET&plus;9-hostile".to_owned()),
        (TOKEN, "tok&#00000047;SECRET&#x00002B;9-hostile".to_owned()),
        (TOKEN, "tok&#47SECRET&#43;9-hostile".to_owned()),
        (spaced, "tok\twith space/SECRET-1".to_owned()),
        (
            spaced,
            "tok\\twith\\u00a0space/SECRET-1".replace("\\u00a0", " "),
        ),
    ] {
        let server = RawServer::start(common::NO_CONTENT).await;
        let body = serde_json::json!({"error": format!("bad {echoed}"), "api_id": "a"});
        server.respond_with(400, body.to_string().as_bytes());
        let c = common::client_as(&server.base_url(), AUTH_ID, token);
        let err = c.hangup_conference("r").await.unwrap_err();
        let text = shown(&err);
        assert!(!reveals(&text, token), "{echoed}: {text}");
        assert!(
            err.message().is_some_and(|m| m.contains("<redacted>")),
            "{echoed}: {text}"
        );
    }
}

/// Promise: Retrieve a Conference's persistent `failed` answer is
/// `PassingFailure` with or without its `api_id` (through `details()`
/// and `client.call` alike), and a body of the wrong JSON types is a decode
/// error naming the field.
#[tokio::test]
async fn details_read_the_failed_answer_and_name_bad_fields() {
    let server = RawServer::start(common::NO_CONTENT).await;
    server.respond_with(200, br#"{"error":"failed"}"#);
    let c = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.base_url())
        .retry(common::fast_retry())
        .build()
        .unwrap();
    let err = c.conference("r").details().await.unwrap_err();
    assert!(matches!(err, Error::PassingFailure(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!((server.count(), err.attempts()), (3, 3));
    // The same through `client.call`: the quirk is the operation's, not
    // the handle's.
    let err = c
        .call(c.api().get_conference().conference_name("r").send())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PassingFailure(_)), "{err:?}");
    assert_eq!((server.count(), err.attempts()), (6, 3));

    let c = client(&server.base_url());
    for (body, field) in [
        (
            r#"{"api_id":"a","conference_name":"r","conference_run_time":"5","conference_member_count":3,"members":[]}"#,
            "conference_member_count",
        ),
        (
            r#"{"api_id":"a","conference_name":"r","conference_run_time":"5","conference_member_count":"1","members":[{"member_id":"1","muted":"no","deaf":false,"join_time":"1"}]}"#,
            "members[0].muted",
        ),
        (
            r#"{"api_id":"a","conference_name":"r","conference_member_count":"1","members":[]}"#,
            "conference_run_time",
        ),
    ] {
        server.respond_with(200, body.as_bytes());
        let err = c.conference("r").details().await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Decode {
                    status: Some(200),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

/// Promise: the simulator keeps only what a test can inspect, bounded:
/// requests without its credentials are answered and not kept, bodies past
/// its bound are refused unread.
#[tokio::test]
async fn the_simulator_keeps_only_authenticated_requests_within_bounds() {
    let fake = FakeVobiz::start().await.unwrap();
    let stranger = common::client_as(
        &fake.base_url(),
        vobiz::testing::FAKE_AUTH_ID,
        "not-the-fake-token",
    );
    for _ in 0..5 {
        let err = stranger.list_conferences().await.unwrap_err();
        assert_eq!(err.status(), Some(401));
    }
    assert_eq!((fake.request_count(), fake.requests().len()), (5, 0));
    let big = vec![b'x'; vobiz::testing::MAX_REQUEST_BODY + 1];
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/Account/{}/Conference/r/Record/",
            fake.base_url(),
            vobiz::testing::FAKE_AUTH_ID
        ))
        .header("x-auth-id", vobiz::testing::FAKE_AUTH_ID)
        .header("x-auth-token", vobiz::testing::FAKE_AUTH_TOKEN)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 413);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.body.len() <= vobiz::testing::MAX_REQUEST_BODY)
    );
}

/// Promise: a client that trickles a request head cannot hold a simulator
/// connection open: it is closed after the read timeout.
#[tokio::test]
async fn the_simulator_closes_connections_that_never_finish_their_head() {
    let fake = FakeVobiz::start().await.unwrap();
    let addr = fake.base_url().trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /api/v1/ HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        vobiz::testing::READ_TIMEOUT * 3,
        slow.read_to_end(&mut rest),
    )
    .await;
    assert!(
        closed.is_ok(),
        "the connection was still open after three read timeouts"
    );
}
