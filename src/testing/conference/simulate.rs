//! What the simulator does for each Conference operation: one
//! [`Simulated`] action each; member actions are one exhaustive
//! [`MemberAction`], so a new one fails to compile until every place that
//! acts on members handles it.

use std::time::Instant;

use hyper::StatusCode;
use serde_json::Value;

use super::events::RoomId;
use super::replies as room_replies;
use super::rooms::{Room, depart};
use super::{Departure, FakeRecording};
use crate::generated::{operations, types};
use crate::operation::Operation;
use crate::testing::replies::{self, Reply};
use crate::testing::state::State;

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

/// The answer to a request for one of the Conference operations, with its
/// effect on the rooms; `None` for any other operation. `params` are the
/// path's, by name.
pub(in crate::testing) fn respond(
    state: &State,
    operation: &Operation,
    params: &[(&str, String)],
    body: &[u8],
) -> Option<Reply> {
    let simulated = Simulated::of(operation)?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, value)| value.as_str())
    };
    let room = param("conference_name");
    Some(match simulated {
        Simulated::List => list(state),
        Simulated::HangUpAll => end_all(state),
        Simulated::Retrieve => retrieve(state, room),
        Simulated::HangUp => end_room(state, room),
        Simulated::StartRecording => start_recording(state, room, body),
        Simulated::StopRecording => stop_recording(state, room),
        Simulated::Member(action) => member_call(state, room, param("member_id"), action, body),
    })
}

fn list(state: &State) -> Reply {
    let conferences: Vec<String> = state
        .conference
        .lock()
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
    let ended = std::mem::take(&mut *state.conference.lock());
    for (name, room) in ended {
        end(state, &name, room);
    }
    replies::no_content()
}

fn retrieve(state: &State, name: &str) -> Reply {
    let mut rooms = state.conference.lock();
    let Some(room) = rooms.get_mut(name) else {
        return room_replies::conference_not_found(state);
    };
    if room.failing_retrievals > 0 {
        room.failing_retrievals -= 1;
        return replies::json(StatusCode::OK, &room_replies::failed_retrieval(state));
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
    let removed = state.conference.lock().remove(name);
    match removed {
        Some(room) => {
            end(state, name, room);
            replies::no_content()
        }
        None => room_replies::conference_not_found(state),
    }
}

/// A room's end: every member leaves, then the room ends.
fn end(state: &State, name: &str, room: Room) {
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
    let mut rooms = state.conference.lock();
    match rooms.get_mut(name) {
        Some(room) if !room.members.is_empty() => {
            room.recording = Some(FakeRecording {
                file_format: request.file_format.to_string(),
                callback_url: request.callback_url,
            });
            room_replies::recording_started(state)
        }
        Some(_) => replies::error(
            state,
            StatusCode::NOT_FOUND,
            "no member has joined the conference",
        ),
        None => room_replies::conference_not_found(state),
    }
}

fn stop_recording(state: &State, name: &str) -> Reply {
    let stopped = state
        .conference
        .lock()
        .get_mut(name)
        .map(|room| room.recording.take());
    match stopped {
        Some(Some(_)) => replies::no_content(),
        Some(None) => replies::error(
            state,
            StatusCode::NOT_FOUND,
            "the conference is not being recorded",
        ),
        None => room_replies::conference_not_found(state),
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
    let mut rooms = state.conference.lock();
    let Some(room) = rooms.get_mut(room_name) else {
        return room_replies::conference_not_found(state);
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
    room_replies::accepted(state, message, &ids)
}

fn is_empty_object(body: &[u8]) -> bool {
    body.is_empty()
        || serde_json::from_slice::<Value>(body)
            .is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}
