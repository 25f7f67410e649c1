//! The commands for one room or a few: list, show, end (the hang-up page's
//! flow: verify, confirm, notify, end, report), act on members, record.

use std::collections::HashMap;

use futures_util::StreamExt;
use serde_json::{Value, json};
use vobiz::Client;
use vobiz::RecordingFormat;
use vobiz::conference::{Hangup, MemberSelector};

use crate::output::{self, Failure, Out, shown};
use crate::{HangupArgs, MemberAction, MembersArgs, Notice, RecordAction, RecordArgs};

/// What the list cannot promise, said every time it is shown.
const LIST_CAVEAT: &str =
    "note: Vobiz's list can leave live rooms out; a room missing here may still be running";

pub async fn rooms(client: &Client, out: &Out) -> Result<(), Failure> {
    let names = client.list_conferences().await?;
    out.note(LIST_CAVEAT);
    let text: Vec<String> = names.iter().map(|n| shown(n)).collect();
    out.print(&text.join("\n"), &json!({ "conferences": names }));
    Ok(())
}

pub async fn room(client: &Client, out: &Out, name: &str) -> Result<(), Failure> {
    let details = client.conference(name).details().await?;
    let mut text = format!(
        "{}: {} members, running for {}\n{:<6} {:<6} {:<6} {:<16} {:<16} {:<20} joined for",
        shown(details.name()),
        details.member_count(),
        human(details.run_time()),
        "id",
        "muted",
        "deaf",
        "from",
        "to",
        "caller name"
    );
    for m in details.members() {
        text.push_str(&format!(
            "\n{:<6} {:<6} {:<6} {:<16} {:<16} {:<20} {}",
            shown(m.id()),
            m.muted(),
            m.deaf(),
            shown(m.from().unwrap_or("-")),
            shown(m.to().unwrap_or("-")),
            shown(m.caller_name().unwrap_or("-")),
            human(m.join_time())
        ));
    }
    out.print(&text, &details);
    Ok(())
}

/// A duration to the second, as people read it.
pub fn human(d: std::time::Duration) -> String {
    humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
}

/// Ends a room, after the notice if there is one.
pub async fn end(
    room: &vobiz::conference::Conference,
    notice: &Notice,
) -> Result<Hangup, vobiz::Error> {
    match &notice.url {
        Some(url) => room.hangup_with_notice(url, notice.grace).await,
        None => room.hangup_if_active().await,
    }
}

pub async fn hangup(client: &Client, out: &Out, args: HangupArgs) -> Result<(), Failure> {
    out.check_audit()?;
    output::must_be_able_to_confirm(args.yes, "hangup")?;
    // Verify: what each room is, before anyone decides.
    let mut verified = Vec::new();
    for name in &args.names {
        let shown_name = shown(name);
        let line = match client.conference(name).details().await {
            Ok(d) => {
                let line = format!(
                    "{shown_name}: {} members, running for {}",
                    d.member_count(),
                    human(d.run_time())
                );
                verified.push(json!({"name": name, "details": d}));
                line
            }
            Err(e) if e.is_not_found() => {
                verified.push(json!({"name": name, "details": null}));
                format!("{shown_name}: not active")
            }
            Err(e) => {
                verified.push(json!({"name": name, "error": output::error_json(&e)}));
                format!("{shown_name}: could not verify ({e})")
            }
        };
        out.note(&line);
    }
    let question = format!("End {} room(s)?", args.names.len());
    output::confirm(args.yes, &question, "yes")?;
    let mut results = end_all(client, out, &args).await?;
    let mut report = Vec::new();
    let mut failed = 0;
    for name in &args.names {
        let Some(result) = results.remove(name) else {
            continue;
        };
        match result {
            Ok(outcome) => {
                out.line(&format!("{}: {outcome}", shown(name)));
                report.push(json!({"name": name, "outcome": outcome}));
            }
            Err(e) => {
                failed += 1;
                if e.is_invalid_input() && args.names.len() == 1 {
                    return Err(e.into());
                }
                eprintln!("vobiz: {}: {e}", shown(name));
                report.push(json!({"name": name, "error": output::error_json(&e)}));
            }
        }
    }
    if out.json {
        out.print("", &json!({"verified": verified, "rooms": report}));
    }
    if failed > 0 {
        Err(Failure::Failed(format!(
            "{failed} of {} room(s) could not be ended",
            args.names.len()
        )))
    } else {
        Ok(())
    }
}

