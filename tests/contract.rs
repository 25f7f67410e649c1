//! The contract, judged by an independent oracle: Stoplight Prism (pinned in
//! `tools/prism/`) runs as a validating mock of `openapi/vobiz.yaml` on
//! loopback. Every operation is sent through `client.api()` with adversarial
//! conference names and member ids and valid bodies; Prism must accept every
//! request (with `--errors` it answers an invalid one with 4xx), and the
//! client must decode every example response Prism returns.
//!
//! Prism needs Node and npm and the npm registry (on every machine this
//! project runs on). This test installs the pinned version on its first run
//! into the build output (`target/prism`), never into the checkout's
//! tracked folders.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::documented as documented_args;
use common::ops::{Args, OPS};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use vobiz::generated::types::GetConferenceResponse;
use vobiz::generated::{documented, operations};
use vobiz::invoke::Arguments;
use vobiz::testing::FakeVobiz;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const AUTH_ID: &str = "MA_CONTRACT1";

/// The pinned Prism (`tools/prism`'s lock file), installed into the target
/// directory if it is not there yet.
fn prism_bin() -> PathBuf {
    // Once per process: the two tests would otherwise install it together.
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(install_prism).clone()
}

fn install_prism() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(ROOT).join("target"), PathBuf::from);
    let dir = target.join("prism");
    let bin = dir.join("node_modules/.bin/prism");
    if !bin.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(
                Path::new(ROOT).join("tools/prism").join(file),
                dir.join(file),
            )
            .unwrap();
        }
        let status = std::process::Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .status()
            .unwrap_or_else(|e| panic!("this test needs npm to install Prism: {e}"));
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    bin
}

/// A running Prism, stopped when dropped, and its base URL.
struct Prism {
    _child: Child,
    base_url: String,
}

/// Prism as a validating mock of the spec.
async fn start_prism() -> Prism {
    start_prism_as(&["mock", "openapi/vobiz.yaml"]).await
}

/// Prism running `mode` (`mock SPEC` or `proxy SPEC UPSTREAM`), refusing
/// every violation with an error answer.
async fn start_prism_as(mode: &[&str]) -> Prism {
    let port = common::free_port();
    let mut child = Command::new(prism_bin())
        .args(mode)
        .args(["--errors", "--host", "127.0.0.1"])
        .args(["--port", &port.to_string()])
        .current_dir(ROOT)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start prism");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    let ready = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("Prism is listening") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(ready, Ok(true), "Prism did not start:\n{seen}");
    // Keep draining its log so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Prism {
        _child: child,
        base_url: format!("http://127.0.0.1:{port}"),
    }
}

/// A client for Prism; `prefer` asks Prism for a given example or status.
fn client(prism: &Prism, prefer: Option<&str>) -> vobiz::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(prefer) = prefer {
        headers.insert("prefer", prefer.parse().unwrap());
    }
    let http = common::http_client_builder()
        .default_headers(headers)
        .build()
        .unwrap();
    vobiz::Client::builder(AUTH_ID, "contract-token")
        .base_url(&prism.base_url)
        .http_client(http)
        .retry(vobiz::RetryPolicy::none())
        .build()
        .unwrap()
}

/// Names and ids that have broken URL handling somewhere (the values a
/// client refuses before sending, `""`, `.` and `..`, are not among them:
/// nothing is sent for those).
fn adversarial() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "/", "\\", "%", "%2e", "%2F", "%25", "?", "#", ";", " ", "+", "&", "=", "@", ":", "[", "]",
        "|", "^", "`", "{", "}", "<", ">", "\"", "'", "!", "$", "(", ")", "*", ",", "~", "-", "_",
        ".", "..", "a", "Z", "0", "17", "all", "é", "日本", "🎉", "\u{202e}", "\t",
    ];
    proptest::collection::vec(proptest::sample::select(PIECES), 1..8)
        .prop_map(|p| p.concat())
        .prop_filter("sent at all", |s| !matches!(s.as_str(), "" | "." | ".."))
}

async fn every_operation_is_accepted(client: &vobiz::Client, conference: &str, member: &str) {
    let args = Args {
        auth_id: AUTH_ID,
        conference,
        member,
    };
    for op in &OPS {
        match (op.call)(client, args).await {
            Ok(status) => assert_eq!(status, op.status, "{}", op.id()),
            Err(e) => panic!(
                "Prism refused {} for conference {conference:?}, member {member:?}: {e}",
                op.id()
            ),
        }
    }
}

