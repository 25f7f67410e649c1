//! The GET handlers: each shows a page and changes nothing.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::guard::Asker;
use super::html::{flash, page};
use super::plans_view::{audit_page, rules_page, schedules_page};
use super::rooms_view::{end_dialog, kick_dialog, room_page, room_rows, rooms_page};

/// `/?end=NAME` opens the end dialog for NAME.
#[derive(Deserialize)]
pub(crate) struct RoomsQuery {
    end: Option<String>,
}

pub(crate) async fn rooms(asker: Asker, Query(q): Query<RoomsQuery>) -> Response {
    let top = match q.end {
        Some(name) => match asker.shared.client.conference(&name).details().await {
            Ok(details) => end_dialog(&details, &asker.csrf, None),
            Err(e) if e.is_not_found() => {
                flash(&format!("{name}: not active; nothing to end"), false)
            }
            Err(e) => flash(
                &format!("{name}: could not be read, so it cannot be ended from here: {e}"),
                false,
            ),
        },
        None => String::new(),
    };
    Html(rooms_page(
        &asker.shared,
        asker.moderator.name(),
        &asker.csrf,
        &top,
    ))
    .into_response()
}

/// The live rooms table's rows alone (for a page that cannot stream).
pub(crate) async fn rows(asker: Asker) -> Html<String> {
    Html(room_rows(&asker.shared))
}

/// `/rooms/NAME?kick=ID` opens the kick dialog for member ID.
#[derive(Deserialize)]
pub(crate) struct RoomQuery {
    kick: Option<String>,
}

pub(crate) async fn room(
    asker: Asker,
    Path(name): Path<String>,
    Query(q): Query<RoomQuery>,
) -> Response {
    room_with(&asker, &name, q.kick.as_deref(), "").await
}

/// A room's page, with `top` above it (and the kick dialog if `kick`).
pub(crate) async fn room_with(
    asker: &Asker,
    name: &str,
    kick: Option<&str>,
    top: &str,
) -> Response {
    let who = asker.moderator.name();
    match asker.shared.client.conference(name).details().await {
        Ok(details) => {
            let mut top = top.to_owned();
            if let Some(member) = kick {
                top.push_str(&kick_dialog(&details, member, &asker.csrf));
            }
            Html(room_page(&details, who, &asker.csrf, &top)).into_response()
        }
        Err(e) => {
            let status = if e.is_not_found() {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::BAD_GATEWAY
            };
            let said = if e.is_not_found() {
                format!("{name}: not active")
            } else {
                format!("{name}: could not be read: {e}")
            };
            let body = format!(
                "{top}{}<p><a href=\"/\">Live rooms</a></p>",
                flash(&said, false)
            );
            (status, Html(page(name, who, &asker.csrf, &body))).into_response()
        }
    }
}

pub(crate) async fn schedules(asker: Asker) -> Html<String> {
    Html(schedules_page(
        &asker.shared,
        asker.moderator.name(),
        &asker.csrf,
        "",
    ))
}

pub(crate) async fn rules(asker: Asker) -> Html<String> {
    Html(rules_page(
        &asker.shared,
        asker.moderator.name(),
        &asker.csrf,
        None,
        "",
    ))
}

#[derive(Deserialize)]
pub(crate) struct AuditQuery {
    room: Option<String>,
}

pub(crate) async fn audit(asker: Asker, Query(q): Query<AuditQuery>) -> Html<String> {
    let room = q.room.as_deref().filter(|r| !r.is_empty());
    Html(audit_page(
        &asker.shared,
        asker.moderator.name(),
        &asker.csrf,
        room,
    ))
}
