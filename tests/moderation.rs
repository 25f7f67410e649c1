//! Room and member handles against the simulator, on the wire: each call,
//! the request that reached the server (method, path, `member_id` as
//! received), what it did to the room, and what the caller got back.

mod common;

use std::time::Duration;

use serde_json::{Value, json};
use vobiz::Error;
use vobiz::RecordingFormat;
use vobiz::conference::{Hangup, MAX_MEMBER_ID_LEN, MemberSelector};
use vobiz::testing::{Departure, FakeVobiz, Fault, RecordedRequest};

const ROOM: &str = "weekly sync";
const ROOM_PATH: &str = "/api/v1/Account/MA_FAKE00001/Conference/weekly%20sync/";

/// A simulator with `members` callers in [`ROOM`] (ids 1, 2, ...), and a
/// client whose backoff is short.
async fn room_with(members: usize) -> (FakeVobiz, vobiz::Client) {
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference(ROOM);
    for i in 0..members {
        fake.join(ROOM, &format!("+1555010{i}"));
    }
    let client = fake
        .client_builder()
        .retry(common::fast_retry())
        .build()
        .unwrap();
    (fake, client)
}

fn last(fake: &FakeVobiz) -> RecordedRequest {
    fake.requests()
        .pop()
        .expect("a request reached the simulator")
}

fn body(request: &RecordedRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_handle_does_no_io_until_a_call() {
    let (fake, client) = room_with(0).await;
    let room = client.conference(ROOM);
    let copy = room.clone();
    let members = copy.members("17");
    assert_eq!(
        (room.name(), members.selector().to_string().as_str()),
        (ROOM, "17")
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn details_are_read_and_parsed() {
    let (fake, client) = room_with(3).await;
    let details = client.conference(ROOM).details().await.unwrap();
    let sent = last(&fake);
    assert_eq!(
        (sent.method.as_str(), sent.target.as_str()),
        ("GET", ROOM_PATH)
    );
    assert_eq!(details.name(), ROOM);
    assert_eq!(details.member_count(), 3);
    assert!(details.run_time() < Duration::from_secs(60));
    assert!(details.api_id().starts_with("fake-"));
    let ids: Vec<&str> = details.members().iter().map(|m| m.id()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    let first = &details.members()[0];
    assert_eq!(first.from(), Some("+15550100"));
    assert_eq!((first.muted(), first.deaf()), (false, false));
    assert_eq!(first.direction(), Some("inbound"));
    assert!(
        first
            .call_uuid()
            .is_some_and(|u| u.starts_with("fake-call-"))
    );
    assert!(first.caller_name().is_some() && first.to().is_some());
    assert!(first.join_time() < Duration::from_secs(60));
}

/// Promise: results serialise with stable snake_case names, durations in
/// seconds, and errors as a summary (kind, status, message, api_id).
#[tokio::test]
async fn results_and_errors_serialise_with_stable_names() {
    let (fake, client) = room_with(2).await;
    let room = client.conference(ROOM);
    let details = serde_json::to_value(room.details().await.unwrap()).unwrap();
    let keys: Vec<&str> = details
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "api_id",
            "member_count",
            "members",
            "name",
            "run_time_seconds"
        ]
    );
    assert_eq!(details["member_count"], 2);
    assert!(details["run_time_seconds"].is_f64(), "{details}");
    let member = details["members"][0].as_object().unwrap();
    let keys: Vec<&str> = member.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "call_uuid",
            "caller_name",
            "deaf",
            "direction",
            "from",
            "id",
            "join_time_seconds",
            "muted",
            "to"
        ]
    );
    let muted = serde_json::to_value(room.members("1").mute().await.unwrap()).unwrap();
    assert_eq!(muted["requests"][0]["requested"], "1");
    assert_eq!(muted["requests"][0]["status"], 202);
    assert_eq!(muted["requests"][0]["member_ids"], json!(["1"]));
    for (outcome, word) in [
        (Hangup::Ended, "ended"),
        (Hangup::NotActive, "not_active"),
        (Hangup::GoneAfterRetry, "gone_after_retry"),
    ] {
        assert_eq!(serde_json::to_value(outcome).unwrap(), word);
    }
    let err = client.conference("nope").details().await.unwrap_err();
    let summary = serde_json::to_value(err.summary()).unwrap();
    assert_eq!(summary["kind"], "not_found");
    assert_eq!(summary["status"], 404);
    assert_eq!(summary["retryable"], false);
    assert!(summary["api_id"].as_str().unwrap().starts_with("fake-"));
    assert_eq!(summary["message"], err.to_string());
    drop(fake);
}

