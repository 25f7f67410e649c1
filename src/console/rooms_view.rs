//! The live rooms page (with the end dialog) and a room's page (its
//! members, with the kick dialog). The stable hooks for automation are
//! here: `data-room`, `data-action="end"`, the `confirm` input,
//! `data-action="confirm-end"` and `data-member`.

use std::fmt::Write;

use super::html::{button_form, esc, flash, human, page, url_part};
use super::live::RoomRow;
use super::planner::{Plans, applies};
use super::state::Shared;
use crate::conference::{ConferenceDetails, MemberDetails};

/// The body rows of the live rooms table (what the event stream sends).
pub(crate) fn room_rows(shared: &Shared) -> String {
    let plans = &Plans::load(&shared.store);
    let rows = shared.live.rows();
    let mut out = String::with_capacity(rows.len() * 400);
    for row in &rows {
        push_row(&mut out, row, plans);
    }
    if rows.is_empty() {
        out.push_str("<tr class=\"empty\"><td colspan=\"6\">No live rooms known.</td></tr>");
    }
    out
}

fn push_row(out: &mut String, row: &RoomRow, plans: &Plans) {
    let name = esc(&row.name);
    let known = match (row.from_callbacks, row.from_list) {
        (true, true) => "callbacks, list",
        (true, false) => "callbacks",
        _ => "list",
    };
    let members = row
        .members
        .map_or_else(|| "?".to_owned(), |n| n.to_string());
    let _ = write!(
        out,
        "<tr data-room=\"{name}\"><td><a href=\"/rooms/{link}\">{name}</a></td>\
         <td>{seen}</td><td data-members=\"{members}\">{members}</td><td>{known}</td><td>{plans}</td>\
         <td><form method=\"get\" action=\"/\" class=\"inline\">\
         <input type=\"hidden\" name=\"end\" value=\"{name}\">\
         <button data-action=\"end\">End…</button></form></td></tr>",
        link = url_part(&row.name),
        seen = human(row.seen_for),
        plans = esc(&applies(plans, &row.name).join("; ")),
    );
}

/// The live rooms page; `top` goes above the table (an outcome, or the
/// end dialog).
pub(crate) fn rooms_page(shared: &Shared, moderator: &str, csrf: &str, top: &str) -> String {
    let mut body = String::from(top);
    if let Some(why) = shared.live.list_failure() {
        body.push_str(&flash(
            &format!("Vobiz's list could not be read: {why}. Rooms from callbacks are shown."),
            false,
        ));
    }
    let _ = write!(
        body,
        "<p class=\"note\">Rooms from verified callbacks, and from Vobiz's list (which can \
         leave live rooms out). Run time counts from when the console first learned of a room.</p>\
         <table class=\"rooms\"><thead><tr><th>Room</th><th>Known for</th><th>Members</th>\
         <th>From</th><th>Rules and schedules</th><th></th></tr></thead>\
         <tbody data-live>{}</tbody></table>",
        room_rows(shared)
    );
    page("Live rooms", moderator, csrf, &body)
}

/// The end dialog for a room, as verified just now.
pub(crate) fn end_dialog(details: &ConferenceDetails, csrf: &str, refused: Option<&str>) -> String {
    let name = esc(details.name());
    let members = details.member_count();
    let confirm = if members >= 2 {
        format!(
            "<label>{members} people are in this room. Type its name, <b>{name}</b>, to end it: \
             <input name=\"confirm\" autocomplete=\"off\" autofocus required></label>"
        )
    } else {
        "<input type=\"hidden\" name=\"confirm\" value=\"\">".to_owned()
    };
    let refused = refused.map(|r| flash(r, false)).unwrap_or_default();
    format!(
        "<dialog open data-modal data-end=\"{name}\"><form method=\"post\" action=\"/rooms/{link}/end\">\
         <h2>End {name}?</h2>{refused}\
         <p>{members} member(s), running for {run}. Everyone in it is cut off.</p>\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>Notice to play first (https URL, optional): <input name=\"notice_url\" type=\"url\"></label>\
         <label>Then wait (seconds): <input name=\"grace\" type=\"number\" min=\"0\" max=\"120\" value=\"10\"></label>\
         {confirm}\
         <p><a href=\"/\" data-action=\"cancel\">Cancel</a> \
         <button data-action=\"confirm-end\" class=\"danger\">End room</button></p></form></dialog>",
        link = url_part(details.name()),
        run = human(details.run_time()),
        csrf = esc(csrf),
    )
}

/// `number` with all but its last 4 digits hidden.
pub(crate) fn masked(number: &str) -> String {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    number
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                seen += 1;
                if seen + 4 <= digits { '•' } else { c }
            } else {
                c
            }
        })
        .collect()
}

