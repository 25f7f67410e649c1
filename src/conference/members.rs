//! Member moderation: which members a call acts on ([`MemberSelector`]),
//! the actions ([`Members`]), and what they did ([`MemberOutcome`]).

use std::fmt;

use serde::Serialize;

use super::Conference;
use super::room::checked_url;
use crate::accepted::{Accepted, AnswerBody};
use crate::generated::{self, ResponseValue, operations};
use crate::operation::Operation;
use crate::{Error, call};

/// The longest `member_id` one request carries, before encoding (each comma
/// becomes three bytes on the wire). A URL of about 2,000 bytes passes every
/// proxy and server in common use; this leaves room for the encoding and the
/// rest of the path. A longer list is split into several requests.
pub const MAX_MEMBER_ID_LEN: usize = 1_200;

/// Which members of a conference an action applies to.
///
/// Vobiz's `member_id` is one id, a comma-separated list, or `all`. Building
/// a selector never fails; the action checks it and refuses, with
/// [`Error::InvalidInput`] and before anything is sent, whatever could select
/// other members than meant: an id that is empty, that is `all` in any case,
/// or that contains a comma, and an empty list. An id must be what Vobiz
/// assigns, ASCII digits (`"17"`), so no spelling of `all` or of a list can
/// slip through as one id.
///
/// ```
/// use vobiz::conference::MemberSelector;
/// let one: MemberSelector = "17".into();
/// let several = MemberSelector::list(["10", "15", "22"]);
/// let everyone = MemberSelector::all();
/// # let _ = (one, several, everyone);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberSelector(Selected);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Selected {
    All,
    One(String),
    List(Vec<String>),
}

impl MemberSelector {
    /// Every member of the conference (`all`).
    pub fn all() -> Self {
        MemberSelector(Selected::All)
    }

    /// One member, by the id Vobiz gave it (e.g. `"17"`).
    pub fn one(id: impl Into<String>) -> Self {
        MemberSelector(Selected::One(id.into()))
    }

    /// Several members, by id. Sent as one request whose `member_id` is the
    /// ids joined by commas, as Vobiz's docs show (`10,15,22`; on the wire
    /// `10%2C15%2C22`, see [`crate::path`] for why); repeated ids are sent
    /// once; a list longer than [`MAX_MEMBER_ID_LEN`] goes in several
    /// requests.
    pub fn list<I>(ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        MemberSelector(Selected::List(ids.into_iter().map(Into::into).collect()))
    }

    /// The `member_id` of each request this selection needs, checked.
    pub(crate) fn requests(&self) -> Result<Vec<String>, Error> {
        let ids = match &self.0 {
            Selected::All => return Ok(vec!["all".to_owned()]),
            Selected::One(id) => std::slice::from_ref(id),
            Selected::List(ids) if ids.is_empty() => {
                return Err(Error::InvalidInput(
                    "member list is empty: it would select nobody (use MemberSelector::all() \
                     for everyone)"
                        .into(),
                ));
            }
            Selected::List(ids) => ids,
        };
        let mut seen = std::collections::HashSet::with_capacity(ids.len());
        let mut unique: Vec<&str> = Vec::with_capacity(ids.len());
        for id in ids {
            check_id(id)?;
            if seen.insert(id.as_str()) {
                unique.push(id);
            }
        }
        Ok(batches(&unique))
    }
}

/// Refuses anything but the digits of one member id.
fn check_id(id: &str) -> Result<(), Error> {
    let problem = if id.is_empty() {
        "is empty".to_owned()
    } else if id.trim().eq_ignore_ascii_case("all") {
        "is `all`, which selects every member; use MemberSelector::all() for that".to_owned()
    } else if id.contains(',') {
        "contains a comma, which would select several members; use MemberSelector::list".to_owned()
    } else if !id.bytes().all(|b| b.is_ascii_digit()) {
        format!(
            "must be the digits Vobiz assigns (got {})",
            crate::text::shorten(id)
        )
    } else {
        return Ok(());
    };
    Err(Error::InvalidInput(format!("member id {problem}")))
}

