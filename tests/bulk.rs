//! Sweeps and connection reuse, on the wire.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{NO_CONTENT, RawServer};
use futures_util::StreamExt;
use vobiz::conference::Hangup;
use vobiz::testing::{FakeVobiz, Fault};

#[tokio::test]
async fn each_name_once_with_its_outcome_and_bounded_concurrency() {
    let fake = FakeVobiz::start().await.unwrap();
    let names: Vec<String> = (0..120).map(|i| format!("room {i}")).collect();
    for name in names.iter().step_by(2) {
        fake.add_conference(name.clone());
    }
    // The first eight requests are held until eight are in flight at once,
    // or 300 ms: a sweep that keeps its bound of seven gets there only by
    // the time limit, with exactly seven in flight; one that broke it would
    // have an eighth.
    fake.push_faults(std::iter::repeat_n(
        Fault::hold_until_in_flight(8, Duration::from_millis(300)),
        8,
    ));
    let client = fake.client();

    let mut results: Vec<(String, Hangup)> = client
        .hangup_conferences(names.clone(), 7)
        .map(|(name, outcome)| (name, outcome.unwrap()))
        .collect()
        .await;
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected: Vec<(String, Hangup)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                n.clone(),
                if i % 2 == 0 {
                    Hangup::Ended
                } else {
                    Hangup::NotActive
                },
            )
        })
        .collect();
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(results, expected);
    assert_eq!(fake.request_count(), 120);
    assert_eq!(fake.max_in_flight(), 7, "exactly the bound, and reached");
    assert!(fake.active_conferences().is_empty());
}

#[tokio::test]
async fn names_are_pulled_lazily() {
    let fake = FakeVobiz::start().await.unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let names = (0..1_000_000).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        format!("room-{i}")
    });
    let client = fake.client();
    let first: Vec<_> = client.hangup_conferences(names, 4).take(10).collect().await;
    assert_eq!(first.len(), 10);
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(pulled <= 10 + 4, "pulled {pulled} names for 10 results");
}

#[tokio::test]
async fn a_429_pauses_the_whole_sweep() {
    let fake = FakeVobiz::start().await.unwrap();
    fake.push_faults([Fault::status(429).with_header("Retry-After", "1")]);
    let client = fake
        .client_builder()
        .retry(common::fast_retry())
        .build()
        .unwrap();
    let names: Vec<String> = (0..24).map(|i| format!("r{i}")).collect();
    let results: Vec<_> = client.hangup_conferences(names, 6).collect().await;
    // No room was active: every name is reported, once, as not active.
    assert_eq!(results.len(), 24);
    assert!(
        results
            .iter()
            .all(|(_, r)| matches!(r, Ok(Hangup::NotActive))),
        "{results:?}"
    );

    let requests = fake.requests();
    assert_eq!(requests.len(), 25, "24 names and one retry");
    // The simulator records a request and hands it its fault under one
    // lock: the first request recorded is the one that got the 429.
    let limited_at = requests[0].received_at;
    // Only the requests already in flight with the limited one got through
    // during the pause; everything else waited for it.
    let during_pause = requests
        .iter()
        .skip(1)
        .filter(|r| r.received_at < limited_at + Duration::from_millis(900))
        .count();
    assert!(
        during_pause <= 5,
        "{during_pause} requests ignored the pause"
    );
}

#[tokio::test]
async fn sequential_calls_reuse_one_connection() {
    let server = RawServer::start(NO_CONTENT).await;
    let client = common::client(&server.base_url());
    for i in 0..1_000 {
        client
            .hangup_conference(&format!("room-{i}"))
            .await
            .unwrap();
    }
    assert_eq!(server.count(), 1_000);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn concurrent_calls_keep_their_connections() {
    let server = RawServer::start(NO_CONTENT).await;
    let client = common::client(&server.base_url());
    let names: Vec<String> = (0..2_000).map(|i| format!("room-{i}")).collect();
    let results: Vec<_> = client.hangup_conferences(names.clone(), 8).collect().await;
    let mut ended: Vec<String> = results
        .into_iter()
        .map(|(name, outcome)| {
            assert_eq!(outcome.unwrap(), Hangup::Ended, "{name}");
            name
        })
        .collect();
    ended.sort();
    let mut expected = names;
    expected.sort();
    assert_eq!(ended, expected, "each name reported once");
    assert_eq!(server.count(), 2_000);
    assert!(
        server.connections() <= 8,
        "{} connections",
        server.connections()
    );
}
