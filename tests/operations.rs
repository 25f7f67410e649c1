//! Each of the 14 Conference operations on the wire, through `client.api()`:
//! what reached a loopback server (method, path, query, headers, body) and
//! what the caller got back, for success, the documented 404, and retries.

mod common;

use vobiz::generated::operations;

use common::answering as server;
use common::ops::{self, Args, OPS, Op};
use common::{AUTH_ID, TOKEN};
use serde_json::{Value, json};
use vobiz::generated::types;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const ARGS: Args = Args {
    auth_id: AUTH_ID,
    conference: "Room A/1 ü",
    member: "17",
};

fn answer(status: u16, body: &str) -> ResponseTemplate {
    let response = ResponseTemplate::new(status);
    if body.is_empty() {
        response
    } else {
        response.set_body_raw(body.as_bytes().to_vec(), "application/json")
    }
}

fn client(server: &MockServer, attempts: u32) -> vobiz::Client {
    vobiz::Client::builder(AUTH_ID, TOKEN)
        .base_url(server.uri())
        .retry(common::fast_retry().max_attempts(attempts))
        .build()
        .unwrap()
}

fn encode(value: &str) -> String {
    vobiz::path::encode_segment(value)
}

/// Everything about one received request that the spec decides.
fn check_request(op: &Op, sent: &Request) {
    let id = op.id();
    assert_eq!(sent.method.as_str(), op.method(), "{id}");
    assert_eq!(sent.url.path(), op.path(ARGS, encode), "{id}");
    assert_eq!(sent.url.query(), None, "{id}: no query parameters");
    let header = |name: &str| {
        sent.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("x-auth-id").as_deref(), Some(AUTH_ID), "{id}");
    assert_eq!(header("x-auth-token").as_deref(), Some(TOKEN), "{id}");
    assert_eq!(
        header("user-agent").as_deref(),
        Some(vobiz::DEFAULT_USER_AGENT),
        "{id}"
    );
    assert_eq!(header("api-version"), None, "{id}");
    let json_answer = !op.response.is_empty();
    assert_eq!(
        header("accept").as_deref(),
        Some(if json_answer {
            "application/json"
        } else {
            "*/*"
        }),
        "{id}: asks for JSON exactly when the answer is JSON"
    );
    match op.body {
        Some(body) => {
            assert_eq!(
                header("content-type").as_deref(),
                Some("application/json"),
                "{id}"
            );
            let sent: Value = serde_json::from_slice(&sent.body).unwrap();
            assert_eq!(sent, serde_json::from_str::<Value>(body).unwrap(), "{id}");
        }
        None => {
            assert!(sent.body.is_empty(), "{id}: no body");
            assert_eq!(header("content-type"), None, "{id}");
        }
    }
}

#[tokio::test]
async fn each_operation_sends_what_the_spec_says_and_decodes_its_answer() {
    for op in &OPS {
        let server = server(answer(op.status, op.response)).await;
        let status = (op.call)(&client(&server, 1), ARGS).await;
        assert_eq!(status.unwrap(), op.status, "{}", op.id());
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "{}", op.id());
        check_request(op, &requests[0]);
    }
}

#[tokio::test]
async fn the_documented_404_is_not_found_with_its_api_id() {
    for op in &OPS {
        let api_id = format!("nf-{}", op.id());
        let body = json!({"error": "conference not found", "api_id": api_id}).to_string();
        let server = server(answer(404, &body)).await;
        let err = (op.call)(&client(&server, 3), ARGS).await.unwrap_err();
        assert!(err.is_not_found(), "{}: {err:?}", op.id());
        assert_eq!(err.status(), Some(404), "{}", op.id());
        assert_eq!(err.api_id(), Some(api_id.as_str()), "{}", op.id());
        assert_eq!(err.message(), Some("conference not found"), "{}", op.id());
        assert_eq!(err.attempts(), 1, "{}: a 404 is not retried", op.id());
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn the_typed_404_body_of_get_conference_stays_reachable() {
    let body = json!({"error": "conference not found", "api_id": "nf-1"}).to_string();
    let server = server(answer(404, &body)).await;
    let client = client(&server, 1);
    let err = client
        .call(client.api().get_conference().conference_name("gone").send())
        .await
        .unwrap_err();
    let typed: types::GetConference404Error = err.api_error().unwrap().decode_body().unwrap();
    assert_eq!(
        (typed.error.as_str(), typed.api_id.as_str()),
        ("conference not found", "nf-1")
    );
}

#[tokio::test]
async fn a_404_that_is_not_the_documented_shape_keeps_its_status() {
    for body in ["", "<html>not found</html>", r#"{"conferences": 3}"#] {
        let server = server(answer(404, body)).await;
        let err = (ops::op(&operations::GET_CONFERENCE).call)(&client(&server, 1), ARGS)
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{body:?}: {err:?}");
        assert_eq!(err.status(), Some(404));
    }
}

#[tokio::test]
async fn idempotent_operations_are_retried_and_posts_are_not() {
    for op in &OPS {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(any())
            .respond_with(answer(op.status, op.response))
            .mount(&server)
            .await;
        let outcome = (op.call)(&client(&server, 3), ARGS).await;
        let sent = server.received_requests().await.unwrap().len();
        if op.method() == "POST" {
            let err = outcome.unwrap_err();
            assert_eq!(
                (err.status(), err.attempts(), sent),
                (Some(503), 1, 1),
                "{}",
                op.id()
            );
        } else {
            assert_eq!(outcome.unwrap(), op.status, "{}", op.id());
            assert_eq!(sent, 2, "{}: the 503 was retried", op.id());
        }
    }
}

#[tokio::test]
async fn a_success_body_that_does_not_match_is_a_decode_error_with_its_status() {
    let server = server(answer(200, r#"{"conferences": "not a list"}"#)).await;
    let err = (ops::op(&operations::LIST_CONFERENCES).call)(&client(&server, 1), ARGS)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            vobiz::Error::Decode {
                status: Some(200),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

/// The table is the conference family's (every other operation is sent,
/// generically, by `tests/whole_api.rs` and `tests/contract.rs`).
#[test]
fn the_table_covers_every_conference_operation() {
    let mut in_spec: Vec<&str> = vobiz::generated::operations::ALL
        .iter()
        .filter(|op| common::documented::is_stateful(op))
        .map(|op| op.id)
        .collect();
    let mut in_table: Vec<&str> = OPS.iter().map(|op| op.id()).collect();
    in_spec.sort_unstable();
    in_table.sort_unstable();
    assert_eq!(in_table, in_spec);
}
