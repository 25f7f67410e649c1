//! The cases an adversarial review broke, kept as a suite: a hostile server
//! and a careless caller, against loopback servers. Each test is named after
//! the promise it guards.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::spelling::{SPELLINGS, Spelling};
use common::{AUTH_ID, RawServer};
use proptest::prelude::*;
use vobiz::generated::ClientInfo;
use vobiz::{Error, RetryPolicy};

/// A token with the characters encoders change (`/`, `+`).
const TOKEN: &str = "tok/SECRET+9-hostile";

fn client(base_url: &str) -> vobiz::Client {
    common::client_as(base_url, AUTH_ID, TOKEN)
}

fn spell(how: Spelling) -> String {
    how.spell(TOKEN)
}

/// Everything a caller can see of an error, as text.
fn shown(err: &Error) -> String {
    let mut text = format!("{err}\n{err:?}\n");
    text.push_str(&serde_json::to_string(&err.summary()).unwrap());
    if let Some(api) = err.api_error() {
        text.push_str(&String::from_utf8_lossy(api.body()));
        text.push_str(&format!("{:?}", api.details()));
    }
    text
}

fn assert_hidden(text: &str, spelled: &str) {
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    assert!(!text.contains(spelled), "the spelled token leaked: {text}");
}

#[derive(Debug, Clone, Copy)]
enum Place {
    FlatMessage,
    ApiId,
    NestedCode,
    NestedMessage,
    RequestId,
    Details,
    TextBody,
    EchoHeader,
    AuthenticateHeader,
    Location,
}

const PLACES: [Place; 10] = [
    Place::FlatMessage,
    Place::ApiId,
    Place::NestedCode,
    Place::NestedMessage,
    Place::RequestId,
    Place::Details,
    Place::TextBody,
    Place::EchoHeader,
    Place::AuthenticateHeader,
    Place::Location,
];

