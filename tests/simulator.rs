//! FakeVobiz behaves like the Vobiz conference endpoint, on the wire.

mod common;

use std::time::Duration;

use vobiz::Error;
use vobiz::conference::Hangup;
use vobiz::testing::{FAKE_AUTH_ID, FakeVobiz, Fault};

#[tokio::test]
async fn ends_a_known_room_once() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("weekly sync");
    fake.add_conference("other");
    let client = fake.client();

    assert_eq!(
        client
            .hangup_conference_if_active("weekly sync")
            .await
            .unwrap(),
        Hangup::Ended
    );
    assert_eq!(fake.active_conferences(), vec!["other".to_owned()]);
    assert_eq!(
        client
            .hangup_conference_if_active("weekly sync")
            .await
            .unwrap(),
        Hangup::NotActive
    );

    let err = client.hangup_conference("weekly sync").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.message(), Some("conference not found"));
    assert!(err.api_id().is_some_and(|id| id.starts_with("fake-")));

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    for r in &requests {
        assert_eq!(r.method, "DELETE");
        assert_eq!(
            r.target,
            format!("/api/v1/Account/{FAKE_AUTH_ID}/Conference/weekly%20sync/")
        );
        assert_eq!(r.headers["x-auth-id"], FAKE_AUTH_ID);
    }
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("room");
    let wrong = common::client_as(&fake.base_url(), FAKE_AUTH_ID, "not-the-token");
    let err = wrong.hangup_conference("room").await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    assert!(err.message().unwrap().contains("authentication failed"));
    assert!(fake.is_active("room"));

    let bare = reqwest::Client::new()
        .delete(format!(
            "{}/api/v1/Account/{FAKE_AUTH_ID}/Conference/room/",
            fake.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    let body: serde_json::Value = bare.json().await.unwrap();
    assert!(
        body["api_id"].is_string() && body["error"].is_string(),
        "{body}"
    );
    assert!(fake.is_active("room"));
}

#[tokio::test]
async fn another_accounts_path_is_forbidden_with_the_nested_body() {
    let fake = FakeVobiz::start().await.unwrap();
    let client = fake.client();
    let result = client
        .api()
        .delete_conference()
        .auth_id("MA_SOMEONE_ELSE")
        .conference_name("room")
        .send()
        .await;
    let err = Error::from_api(result.unwrap_err()).await;
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert_eq!(err.api_error().unwrap().code(), Some("FORBIDDEN"));
    let request_id = err.api_error().unwrap().request_id().unwrap();
    assert!(request_id.starts_with("fake-"), "{request_id}");
}

#[tokio::test]
async fn custom_credentials_and_odd_names() {
    let fake = FakeVobiz::with_credentials("MA_OTHER", "other-token")
        .await
        .unwrap();
    let name = "Q3 / review? #1 ünïcode ..";
    fake.add_conference(name);
    fake.client().hangup_conference(name).await.unwrap();
    assert!(!fake.is_active(name));
    let refused = FakeVobiz::with_credentials("MA", "bad\ntoken-1234")
        .await
        .unwrap_err();
    assert_eq!(
        refused.kind(),
        std::io::ErrorKind::InvalidInput,
        "{refused}"
    );
    assert!(
        refused
            .to_string()
            .contains("auth token must be printable ASCII"),
        "{refused}"
    );
}

/// The simulator serves all 14 Conference operations the way the spec
/// documents them.
#[tokio::test]
async fn every_conference_operation_is_simulated() {
    use common::ops::{Args, OPS};
    for op in &OPS {
        let fake = FakeVobiz::start().await.unwrap();
        fake.join("room", "+15550100");
        if *op.op == vobiz::generated::operations::STOP_CONFERENCE_RECORDING {
            fake.client()
                .conference("room")
                .start_recording(vobiz::RecordingFormat::Mp3, None)
                .await
                .unwrap();
        }
        let args = Args {
            auth_id: FAKE_AUTH_ID,
            conference: "room",
            member: "1",
        };
        let status = (op.call)(&fake.client(), args).await;
        assert_eq!(status.unwrap(), op.status, "{}", op.id());
        let sent = fake.requests().pop().unwrap();
        assert_eq!(sent.method, op.method(), "{}", op.id());
    }
}

/// Promise (issue 22, break 9): the requests the simulator keeps are
/// bounded in bytes heads included, so large headers cannot grow it
/// without bound.
#[tokio::test]
async fn kept_requests_count_their_heads_toward_the_bound() {
    use vobiz::testing::{FAKE_AUTH_TOKEN, MAX_RECORDED_BYTES};
    let fake = FakeVobiz::start().await.unwrap();
    let http = reqwest::Client::new();
    let padding = "p".repeat(128 * 1024);
    let url = format!(
        "{}/api/v1/Account/{FAKE_AUTH_ID}/Conference/",
        fake.base_url()
    );
    // 24 MiB of heads, over the 16 MiB bound.
    for _ in 0..192 {
        let answer = http
            .get(&url)
            .header("x-auth-id", FAKE_AUTH_ID)
            .header("x-auth-token", FAKE_AUTH_TOKEN)
            .header("x-padding", &padding)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let kept: usize = fake
        .requests()
        .iter()
        .map(|r| {
            let head: usize = r
                .headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len())
                .sum();
            head + r.body.len() + r.method.len() + r.target.len()
        })
        .sum();
    assert!(kept <= MAX_RECORDED_BYTES, "{kept} bytes kept");
    assert!(
        kept > MAX_RECORDED_BYTES / 2,
        "the newest are still kept: {kept}"
    );
}

/// Promise: `FakeVobiz::until` wakes once a request's change is made, not
/// as the request arrives. The DELETE here arrives a second before the
/// simulator applies it, and no request follows it: a wait woken by
/// arrivals alone would check too early and then never wake again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn until_wakes_when_a_change_is_made_not_when_its_request_arrives() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("standup");
    fake.push_faults([Fault::delay(Duration::from_secs(1))]);
    let client = fake.client();
    let ending = tokio::spawn(async move { client.hangup_conference("standup").await });
    fake.received(1).await;
    assert!(fake.is_active("standup"), "arrived, not yet applied");
    tokio::time::timeout(
        Duration::from_secs(10),
        fake.until(|fake| !fake.is_active("standup")),
    )
    .await
    .expect("woken when the room was ended");
    ending.await.unwrap().unwrap();
    assert_eq!(fake.request_count(), 1);
}
