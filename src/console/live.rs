//! What the console knows of the live rooms: the registry its verified
//! callbacks keep, merged with Vobiz's list (which can leave live rooms
//! out, so it only adds), and a counter every open page watches to
//! redraw when either changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::callbacks::{ConferenceEvent, LiveRooms};

/// One row of the live rooms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoomRow {
    pub name: String,
    /// Members, as the callbacks tell it; `None` for a room known only
    /// from the list.
    pub members: Option<usize>,
    /// Since the console first learned of the room.
    pub seen_for: Duration,
    pub from_callbacks: bool,
    pub from_list: bool,
}

#[derive(Default)]
struct Listed {
    names: BTreeSet<String>,
    /// Why the last listing failed, if it did.
    failure: Option<String>,
}

/// The console's live rooms.
pub(crate) struct Live {
    pub rooms: LiveRooms,
    listed: Mutex<Listed>,
    first_seen: Mutex<HashMap<String, Instant>>,
    /// Rooms ended from here, and when: hidden until their callbacks say
    /// so too (or for [`ENDED_HIDDEN`] at most, if none come), so that the
    /// page answering "ended" does not show the room still live.
    ended_here: Mutex<HashMap<String, Instant>>,
    changed: watch::Sender<u64>,
}

/// The longest a room ended from here stays hidden while the registry
/// still holds it live.
const ENDED_HIDDEN: Duration = Duration::from_secs(60);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Live {
    pub(crate) fn new() -> Live {
        Live {
            rooms: LiveRooms::new(),
            listed: Mutex::default(),
            first_seen: Mutex::default(),
            ended_here: Mutex::default(),
            changed: watch::Sender::new(0),
        }
    }

    /// A receiver that wakes when the rooms change.
    pub(crate) fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Applies a verified callback.
    pub(crate) fn apply(&self, event: &ConferenceEvent) {
        self.rooms.apply(event);
        self.seen([event.conference_name()]);
        self.bump();
    }

    /// Vobiz's list, as just read.
    pub(crate) fn listed(&self, result: Result<Vec<String>, String>) {
        let mut listed = lock(&self.listed);
        let changed = match result {
            Ok(names) => {
                self.seen(names.iter().map(String::as_str));
                let names: BTreeSet<String> = names.into_iter().collect();
                let changed = names != listed.names || listed.failure.is_some();
                listed.names = names;
                listed.failure = None;
                changed
            }
            Err(why) => listed.failure.replace(why.clone()) != Some(why),
        };
        drop(listed);
        if changed {
            self.bump();
        }
    }

    /// Notes when the console first learned of each of `names`.
    fn seen<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let now = Instant::now();
        let mut seen = lock(&self.first_seen);
        for name in names {
            if !seen.contains_key(name) {
                seen.insert(name.to_owned(), now);
            }
        }
    }

    /// Why the last listing failed, if it did.
    pub(crate) fn list_failure(&self) -> Option<String> {
        lock(&self.listed).failure.clone()
    }

    /// A room was ended here: it leaves the list now rather than at the
    /// next listing. (Its callbacks, if any, say so on their own.)
    pub(crate) fn ended(&self, name: &str) {
        lock(&self.listed).names.remove(name);
        lock(&self.ended_here).insert(name.to_owned(), Instant::now());
        self.bump();
    }

    /// The live rooms, by name.
    pub(crate) fn rows(&self) -> Vec<RoomRow> {
        let now = Instant::now();
        let mut rows: BTreeMap<String, RoomRow> = BTreeMap::new();
        for name in self.rooms.rooms() {
            let members = self.rooms.members(&name).len();
            rows.insert(name.clone(), row(name, Some(members), true, false));
        }
        for name in &lock(&self.listed).names {
            rows.entry(name.clone())
                .or_insert_with(|| row(name.clone(), None, false, false))
                .from_list = true;
        }
        let mut hidden = lock(&self.ended_here);
        hidden
            .retain(|name, at| now.duration_since(*at) < ENDED_HIDDEN && self.rooms.is_live(name));
        rows.retain(|name, _| !hidden.contains_key(name));
        drop(hidden);
        let mut seen = lock(&self.first_seen);
        seen.retain(|name, _| rows.contains_key(name));
        rows.into_values()
            .map(|mut r| {
                let first = *seen.entry(r.name.clone()).or_insert(now);
                r.seen_for = now.saturating_duration_since(first);
                r
            })
            .collect()
    }
}

fn row(name: String, members: Option<usize>, callbacks: bool, list: bool) -> RoomRow {
    RoomRow {
        name,
        members,
        seen_for: Duration::ZERO,
        from_callbacks: callbacks,
        from_list: list,
    }
}