/// A room's page: its members and what can be done to them.
pub(crate) fn room_page(
    details: &ConferenceDetails,
    moderator: &str,
    csrf: &str,
    top: &str,
) -> String {
    let link = url_part(details.name());
    let mut body = String::from(top);
    let _ = write!(
        body,
        "<p data-room-summary>{} member(s), running for {}.</p>\
         <table class=\"members\"><thead><tr><th>Member</th><th>Muted</th><th>Deaf</th>\
         <th>Joined for</th><th>Caller</th><th></th></tr></thead><tbody>",
        details.member_count(),
        human(details.run_time())
    );
    for m in details.members() {
        push_member(&mut body, &link, m, csrf);
    }
    let action = format!("/rooms/{link}/members");
    let record = format!("/rooms/{link}/record");
    let _ = write!(
        body,
        "</tbody></table><h2>The whole room</h2>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"member\" value=\"all\"><input type=\"hidden\" name=\"action\" value=\"play\">\
         <label>Play to everyone (https URL): <input name=\"url\" type=\"url\" required></label> \
         <button data-action=\"play-all\">Play</button></form>\
         <p>{start} {stop}</p>\
         <form method=\"get\" action=\"/\"><input type=\"hidden\" name=\"end\" value=\"{name}\">\
         <button data-action=\"end\" class=\"danger\">End this room…</button></form>",
        csrf = esc(csrf),
        name = esc(details.name()),
        start = button_form(
            &record,
            csrf,
            &[("action", "start")],
            "Start recording",
            "record-start"
        ),
        stop = button_form(
            &record,
            csrf,
            &[("action", "stop")],
            "Stop recording",
            "record-stop"
        ),
    );
    page(details.name(), moderator, csrf, &body)
}

fn push_member(out: &mut String, link: &str, m: &MemberDetails, csrf: &str) {
    let action = format!("/rooms/{link}/members");
    let id = m.id();
    let toggle = |on: bool, yes: &str, no: &str| {
        let (word, label) = if on { (no, no) } else { (yes, yes) };
        button_form(
            &action,
            csrf,
            &[("member", id), ("action", word)],
            label,
            word,
        )
    };
    let caller = match (m.caller_name(), m.from()) {
        (Some(name), Some(from)) => format!("{} ({})", name, masked(from)),
        (None, Some(from)) => masked(from),
        (Some(name), None) => name.to_owned(),
        (None, None) => "-".to_owned(),
    };
    let _ = write!(
        out,
        "<tr data-member=\"{id}\"><td>{id}</td><td data-muted>{muted}</td><td data-deaf>{deaf}</td>\
         <td>{joined}</td><td>{caller}</td><td>{mute} {deafen} \
         <form method=\"get\" action=\"/rooms/{link}\" class=\"inline\">\
         <input type=\"hidden\" name=\"kick\" value=\"{id}\"><button data-action=\"kick\">Kick…</button></form> \
         <form method=\"post\" action=\"{action}\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"member\" value=\"{id}\"><input type=\"hidden\" name=\"action\" value=\"play\">\
         <input name=\"url\" type=\"url\" placeholder=\"https://…/notice.mp3\" required>\
         <button data-action=\"play\">Play</button></form></td></tr>",
        id = esc(id),
        muted = if m.muted() { "yes" } else { "no" },
        deaf = if m.deaf() { "yes" } else { "no" },
        joined = human(m.join_time()),
        caller = esc(&caller),
        mute = toggle(m.muted(), "mute", "unmute"),
        deafen = toggle(m.deaf(), "deafen", "undeafen"),
        csrf = esc(csrf),
    );
}

/// The kick dialog for one member.
pub(crate) fn kick_dialog(details: &ConferenceDetails, member: &str, csrf: &str) -> String {
    format!(
        "<dialog open data-modal><form method=\"post\" action=\"/rooms/{link}/members\">\
         <h2>Kick member {id} from {name}?</h2><p>They leave the room; their call goes on.</p>\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <input type=\"hidden\" name=\"member\" value=\"{id}\"><input type=\"hidden\" name=\"action\" value=\"kick\">\
         <p><a href=\"/rooms/{link}\" data-action=\"cancel\">Cancel</a> \
         <button data-action=\"confirm-kick\" class=\"danger\">Kick</button></p></form></dialog>",
        link = url_part(details.name()),
        name = esc(details.name()),
        id = esc(member),
        csrf = esc(csrf),
    )
}

#[cfg(test)]
mod tests {
    use super::masked;

    #[test]
    fn only_the_last_four_digits_show() {
        assert_eq!(masked("+15550001234"), "+•••••••1234");
        assert_eq!(masked("123"), "123");
        assert_eq!(masked("sip:alice"), "sip:alice");
    }
}
