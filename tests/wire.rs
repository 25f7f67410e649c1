//! What goes on the wire and what the caller gets back, against loopback
//! wiremock servers.

mod common;

use std::time::{Duration, SystemTime};

use common::answering as server_answering;
use common::{AUTH_ID, TOKEN, client};
use serde_json::json;
use vobiz::Error;
use vobiz::conference::Hangup;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ROOM_PATH: &str = "/api/v1/Account/MA_TEST0001/Conference/My%20Room/";

async fn hangup_against(response: ResponseTemplate) -> (Result<(), Error>, MockServer) {
    let server = server_answering(response).await;
    let result = client(&server.uri()).hangup_conference("My Room").await;
    (result, server)
}

#[tokio::test]
async fn sends_delete_with_both_auth_headers() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(ROOM_PATH))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server.uri())
        .hangup_conference("My Room")
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let sent = &requests[0];
    assert_eq!(sent.url.path(), ROOM_PATH);
    assert_eq!(sent.headers["x-auth-id"], AUTH_ID);
    assert_eq!(sent.headers["x-auth-token"], TOKEN);
    assert_eq!(sent.headers["user-agent"], vobiz::DEFAULT_USER_AGENT);
    assert!(
        sent.headers.get("api-version").is_none(),
        "progenitor's header is dropped"
    );
    assert!(sent.body.is_empty());
}

#[tokio::test]
async fn generated_operation_is_authenticated_too() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let client = client(&server.uri());
    client
        .api()
        .delete_conference()
        .conference_name("r")
        .send()
        .await
        .unwrap();
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.method.as_str(), "DELETE");
    assert_eq!(sent.url.path(), "/api/v1/Account/MA_TEST0001/Conference/r/");
    assert_eq!(sent.headers["x-auth-id"], AUTH_ID);
    assert_eq!(sent.headers["x-auth-token"], TOKEN);
}

#[tokio::test]
async fn supplied_http_client_gets_the_credentials() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let http = common::http_client_builder()
        .user_agent("their-agent/1")
        .build()
        .unwrap();
    let client = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.uri())
        .http_client(http)
        .build()
        .unwrap();
    client.hangup_conference("r").await.unwrap();
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.headers["x-auth-id"], AUTH_ID);
    assert_eq!(sent.headers["x-auth-token"], TOKEN);
    assert_eq!(sent.headers["user-agent"], "their-agent/1");
}

#[test]
fn supplied_client_that_follows_redirects_is_refused() {
    let err = vobiz::Client::builder(AUTH_ID, TOKEN)
        .http_client(reqwest::Client::new())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
    assert!(err.to_string().contains("Policy::none()"), "{err}");
}

#[test]
fn supplied_client_without_redirects_is_accepted() {
    let http = common::http_client_builder().build().unwrap();
    vobiz::Client::builder(AUTH_ID, TOKEN)
        .http_client(http)
        .build()
        .unwrap();
}

#[tokio::test]
async fn no_content_is_ok_and_ended() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let client = client(&server.uri());
    assert_eq!(
        client.hangup_conference_if_active("a").await.unwrap(),
        Hangup::Ended
    );
    client.hangup_conference("a").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for sent in &requests {
        assert_eq!(sent.method.as_str(), "DELETE");
        assert_eq!(sent.url.path(), "/api/v1/Account/MA_TEST0001/Conference/a/");
    }
}

