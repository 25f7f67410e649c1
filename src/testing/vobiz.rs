//! The Vobiz behaviour: authenticate, route, act on the rooms. Each
//! operation of the spec is one [`Simulated`] action; member actions are one
//! exhaustive [`MemberAction`], so a new one fails to compile until every
//! place that acts on members handles it.

use std::time::Instant;

use hyper::StatusCode;
use serde_json::Value;

use super::events::RoomId;
use super::replies::{self, Reply};
use super::routing::Routed;
use super::state::{State, depart};
use super::{Departure, FakeRecording, RecordedRequest};
use crate::generated::{operations, types};
use crate::operation::Operation;

/// Whether a request carries the simulator's credentials.
pub(super) fn authenticated(state: &State, req: &RecordedRequest) -> bool {
    let header = |name: &str| req.headers.get(name).map(|v| v.as_bytes());
    header("x-auth-id") == Some(state.auth_id.as_bytes())
        && header("x-auth-token") == Some(state.auth_token.as_bytes())
}

/// What the simulator does for each operation of the spec.
#[derive(Clone, Copy)]
enum Simulated {
    List,
    HangUpAll,
    Retrieve,
    HangUp,
    StartRecording,
    StopRecording,
    Member(MemberAction),
}

/// What a member operation does to the members it selects.
#[derive(Clone, Copy)]
enum MemberAction {
    HangUp,
    Kick,
    Mute,
    Unmute,
    Deafen,
    Undeafen,
    Play,
    StopAudio,
}

impl Simulated {
    /// The action for `operation`, or `None` for one answered from its page.
    fn of(operation: &Operation) -> Option<Simulated> {
        use MemberAction as M;
        use operations as o;
        let table: [(&Operation, Simulated); 14] = [
            (&o::LIST_CONFERENCES, Simulated::List),
            (&o::DELETE_ALL_CONFERENCES, Simulated::HangUpAll),
            (&o::GET_CONFERENCE, Simulated::Retrieve),
            (&o::DELETE_CONFERENCE, Simulated::HangUp),
            (&o::START_CONFERENCE_RECORDING, Simulated::StartRecording),
            (&o::STOP_CONFERENCE_RECORDING, Simulated::StopRecording),
            (&o::HANGUP_MEMBER, Simulated::Member(M::HangUp)),
            (&o::KICK_MEMBER, Simulated::Member(M::Kick)),
            (&o::MUTE_MEMBER, Simulated::Member(M::Mute)),
            (&o::UNMUTE_MEMBER, Simulated::Member(M::Unmute)),
            (&o::DEAF_MEMBER, Simulated::Member(M::Deafen)),
            (&o::UNDEAF_MEMBER, Simulated::Member(M::Undeafen)),
            (&o::PLAY_AUDIO_MEMBER, Simulated::Member(M::Play)),
            (&o::STOP_AUDIO_MEMBER, Simulated::Member(M::StopAudio)),
        ];
        table
            .into_iter()
            .find(|(known, _)| *known == operation)
            .map(|(_, simulated)| simulated)
    }
}

/// The answer to one authenticated-or-not request, with its effect on the
/// rooms.
pub(super) fn respond(state: &State, req: &RecordedRequest) -> Reply {
    if !authenticated(state, req) {
        return replies::error(
            state,
            StatusCode::UNAUTHORIZED,
            "authentication failed: X-Auth-ID and X-Auth-Token are required and must match",
        );
    }
    let path = req.target.split('?').next().unwrap_or_default();
    let (operation, params) = match Routed::of(&req.method, path) {
        Routed::Operation { operation, params } => (operation, params),
        Routed::WrongMethod => {
            return replies::error(state, StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        }
        Routed::Unknown => return replies::error(state, StatusCode::NOT_FOUND, "not found"),
    };
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, value)| value.as_str())
    };
    let account = operation
        .account_param()
        .and_then(|name| params.iter().find(|(n, _)| *n == name));
    if let Some((_, account)) = account.filter(|(_, id)| *id != state.auth_id) {
        return replies::forbidden(state, account);
    }
    let Some(simulated) = Simulated::of(operation) else {
        return replies::documented(state, operation);
    };
    let room = param("conference_name");
    match simulated {
        Simulated::List => list(state),
        Simulated::HangUpAll => end_all(state),
        Simulated::Retrieve => retrieve(state, room),
        Simulated::HangUp => end_room(state, room),
        Simulated::StartRecording => start_recording(state, room, &req.body),
        Simulated::StopRecording => stop_recording(state, room),
        Simulated::Member(action) => {
            member_call(state, room, param("member_id"), action, &req.body)
        }
    }
}

