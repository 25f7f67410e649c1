//! The audit trail, the operation spans and the secret. Everything emitted at
//! TRACE (ours, and reqwest's and hyper's through `log`) is captured twice:
//! as formatted text, searched for the tokens, and as structured events and
//! spans, whose fields are asserted by name.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::spelling::SPELLINGS;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use vobiz::RecordingFormat;
use vobiz::conference::MemberSelector;
use vobiz::testing::{FakeVobiz, Fault};

const TOKEN: &str = "tok/TRACE+5ecret-41d2";
const WRONG_TOKEN: &str = "wrong-TRACE-token-77e0";

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

type Fields = BTreeMap<String, String>;

#[derive(Debug, Clone)]
struct Recorded {
    target: String,
    level: Level,
    fields: Fields,
    /// The fields of the innermost `vobiz.operation` span around it.
    span: Option<Fields>,
}

#[derive(Default, Clone)]
struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
    closed_spans: Arc<Mutex<Vec<Fields>>>,
}

struct FieldsVisitor<'a>(&'a mut Fields);

impl Visit for FieldsVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut FieldsVisitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(&mut FieldsVisitor(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut FieldsVisitor(&mut fields));
        let span = ctx.event_scope(event).and_then(|scope| {
            scope
                .filter(|s| s.name() == "vobiz.operation")
                .find_map(|s| s.extensions().get::<Fields>().cloned())
        });
        self.events.lock().unwrap().push(Recorded {
            target: event.metadata().target().to_owned(),
            level: *event.metadata().level(),
            fields,
            span,
        });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && span.name() == "vobiz.operation"
            && let Some(fields) = span.extensions().get::<Fields>()
        {
            self.closed_spans.lock().unwrap().push(fields.clone());
        }
    }
}

async fn run_scenarios() {
    let fake = FakeVobiz::with_credentials("MA_TRACE", TOKEN)
        .await
        .unwrap();
    let client = fake
        .client_builder()
        .retry(common::fast_retry())
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
    client.hangup_conference("b").await.unwrap(); // gone_after_retry
    client.hangup_conference_if_active("zzz").await.unwrap(); // not_active
    fake.push_faults(std::iter::repeat_n(Fault::status(500), 3));
    client.hangup_conference("c").await.unwrap_err(); // error after retries
    client.hangup_conference("..").await.unwrap_err(); // refused before sending
    let wrong = common::client_as(&fake.base_url(), "MA_TRACE", WRONG_TOKEN);
    wrong.hangup_conference("c").await.unwrap_err(); // 401

    // Every other state-changing call of the handles.
    let first = fake.join("m", "+15550100");
    let second = fake.join("m", "+15550101");
    let room = client.conference("m");
    room.members(first.as_str()).mute().await.unwrap();
    room.members(first.as_str()).unmute().await.unwrap();
    room.members(MemberSelector::list([first.as_str(), second.as_str()]))
        .deafen()
        .await
        .unwrap();
    room.members(second.as_str()).undeafen().await.unwrap();
    room.members(MemberSelector::all())
        .play("https://example.com/notice.mp3")
        .await
        .unwrap();
    room.members(MemberSelector::all())
        .stop_audio()
        .await
        .unwrap();
    room.start_recording(RecordingFormat::Wav, None)
        .await
        .unwrap();
    room.stop_recording().await.unwrap();
    room.members(second.as_str()).kick().await.unwrap();
    room.members(first.as_str()).hangup().await.unwrap();
    room.members("99").mute().await.unwrap_err(); // no such member
    client.hangup_all_conferences().await.unwrap();

    // Generated operations called directly: the hooks audit what changes
    // state (once each), and nothing else.
    fake.join("g", "+15550102");
    let api = client.api();
    client
        .call(
            api.mute_member()
                .auth_id("MA_TRACE")
                .conference_name("g")
                .member_id("1")
                .send(),
        )
        .await
        .unwrap();
    api.get_conference()
        .conference_name("g")
        .send()
        .await
        .unwrap();
    api.delete_conference()
        .conference_name("g")
        .send()
        .await
        .unwrap();
}

