//! Reading rooms before anything is changed: each room's details, a few at
//! a time. The dry runs ask the server with it (as kubectl's
//! `--dry-run=server` does), and `enforce` looks with it before it ends.

use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use serde_json::json;
use vobiz::Client;
use vobiz::conference::ConferenceDetails;

use crate::commands::human;
use crate::output::{self, Failure, Out, shown};

/// What reading a room found.
pub enum Seen {
    Active(ConferenceDetails),
    /// 404: no such active room.
    NotActive,
    /// The read failed: whether the room runs is not known.
    Unreadable(vobiz::Error),
}

/// Each name with what reading it found, `concurrency` reads at a time,
/// in the order they finish. Sends only GETs.
pub fn read<'a>(
    client: &'a Client,
    names: impl IntoIterator<Item = String, IntoIter: 'a>,
    concurrency: usize,
) -> impl Stream<Item = (String, Seen)> + 'a {
    stream::iter(names)
        .map(move |name| async move {
            let seen = match client.conference(&name).details().await {
                Ok(details) => Seen::Active(details),
                Err(e) if e.is_not_found() => Seen::NotActive,
                Err(e) => Seen::Unreadable(e),
            };
            (name, seen)
        })
        .buffer_unordered(concurrency.max(1))
}

/// A dry run's count.
#[derive(Default, Serialize)]
pub struct DryRun {
    pub would_end: usize,
    pub not_active: usize,
    pub unreadable: usize,
}

/// Prints what reading one room found (`would` names what would become
/// of an active one): a line of text, or one JSON object.
pub fn print(out: &Out, name: &str, seen: &Seen, would: &str) {
    let (text, line) = match seen {
        Seen::Active(d) => (
            format!(
                "{}: {} members, running for {}: {}",
                shown(name),
                d.member_count(),
                human(d.run_time()),
                would.replace('_', " ")
            ),
            json!({"name": name, "outcome": would,
                "members": d.member_count(), "run_time_seconds": d.run_time().as_secs()}),
        ),
        Seen::NotActive => (
            format!("{}: not active", shown(name)),
            json!({"name": name, "outcome": "not_active"}),
        ),
        Seen::Unreadable(e) => (
            format!("{}: could not be read ({e})", shown(name)),
            json!({"name": name, "outcome": "unreadable", "error": output::error_json(e)}),
        ),
    };
    out.report(&text, &line);
}

impl DryRun {
    /// Counts and prints one room that would be ended if active; a refused
    /// credential stops the run, as every other read would be refused the
    /// same way.
    pub fn report(&mut self, out: &Out, name: &str, seen: &Seen) -> Option<Failure> {
        match seen {
            Seen::Unreadable(e) if e.is_auth_failure() => {
                return Some(output::credentials_refused(e));
            }
            Seen::Active(_) => self.would_end += 1,
            Seen::NotActive => self.not_active += 1,
            Seen::Unreadable(_) => self.unreadable += 1,
        }
        print(out, name, seen, "would_end");
        None
    }

    /// The closing line (`{"summary": ...}` in JSON), and the exit: a dry
    /// run that could not read every room does not exit 0.
    pub fn finish(&self, out: &Out, stopped: Option<Failure>) -> Result<(), Failure> {
        if out.json {
            out.print("", &json!({ "summary": self }));
        } else {
            out.note(&format!(
                "dry run: {} room(s) would be ended, {} not active, {} could not be read; \
                 nothing was changed",
                self.would_end, self.not_active, self.unreadable
            ));
        }
        match stopped {
            Some(failure) => Err(failure),
            None if self.unreadable > 0 => Err(Failure::Failed(format!(
                "{} room(s) could not be read; the dry run is incomplete",
                self.unreadable
            ))),
            None => Ok(()),
        }
    }
}
