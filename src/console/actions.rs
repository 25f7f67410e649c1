//! The POST handlers: every change a moderator makes. Each has passed the
//! CSRF check (see `guard`) before it runs, and each Vobiz request it makes
//! is audited under the moderator's name (see `trail`).

use std::time::Duration;

use axum::Form;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::guard::Asker;
use super::html::{flash, when};
use super::pages::room_with;
use super::planner::{self, ABANDONED, MAX_DURATION, dry_run, end_room, parse_at};
use super::plans_view::{rules_page, schedules_page};
use super::rooms_view::{end_dialog, rooms_page};
use super::store::{Rule, Schedule, now_ms};
use super::trail::{self, console_ops as ops};
use crate::RecordingFormat;
use crate::conference::MemberSelector;

/// What a change to the console's own state came to: `said`, and whether
/// its audit line was kept.
fn noted(logged: Result<(), super::store::StoreError>, said: &str) -> String {
    match logged {
        Ok(()) => flash(said, true),
        Err(e) => flash(
            &format!("{said}, but its audit line was not kept: {e}"),
            false,
        ),
    }
}

/// The longest wait between a notice and the end that a page offers.
const MAX_GRACE: u64 = 120;

#[derive(Deserialize)]
pub(crate) struct EndForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    notice_url: String,
    #[serde(default)]
    grace: String,
}

/// Ends a room once its name is confirmed: verified first, so that the
/// check of the typed name is against who is in it now.
pub(crate) async fn end(
    asker: Asker,
    Path(name): Path<String>,
    Form(form): Form<EndForm>,
) -> Response {
    let shared = &asker.shared;
    let who = asker.moderator.name();
    let details = match shared.client.conference(&name).details().await {
        Ok(details) => details,
        Err(e) if e.is_not_found() => {
            return rooms(
                &asker,
                &format!("{name}: not active; nothing was sent"),
                true,
            );
        }
        Err(e) => {
            return rooms(
                &asker,
                &format!("{name}: could not be verified, so it was not ended: {e}"),
                false,
            );
        }
    };
    let refuse = |why: &str| {
        let dialog = end_dialog(&details, &asker.csrf, Some(why));
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(rooms_page(shared, who, &asker.csrf, &dialog)),
        )
            .into_response()
    };
    if details.member_count() >= 2 && form.confirm.trim() != name {
        return refuse("The name typed is not this room's; nothing was sent.");
    }
    let notice = form.notice_url.trim();
    let grace = match form.grace.trim() {
        "" => 0,
        g => match g.parse::<u64>() {
            Ok(s) if s <= MAX_GRACE => s,
            _ => {
                return refuse(&format!(
                    "The wait must be 0 to {MAX_GRACE} seconds; nothing was sent."
                ));
            }
        },
    };
    let notice = (!notice.is_empty()).then_some((notice, Duration::from_secs(grace)));
    let result = end_room(shared, who, &name, notice).await;
    rooms(
        &asker,
        &format!("{name}: {}", planner::said(&result)),
        result.is_ok(),
    )
}

