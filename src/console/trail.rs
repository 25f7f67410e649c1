//! The console's audit trail: each action run with the library's audit
//! events caught (see `capture`), and each event stored with the
//! moderator's name (or the schedule's or rule's).

use std::future::Future;

use serde_json::Value;

use super::capture;
use super::state::Shared;
use super::store::{AuditRow, StoreError, now_ms};

/// Runs `action` for `moderator` on `room`, and stores the audit events it
/// wrote. The action's output comes back even if storing failed: what was
/// done was done, and the caller says both.
pub(crate) async fn run<T>(
    shared: &Shared,
    moderator: &str,
    room: Option<&str>,
    action: impl Future<Output = T>,
) -> (T, Result<(), StoreError>) {
    let (output, events) = capture::audited(action).await;
    let rows: Vec<AuditRow> = events
        .into_iter()
        .map(|mut event| {
            event.insert("vobiz.moderator".to_owned(), Value::from(moderator));
            let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
            AuditRow {
                time_ms: now_ms(),
                moderator: moderator.to_owned(),
                room: room.map(str::to_owned),
                operation: text("vobiz.operation").unwrap_or_default(),
                outcome: text("vobiz.outcome").unwrap_or_default(),
                api_id: text("vobiz.api_id"),
                event: Value::Object(event).to_string(),
            }
        })
        .collect();
    let stored = if rows.is_empty() {
        Ok(())
    } else {
        shared.store.append_audit(&rows)
    };
    if let Err(e) = &stored {
        tracing::error!(target: "vobiz::console", error = %e, "the audit trail could not be written");
    }
    (output, stored)
}

/// What the console itself changed (no Vobiz request): its schedules and
/// rules. Written in the library event's schema, with the console's own
/// operation names, so that the trail reads as one.
pub(crate) mod console_ops {
    /// A schedule stored.
    pub(crate) const ADD_SCHEDULE: &str = "console.add_schedule";
    /// A schedule cancelled.
    pub(crate) const CANCEL_SCHEDULE: &str = "console.cancel_schedule";
    /// A rule stored (off).
    pub(crate) const ADD_RULE: &str = "console.add_rule";
    /// A rule enabled.
    pub(crate) const ENABLE_RULE: &str = "console.enable_rule";
    /// A rule disabled.
    pub(crate) const DISABLE_RULE: &str = "console.disable_rule";
    /// A rule deleted.
    pub(crate) const DELETE_RULE: &str = "console.delete_rule";
}

/// Stores one line for a change the console made to its own state.
pub(crate) fn note(
    shared: &Shared,
    moderator: &str,
    room: Option<&str>,
    operation: &'static str,
    subject: &str,
) -> Result<(), StoreError> {
    let event = serde_json::json!({
        "vobiz.operation": operation,
        "vobiz.subject": subject,
        "vobiz.outcome": "applied",
        "vobiz.moderator": moderator,
    });
    shared.store.append_audit(&[AuditRow {
        time_ms: now_ms(),
        moderator: moderator.to_owned(),
        room: room.map(str::to_owned),
        operation: operation.to_owned(),
        outcome: "applied".to_owned(),
        api_id: None,
        event: event.to_string(),
    }])
}