/// Ends the named rooms. With a notice and several rooms, through the
/// library's batch: every room hears it, the grace is waited once, then
/// they end. Stops as soon as the audit log fails.
async fn end_all(
    client: &Client,
    out: &Out,
    args: &HangupArgs,
) -> Result<HashMap<String, Result<Hangup, vobiz::Error>>, Failure> {
    let mut results = HashMap::new();
    match &args.notice.url {
        Some(url) if args.names.len() > 1 => {
            let batch = client.hangup_conferences_with_notice(
                args.names.clone(),
                url,
                args.notice.grace,
                BATCH_CONCURRENCY,
            );
            let mut batch = std::pin::pin!(batch);
            while let Some((name, result)) = batch.next().await {
                results.insert(name, result);
                out.audited()?;
            }
        }
        _ => {
            for name in &args.names {
                let result = end(&client.conference(name), &args.notice).await;
                results.insert(name.clone(), result);
                out.audited()?;
            }
        }
    }
    Ok(results)
}

/// Rooms `hangup` notifies and ends at once.
const BATCH_CONCURRENCY: usize = 16;

pub async fn hangup_all(client: &Client, out: &Out, args: HangupArgs) -> Result<(), Failure> {
    out.check_audit()?;
    if args.notice.url.is_some() {
        // Vobiz's Hang Up All names no room to play it to.
        return Err(Failure::Usage(
            "--all cannot play a notice: Vobiz ends every room at once. Name the rooms \
             (`hangup ROOM... --notice URL`) or leave out --notice; nothing was sent"
                .to_owned(),
        ));
    }
    let yes = args.yes;
    let question = format!(
        "This ends EVERY conference on account {}.",
        client.auth_id()
    );
    output::confirm(yes, &question, client.auth_id())?;
    let result = client.hangup_all_conferences().await;
    out.audited()?;
    result?;
    out.report("every conference ended", &json!({"outcome": "ended_all"}));
    Ok(())
}

pub async fn members(client: &Client, out: &Out, args: MembersArgs) -> Result<(), Failure> {
    out.check_audit()?;
    let mut rest = args.args.iter();
    let act = Act::take(args.action, &mut rest)?;
    let ids: Vec<String> = rest.cloned().collect();
    let room = client.conference(&args.room);
    let (name, destructive) = (act.name(), act.destructive());
    if destructive {
        // Before --except reads the room: refused means nothing was sent.
        output::must_be_able_to_confirm(args.yes, name)?;
    }
    let selector = select(&room, args.all, &args.except, ids, out).await?;
    if destructive {
        let question = format!("{name} members {selector} of {}?", args.room);
        output::confirm(args.yes, &question, "yes")?;
    }
    let result = act.run(&room.members(selector.clone())).await;
    let shown = selector.to_string();
    out.audited()?;
    let done = result?;
    let text = format!(
        "{name} {} in {}: applied",
        output::shown(&shown),
        output::shown(&args.room)
    );
    out.report(
        &text,
        &json!({"room": args.room, "action": name, "outcome": done}),
    );
    Ok(())
}

/// A member action with what it needs: `play` takes its URL from the
/// front of the arguments, so no action can lack its input.
enum Act<'a> {
    Mute,
    Unmute,
    Deafen,
    Undeafen,
    Kick,
    Hangup,
    Play(&'a str),
    StopAudio,
}

impl<'a> Act<'a> {
    fn take(
        action: MemberAction,
        args: &mut std::slice::Iter<'a, String>,
    ) -> Result<Self, Failure> {
        Ok(match action {
            MemberAction::Mute => Act::Mute,
            MemberAction::Unmute => Act::Unmute,
            MemberAction::Deafen => Act::Deafen,
            MemberAction::Undeafen => Act::Undeafen,
            MemberAction::Kick => Act::Kick,
            MemberAction::Hangup => Act::Hangup,
            MemberAction::Play => Act::Play(args.next().ok_or_else(|| {
                Failure::Usage("play needs the audio URL before the member ids".to_owned())
            })?),
            MemberAction::StopAudio => Act::StopAudio,
        })
    }

