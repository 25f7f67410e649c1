//! The standalone console's sign-in pages: name and password (checked
//! against the argon2 hash, attempts bounded), a one-time link, and
//! sign-out. No GET here changes anything: a link shows a button that
//! POSTs its token.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::guard::{Asker, COOKIE, session_id};
use super::html::{bare_page, esc, flash};
use super::sessions::check_password;
use super::state::Shared;

fn form(top: &str) -> String {
    bare_page(
        "Sign in",
        &format!(
            "{top}<form method=\"post\" action=\"/signin\" class=\"card\">\
             <label>Name <input name=\"name\" autocomplete=\"username\" required></label>\
             <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
             <button data-action=\"sign-in\">Sign in</button></form>"
        ),
    )
}

pub(crate) async fn page() -> Html<String> {
    Html(form(""))
}

#[derive(Deserialize)]
pub(crate) struct SignIn {
    name: String,
    password: String,
}

/// Whether a POST came from a page of this console: a browser names the
/// page's origin, and a sign-in form on another site (login CSRF) would
/// name its own. A client that sends no Origin is not a browser.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o == h)
}

/// Refuses (403) a sign-in POST whose page was not this console's: the
/// sign-in forms carry no CSRF token, there being no session yet.
pub(crate) async fn same_origin_posts(request: Request, next: Next) -> Response {
    if request.method() == Method::POST && !same_origin(request.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "refused: a sign-in from another site",
        )
            .into_response();
    }
    next.run(request).await
}

pub(crate) async fn sign_in(State(shared): State<Arc<Shared>>, Form(f): Form<SignIn>) -> Response {
    if let Err(wait) = shared.sessions.may_try(&f.name) {
        let said = format!(
            "Too many attempts; try again in {} s.",
            wait.as_secs().max(1)
        );
        return (
            StatusCode::TOO_MANY_REQUESTS,
            Html(form(&flash(&said, false))),
        )
            .into_response();
    }
    let stored = shared.store.moderator_hash(&f.name).ok().flatten();
    // argon2 takes tens of milliseconds of CPU: off the async threads.
    let ok = tokio::task::spawn_blocking(move || check_password(stored.as_deref(), &f.password))
        .await
        .unwrap_or(false);
    shared.sessions.tried(&f.name, ok);
    if !ok {
        let said = "That name and password do not match a moderator.";
        return (StatusCode::UNAUTHORIZED, Html(form(&flash(said, false)))).into_response();
    }
    signed_in(&shared, &f.name)
}

/// Starts a session for `moderator` and sends them to the live rooms.
fn signed_in(shared: &Shared, moderator: &str) -> Response {
    let id = shared.sessions.start(moderator);
    let secure = if shared.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200{secure}");
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
pub(crate) struct Link {
    #[serde(default)]
    token: String,
}

/// A one-time link's page: a button that spends it.
pub(crate) async fn link_page(Query(link): Query<Link>) -> Html<String> {
    Html(bare_page(
        "Sign in",
        &format!(
            "<form method=\"post\" action=\"/signin/link\" class=\"card\">\
             <input type=\"hidden\" name=\"token\" value=\"{}\">\
             <p>This link signs you in once.</p><button data-action=\"sign-in\">Sign in</button></form>",
            esc(&link.token)
        ),
    ))
}

pub(crate) async fn link(State(shared): State<Arc<Shared>>, Form(link): Form<Link>) -> Response {
    match shared.sessions.redeem(&link.token) {
        Some(moderator) => signed_in(&shared, &moderator),
        None => {
            let said = "That link has been used or has expired; sign in with a password.";
            (StatusCode::UNAUTHORIZED, Html(form(&flash(said, false)))).into_response()
        }
    }
}

pub(crate) async fn sign_out(asker: Asker, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers) {
        asker.shared.sessions.end(id);
    }
    let mut response = Redirect::to("/signin").into_response();
    let expired = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