#[tokio::test]
async fn not_found_is_an_error_or_not_active() {
    let body = json!({"error": "conference not found", "api_id": "4a1b-404"});
    let server = server_answering(ResponseTemplate::new(404).set_body_json(&body)).await;
    let client = client(&server.uri());

    let err = client.hangup_conference("gone").await.unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_retryable());
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.message(), Some("conference not found"));
    assert_eq!(err.api_id(), Some("4a1b-404"));

    let outcome = client.hangup_conference_if_active("gone").await.unwrap();
    assert_eq!(outcome, Hangup::NotActive);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn each_status_maps_to_its_variant() {
    type Check = fn(&Error) -> bool;
    let cases: &[(u16, Check, bool)] = &[
        (400, |e| matches!(e, Error::Api(_)), false),
        (401, |e| matches!(e, Error::Unauthorized(_)), false),
        (403, |e| matches!(e, Error::Forbidden(_)), false),
        (404, |e| matches!(e, Error::NotFound(_)), false),
        (408, |e| matches!(e, Error::Api(_)), true),
        (409, |e| matches!(e, Error::Api(_)), false),
        (429, |e| matches!(e, Error::RateLimited(_)), true),
        (500, |e| matches!(e, Error::Server(_)), true),
        (502, |e| matches!(e, Error::Server(_)), true),
        (503, |e| matches!(e, Error::Server(_)), true),
        (504, |e| matches!(e, Error::Server(_)), true),
        (200, |e| matches!(e, Error::Api(_)), false),
    ];
    for &(status, is_variant, retryable) in cases {
        let body = json!({"error": format!("failure {status}"), "api_id": "id-1"});
        let (result, server) =
            hangup_against(ResponseTemplate::new(status).set_body_json(&body)).await;
        let err = result.unwrap_err();
        assert!(is_variant(&err), "{status} gave {err:?}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.is_retryable(), retryable, "{status}");
        assert_eq!(err.message(), Some(format!("failure {status}").as_str()));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn rate_limit_reads_retry_after_in_seconds_and_as_a_date() {
    let (result, _s) =
        hangup_against(ResponseTemplate::new(429).insert_header("Retry-After", "7")).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::RateLimited(_)));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));

    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    let (result, _s) =
        hangup_against(ResponseTemplate::new(429).insert_header("Retry-After", date)).await;
    let wait = result.unwrap_err().retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
}

#[tokio::test]
async fn nested_error_shape_is_understood() {
    let body = json!({
        "status": "error",
        "error": {"code": "CONFERENCE_LOCKED", "message": "conference is locked", "details": {"room": "x"}},
        "timestamp": "2026-11-29T07:00:00Z",
        "requestId": "req-77",
    });
    let (result, _s) = hangup_against(ResponseTemplate::new(409).set_body_json(&body)).await;
    let err = result.unwrap_err();
    let api = err.api_error().unwrap();
    assert_eq!(api.message(), Some("conference is locked"));
    assert_eq!(api.code(), Some("CONFERENCE_LOCKED"));
    assert_eq!(api.request_id(), Some("req-77"));
    assert_eq!(api.details(), Some(&json!({"room": "x"})));
    assert!(err.to_string().contains("conference is locked"), "{err}");
}

#[tokio::test]
async fn empty_and_non_json_bodies_keep_the_status() {
    let (result, _s) = hangup_against(ResponseTemplate::new(503)).await;
    let err = result.unwrap_err();
    assert_eq!((err.status(), err.message()), (Some(503), None));

    let page = format!(
        "<!DOCTYPE HTML>\n<html lang=\"en\"><head><title>501</title></head>\n<body>{}</body></html>",
        "Not Implemented. ".repeat(40)
    );
    let answer = ResponseTemplate::new(501).set_body_raw(page.clone(), "text/html; charset=utf-8");
    let (result, _s) = hangup_against(answer).await;
    let err = result.unwrap_err();
    assert_eq!(err.status(), Some(501));
    // A page is summarised, not printed: one short line a person can read.
    let summary = format!("a text/html body of {} bytes, not shown", page.len());
    assert_eq!(err.message(), Some(summary.as_str()));
    assert!(!err.to_string().contains("DOCTYPE"), "{err}");
    assert_eq!(err.api_error().unwrap().body(), page.as_bytes());

    // Markup sent as plain text is summarised too.
    let html = "<html><body>502 Bad Gateway</body></html>";
    let (result, _s) = hangup_against(ResponseTemplate::new(502).set_body_string(html)).await;
    let err = result.unwrap_err();
    let summary = format!("a text/plain body of {} bytes, not shown", html.len());
    assert_eq!(err.message(), Some(summary.as_str()));

    // One short line of plain text is the message as it stands.
    let answer = ResponseTemplate::new(503).set_body_string("upstream connect error");
    let (result, _s) = hangup_against(answer).await;
    assert_eq!(
        result.unwrap_err().message(),
        Some("upstream connect error")
    );
}

#[tokio::test]
async fn huge_body_is_cut_to_a_bounded_message() {
    let huge = "x".repeat(8 * 1024 * 1024);
    let (result, _s) = hangup_against(ResponseTemplate::new(500).set_body_string(huge)).await;
    let err = result.unwrap_err();
    assert_eq!(err.status(), Some(500));
    // Read up to the bound and no further: 64 KiB of the 8 MiB sent.
    assert_eq!(err.api_error().unwrap().body().len(), 64 * 1024);
    let message = err.message().unwrap();
    assert!(message.len() <= 1024, "{}", message.len());
    assert!(err.to_string().len() < 2048);
}