/// (headers, body) of an answer carrying `spelled` at `place`.
fn answer(place: Place, spelled: &str) -> (Vec<(&'static str, String)>, String) {
    let nested = |code: &str, message: &str, request_id: &str, details: &str| {
        format!(
            r#"{{"status":"error","error":{{"code":"{code}","message":"{message}","details":{{"echo":"{details}"}}}},"timestamp":"t","requestId":"{request_id}"}}"#
        )
    };
    let echo = format!("bad token {spelled}");
    match place {
        Place::FlatMessage => (vec![], format!(r#"{{"error":"{echo}","api_id":"a-1"}}"#)),
        Place::ApiId => (vec![], format!(r#"{{"error":"no","api_id":"{spelled}"}}"#)),
        Place::NestedCode => (vec![], nested(spelled, "m", "r", "d")),
        Place::NestedMessage => (vec![], nested("C", &echo, "r", "d")),
        Place::RequestId => (vec![], nested("C", "m", spelled, "d")),
        Place::Details => (vec![], nested("C", "m", "r", spelled)),
        Place::TextBody => (vec![], format!("<html>{echo}</html>")),
        Place::EchoHeader => (vec![("x-echo", echo)], String::new()),
        Place::AuthenticateHeader => (
            vec![("www-authenticate", format!("Token realm=\"{spelled}\""))],
            String::new(),
        ),
        Place::Location => (
            vec![("location", format!("https://x.example/?t={spelled}"))],
            String::new(),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_500, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: the token never appears in an error, whatever the status,
    /// the body, where the server puts the token and how it spells it.
    #[test]
    fn an_echoed_token_never_reaches_an_error(
        status in prop_oneof![200u16..203, 300u16..309, 400u16..600],
        place in proptest::sample::select(&PLACES[..]),
        how in proptest::sample::select(&SPELLINGS[..]),
    ) {
        let h = world!(TOKEN);
        let spelled = spell(how);
        let (headers, body) = answer(place, &spelled);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        h.server.respond_with_headers(status, &headers, body.as_bytes());
        let err = h.rt.block_on(h.client.hangup_conference("room")).unwrap_err();
        assert_hidden(&shown(&err), &spelled);
        // The generated error, as `client.api()` hands it out.
        let raw = h.rt.block_on(h.client.api().delete_conference().conference_name("room").send()).unwrap_err();
        assert_hidden(&format!("{raw:?}\n{raw}"), &spelled);
    }
}

#[tokio::test]
async fn a_2xx_answer_that_echoes_the_token_never_shows_it() {
    for status in [200, 202] {
        let server = RawServer::start(common::NO_CONTENT).await;
        server.respond_with(status, format!("bad token {TOKEN}").as_bytes());
        let err = client(&server.base_url())
            .hangup_conference("r")
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.message(), Some("bad token <redacted>"));
        assert_hidden(&shown(&err), TOKEN);
    }
}

#[tokio::test]
async fn a_redirect_location_is_shown_without_the_token() {
    let server = RawServer::start(common::NO_CONTENT).await;
    let location = format!("https://x.example/?t={TOKEN}");
    server.respond_with_headers(302, &[("location", &location)], b"");
    let err = client(&server.base_url())
        .hangup_conference("r")
        .await
        .unwrap_err();
    match &err {
        Error::Redirect { location, .. } => {
            assert_eq!(location, "https://x.example/?t=<redacted>")
        }
        other => panic!("{other:?}"),
    }
}

/// Promise (issue 22, break 9): a base URL holding the token anywhere (in
/// its path, spelled as it is or percent-encoded) is refused at `build()`,
/// since the base URL shows in transport errors and traces.
#[test]
fn a_base_url_holding_the_token_is_refused() {
    let encoded: String = TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
    for base in [
        format!("http://127.0.0.1:9/{TOKEN}/"),
        format!("http://127.0.0.1:9/v1/{encoded}"),
    ] {
        let err = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(base.clone())
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{base}: {err:?}");
        assert!(err.to_string().contains("holds the auth token"), "{err}");
        assert_hidden(&shown(&err), TOKEN);
    }
}

#[test]
fn a_base_url_with_credentials_is_refused_without_echoing_them() {
    let err = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(format!("https://{AUTH_ID}:{TOKEN}@api.vobiz.ai/"))
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_hidden(&shown(&err), TOKEN);
    assert!(!err.to_string().contains(AUTH_ID), "{err}");
}

/// Promise: credentials go to the configured origin only. A generated client
/// assembled by hand around a copy of the hooks' configuration, with a
/// reqwest client that follows redirects, still sends through the client
/// `build()` checked.
#[tokio::test]
async fn a_generated_client_built_by_hand_cannot_carry_the_token_elsewhere() {
    let elsewhere = RawServer::start(common::NO_CONTENT).await;
    let origin = RawServer::start(common::NO_CONTENT).await;
    let location = format!("{}/steal/", elsewhere.base_url());
    origin.respond_with_headers(307, &[("location", &location)], b"");
    let c = client(&origin.base_url());
    let inner = c.api().inner().clone();
    let built = [
        vobiz::generated::Client::new_with_client(
            c.base_url(),
            reqwest::Client::new(),
            inner.clone(),
        ),
        vobiz::generated::Client::new(c.base_url(), inner),
    ];
    for generated in built {
        let err = Error::from_api(
            generated
                .delete_conference()
                .conference_name("r")
                .send()
                .await
                .unwrap_err(),
        )
        .await;
        assert!(
            matches!(err, Error::Redirect { status: 307, .. }),
            "{err:?}"
        );
    }
    assert_eq!(origin.count(), 2);
    assert_eq!(
        elsewhere.count(),
        0,
        "nothing reached the redirect's target"
    );
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

/// Promise: over plain http (loopback, the simulator) no proxy ever sees the
/// token: a supplied client that may use one is refused.
#[test]
fn a_supplied_client_that_may_use_a_proxy_is_refused_over_plain_http() {
    let with_env_proxies = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let err = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url("http://127.0.0.1:9")
        .http_client(with_env_proxies.clone())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no_proxy"), "{err}");
    // Over https a proxy only tunnels encrypted bytes.
    vobiz::Client::builder(AUTH_ID, TOKEN)
        .http_client(with_env_proxies)
        .build()
        .unwrap();
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
