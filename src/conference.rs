//! One conference room: [`Conference`], its details and its recording.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::audit::Audited;
use crate::generated::{operations, types};
use crate::operation::Operation;
use crate::outcome::{Accepted, Hangup};
use crate::text::{clean, one_line, shorten};
use crate::{Client, Error, call};

/// A conference room by name; from [`Client::conference`]. Cheap to clone,
/// and making one does no I/O: the name is checked when a call is made.
///
/// ```no_run
/// # async fn f(client: vobiz::Client) -> Result<(), vobiz::Error> {
/// use std::time::Duration;
/// let room = client.conference("weekly sync");
/// room.members("17").mute().await?;
/// let details = room.details().await?;
/// println!("{} members for {:?}", details.member_count(), details.run_time());
/// room.hangup_with_notice("https://example.com/closing.mp3", Duration::from_secs(10)).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Conference {
    client: Client,
    name: Arc<str>,
}

/// The file format of a conference recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RecordingFormat {
    /// MP3 (Vobiz's default).
    #[default]
    Mp3,
    /// WAV.
    Wav,
}

impl Client {
    /// A handle on the conference `name`, for its details, members and
    /// recording. No I/O happens until a call is made on it.
    pub fn conference(&self, name: &str) -> Conference {
        Conference {
            client: self.clone(),
            name: name.into(),
        }
    }
}

impl Conference {
    /// The room's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// Ends the room; see [`Client::hangup_conference`] (same semantics,
    /// audit event and idempotent outcome).
    pub async fn hangup(&self) -> Result<(), Error> {
        self.client.hangup_conference(&self.name).await
    }

    /// Ends the room if it is active; see
    /// [`Client::hangup_conference_if_active`].
    pub async fn hangup_if_active(&self) -> Result<Hangup, Error> {
        self.client.hangup_conference_if_active(&self.name).await
    }

    /// The room's details, read from Retrieve a Conference.
    ///
    /// - A 404 (no such room, or it has ended) is [`Error::is_not_found`].
    /// - Vobiz documents that a live room can answer `200 OK` with
    ///   `{"error": "failed"}`. That answer is retried under the client's
    ///   [`RetryPolicy`](crate::RetryPolicy) like a 503; if it persists, it is
    ///   [`Error::LiveRetrievalFailed`] (retryable, with the `api_id`).
    /// - The spec's strings are parsed; a value that is not a number where a
    ///   number belongs is [`Error::Decode`] naming the field.
    pub async fn details(&self) -> Result<ConferenceDetails, Error> {
        let api = self.client.api();
        let operation = api.get_conference().conference_name(&*self.name).send();
        let (result, report) = crate::retry::scoped(crate::retry::AuditBy::Hooks, operation).await;
        let answer = match result {
            Ok(answer) => answer,
            Err(e) => return Err(Error::from_call(e, report).await),
        };
        let (status, headers) = (answer.status(), answer.headers().clone());
        match answer.into_inner() {
            types::GetConferenceResponse::ConferenceDetails {
                conference_name,
                conference_run_time,
                conference_member_count,
                members,
                api_id,
            } => {
                let decode = |message: String| Error::Decode {
                    status: Some(status.as_u16()),
                    message,
                };
                Ok(ConferenceDetails {
                    run_time: seconds("conference_run_time", &conference_run_time)
                        .map_err(decode)?,
                    member_count: count("conference_member_count", &conference_member_count)
                        .map_err(decode)?,
                    members: members
                        .into_iter()
                        .enumerate()
                        .map(|(i, m)| MemberDetails::parse(i, m))
                        .collect::<Result<_, _>>()
                        .map_err(decode)?,
                    name: one_line(&conference_name),
                    api_id: one_line(&api_id),
                })
            }
            failure @ types::GetConferenceResponse::CurrentLiveRetrievalFailure { .. } => {
                // The typed answer is all that is left of the body: the
                // error is read from it as the spec types it.
                let body = serde_json::to_vec(&failure).unwrap_or_default();
                let api_error = crate::ApiError::from_parts(status, &headers, &body);
                Err(Error::LiveRetrievalFailed(api_error).with_report(report))
            }
        }
    }

    /// Starts recording all audio in the room. Vobiz answers 200 ("async api
    /// spawned") without a recording id or URL; they arrive at
    /// `callback_url` if given (an absolute `http(s)://` URL, checked before
    /// anything is sent). A 404 means the room does not exist or nobody has
    /// joined it yet.
    pub async fn start_recording(
        &self,
        format: RecordingFormat,
        callback_url: Option<&str>,
    ) -> Result<Accepted, Error> {
        let callback_url = callback_url
            .map(|url| checked_url("callback URL", url, &["https", "http"]))
            .transpose()?;
        let body = types::StartConferenceRecordingBody {
            callback_url,
            file_format: match format {
                RecordingFormat::Mp3 => types::StartConferenceRecordingBodyFileFormat::Mp3,
                RecordingFormat::Wav => types::StartConferenceRecordingBodyFileFormat::Wav,
            },
        };
        let api = self.client.api();
        let operation = api
            .start_conference_recording()
            .conference_name(&*self.name)
            .body(body)
            .send();
        let audited = self.audited(&operations::START_CONFERENCE_RECORDING);
        call::audited(&audited, operation).await
    }

    /// Stops the room's recording. Only Vobiz's 204 is success.
    pub async fn stop_recording(&self) -> Result<(), Error> {
        let api = self.client.api();
        let operation = api
            .stop_conference_recording()
            .conference_name(&*self.name)
            .send();
        let audited = self.audited(&operations::STOP_CONFERENCE_RECORDING);
        call::audited(&audited, operation).await.map(drop)
    }

    fn audited(&self, operation: &'static Operation) -> Audited<'_> {
        Audited {
            operation,
            account: self.client.auth_id(),
            conference: Some(&self.name),
            members: None,
            url_path: None,
            subject: None,
        }
    }
}

/// A URL a caller gives for Vobiz to fetch or call, checked as it will be
/// sent (see `crate::url_check`), or `InvalidInput` naming it, before any
/// I/O. What is sent is the parsed form that was checked.
pub(crate) fn checked_url(what: &str, url: &str, schemes: &[&str]) -> Result<String, Error> {
    crate::url_check::parse_with_scheme(url, schemes)
        .map(String::from)
        .map_err(|why| Error::InvalidInput(format!("{what} {why} (got {})", shorten(url))))
}

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

    /// The member id, for [`Conference::members`] (Vobiz may give it to
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
