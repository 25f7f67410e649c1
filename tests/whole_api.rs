//! Every operation of the vendored spec, sent through `Client::invoke` with
//! its page's documented arguments (`generated::documented`), answered by the
//! simulator as its page documents, and seen on the wire as the page
//! describes it. No line here names an operation: one imported tomorrow is
//! covered by the same loop. (`tests/contract.rs` puts Prism between the
//! two, judging every request and every answer.)

mod common;

use common::documented::{arguments, live_room, params};
use serde_json::Value;
use vobiz::generated::{documented, operations};
use vobiz::invoke::{Answer, Arguments};
use vobiz::operation::Operation;
use vobiz::testing::{FAKE_AUTH_ID, FakeVobiz};

/// The path `op` is sent to with `args`, as the simulator records it.
fn expected_path(op: &Operation, args: &[(&str, String)]) -> String {
    op.fill_path(|name| {
        let value = args.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        Some(vobiz::path::encode_segment(
            value.map_or("", String::as_str),
        ))
    })
}

#[tokio::test]
async fn the_simulator_answers_every_operation_as_its_page_documents() {
    let fake = FakeVobiz::start().await.unwrap();
    let client = fake.client();
    for (i, &op) in operations::ALL.iter().enumerate() {
        let exchange = documented::exchange(op).unwrap();
        let (room, member) = live_room(&fake, &client, i).await;
        let args = arguments(op, &room, &member);
        let before = fake.request_count();

        let answer = client.invoke(op, &args).await;

        // Each room is live, with members, and recorded, so every
        // operation can succeed.
        let answer = answer.unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(answer.status, exchange.status, "{op}");
        match (exchange.answer, &answer.body) {
            (None, Answer::Empty) | (Some(_), Answer::Json(_)) => {}
            (documented, got) => panic!("{op}: documented {documented:?}, got {got:?}"),
        }

        // On the wire: one request, the operation's method and path, the
        // documented query parameters and body.
        let requests = fake.requests();
        assert_eq!(requests.len(), before + 1, "{op}");
        let sent = &requests[before];
        assert_eq!(sent.method, op.method.as_str(), "{op}");
        let (path, query) = sent.target.split_once('?').unwrap_or((&sent.target, ""));
        let params: Vec<(&str, String)> = params(op, &room, &member)
            .into_iter()
            .map(|(name, value)| match value {
                None => (name, FAKE_AUTH_ID.to_owned()), // the account
                Some(Value::String(text)) => (name, text),
                Some(other) => (name, other.to_string()),
            })
            .collect();
        assert_eq!(path, expected_path(op, &params), "{op}");
        for (name, value) in &params {
            if !op.path.contains(&format!("{{{name}}}")) {
                let pair = format!("{name}={}", urlencoding(value));
                assert!(
                    query.split('&').any(|p| p == pair),
                    "{op}: {pair} in {query}"
                );
            }
        }
        if let Some(body) = exchange.body {
            // Every documented field as documented; the body type may add
            // its defaults.
            let documented: Value = serde_json::from_str(body).unwrap();
            let received: Value = serde_json::from_slice(&sent.body).unwrap();
            for (name, value) in documented.as_object().into_iter().flatten() {
                let got = received.get(name);
                assert!(
                    got.is_some_and(|got| same(got, value)),
                    "{op}: {name} in {received}"
                );
            }
        }
        assert_eq!(sent.headers["x-auth-id"], FAKE_AUTH_ID, "{op}");
    }
}

/// Equal JSON, reading numbers as numbers (a `number` field sends `500`
/// as `500.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn urlencoding(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn a_wrong_argument_is_refused_before_anything_is_sent() {
    let fake = FakeVobiz::start().await.unwrap();
    let client = fake.client();
    let op = &operations::GET_CONFERENCE;
    let cases = [
        Arguments::new(),
        Arguments::new().param("conference_name", 17),
        Arguments::new()
            .param("conference_name", "room")
            .param("conference", "typo"),
        Arguments::new()
            .param("conference_name", "room")
            .body(serde_json::json!({})),
        Arguments::new().param("conference_name", ".."),
    ];
    for args in cases {
        let err = client.invoke(op, &args).await.unwrap_err();
        assert!(
            matches!(err, vobiz::Error::InvalidInput(_)),
            "{args:?}: {err:?}"
        );
    }
    // A body field the operation's schema does not have would be dropped
    // by its body type: refused, not silently left out.
    let args = Arguments::new()
        .param("conference_name", "room")
        .param("member_id", "all")
        .body(serde_json::json!({"url": "https://example.com/a.mp3", "volume": 3}));
    let err = client
        .invoke(&operations::PLAY_AUDIO_MEMBER, &args)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no field `volume`"), "{err}");
    assert_eq!(fake.request_count(), 0);
}
