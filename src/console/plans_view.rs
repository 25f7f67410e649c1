//! The schedules, rules and audit pages.

use std::fmt::Write;

use super::html::{button_form, esc, flash, page, url_part, when};
use super::planner::{ABANDONED, MAX_DURATION, Plans, WouldEnd, describe};
use super::state::Shared;

/// The schedules page.
pub(crate) fn schedules_page(shared: &Shared, moderator: &str, csrf: &str, top: &str) -> String {
    let plans = Plans::load(&shared.store);
    let mut body = String::from(top);
    if let Some(why) = &plans.failure {
        body.push_str(&flash(why, false));
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/schedules\" class=\"card\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>End room <input name=\"room\" required></label>\
         <label>at <input name=\"at\" required placeholder=\"in 30m, or 2026-12-05T18:00:00Z\"></label>\
         <label>Notice (https URL, optional) <input name=\"notice_url\" type=\"url\"></label>\
         <label>played this many minutes before <input name=\"notice_minutes\" type=\"number\" min=\"0\" value=\"0\"></label>\
         <button data-action=\"schedule\">Schedule</button></form>\
         <table class=\"schedules\"><thead><tr><th>Room</th><th>At (UTC)</th><th>Notice</th>\
         <th>By</th><th>State</th><th>Outcome</th><th></th></tr></thead><tbody>",
        csrf = esc(csrf)
    );
    for s in &plans.schedules {
        let cancel = if s.state == "pending" || s.state == "noticed" {
            button_form(
                &format!("/schedules/{}/cancel", s.id),
                csrf,
                &[],
                "Cancel",
                "cancel-schedule",
            )
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr data-schedule=\"{id}\" data-room=\"{room}\"><td>{room}</td><td>{at}</td><td>{notice}</td>\
             <td>{by}</td><td data-state>{state}</td><td data-outcome>{outcome}</td><td>{cancel}</td></tr>",
            id = s.id,
            room = esc(&s.room),
            at = when(s.at_ms),
            notice = esc(&s.notice_url.as_deref().map_or_else(
                || "-".to_owned(),
                |u| format!("{u}, {} min before", s.notice_before_s / 60)
            )),
            by = esc(&s.created_by),
            state = esc(&s.state),
            outcome = esc(s.outcome.as_deref().unwrap_or("")),
        );
    }
    body.push_str("</tbody></table>");
    page("Schedules", moderator, csrf, &body)
}

/// The rules page; `dry_run` is a rule's dry run to show.
pub(crate) fn rules_page(
    shared: &Shared,
    moderator: &str,
    csrf: &str,
    dry_run: Option<(i64, &[WouldEnd])>,
    top: &str,
) -> String {
    let plans = Plans::load(&shared.store);
    let mut body = String::from(top);
    if let Some((id, would)) = dry_run {
        let _ = write!(
            body,
            "<section data-dry-run=\"{id}\"><h2>Dry run of rule {id}: {} room(s) would be ended</h2><ul>",
            would.len()
        );
        for w in would {
            let _ = write!(
                body,
                "<li data-would-end=\"{room}\">{room}: {why}</li>",
                room = esc(&w.room),
                why = esc(&w.why)
            );
        }
        body.push_str("</ul><p>Nothing was sent.</p></section>");
    }
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/rules\" class=\"card\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>When <select name=\"kind\"><option value=\"{MAX_DURATION}\">a room has run longer than</option>\
         <option value=\"{ABANDONED}\">a room has had at most 1 member for</option></select></label>\
         <label><input name=\"minutes\" type=\"number\" min=\"1\" required> minutes,</label>\
         <label>for rooms named <input name=\"pattern\" value=\"*\" required></label> (<code>*</code> matches anything), end it. \
         <button data-action=\"add-rule\">Add (off until enabled)</button></form>\
         <table class=\"rules\"><thead><tr><th>Rule</th><th>By</th><th>State</th><th></th></tr></thead><tbody>",
        csrf = esc(csrf)
    );
    for r in &plans.rules {
        let base = format!("/rules/{}", r.id);
        let toggle = if r.enabled {
            button_form(
                &format!("{base}/disable"),
                csrf,
                &[],
                "Disable",
                "disable-rule",
            )
        } else {
            button_form(
                &format!("{base}/enable"),
                csrf,
                &[],
                "Enable",
                "enable-rule",
            )
        };
        let _ = write!(
            body,
            "<tr data-rule=\"{id}\"><td>{what}</td><td>{by}</td><td>{state}</td><td>{dry} {toggle} {delete}</td></tr>",
            id = r.id,
            what = esc(&describe(r)),
            by = esc(&r.created_by),
            state = if r.enabled { "enabled" } else { "off" },
            dry = button_form(&format!("{base}/dry-run"), csrf, &[], "Dry run", "dry-run"),
            delete = button_form(
                &format!("{base}/delete"),
                csrf,
                &[],
                "Delete",
                "delete-rule"
            ),
        );
    }
    body.push_str("</tbody></table>");
    page("Rules", moderator, csrf, &body)
}

/// The most audit lines a page shows.
const AUDIT_LINES: usize = 500;

/// The audit trail, newest first, of one room if `room` is given.
pub(crate) fn audit_page(
    shared: &Shared,
    moderator: &str,
    csrf: &str,
    room: Option<&str>,
) -> String {
    let mut body = format!(
        "<form method=\"get\" action=\"/audit\"><label>Room <input name=\"room\" value=\"{}\"></label> \
         <button>Filter</button> <a href=\"/audit\">All rooms</a></form>",
        esc(room.unwrap_or(""))
    );
    match shared.store.audit(room, AUDIT_LINES) {
        Err(e) => body.push_str(&flash(&e.to_string(), false)),
        Ok(rows) => {
            body.push_str(
                "<table class=\"audit\"><thead><tr><th>When (UTC)</th><th>Moderator</th><th>Room</th>\
                 <th>Operation</th><th>Subject</th><th>Outcome</th><th>api_id</th></tr></thead><tbody>",
            );
            for a in &rows {
                let event: serde_json::Value = serde_json::from_str(&a.event).unwrap_or_default();
                let subject = event
                    .get("vobiz.subject")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let room_cell = a.room.as_deref().map_or_else(String::new, |r| {
                    format!("<a href=\"/audit?room={}\">{}</a>", url_part(r), esc(r))
                });
                let _ = write!(
                    body,
                    "<tr data-audit><td>{}</td><td data-moderator>{}</td><td>{}</td><td data-operation>{}</td>\
                     <td>{}</td><td data-outcome>{}</td><td>{}</td></tr>",
                    when(a.time_ms),
                    esc(&a.moderator),
                    room_cell,
                    esc(&a.operation),
                    esc(subject),
                    esc(&a.outcome),
                    esc(a.api_id.as_deref().unwrap_or("")),
                );
            }
            body.push_str("</tbody></table>");
        }
    }
    page("Audit trail", moderator, csrf, &body)
}
