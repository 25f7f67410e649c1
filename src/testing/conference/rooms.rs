//! The Conference family's simulated state: the rooms and their members,
//! who left and why, and where their callbacks go.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::{Departure, FakeMember, FakeRecording};
use crate::testing::state::{State, lock};

/// The rooms, each under the one lock, and what goes with them.
#[derive(Debug, Default)]
pub(in crate::testing) struct Rooms {
    rooms: Mutex<BTreeMap<String, Room>>,
    pub(super) departures: Mutex<Vec<(String, String, Departure)>>,
    /// Calls joined so far, for their UUIDs.
    pub(super) calls: AtomicU64,
    /// Where conference callbacks go, once set.
    pub(super) callbacks: Mutex<Option<super::events::Callbacks>>,
    /// Rooms created so far, for their UUIDs.
    rooms_created: AtomicU64,
}

impl Rooms {
    pub(super) fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Room>> {
        lock(&self.rooms)
    }

    /// A new room's `ConferenceUUID`.
    pub(super) fn next_room_uuid(&self) -> String {
        let n = self.rooms_created.fetch_add(1, Ordering::Relaxed) + 1;
        format!("fake-conf-{n:06}")
    }
}

#[derive(Debug)]
pub(super) struct Room {
    /// The room's `ConferenceUUID` in its callbacks.
    pub(super) uuid: String,
    pub(super) created: Instant,
    pub(super) members: BTreeMap<u64, FakeMember>,
    pub(super) recording: Option<FakeRecording>,
    pub(super) failing_retrievals: u32,
    pub(super) hidden_from_list: bool,
}

impl Room {
    pub(super) fn new(uuid: String) -> Self {
        Room {
            uuid,
            created: Instant::now(),
            members: BTreeMap::new(),
            recording: None,
            failing_retrievals: 0,
            hidden_from_list: false,
        }
    }
}

/// Records that `members` left the room `name` (its callbacks id `uuid`),
/// and why, leaving `remaining` in it; sends their `exit` callbacks, and
/// the room's `end` when the room itself ended.
pub(super) fn depart(
    state: &State,
    room: &super::events::RoomId,
    members: Vec<FakeMember>,
    why: Departure,
    remaining: usize,
) {
    let count = members.len();
    for (i, member) in members.iter().enumerate() {
        let last = remaining == 0 && i + 1 == count;
        super::events::exited(state, room, member, last);
    }
    if why == Departure::RoomEnded {
        super::events::ended(state, room);
    }
    let mut departures = lock(&state.conference.departures);
    departures.extend(
        members
            .into_iter()
            .map(|m| (room.name.to_owned(), m.id, why)),
    );
}
