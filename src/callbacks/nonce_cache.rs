//! [`NonceCache`]: the replay check Vobiz's callbacks need, in bounded
//! memory.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{CallbackError, ConferenceEvent};

/// Refuses a callback carrying a nonce seen within a window: Vobiz's
/// callbacks carry no timestamp, and the body is not signed, so remembering
/// nonces is the only way to stop a captured signature from being sent
/// again with another body.
///
/// Every nonce a request carries is remembered (V3's and V2's may differ),
/// so a replay that keeps only one of its signatures is still refused.
///
/// Memory is bounded: at most `capacity` nonces (100,000 by default, about
/// 6 MiB) are held. Nonces leave when their window has passed; when more
/// than `capacity` arrive within one window, the oldest leave early, and a
/// replay of one of those is no longer caught. At Vobiz's retry pace that
/// takes over 300 verified callbacks a second for five minutes.
#[derive(Debug)]
pub struct NonceCache {
    window: Duration,
    capacity: usize,
    seen: Mutex<Seen>,
}

/// The nonces, by value and in arrival order.
#[derive(Debug, Default)]
struct Seen {
    values: HashSet<u128>,
    order: VecDeque<(Instant, u128)>,
}

impl Seen {
    fn forget_before(&mut self, now: Instant, window: Duration) {
        while let Some(&(at, nonce)) = self.order.front() {
            if now.saturating_duration_since(at) < window {
                break;
            }
            self.forget_oldest(nonce);
        }
    }

    fn forget_oldest(&mut self, nonce: u128) {
        self.order.pop_front();
        self.values.remove(&nonce);
    }
}

impl NonceCache {
    /// The default bound on nonces held.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// Remembers nonces for `window` (Vobiz suggests a few minutes), at
    /// most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) of them.
    pub fn new(window: Duration) -> Self {
        NonceCache::with_capacity(window, Self::DEFAULT_CAPACITY)
    }

    /// Remembers nonces for `window`, at most `capacity` of them (at
    /// least 1).
    pub fn with_capacity(window: Duration, capacity: usize) -> Self {
        NonceCache {
            window,
            capacity: capacity.max(1),
            seen: Mutex::default(),
        }
    }

    /// How many nonces are held now.
    pub fn len(&self) -> usize {
        self.lock().values.len()
    }

    /// Whether no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts `event` if none of its nonces was seen within the window,
    /// and remembers them all.
    pub fn check(&self, event: &ConferenceEvent) -> Result<(), CallbackError> {
        // Verified nonces are 20 ASCII digits: they fit a u128.
        let nonces: Vec<u128> = event.nonces().filter_map(|n| n.parse().ok()).collect();
        let now = Instant::now();
        let mut seen = self.lock();
        seen.forget_before(now, self.window);
        if nonces.iter().any(|n| seen.values.contains(n)) {
            return Err(CallbackError::Replayed);
        }
        for nonce in nonces {
            if seen.values.insert(nonce) {
                seen.order.push_back((now, nonce));
            }
        }
        while seen.order.len() > self.capacity {
            if let Some(&(_, oldest)) = seen.order.front() {
                seen.forget_oldest(oldest);
            }
        }
        Ok(())
    }
}
