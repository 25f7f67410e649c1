//! Answer documents: the `<Response>` a service's answer URL returns, with
//! the `<Conference>` that puts a caller in a room (and the `<Record>` that,
//! per Vobiz's newer docs, is how a room gets recorded).
//!
//! Every attribute either version of Vobiz's "Conference Attributes" page
//! documents has a setter named after it in snake case; where the docs say
//! an attribute does not work, its setter says so. Values are escaped, so
//! no value can add an attribute or an element; the room name is the
//! element's text, escaped too. What XML 1.0 cannot carry as it is (control
//! characters, an empty name), a URL that is not an absolute `http(s)` URL
//! (or holds whitespace, controls or backslashes), and numbers the docs do
//! not allow are refused by [`Response::to_xml`] with
//! [`Error::InvalidInput`].
//!
//! A URL is written in the normalised form it was checked in, the form
//! Vobiz's parser will read: the scheme and host lower-cased, a default
//! port and dot segments removed, non-ASCII percent-encoded. So
//! `https://Example.COM:443/a/../café` is written
//! `https://example.com/caf%C3%A9`, the same resource. Everything else is
//! written as given.
//!
//! ```
//! use vobiz::xml::{Conference, Response};
//! let body: String = Response::new()
//!     .add(Conference::new("Team Standup")
//!         .muted(false)
//!         .start_conference_on_enter(true)
//!         .end_conference_on_exit(true)
//!         .max_participants(10)
//!         .callback_url("https://example.com/conference-events")
//!         .record(true))
//!     .to_xml()?;
//! assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"));
//! # Ok::<(), vobiz::Error>(())
//! ```

use crate::{Error, RecordingFormat};

/// The HTTP method Vobiz uses to fetch or call a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// An element a [`Response`] can hold.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Element {
    /// `<Conference>`.
    Conference(Conference),
    /// `<Record>`.
    Record(Record),
}

impl From<Conference> for Element {
    fn from(c: Conference) -> Self {
        Element::Conference(c)
    }
}

impl From<Record> for Element {
    fn from(r: Record) -> Self {
        Element::Record(r)
    }
}

/// The answer document's root: its elements, in order.
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
pub struct Response {
    elements: Vec<Element>,
}

impl Response {
    /// An empty `<Response>` (valid: the call has nothing to do).
    pub fn new() -> Self {
        Response::default()
    }

    /// Appends an element. (Named as XML builders name it; it is not `+`.)
    #[allow(clippy::should_implement_trait)]
    pub fn add(mut self, element: impl Into<Element>) -> Self {
        self.elements.push(element.into());
        self
    }

    /// The document: UTF-8, with the XML declaration, serve it as
    /// `application/xml`. [`Error::InvalidInput`] names the first value the
    /// docs do not allow or XML 1.0 cannot carry.
    pub fn to_xml(&self) -> Result<String, Error> {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>");
        for element in &self.elements {
            match element {
                Element::Conference(c) => c.tag.write(&mut out, Some(&c.name))?,
                Element::Record(r) => r.tag.write(&mut out, None)?,
            }
        }
        out.push_str("</Response>");
        Ok(out)
    }
}

/// An element's name and attributes, and the first problem a setter found.
#[derive(Debug, Clone, PartialEq)]
struct Tag {
    name: &'static str,
    attributes: Vec<(&'static str, String)>,
    problem: Option<String>,
}

impl Tag {
    fn new(name: &'static str) -> Self {
        Tag {
            name,
            attributes: Vec::new(),
            problem: None,
        }
    }

    /// Sets `attribute` (replacing an earlier value).
    fn set(&mut self, attribute: &'static str, value: String) {
        self.attributes.retain(|(a, _)| *a != attribute);
        self.attributes.push((attribute, value));
    }

    fn refuse(&mut self, problem: String) {
        self.problem.get_or_insert(problem);
    }

    fn flag(&mut self, attribute: &'static str, on: bool) {
        self.set(attribute, on.to_string());
    }

    fn method(&mut self, attribute: &'static str, method: Method) {
        self.set(attribute, method.as_str().to_owned());
    }

    fn format(&mut self, attribute: &'static str, format: RecordingFormat) {
        self.set(attribute, format.as_str().to_owned());
    }

