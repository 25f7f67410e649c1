//! Loopback servers for the wire tests, and the operations table.
#![allow(dead_code)]

pub mod documented;
pub mod ops;
pub mod scratch;
pub mod spelling;
pub mod traced;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

/// The token every test client uses; tests search output for it.
pub const TOKEN: &str = "tok-SECRET-9f3a7c";
pub const AUTH_ID: &str = "MA_TEST0001";

/// A raw HTTP/1.1 server that records each request head byte for byte (no
/// HTTP library parses or normalises it) and answers every request with a
/// fixed response.
pub struct RawServer {
    pub addr: std::net::SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
    response: Arc<Mutex<Vec<u8>>>,
}

impl RawServer {
    pub async fn start(response: &str) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let response = Arc::new(Mutex::new(response.as_bytes().to_vec()));
        let (h, c, r) = (heads.clone(), connections.clone(), response.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve_raw(stream, h.clone(), r.clone()));
            }
        });
        RawServer {
            addr,
            heads,
            connections,
            response,
        }
    }

    /// Answers from now on with `status` and `body`.
    pub fn respond_with(&self, status: u16, body: &[u8]) {
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let mut response = head.into_bytes();
        response.extend_from_slice(body);
        *self.response.lock().unwrap() = response;
    }

    /// Answers from now on with `status`, extra `headers` and `body`.
    pub fn respond_with_headers(&self, status: u16, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let mut response = head.into_bytes();
        response.extend_from_slice(body);
        *self.response.lock().unwrap() = response;
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The request heads received so far (request line and headers).
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// How many requests arrived so far.
    pub fn count(&self) -> usize {
        self.heads.lock().unwrap().len()
    }

    /// The request line of request `i`.
    pub fn request_line(&self, i: usize) -> Option<String> {
        let heads = self.heads.lock().unwrap();
        Some(heads.get(i)?.lines().next().unwrap_or_default().to_owned())
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve_raw(
    mut stream: TcpStream,
    heads: Arc<Mutex<Vec<String>>>,
    response: Arc<Mutex<Vec<u8>>>,
) {
    let mut buf = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let body_len = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            })
            .unwrap_or(0);
        while buf.len() < end + body_len {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..end + body_len);
        heads.lock().unwrap().push(head);
        let response = response.lock().unwrap().clone();
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

pub const NO_CONTENT: &str = "HTTP/1.1 204 No Content\r\n\r\n";

/// A blocking harness for property tests: a runtime, a raw server answering
/// 204, and a client pointed at it. Give each property its own, so that
/// parallel tests do not mix requests.
pub struct World {
    pub rt: tokio::runtime::Runtime,
    pub server: RawServer,
    pub client: vobiz::Client,
}

impl World {
    pub fn start() -> World {
        World::with_token(TOKEN)
    }

    /// A world whose client uses `token`.
    pub fn with_token(token: &str) -> World {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = rt.block_on(RawServer::start(NO_CONTENT));
        let client = client_as(&server.base_url(), AUTH_ID, token);
        World { rt, server, client }
    }
}

/// A client for `base_url` with the test credentials.
/// No retries, so that each call is exactly one request.
pub fn client(base_url: &str) -> vobiz::Client {
    client_as(base_url, AUTH_ID, TOKEN)
}

/// The parts of a `PartlyApplied` error; any other error fails the test.
pub fn partly_applied(err: &vobiz::Error) -> (&[vobiz::Accepted], &[String], &vobiz::Error) {
    let vobiz::Error::PartlyApplied {
        applied,
        not_sent,
        source,
    } = err
    else {
        panic!("not PartlyApplied: {err:?}");
    };
    (applied, not_sent, source)
}

/// A client for `base_url` with other credentials (a hostile test's token,
/// or one the server will not accept), also without retries.
pub fn client_as(base_url: &str, auth_id: &str, token: &str) -> vobiz::Client {
    vobiz::Client::builder(auth_id, token)
        .base_url(base_url)
        .retry(vobiz::RetryPolicy::none())
        .build()
        .unwrap()
}

pub type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A loopback HTTPS server with `key`'s certificate, answering 204 and
/// recording each request's target and token.
pub async fn tls_server(key: &rcgen::CertifiedKey<rcgen::KeyPair>) -> (std::net::SocketAddr, Seen) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![key.cert.der().clone()],
            PrivateKeyDer::try_from(key.signing_key.serialize_der()).unwrap(),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, record) = (acceptor.clone(), record.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let token = req
                        .headers()
                        .get("x-auth-token")
                        .map(|v| v.to_str().unwrap().to_owned());
                    record.lock().unwrap().push((req.uri().to_string(), token));
                    let mut response = hyper::Response::new(Empty::<Bytes>::new());
                    *response.status_mut() = hyper::StatusCode::NO_CONTENT;
                    async move { Ok::<_, Infallible>(response) }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(TokioIo::new(tls), service)
                .await;
            });
        }
    });
    (addr, seen)
}

/// A reqwest client a vobiz `Client` accepts as `http_client` for any base
/// URL: it follows no redirects and uses no proxy.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
}

/// What a [`RouteServer`] answers: a status and headers, no body.
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, &'static str)>,
    pub delay: std::time::Duration,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            delay: std::time::Duration::ZERO,
        }
    }

    /// Answers only after `delay`.
    pub fn delay(mut self, delay: std::time::Duration) -> Answer {
        self.delay = delay;
        self
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Answer {
        self.headers.push((name, value));
        self
    }
}

/// A loopback server that answers each request by its path.
pub struct RouteServer {
    pub addr: std::net::SocketAddr,
}