#[tokio::test]
async fn details_of_a_gone_room_are_not_found() {
    let (_fake, client) = room_with(0).await;
    let err = client
        .conference("nobody here")
        .details()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(err.api_id().is_some());
}

#[tokio::test]
async fn the_failed_answer_is_retried_like_a_503() {
    let (fake, client) = room_with(1).await;
    fake.fail_retrievals(ROOM, 2);
    let details = client.conference(ROOM).details().await.unwrap();
    assert_eq!(details.member_count(), 1);
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn the_failed_answer_that_persists_is_its_own_error() {
    let (fake, client) = room_with(1).await;
    fake.fail_retrievals(ROOM, 100);
    let err = client.conference(ROOM).details().await.unwrap_err();
    assert!(matches!(err, Error::PassingFailure(_)), "{err:?}");
    assert!(!err.is_not_found());
    assert!(err.is_retryable());
    assert_eq!(err.status(), Some(200));
    // The server's word, kept from what the transport read of the answer.
    assert_eq!(err.message(), Some("failed"), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(
        err.api_id().is_some_and(|id| id.starts_with("fake-")),
        "{err:?}"
    );
    assert_eq!(fake.request_count(), 3);

    // Once per call: a fault instead of the room's setting.
    let (fake, client) = room_with(1).await;
    fake.push_faults([Fault::RetrievalFailed]);
    client.conference(ROOM).details().await.unwrap();
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn a_value_that_is_not_a_number_is_a_decode_error_naming_the_field() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
    let member = json!({"member_id": "4", "muted": false, "deaf": true, "join_time": "soon"});
    let cases = [
        (
            json!("12"),
            json!("1"),
            member.clone(),
            "members[0].join_time",
        ),
        (
            json!("12"),
            json!("one"),
            member.clone(),
            "conference_member_count",
        ),
        (
            json!("a while"),
            json!("1"),
            member.clone(),
            "conference_run_time",
        ),
        (
            json!("12"),
            json!("1"),
            json!({"muted": false, "deaf": true, "join_time": "3"}),
            "members[0].member_id",
        ),
    ];
    for (run_time, count, member, field) in cases {
        let server = MockServer::start().await;
        let body = json!({"conference_name": "r", "conference_run_time": run_time, "conference_member_count": count, "members": [member], "api_id": "x"});
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let client = vobiz::Client::builder("MA_1", common::TOKEN)
            .base_url(server.uri())
            .build()
            .unwrap();
        let err = client.conference("r").details().await.unwrap_err();
        match &err {
            Error::Decode {
                status: Some(200),
                message,
            } => assert!(message.contains(field), "{message}"),
            other => panic!("{field}: {other:?}"),
        }
        assert!(!err.is_retryable());
    }
}

/// Sends one member action and checks the request as received.
async fn check_action(
    fake: &FakeVobiz,
    action: impl Future<Output = Result<vobiz::conference::MemberOutcome, Error>>,
    method: &str,
    suffix: &str,
    member_id: &str,
    status: u16,
) -> vobiz::conference::MemberOutcome {
    let outcome = action.await.unwrap();
    let sent = last(fake);
    assert_eq!(sent.method, method);
    assert_eq!(
        sent.target,
        format!("{ROOM_PATH}Member/{}/{suffix}", sent.member_id().unwrap())
    );
    assert_eq!(
        percent_encoding::percent_decode_str(sent.member_id().unwrap())
            .decode_utf8()
            .unwrap(),
        member_id
    );
    let requests = outcome.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].requested(), requests[0].status()),
        (Some(member_id), status)
    );
    outcome
}