/// A server echoing the token, spelled every way, in bodies of statuses that
/// become errors or successes, and in a redirect's `Location`. Outcomes vary
/// (a 202 is a kick's success); the captured output is what is checked.
async fn run_echoes() {
    let server = common::RawServer::start(common::NO_CONTENT).await;
    let client = common::client_as(&server.base_url(), "MA_TRACE", TOKEN);
    for how in SPELLINGS {
        let spelled = how.spell(TOKEN);
        let echo = format!(r#"{{"error":"bad token {spelled}","api_id":"{spelled}"}}"#);
        for status in [401, 403, 200, 202] {
            server.respond_with(status, echo.as_bytes());
            let _ = client.hangup_conference("r").await;
            let _ = client.conference("r").members("1").kick().await;
        }
        let location = format!("https://x.example/{spelled}");
        server.respond_with_headers(302, &[("location", &location)], b"");
        let _ = client.hangup_conference("r").await;
    }
    // And in a certificate's names, which TLS refuses: its words become the
    // error's reason and the attempt event's `vobiz.error_cause`.
    let key = rcgen::generate_simple_self_signed(vec![TOKEN.to_owned()]).unwrap();
    let (addr, _) = common::tls_server(&key).await;
    let http = common::http_client_builder()
        .resolve("vobiz.test", addr)
        .tls_certs_only([reqwest::Certificate::from_der(key.cert.der()).unwrap()])
        .build()
        .unwrap();
    let client = vobiz::Client::builder("MA_TRACE", TOKEN)
        .base_url(format!("https://vobiz.test:{}", addr.port()))
        .http_client(http)
        .build()
        .unwrap();
    let err = client.hangup_conference("r").await.unwrap_err();
    assert!(err.to_string().contains("<redacted>"), "{err}");
}

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).map_or("<absent>", String::as_str)
}

