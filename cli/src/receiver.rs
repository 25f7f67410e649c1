//! `vobiz callbacks serve`: a verified receiver of conference callbacks on
//! 127.0.0.1. It checks each signature against the URL Vobiz called
//! (`--public-url`), refuses replays, keeps a `LiveRooms` registry, prints
//! one JSON line per verified event, answers a forged, replayed or
//! malformed one 403 (saying why on stderr only), and serves its live rooms
//! at `GET /rooms` to a caller holding `VOBIZ_ROOMS_TOKEN`. It runs on the
//! library's bounded serve loop, as the simulator does.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Method, Response, StatusCode};
use serde_json::json;
use vobiz::callbacks::{ConferenceEvent, LiveRooms, NonceCache};
use vobiz::serve::{BodyTooLarge, Dropped, ServeLimits, serve_bounded};

use crate::output::{Failure, Out};

/// The receiver's bounds: heads, bodies and idle connections within 5 s,
/// callback bodies of at most 64 KiB, at most 256 connections.
const LIMITS: ServeLimits = ServeLimits::new(Duration::from_secs(5), 64 * 1024, 256);

/// How long a nonce is remembered: the window Vobiz suggests.
const REPLAY_WINDOW: Duration = Duration::from_secs(300);

/// The shortest `VOBIZ_ROOMS_TOKEN` accepted.
const MIN_ROOMS_TOKEN: usize = 16;

/// What a receiver is started with.
pub struct Settings {
    /// The auth token callbacks are verified with.
    pub token: String,
    /// The port on 127.0.0.1 (0: any free one).
    pub port: u16,
    /// The public base URL Vobiz calls, if it is not the loopback one.
    pub public_url: Option<String>,
    /// The credential `GET /rooms` asks for; `None`: `/rooms` is off.
    pub rooms_token: Option<String>,
    /// Whether each verified event is printed on stdout.
    pub print: bool,
}

/// A running receiver: its base URL and the registry it keeps.
pub struct Receiver {
    settings: Settings,
    /// What a request's path is appended to for its signature.
    signed_base: String,
    pub base: String,
    pub rooms: LiveRooms,
    seen: NonceCache,
}

