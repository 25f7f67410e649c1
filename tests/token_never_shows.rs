//! The token never shows, however a hostile server echoes it (in which
//! status, body field, header name or value, redirect, spelling or escape)
//! and however a careless caller configures the client: not in an error,
//! its `Debug`, `Display` or summary, nor in a trace. Each test is named
//! after the promise it guards; each case once broke the code.

mod common;

use common::spelling::{SPELLINGS, Spelling};
use common::traced::traced;
use common::{AUTH_ID, RawServer, shown};
use proptest::prelude::*;
use vobiz::Error;
use vobiz::generated::ClientInfo;

const TOKEN: &str = common::HOSTILE_TOKEN;

fn client(base_url: &str) -> vobiz::Client {
    common::client_as(base_url, AUTH_ID, TOKEN)
}

fn spell(how: Spelling) -> String {
    how.spell(TOKEN)
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

/// Whether `text` shows the token, or the start of it (a token cut short
/// still gives most of it away).
fn reveals(text: &str, token: &str) -> bool {
    let half = &token[..token.len() / 2 + 1];
    text.contains(token) || text.contains(half)
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