#[tokio::test]
async fn redirects_are_refused_and_nothing_reaches_their_target() {
    let elsewhere = server_answering(ResponseTemplate::new(204)).await;
    for status in [301, 302, 307, 308] {
        let location = format!("{}/steal/", elsewhere.uri());
        let redirect = ResponseTemplate::new(status).insert_header("Location", location.as_str());
        let (result, origin) = hangup_against(redirect).await;
        let err = result.unwrap_err();
        match &err {
            Error::Redirect {
                status: s,
                location: l,
            } => {
                assert_eq!((*s, l.as_str()), (status, location.as_str()));
            }
            other => panic!("{status} gave {other:?}"),
        }
        assert!(err.to_string().contains(&location), "{err}");
        assert_eq!(origin.received_requests().await.unwrap().len(), 1);
    }
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_server_echoing_the_token_cannot_put_it_into_errors() {
    let body = json!({"error": format!("bad token {TOKEN}"), "api_id": TOKEN});
    let (result, _s) = hangup_against(ResponseTemplate::new(401).set_body_json(&body)).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert_eq!(err.message(), Some("bad token <redacted>"));
    for shown in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

#[tokio::test]
async fn token_never_shows_in_debug() {
    let builder = vobiz::Client::builder(AUTH_ID, TOKEN);
    assert!(!format!("{builder:?}").contains(TOKEN));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));
    assert!(!format!("{:?}", client.api()).contains(TOKEN));
    assert!(format!("{client:?}").contains(AUTH_ID));
}

#[tokio::test]
async fn refused_names_send_nothing() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let client = client(&server.uri());
    for name in ["", ".", ".."] {
        let err = client.hangup_conference(name).await.unwrap_err();
        assert!(err.is_invalid_input(), "{err}");
        let err = Error::from_api(
            client
                .api()
                .delete_conference()
                .conference_name(name)
                .send()
                .await
                .unwrap_err(),
        )
        .await;
        assert!(err.is_invalid_input(), "{err}");
        let err = Error::from_api(
            client
                .api()
                .delete_conference()
                .auth_id(name)
                .conference_name("room")
                .send()
                .await
                .unwrap_err(),
        )
        .await;
        assert!(err.is_invalid_input(), "{err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let err = client(&common::refused_url())
        .hangup_conference("r")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn slow_server_is_a_timeout() {
    let slow = ResponseTemplate::new(204).set_delay(Duration::from_secs(5));
    let server = server_answering(slow).await;
    let client = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .retry(vobiz::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.hangup_conference("r").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    client(&format!("{}/gateway/", server.uri()))
        .hangup_conference("r")
        .await
        .unwrap();
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        sent.url.path(),
        "/gateway/api/v1/Account/MA_TEST0001/Conference/r/"
    );
}

#[test]
fn configuration_is_checked_at_build() {
    let b = || vobiz::Client::builder(AUTH_ID, TOKEN);
    let supplied = || common::http_client_builder().build().unwrap();
    let cases = [
        (
            b().base_url("http://api.vobiz.ai"),
            "plain http to a non-loopback host",
        ),
        (b().base_url("ftp://127.0.0.1"), "must use https"),
        (b().base_url("not-a-url"), "must be an absolute URL"),
        (
            b().base_url("not a url"),
            "must not contain white space or control characters",
        ),
        (
            b().base_url("https://user:pw@api.vobiz.ai"),
            "must not carry credentials",
        ),
        (
            b().base_url("https://api.vobiz.ai/?x=1"),
            "must not have a query or fragment",
        ),
        (
            b().base_url("https://api.vobiz.ai/#top"),
            "must not have a query or fragment",
        ),
        (
            vobiz::Client::builder(AUTH_ID, "tok\nen-123456"),
            "auth token must be printable ASCII",
        ),
        (vobiz::Client::builder(AUTH_ID, ""), "auth token is empty"),
        (
            vobiz::Client::builder(AUTH_ID, "short"),
            "auth token is shorter than 8",
        ),
        (
            vobiz::Client::builder("", TOKEN),
            "auth ID must not be empty",
        ),
        (
            vobiz::Client::builder("..", TOKEN),
            "auth ID must not be `.` or `..`",
        ),
        (
            vobiz::Client::builder("MA é", TOKEN),
            "auth ID must be printable ASCII",
        ),
        (
            b().user_agent("a\r\nb"),
            "user agent must be printable ASCII",
        ),
        (
            b().timeout(Duration::ZERO),
            "timeout must be longer than zero",
        ),
        (
            b().connect_timeout(Duration::ZERO),
            "connect_timeout must be longer than zero",
        ),
        (
            b().operation_timeout(Duration::ZERO),
            "operation_timeout must be longer than zero",
        ),
        (
            b().connect_timeout(Duration::from_secs(1))
                .http_client(supplied()),
            "connect_timeout cannot be applied to a supplied http_client",
        ),
        (
            b().http_client(reqwest::Client::new()),
            "the supplied http_client follows redirects",
        ),
    ];
    for (builder, reason) in cases {
        let err = builder.build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains(reason), "{reason:?} not in {shown:?}");
        assert!(!shown.contains(TOKEN));
    }
    b().base_url("http://api.vobiz.ai")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    b().base_url("http://localhost:8080").build().unwrap();
    b().base_url("http://[::1]:8080").build().unwrap();
}

#[test]
fn public_types_are_thread_safe() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    fn assert_send_sync<T: Send + Sync + std::error::Error + 'static>() {}
    assert_send_sync_clone::<vobiz::Client>();
    assert_send_sync::<Error>();
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so
/// a connection attempt hangs until the client's connect timeout.
fn unanswering_listener() -> (
    std::net::SocketAddr,
    Vec<std::net::TcpStream>,
    tokio::net::TcpListener,
) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut filling = Vec::new();
    while let Ok(stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
        filling.push(stream);
        assert!(filling.len() < 64, "the accept queue does not fill");
    }
    (addr, filling, listener)
}

