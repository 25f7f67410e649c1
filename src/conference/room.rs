//! One conference room by name: [`Conference`], its details and its
//! recording.

use super::{ConferenceDetails, Hangup};
use crate::accepted::Accepted;
use crate::generated::types;
use crate::text::shorten;
use crate::{Client, Error, RecordingFormat, call};
use std::sync::Arc;

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
    ///   [`Error::PassingFailure`] (retryable, with the `api_id`).
    /// - The spec's strings are parsed; a value that is not a number where a
    ///   number belongs is [`Error::Decode`] naming the field.
    pub async fn details(&self) -> Result<ConferenceDetails, Error> {
        let api = self.client.api();
        let operation = api.get_conference().conference_name(&*self.name).send();
        let (result, report) = call::reporting(operation).await;
        let answer = result?;
        let (status, headers) = (answer.status(), answer.headers().clone());
        match answer.into_inner() {
            types::GetConferenceResponse::ConferenceDetails {
                conference_name,
                conference_run_time,
                conference_member_count,
                members,
                api_id,
            } => ConferenceDetails::parse(
                &conference_name,
                &conference_run_time,
                &conference_member_count,
                members,
                &api_id,
            )
            .map_err(|message| Error::Decode {
                status: Some(status.as_u16()),
                message,
            }),
            types::GetConferenceResponse::CurrentLiveRetrievalFailure { .. } => {
                let api_error = crate::ApiError::from_report(status, &headers, &report);
                Err(Error::PassingFailure(api_error).with_report(report))
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
        call::accepted(None, operation).await
    }

    /// Stops the room's recording. Only Vobiz's 204 is success.
    pub async fn stop_recording(&self) -> Result<(), Error> {
        let api = self.client.api();
        let operation = api
            .stop_conference_recording()
            .conference_name(&*self.name)
            .send();
        call::accepted(None, operation).await.map(drop)
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