fn list(state: &State) -> Reply {
    let conferences: Vec<String> = state
        .rooms()
        .iter()
        .filter(|(_, room)| !room.hidden_from_list)
        .map(|(name, _)| name.clone())
        .collect();
    let body = types::ListConferencesResponse {
        api_id: state.next_api_id(),
        conferences,
    };
    replies::json(StatusCode::OK, &body)
}

fn end_all(state: &State) -> Reply {
    let ended = std::mem::take(&mut *state.rooms());
    for (name, room) in ended {
        end(state, &name, room);
    }
    replies::no_content()
}

fn retrieve(state: &State, name: &str) -> Reply {
    let mut rooms = state.rooms();
    let Some(room) = rooms.get_mut(name) else {
        return replies::conference_not_found(state);
    };
    if room.failing_retrievals > 0 {
        room.failing_retrievals -= 1;
        return replies::json(StatusCode::OK, &replies::failed_retrieval(state));
    }
    let seconds = |since: Instant| Some(since.elapsed().as_secs().to_string());
    let members = room
        .members
        .values()
        .map(|m| types::ConferenceDetailsMembersItem {
            muted: Some(m.muted),
            member_id: Some(m.id.clone()),
            deaf: Some(m.deaf),
            from: Some(m.from.clone()),
            to: Some(m.to.clone()),
            caller_name: Some(m.caller_name.clone()),
            direction: Some(m.direction.clone()),
            call_uuid: Some(m.call_uuid.clone()),
            join_time: seconds(m.joined),
        })
        .collect();
    let body = types::GetConferenceResponse::ConferenceDetails {
        conference_name: name.to_owned(),
        conference_run_time: seconds(room.created).unwrap_or_default(),
        conference_member_count: room.members.len().to_string(),
        members,
        api_id: state.next_api_id(),
    };
    replies::json(StatusCode::OK, &body)
}

fn end_room(state: &State, name: &str) -> Reply {
    let removed = state.rooms().remove(name);
    match removed {
        Some(room) => {
            end(state, name, room);
            replies::no_content()
        }
        None => replies::conference_not_found(state),
    }
}

/// A room's end: every member leaves, then the room ends.
fn end(state: &State, name: &str, room: super::state::Room) {
    let id = RoomId {
        name,
        uuid: &room.uuid,
    };
    let members = room.members.into_values().collect();
    depart(state, &id, members, Departure::RoomEnded, 0);
}

fn start_recording(state: &State, name: &str, body: &[u8]) -> Reply {
    let request: types::StartConferenceRecordingBody = if body.is_empty() {
        Default::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(request) => request,
            Err(_) => {
                return replies::error(
                    state,
                    StatusCode::BAD_REQUEST,
                    "body must be JSON with file_format mp3 or wav",
                );
            }
        }
    };
    let mut rooms = state.rooms();
    match rooms.get_mut(name) {
        Some(room) if !room.members.is_empty() => {
            room.recording = Some(FakeRecording {
                file_format: request.file_format.to_string(),
                callback_url: request.callback_url,
            });
            replies::recording_started(state)
        }
        Some(_) => replies::error(
            state,
            StatusCode::NOT_FOUND,
            "no member has joined the conference",
        ),
        None => replies::conference_not_found(state),
    }
}

fn stop_recording(state: &State, name: &str) -> Reply {
    let stopped = state
        .rooms()
        .get_mut(name)
        .map(|room| room.recording.take());
    match stopped {
        Some(Some(_)) => replies::no_content(),
        Some(None) => replies::error(
            state,
            StatusCode::NOT_FOUND,
            "the conference is not being recorded",
        ),
        None => replies::conference_not_found(state),
    }
}

