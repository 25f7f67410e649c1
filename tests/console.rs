//! The moderator console on the wire: who gets in, what a request without
//! its CSRF token changes (nothing), the headers every answer carries, the
//! callbacks it refuses, the bound on open pages, the application-mounted
//! router, and schedules that outlive a restart. The console runs on a
//! loopback server; the simulator stands in for Vobiz.

use std::time::Duration;

mod common;

use vobiz::console::{Console, Moderator, Store};
use vobiz::testing::{FAKE_AUTH_TOKEN, FakeVobiz};

/// A moderator of these tests (a fixture, not a secret).
const NAME: &str = "ada";
const PASSWORD: &str = "test-password-ada-1";

struct Running {
    fake: FakeVobiz,
    base: String,
    http: reqwest::Client,
    _serving: tokio::task::JoinHandle<()>,
}

async fn start_with(
    store: Store,
    configure: impl FnOnce(vobiz::console::ConsoleBuilder) -> vobiz::console::ConsoleBuilder,
) -> Running {
    let fake = FakeVobiz::start().await.unwrap();
    Console::add_moderator(&store, NAME, PASSWORD).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let builder = Console::builder(fake.client(), store).callbacks(FAKE_AUTH_TOKEN, &base);
    let console = configure(builder).build().unwrap();
    let serving = tokio::spawn(async move { console.serve(listener).await });
    fake.send_callbacks_to(format!("{base}/callbacks")).unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Running {
        fake,
        base,
        http,
        _serving: serving,
    }
}

async fn start() -> Running {
    start_with(Store::in_memory().unwrap(), |b| b).await
}

impl Running {
    /// A sign-in POST with `password`, from a page of `origin` if given.
    async fn attempt(&self, password: &str, origin: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/signin", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(&[("name", NAME), ("password", password)]));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.unwrap()
    }

    /// Signs in with a password; the session cookie.
    async fn sign_in(&self) -> String {
        let answer = self.attempt(PASSWORD, None).await;
        assert_eq!(answer.status(), 303);
        let cookie = answer.headers()["set-cookie"].to_str().unwrap().to_owned();
        cookie.split(';').next().unwrap().to_owned()
    }

    /// A GET with the session cookie, answered (its body not yet read:
    /// an event stream's never ends).
    async fn open(&self, cookie: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, cookie: &str, path: &str) -> (u16, String) {
        let answer = self.open(cookie, path).await;
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    async fn post(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let answer = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(form))
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    }

    fn changes(&self) -> Vec<String> {
        common::changes(&self.fake)
    }
}

/// A form's body.
fn encode(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The CSRF token a page's forms carry.
fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    page[at..at + 64].to_owned()
}

#[tokio::test]
async fn a_request_without_a_session_gets_the_sign_in_page_or_401() {
    let c = start().await;
    for path in [
        "/",
        "/rooms/x",
        "/audit",
        "/schedules",
        "/rules",
        "/events",
        "/live/rows",
    ] {
        let (status, _) = c.get("", path).await;
        assert_eq!(status, 303, "{path}");
    }
    let answer = c.http.get(format!("{}/", c.base)).send().await.unwrap();
    assert_eq!(answer.headers()["location"], "/signin");
    let (status, _) = c
        .post("vobiz_console=made-up", "/rooms/x/end", &[("csrf", "x")])
        .await;
    assert_eq!(status, 401);
    let (status, page) = c.get("", "/signin").await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"password\""));
}