#[test]
fn audit_events_spans_and_no_token_even_echoed() {
    let captured = Captured::default();
    let writer = captured.clone();
    let recorder = Recorder::default();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .with_filter(tracing_subscriber::filter::LevelFilter::TRACE),
        )
        .with(recorder.clone())
        .try_init()
        .unwrap();
    let scenario_events = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            run_scenarios().await;
            let scenario_events = recorder.events.lock().unwrap().len();
            run_echoes().await;
            scenario_events
        });

    let output = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let secrets = [TOKEN.to_owned(), WRONG_TOKEN.to_owned()]
        .into_iter()
        .chain(SPELLINGS.iter().map(|how| how.spell(TOKEN)));
    for secret in secrets {
        assert!(
            !output.contains(&secret),
            "a token leaked into tracing output: {secret}"
        );
    }
    assert!(
        output.contains("bad token <redacted>"),
        "the echoes were captured"
    );
    assert!(
        output
            .lines()
            .any(|l| l.contains("vobiz.error_cause=") && l.contains("<redacted>")),
        "the certificate's echo was captured"
    );

    let mut events = recorder.events.lock().unwrap().clone();
    events.truncate(scenario_events);
    let audit: Vec<&Recorded> = events
        .iter()
        .filter(|e| e.target == "vobiz::audit")
        .collect();
    // One writer, one schema: the hooks audit every request that changes
    // state, the handles' as much as a generated call's, naming the subject
    // by the path parameters as sent. A name refused before sending ("..")
    // sent nothing and is not in the trail.
    let expected = [
        (
            "delete-conference",
            "conference_name=a",
            "applied",
            "204",
            "3",
        ),
        (
            "delete-conference",
            "conference_name=b",
            "gone_after_retry",
            "404",
            "2",
        ),
        (
            "delete-conference",
            "conference_name=zzz",
            "not_found",
            "404",
            "1",
        ),
        (
            "delete-conference",
            "conference_name=c",
            "error",
            "500",
            "3",
        ),
        (
            "delete-conference",
            "conference_name=c",
            "error",
            "401",
            "1",
        ),
        (
            "mute-member",
            "conference_name=m member_id=1",
            "applied",
            "202",
            "1",
        ),
        (
            "unmute-member",
            "conference_name=m member_id=1",
            "applied",
            "204",
            "1",
        ),
        (
            "deaf-member",
            "conference_name=m member_id=1%2C2",
            "applied",
            "202",
            "1",
        ),
        (
            "undeaf-member",
            "conference_name=m member_id=2",
            "applied",
            "204",
            "1",
        ),
        (
            "play-audio-member",
            "conference_name=m member_id=all",
            "applied",
            "202",
            "1",
        ),
        (
            "stop-audio-member",
            "conference_name=m member_id=all",
            "applied",
            "204",
            "1",
        ),
        (
            "start-conference-recording",
            "conference_name=m",
            "applied",
            "200",
            "1",
        ),
        (
            "stop-conference-recording",
            "conference_name=m",
            "applied",
            "204",
            "1",
        ),
        (
            "kick-member",
            "conference_name=m member_id=2",
            "applied",
            "202",
            "1",
        ),
        (
            "hangup-member",
            "conference_name=m member_id=1",
            "applied",
            "204",
            "1",
        ),
        (
            "mute-member",
            "conference_name=m member_id=99",
            "not_found",
            "404",
            "1",
        ),
        ("delete-all-conferences", "<absent>", "applied", "204", "1"),
        (
            "mute-member",
            "conference_name=g member_id=1",
            "applied",
            "202",
            "1",
        ),
        (
            "delete-conference",
            "conference_name=g",
            "applied",
            "204",
            "1",
        ),
    ];
    assert_eq!(audit.len(), expected.len(), "{audit:#?}");
    for (event, (operation, subject, outcome, status, attempts)) in audit.iter().zip(expected) {
        let f = &event.fields;
        assert_eq!(event.level, Level::INFO, "{f:?}");
        assert_eq!(field(f, "vobiz.operation"), operation, "{f:?}");
        assert_eq!(field(f, "vobiz.account"), "MA_TRACE", "{f:?}");
        assert_eq!(field(f, "vobiz.subject"), subject, "{f:?}");
        assert_eq!(field(f, "vobiz.outcome"), outcome, "{f:?}");
        assert_eq!(field(f, "http.response.status_code"), status, "{f:?}");
        assert_eq!(field(f, "vobiz.attempts"), attempts, "{f:?}");
        let method = field(f, "http.request.method");
        assert!(matches!(method, "DELETE" | "POST"), "{f:?}");
        assert!(
            field(f, "url.path").starts_with("/api/v1/Account/MA_TRACE/"),
            "{f:?}"
        );
        // Vobiz's id for every answer that had a body, success or not.
        if matches!(status, "200" | "202" | "404") {
            assert!(field(f, "vobiz.api_id").starts_with("fake-"), "{f:?}");
        }
        let failed = matches!(outcome, "error" | "not_found" | "gone_after_retry");
        assert_eq!(field(f, "error.type") != "<absent>", failed, "{f:?}");
    }

    // One DEBUG event per attempt, inside its operation's span, named after
    // OpenTelemetry's HTTP conventions.
    let attempts: Vec<&Recorded> = events
        .iter()
        .filter(|e| {
            e.fields
                .get("message")
                .is_some_and(|m| m.starts_with("vobiz attempt"))
        })
        .collect();
    assert_eq!(
        attempts.len(),
        3 + 2 + 1 + 3 + 1 + 11 + 1 + 3,
        "{attempts:#?}"
    );
    for event in &attempts {
        assert_eq!(event.level, Level::DEBUG);
        let span = event.span.as_ref().expect("inside a vobiz.operation span");
        for name in [
            "vobiz.operation_id",
            "http.request.method",
            "http.route",
            "url.path",
            "server.address",
        ] {
            assert_ne!(field(span, name), "<absent>", "{name} in {span:?}");
        }
        assert!(
            event.fields.contains_key("http.request.resend_count"),
            "{:?}",
            event.fields
        );
    }
    let spans = recorder.closed_spans.lock().unwrap().clone();
    let kick = spans
        .iter()
        .find(|s| field(s, "vobiz.operation_id") == "kick-member")
        .expect("a kick-member span");
    assert_eq!(field(kick, "http.request.method"), "POST");
    assert_eq!(
        field(kick, "http.route"),
        "/api/v1/Account/{auth_id}/Conference/{conference_name}/Member/{member_id}/Kick/"
    );
    assert_eq!(
        field(kick, "url.path"),
        "/api/v1/Account/MA_TRACE/Conference/m/Member/2/Kick/"
    );
    assert_eq!(field(kick, "server.address"), "127.0.0.1");
    assert_eq!(field(kick, "http.response.status_code"), "202");
    assert_eq!(field(kick, "vobiz.attempts"), "1");
    let failed = spans
        .iter()
        .find(|s| field(s, "http.response.status_code") == "500")
        .expect("the failing span");
    assert_eq!(
        (field(failed, "error.type"), field(failed, "vobiz.attempts")),
        ("500", "3")
    );
}
