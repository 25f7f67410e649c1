//! What a hostile server or a careless caller sends is bounded and checked
//! before it is used: sizes, durations, waits and deadlines, names and URLs,
//! text shown to people, split member lists, cut-short calls, the
//! simulator's own bounds. Each test is named after the promise it guards;
//! each case once broke the code.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::traced::traced;
use common::{AUTH_ID, RawServer};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vobiz::RecordingFormat;
use vobiz::conference::MemberSelector;
use vobiz::testing::{FakeVobiz, Fault};
use vobiz::{Error, RetryPolicy};

const TOKEN: &str = common::HOSTILE_TOKEN;

fn client(base_url: &str) -> vobiz::Client {
    common::client_as(base_url, AUTH_ID, TOKEN)
}

/// Promise: `build()` refuses what it cannot honour, and nothing panics.
#[test]
fn extreme_durations_are_refused_at_build() {
    let b = || vobiz::Client::builder(AUTH_ID, TOKEN);
    let policy = RetryPolicy::default;
    let refused = [
        b().operation_timeout(Duration::MAX).build(),
        b().timeout(Duration::MAX).build(),
        b().connect_timeout(Duration::from_secs(365 * 86_400))
            .build(),
        b().retry(policy().max_retry_after(Duration::MAX)).build(),
        b().retry(
            policy()
                .initial_backoff(Duration::MAX)
                .max_backoff(Duration::MAX),
        )
        .build(),
    ];
    for result in refused {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.to_string().contains("longer than"), "{err}");
    }
    b().operation_timeout(vobiz::MAX_WAIT)
        .retry(
            policy()
                .max_retry_after(vobiz::MAX_WAIT)
                .max_backoff(vobiz::MAX_WAIT),
        )
        .build()
        .unwrap();
}

fn wait() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_millis(1)),
        Just(Duration::from_millis(50)),
        Just(vobiz::MAX_WAIT),
        Just(vobiz::MAX_WAIT + Duration::from_secs(1)),
        Just(Duration::MAX),
    ]
}