    /// A whole number from 1 up.
    fn positive(&mut self, attribute: &'static str, value: u32) {
        if value == 0 {
            self.refuse(format!("{attribute} must be at least 1"));
        } else {
            self.set(attribute, value.to_string());
        }
    }

    /// A URL Vobiz fetches or calls, checked as it will be sent.
    fn url(&mut self, attribute: &'static str, url: &str) {
        match crate::url_check::parse_with_scheme(url, &["https", "http"]) {
            Ok(parsed) => self.set(attribute, parsed.into()),
            Err(why) => self.refuse(format!(
                "{attribute} {why} (got {})",
                crate::text::shorten(url)
            )),
        }
    }

    /// Free text, which XML must carry unchanged.
    fn text(&mut self, attribute: &'static str, value: &str) {
        match carriable(value) {
            Ok(()) => self.set(attribute, value.to_owned()),
            Err(why) => self.refuse(format!("{attribute} {why}")),
        }
    }

    fn write(&self, out: &mut String, content: Option<&str>) -> Result<(), Error> {
        if let Some(problem) = &self.problem {
            return Err(Error::InvalidInput(format!("<{}>: {problem}", self.name)));
        }
        out.push('<');
        out.push_str(self.name);
        for (attribute, value) in &self.attributes {
            out.push(' ');
            out.push_str(attribute);
            out.push_str("=\"");
            escape(value, out);
            out.push('"');
        }
        match content {
            Some(text) => {
                out.push('>');
                escape(text, out);
                out.push_str("</");
                out.push_str(self.name);
                out.push('>');
            }
            None => out.push_str("/>"),
        }
        Ok(())
    }
}

/// Whether XML 1.0 carries `text` as it is: no control characters (a
/// parser would refuse most and rewrite line breaks and tabs) and no
/// noncharacters it forbids.
fn carriable(text: &str) -> Result<(), String> {
    match text
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    {
        Some(c) => Err(format!("holds {c:?}, which XML cannot carry unchanged")),
        None => Ok(()),
    }
}

/// `text` with the five characters XML reserves escaped, for text and for
/// attribute values in double quotes (HTML5 reads them the same: the
/// console's pages use it too).
pub(crate) fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// `<Conference>`: puts the caller in the room named by its text, created
/// on first join. Names are case-sensitive; Vobiz documents no limit on
/// their length or characters.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Conference {
    name: String,
    tag: Tag,
}