/// Joins ids with commas, starting a new request before one would exceed
/// [`MAX_MEMBER_ID_LEN`].
fn batches(ids: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        match out.last_mut() {
            Some(last) if last.len() + 1 + id.len() <= MAX_MEMBER_ID_LEN => {
                last.push(',');
                last.push_str(id);
            }
            _ => out.push((*id).to_owned()),
        }
    }
    out
}

impl fmt::Display for MemberSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Selected::All => f.write_str("all"),
            Selected::One(id) => f.write_str(id),
            Selected::List(ids) => f.write_str(&ids.join(",")),
        }
    }
}

impl From<&str> for MemberSelector {
    fn from(id: &str) -> Self {
        MemberSelector::one(id)
    }
}

impl From<String> for MemberSelector {
    fn from(id: String) -> Self {
        MemberSelector::one(id)
    }
}

impl From<&String> for MemberSelector {
    fn from(id: &String) -> Self {
        MemberSelector::one(id.as_str())
    }
}

impl From<u64> for MemberSelector {
    fn from(id: u64) -> Self {
        MemberSelector::one(id.to_string())
    }
}

/// What a member action did: one [`Accepted`] per request sent (more than
/// one only when a long list was split).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MemberOutcome {
    pub(crate) requests: Vec<Accepted>,
}

impl MemberOutcome {
    /// Each request, in the order sent.
    pub fn requests(&self) -> &[Accepted] {
        &self.requests
    }
}

/// The members of one conference that an action applies to; from
/// [`Conference::members`]. Each action checks the selection first and sends
/// nothing if it is ambiguous, then sends one request (or one per
/// [`MAX_MEMBER_ID_LEN`] of ids) and writes one audit event per request.
///
/// POSTs (kick, mute, deafen, play) are never repeated once they may have
/// reached the server; the DELETEs are retried as the client's policy says.
#[derive(Debug, Clone)]
pub struct Members {
    conference: Conference,
    selector: MemberSelector,
}

