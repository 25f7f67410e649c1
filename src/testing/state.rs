//! The simulator's state: the rooms and their members, what left, and the
//! requests and faults, each under its own lock.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::{
    Departure, FakeMember, FakeRecording, Fault, MAX_RECORDED_BYTES, MAX_RECORDED_REQUESTS,
    RecordedRequest,
};

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

/// Requests and faults under one lock, so that the n-th request recorded is
/// the one that took the n-th fault.
#[derive(Debug, Default)]
pub(super) struct Log {
    pub(super) requests: VecDeque<RecordedRequest>,
    /// The bytes of the kept requests, heads and bodies.
    pub(super) bytes: usize,
    pub(super) faults: VecDeque<Fault>,
}

/// What a kept request costs: its body and its head, whose headers a
/// client chooses as freely as the body.
fn recorded_size(request: &RecordedRequest) -> usize {
    let head: usize = request
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    request.body.len() + request.method.len() + request.target.len() + head
}

impl Log {
    /// Keeps `request`, forgetting the oldest beyond the bounds.
    pub(super) fn keep(&mut self, request: RecordedRequest) {
        self.bytes += recorded_size(&request);
        self.requests.push_back(request);
        while self.requests.len() > MAX_RECORDED_REQUESTS || self.bytes > MAX_RECORDED_BYTES {
            match self.requests.pop_front() {
                Some(old) => self.bytes -= recorded_size(&old),
                None => break,
            }
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) auth_id: String,
    pub(super) auth_token: String,
    pub(super) rooms: Mutex<BTreeMap<String, Room>>,
    pub(super) departures: Mutex<Vec<(String, String, Departure)>>,
    pub(super) log: Mutex<Log>,
    pub(super) api_ids: AtomicU64,
    pub(super) calls: AtomicU64,
    /// Requests received, kept or not.
    pub(super) received: AtomicUsize,
    pub(super) in_flight: AtomicUsize,
    pub(super) max_in_flight: AtomicUsize,
    /// Woken whenever `in_flight` grows.
    pub(super) arrivals: tokio::sync::Notify,
    /// Where conference callbacks go, once set.
    pub(super) callbacks: Mutex<Option<super::events::Callbacks>>,
    /// Rooms created so far, for their UUIDs.
    pub(super) rooms_created: AtomicU64,
}

impl State {
    pub(super) fn next_api_id(&self) -> String {
        format!(
            "fake-{:08}",
            self.api_ids.fetch_add(1, Ordering::Relaxed) + 1
        )
    }

    pub(super) fn rooms(&self) -> MutexGuard<'_, BTreeMap<String, Room>> {
        lock(&self.rooms)
    }
}

/// A poisoned lock only means another test thread panicked; the data is
/// still what it was.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
    let mut departures = lock(&state.departures);
    departures.extend(
        members
            .into_iter()
            .map(|m| (room.name.to_owned(), m.id, why)),
    );
}

impl State {
    /// A new room's `ConferenceUUID`.
    pub(super) fn next_room_uuid(&self) -> String {
        let n = self.rooms_created.fetch_add(1, Ordering::Relaxed) + 1;
        format!("fake-conf-{n:06}")
    }
}