#[test]
fn prism_accepts_every_request_and_the_client_decodes_every_example() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let prism = rt.block_on(start_prism());
    let plain = client(&prism, None);

    rt.block_on(async {
        every_operation_is_accepted(&plain, "My Conf Room", "17").await;
        every_operation_is_accepted(&plain, "room", "10,15,22").await;
        every_operation_is_accepted(&plain, "room", "all").await;

        // Both documented examples of get-conference's 200, and its 404.
        let details = plain
            .call(plain.api().get_conference().conference_name("r").send())
            .await
            .unwrap();
        assert!(matches!(
            details.into_inner(),
            GetConferenceResponse::ConferenceDetails { .. }
        ));
        let failing = client(&prism, Some("example=currentFailure"));
        let failure = failing
            .call(failing.api().get_conference().conference_name("r").send())
            .await
            .unwrap();
        assert!(matches!(
            failure.into_inner(),
            GetConferenceResponse::CurrentLiveRetrievalFailure { .. }
        ));
        let missing = client(&prism, Some("code=404"));
        let err = missing
            .call(missing.api().get_conference().conference_name("r").send())
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err:?}");
        assert_eq!(err.api_id(), Some("API_REQUEST_ID"));
        let listed = plain
            .call(plain.api().list_conferences().send())
            .await
            .unwrap();
        assert_eq!(listed.into_inner().conferences, Vec::<String>::new());
    });

    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(adversarial(), adversarial()), |(conference, member)| {
            rt.block_on(every_operation_is_accepted(&plain, &conference, &member));
            Ok(())
        })
        .unwrap();
}

/// The oracle can say no: a request without the token, and a body without
/// its required field, are refused by Prism.
#[test]
fn prism_refuses_what_the_spec_does_not_allow() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let prism = start_prism().await;
        let url = format!(
            "{}/api/v1/Account/{AUTH_ID}/Conference/r/Member/1/Play/",
            prism.base_url
        );
        let http = reqwest::Client::new();
        let no_token = http
            .post(&url)
            .header("x-auth-id", AUTH_ID)
            .json(&serde_json::json!({"url": "https://example.com/a.mp3"}))
            .send()
            .await
            .unwrap();
        assert_eq!(no_token.status(), 401);
        let no_url = http
            .post(&url)
            .header("x-auth-id", AUTH_ID)
            .header("x-auth-token", "t")
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(no_url.status(), 422);
    });
}

/// Prism between the client and the simulator, for every operation of the
/// spec: the request the generated method builds from its page's documented
/// arguments, and the simulator's answer, are both judged against the spec
/// (with `--errors` Prism answers a violation on either side with an error,
/// which the call would return).
#[test]
fn prism_accepts_every_request_and_every_simulator_answer() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let fake = FakeVobiz::start().await.unwrap();
        let upstream = fake.base_url();
        let prism = start_prism_as(&["proxy", "openapi/vobiz.yaml", &upstream]).await;
        let client = fake
            .client_builder()
            .base_url(&prism.base_url)
            .retry(vobiz::RetryPolicy::none())
            .build()
            .unwrap();
        for (i, &op) in operations::ALL.iter().enumerate() {
            let (room, member) = documented_args::live_room(&fake, &client, i).await;
            let args = documented_args::arguments(op, &room, &member);
            let before = fake.request_count();
            let answer = client
                .invoke(op, &args)
                .await
                .unwrap_or_else(|e| panic!("Prism refused {op} or its answer: {e}"));
            let exchange = documented::exchange(op).unwrap();
            assert_eq!(answer.status, exchange.status, "{op}");
            assert_eq!(
                fake.request_count(),
                before + 1,
                "{op} reached the simulator"
            );
        }
    });
}

/// The proxy can say no: an answer the spec does not allow (a list of
/// conferences that is not a list) is refused by Prism.
#[test]
fn prism_refuses_an_answer_the_spec_does_not_allow() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let upstream = common::RawServer::start(common::NO_CONTENT).await;
        upstream.respond_with_headers(
            200,
            &[("content-type", "application/json")],
            br#"{"api_id": "a", "conferences": 7}"#,
        );
        let prism = start_prism_as(&["proxy", "openapi/vobiz.yaml", &upstream.base_url()]).await;
        let client = client(&prism, None);
        let err = client
            .invoke(&operations::LIST_CONFERENCES, &Arguments::new())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(500), "{err:?}");
        assert_eq!(upstream.count(), 1);
    });
}
