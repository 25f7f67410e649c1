//! [`LiveRooms`]: which rooms are live, as their callbacks tell it.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{ConferenceAction, ConferenceEvent};

/// The live rooms and the members in each, kept true by conference
/// callbacks. Share it across a web server's handlers (`&self`, `Send +
/// Sync`) and [`apply`](Self::apply) every verified event.
///
/// A room (one `ConferenceUUID`) is live from its first `start` or `enter`
/// until an `end`, an `exit` with `ConferenceLastMember=true`, or the exit
/// of every member who entered. Members are tracked by their call
/// (`CallUUID`), or by `ConferenceMemberID` where an event has no call:
/// Vobiz gives a freed member id to the next caller, so the id alone would
/// let one caller's exit remove another.
///
/// What it holds is a function of the set of events received within the
/// window, not of their order: an `exit` that arrives before its `enter`
/// is remembered, so the late `enter` does not revive the member, and an
/// ended room stays ended. Duplicates (Vobiz retries) and events of unknown
/// rooms are harmless.
///
/// # Memory and cost
/// A room that is no longer live is forgotten once it has been so for the
/// window (10 minutes by default, beyond Vobiz's retries of a failed
/// delivery), and at most [`MAX_DEAD_ROOMS`](Self::MAX_DEAD_ROOMS) rooms
/// wait out their window: past that the oldest go first. An event that
/// arrives for a forgotten room starts it afresh. What is held is then the
/// live rooms, each with the calls that passed through it, and the rooms
/// that ended within the window. [`rooms`](Self::rooms) costs in proportion
/// to the live rooms, and [`members`](Self::members) and
/// [`is_live`](Self::is_live) to the rooms of that name.
///
/// It lives in memory. To survive a restart, persist the events you apply
/// (an append-only log of their parameters) and apply them again on start:
/// the order does not matter. Vobiz's list of conferences cannot stand in
/// for it, because Vobiz documents that live rooms can be missing from it.
#[derive(Debug)]
pub struct LiveRooms {
    forget_after: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every room held, by UUID.
    rooms: HashMap<String, Room>,
    /// The live rooms' UUIDs, by name.
    live: BTreeMap<String, BTreeSet<String>>,
    /// Rooms that stopped being live, oldest first; a room that came back
    /// since is skipped when its turn comes.
    dead: VecDeque<(Instant, String)>,
}

/// One room, by its UUID: what its events said.
#[derive(Debug, Default, Clone)]
struct Room {
    name: String,
    started: bool,
    ended: bool,
    entered: BTreeSet<String>,
    exited: BTreeSet<String>,
    /// Since when it has not been live, if it is not.
    dead_since: Option<Instant>,
}

impl Room {
    fn is_live(&self) -> bool {
        let present = self.entered.difference(&self.exited).next().is_some();
        !self.ended && (present || (self.started && self.entered.is_empty()))
    }

    fn present(&self) -> impl Iterator<Item = &String> {
        self.entered.difference(&self.exited)
    }

    fn take(&mut self, event: &ConferenceEvent) {
        let member = event.call_uuid().or(event.member_id()).map(str::to_owned);
        match event.action() {
            ConferenceAction::Start => self.started = true,
            ConferenceAction::End => self.ended = true,
            ConferenceAction::Enter => {
                self.started = true;
                self.entered.extend(member);
            }
            ConferenceAction::Exit => {
                self.exited.extend(member);
                if event.last_member() == Some(true) {
                    self.ended = true;
                }
            }
            _ => {}
        }
    }
}

impl Default for LiveRooms {
    fn default() -> Self {
        LiveRooms::forgetting_after(Self::DEFAULT_WINDOW)
    }
}

impl LiveRooms {
    /// How long a room that is no longer live is remembered by default.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(600);
    /// The most rooms remembered after they stopped being live.
    pub const MAX_DEAD_ROOMS: usize = 100_000;

    /// An empty registry that forgets rooms
    /// [`DEFAULT_WINDOW`](Self::DEFAULT_WINDOW) after they stop being live.
    pub fn new() -> Self {
        LiveRooms::default()
    }

    /// An empty registry that forgets rooms `window` after they stop
    /// being live. A late event for a room already forgotten (a retry
    /// delivered after the window) starts it afresh.
    pub fn forgetting_after(window: Duration) -> Self {
        LiveRooms {
            forget_after: window,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes in one verified event (the `waitSound` request changes
    /// nothing).
    pub fn apply(&self, event: &ConferenceEvent) {
        if event.is_wait_sound() {
            return;
        }
        let now = Instant::now();
        let mut inner = self.lock();
        inner.forget(now, self.forget_after);
        let uuid = event.conference_uuid();
        let room = inner.rooms.entry(uuid.to_owned()).or_default();
        if room.name.is_empty() {
            room.name = event.conference_name().to_owned();
        }
        room.take(event);
        let (name, live, newly_dead) = match (room.is_live(), room.dead_since) {
            (true, _) => {
                room.dead_since = None;
                (room.name.clone(), true, false)
            }
            (false, Some(_)) => (room.name.clone(), false, false),
            (false, None) => {
                room.dead_since = Some(now);
                (room.name.clone(), false, true)
            }
        };
        inner.index(&name, uuid, live);
        if newly_dead {
            inner.dead.push_back((now, uuid.to_owned()));
        }
    }

    /// The names of the live rooms, sorted, each once.
    pub fn rooms(&self) -> Vec<String> {
        self.lock().live.keys().cloned().collect()
    }

    /// Whether a room of this name is live.
    pub fn is_live(&self, name: &str) -> bool {
        self.lock().live.contains_key(name)
    }

    /// The members present in the live room `name` (by `CallUUID`, or
    /// `ConferenceMemberID` where an event had no call), sorted.
    pub fn members(&self, name: &str) -> Vec<String> {
        let inner = self.lock();
        let mut members: Vec<String> = inner
            .live
            .get(name)
            .into_iter()
            .flatten()
            .filter_map(|uuid| inner.rooms.get(uuid))
            .flat_map(Room::present)
            .cloned()
            .collect();
        members.sort();
        members
    }

    /// How many rooms are held now: the live ones and those that stopped
    /// being live within the window.
    pub fn tracked(&self) -> usize {
        let mut inner = self.lock();
        inner.forget(Instant::now(), self.forget_after);
        inner.rooms.len()
    }
}

impl Inner {
    /// Keeps the name index in step with one room's liveness.
    fn index(&mut self, name: &str, uuid: &str, live: bool) {
        if live {
            self.live
                .entry(name.to_owned())
                .or_default()
                .insert(uuid.to_owned());
        } else if let Some(uuids) = self.live.get_mut(name) {
            uuids.remove(uuid);
            if uuids.is_empty() {
                self.live.remove(name);
            }
        }
    }

    /// Forgets the rooms dead for `window`, and the oldest dead ones past
    /// the bound.
    fn forget(&mut self, now: Instant, window: Duration) {
        while let Some((since, uuid)) = self.dead.front() {
            let expired = now.saturating_duration_since(*since) >= window
                || self.dead.len() > LiveRooms::MAX_DEAD_ROOMS;
            if !expired {
                break;
            }
            let since = *since;
            let uuid = uuid.clone();
            self.dead.pop_front();
            // Still dead since then (not revived, nor dead again later).
            if self.rooms.get(&uuid).and_then(|r| r.dead_since) == Some(since) {
                self.rooms.remove(&uuid);
            }
        }
    }
}