impl RouteServer {
    pub async fn start(route: impl Fn(&str) -> Answer + Send + Sync + 'static) -> RouteServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let route = Arc::new(route);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let route = route.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let answer = route(req.uri().path());
                        let mut response = hyper::Response::new(Empty::<Bytes>::new());
                        *response.status_mut() =
                            hyper::StatusCode::from_u16(answer.status).unwrap();
                        for (name, value) in answer.headers {
                            response.headers_mut().insert(name, value.parse().unwrap());
                        }
                        async move {
                            tokio::time::sleep(answer.delay).await;
                            Ok::<_, Infallible>(response)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        RouteServer { addr }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A loopback port with nothing listening: connecting to it is refused.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `f` to completion on a runtime of its own: for property tests,
/// whose cases are plain functions.
pub fn block_on<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// A base URL whose connections are refused.
pub fn refused_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// The default policy with a 5 ms first backoff, so that retrying tests
/// stay fast while keeping the default attempts and caps.
pub fn fast_retry() -> vobiz::RetryPolicy {
    vobiz::RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(5))
}

/// A simulator with `rooms` active and `faults` queued, and a client of it
/// with `policy`.
pub async fn fake_with(
    rooms: &[&str],
    faults: impl IntoIterator<Item = vobiz::testing::Fault>,
    policy: vobiz::RetryPolicy,
) -> (vobiz::testing::FakeVobiz, vobiz::Client) {
    let fake = vobiz::testing::FakeVobiz::start().await.unwrap();
    for room in rooms {
        fake.add_conference(*room);
    }
    fake.push_faults(faults);
    let client = fake.client_builder().retry(policy).build().unwrap();
    (fake, client)
}

/// A [`World`] of its own for the property test it is written in (its
/// server's answer is that test's to set), with the test token or `token`.
#[macro_export]
macro_rules! world {
    () => {
        $crate::world!($crate::common::TOKEN)
    };
    ($token:expr) => {{
        static WORLD: std::sync::OnceLock<$crate::common::World> = std::sync::OnceLock::new();
        WORLD.get_or_init(|| $crate::common::World::with_token($token))
    }};
}

/// A wiremock server answering every request with `response`.
pub async fn answering(response: wiremock::ResponseTemplate) -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

/// The HTTPS round trip through the client vobiz builds itself, with
/// `key`'s certificate as the one trusted root (the caller has pointed
/// `SSL_CERT_FILE` at it): a request to a server with that certificate
/// arrives with the token; one to a server whose certificate names another
/// host is refused before anything is sent. Returns that refusal.
pub async fn own_client_https(
    key: &rcgen::CertifiedKey<rcgen::KeyPair>,
    token: &str,
) -> vobiz::Error {
    let (addr, seen) = tls_server(key).await;
    let client = vobiz::Client::builder("MA_TLS", token)
        .base_url(format!("https://localhost:{}", addr.port()))
        .build()
        .unwrap();
    client.hangup_conference("room 1").await.unwrap();
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec![(
            "/api/v1/Account/MA_TLS/Conference/room%201/".to_owned(),
            Some(token.to_owned())
        )]
    );
    let other = rcgen::generate_simple_self_signed(vec!["elsewhere.test".to_owned()]).unwrap();
    let (addr, seen) = tls_server(&other).await;
    let client = vobiz::Client::builder("MA_TLS", token)
        .base_url(format!("https://localhost:{}", addr.port()))
        .retry(vobiz::RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.hangup_conference("room").await.unwrap_err();
    assert!(matches!(err, vobiz::Error::Transport { .. }), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
    err
}

/// Makes a certificate for `localhost` the one root this process trusts
/// (`SSL_CERT_FILE`, read by OpenSSL and by the platform verifier on Linux),
/// and a runtime to use it from. Keep the returned file for as long as the
/// runtime.
///
/// # Safety
///
/// Sets an environment variable: call it first in a test binary's only
/// test, before any other thread exists.
pub unsafe fn trusting_a_new_certificate() -> (
    rcgen::CertifiedKey<rcgen::KeyPair>,
    tempfile::NamedTempFile,
    tokio::runtime::Runtime,
) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let roots = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(roots.path(), key.cert.pem()).unwrap();
    // SAFETY: the caller promises no other thread exists yet.
    unsafe { std::env::set_var("SSL_CERT_FILE", roots.path()) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    (key, roots, rt)
}

/// Everything a caller can see of an error, as text: `Display`, `Debug`,
/// its message, `api_id` and summary, the answer's body and details, a
/// redirect's location.
pub fn shown(err: &vobiz::Error) -> String {
    let mut text = format!("{err}\n{err:?}\n{:?}\n{:?}\n", err.message(), err.api_id());
    text.push_str(&serde_json::to_string(&err.summary()).unwrap());
    if let Some(api) = err.api_error() {
        text.push_str(&String::from_utf8_lossy(api.body()));
        text.push_str(&format!("{:?}", api.details()));
    }
    if let vobiz::Error::Redirect { location, .. } = err {
        text.push_str(location);
    }
    text
}

/// The adversarial suites' token: it has the characters encoders change
/// (`/`, `+`).
pub const HOSTILE_TOKEN: &str = "tok/SECRET+9-hostile";

/// What `fake` received that could change state (anything but GET), as
/// `METHOD target` lines.
pub fn changes(fake: &vobiz::testing::FakeVobiz) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

/// Waits, at most `patience`, until `room` is no longer active on `fake`:
/// woken each time the simulator has handled a request, not by a clock.
pub async fn until_ended(
    fake: &vobiz::testing::FakeVobiz,
    room: &str,
    patience: std::time::Duration,
) {
    tokio::time::timeout(patience, fake.until(|fake| !fake.is_active(room)))
        .await
        .unwrap_or_else(|_| panic!("{room} was not ended within {patience:?}"));
}
