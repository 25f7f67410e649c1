//! `vobiz xml conference`: the answer document that puts a caller in a
//! room, with every attribute the library's builder has, and `--record URL`
//! for the `<Record>` the newer docs say is what records a room.

use clap::{Args, ValueEnum};
use serde_json::json;
use vobiz::RecordingFormat;
use vobiz::xml::{Conference, Method, Record, Response};

use crate::output::{Failure, Out};

/// A `<Response>` that puts the caller in the room NAME. A flag given
/// without a value means `true`; `--beep false` says false.
#[derive(Args)]
pub struct ConferenceArgs {
    /// The room's name (escaped in the document).
    name: String,
    /// Record the room: a `<Record recordSession="true">` before the
    /// conference, whose recording details go to this URL (the Record
    /// page's required `action`).
    #[arg(long, value_name = "ACTION_URL")]
    record: Option<String>,
    /// The caller joins muted.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    muted: Option<bool>,
    /// A tone as members join and leave (Vobiz's default: true).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    beep: Option<bool>,
    /// This caller's arrival starts the room (default true; false waits
    /// for a moderator).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    start_on_enter: Option<bool>,
    /// This caller leaving ends the room for everyone.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    end_on_exit: Option<bool>,
    /// Keep a member who is alone in the room (the newer docs: set it on
    /// legs that may arrive first).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    stay_alone: Option<bool>,
    /// Relay this caller's key presses into the room.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    relay_dtmf: Option<bool>,
    /// Pressing `*` takes the caller out of the room.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    hangup_on_star: Option<bool>,
    /// The `record` attribute (the older docs; the newer say it makes no
    /// file: use --record URL).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    record_attribute: Option<bool>,
    /// A cap on the room's size (the newer docs: the account's own cap wins).
    #[arg(long, value_name = "N")]
    max_participants: Option<u32>,
    /// The longest the room runs, in seconds.
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<u32>,
    /// A URL returning XML for callers waiting for the room to start.
    #[arg(long, value_name = "URL")]
    wait_sound: Option<String>,
    /// How the wait sound is fetched (the newer docs: always POST).
    #[arg(long, value_enum, value_name = "METHOD")]
    wait_method: Option<HttpMethod>,
    /// Where Vobiz sends the room's events.
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
    /// How the events are sent.
    #[arg(long, value_enum, value_name = "METHOD")]
    callback_method: Option<HttpMethod>,
    /// The sound played when this caller enters.
    #[arg(long, value_name = "SOUND")]
    enter_sound: Option<String>,
    /// The sound played when this caller leaves.
    #[arg(long, value_name = "SOUND")]
    exit_sound: Option<String>,
    /// Comma-separated digit patterns that raise a digits-match callback.
    #[arg(long, value_name = "PATTERNS")]
    digits_match: Option<String>,
    /// The room recording's file format.
    #[arg(long, value_enum, value_name = "FORMAT")]
    record_file_format: Option<AudioFormat>,
    /// XML fetched after this caller leaves ("not reliably invoked").
    #[arg(long, value_name = "URL")]
    action: Option<String>,
    /// How `--action` is fetched.
    #[arg(long, value_enum, value_name = "METHOD")]
    method: Option<HttpMethod>,
}

/// GET or POST.
#[derive(Clone, Copy, ValueEnum)]
pub enum HttpMethod {
    Get,
    Post,
}

impl From<HttpMethod> for Method {
    fn from(method: HttpMethod) -> Self {
        match method {
            HttpMethod::Get => Method::Get,
            HttpMethod::Post => Method::Post,
        }
    }
}

/// mp3 or wav: the CLI's one word for a recording's format, for the
/// answer document's and the recording call's alike.
#[derive(Clone, Copy, ValueEnum)]
pub enum AudioFormat {
    Mp3,
    Wav,
}

impl From<AudioFormat> for RecordingFormat {
    fn from(format: AudioFormat) -> Self {
        match format {
            AudioFormat::Mp3 => RecordingFormat::Mp3,
            AudioFormat::Wav => RecordingFormat::Wav,
        }
    }
}

/// Applies `setter` when the flag was given.
fn given<T>(
    conference: Conference,
    value: Option<T>,
    setter: fn(Conference, T) -> Conference,
) -> Conference {
    match value {
        Some(value) => setter(conference, value),
        None => conference,
    }
}

impl ConferenceArgs {
    fn conference(self) -> Conference {
        let c = Conference::new(self.name);
        let c = given(c, self.muted, Conference::muted);
        let c = given(c, self.beep, Conference::beep);
        let c = given(
            c,
            self.start_on_enter,
            Conference::start_conference_on_enter,
        );
        let c = given(c, self.end_on_exit, Conference::end_conference_on_exit);
        let c = given(c, self.stay_alone, Conference::stay_alone);
        let c = given(c, self.relay_dtmf, Conference::relay_dtmf);
        let c = given(c, self.hangup_on_star, Conference::hangup_on_star);
        let c = given(c, self.record_attribute, Conference::record);
        let c = given(c, self.max_participants, Conference::max_participants);
        let c = given(c, self.time_limit, Conference::time_limit);
        let c = given(c, self.wait_sound.as_deref(), Conference::wait_sound);
        let c = given(
            c,
            self.wait_method.map(Method::from),
            Conference::wait_method,
        );
        let c = given(c, self.callback_url.as_deref(), Conference::callback_url);
        let c = given(
            c,
            self.callback_method.map(Method::from),
            Conference::callback_method,
        );
        let c = given(c, self.enter_sound.as_deref(), Conference::enter_sound);
        let c = given(c, self.exit_sound.as_deref(), Conference::exit_sound);
        let c = given(c, self.digits_match.as_deref(), Conference::digits_match);
        let c = given(
            c,
            self.record_file_format.map(RecordingFormat::from),
            Conference::record_file_format,
        );
        let c = given(c, self.action.as_deref(), Conference::action);
        given(c, self.method.map(Method::from), Conference::method)
    }
}

/// The document on stdout; what the builder refuses exits 2.
pub fn conference(args: ConferenceArgs, out: &Out) -> Result<(), Failure> {
    let mut response = Response::new();
    if let Some(action) = &args.record {
        response = response.add(Record::new().record_session(true).action(action));
    }
    let document = response.add(args.conference()).to_xml()?;
    out.print(&document, &json!({ "xml": document }));
    Ok(())
}