#[tokio::test]
async fn each_member_action_on_the_wire_and_in_the_room() {
    let (fake, client) = room_with(3).await;
    let room = client.conference(ROOM);
    let member = |id: &str| fake.members(ROOM).into_iter().find(|m| m.id == id).unwrap();

    let muted = check_action(&fake, room.members("2").mute(), "POST", "Mute/", "2", 202).await;
    assert_eq!(muted.requests()[0].message(), Some("muted"));
    assert_eq!(muted.requests()[0].member_ids(), ["2"]);
    assert!(muted.requests()[0].api_id().is_some());
    assert!(member("2").muted && !member("1").muted);
    assert!(
        last(&fake).body.is_empty(),
        "kick, mute and deaf send no body"
    );

    check_action(
        &fake,
        room.members("2").unmute(),
        "DELETE",
        "Mute/",
        "2",
        204,
    )
    .await;
    assert!(!member("2").muted);
    check_action(
        &fake,
        room.members("2").unmute(),
        "DELETE",
        "Mute/",
        "2",
        204,
    )
    .await;

    let list = MemberSelector::list(["1", "3", "1"]);
    check_action(
        &fake,
        room.members(list.clone()).deafen(),
        "POST",
        "Deaf/",
        "1,3",
        202,
    )
    .await;
    assert!(member("1").deaf && member("3").deaf && !member("2").deaf);
    assert_eq!(last(&fake).member_id(), Some("1%2C3"));
    check_action(
        &fake,
        room.members(list).undeafen(),
        "DELETE",
        "Deaf/",
        "1,3",
        204,
    )
    .await;
    assert!(!member("1").deaf);

    let url = "https://example.com/notice.mp3";
    check_action(
        &fake,
        room.members("1").play(url),
        "POST",
        "Play/",
        "1",
        202,
    )
    .await;
    assert_eq!(body(&last(&fake)), json!({"url": url}));
    assert_eq!(member("1").playing.as_deref(), Some(url));
    assert_eq!(member("2").playing, None, "only the chosen members hear it");
    check_action(
        &fake,
        room.members("1").stop_audio(),
        "DELETE",
        "Play/",
        "1",
        204,
    )
    .await;
    assert_eq!(member("1").playing, None);

    check_action(&fake, room.members("2").kick(), "POST", "Kick/", "2", 202).await;
    check_action(&fake, room.members("3").hangup(), "DELETE", "", "3", 204).await;
    let departures = fake.departures();
    assert_eq!(
        departures,
        [
            (ROOM.to_owned(), "2".to_owned(), Departure::Kicked),
            (ROOM.to_owned(), "3".to_owned(), Departure::HungUp)
        ]
    );
    // A member who joins after a kick can get the same id again.
    assert_eq!(fake.join(ROOM, "+15550199"), "2");

    check_action(
        &fake,
        room.members(MemberSelector::all()).mute(),
        "POST",
        "Mute/",
        "all",
        202,
    )
    .await;
    assert!(fake.members(ROOM).iter().all(|m| m.muted));
}

