//! The audit trail and the secret: capture everything emitted at TRACE
//! (ours, and reqwest's and hyper's through `log`) over a run with retries
//! and errors, then read it.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::util::SubscriberInitExt;
use vobiz::RetryPolicy;
use vobiz::testing::{FakeVobiz, Fault};

const TOKEN: &str = "tok-TRACE-5ecret-41d2";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn run_scenarios() {
    let fake = FakeVobiz::with_credentials("MA_TRACE", TOKEN)
        .await
        .unwrap();
    let client = fake
        .client_builder()
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    for room in ["a", "b", "c"] {
        fake.add_conference(room);
    }
    fake.push_faults([
        Fault::status(503),
        Fault::status(429).with_header("Retry-After", "0"),
    ]);
    client.hangup_conference("a").await.unwrap(); // ended, after 3 attempts
    fake.push_faults([Fault::drop_connection(true)]);
    client.hangup_conference("b").await.unwrap(); // ended_after_retry
    client.hangup_conference_if_active("zzz").await.unwrap(); // not_active
    fake.push_faults(std::iter::repeat_n(Fault::status(500), 3));
    client.hangup_conference("c").await.unwrap_err(); // error after retries
    client.hangup_conference("..").await.unwrap_err(); // refused before sending
    let wrong = vobiz::Client::builder("MA_TRACE", "wrong-token")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    wrong.hangup_conference("c").await.unwrap_err(); // 401
}

#[test]
fn audit_events_are_written_and_the_token_never_is() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .try_init()
        .unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run_scenarios());

    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        !output.contains(TOKEN),
        "the token leaked into tracing output"
    );
    assert!(!output.contains("x-auth-token: tok"), "{output}");

    let audit: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("vobiz::audit"))
        .collect();
    assert_eq!(audit.len(), 6, "{audit:#?}");
    let expect = [
        ("conference=\"a\"", "outcome=\"ended\"", "attempts=3"),
        (
            "conference=\"b\"",
            "outcome=\"ended_after_retry\"",
            "attempts=2",
        ),
        ("conference=\"zzz\"", "outcome=\"not_active\"", "attempts=1"),
        ("conference=\"c\"", "outcome=\"error\"", "attempts=3"),
        ("conference=\"..\"", "outcome=\"error\"", "attempts=0"),
        ("conference=\"c\"", "outcome=\"error\"", "attempts=1"),
    ];
    for (line, (room, outcome, attempts)) in audit.iter().zip(expect) {
        for part in [room, outcome, attempts] {
            assert!(line.contains(part), "{part} missing in {line}");
        }
        assert!(line.contains(" INFO "), "{line}");
    }
    assert!(
        audit[1].contains("status=404") && audit[1].contains("api_id=\"fake-"),
        "{}",
        audit[1]
    );
    assert!(audit[5].contains("status=401"), "{}", audit[5]);

    let attempts = output
        .lines()
        .filter(|l| l.contains("vobiz attempt"))
        .count();
    assert_eq!(attempts, 3 + 2 + 1 + 3 + 1, "{output}");
    let spans_ok = output
        .lines()
        .filter(|l| l.contains("vobiz attempt"))
        .all(|l| {
            l.contains(
                "vobiz.operation{operation_id=\"delete-conference\" method=\"DELETE\" \
                        path=\"/api/v1/Account/{auth_id}/Conference/{conference_name}/\"}",
            )
        });
    assert!(spans_ok, "{output}");
}
