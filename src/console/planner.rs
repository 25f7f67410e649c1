//! Schedules ("end room R at T, with a notice N minutes before") and rules
//! (workflow triggers: a maximum duration, an abandoned room), and the
//! task that carries them out. Both are read from the store each time, so
//! what was acknowledged on the page survives a restart.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::state::Shared;
use super::store::{Rule, Schedule, Store, now_ms};
use super::trail;
use crate::conference::Hangup;

/// A schedule overdue by more than this when the console gets to it (it
/// was not running at the time) is marked missed, not carried out: a room
/// of that name hours later is likely another meeting.
const MISSED_AFTER_MS: i64 = 5 * 60 * 1000;

/// Rooms read at once when rules are checked.
const RULE_READS: usize = 8;

/// The rule kinds.
pub(crate) const MAX_DURATION: &str = "max_duration";
pub(crate) const ABANDONED: &str = "abandoned";

/// The schedules and rules, as the pages show them.
pub(crate) struct Plans {
    pub schedules: Vec<Schedule>,
    pub rules: Vec<Rule>,
    /// Why they could not be read, if they could not.
    pub failure: Option<String>,
}

impl Plans {
    pub(crate) fn load(store: &Store) -> Plans {
        match (store.schedules(), store.rules()) {
            (Ok(schedules), Ok(rules)) => Plans {
                schedules,
                rules,
                failure: None,
            },
            (Err(e), _) | (_, Err(e)) => Plans {
                schedules: Vec::new(),
                rules: Vec::new(),
                failure: Some(e.to_string()),
            },
        }
    }
}

/// What of `plans` applies to the room `name`, in words.
pub(crate) fn applies(plans: &Plans, name: &str) -> Vec<String> {
    let schedules = plans
        .schedules
        .iter()
        .filter(|s| s.room == name && is_open(s))
        .map(|s| format!("ends at {}", super::html::when(s.at_ms)));
    let rules = plans
        .rules
        .iter()
        .filter(|r| r.enabled && matches(&r.pattern, name))
        .map(describe);
    schedules.chain(rules).collect()
}

fn is_open(s: &Schedule) -> bool {
    s.state == "pending" || s.state == "noticed"
}

/// A rule in words.
pub(crate) fn describe(rule: &Rule) -> String {
    match rule.kind.as_str() {
        ABANDONED => format!(
            "rule {}: end {} when at most 1 member for {} min",
            rule.id, rule.pattern, rule.minutes
        ),
        _ => format!(
            "rule {}: end {} after {} min",
            rule.id, rule.pattern, rule.minutes
        ),
    }
}

/// Whether `name` matches `pattern`, where `*` matches any run of
/// characters and everything else itself.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// When a schedule is for: `in 30m`, `30m` (from now) or an RFC 3339
/// time (`2026-12-05T18:00:00Z`); ms since the epoch.
pub(crate) fn parse_at(text: &str, now_ms: i64) -> Result<i64, String> {
    let text = text.trim();
    let relative = text.strip_prefix("in ").unwrap_or(text);
    if let Ok(d) = humantime::parse_duration(relative) {
        return Ok(now_ms.saturating_add(d.as_millis().min(i64::MAX as u128) as i64));
    }
    humantime::parse_rfc3339_weak(text)
        .map(|t| {
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64)
        })
        .map_err(|_| {
            format!("{text:?} is not a time: write `in 30m` or `2026-12-05T18:00:00Z` (UTC)")
        })
}

/// A room a rule would end, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WouldEnd {
    pub room: String,
    pub why: String,
}

/// What `rule` would end now. Reads each live room it matches (GETs only:
/// nothing that changes state is sent).
pub(crate) async fn dry_run(shared: &Shared, rule: &Rule) -> Vec<WouldEnd> {
    let names: Vec<String> = shared
        .live
        .rows()
        .into_iter()
        .map(|r| r.name)
        .filter(|name| matches(&rule.pattern, name))
        .collect();
    let limit = Duration::from_secs(rule.minutes.max(0) as u64 * 60);
    let reads = futures_util::stream::iter(names)
        .map(|name| async move {
            let details = shared.client.conference(&name).details().await;
            (name, details)
        })
        .buffer_unordered(RULE_READS);
    let read: Vec<_> = reads.collect().await;
    let now = Instant::now();
    let mut low = shared.low_since.lock().unwrap_or_else(|e| e.into_inner());
    let mut out: Vec<WouldEnd> = read
        .into_iter()
        .filter_map(|(room, details)| {
            let d = details.ok()?;
            let why = match rule.kind.as_str() {
                ABANDONED if d.member_count() <= 1 => {
                    let since = *low.entry(room.clone()).or_insert(now);
                    let alone = now.saturating_duration_since(since);
                    (alone >= limit).then(|| {
                        format!(
                            "{} member(s) for {}",
                            d.member_count(),
                            super::html::human(alone)
                        )
                    })?
                }
                ABANDONED => {
                    low.remove(&room);
                    return None;
                }
                _ => (d.run_time() >= limit)
                    .then(|| format!("running for {}", super::html::human(d.run_time())))?,
            };
            Some(WouldEnd { room, why })
        })
        .collect();
    out.sort_by(|a, b| a.room.cmp(&b.room));
    out
}