#[tokio::test]
async fn an_unknown_member_is_not_found() {
    let (_fake, client) = room_with(1).await;
    let err = client
        .conference(ROOM)
        .members("9")
        .kick()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn ambiguous_selections_and_bad_urls_send_nothing() {
    let (fake, client) = room_with(2).await;
    let room = client.conference(ROOM);
    let selections = [
        MemberSelector::one(""),
        "all".into(),
        "ALL".into(),
        " All ".into(),
        "1,2".into(),
        "1 2".into(),
        "abc".into(),
        "-1".into(),
        "١٢".into(),
        "%31".into(),
        MemberSelector::list(Vec::<String>::new()),
        MemberSelector::list(["1", "all"]),
        MemberSelector::list(["1", "2,3"]),
    ];
    for who in selections {
        for outcome in [
            room.members(who.clone()).kick().await,
            room.members(who.clone()).mute().await,
            room.members(who.clone()).hangup().await,
        ] {
            let err = outcome.unwrap_err();
            assert!(err.is_invalid_input(), "{who:?}: {err:?}");
            assert_eq!(err.attempts(), 0);
        }
    }
    for url in [
        "http://example.com/a.mp3",
        "example.com/a.mp3",
        "/a.mp3",
        "",
        "https://user:pw@example.com/a.mp3",
        "file:///etc/passwd",
    ] {
        let err = room.members("1").play(url).await.unwrap_err();
        assert!(err.is_invalid_input(), "{url}: {err:?}");
        let err = room
            .hangup_with_notice(url, Duration::ZERO)
            .await
            .unwrap_err();
        assert!(err.is_invalid_input(), "{url}: {err:?}");
    }
    let err = room
        .start_recording(RecordingFormat::Mp3, Some("not a url"))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert_eq!(fake.request_count(), 0, "nothing reached the server");
    assert!(fake.is_active(ROOM));
}

#[tokio::test]
async fn a_long_list_goes_in_several_requests_each_reported() {
    let (fake, client) = room_with(700).await;
    let ids: Vec<String> = (1..=700).map(|i| i.to_string()).collect();
    let outcome = client
        .conference(ROOM)
        .members(MemberSelector::list(ids.clone()))
        .mute()
        .await
        .unwrap();
    let requests = outcome.requests();
    assert!(requests.len() >= 2, "{}", requests.len());
    assert_eq!(fake.request_count(), requests.len());
    let mut sent: Vec<String> = Vec::new();
    for (accepted, received) in requests.iter().zip(fake.requests()) {
        let requested = accepted.requested().unwrap();
        assert!(requested.len() <= MAX_MEMBER_ID_LEN);
        assert_eq!(accepted.status(), 202);
        let decoded = percent_encoding::percent_decode_str(received.member_id().unwrap())
            .decode_utf8()
            .unwrap()
            .into_owned();
        assert_eq!(decoded, requested);
        sent.extend(decoded.split(',').map(str::to_owned));
    }
    assert_eq!(sent, ids);
    assert!(fake.members(ROOM).iter().all(|m| m.muted));
}

#[tokio::test]
async fn a_split_list_that_fails_part_way_says_what_was_applied() {
    let (fake, client) = room_with(700).await;
    let ids: Vec<String> = (1..=700).map(|i| i.to_string()).collect();
    fake.push_faults([Fault::delay(Duration::ZERO), Fault::status(500)]);
    let err = client
        .conference(ROOM)
        .members(MemberSelector::list(ids))
        .kick()
        .await
        .unwrap_err();
    let (applied, not_sent, source) = common::partly_applied(&err);
    assert_eq!(applied.len(), 1);
    assert_eq!(source.status(), Some(500));
    assert_eq!(err.status(), Some(500));
    assert!(!not_sent.is_empty());
    assert_eq!(
        fake.request_count(),
        2,
        "a POST is not repeated, and nothing after the failure is sent"
    );
    let kicked = applied[0].requested().unwrap().split(',').count();
    assert_eq!(fake.members(ROOM).len(), 700 - kicked);
    assert!(
        err.to_string().contains(&format!(
            "requests: 1 applied before it, {} not sent",
            not_sent.len()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn posts_are_not_repeated_and_deletes_are_retried() {
    let (fake, client) = room_with(1).await;
    let room = client.conference(ROOM);
    fake.push_faults([Fault::status(503)]);
    let err = room.members("1").mute().await.unwrap_err();
    assert_eq!(
        (err.status(), err.attempts(), fake.request_count()),
        (Some(503), 1, 1)
    );
    assert!(!fake.members(ROOM)[0].muted);

    fake.push_faults([Fault::status(503)]);
    room.members("1").unmute().await.unwrap();
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn recording_starts_and_stops() {
    let (fake, client) = room_with(1).await;
    let room = client.conference(ROOM);
    let started = room
        .start_recording(RecordingFormat::Wav, Some("https://example.com/hook"))
        .await
        .unwrap();
    let sent = last(&fake);
    assert_eq!(
        (sent.method.as_str(), sent.target.clone()),
        ("POST", format!("{ROOM_PATH}Record/"))
    );
    assert_eq!(
        body(&sent),
        json!({"file_format": "wav", "callback_url": "https://example.com/hook"})
    );
    assert_eq!(
        (started.status(), started.message()),
        (200, Some("async api spawned"))
    );
    let recording = fake.recording(ROOM).unwrap();
    assert_eq!(recording.file_format, "wav");

    room.stop_recording().await.unwrap();
    assert_eq!(last(&fake).method, "DELETE");
    assert_eq!(fake.recording(ROOM), None);

    // Nobody has joined: 404.
    let (_empty, client) = room_with(0).await;
    let err = client
        .conference(ROOM)
        .start_recording(RecordingFormat::Mp3, None)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn the_list_is_names_only_and_can_leave_live_rooms_out() {
    let (fake, client) = room_with(1).await;
    fake.add_conference("hidden");
    fake.hide_from_list("hidden", true);
    assert_eq!(client.list_conferences().await.unwrap(), [ROOM]);
    assert!(fake.is_active("hidden"), "missing from the list, yet live");
    let sent = last(&fake);
    assert_eq!(
        (sent.method.as_str(), sent.target.as_str()),
        ("GET", "/api/v1/Account/MA_FAKE00001/Conference/")
    );
}

#[tokio::test]
async fn hang_up_all_is_its_own_call() {
    let (fake, client) = room_with(2).await;
    fake.add_conference("other");
    // No name reaches it through another method.
    for name in ["", ".", ".."] {
        assert!(
            client
                .conference(name)
                .hangup()
                .await
                .unwrap_err()
                .is_invalid_input()
        );
    }
    assert_eq!(fake.request_count(), 0);
    client.hangup_all_conferences().await.unwrap();
    let sent = last(&fake);
    assert_eq!(
        (sent.method.as_str(), sent.target.as_str()),
        ("DELETE", "/api/v1/Account/MA_FAKE00001/Conference/")
    );
    assert!(fake.active_conferences().is_empty());
}

#[tokio::test]
async fn handle_hangups_mean_what_the_client_calls_mean() {
    let (fake, client) = room_with(1).await;
    let room = client.conference(ROOM);
    assert_eq!(room.hangup_if_active().await.unwrap(), Hangup::Ended);
    assert_eq!(room.hangup_if_active().await.unwrap(), Hangup::NotActive);
    assert!(room.hangup().await.unwrap_err().is_not_found());
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.method == "DELETE" && r.target == ROOM_PATH)
    );
}

#[tokio::test]
async fn notice_then_hangup() {
    let (fake, client) = room_with(2).await;
    let grace = Duration::from_millis(150);
    let url = "https://example.com/closing.mp3";
    let outcome = client
        .conference(ROOM)
        .hangup_with_notice(url, grace)
        .await
        .unwrap();
    assert_eq!(outcome, Hangup::Ended);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].member_id()),
        ("POST", Some("all"))
    );
    assert_eq!(body(&requests[0]), json!({"url": url}));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].target.as_str()),
        ("DELETE", ROOM_PATH)
    );
    assert!(requests[1].received_at - requests[0].received_at >= grace);
    assert!(!fake.is_active(ROOM));
}

