//! What stands between a request and the console: the security headers on
//! every answer, the session (standalone sign-in), the moderator every page
//! requires, and the CSRF token every state-changing request carries.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::state::{Moderator, Shared};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "vobiz_console";

/// The largest form body read (a page's forms are far smaller).
pub(crate) const MAX_FORM: usize = 64 * 1024;

/// No inline script or style, nothing from elsewhere, never framed.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every answer.
pub(crate) async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The session id in a request's cookie, if any.
pub(crate) fn session_id(parts: &axum::http::HeaderMap) -> Option<&str> {
    parts
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Standalone sign-in: the moderator of the request's session, if live.
pub(crate) async fn session(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let signed_in = session_id(request.headers())
        .and_then(|id| Some(Moderator::new(shared.sessions.moderator(id)?, id)));
    if let Some(moderator) = signed_in {
        request.extensions_mut().insert(moderator);
    }
    next.run(request).await
}

/// Lets through only requests made by a moderator; anyone else gets the
/// sign-in page (a GET) or 401.
pub(crate) async fn moderator_only(request: Request, next: Next) -> Response {
    if request.extensions().get::<Moderator>().is_some() {
        return next.run(request).await;
    }
    if request.method() == Method::GET {
        Redirect::to("/signin").into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "sign in first").into_response()
    }
}

/// Refuses (403) a state-changing request whose form lacks the
/// moderator's CSRF token; nothing is changed.
pub(crate) async fn csrf(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned());
    let ok = match (parts.extensions.get::<Moderator>(), token) {
        (Some(moderator), Some(token)) => shared.csrf_ok(moderator, &token),
        _ => false,
    };
    if !ok {
        return (
            StatusCode::FORBIDDEN,
            "refused: the form's CSRF token is missing or wrong; reload the page and try again",
        )
            .into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Who is asking, with what they share: every page handler's first
/// argument.
pub(crate) struct Asker {
    pub shared: Arc<Shared>,
    pub moderator: Moderator,
    /// The CSRF token of the forms this moderator is shown.
    pub csrf: String,
}

impl FromRequestParts<Arc<Shared>> for Asker {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, Self::Rejection> {
        let moderator = parts
            .extensions
            .get::<Moderator>()
            .cloned()
            .ok_or_else(|| (StatusCode::UNAUTHORIZED, "sign in first").into_response())?;
        Ok(Asker {
            csrf: shared.csrf(&moderator),
            shared: shared.clone(),
            moderator,
        })
    }
}
