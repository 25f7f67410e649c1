//! `vobiz callbacks serve`: a verified receiver of conference callbacks on
//! 127.0.0.1. It keeps a `LiveRooms` registry, prints one JSON line per
//! verified event, answers a forged or malformed one 403 (saying why on
//! stderr only), and serves its live rooms at `GET /rooms`.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::json;
use vobiz::callbacks::{ConferenceEvent, LiveRooms};

use crate::output::{Failure, Out};

/// The largest callback body read.
const MAX_BODY: usize = 64 * 1024;

/// A running receiver: its base URL and the registry it keeps.
pub struct Receiver {
    token: String,
    pub base: String,
    pub rooms: LiveRooms,
    /// Whether each verified event is printed on stdout.
    print: bool,
}

pub async fn serve(port: u16, out: &Out) -> Result<(), Failure> {
    let token = std::env::var("VOBIZ_AUTH_TOKEN").map_err(|_| {
        Failure::Usage("VOBIZ_AUTH_TOKEN is not set: callbacks are verified with it".to_owned())
    })?;
    let receiver = start(token, port, true).await?;
    out.note(&format!(
        "receiving conference callbacks on {} (live rooms at {}/rooms). Ctrl-C stops it.",
        receiver.base, receiver.base
    ));
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// Starts a receiver on 127.0.0.1:`port` (0: any free port), verifying with
/// `token`; it serves until the process ends.
pub async fn start(token: String, port: u16, print: bool) -> Result<Arc<Receiver>, Failure> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let receiver = Arc::new(Receiver {
        token,
        base: format!("http://127.0.0.1:{port}"),
        rooms: LiveRooms::new(),
        print,
    });
    tokio::spawn(accept(listener, receiver.clone()));
    Ok(receiver)
}

async fn accept(listener: tokio::net::TcpListener, receiver: Arc<Receiver>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors, say: give connections time to close
            // rather than spin on the error.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let receiver = receiver.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let receiver = receiver.clone();
                async move { Ok::<_, Infallible>(receiver.answer(req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Receiver {
    async fn answer(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.method() == Method::GET && req.uri().path() == "/rooms" {
            let rooms = self.rooms.rooms();
            let members: serde_json::Map<String, serde_json::Value> = rooms
                .iter()
                .map(|r| (r.clone(), json!(self.rooms.members(r))))
                .collect();
            return reply(
                StatusCode::OK,
                json!({"rooms": rooms, "members": members}).to_string(),
            );
        }
        let (parts, body) = req.into_parts();
        let url = format!(
            "{}{}",
            self.base,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let Ok(body) = Limited::new(body, MAX_BODY)
            .collect()
            .await
            .map(|b| b.to_bytes())
        else {
            eprintln!("vobiz: refused a callback: body unreadable or over {MAX_BODY} bytes");
            return reply(StatusCode::BAD_REQUEST, "unreadable body".to_owned());
        };
        match ConferenceEvent::from_request(&self.token, &url, &parts.headers, &body) {
            Ok(event) => {
                self.rooms.apply(&event);
                if self.print {
                    let line = serde_json::to_string(&event).unwrap_or_default();
                    let mut stdout = std::io::stdout().lock();
                    let _ = std::io::Write::write_all(&mut stdout, format!("{line}\n").as_bytes());
                    let _ = std::io::Write::flush(&mut stdout);
                }
                reply(StatusCode::OK, "OK".to_owned())
            }
            Err(refused) => {
                eprintln!("vobiz: refused a callback: {refused}");
                reply(StatusCode::FORBIDDEN, refused.to_string())
            }
        }
    }
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}