#[tokio::test]
async fn notice_to_a_room_that_is_gone_or_empty() {
    let (fake, client) = room_with(0).await;
    let url = "https://example.com/closing.mp3";
    // Empty: nobody to play to, so it is hung up at once.
    let outcome = client
        .conference(ROOM)
        .hangup_with_notice(url, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(outcome, Hangup::Ended);
    // Gone: not an error.
    let outcome = client
        .conference(ROOM)
        .hangup_with_notice(url, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(outcome, Hangup::NotActive);
    // Gone during the grace period: not an error either.
    fake.join(ROOM, "+15550100");
    let room = client.conference(ROOM);
    let (outcome, ()) = tokio::join!(
        room.hangup_with_notice(url, Duration::from_millis(300)),
        async {
            while fake.request_count() < 5 {
                tokio::task::yield_now().await;
            }
            client.hangup_conference(ROOM).await.unwrap();
        }
    );
    assert_eq!(outcome.unwrap(), Hangup::NotActive);
}

#[tokio::test]
async fn a_notice_that_fails_leaves_the_room_running() {
    let (fake, client) = room_with(2).await;
    fake.push_faults([Fault::status(500)]);
    let err = client
        .conference(ROOM)
        .hangup_with_notice("https://example.com/closing.mp3", Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(fake.request_count(), 1);
    assert!(fake.is_active(ROOM));
}

#[tokio::test]
async fn the_simulator_validates_member_id_as_the_docs_define_it() {
    let (fake, _client) = room_with(2).await;
    let http = reqwest::Client::new();
    for (member_id, status) in [
        ("1", 202),
        ("1,2", 202),
        ("all", 202),
        ("1%2C2", 202),
        ("abc", 400),
        ("1,x", 400),
        ("", 400),
        ("ALL", 400),
        ("7", 404),
    ] {
        let response = http
            .post(format!(
                "{}{ROOM_PATH}Member/{member_id}/Mute/",
                fake.base_url()
            ))
            .header("x-auth-id", fake.auth_id())
            .header("x-auth-token", vobiz::testing::FAKE_AUTH_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{member_id:?}");
    }
}
