//! Property: whatever an unsuccessful response carries, the caller gets the
//! status, a bounded one-line message, and the documented fields.

mod common;

use std::sync::OnceLock;

use common::World;
use proptest::prelude::*;
use serde_json::json;

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(World::start)
}

#[derive(Debug, Clone)]
enum Body {
    Flat {
        error: String,
        api_id: String,
    },
    Nested {
        code: String,
        message: String,
        request_id: String,
    },
    Raw(Vec<u8>),
}

impl Body {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Flat { error, api_id } => json!({"error": error, "api_id": api_id})
                .to_string()
                .into_bytes(),
            Body::Nested {
                code,
                message,
                request_id,
            } => json!({
                "status": "error",
                "error": {"code": code, "message": message, "details": null},
                "timestamp": "2026-11-29T00:00:00Z",
                "requestId": request_id,
            })
            .to_string()
            .into_bytes(),
            Body::Raw(bytes) => bytes.clone(),
        }
    }
}

fn body() -> impl Strategy<Value = Body> {
    let text = "[a-zA-Z0-9 ]{1,40}";
    prop_oneof![
        (any::<String>(), text).prop_map(|(error, api_id)| Body::Flat { error, api_id }),
        (text, any::<String>(), text).prop_map(|(code, message, request_id)| Body::Nested {
            code,
            message,
            request_id
        }),
        proptest::collection::vec(any::<u8>(), 0..4096).prop_map(Body::Raw),
        "[ -~]{0,3000}".prop_map(|s| Body::Raw(s.into_bytes())),
    ]
}

/// What `message()` must be for a server text that fits the bound.
fn one_line(text: &str) -> Option<String> {
    let line: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    (!line.is_empty()).then_some(line)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_error_body_gives_status_and_bounded_fields(status in 400u16..600, body in body()) {
        let w = world();
        w.server.respond_with(status, &body.bytes());
        let err = w.rt.block_on(w.client.hangup_conference("room")).unwrap_err();

        prop_assert_eq!(err.status(), Some(status));
        let shown = err.to_string();
        prop_assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown:?}");
        let message = err.message().map(str::to_owned);
        if let Some(m) = &message {
            prop_assert!(m.len() <= 1024 + '…'.len_utf8());
            prop_assert!(!m.chars().any(char::is_control));
        }
        match &body {
            Body::Flat { error, api_id } => {
                prop_assert_eq!(err.api_id().map(str::to_owned), one_line(api_id));
                if error.len() < 1000 {
                    prop_assert_eq!(message, one_line(error));
                }
            }
            Body::Nested { code, message: m, request_id } => {
                let api = err.api_error().unwrap();
                prop_assert_eq!(api.code().map(str::to_owned), one_line(code));
                prop_assert_eq!(api.request_id().map(str::to_owned), one_line(request_id));
                if m.len() < 1000 {
                    prop_assert_eq!(message, one_line(m));
                }
            }
            Body::Raw(_) => {}
        }
    }
}