#[tokio::test]
async fn the_session_cookie_is_httponly_and_strict_and_secure_over_https() {
    let c = start().await;
    let answer = c.attempt(PASSWORD, None).await;
    let cookie = answer.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "{cookie}");

    let tls = start_with(Store::in_memory().unwrap(), |b| b.secure_cookies(true)).await;
    let answer = tls.attempt(PASSWORD, None).await;
    assert!(
        answer.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_403_and_changes_nothing() {
    let c = start().await;
    c.fake.add_conference("Keep");
    c.fake.join("Keep", "+15550001234");
    let cookie = c.sign_in().await;
    let (_, page) = c.get(&cookie, "/").await;
    let csrf = csrf_of(&page);
    let attempts: [(&str, Vec<(&str, &str)>); 4] = [
        ("/rooms/Keep/end", vec![("confirm", "Keep")]),
        (
            "/rooms/Keep/members",
            vec![("member", "1"), ("action", "kick")],
        ),
        ("/schedules", vec![("room", "Keep"), ("at", "in 1s")]),
        (
            "/rules",
            vec![("kind", "max_duration"), ("pattern", "*"), ("minutes", "1")],
        ),
    ];
    for (path, form) in &attempts {
        let (status, body) = c.post(&cookie, path, form).await;
        assert_eq!(status, 403, "{path}: {body}");
        let mut wrong = form.clone();
        wrong.push(("csrf", "0".repeat(64).leak()));
        assert_eq!(c.post(&cookie, path, &wrong).await.0, 403, "{path}");
    }
    assert!(c.changes().is_empty(), "{:?}", c.changes());
    assert!(c.fake.is_active("Keep"));
    let (_, schedules) = c.get(&cookie, "/schedules").await;
    assert!(
        !schedules.contains("data-schedule="),
        "a schedule was stored"
    );

    // The same request with the token goes through.
    let (status, body) = c
        .post(
            &cookie,
            "/rooms/Keep/end",
            &[("csrf", &csrf), ("confirm", "")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Keep: ended"));
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_no_page_holds_the_token() {
    let c = start().await;
    c.fake.add_conference("Room");
    c.fake.join("Room", "+15550001234");
    let cookie = c.sign_in().await;
    for path in [
        "/signin",
        "/",
        "/?end=Room",
        "/rooms/Room",
        "/schedules",
        "/rules",
        "/audit",
        "/assets/console.js",
    ] {
        let answer = c.open(&cookie, path).await;
        let h = answer.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        let body = answer.text().await.unwrap();
        assert!(!body.contains(FAKE_AUTH_TOKEN), "{path} shows the token");
        assert!(
            !body.contains("<script>") && !body.contains(" style="),
            "{path} has inline script or style"
        );
    }
}

#[tokio::test]
async fn sign_in_attempts_are_bounded() {
    let c = start().await;
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let answer = c.attempt("wrong password 123", None).await;
        statuses.push(answer.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // Locked out: even the right password waits.
    let answer = c.attempt(PASSWORD, None).await;
    assert_eq!(answer.status(), 429);
}

#[tokio::test]
async fn a_forged_callback_is_refused_and_changes_no_room() {
    let c = start().await;
    let cookie = c.sign_in().await;
    let form = "ConferenceAction=enter&ConferenceName=Forged&ConferenceUUID=u-1&CallUUID=c-1";
    for headers in [
        vec![],
        vec![
            ("X-Vobiz-Signature-V3", "bm90IGEgc2lnbmF0dXJl"),
            ("X-Vobiz-Signature-V3-Nonce", "12345678901234567890"),
        ],
    ] {
        let mut request = c
            .http
            .post(format!("{}/callbacks", c.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        assert_eq!(request.send().await.unwrap().status(), 403);
    }
    let (_, rows) = c.get(&cookie, "/live/rows").await;
    assert!(!rows.contains("Forged"), "{rows}");
}

#[tokio::test]
async fn open_pages_on_the_event_stream_are_bounded() {
    let c = start_with(Store::in_memory().unwrap(), |b| b.max_streams(2)).await;
    let cookie = c.sign_in().await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let answer = c.open(&cookie, "/events").await;
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["content-type"], "text/event-stream");
        open.push(answer);
    }
    let (status, _) = c.get(&cookie, "/events").await;
    assert_eq!(status, 503);
    // One closes: a page may open again.
    drop(open.pop());
    let again = tokio::time::timeout(Duration::from_secs(10), async {
        for wake in 0.. {
            let answer = c.open(&cookie, "/events").await;
            if answer.status() == 200 {
                return;
            }
            // The server learns of the close when it next writes; a room
            // change makes it write.
            c.fake.add_conference(format!("wake-{wake}"));
        }
    });
    again.await.expect("a freed place is given again");
}

/// `console.router()` behind an application's own authentication (here, a
/// header it trusts names the moderator; a request without it gets no
/// `Moderator`), served on 127.0.0.1 by the library's bounded serve loop;
/// its base URL.
async fn mounted(console: &Console) -> String {
    use tower::ServiceExt;
    let app = console.router().layer(axum::middleware::from_fn(
        |mut request: axum::extract::Request, next: axum::middleware::Next| async move {
            if let Some(name) = request
                .headers()
                .get("x-app-user")
                .and_then(|v| v.to_str().ok())
            {
                let moderator = Moderator::new(name, format!("app-session-of-{name}"));
                request.extensions_mut().insert(moderator);
            }
            next.run(request).await
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let limits = vobiz::serve::ServeLimits::new(Duration::from_secs(5), 64 * 1024, 16);
    tokio::spawn(vobiz::serve::serve_bounded(
        listener,
        limits,
        move |parts, body| {
            let app = app.clone();
            async move {
                let body = axum::body::Body::from(body.unwrap_or_default());
                let answer = app
                    .oneshot(axum::http::Request::from_parts(parts, body))
                    .await;
                let (parts, body) = answer.unwrap_or_else(|never| match never {}).into_parts();
                let body = axum::body::to_bytes(body, 1 << 20)
                    .await
                    .unwrap_or_default();
                Ok(axum::http::Response::from_parts(
                    parts,
                    http_body_util::Full::new(body),
                ))
            }
        },
    ));
    base
}

#[tokio::test]
async fn an_application_mounts_the_router_behind_its_own_authentication() {
    let fake = FakeVobiz::start().await.unwrap();
    let console = Console::builder(fake.client(), Store::in_memory().unwrap())
        .build()
        .unwrap();
    let base = mounted(&console).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let anonymous = http.get(format!("{base}/audit")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303);
    let signed = http
        .get(format!("{base}/audit"))
        .header("x-app-user", "grace")
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    let body = signed.text().await.unwrap();
    assert!(body.contains("<span data-moderator>grace</span>"), "{body}");
}

#[tokio::test]
async fn a_schedule_outlives_a_restart_of_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("console.db");
    let first = start_with(Store::open(&path).unwrap(), |b| b).await;
    let cookie = first.sign_in().await;
    let (_, page) = first.get(&cookie, "/schedules").await;
    let form = [
        ("csrf", csrf_of(&page)),
        ("room", "Later".into()),
        ("at", "in 3s".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = first.post(&cookie, "/schedules", &form).await;
    assert_eq!(status, 200);
    assert!(body.contains("scheduled: end Later"), "{body}");
    first._serving.abort();
    drop(first);

    // A new console on the same file, and a simulator where the room runs.
    let second = start_with(Store::open(&path).unwrap(), |b| b).await;
    second.fake.add_conference("Later");
    common::until_ended(&second.fake, "Later", Duration::from_secs(15)).await;
    assert_eq!(
        second.changes(),
        ["DELETE /api/v1/Account/MA_FAKE00001/Conference/Later/"]
    );
}

#[tokio::test]
async fn a_sign_in_posted_from_another_site_is_refused() {
    let c = start().await;
    let answer = c.attempt(PASSWORD, Some("https://evil.example")).await;
    assert_eq!(answer.status(), 403);
    assert!(answer.headers().get("set-cookie").is_none());
    let host = c.base.trim_start_matches("http://").to_owned();
    let answer = c.attempt(PASSWORD, Some(&format!("http://{host}"))).await;
    assert_eq!(answer.status(), 303);
}

/// Targets of the events an application's subscriber saw.
#[derive(Clone, Default)]
struct Seen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Seen {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        self.0
            .lock()
            .unwrap()
            .push(event.metadata().target().to_owned());
    }
}

#[tokio::test(flavor = "current_thread")]
async fn an_action_is_in_the_consoles_trail_and_still_reaches_the_applications_subscriber() {
    use tracing_subscriber::layer::SubscriberExt;
    let seen = Seen::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(seen.clone()));
    let fake = FakeVobiz::start().await.unwrap();
    fake.add_conference("Ops");
    let id = fake.join("Ops", "+15550001234");
    let console = Console::builder(fake.client(), Store::in_memory().unwrap())
        .build()
        .unwrap();
    // Served on this thread: the handlers see this test's subscriber.
    let base = mounted(&console).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = |request: reqwest::RequestBuilder| async move {
        let answer = request.header("x-app-user", "grace").send().await.unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    };
    let (_, room) = page(http.get(format!("{base}/rooms/Ops"))).await;
    let form = encode(&[
        ("csrf", &csrf_of(&room)),
        ("member", &id),
        ("action", "mute"),
    ]);
    let post = http
        .post(format!("{base}/rooms/Ops/members"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form);
    let (status, body) = page(post).await;
    assert_eq!(status, 200, "{body}");
    let sent = common::changes(&fake);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].starts_with("POST ") && sent[0].contains(&format!("/Member/{id}/Mute")),
        "{sent:?}"
    );

    let (_, audit) = page(http.get(format!("{base}/audit?room=Ops"))).await;
    assert!(audit.contains("<td data-moderator>grace</td>"), "{audit}");
    assert!(audit.contains("<td data-outcome>applied</td>"), "{audit}");
    let targets = seen.0.lock().unwrap().clone();
    assert!(targets.iter().any(|t| t == "vobiz::audit"), "{targets:?}");
}