pub async fn serve(port: u16, public_url: Option<String>, out: &Out) -> Result<(), Failure> {
    // The client's own variable: the key Vobiz signs callbacks with is the
    // account's auth token.
    let token = std::env::var(vobiz::ENV_AUTH_TOKEN).unwrap_or_default();
    vobiz::callbacks::check_key(&token).map_err(|e| {
        Failure::Usage(format!(
            "{} cannot verify callbacks: {e} (set it to the account's auth token)",
            vobiz::ENV_AUTH_TOKEN
        ))
    })?;
    let rooms_token = rooms_token()?;
    let public_url = public_url.as_deref().map(public_base).transpose()?;
    let settings = Settings {
        token,
        port,
        public_url,
        rooms_token,
        print: true,
    };
    let receiver = start(settings).await?;
    out.note(&format!(
        "receiving conference callbacks on {}, checking signatures against {}/... Ctrl-C stops it.",
        receiver.base, receiver.signed_base
    ));
    if receiver.settings.public_url.is_none() {
        out.note(
            "note: no --public-url, so only callers of the loopback URL (such as `vobiz simulator`) \
             will verify; behind a proxy or tunnel, pass the URL Vobiz calls",
        );
    }
    out.note(match receiver.settings.rooms_token {
        Some(_) => {
            "live rooms at GET /rooms, for a caller with Authorization: Bearer $VOBIZ_ROOMS_TOKEN"
        }
        None => "note: GET /rooms is off; set VOBIZ_ROOMS_TOKEN to serve it",
    });
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// `VOBIZ_ROOMS_TOKEN`, if set; refused when too short to guard anything.
pub fn rooms_token() -> Result<Option<String>, Failure> {
    match std::env::var("VOBIZ_ROOMS_TOKEN") {
        Ok(token) if token.chars().count() < MIN_ROOMS_TOKEN => Err(Failure::Usage(format!(
            "VOBIZ_ROOMS_TOKEN is shorter than {MIN_ROOMS_TOKEN} characters; \
             use a long random value"
        ))),
        Ok(token) => Ok(Some(token)),
        Err(_) => Ok(None),
    }
}

/// The public base URL: http or https, a host, an optional port and path
/// prefix, nothing else; without its trailing `/`.
fn public_base(text: &str) -> Result<String, Failure> {
    let refused = |why: &str| {
        Failure::Usage(format!(
            "--public-url {text:?} {why} (e.g. https://hooks.example.com/vobiz)"
        ))
    };
    let url = reqwest::Url::parse(text).map_err(|e| refused(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(refused("must be an http or https URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(refused("must have no query, fragment or user info"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Starts a receiver; it serves until the process ends.
pub async fn start(settings: Settings) -> Result<Arc<Receiver>, Failure> {
    let port = settings.port;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let base = format!("http://127.0.0.1:{port}");
    let receiver = Arc::new(Receiver {
        signed_base: settings.public_url.clone().unwrap_or_else(|| base.clone()),
        base,
        settings,
        rooms: LiveRooms::new(),
        seen: NonceCache::new(REPLAY_WINDOW),
    });
    let serving = receiver.clone();
    tokio::spawn(serve_bounded(listener, LIMITS, move |parts, body| {
        let receiver = serving.clone();
        async move { Ok::<_, Dropped>(receiver.answer(parts, body)) }
    }));
    Ok(receiver)
}

impl Receiver {
    fn answer(
        &self,
        parts: http::request::Parts,
        body: Result<Bytes, BodyTooLarge>,
    ) -> Response<Full<Bytes>> {
        if parts.uri.path() == "/rooms" {
            return self.live_rooms(&parts);
        }
        let Ok(body) = body else {
            eprintln!(
                "vobiz: refused a callback: body over {} bytes",
                LIMITS.max_body
            );
            return reply(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
        };
        // Signed for the URL Vobiz called: the public base, never the Host
        // or X-Forwarded-* headers, which the caller writes.
        let url = format!(
            "{}{}",
            self.signed_base,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let verified =
            ConferenceEvent::from_request(&self.settings.token, &url, &parts.headers, &body)
                .and_then(|event| self.seen.check(&event).map(|()| event));
        match verified {
            Ok(event) if event.is_wait_sound() => {
                // Callers wait in silence; the room's own XML decides more.
                let mut answer = reply(StatusCode::OK, "<Response></Response>");
                answer.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/xml"),
                );
                answer
            }
            Ok(event) => {
                self.rooms.apply(&event);
                if self.settings.print {
                    let line = serde_json::to_string(&event).unwrap_or_default();
                    let mut stdout = std::io::stdout().lock();
                    let _ = std::io::Write::write_all(&mut stdout, format!("{line}\n").as_bytes());
                    let _ = std::io::Write::flush(&mut stdout);
                }
                reply(StatusCode::OK, "OK")
            }
            Err(refused) => {
                eprintln!("vobiz: refused a callback: {refused}");
                reply(StatusCode::FORBIDDEN, &refused.to_string())
            }
        }
    }

    /// `GET /rooms`: only with the credential, and off without one.
    fn live_rooms(&self, parts: &http::request::Parts) -> Response<Full<Bytes>> {
        let Some(expected) = &self.settings.rooms_token else {
            return reply(StatusCode::NOT_FOUND, "not found");
        };
        let presented = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .unwrap_or_default();
        if !same_secret(presented, expected.as_bytes()) {
            let mut answer = reply(StatusCode::UNAUTHORIZED, "unauthorized");
            answer.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer"),
            );
            return answer;
        }
        if parts.method != Method::GET {
            return reply(StatusCode::METHOD_NOT_ALLOWED, "GET only");
        }
        let rooms = self.rooms.rooms();
        let members: serde_json::Map<String, serde_json::Value> = rooms
            .iter()
            .map(|r| (r.clone(), json!(self.rooms.members(r))))
            .collect();
        let body = json!({"rooms": rooms, "members": members}).to_string();
        let mut answer = reply(StatusCode::OK, &body);
        answer.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        answer
    }
}

/// Compares two secrets in time that depends on their lengths only.
fn same_secret(presented: &[u8], expected: &[u8]) -> bool {
    let differ = presented
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(differ) == 0 && presented.len() == expected.len()
}

fn reply(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = status;
    response
}