/// Setters, one line each: the method, what it takes, how the value is
/// checked and written (`flag`, `positive`, `url`, `text`, `method`,
/// `format`: the `Tag` method of that name), and the attribute.
macro_rules! setters {
    ($($(#[$doc:meta])* $setter:ident($value:ty) => $kind:ident $attribute:literal;)*) => {
        $(
            $(#[$doc])*
            pub fn $setter(mut self, value: $value) -> Self {
                self.tag.$kind($attribute, value);
                self
            }
        )*
    };
}

impl Conference {
    /// The room `name` (checked by [`Response::to_xml`]: not empty, no
    /// control characters).
    pub fn new(name: impl Into<String>) -> Self {
        let name = name.into();
        let mut tag = Tag::new("Conference");
        if name.is_empty() {
            tag.refuse("the room name is empty".to_owned());
        } else if let Err(why) = carriable(&name) {
            tag.refuse(format!("the room name {why}"));
        }
        Conference { name, tag }
    }

    /// The room's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    setters! {
        /// `muted`: the caller joins muted (default false).
        muted(bool) => flag "muted";
        /// `beep`: a tone when members join and leave (default true). The
        /// newer docs: accepted, but the tone is "not currently guaranteed".
        beep(bool) => flag "beep";
        /// `startConferenceOnEnter`: this caller's arrival starts the room
        /// (default true); false waits for a moderator.
        start_conference_on_enter(bool) => flag "startConferenceOnEnter";
        /// `endConferenceOnExit`: this caller leaving ends the room for
        /// everyone (default false; the newer docs: it kicks every remaining
        /// member, whatever their `stayAlone`).
        end_conference_on_exit(bool) => flag "endConferenceOnExit";
        /// `record`: the older docs say it records the room. The newer ones
        /// say it **produces no file**: put a [`Record`] with
        /// `record_session(true)` before the `<Conference>` instead.
        record(bool) => flag "record";
        /// `stayAlone` (newer docs only): if false (the default), a member
        /// alone in the room is disconnected; set it on legs that may arrive
        /// first.
        stay_alone(bool) => flag "stayAlone";
        /// `relayDTMF` (newer docs only): relay this caller's key presses
        /// into the room.
        relay_dtmf(bool) => flag "relayDTMF";
        /// `hangupOnStar` (newer docs only): pressing `*` takes the caller
        /// out of the room.
        hangup_on_star(bool) => flag "hangupOnStar";
        /// `maxParticipants`: a cap on the room's size (at least 1). The newer
        /// docs: parsed but **not effective**; the account's own cap wins.
        max_participants(u32) => positive "maxParticipants";
        /// `timeLimit`: the longest the room runs, in seconds (at least 1;
        /// Vobiz's default is 14,400), then everyone is disconnected.
        time_limit(u32) => positive "timeLimit";
        /// `waitSound`: a URL returning XML for callers waiting for the room to
        /// start (an absolute `http(s)` URL).
        wait_sound(&str) => url "waitSound";
        /// `waitMethod`: the newer docs say it is **not implemented**: the wait
        /// sound is always fetched with POST.
        wait_method(Method) => method "waitMethod";
        /// `callbackUrl`: where Vobiz sends the room's events (enter and exit;
        /// the older docs add start and end).
        callback_url(&str) => url "callbackUrl";
        /// `callbackMethod`: how the callbacks are sent (default POST).
        callback_method(Method) => method "callbackMethod";
        /// `enterSound` (newer docs only): the sound played when this caller
        /// enters.
        enter_sound(&str) => text "enterSound";
        /// `exitSound` (newer docs only): the sound played when this caller
        /// leaves.
        exit_sound(&str) => text "exitSound";
        /// `digitsMatch` (newer docs only): comma-separated digit patterns; a
        /// match raises a digits-match callback.
        digits_match(&str) => text "digitsMatch";
        /// `recordFileFormat` (newer docs only; default mp3).
        record_file_format(RecordingFormat) => format "recordFileFormat";
        /// `action` (newer docs only): XML fetched after this caller leaves;
        /// the docs say it is "not reliably invoked".
        action(&str) => url "action";
        /// `method`: how `action` is fetched (default POST).
        method(Method) => method "method";
    }
}

/// `<Record>`: records the call; with `record_session(true)` before a
/// `<Conference>`, the newer docs' way of recording a room.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Record {
    tag: Tag,
}

impl Default for Record {
    fn default() -> Self {
        Record::new()
    }
}

impl Record {
    /// `<Record/>` with no attributes.
    pub fn new() -> Self {
        Record {
            tag: Tag::new("Record"),
        }
    }

    setters! {
        /// `recordSession`: record the whole session, in the background.
        record_session(bool) => flag "recordSession";
        /// `playBeep`: a beep before the recording begins (default true).
        play_beep(bool) => flag "playBeep";
        /// `redirect`: fetch and run the XML the `action` URL returns once
        /// the recording is done (default false).
        redirect(bool) => flag "redirect";
        /// `timeout`: the seconds of silence that end the recording (at
        /// least 1; default 60).
        timeout(u32) => positive "timeout";
        /// `finishOnKey`: the keys that stop the recording (any digit, `#`,
        /// `*`; default all of them).
        finish_on_key(&str) => text "finishOnKey";
        /// `callbackMethod`: how `callbackUrl` is called (default POST).
        callback_method(Method) => method "callbackMethod";
        /// `fileFormat` (default mp3).
        file_format(RecordingFormat) => format "fileFormat";
        /// `maxLength`: the longest recording, in seconds (at least 1).
        max_length(u32) => positive "maxLength";
        /// `action`: where the recording's details go when it ends. The
        /// Record page calls it **required**.
        action(&str) => url "action";
        /// `method`: how `action` is called (default POST).
        method(Method) => method "method";
        /// `callbackUrl`: where Vobiz reports the recording once it is ready.
        callback_url(&str) => url "callbackUrl";
    }
}
