//! Ending rooms: [`Hangup`], what ending one came to, and the client's
//! calls on rooms by name (list, hang up one, hang up all).

use std::fmt;

use serde::Serialize;

use crate::{Client, Error, call, path};

/// The outcome of [`Client::hangup_conference_if_active`](crate::Client::hangup_conference_if_active).
///
/// Serialised as its [`as_str`](Hangup::as_str) name; displayed for people
/// as the same words with spaces ("not active").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hangup {
    /// The conference was running and has been ended (204).
    Ended,
    /// No active conference had that name (404): nothing to end.
    NotActive,
    /// The room is gone, but an earlier attempt's outcome was unknown (a
    /// timeout, a dropped connection, a 5xx) before a retry got 404: most
    /// likely that attempt ended it, but the call cannot tell that from a
    /// room that never existed. Count it apart from [`Hangup::Ended`] in
    /// summaries. [`Client::hangup_conference`](crate::Client::hangup_conference)
    /// treats it as success.
    GoneAfterRetry,
}

impl Hangup {
    /// The outcome's name for machines: `"ended"`, `"not_active"` or
    /// `"gone_after_retry"`, as JSON output shows it. (The audit trail
    /// words every operation alike: `applied`, `not_found`,
    /// `gone_after_retry`; see the crate docs.)
    pub const fn as_str(self) -> &'static str {
        match self {
            Hangup::Ended => "ended",
            Hangup::NotActive => "not_active",
            Hangup::GoneAfterRetry => "gone_after_retry",
        }
    }
}

impl fmt::Display for Hangup {
    /// The [`as_str`](Hangup::as_str) name with spaces: "not active".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, word) in self.as_str().split('_').enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(word)?;
        }
        Ok(())
    }
}

impl Serialize for Hangup {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Client {
    /// The names of the conferences Vobiz reports as active.
    ///
    /// **An empty or short list proves nothing**: Vobiz documents that live
    /// rooms can be missing from it. Never use it as a safety check before
    /// ending rooms, nor as the list of rooms to clean up; keep your own
    /// registry of the rooms you create, as Vobiz advises, and sweep that with
    /// [`hangup_conferences`](Self::hangup_conferences).
    pub async fn list_conferences(&self) -> Result<Vec<String>, Error> {
        let listed = self.call(self.api().list_conferences().send()).await?;
        Ok(listed.into_inner().conferences)
    }

    /// Ends **every** conference on the account at once.
    ///
    /// This is the only call that sends Vobiz's Hang Up All Conferences: no
    /// name given to any other method can reach it (`""`, `.` and `..` are
    /// refused before anything is sent). Written to the audit trail like every
    /// hangup. It is a DELETE, so it is retried as the client's policy says.
    pub async fn hangup_all_conferences(&self) -> Result<(), Error> {
        self.call(self.api().delete_all_conferences().send())
            .await
            .map(drop)
    }

    /// Ends the active conference `name`, disconnecting every member.
    ///
    /// A 404 (no such active conference) is an error with
    /// [`Error::is_not_found`]; use [`hangup_conference_if_active`](Self::hangup_conference_if_active)
    /// when that is an expected outcome. If an earlier attempt's outcome was
    /// unknown (a timeout, a dropped connection, a 5xx) and a retry then gets
    /// 404, the room is gone, most likely by that earlier attempt: that is
    /// `Ok(())`.
    ///
    /// Every request it sends writes one audit event (see the crate docs),
    /// as every call that changes state does: `delete_conference`, the
    /// subject `conference_name=...`, and the outcome (`applied`,
    /// `not_found`, `gone_after_retry` or `error`).
    pub async fn hangup_conference(&self, name: &str) -> Result<(), Error> {
        self.terminate(name).await.map(drop)
    }

    /// Ends the conference `name` if it is active: a 404 is
    /// `Ok(Hangup::NotActive)`, as the Vobiz docs advise handling it, and a
    /// 404 after an attempt whose outcome was unknown is
    /// `Ok(Hangup::GoneAfterRetry)`.
    pub async fn hangup_conference_if_active(&self, name: &str) -> Result<Hangup, Error> {
        match self.terminate(name).await {
            Err(e) if e.is_not_found() => Ok(Hangup::NotActive),
            other => other,
        }
    }

    /// Ends a conference, deciding what a 404 after an ambiguous attempt
    /// means.
    async fn terminate(&self, name: &str) -> Result<Hangup, Error> {
        if let Some(problem) = path::segment_problem(name) {
            return Err(Error::InvalidInput(format!("conference name {problem}")));
        }
        let operation = self.api().delete_conference().conference_name(name).send();
        match call::reporting(operation).await {
            (Ok(_), _) => Ok(Hangup::Ended),
            (Err(e), report) if report.ambiguous && e.is_not_found() => Ok(Hangup::GoneAfterRetry),
            (Err(e), _) => Err(e),
        }
    }
}
