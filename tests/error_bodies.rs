//! Property: for every operation, whatever an unsuccessful response carries
//! (the documented error shape, Vobiz's other shape, nothing, something that
//! is not JSON, more than the 64 KiB that are read), the caller gets the
//! status, the classification that goes with it, a bounded one-line message
//! and the documented fields.

mod common;

use common::ops::{Args, OPS};
use proptest::prelude::*;
use serde_json::json;
use vobiz::Error;

#[derive(Debug, Clone)]
enum Body {
    /// `{"error", "api_id"}`: the shape the spec documents (get-conference's 404).
    Flat {
        error: String,
        api_id: String,
    },
    /// `{"status", "error": {"code", "message", "details"}, "timestamp", "requestId"}`.
    Nested {
        code: String,
        message: String,
        request_id: String,
    },
    Empty,
    /// Bytes that are not JSON (they start with `<`, as a proxy's page does).
    NotJson(Vec<u8>),
    /// One short line of plain text, as a proxy's `upstream connect error`.
    Plain(String),
    /// More than is ever read.
    Huge(usize),
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
            Body::Empty => Vec::new(),
            Body::NotJson(bytes) => bytes.clone(),
            Body::Plain(text) => text.clone().into_bytes(),
            Body::Huge(len) => vec![b'x'; *len],
        }
    }
}

fn body() -> impl Strategy<Value = Body> {
    let text = "[a-zA-Z0-9 ]{1,40}";
    let not_json = proptest::collection::vec(any::<u8>(), 0..2000).prop_map(|mut bytes| {
        bytes.insert(0, b'<');
        Body::NotJson(bytes)
    });
    prop_oneof![
        (any::<String>(), text).prop_map(|(error, api_id)| Body::Flat { error, api_id }),
        (text, any::<String>(), text).prop_map(|(code, message, request_id)| Body::Nested {
            code,
            message,
            request_id
        }),
        Just(Body::Empty),
        not_json,
        "<[ -~]{0,1100}".prop_map(|s| Body::NotJson(s.into_bytes())),
        (64 * 1024 + 1..300 * 1024usize).prop_map(Body::Huge),
        "upstream[a-zA-Z0-9 ]{0,150}".prop_map(Body::Plain),
    ]
}

/// What `message()` must be for a server text that fits the bound: one
/// line (controls and Unicode line separators become spaces), without
/// bidirectional controls, trimmed.
fn one_line(text: &str) -> Option<String> {
    let bidi = |c: &char| matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let line: String = text
        .trim()
        .chars()
        .filter(|c| !bidi(c))
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let line = line.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

/// The summary of a body of `len` bytes sent without a content type.
fn untyped(len: usize) -> String {
    format!("a body of {len} bytes with no content type, not shown")
}

/// The variant a status must map to.
fn has_variant_for(err: &Error, status: u16) -> bool {
    match status {
        401 => matches!(err, Error::Unauthorized(_)),
        403 => matches!(err, Error::Forbidden(_)),
        404 => matches!(err, Error::NotFound(_)),
        429 => matches!(err, Error::RateLimited(_)),
        500..=599 => matches!(err, Error::Server(_)),
        _ => matches!(err, Error::Api(_)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_operation_keeps_the_status_and_its_meaning(
        op in 0..OPS.len(),
        status in 400u16..600,
        body in body(),
    ) {
        let (w, op) = (world!(), &OPS[op]);
        w.server.respond_with(status, &body.bytes());
        let args = Args { auth_id: w.client.auth_id(), conference: "room", member: "7" };
        let err = w.rt.block_on((op.call)(&w.client, args)).unwrap_err();

        prop_assert_eq!(err.status(), Some(status), "{}", op.id());
        prop_assert!(has_variant_for(&err, status), "{}: {} gave {:?}", op.id(), status, err);
        prop_assert_eq!(err.is_not_found(), status == 404);
        prop_assert_eq!(err.is_retryable(), matches!(status, 408 | 429 | 500 | 502 | 503 | 504));
        let api = err.api_error().expect("a response error");
        prop_assert!(api.body().len() <= 64 * 1024, "{} bytes kept", api.body().len());
        let shown = err.to_string();
        prop_assert!(!shown.contains('\n') && !shown.contains('\r'), "{shown:?}");
        let message = err.message().map(str::to_owned);
        if let Some(m) = &message {
            prop_assert!(m.len() <= 1024, "{} bytes", m.len());
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
                prop_assert_eq!(api.code().map(str::to_owned), one_line(code));
                prop_assert_eq!(api.request_id().map(str::to_owned), one_line(request_id));
                if m.len() < 1000 {
                    prop_assert_eq!(message, one_line(m));
                }
            }
            Body::Empty => prop_assert_eq!(message, None),
            // Markup and long text are summarised by size, not shown.
            Body::NotJson(bytes) => {
                prop_assert_eq!(api.body(), &bytes[..]);
                prop_assert_eq!(message, Some(untyped(bytes.len())));
            }
            // Read up to the bound; its length as the transport left it.
            Body::Huge(_) => {
                prop_assert_eq!(api.body().len(), 64 * 1024, "read exactly up to the bound");
                let summary = "a body of 65536 bytes or more with no content type, not shown";
                prop_assert_eq!(message.as_deref(), Some(summary));
            }
            // One short line of plain text is the message.
            Body::Plain(text) => prop_assert_eq!(message, one_line(text)),
        }
    }
}
