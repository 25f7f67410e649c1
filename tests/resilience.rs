//! The fault matrix: scripted failures on the simulator, asserting the
//! outcome, how many requests the server received, and elapsed-time bounds.

mod common;

use std::time::{Duration, Instant};

use vobiz::conference::Hangup;
use vobiz::testing::{FakeVobiz, Fault};
use vobiz::{Error, RetryPolicy};

const ROOM: &str = "room";

/// A simulator with one active room, faults queued, and a client whose
/// backoff is short so the tests stay fast.
async fn setup(
    faults: impl IntoIterator<Item = Fault>,
    policy: RetryPolicy,
) -> (FakeVobiz, vobiz::Client) {
    common::fake_with(&[ROOM], faults, policy).await
}

use common::fast_retry as fast;

#[tokio::test]
async fn two_503s_then_success() {
    let (fake, client) = setup([Fault::status(503), Fault::status(503)], fast()).await;
    let started = Instant::now();
    client.hangup_conference(ROOM).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.requests().len(), 3);
    assert!(!fake.is_active(ROOM));
}

#[tokio::test]
async fn retry_after_is_waited_for() {
    let (fake, client) = setup([Fault::status(429).with_header("Retry-After", "1")], fast()).await;
    let started = Instant::now();
    assert_eq!(
        client.hangup_conference_if_active(ROOM).await.unwrap(),
        Hangup::Ended
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_returns_the_error_at_once() {
    let faults = [Fault::status(429).with_header("Retry-After", "120")];
    let (fake, client) = setup(faults, fast().max_retry_after(Duration::from_secs(30))).await;
    let started = Instant::now();
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::RateLimited(_)), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(fake.requests().len(), 1);
    assert!(fake.is_active(ROOM));
}

#[tokio::test]
async fn repeated_500_stops_at_the_configured_attempts() {
    let faults = std::iter::repeat_n(Fault::status(500), 10);
    let (fake, client) = setup(faults, fast().max_attempts(4)).await;
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(err.attempts(), 4);
    assert_eq!(fake.requests().len(), 4);
    let shown = err.to_string();
    assert!(
        shown.contains("after 4 attempts") && !shown.contains('\n'),
        "{shown}"
    );
}

#[tokio::test]
async fn slow_server_trips_the_attempt_timeout_then_the_operation_timeout() {
    let faults = std::iter::repeat_n(Fault::delay(Duration::from_secs(3)), 20);
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference(ROOM);
    fake.push_faults(faults);
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(200))
        .operation_timeout(Duration::from_millis(700))
        .retry(fast().max_attempts(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(700 + 250), "{elapsed:?}");
    // Several attempts: each one was cut by the per-attempt timeout.
    assert!(err.attempts() >= 2, "{}", err.attempts());
    assert_eq!(fake.requests().len() as u32, err.attempts());
}

#[tokio::test]
async fn a_dropped_connection_is_retried_and_the_room_ends() {
    // Applied: the retry gets 404, which is the first attempt's success.
    // Not applied: the retry ends the room itself.
    for applied in [true, false] {
        let (fake, client) = setup([Fault::drop_connection(applied)], fast()).await;
        client.hangup_conference(ROOM).await.unwrap();
        assert_eq!(fake.requests().len(), 2, "applied: {applied}");
        assert!(!fake.is_active(ROOM));

        let (fake, client) = setup([Fault::drop_connection(applied)], fast()).await;
        let outcome = client.hangup_conference_if_active(ROOM).await.unwrap();
        // Applied: the retry's 404 cannot tell our ending from no room.
        let expected = if applied {
            Hangup::GoneAfterRetry
        } else {
            Hangup::Ended
        };
        assert_eq!(outcome, expected, "applied: {applied}");
        assert_eq!(fake.requests().len(), 2);
        assert!(!fake.is_active(ROOM), "applied: {applied}");
    }
}

#[tokio::test]
async fn a_404_on_the_first_attempt_stays_not_found() {
    let (fake, client) = setup([], fast()).await;
    let err = client.hangup_conference("no such room").await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(err.attempts(), 1);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_404_after_a_non_ambiguous_retry_stays_not_found() {
    // A 429 proves the first attempt was not acted on.
    let (fake, client) = setup([Fault::status(429).with_header("Retry-After", "0")], fast()).await;
    let err = client.hangup_conference("no such room").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn no_retry_policy_makes_exactly_one_request() {
    let (fake, client) = setup([Fault::status(503)], RetryPolicy::none()).await;
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    assert!(matches!(err, Error::Server(_)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(fake.requests().len(), 1);
    assert!(fake.is_active(ROOM));
}

#[tokio::test]
async fn non_json_failure_body_is_reported() {
    let (fake, client) = setup(
        [Fault::not_json(502, "<html>bad gateway</html>")],
        RetryPolicy::none(),
    )
    .await;
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert_eq!(
        err.message(),
        Some("a text/html body of 24 bytes, not shown")
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn generated_operations_are_retried_too() {
    let (fake, client) = setup([Fault::status(503), Fault::status(502)], fast()).await;
    let delete = || {
        client.call(
            client
                .api()
                .delete_conference()
                .conference_name(ROOM)
                .send(),
        )
    };
    let response = delete().await.unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(fake.requests().len(), 3);

    fake.push_faults(std::iter::repeat_n(Fault::status(504), 3));
    let err = delete().await.unwrap_err();
    assert_eq!((err.status(), err.attempts()), (Some(504), 3));
    assert_eq!(fake.requests().len(), 6);

    // `Error::from_api` alone reads the attempts off the response.
    fake.push_faults(std::iter::repeat_n(Fault::status(503), 3));
    let raw = client
        .api()
        .delete_conference()
        .conference_name(ROOM)
        .send()
        .await
        .unwrap_err();
    let err = Error::from_api(raw).await;
    assert_eq!((err.status(), err.attempts()), (Some(503), 3));
    assert_eq!(fake.requests().len(), 9);
}

#[tokio::test]
async fn connection_refused_is_retried_and_counted() {
    let client = vobiz::Client::builder("MA_1", common::TOKEN)
        .base_url(common::refused_url())
        .retry(fast())
        .build()
        .unwrap();
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    // The message says why, not only which URL: reqwest's own names the URL.
    let Error::Transport { source, .. } = &err else {
        unreachable!()
    };
    assert!(source.is_connect(), "{err:?}");
    let reason = source.reason().unwrap_or_default().to_lowercase();
    assert!(reason.contains("connection refused"), "{err}");
    assert!(
        err.to_string().ends_with(source.reason().unwrap_or("?")),
        "{err}"
    );
    // Through the generated client alone the reason is not known, and the
    // message is reqwest's.
    let raw = client
        .api()
        .delete_conference()
        .conference_name(ROOM)
        .send()
        .await
        .unwrap_err();
    let err = Error::from_api(raw).await;
    let Error::Transport { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(source.reason(), None);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_waited_for() {
    let at = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let (fake, client) = setup([Fault::status(429).with_header("Retry-After", at)], fast()).await;
    let started = Instant::now();
    client.hangup_conference(ROOM).await.unwrap();
    // The date has whole seconds: the wait is between one and two.
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(fake.requests().len(), 2);
    assert!(!fake.is_active(ROOM));
}

#[tokio::test]
async fn retry_after_on_a_503_is_waited_for() {
    let faults = [Fault::status(503).with_header("Retry-After", "1")];
    let (fake, client) = setup(faults, fast()).await;
    let started = Instant::now();
    client.hangup_conference(ROOM).await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].received_at - requests[0].received_at >= Duration::from_secs(1));
}

/// The documented defaults, as values and on the wire.
#[tokio::test]
async fn the_defaults_are_as_documented() {
    assert_eq!(vobiz::DEFAULT_TIMEOUT, Duration::from_secs(30));
    assert_eq!(vobiz::DEFAULT_CONNECT_TIMEOUT, Duration::from_secs(10));
    let documented = RetryPolicy::none()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(200))
        .max_backoff(Duration::from_secs(5))
        .max_retry_after(Duration::from_secs(30));
    assert_eq!(RetryPolicy::default(), documented);

    // The 30 s cap: a longer Retry-After ends the call at once.
    let faults = [Fault::status(429).with_header("Retry-After", "31")];
    let (fake, client) = setup(faults, RetryPolicy::default()).await;
    let started = Instant::now();
    let err = client.hangup_conference(ROOM).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        (err.status(), err.attempts(), fake.requests().len()),
        (Some(429), 1, 1)
    );

    // Backoff ceilings of 200 ms, then 400 ms (full jitter below them).
    let (fake, client) = setup(
        [Fault::status(503), Fault::status(503)],
        RetryPolicy::default(),
    )
    .await;
    client.hangup_conference(ROOM).await.unwrap();
    let at: Vec<Instant> = fake.requests().iter().map(|r| r.received_at).collect();
    assert_eq!(at.len(), 3);
    let slack = Duration::from_millis(100);
    assert!(
        at[1] - at[0] <= Duration::from_millis(200) + slack,
        "{:?}",
        at[1] - at[0]
    );
    assert!(
        at[2] - at[1] <= Duration::from_millis(400) + slack,
        "{:?}",
        at[2] - at[1]
    );
}

/// An attempt whose outcome is unknown, then a 404: the room is gone, most
/// likely by that attempt, so the hangup succeeded. After a timeout and
/// after a 5xx, as after a dropped connection.
#[tokio::test]
async fn a_404_after_an_uncertain_attempt_is_success() {
    let cases = [
        Fault::delay_after_applying(Duration::from_millis(600)),
        Fault::status_after_applying(500),
        Fault::status_after_applying(503),
    ];
    for fault in cases {
        let fake = FakeVobiz::start().await.unwrap();
        fake.add_conference(ROOM);
        fake.push_faults([fault.clone()]);
        let client = fake
            .client_builder()
            .timeout(Duration::from_millis(200))
            .retry(fast())
            .build()
            .unwrap();
        assert_eq!(
            client.hangup_conference_if_active(ROOM).await.unwrap(),
            Hangup::GoneAfterRetry,
            "{fault:?}"
        );
        assert_eq!(fake.requests().len(), 2, "{fault:?}");
        assert!(!fake.is_active(ROOM));
    }
}

#[tokio::test]
async fn a_408_is_retried() {
    let (fake, client) = setup([Fault::status(408)], fast()).await;
    client.hangup_conference(ROOM).await.unwrap();
    assert_eq!(fake.requests().len(), 2);
    assert!(!fake.is_active(ROOM));
}

/// POSTs are never repeated once they may have reached the server; a
/// refused connection reached nothing, so it is.
#[tokio::test]
async fn a_post_is_not_retried_but_a_refused_connection_is() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.join(ROOM, "+15550100");
    fake.push_faults([Fault::status(503)]);
    let client = fake.client_builder().retry(fast()).build().unwrap();
    let err = client
        .conference(ROOM)
        .members("1")
        .mute()
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.attempts(), fake.requests().len()),
        (Some(503), 1, 1)
    );

    let refused = vobiz::Client::builder("MA_1", common::TOKEN)
        .base_url(common::refused_url())
        .retry(fast())
        .build()
        .unwrap();
    let err = refused
        .conference(ROOM)
        .members("1")
        .mute()
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 3, "{err:?}");
}