fn rooms(asker: &Asker, said: &str, ok: bool) -> Response {
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    let page = rooms_page(
        &asker.shared,
        asker.moderator.name(),
        &asker.csrf,
        &flash(said, ok),
    );
    (status, Html(page)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct MemberForm {
    member: String,
    action: String,
    #[serde(default)]
    url: String,
}

/// Mutes, unmutes, deafens, undeafens, kicks or plays to one member or all.
pub(crate) async fn member(
    asker: Asker,
    Path(name): Path<String>,
    Form(form): Form<MemberForm>,
) -> Response {
    let selector = match form.member.as_str() {
        "all" => MemberSelector::all(),
        id => MemberSelector::one(id),
    };
    let shared = asker.shared.clone();
    let members = shared.client.conference(&name).members(selector);
    let act = async {
        let done = match form.action.as_str() {
            "mute" => members.mute().await.map(|_| "muted"),
            "unmute" => members.unmute().await.map(|_| "unmuted"),
            "deafen" => members.deafen().await.map(|_| "deafened"),
            "undeafen" => members.undeafen().await.map(|_| "undeafened"),
            "kick" => members.kick().await.map(|_| "kicked"),
            "play" => members
                .play(form.url.trim())
                .await
                .map(|_| "playing the audio"),
            _ => return None,
        };
        Some(done)
    };
    let (done, _) = trail::run(&shared, asker.moderator.name(), Some(&name), act).await;
    let who = match form.member.as_str() {
        "all" => "everyone".to_owned(),
        id => format!("member {id}"),
    };
    let said = match done {
        Some(Ok(done)) => flash(&format!("{who}: {done}"), true),
        Some(Err(e)) => flash(&format!("{who}: failed: {e}"), false),
        None => flash(
            &format!(
                "{:?} is not an action on members; nothing was sent",
                form.action
            ),
            false,
        ),
    };
    room_with(&asker, &name, None, &said).await
}

#[derive(Deserialize)]
pub(crate) struct RecordForm {
    action: String,
}

/// Starts or stops the room's recording.
pub(crate) async fn record(
    asker: Asker,
    Path(name): Path<String>,
    Form(form): Form<RecordForm>,
) -> Response {
    let shared = asker.shared.clone();
    let room = shared.client.conference(&name);
    let (said, _) = trail::run(&shared, asker.moderator.name(), Some(&name), async {
        Some(match form.action.as_str() {
            "start" => room
                .start_recording(RecordingFormat::Mp3, None)
                .await
                .map(|_| "recording started"),
            "stop" => room.stop_recording().await.map(|()| "recording stopped"),
            _ => return None,
        })
    })
    .await;
    let top = match said {
        Some(Ok(done)) => flash(done, true),
        Some(Err(e)) => flash(&format!("recording: failed: {e}"), false),
        None => flash(
            &format!(
                "{:?} is not a recording action; nothing was sent",
                form.action
            ),
            false,
        ),
    };
    room_with(&asker, &name, None, &top).await
}

#[derive(Deserialize)]
pub(crate) struct ScheduleForm {
    room: String,
    at: String,
    #[serde(default)]
    notice_url: String,
    #[serde(default)]
    notice_minutes: String,
}

/// Stores a schedule (acknowledged once committed).
pub(crate) async fn schedule(asker: Asker, Form(form): Form<ScheduleForm>) -> Response {
    let shared = &asker.shared;
    let now = now_ms();
    let checked = (|| {
        let room = form.room.trim();
        if room.is_empty() || room.len() > 256 {
            return Err("name a room (at most 256 bytes)".to_owned());
        }
        let at = parse_at(&form.at, now)?;
        if at <= now {
            return Err("that time has passed".to_owned());
        }
        let notice_url = Some(form.notice_url.trim()).filter(|u| !u.is_empty());
        if let Some(url) = notice_url
            && !url.starts_with("https://")
        {
            return Err("the notice must be an https URL (Vobiz fetches it)".to_owned());
        }
        let minutes: i64 = match form.notice_minutes.trim() {
            "" => 0,
            m => m
                .parse()
                .ok()
                .filter(|m| (0..=24 * 60).contains(m))
                .ok_or("minutes before: 0 to 1440")?,
        };
        Ok(Schedule {
            id: 0,
            room: room.to_owned(),
            at_ms: at,
            notice_url: notice_url.map(str::to_owned),
            notice_before_s: minutes * 60,
            created_by: asker.moderator.name().to_owned(),
            state: "pending".to_owned(),
            outcome: None,
        })
    })();
    let top = match checked {
        Err(why) => flash(&format!("not scheduled: {why}"), false),
        Ok(s) => match shared.store.add_schedule(&s) {
            Ok(id) => {
                shared.planner.notify_one();
                let subject = format!("schedule_id={id} at={}", when(s.at_ms));
                let said = format!("scheduled: end {} at {}", s.room, when(s.at_ms));
                noted(
                    trail::note(
                        shared,
                        &s.created_by,
                        Some(&s.room),
                        ops::ADD_SCHEDULE,
                        &subject,
                    ),
                    &said,
                )
            }
            Err(e) => flash(&format!("not scheduled: {e}"), false),
        },
    };
    Html(schedules_page(
        shared,
        asker.moderator.name(),
        &asker.csrf,
        &top,
    ))
    .into_response()
}

pub(crate) async fn cancel_schedule(asker: Asker, Path(id): Path<i64>) -> Response {
    let shared = &asker.shared;
    let moved = ["pending", "noticed"]
        .iter()
        .map(|from| {
            shared.store.move_schedule(
                id,
                from,
                "cancelled",
                Some(&format!("cancelled by {}", asker.moderator.name())),
            )
        })
        .collect::<Result<Vec<bool>, _>>();
    let top = match moved {
        Ok(m) if m.contains(&true) => {
            let subject = format!("schedule_id={id}");
            let who = asker.moderator.name();
            let logged = trail::note(shared, who, None, ops::CANCEL_SCHEDULE, &subject);
            noted(logged, &format!("schedule {id} cancelled"))
        }
        Ok(_) => flash(
            &format!("schedule {id} had already run or been cancelled"),
            false,
        ),
        Err(e) => flash(&e.to_string(), false),
    };
    shared.planner.notify_one();
    Html(schedules_page(
        shared,
        asker.moderator.name(),
        &asker.csrf,
        &top,
    ))
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct RuleForm {
    kind: String,
    pattern: String,
    minutes: String,
}

/// Stores a rule, off: it is dry-run first, then enabled.
pub(crate) async fn add_rule(asker: Asker, Form(form): Form<RuleForm>) -> Response {
    let shared = &asker.shared;
    let pattern = form.pattern.trim();
    let minutes = form
        .minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (1..=7 * 24 * 60).contains(m));
    let top = match (form.kind.as_str(), minutes) {
        (MAX_DURATION | ABANDONED, Some(minutes))
            if !pattern.is_empty() && pattern.len() <= 256 =>
        {
            let rule = Rule {
                id: 0,
                kind: form.kind.clone(),
                pattern: pattern.to_owned(),
                minutes,
                enabled: false,
                created_by: asker.moderator.name().to_owned(),
            };
            match shared.store.add_rule(&rule) {
                Ok(id) => {
                    let subject =
                        format!("rule_id={id} {}", planner::describe(&Rule { id, ..rule }));
                    let logged = trail::note(
                        shared,
                        asker.moderator.name(),
                        None,
                        ops::ADD_RULE,
                        &subject,
                    );
                    noted(
                        logged,
                        &format!("rule {id} added, off: dry-run it, then enable it"),
                    )
                }
                Err(e) => flash(&e.to_string(), false),
            }
        }
        _ => flash(
            "not added: choose a kind, 1 to 10080 minutes, and a name pattern",
            false,
        ),
    };
    Html(rules_page(
        shared,
        asker.moderator.name(),
        &asker.csrf,
        None,
        &top,
    ))
    .into_response()
}

/// `/rules/ID/ACTION`: dry-run, enable, disable, delete.
pub(crate) async fn rule(asker: Asker, Path((id, action)): Path<(i64, String)>) -> Response {
    let shared = &asker.shared;
    let who = asker.moderator.name();
    let rule = shared
        .store
        .rules()
        .ok()
        .and_then(|rules| rules.into_iter().find(|r| r.id == id));
    let Some(rule) = rule else {
        let top = flash(&format!("there is no rule {id}"), false);
        return (
            StatusCode::NOT_FOUND,
            Html(rules_page(shared, who, &asker.csrf, None, &top)),
        )
            .into_response();
    };
    let done = match action.as_str() {
        "dry-run" => {
            let would = dry_run(shared, &rule).await;
            return Html(rules_page(shared, who, &asker.csrf, Some((id, &would)), ""))
                .into_response();
        }
        "enable" => (
            shared.store.set_rule_enabled(id, true),
            "enabled",
            ops::ENABLE_RULE,
        ),
        "disable" => (
            shared.store.set_rule_enabled(id, false),
            "disabled",
            ops::DISABLE_RULE,
        ),
        "delete" => (shared.store.delete_rule(id), "deleted", ops::DELETE_RULE),
        _ => return (StatusCode::NOT_FOUND, "no such action").into_response(),
    };
    shared.planner.notify_one();
    let top = match done {
        (Ok(()), done, op) => {
            let subject = format!("rule_id={id} {}", planner::describe(&rule));
            noted(
                trail::note(shared, who, None, op, &subject),
                &format!("rule {id} {done}"),
            )
        }
        (Err(e), _, _) => flash(&e.to_string(), false),
    };
    Html(rules_page(shared, who, &asker.csrf, None, &top)).into_response()
}