/// `member_id` as Vobiz's docs define it: `all`, or ids of digits joined by
/// commas. `None` if it is neither.
fn parse_member_id(member_id: &str) -> Option<Option<Vec<u64>>> {
    if member_id == "all" {
        return Some(None);
    }
    member_id
        .split(',')
        .map(|id| {
            let digits = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| id.parse().ok()).flatten()
        })
        .collect::<Option<Vec<u64>>>()
        .map(Some)
}

/// What a member action's request must carry: the audio URL for Play;
/// for the other POSTs nothing, or the `{}` Vobiz's prose shows.
fn checked_body(action: MemberAction, body: &[u8]) -> Result<Option<String>, &'static str> {
    match action {
        MemberAction::Play => serde_json::from_slice::<types::PlayAudioMemberBody>(body)
            .map(|b| Some(b.url))
            .map_err(|_| "url is required"),
        MemberAction::Kick | MemberAction::Mute | MemberAction::Deafen => {
            if is_empty_object(body) {
                Ok(None)
            } else {
                Err("body must be empty or {}")
            }
        }
        MemberAction::HangUp
        | MemberAction::Unmute
        | MemberAction::Undeafen
        | MemberAction::StopAudio => Ok(None),
    }
}

fn member_call(
    state: &State,
    room_name: &str,
    member_id: &str,
    action: MemberAction,
    body: &[u8],
) -> Reply {
    let Some(selected) = parse_member_id(member_id) else {
        return replies::error(
            state,
            StatusCode::BAD_REQUEST,
            "member_id must be a member id, ids separated by commas, or all",
        );
    };
    let url = match checked_body(action, body) {
        Ok(url) => url,
        Err(why) => return replies::error(state, StatusCode::BAD_REQUEST, why),
    };
    let mut rooms = state.rooms();
    let Some(room) = rooms.get_mut(room_name) else {
        return replies::conference_not_found(state);
    };
    let ids: Vec<u64> = match selected {
        None => room.members.keys().copied().collect(),
        Some(ids) => ids
            .into_iter()
            .filter(|id| room.members.contains_key(id))
            .collect(),
    };
    if ids.is_empty() {
        return replies::error(state, StatusCode::NOT_FOUND, "member not found");
    }
    let departure = match action {
        MemberAction::HangUp => Some(Departure::HungUp),
        MemberAction::Kick => Some(Departure::Kicked),
        _ => None,
    };
    for id in &ids {
        let Some(m) = room.members.get_mut(id) else {
            continue;
        };
        match action {
            MemberAction::HangUp | MemberAction::Kick => {}
            MemberAction::Mute => m.muted = true,
            MemberAction::Unmute => m.muted = false,
            MemberAction::Deafen => m.deaf = true,
            MemberAction::Undeafen => m.deaf = false,
            MemberAction::Play => m.playing = url.clone(),
            MemberAction::StopAudio => m.playing = None,
        }
    }
    if let Some(departure) = departure {
        let left: Vec<_> = ids
            .iter()
            .filter_map(|id| room.members.remove(id))
            .collect();
        let (uuid, remaining) = (room.uuid.clone(), room.members.len());
        drop(rooms);
        let id = RoomId {
            name: room_name,
            uuid: &uuid,
        };
        depart(state, &id, left, departure, remaining);
    }
    let message = match action {
        MemberAction::Kick => "kicked",
        MemberAction::Mute => "muted",
        MemberAction::Deafen => "deaf",
        MemberAction::Play => "play queued into conference",
        MemberAction::HangUp
        | MemberAction::Unmute
        | MemberAction::Undeafen
        | MemberAction::StopAudio => return replies::no_content(),
    };
    replies::accepted(state, message, &ids)
}

fn is_empty_object(body: &[u8]) -> bool {
    body.is_empty()
        || serde_json::from_slice::<Value>(body)
            .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}
