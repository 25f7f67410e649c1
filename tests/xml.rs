//! Answer documents, read back by an XML parser that shares no code with
//! the builder (roxmltree): whatever the room name and the attribute
//! values, the document parses to exactly them, and no value adds an
//! attribute or an element; what XML or the docs cannot carry is refused.

use proptest::prelude::*;
use vobiz::RecordingFormat;
use vobiz::xml::{Conference, Method, Record, Response};

/// The `<Conference>` of a parsed document: its text and attributes.
fn parsed(xml: &str) -> (String, Vec<(String, String)>, usize) {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "Response");
    let elements: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    let conference = elements
        .iter()
        .find(|n| n.tag_name().name() == "Conference")
        .expect("a Conference element");
    assert_eq!(conference.children().filter(|n| n.is_element()).count(), 0);
    let attributes = conference
        .attributes()
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect();
    (
        conference.text().unwrap_or_default().to_owned(),
        attributes,
        elements.len(),
    )
}

/// Text XML carries unchanged: anything but control characters.
fn text() -> impl Strategy<Value = String> {
    "[^\\p{Cc}\u{FFFE}\u{FFFF}]{1,40}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: any room name and any attribute value round-trip exactly,
    /// and none adds an attribute or an element.
    #[test]
    fn names_and_values_round_trip(
        name in text(),
        enter in text(),
        digits in text(),
        path in "[a-zA-Z0-9/&<>\"'=._~-]{0,20}",
        limit in 1u32..,
        muted in any::<bool>(),
    ) {
        let callback = format!("https://example.com/{path}");
        let xml = Response::new()
            .add(Record::new().record_session(true))
            .add(
                Conference::new(name.as_str())
                    .muted(muted)
                    .enter_sound(&enter)
                    .digits_match(&digits)
                    .callback_url(&callback)
                    .time_limit(limit),
            )
            .to_xml()
            .unwrap();
        let (text, attributes, elements) = parsed(&xml);
        prop_assert_eq!(text, name);
        prop_assert_eq!(elements, 2);
        let expected_url = url::Url::parse(&callback).unwrap().to_string();
        let expected: Vec<(String, String)> = [
            ("muted", muted.to_string()),
            ("enterSound", enter),
            ("digitsMatch", digits),
            ("callbackUrl", expected_url),
            ("timeLimit", limit.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        prop_assert_eq!(attributes, expected);
    }

    /// Promise: a name XML cannot carry unchanged is refused, not altered.
    #[test]
    fn names_with_controls_are_refused(
        before in "[a-z]{0,5}",
        control in proptest::char::range('\u{0}', '\u{1f}'),
        after in "[a-z]{0,5}",
    ) {
        let name = format!("{before}{control}{after}");
        let err = Response::new().add(Conference::new(name)).to_xml().unwrap_err();
        prop_assert!(err.is_invalid_input(), "{err}");
    }
}

#[test]
fn every_documented_attribute_has_its_name() {
    let xml = Response::new()
        .add(
            Conference::new("Team Standup")
                .muted(false)
                .beep(true)
                .start_conference_on_enter(true)
                .end_conference_on_exit(true)
                .max_participants(10)
                .wait_sound("https://example.com/wait.xml")
                .wait_method(Method::Get)
                .callback_url("https://example.com/conference-events")
                .callback_method(Method::Post)
                .record(true)
                .stay_alone(true)
                .enter_sound("beep:1")
                .exit_sound("beep:2")
                .relay_dtmf(true)
                .digits_match("123,456")
                .hangup_on_star(true)
                .record_file_format(RecordingFormat::Wav)
                .time_limit(3600)
                .action("https://example.com/after")
                .method(Method::Get),
        )
        .to_xml()
        .unwrap();
    let (_, attributes, _) = parsed(&xml);
    let names: Vec<&str> = attributes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "muted",
            "beep",
            "startConferenceOnEnter",
            "endConferenceOnExit",
            "maxParticipants",
            "waitSound",
            "waitMethod",
            "callbackUrl",
            "callbackMethod",
            "record",
            "stayAlone",
            "enterSound",
            "exitSound",
            "relayDTMF",
            "digitsMatch",
            "hangupOnStar",
            "recordFileFormat",
            "timeLimit",
            "action",
            "method"
        ]
    );
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"));
}

#[test]
fn what_the_docs_do_not_allow_is_refused() {
    let refused = [
        Conference::new(""),
        Conference::new("room").max_participants(0),
        Conference::new("room").time_limit(0),
        Conference::new("room").callback_url("ftp://example.com/x"),
        Conference::new("room").callback_url(" https://example.com/x"),
        Conference::new("room").callback_url("https://example.com/a\r\nX: 1"),
        Conference::new("room").wait_sound("/relative"),
        Conference::new("room").enter_sound("a\nb"),
    ];
    for conference in refused {
        let err = Response::new()
            .add(conference.clone())
            .to_xml()
            .unwrap_err();
        assert!(err.is_invalid_input(), "{conference:?}: {err}");
    }
    let err = Response::new()
        .add(Record::new().max_length(0))
        .to_xml()
        .unwrap_err();
    assert!(err.to_string().contains("maxLength"), "{err}");
    assert_eq!(
        Response::new().to_xml().unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response></Response>"
    );
}

/// Promise (issue 22, item 9): `<Record>` has the Record page's
/// attributes, `action` (which the page calls required) among them, and
/// refuses a timeout of 0 as it refuses every non-positive number.
#[test]
fn record_has_the_record_pages_attributes() {
    let xml = Response::new()
        .add(
            Record::new()
                .action("https://example.com/recordings")
                .record_session(true)
                .play_beep(false)
                .redirect(true)
                .timeout(30)
                .finish_on_key("#")
                .callback_url("https://example.com/ready")
                .callback_method(Method::Get),
        )
        .to_xml()
        .unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let record = doc.root_element().first_element_child().unwrap();
    assert_eq!(record.tag_name().name(), "Record");
    let attributes: Vec<(String, String)> = record
        .attributes()
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect();
    for (name, value) in [
        ("action", "https://example.com/recordings"),
        ("playBeep", "false"),
        ("redirect", "true"),
        ("timeout", "30"),
        ("finishOnKey", "#"),
        ("callbackMethod", "GET"),
    ] {
        assert!(
            attributes.contains(&(name.to_owned(), value.to_owned())),
            "{name}: {xml}"
        );
    }
    assert!(
        Response::new()
            .add(Record::new().timeout(0))
            .to_xml()
            .is_err()
    );
}