#[tokio::test]
async fn the_connect_timeout_ends_a_connection_that_never_completes() {
    let (addr, _filling, _listener) = unanswering_listener();
    let client = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .retry(vobiz::RetryPolicy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.hangup_conference("r").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[tokio::test]
async fn the_user_agent_is_ours_unless_set_and_overrides_a_supplied_clients() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let own = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.uri())
        .user_agent("moderator/2.1")
        .build()
        .unwrap();
    own.hangup_conference("r").await.unwrap();
    let supplied = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.uri())
        .http_client(
            common::http_client_builder()
                .user_agent("theirs/1")
                .build()
                .unwrap(),
        )
        .user_agent("moderator/2.2")
        .build()
        .unwrap();
    supplied.hangup_conference("r").await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].headers["user-agent"], "moderator/2.1");
    assert_eq!(requests[1].headers["user-agent"], "moderator/2.2");
}

#[tokio::test]
async fn the_timeout_applies_to_a_supplied_client_too() {
    let slow = ResponseTemplate::new(204).set_delay(Duration::from_secs(5));
    let server = server_answering(slow).await;
    let client = vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.uri())
        .http_client(common::http_client_builder().build().unwrap())
        .timeout(Duration::from_millis(200))
        .retry(vobiz::RetryPolicy::none())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.hangup_conference("r").await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

/// `allow_insecure_http` lets plain http go to a host that is not loopback
/// by name (here a made-up name resolved to a loopback server).
#[tokio::test]
async fn allow_insecure_http_sends_over_plain_http() {
    let server = server_answering(ResponseTemplate::new(204)).await;
    let port = server.address().port();
    let http = || {
        common::http_client_builder()
            .resolve("insecure.vobiz.test", *server.address())
            .build()
            .unwrap()
    };
    let base = format!("http://insecure.vobiz.test:{port}");
    let builder = || {
        vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(&base)
            .http_client(http())
    };
    let refused = builder().build().unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("plain http to a non-loopback host"),
        "{refused}"
    );
    builder()
        .allow_insecure_http(true)
        .build()
        .unwrap()
        .hangup_conference("r")
        .await
        .unwrap();
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.headers["x-auth-token"], TOKEN);
    assert_eq!(
        sent.headers["host"],
        format!("insecure.vobiz.test:{port}").as_str()
    );
}

#[tokio::test]
async fn a_redirect_without_a_location_says_so() {
    let (result, _s) = hangup_against(ResponseTemplate::new(302)).await;
    match result.unwrap_err() {
        Error::Redirect { status, location } => {
            assert_eq!((status, location.as_str()), (302, "(no Location header)"))
        }
        other => panic!("{other:?}"),
    }
}
