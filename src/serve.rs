//! The one serve loop of every server this project runs (the simulator,
//! `vobiz callbacks serve` and the console): HTTP/1.1 on a listener, within bounds, so that
//! a flood of slow or silent clients cannot starve a genuine request.
//!
//! - A request's head must arrive within the read timeout. hyper starts
//!   that timer whenever it waits for a head, so it is also the idle
//!   timeout of a kept-alive connection.
//! - Its body must arrive within the read timeout too, and is bounded.
//! - At most `max_connections` are open. At the bound, or when `accept`
//!   fails (out of descriptors), the oldest connection is closed to make
//!   room: the one that has had the longest to finish, typically a client
//!   trickling its head.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

/// The bounds of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServeLimits {
    /// How long a request's head may take, then its body, and how long a
    /// kept-alive connection may sit idle.
    pub read_timeout: Duration,
    /// The largest body read; a larger one is [`BodyTooLarge`].
    pub max_body: usize,
    /// The most connections open at once.
    pub max_connections: usize,
}

impl ServeLimits {
    /// Bounds with these values.
    pub const fn new(read_timeout: Duration, max_body: usize, max_connections: usize) -> Self {
        ServeLimits {
            read_timeout,
            max_body,
            max_connections: if max_connections == 0 {
                1
            } else {
                max_connections
            },
        }
    }
}

/// A request whose body was over [`ServeLimits::max_body`]; it was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge;

/// A handler's answer: close the connection without one.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed without an answer")
    }
}

impl std::error::Error for Dropped {}

/// The open connections, oldest first, to close one when room is needed.
#[derive(Default)]
struct Open {
    next: u64,
    tasks: BTreeMap<u64, AbortHandle>,
}

impl Open {
    /// Closes the oldest connection still running; whether there was one.
    fn close_oldest(&mut self) -> bool {
        while let Some((_, task)) = self.tasks.pop_first() {
            if !task.is_finished() {
                task.abort();
                return true;
            }
        }
        false
    }

    fn make_room(&mut self, max: usize) {
        if self.tasks.len() >= max {
            self.tasks.retain(|_, task| !task.is_finished());
        }
        while self.tasks.len() >= max && self.close_oldest() {}
    }
}

fn lock(open: &Mutex<Open>) -> std::sync::MutexGuard<'_, Open> {
    open.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serves `listener` until the task is dropped: each request's head and
/// body are read within `limits`, then `handler` answers it (or closes the
/// connection, with [`Dropped`]).
pub async fn serve_bounded<H, F>(listener: TcpListener, limits: ServeLimits, handler: H)
where
    H: Fn(http::request::Parts, Result<Bytes, BodyTooLarge>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Response<Full<Bytes>>, Dropped>> + Send + 'static,
{
    serve_streaming(listener, limits, handler).await
}

/// [`serve_bounded`] for answers whose body is streamed (the console's
/// event stream): the request is read within the same bounds; the answer
/// is written as its body yields.
#[cfg(feature = "console")]
pub(crate) async fn serve_streaming_answers<H, F, B>(
    listener: TcpListener,
    limits: ServeLimits,
    handler: H,
) where
    H: Fn(http::request::Parts, Result<Bytes, BodyTooLarge>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, Dropped>> + Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_streaming(listener, limits, handler).await
}

async fn serve_streaming<H, F, B>(listener: TcpListener, limits: ServeLimits, handler: H)
where
    H: Fn(http::request::Parts, Result<Bytes, BodyTooLarge>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<Response<B>, Dropped>> + Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let handler = Arc::new(handler);
    let open = Arc::new(Mutex::new(Open::default()));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors, most likely: free one, or wait for
                // connections to close rather than spin.
                tracing::warn!(error = %e, "vobiz server: accept failed; retrying");
                if !lock(&open).close_oldest() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        let mut connections = lock(&open);
        connections.make_room(limits.max_connections);
        let handler = handler.clone();
        let task = tokio::spawn(async move {
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let handler = handler.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = read_body(body, limits).await?;
                    handler(parts, body).await
                }
            });
            // A client hanging up mid-request is its business, not an error.
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.read_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        let id = connections.next;
        connections.next += 1;
        connections.tasks.insert(id, task.abort_handle());
    }
}

/// The body, within the bounds; a body cut short or too slow closes the
/// connection (nobody is waiting for an answer).
async fn read_body(
    body: hyper::body::Incoming,
    limits: ServeLimits,
) -> Result<Result<Bytes, BodyTooLarge>, Dropped> {
    let limited = http_body_util::Limited::new(body, limits.max_body);
    match tokio::time::timeout(limits.read_timeout, limited.collect()).await {
        Ok(Ok(body)) => Ok(Ok(body.to_bytes())),
        Ok(Err(e))
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Ok(Err(BodyTooLarge))
        }
        Ok(Err(_)) | Err(_) => Err(Dropped),
    }
}
