//! The two endpoints that are not pages: the event stream that redraws an
//! open live rooms page, and the callback endpoint that feeds it.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::guard::Asker;
use super::rooms_view::room_rows;
use super::state::Shared;
use crate::callbacks::ConferenceEvent;

/// Server-sent events: the live rooms table's rows, now and whenever the
/// rooms change. An idle page costs a parked future and nothing else; at
/// the bound on open streams a page is told to try later (503).
pub(crate) async fn events(asker: Asker) -> Response {
    let shared = asker.shared;
    let Ok(permit) = shared.streams.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many open pages; reload later",
        )
            .into_response();
    };
    let changes = shared.live.watch();
    let start = (shared, changes, permit, true);
    let stream =
        futures_util::stream::unfold(start, |(shared, mut changes, permit, first)| async move {
            if !first {
                changes.changed().await.ok()?;
            }
            let rows = room_rows(&shared).replace(['\r', '\n'], " ");
            let event = Bytes::from(format!("event: rooms\ndata: {rows}\n\n"));
            Some((Ok::<_, Infallible>(event), (shared, changes, permit, false)))
        });
    let mut response = Body::from_stream(stream).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A conference callback: verified against the URL Vobiz called and the
/// account's token, refused if replayed, then applied. 403 says which
/// check failed, never the token.
pub(crate) async fn callback(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(check) = &shared.callbacks else {
        return (StatusCode::NOT_FOUND, "callbacks are not configured").into_response();
    };
    let url = format!(
        "{}{}",
        check.public_url,
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let verified = ConferenceEvent::from_request(&check.token, &url, &headers, &body)
        .and_then(|event| check.seen.check(&event).map(|()| event));
    match verified {
        Ok(event) if event.is_wait_sound() => (
            [(header::CONTENT_TYPE, "application/xml")],
            "<Response></Response>",
        )
            .into_response(),
        Ok(event) => {
            shared.live.apply(&event);
            (StatusCode::OK, "OK").into_response()
        }
        Err(refused) => {
            tracing::warn!(target: "vobiz::console", %refused, "refused a callback");
            (StatusCode::FORBIDDEN, refused.to_string()).into_response()
        }
    }
}