    fn name(&self) -> &'static str {
        match self {
            Act::Mute => "mute",
            Act::Unmute => "unmute",
            Act::Deafen => "deafen",
            Act::Undeafen => "undeafen",
            Act::Kick => "kick",
            Act::Hangup => "hangup",
            Act::Play(_) => "play",
            Act::StopAudio => "stop-audio",
        }
    }

    /// Whether it takes people out of the room: it asks first.
    fn destructive(&self) -> bool {
        matches!(self, Act::Kick | Act::Hangup)
    }

    async fn run(
        &self,
        members: &vobiz::conference::Members,
    ) -> Result<vobiz::conference::MemberOutcome, vobiz::Error> {
        match self {
            Act::Mute => members.mute().await,
            Act::Unmute => members.unmute().await,
            Act::Deafen => members.deafen().await,
            Act::Undeafen => members.undeafen().await,
            Act::Kick => members.kick().await,
            Act::Hangup => members.hangup().await,
            Act::Play(url) => members.play(url).await,
            Act::StopAudio => members.stop_audio().await,
        }
    }
}

/// The selection: ids given, everyone, or everyone but some (read from the
/// room's details; those who join in between are not included).
async fn select(
    room: &vobiz::conference::Conference,
    all: bool,
    except: &[String],
    ids: Vec<String>,
    out: &Out,
) -> Result<MemberSelector, Failure> {
    check_ids(&ids)?;
    check_ids(except)?;
    match (all, except.is_empty(), ids.is_empty()) {
        (true, _, false) => Err(Failure::Usage(
            "give member ids or --all, not both".to_owned(),
        )),
        (true, true, true) => Ok(MemberSelector::all()),
        (true, false, true) => {
            let details = room.details().await?;
            let others: Vec<String> = details
                .members()
                .iter()
                .map(|m| m.id().to_owned())
                .filter(|id| !except.contains(id))
                .collect();
            out.note(&format!(
                "acting on {} member(s); members who join from now on are not included",
                others.len()
            ));
            if others.is_empty() {
                return Err(Failure::Usage(
                    "--all --except leaves nobody to act on; nothing was sent".to_owned(),
                ));
            }
            Ok(MemberSelector::list(others))
        }
        (false, _, true) => Err(Failure::Usage("give member ids, or --all".to_owned())),
        (false, _, false) if ids.len() == 1 => Ok(MemberSelector::one(ids[0].clone())),
        (false, _, false) => Ok(MemberSelector::list(ids)),
    }
}

/// Member ids as the CLI takes them: one per argument, digits only; `all`
/// is the --all flag. Said in the CLI's words before anything is sent.
fn check_ids(ids: &[String]) -> Result<(), Failure> {
    for id in ids {
        let problem = if id.trim().eq_ignore_ascii_case("all") {
            "would select every member: use --all for that".to_owned()
        } else if id.contains(',') {
            let spaced = id.split(',').map(str::trim).collect::<Vec<_>>().join(" ");
            format!("holds commas: give the ids as separate arguments ({spaced})")
        } else if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            "is not a member id: ids are the digits `vobiz room NAME` shows".to_owned()
        } else {
            continue;
        };
        return Err(Failure::Usage(format!(
            "member id {:?} {problem}; nothing was sent",
            shown(id)
        )));
    }
    Ok(())
}

pub async fn record(client: &Client, out: &Out, args: RecordArgs) -> Result<(), Failure> {
    out.check_audit()?;
    let room = client.conference(&args.room);
    let (action, result): (&str, Result<Value, vobiz::Error>) = match args.action {
        RecordAction::Start => {
            let format = RecordingFormat::from(args.format);
            let started = room.start_recording(format, args.callback.as_deref()).await;
            ("record_start", started.map(|a| json!(a)))
        }
        RecordAction::Stop => (
            "record_stop",
            room.stop_recording().await.map(|()| Value::Null),
        ),
    };
    out.audited()?;
    let accepted = result?;
    let text = match args.action {
        RecordAction::Start => format!(
            "recording {} (the file goes to the callback URL, if any)",
            args.room
        ),
        RecordAction::Stop => format!("stopped recording {}", args.room),
    };
    out.report(
        &text,
        &json!({"room": args.room, "action": action, "outcome": accepted}),
    );
    Ok(())
}