/// Ends `room` for `who` (a moderator, a schedule, a rule), audited; the
/// outcome in the moderator's words.
pub(crate) async fn end_room(
    shared: &Shared,
    who: &str,
    room: &str,
    notice: Option<(&str, Duration)>,
) -> Result<Hangup, crate::Error> {
    let conference = shared.client.conference(room);
    let (result, _) = trail::run(shared, who, Some(room), async {
        match notice {
            Some((url, grace)) => conference.hangup_with_notice(url, grace).await,
            None => conference.hangup_if_active().await,
        }
    })
    .await;
    if result.is_ok() {
        shared.live.ended(room);
    }
    result
}

/// An outcome in the moderator's words.
pub(crate) fn said(result: &Result<Hangup, crate::Error>) -> String {
    match result {
        Ok(Hangup::Ended) => "ended".to_owned(),
        Ok(Hangup::NotActive) => "not active".to_owned(),
        Ok(Hangup::GoneAfterRetry) => "gone after retry".to_owned(),
        Err(e) => format!("failed: {e}"),
    }
}

/// Carries out schedules and enabled rules until the console is dropped.
pub(crate) async fn run(shared: Arc<Shared>) {
    let mut next_rules = Instant::now() + shared.settings.rules_every;
    loop {
        let wake = due_schedules(&shared).await;
        if Instant::now() >= next_rules {
            enforce_rules(&shared).await;
            next_rules = Instant::now() + shared.settings.rules_every;
        }
        let until = wake.map_or(next_rules, |w| w.min(next_rules));
        let notified = shared.planner.notified();
        tokio::select! {
            () = tokio::time::sleep_until(until.into()) => {}
            () = notified => {}
        }
    }
}

/// Carries out what is due; when the next schedule is due, if any.
async fn due_schedules(shared: &Shared) -> Option<Instant> {
    let schedules = shared.store.schedules().ok()?;
    let mut next: Option<i64> = None;
    for s in schedules.iter().filter(|s| is_open(s)) {
        let now = now_ms();
        let notice_at = s.at_ms - s.notice_before_s * 1000;
        let who = format!("schedule {} by {}", s.id, s.created_by);
        if now - s.at_ms > MISSED_AFTER_MS {
            let _ = shared.store.move_schedule(
                s.id,
                &s.state,
                "done",
                Some("missed: the console was not running"),
            );
        } else if now >= s.at_ms {
            let result = end_room(shared, &who, &s.room, None).await;
            let _ = shared
                .store
                .move_schedule(s.id, &s.state, "done", Some(&said(&result)));
        } else if let (Some(url), "pending", true) =
            (s.notice_url.as_deref(), s.state.as_str(), now >= notice_at)
        {
            let conference = shared.client.conference(&s.room);
            let play = conference.members(crate::conference::MemberSelector::all());
            let (result, _) = trail::run(shared, &who, Some(&s.room), play.play(url)).await;
            let outcome = result.err().map(|e| format!("notice failed: {e}"));
            let _ = shared
                .store
                .move_schedule(s.id, "pending", "noticed", outcome.as_deref());
            next = Some(next.map_or(s.at_ms, |n| n.min(s.at_ms)));
        } else {
            let at = if s.notice_url.is_some() && s.state == "pending" {
                notice_at
            } else {
                s.at_ms
            };
            next = Some(next.map_or(at, |n| n.min(at)));
        }
    }
    next.map(|at| Instant::now() + Duration::from_millis((at - now_ms()).max(0) as u64))
}

async fn enforce_rules(shared: &Shared) {
    let Ok(rules) = shared.store.rules() else {
        return;
    };
    for rule in rules.iter().filter(|r| r.enabled) {
        for target in dry_run(shared, rule).await {
            let who = format!("rule {} by {}", rule.id, rule.created_by);
            let _ = end_room(shared, &who, &target.room, None).await;
        }
    }
    forget_gone(shared);
    let retention = shared
        .settings
        .audit_retention
        .as_millis()
        .min(i64::MAX as u128) as i64;
    let _ = shared
        .store
        .forget_audit_before(now_ms().saturating_sub(retention));
}

/// Forgets rooms no longer live from the abandoned-room watch.
fn forget_gone(shared: &Shared) {
    let live: std::collections::HashSet<String> =
        shared.live.rows().into_iter().map(|r| r.name).collect();
    let mut low: std::sync::MutexGuard<'_, HashMap<String, Instant>> =
        shared.low_since.lock().unwrap_or_else(|e| e.into_inner());
    low.retain(|name, _| live.contains(name));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_matches_with_stars() {
        assert!(matches("*", "anything"));
        assert!(matches("standup-*", "standup-42"));
        assert!(!matches("standup-*", "retro-42"));
        assert!(matches("*-old-*", "room-old-3"));
        assert!(matches("exact", "exact"));
        assert!(!matches("exact", "exactly"));
        assert!(!matches("a*a", "a"));
    }

    #[test]
    fn a_time_is_relative_or_rfc3339() {
        assert_eq!(parse_at("in 2s", 1_000), Ok(3_000));
        assert_eq!(parse_at("30m", 0), Ok(1_800_000));
        assert_eq!(parse_at("1970-01-01T00:00:10Z", 0), Ok(10_000));
        assert!(parse_at("tomorrow", 0).is_err());
    }
}
