//! The Conference family in the simulator, stateful: rooms hold members
//! (id, from, to, caller name, direction, call uuid, join time) with mute
//! and deaf flags and what is playing to them, and a room may be
//! recording. `simulate` acts on them for the 14 Conference operations,
//! `rooms` holds them, `events` sends their signed callbacks, `replies`
//! builds the answers the spec types only by example; the methods here
//! seed and read them.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::FakeVobiz;
use super::state::lock;

mod events;
pub(super) mod replies;
mod rooms;
mod simulate;

use rooms::Room;
pub(super) use rooms::Rooms;
pub(super) use simulate::respond;

/// One member of a simulated room.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeMember {
    /// The id Vobiz would give it: digits, the lowest free one in the room
    /// (so an id comes back after its member leaves, as on Vobiz).
    pub id: String,
    /// The calling number.
    pub from: String,
    /// The called number.
    pub to: String,
    /// The caller's name.
    pub caller_name: String,
    /// `inbound`.
    pub direction: String,
    /// The member's call.
    pub call_uuid: String,
    /// Whether it is muted.
    pub muted: bool,
    /// Whether it is deafened.
    pub deaf: bool,
    /// The audio URL playing to it, if any.
    pub playing: Option<String>,
    pub(crate) joined: Instant,
}

/// Why a member left a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Departure {
    /// Its call was hung up.
    HungUp,
    /// It was kicked; its call goes on (with its XML flow).
    Kicked,
    /// The whole room was hung up.
    RoomEnded,
}

/// A simulated room's recording.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FakeRecording {
    /// `mp3` or `wav`.
    pub file_format: String,
    /// Where Vobiz would deliver it.
    pub callback_url: Option<String>,
}

impl FakeVobiz {
    /// Makes a conference active (with nobody in it yet).
    pub fn add_conference(&self, name: impl Into<String>) {
        let name = name.into();
        let mut rooms = self.state.conference.lock();
        self.room(&mut rooms, &name);
    }

    /// Sends the rooms' conference callbacks to `url` from now on (`start`,
    /// `enter`, `exit`, `end`, signed with the simulator's token as Vobiz
    /// signs them; see `vobiz::callbacks`). Call it before seeding rooms to
    /// have their events too. Must be called inside a Tokio runtime.
    pub fn send_callbacks_to(&self, url: impl Into<String>) -> std::io::Result<()> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        let runtime = tokio::runtime::Handle::try_current().map_err(std::io::Error::other)?;
        *lock(&self.state.conference.callbacks) = Some(events::Callbacks {
            url: url.into(),
            client,
            runtime,
        });
        Ok(())
    }

    /// The room `name`, made (and its `start` sent) if it is new.
    fn room<'a>(&self, rooms: &'a mut BTreeMap<String, Room>, name: &str) -> &'a mut Room {
        let state = &self.state;
        rooms.entry(name.to_owned()).or_insert_with(|| {
            let room = Room::new(state.conference.next_room_uuid());
            events::started(
                state,
                &events::RoomId {
                    name,
                    uuid: &room.uuid,
                },
            );
            room
        })
    }

    /// A caller joins `room` (which becomes active if it was not); returns
    /// the member id it got.
    pub fn join(&self, name: &str, from: &str) -> String {
        let mut rooms = self.state.conference.lock();
        let room = self.room(&mut rooms, name);
        let id = (1..)
            .find(|id| !room.members.contains_key(id))
            .unwrap_or(u64::MAX);
        let call = self.state.conference.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let member = FakeMember {
            id: id.to_string(),
            from: from.to_owned(),
            to: "+18005550100".to_owned(),
            caller_name: format!("Caller {from}"),
            direction: "inbound".to_owned(),
            call_uuid: format!("fake-call-{call:06}"),
            muted: false,
            deaf: false,
            playing: None,
            joined: Instant::now(),
        };
        let first = room.members.is_empty();
        let room_id = events::RoomId {
            name,
            uuid: &room.uuid,
        };
        events::entered(&self.state, &room_id, &member, first);
        room.members.insert(id, member);
        id.to_string()
    }

    /// Makes `room` and its members as old as if they had started `by`
    /// earlier (for time limits: a room that has run two hours, without
    /// waiting two hours).
    pub fn backdate(&self, room: &str, by: Duration) {
        if let Some(r) = self.state.conference.lock().get_mut(room) {
            r.created = r.created.checked_sub(by).unwrap_or(r.created);
            for member in r.members.values_mut() {
                member.joined = member.joined.checked_sub(by).unwrap_or(member.joined);
            }
        }
    }

    /// Whether a conference is active.
    pub fn is_active(&self, name: &str) -> bool {
        self.state.conference.lock().contains_key(name)
    }

    /// The active conferences, sorted.
    pub fn active_conferences(&self) -> Vec<String> {
        self.state.conference.lock().keys().cloned().collect()
    }

    /// The members of `room`, by id (none if it is not active).
    pub fn members(&self, room: &str) -> Vec<FakeMember> {
        self.state
            .conference
            .lock()
            .get(room)
            .map(|r| r.members.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Everyone who left a room so far: room, member id, and why.
    pub fn departures(&self) -> Vec<(String, String, Departure)> {
        lock(&self.state.conference.departures).clone()
    }

    /// The recording running in `room`, if any.
    pub fn recording(&self, room: &str) -> Option<FakeRecording> {
        self.state.conference.lock().get(room)?.recording.clone()
    }

    /// Quirk: the next `times` retrievals of `room` answer
    /// `200 {"error": "failed"}`, as Vobiz documents for live rooms.
    pub fn fail_retrievals(&self, room: &str, times: u32) {
        if let Some(r) = self.state.conference.lock().get_mut(room) {
            r.failing_retrievals = times;
        }
    }

    /// Quirk: List All Conferences leaves `room` out while it is live, as
    /// Vobiz documents it may.
    pub fn hide_from_list(&self, room: &str, hidden: bool) {
        if let Some(r) = self.state.conference.lock().get_mut(room) {
            r.hidden_from_list = hidden;
        }
    }
}
