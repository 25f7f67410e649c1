//! What Retrieve a Conference says about a room ([`ConferenceDetails`])
//! and its members ([`MemberDetails`]), with the spec's strings parsed.

use std::time::Duration;

use serde::Serialize;

use crate::generated::types;
use crate::text::{clean, one_line, shorten};

/// What Retrieve a Conference says about a room, with its numbers parsed.
///
/// Serialises with snake_case fields, durations in seconds:
/// `{"name", "run_time_seconds", "member_count", "members", "api_id"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConferenceDetails {
    name: String,
    #[serde(rename = "run_time_seconds", serialize_with = "as_seconds")]
    run_time: Duration,
    member_count: usize,
    members: Vec<MemberDetails>,
    api_id: String,
}

impl ConferenceDetails {
    /// The details from Retrieve a Conference's fields, or which field does
    /// not parse.
    pub(super) fn parse(
        name: &str,
        run_time: &str,
        member_count: &str,
        members: Vec<types::ConferenceDetailsMembersItem>,
        api_id: &str,
    ) -> Result<Self, String> {
        Ok(ConferenceDetails {
            run_time: seconds("conference_run_time", run_time)?,
            member_count: count("conference_member_count", member_count)?,
            members: members
                .into_iter()
                .enumerate()
                .map(|(i, m)| MemberDetails::parse(i, m))
                .collect::<Result<_, _>>()?,
            name: one_line(name),
            api_id: one_line(api_id),
        })
    }

    /// The room's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How long the room has been running.
    pub fn run_time(&self) -> Duration {
        self.run_time
    }

    /// How many members Vobiz counts in the room.
    pub fn member_count(&self) -> usize {
        self.member_count
    }

    /// The members, as listed.
    pub fn members(&self) -> &[MemberDetails] {
        &self.members
    }

    /// Vobiz's `api_id` for the retrieval.
    pub fn api_id(&self) -> &str {
        &self.api_id
    }
}

/// One member of a room, from [`ConferenceDetails::members`].
///
/// Moderation needs the id, the mute and deaf flags and the join time, so a
/// member without them is a decode error; the rest is informational and may
/// be absent.
///
/// Serialises with snake_case fields (`id`, `muted`, `deaf`, `from`, `to`,
/// `caller_name`, `direction`, `call_uuid`, `join_time_seconds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberDetails {
    id: String,
    muted: bool,
    deaf: bool,
    from: Option<String>,
    to: Option<String>,
    caller_name: Option<String>,
    direction: Option<String>,
    call_uuid: Option<String>,
    #[serde(rename = "join_time_seconds", serialize_with = "as_seconds")]
    join_time: Duration,
}

/// A duration as a number of seconds (fractions kept).
fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl MemberDetails {
    fn parse(index: usize, m: types::ConferenceDetailsMembersItem) -> Result<Self, String> {
        let field = |name: &str| format!("members[{index}].{name}");
        let missing = |name: &str| format!("{} is missing", field(name));
        Ok(MemberDetails {
            id: one_line(&m.member_id.ok_or_else(|| missing("member_id"))?),
            muted: m.muted.ok_or_else(|| missing("muted"))?,
            deaf: m.deaf.ok_or_else(|| missing("deaf"))?,
            join_time: seconds(
                &field("join_time"),
                &m.join_time.ok_or_else(|| missing("join_time"))?,
            )?,
            from: m.from.as_deref().and_then(clean),
            to: m.to.as_deref().and_then(clean),
            caller_name: m.caller_name.as_deref().and_then(clean),
            direction: m.direction.as_deref().and_then(clean),
            call_uuid: m.call_uuid.as_deref().and_then(clean),
        })
    }

    /// The member id, for [`Conference::members`](super::Conference::members) (Vobiz may give it to
    /// someone else after this member leaves).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the others cannot hear this member.
    pub fn muted(&self) -> bool {
        self.muted
    }

    /// Whether this member cannot hear the room.
    pub fn deaf(&self) -> bool {
        self.deaf
    }

    /// The calling number or address.
    pub fn from(&self) -> Option<&str> {
        self.from.as_deref()
    }

    /// The called number or address.
    pub fn to(&self) -> Option<&str> {
        self.to.as_deref()
    }

    /// The caller's name.
    pub fn caller_name(&self) -> Option<&str> {
        self.caller_name.as_deref()
    }

    /// `inbound` or `outbound`.
    pub fn direction(&self) -> Option<&str> {
        self.direction.as_deref()
    }

    /// The member's call.
    pub fn call_uuid(&self) -> Option<&str> {
        self.call_uuid.as_deref()
    }

    /// How long the member has been in the room.
    pub fn join_time(&self) -> Duration {
        self.join_time
    }
}

/// A count the spec sends as a string.
fn count(field: &str, value: &str) -> Result<usize, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{field} is not a count: {}", shorten(value)))
}

/// Seconds the spec sends as a string: digits, optionally with a fraction.
fn seconds(field: &str, value: &str) -> Result<Duration, String> {
    let trimmed = value.trim();
    let (whole, fraction) = match trimmed.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (trimmed, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let valid = digits(whole) && fraction.is_none_or(digits);
    valid
        .then(|| trimmed.parse::<f64>().ok())
        .flatten()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
        .ok_or_else(|| format!("{field} is not a number of seconds: {}", shorten(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_counts_are_parsed_or_named() {
        assert_eq!(seconds("t", "590"), Ok(Duration::from_secs(590)));
        assert_eq!(seconds("t", "1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["", "-1", "1e3", "inf", "NaN", "abc", "1.", ".5", "1.2.3"] {
            let err = seconds("members[0].join_time", bad).unwrap_err();
            assert!(
                err.starts_with("members[0].join_time is not a number of seconds"),
                "{bad}: {err}"
            );
        }
        assert_eq!(count("c", "3"), Ok(3));
        assert!(
            count("conference_member_count", "three")
                .unwrap_err()
                .contains("conference_member_count")
        );
    }
}