/// One member call, by the generated operation it sends: its `static`
/// (for the `not_sent` audit events) and its method.
macro_rules! member_action {
    ($(#[$doc:meta])* $name:ident, $op:ident, $generated:ident) => {
        $(#[$doc])*
        pub async fn $name(&self) -> Result<MemberOutcome, Error> {
            self.act(&operations::$op, |api, room, id: String| {
                api.$generated().conference_name(room).member_id(id).send()
            })
            .await
        }
    };
}

impl Conference {
    /// The members an action is for: one id (`"17"`), a
    /// [`MemberSelector::list`], or [`MemberSelector::all`].
    pub fn members(&self, who: impl Into<MemberSelector>) -> Members {
        Members {
            conference: self.clone(),
            selector: who.into(),
        }
    }
}

impl Members {
    /// The selection.
    pub fn selector(&self) -> &MemberSelector {
        &self.selector
    }

    member_action!(
        /// Hangs up the members' calls: they leave the conference and their
        /// calls end.
        hangup, HANGUP_MEMBER, hangup_member
    );
    member_action!(
        /// Removes the members from the conference; their calls go on with
        /// the rest of their XML flow.
        kick, KICK_MEMBER, kick_member
    );
    member_action!(
        /// Mutes the members: the others stop hearing them; they still hear
        /// the room.
        mute, MUTE_MEMBER, mute_member
    );
    member_action!(
        /// Unmutes the members; succeeds even if they were not muted.
        unmute, UNMUTE_MEMBER, unmute_member
    );
    member_action!(
        /// Deafens the members: they stop hearing the room; they can still
        /// speak.
        deafen, DEAF_MEMBER, deaf_member
    );
    member_action!(
        /// Lets the members hear the room again; succeeds even if they were
        /// not deafened.
        undeafen, UNDEAF_MEMBER, undeaf_member
    );
    member_action!(
        /// Stops audio playing to the members; succeeds even if none was.
        stop_audio, STOP_AUDIO_MEMBER, stop_audio_member
    );

    /// Plays an MP3 or WAV file to these members only. Vobiz fetches it, so
    /// `url` must be an absolute `https://` URL; anything else is refused
    /// with [`Error::InvalidInput`] before anything is sent.
    pub async fn play(&self, url: &str) -> Result<MemberOutcome, Error> {
        let url = checked_url("audio URL", url, &["https"])?;
        let body = generated::types::PlayAudioMemberBody { url };
        self.act(&operations::PLAY_AUDIO_MEMBER, |api, room, id: String| {
            api.play_audio_member()
                .conference_name(room)
                .member_id(id)
                .body(body.clone())
                .send()
        })
        .await
    }

    /// Checks the selection, then sends one request per batch of ids, in
    /// order, stopping at the first failure. All of it is one operation
    /// under the client's operation timeout: no request starts, and none
    /// runs, past it. When the selection took several requests, any failure
    /// (the first request's included) is [`Error::PartlyApplied`], saying
    /// which applied and which were not sent.
    async fn act<'a, T, F, Fut>(
        &'a self,
        operation: &'static Operation,
        send: F,
    ) -> Result<MemberOutcome, Error>
    where
        T: AnswerBody,
        F: Fn(&'a generated::Client, &'a str, String) -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, generated::Error<()>>>,
    {
        let requests = self.selector.requests()?;
        let (client, room) = (self.conference.client(), self.conference.name());
        let deadline = client.api().inner.deadline();
        let mut outcome = MemberOutcome::default();
        let all = async {
            for (sent, member_id) in requests.iter().enumerate() {
                if sent > 0 && deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                    // Nothing of this request, or of those after it, was sent.
                    self.not_sent(operation, &requests[sent..]);
                    return Err((
                        sent,
                        Error::Timeout {
                            source: None,
                            attempts: 0,
                        },
                    ));
                }
                let answer = send(client.api(), room, member_id.clone());
                match call::accepted(Some(member_id), answer).await {
                    Ok(accepted) => outcome.requests.push(accepted),
                    Err(e) => {
                        // The trail says of every id what became of it.
                        self.not_sent(operation, &requests[sent + 1..]);
                        return Err((sent + 1, e));
                    }
                }
            }
            Ok(())
        };
        match crate::retry::bounded(deadline, all).await {
            Ok(()) => Ok(outcome),
            Err((_, e)) if requests.len() == 1 => Err(e),
            Err((unsent, e)) => Err(Error::PartlyApplied {
                applied: outcome.requests,
                not_sent: requests[unsent..].to_vec(),
                source: Box::new(e),
            }),
        }
    }
}

impl Members {
    /// Writes the audit trail's `not_sent` event for each request never sent.
    fn not_sent(&self, operation: &'static Operation, unsent: &[String]) {
        let (client, room) = (self.conference.client(), self.conference.name());
        for member_id in unsent {
            crate::audit::not_sent(operation, client.auth_id(), |name| match name {
                "conference_name" => Some(room.to_owned()),
                "member_id" => Some(member_id.clone()),
                _ => None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_split_below_the_bound_and_keep_every_id_once() {
        let ids: Vec<String> = (0..2_000).map(|i| (100_000 + i).to_string()).collect();
        let mut doubled = ids.clone();
        doubled.extend(ids.iter().take(10).cloned());
        let requests = MemberSelector::list(doubled).requests().unwrap();
        assert!(requests.len() > 1);
        assert!(requests.iter().all(|r| r.len() <= MAX_MEMBER_ID_LEN));
        let sent: Vec<&str> = requests.iter().flat_map(|r| r.split(',')).collect();
        assert_eq!(sent, ids.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
