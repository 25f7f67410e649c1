//! [`LiveRooms`]: which rooms are live, as their callbacks tell it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::{ConferenceAction, ConferenceEvent};

/// The live rooms and the members in each, kept true by conference
/// callbacks. Share it across a web server's handlers (`&self`, `Send +
/// Sync`) and [`apply`](Self::apply) every verified event.
///
/// A room (one `ConferenceUUID`) is live from its first `start` or `enter`
/// until an `end`, an `exit` with `ConferenceLastMember=true`, or the exit
/// of every member who entered. Members are tracked by
/// `ConferenceMemberID`, or `CallUUID` where there is none. What it holds
/// is a function of the set of events received, not of their order:
/// an `exit` that arrives before its `enter` is remembered, so the late
/// `enter` does not revive the member, and an ended room stays ended.
/// Duplicates (Vobiz retries) and events of unknown rooms are harmless.
///
/// It lives in memory. To survive a restart, persist the events you apply
/// (an append-only log of their parameters) and apply them again on start:
/// the order does not matter. Vobiz's list of conferences cannot stand in
/// for it, because Vobiz documents that live rooms can be missing from it.
#[derive(Debug, Default)]
pub struct LiveRooms {
    rooms: Mutex<BTreeMap<String, Room>>,
}

/// One room, by its UUID: what its events said.
#[derive(Debug, Default, Clone)]
struct Room {
    name: String,
    started: bool,
    ended: bool,
    entered: BTreeSet<String>,
    exited: BTreeSet<String>,
}

impl Room {
    fn is_live(&self) -> bool {
        let present = self.entered.difference(&self.exited).next().is_some();
        !self.ended && (present || (self.started && self.entered.is_empty()))
    }

    fn present(&self) -> Vec<String> {
        self.entered.difference(&self.exited).cloned().collect()
    }
}

impl LiveRooms {
    /// An empty registry.
    pub fn new() -> Self {
        LiveRooms::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes in one verified event.
    pub fn apply(&self, event: &ConferenceEvent) {
        let mut rooms = self.lock();
        let room = rooms.entry(event.conference_uuid().to_owned()).or_default();
        if room.name.is_empty() {
            room.name = event.conference_name().to_owned();
        }
        let member = event.member_id().or(event.call_uuid()).map(str::to_owned);
        match event.action() {
            ConferenceAction::Start => room.started = true,
            ConferenceAction::End => room.ended = true,
            ConferenceAction::Enter => {
                room.started = true;
                room.entered.extend(member);
            }
            ConferenceAction::Exit => {
                room.exited.extend(member);
                if event.last_member() == Some(true) {
                    room.ended = true;
                }
            }
            _ => {}
        }
    }

    /// The names of the live rooms, sorted, each once.
    pub fn rooms(&self) -> Vec<String> {
        let names: BTreeSet<String> = self
            .lock()
            .values()
            .filter(|room| room.is_live())
            .map(|room| room.name.clone())
            .collect();
        names.into_iter().collect()
    }

    /// Whether a room of this name is live.
    pub fn is_live(&self, name: &str) -> bool {
        self.lock()
            .values()
            .any(|room| room.name == name && room.is_live())
    }

    /// The members present in the live room `name` (by `ConferenceMemberID`,
    /// or `CallUUID`), sorted.
    pub fn members(&self, name: &str) -> Vec<String> {
        let mut members: Vec<String> = self
            .lock()
            .values()
            .filter(|room| room.name == name && room.is_live())
            .flat_map(Room::present)
            .collect();
        members.sort();
        members
    }
}
