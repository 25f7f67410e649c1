//! The simulator's state: the requests and faults, the counters, and each
//! resource's own state (the Conference family's rooms), each under its
//! own lock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::{Fault, MAX_RECORDED_BYTES, MAX_RECORDED_REQUESTS, RecordedRequest};

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
pub(in crate::testing) struct State {
    pub(in crate::testing) auth_id: String,
    pub(in crate::testing) auth_token: String,
    pub(super) log: Mutex<Log>,
    pub(super) api_ids: AtomicU64,
    /// Requests received, kept or not.
    pub(super) received: AtomicUsize,
    pub(super) in_flight: AtomicUsize,
    pub(super) max_in_flight: AtomicUsize,
    /// Woken whenever `in_flight` grows.
    pub(super) arrivals: tokio::sync::Notify,
    /// Woken whenever a request has been handled: its change, if any, is
    /// made (an arrival is announced before that).
    pub(super) handled: tokio::sync::Notify,
    /// The Conference family's rooms, members and callbacks.
    pub(in crate::testing) conference: super::conference::Rooms,
}

impl State {
    pub(in crate::testing) fn next_api_id(&self) -> String {
        format!(
            "fake-{:08}",
            self.api_ids.fetch_add(1, Ordering::Relaxed) + 1
        )
    }
}

/// A poisoned lock only means another test thread panicked; the data is
/// still what it was.
pub(in crate::testing) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