fn retry_after() -> impl Strategy<Value = String> {
    let far = httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(253_402_300_799));
    prop_oneof![
        Just("0".to_owned()),
        Just("1".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("-1".to_owned()),
        Just("1e9".to_owned()),
        Just(far),
        Just("Thu, 01 Jan 1970 00:00:00 GMT".to_owned()),
        Just("soon".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: no setting combined with any server input panics, and a
    /// call with an operation timeout returns within it.
    #[test]
    fn extreme_settings_and_hostile_retry_after_never_panic(
        initial in wait(),
        max_backoff in wait(),
        max_retry_after in wait(),
        operation in prop_oneof![Just(None), wait().prop_map(Some)],
        attempts in prop_oneof![Just(1u32), Just(3), Just(u32::MAX)],
        status in prop_oneof![Just(429u16), Just(503)],
        after in retry_after(),
    ) {
        let h = world!(TOKEN);
        let policy = RetryPolicy::default()
            .max_attempts(attempts)
            .initial_backoff(initial)
            .max_backoff(max_backoff)
            .max_retry_after(max_retry_after);
        let mut builder = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(h.server.base_url())
            .retry(policy);
        if let Some(operation) = operation {
            builder = builder.operation_timeout(operation);
        }
        let Ok(client) = builder.build() else { return Ok(()) };
        h.server.respond_with_headers(status, &[("retry-after", &after)], b"");
        let bound = operation.unwrap_or(Duration::from_secs(2)).min(Duration::from_secs(2));
        let started = Instant::now();
        let outcome = h.rt.block_on(async {
            tokio::time::timeout(bound + Duration::from_millis(300), client.hangup_conference("r")).await
        });
        if operation.is_some_and(|o| o <= Duration::from_secs(2)) {
            prop_assert!(outcome.is_ok(), "outlived its operation timeout of {operation:?}");
            prop_assert!(started.elapsed() <= bound + Duration::from_millis(300));
        }
    }
}

/// Promise: deadlines are absolute. A call retrying inside a sweep gives up
/// at its operation timeout rather than wait out a pause that another call's
/// 429 set past that deadline.
///
/// `busy` always answers 503. `slow` holds the second slot for a second, so
/// `limited` starts late: its 429 (`Retry-After: 1`, at 1.2 s) pauses the
/// sweep until 2.2 s, within its own deadline but past `busy`'s (2 s).
#[tokio::test]
async fn a_sweep_call_never_outlives_its_operation_timeout() {
    use futures_util::StreamExt;
    let server = common::RouteServer::start(|path| {
        if path.contains("/Conference/busy/") {
            common::Answer::status(503)
        } else if path.contains("/Conference/limited/") {
            common::Answer::status(429)
                .header("retry-after", "1")
                .delay(Duration::from_millis(200))
        } else {
            common::Answer::status(204).delay(Duration::from_secs(1))
        }
    })
    .await;
    let fast = Duration::from_millis(50);
    let client = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.base_url())
        .operation_timeout(Duration::from_secs(2))
        .retry(
            RetryPolicy::default()
                .max_attempts(1000)
                .initial_backoff(fast)
                .max_backoff(fast),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let sweep = client.hangup_conferences(["busy", "slow", "limited"], 2);
    let results: Vec<_> = sweep
        .map(|(name, outcome)| (name, outcome, started.elapsed()))
        .collect()
        .await;
    let (_, outcome, at) = results.iter().find(|(name, ..)| name == "busy").unwrap();
    assert_eq!(outcome.as_ref().unwrap_err().status(), Some(503));
    assert!(
        *at < Duration::from_millis(2_100),
        "busy returned after {at:?}"
    );
}

/// Promise: over-long input is invalid input, decided before any I/O, with
/// a short message; through the wrappers and `Error::from_api` alike.
#[tokio::test]
async fn an_over_long_name_is_invalid_input_with_a_short_message() {
    let server = RawServer::start(common::NO_CONTENT).await;
    let client = client(&server.base_url());
    for name in ["é".repeat(11_000), "x".repeat(1_000_000)] {
        let wrapped = client.hangup_conference(&name).await.unwrap_err();
        let raw = Error::from_api(
            client
                .api()
                .delete_conference()
                .conference_name(&name)
                .send()
                .await
                .unwrap_err(),
        )
        .await;
        for err in [wrapped, raw] {
            assert!(err.is_invalid_input(), "{err:?}");
            assert_eq!(err.attempts(), 0);
            assert!(
                err.to_string().len() < 200,
                "{} bytes",
                err.to_string().len()
            );
        }
    }
    assert_eq!(server.count(), 0, "nothing reached the server");
}

/// Promise: one line, the truth. A base URL the url crate would silently
/// change is refused, and said on one line.
#[test]
fn base_urls_with_whitespace_are_refused_not_changed() {
    for url in [
        "https://api.vobiz.ai\t.evil.example/",
        "https://api.vobiz.ai\n.evil.example/",
        "https://api.vobiz.ai/\r\nX-Injected: 1",
        " https://api.vobiz.ai/",
        "https://api.vobiz.ai/ ",
    ] {
        let err = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(url)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url:?}: {err:?}");
        let shown = err.to_string();
        assert!(!shown.contains(['\n', '\r', '\t']), "{shown:?}");
    }
}

#[tokio::test]
async fn server_messages_lose_line_and_direction_controls_and_keep_to_1_kib() {
    let server = RawServer::start(common::NO_CONTENT).await;
    let client = client(&server.base_url());
    let spoof = "ok\u{2028}INFO forged line\u{2029}\u{202E}txt.exe\u{2066}x\u{2069}\r\nend";
    let body = serde_json::json!({"error": spoof, "api_id": "a\u{202E}b"}).to_string();
    server.respond_with(400, body.as_bytes());
    let err = client.hangup_conference("r").await.unwrap_err();
    assert_eq!(err.message(), Some("ok INFO forged line txt.exex  end"));
    assert_eq!(err.api_id(), Some("ab"));
    for long in ["x".repeat(5_000), "é".repeat(3_000), "日".repeat(2_000)] {
        server.respond_with(
            400,
            serde_json::json!({"error": long}).to_string().as_bytes(),
        );
        let err = client.hangup_conference("r").await.unwrap_err();
        let message = err.message().unwrap();
        assert!(message.len() <= 1024, "{} bytes", message.len());
        assert!(message.ends_with('…'));
    }
}

/// A keep-alive server whose idle timer fires 2 ms after each connection's
/// first answer: it closes the connection without reading anything more and
/// without having said so (no `Connection: close`). A request the client
/// writes on it in those 2 ms never reaches the server. POSTs answer 202, the
/// rest 204. Returns its address and the number of requests it answered.
async fn closes_after_each_answer() -> (std::net::SocketAddr, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = answered.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let count = count.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let Ok(n) = stream.read(&mut buf).await else {
                    return;
                };
                let answer: &[u8] = if buf[..n].starts_with(b"POST") {
                    b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                } else {
                    b"HTTP/1.1 204 No Content\r\n\r\n"
                };
                if n == 0 {
                    return;
                }
                // Counted before the answer goes out, so that a caller who
                // has its answer always finds it counted.
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if stream.write_all(answer).await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            });
        }
    });
    (addr, answered)
}

/// Promise: stale connections lose nothing. POSTs never ride a kept-alive
/// connection (so none is lost, even with `RetryPolicy::none()`), and a
/// retry after a connection failure takes a new connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_the_server_closed_lose_no_request() {
    use futures_util::StreamExt;
    let (addr, answered) = closes_after_each_answer().await;
    let fast = common::fast_retry();
    let build = |policy: RetryPolicy| {
        vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(format!("http://{addr}"))
            .retry(policy)
            .build()
            .unwrap()
    };
    let (with_retries, without) = (build(fast), build(RetryPolicy::none()));
    let names: Vec<String> = (0..300).map(|i| format!("room-{i}")).collect();
    let sweep = with_retries
        .hangup_conferences(names, 8)
        .map(|(_, outcome)| outcome.map(drop));
    let kicks = futures_util::stream::iter(0..150)
        .map(|i| {
            let client = if i % 2 == 0 { &with_retries } else { &without };
            async move {
                client
                    .conference("room")
                    .members("1")
                    .kick()
                    .await
                    .map(drop)
            }
        })
        .buffer_unordered(8);
    let (swept, kicked): (Vec<_>, Vec<_>) = tokio::join!(sweep.collect(), kicks.collect());
    let lost: Vec<&Error> = swept
        .iter()
        .chain(&kicked)
        .filter_map(|r| r.as_ref().err())
        .collect();
    assert!(lost.is_empty(), "{} lost: {lost:?}", lost.len());
    assert!(answered.load(std::sync::atomic::Ordering::SeqCst) >= 450);
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
