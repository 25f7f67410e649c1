//! Conference callbacks: signatures computed here from Vobiz's documented
//! formula (with the `hmac` crate, not the crate's own signer), then
//! verified; the registry fed in any order.

use base64::Engine;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use sha2::Sha256;
use vobiz::callbacks::{CallbackError, ConferenceAction, ConferenceEvent, LiveRooms, NonceCache};

const TOKEN: &str = "callback-token-4821";
const PARENT: &str = "parent-token-9917";

fn hmac(key: &str, message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    V2,
    V3,
    MaV2,
    MaV3,
}

const KINDS: [Kind; 4] = [Kind::V2, Kind::V3, Kind::MaV2, Kind::MaV3];

/// Headers signing `base` (the URL without its query) with `nonce`.
fn signed(kind: Kind, key: &str, base: &str, nonce: &str) -> HeaderMap {
    let (header, nonce_header, message) = match kind {
        Kind::V2 => (
            "x-vobiz-signature-v2",
            "x-vobiz-signature-v2-nonce",
            format!("{base}{nonce}"),
        ),
        Kind::V3 => (
            "x-vobiz-signature-v3",
            "x-vobiz-signature-v3-nonce",
            format!("{base}.{nonce}"),
        ),
        Kind::MaV2 => (
            "x-vobiz-signature-ma-v2",
            "x-vobiz-signature-v2-nonce",
            format!("{base}{nonce}"),
        ),
        Kind::MaV3 => (
            "x-vobiz-signature-ma-v3",
            "x-vobiz-signature-v3-nonce",
            format!("{base}.{nonce}"),
        ),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header, HeaderValue::from_str(&hmac(key, &message)).unwrap());
    headers.insert(nonce_header, HeaderValue::from_str(nonce).unwrap());
    headers
}

fn key_for(kind: Kind) -> &'static str {
    match kind {
        Kind::V2 | Kind::V3 => TOKEN,
        Kind::MaV2 | Kind::MaV3 => PARENT,
    }
}

const BODY: &[u8] = b"ConferenceAction=enter&Event=ConferenceEnter&ConferenceUUID=u-1&ConferenceName=Weekly+Standup&ConferenceMemberID=2&ConferenceFirstMember=true&CallUUID=c-1&From=%2B15550100";

fn verify(url: &str, headers: &HeaderMap) -> Result<ConferenceEvent, CallbackError> {
    ConferenceEvent::from_request_with_parent(TOKEN, PARENT, url, headers, BODY)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: every documented signature is accepted; the query does not
    /// matter; any change to the path, host, nonce, signature or token is
    /// refused.
    #[test]
    fn signatures_hold_to_the_url_nonce_and_token(
        kind in proptest::sample::select(&KINDS[..]),
        // (No dot segments: URL parsing resolves them on either side.)
        path in "(/[a-zA-Z0-9_~-]{1,8}){1,3}",
        query in "[a-zA-Z0-9=&]{0,20}",
        other_query in "[a-zA-Z0-9=&]{0,20}",
        nonce in "[0-9]{20}",
        flip in 0usize..40,
    ) {
        let base = format!("https://hooks.example.com{path}");
        let headers = signed(kind, key_for(kind), &base, &nonce);
        let event = verify(&format!("{base}?{query}"), &headers).unwrap();
        prop_assert_eq!(event.action(), &ConferenceAction::Enter);
        prop_assert_eq!(event.conference_name(), "Weekly Standup");
        prop_assert_eq!(event.nonce(), nonce.as_str());
        // The query is not signed: another one changes nothing.
        let requeried = format!("{base}?{other_query}");
        prop_assert!(verify(&requeried, &headers).is_ok());

        let wrong = |result: Result<ConferenceEvent, CallbackError>| {
            matches!(result, Err(CallbackError::WrongSignature | CallbackError::MalformedSignature { .. }))
        };
        let longer = format!("{base}x");
        prop_assert!(wrong(verify(&longer, &headers)));
        prop_assert!(wrong(verify(&base.replace("hooks.", "hook."), &headers)));
        let other_nonce = signed(kind, key_for(kind), &base, &nonce);
        let mut tampered = other_nonce.clone();
        let nonce_header = tampered.keys().find(|k| k.as_str().ends_with("nonce")).unwrap().clone();
        let changed = format!("{}{}", &nonce[..19], (nonce.as_bytes()[19] - b'0' + 1) % 10);
        tampered.insert(nonce_header, HeaderValue::from_str(&changed).unwrap());
        prop_assert!(wrong(verify(&base, &tampered)));
        let mut tampered = headers.clone();
        let signature_header = tampered.keys().find(|k| !k.as_str().ends_with("nonce")).unwrap().clone();
        let mut signature = tampered[&signature_header].to_str().unwrap().to_owned().into_bytes();
        let at = flip % (signature.len() - 1);
        signature[at] = if signature[at] == b'A' { b'B' } else { b'A' };
        tampered.insert(signature_header, HeaderValue::from_bytes(&signature).unwrap());
        prop_assert!(wrong(verify(&base, &tampered)));
        let other_token = signed(kind, "another-token-1234", &base, &nonce);
        prop_assert!(wrong(verify(&base, &other_token)));
    }
}

#[test]
fn each_refusal_has_its_own_kind_and_shows_no_token() {
    let base = "https://hooks.example.com/cb";
    let nonce = "12345678901234567890";
    let mut legacy = HeaderMap::new();
    legacy.insert("x-vobiz-signature", HeaderValue::from_static("c2hhMQ=="));
    let missing = ConferenceEvent::from_request(TOKEN, base, &legacy, BODY).unwrap_err();
    assert_eq!(missing, CallbackError::MissingSignature);
    let mut no_nonce = signed(Kind::V3, TOKEN, base, nonce);
    no_nonce.remove("x-vobiz-signature-v3-nonce");
    assert!(matches!(
        ConferenceEvent::from_request(TOKEN, base, &no_nonce, BODY),
        Err(CallbackError::MissingNonce { .. })
    ));
    let mut malformed = signed(Kind::V2, TOKEN, base, nonce);
    malformed.insert(
        "x-vobiz-signature-v2",
        HeaderValue::from_static("not base64!"),
    );
    assert!(matches!(
        ConferenceEvent::from_request(TOKEN, base, &malformed, BODY),
        Err(CallbackError::MalformedSignature { .. })
    ));
    // MA signatures need the parent's token.
    let parent_signed = signed(Kind::MaV3, PARENT, base, nonce);
    assert_eq!(
        ConferenceEvent::from_request(TOKEN, base, &parent_signed, BODY).unwrap_err(),
        CallbackError::MissingSignature
    );
    let good = signed(Kind::V3, TOKEN, base, nonce);
    for (field, body) in [
        (
            "ConferenceName",
            &b"ConferenceAction=enter&ConferenceUUID=u"[..],
        ),
        ("ConferenceUUID", b"ConferenceAction=enter&ConferenceName=r"),
    ] {
        let err = ConferenceEvent::from_request(TOKEN, base, &good, body).unwrap_err();
        assert_eq!(err, CallbackError::MissingField(field));
        assert!(!err.to_string().contains(TOKEN));
    }
    let other = ConferenceEvent::from_request(
        TOKEN,
        base,
        &good,
        b"ConferenceAction=digitsmatch&ConferenceUUID=u&ConferenceName=r",
    )
    .unwrap();
    assert_eq!(
        other.action(),
        &ConferenceAction::Other("digitsmatch".into())
    );
    // GET: the parameters are in the query.
    let get = ConferenceEvent::from_request(
        TOKEN,
        &format!("{base}?ConferenceAction=end&ConferenceUUID=u&ConferenceName=r&RecordingUrl=https%3A%2F%2Fr.example%2F1.mp3&ConferenceCurrentSize=0"),
        &good,
        b"",
    )
    .unwrap();
    assert_eq!(get.action(), &ConferenceAction::End);
    assert_eq!(
        (get.current_size(), get.recording_url()),
        (Some(0), Some("https://r.example/1.mp3"))
    );
    assert!(!format!("{get:?}").contains(TOKEN));
    let cache = NonceCache::new(std::time::Duration::from_secs(300));
    cache.check(&get).unwrap();
    assert_eq!(cache.check(&get).unwrap_err(), CallbackError::Replayed);
}

/// A callback event, built without a signature check, through the public
/// API: sign it here and verify it.
fn event(params: &str) -> ConferenceEvent {
    let base = "https://hooks.example.com/cb";
    let headers = signed(Kind::V3, TOKEN, base, "11111111111111111111");
    ConferenceEvent::from_request(TOKEN, base, &headers, params.as_bytes()).unwrap()
}

/// One room's events in the order they happened: members come and go,
/// the last exit says so (newer docs) or an `end` follows (older docs).
fn history() -> impl Strategy<Value = Vec<String>> {
    (1usize..6, 0usize..6, any::<bool>(), any::<bool>()).prop_map(|(joined, left, older, ends)| {
        let left = left.min(joined);
        let mut events = Vec::new();
        let room = "ConferenceUUID=u-7&ConferenceName=room";
        if older {
            events.push(format!("ConferenceAction=start&{room}"));
        }
        for m in 0..joined {
            events.push(format!("ConferenceAction=enter&{room}&ConferenceMemberID={m}&CallUUID=c{m}"));
        }
        for m in 0..left {
            let last = !older && ends && m + 1 == left && left == joined;
            events.push(format!(
                "ConferenceAction=exit&{room}&ConferenceMemberID={m}&CallUUID=c{m}&ConferenceLastMember={last}"
            ));
        }
        if older && ends {
            events.push(format!("ConferenceAction=end&{room}"));
        }
        events
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: any delivery order of a room's events, with duplicates,
    /// gives the same rooms and members as the true order.
    #[test]
    fn the_registry_does_not_depend_on_delivery_order(
        (events, order) in history().prop_flat_map(|events| {
            let n = events.len();
            (Just(events), proptest::collection::vec(0..n, n..n * 2))
        })
    ) {
        let truth = LiveRooms::new();
        for e in &events {
            truth.apply(&event(e));
        }
        let shuffled = LiveRooms::new();
        // Every event at least once, in another order, some twice.
        let mut delivered: Vec<usize> = (0..events.len()).rev().collect();
        delivered.extend(order);
        for i in delivered {
            shuffled.apply(&event(&events[i]));
        }
        prop_assert_eq!(shuffled.rooms(), truth.rooms());
        prop_assert_eq!(shuffled.members("room"), truth.members("room"));
        prop_assert_eq!(shuffled.is_live("room"), truth.is_live("room"));
    }
}

#[test]
fn a_room_lives_from_its_first_member_to_its_last() {
    let rooms = LiveRooms::new();
    let room = "ConferenceUUID=u-1&ConferenceName=standup";
    rooms.apply(&event(&format!(
        "ConferenceAction=enter&{room}&ConferenceMemberID=1"
    )));
    rooms.apply(&event(&format!(
        "ConferenceAction=enter&{room}&ConferenceMemberID=2"
    )));
    assert_eq!(
        (rooms.rooms(), rooms.members("standup")),
        (
            vec!["standup".to_owned()],
            vec!["1".to_owned(), "2".to_owned()]
        )
    );
    rooms.apply(&event(&format!(
        "ConferenceAction=exit&{room}&ConferenceMemberID=1"
    )));
    assert!(rooms.is_live("standup"));
    rooms.apply(&event(&format!(
        "ConferenceAction=exit&{room}&ConferenceMemberID=2&ConferenceLastMember=true"
    )));
    assert!(!rooms.is_live("standup") && rooms.rooms().is_empty());
    // A late enter of the same room does not revive it.
    rooms.apply(&event(&format!(
        "ConferenceAction=enter&{room}&ConferenceMemberID=3"
    )));
    assert!(!rooms.is_live("standup"));
    // The same name, a new room (UUID): live again.
    rooms.apply(&event(
        "ConferenceAction=enter&ConferenceUUID=u-2&ConferenceName=standup&CallUUID=c-9",
    ));
    assert_eq!(rooms.members("standup"), ["c-9"]);
}

/// Headers as a real Vobiz callback carries them: V3 and V2, each with its
/// own nonce.
fn both_signed(key: &str, base: &str, v3_nonce: &str, v2_nonce: &str) -> HeaderMap {
    let mut headers = signed(Kind::V3, key, base, v3_nonce);
    headers.extend(signed(Kind::V2, key, base, v2_nonce));
    headers
}

const END_BODY: &[u8] = b"ConferenceAction=end&ConferenceUUID=u-1&ConferenceName=Weekly+Standup";

/// Promise (issue 22, break 2): an empty or short key verifies nothing,
/// whoever signed with it.
#[test]
fn an_empty_or_short_key_verifies_nothing() {
    let base = "https://hooks.example.com/cb";
    let nonce = "12345678901234567890";
    for key in ["", "short"] {
        let forged = signed(Kind::V3, key, base, nonce);
        assert_eq!(
            ConferenceEvent::from_request(key, base, &forged, END_BODY).unwrap_err(),
            CallbackError::UnusableKey { min: 8 }
        );
        let forged = signed(Kind::MaV2, key, base, nonce);
        assert_eq!(
            ConferenceEvent::from_request_with_parent(TOKEN, key, base, &forged, END_BODY)
                .unwrap_err(),
            CallbackError::UnusableKey { min: 8 }
        );
    }
}

/// Promise (break 3): a signature is bound to its own scheme, URL and
/// nonce; shifting characters between URL, separator and nonce is refused.
#[test]
fn nonces_cannot_be_shifted_between_schemes_or_into_the_path() {
    let base = "https://hooks.example.com/events";
    let nonce = "12345678901234567890";
    // A V3 signature over URL.N, presented as V2 with the nonce `.N`.
    let v3 = signed(Kind::V3, TOKEN, base, nonce);
    let mut as_v2 = HeaderMap::new();
    as_v2.insert("x-vobiz-signature-v2", v3["x-vobiz-signature-v3"].clone());
    as_v2.insert(
        "x-vobiz-signature-v2-nonce",
        HeaderValue::from_str(&format!(".{nonce}")).unwrap(),
    );
    assert!(ConferenceEvent::from_request(TOKEN, base, &as_v2, END_BODY).is_err());
    // ... or as V2 for the URL ending in `.` with the same nonce.
    as_v2.insert(
        "x-vobiz-signature-v2-nonce",
        HeaderValue::from_static(nonce),
    );
    let dotted = format!("{base}.");
    assert_eq!(
        ConferenceEvent::from_request(TOKEN, &dotted, &as_v2, END_BODY).unwrap_err(),
        CallbackError::WrongSignature
    );
    // A V2 signature for /events + 1N...: read as /events1 + N....
    let v2 = signed(Kind::V2, TOKEN, base, nonce);
    let mut shifted = v2.clone();
    shifted.insert(
        "x-vobiz-signature-v2-nonce",
        HeaderValue::from_str(&nonce[1..]).unwrap(),
    );
    let longer = format!("{base}1");
    assert_eq!(
        ConferenceEvent::from_request(TOKEN, &longer, &shifted, END_BODY).unwrap_err(),
        CallbackError::MalformedNonce {
            header: "x-vobiz-signature-v2-nonce"
        }
    );
    // Only 20 ASCII digits are a nonce, even when signed over.
    for odd in [
        "1234567890123456789",
        "123456789012345678901",
        "1234567890123456789a",
        "１2345678901234567890",
    ] {
        let headers = signed(Kind::V2, TOKEN, base, odd);
        assert!(matches!(
            ConferenceEvent::from_request(TOKEN, base, &headers, END_BODY),
            Err(CallbackError::MalformedNonce { .. })
        ));
    }
}

/// Promise (break 3, the rule): a malformed header counts as a wrong one;
/// any one valid signature proves the request, whatever the others are.
#[test]
fn a_malformed_signature_header_counts_as_a_wrong_one() {
    let base = "https://hooks.example.com/cb";
    let good_v2 = signed(Kind::V2, TOKEN, base, "22222222222222222222");
    for (v3, v3_nonce) in [
        ("not base64!", "33333333333333333333"),
        ("c2lnbmF0dXJl", "33333333333333333333"),
        ("c2lnbmF0dXJl", "no nonce here"),
    ] {
        let mut headers = good_v2.clone();
        headers.insert("x-vobiz-signature-v3", HeaderValue::from_static(v3));
        headers.insert(
            "x-vobiz-signature-v3-nonce",
            HeaderValue::from_str(v3_nonce).unwrap(),
        );
        let event = ConferenceEvent::from_request(TOKEN, base, &headers, END_BODY).unwrap();
        assert_eq!(event.nonce(), "22222222222222222222");
        // With the valid one gone, the malformed one proves nothing.
        headers.remove("x-vobiz-signature-v2");
        assert!(ConferenceEvent::from_request(TOKEN, base, &headers, END_BODY).is_err());
    }
}

/// Promise (breaks 3 and 4): every nonce a callback carries is remembered,
/// so a replay that keeps one of its two signatures, with any body, is
/// refused; the cache holds a bounded number.
#[test]
fn a_replay_keeping_one_signature_is_refused() {
    let base = "https://hooks.example.com/cb";
    let (n3, n2) = ("33333333333333333333", "22222222222222222222");
    let original = both_signed(TOKEN, base, n3, n2);
    let cache = NonceCache::new(std::time::Duration::from_secs(300));
    let event = ConferenceEvent::from_request(TOKEN, base, &original, BODY).unwrap();
    assert_eq!(event.nonces().collect::<Vec<_>>(), [n3, n2]);
    cache.check(&event).unwrap();
    for dropped in ["x-vobiz-signature-v3", "x-vobiz-signature-v2"] {
        let mut replay = original.clone();
        replay.remove(dropped);
        replay.remove(format!("{dropped}-nonce"));
        let replayed = ConferenceEvent::from_request(TOKEN, base, &replay, END_BODY).unwrap();
        assert_eq!(cache.check(&replayed).unwrap_err(), CallbackError::Replayed);
    }
    let small = NonceCache::with_capacity(std::time::Duration::from_secs(300), 3);
    for i in 0..10u8 {
        let nonce = format!("{:020}", i);
        let headers = signed(Kind::V3, TOKEN, base, &nonce);
        let event = ConferenceEvent::from_request(TOKEN, base, &headers, BODY).unwrap();
        small.check(&event).unwrap();
    }
    assert_eq!(small.len(), 3);
}

/// Promise (break 9): the signed `waitSound` request is told apart from a
/// malformed callback, and changes no room.
#[test]
fn the_wait_sound_request_is_its_own_kind() {
    let base = "https://hooks.example.com/wait";
    let headers = signed(Kind::V3, TOKEN, base, "44444444444444444444");
    let body = b"ConferenceAction=waitSound&Event=ConferenceRemoteSounds&ConferenceName=standup&CallUUID=c-1&From=1&To=2";
    let event = ConferenceEvent::from_request(TOKEN, base, &headers, body).unwrap();
    assert!(event.is_wait_sound());
    assert_eq!(event.action(), &ConferenceAction::WaitSound);
    let rooms = LiveRooms::new();
    rooms.apply(&event);
    assert_eq!(rooms.tracked(), 0);
    // Another action without a ConferenceUUID is still malformed.
    let other = b"ConferenceAction=enter&ConferenceName=standup";
    assert_eq!(
        ConferenceEvent::from_request(TOKEN, base, &headers, other).unwrap_err(),
        CallbackError::MissingField("ConferenceUUID")
    );
}

/// Promise (break 5): a member id Vobiz gives to the next caller does not
/// make the registry lose a live room.
#[test]
fn a_reused_member_id_keeps_the_room_live() {
    let rooms = LiveRooms::new();
    let room = "ConferenceUUID=u-5&ConferenceName=standup";
    let step = |action: &str, id: u8, call: &str| {
        rooms.apply(&event(&format!(
            "ConferenceAction={action}&{room}&ConferenceMemberID={id}&CallUUID={call}"
        )));
    };
    step("enter", 1, "call-a");
    step("enter", 2, "call-b");
    step("exit", 1, "call-a");
    step("enter", 1, "call-c");
    step("exit", 2, "call-b");
    assert_eq!(rooms.rooms(), ["standup"]);
    assert_eq!(rooms.members("standup"), ["call-c"]);
}

/// Promise (break 6): rooms that ended are forgotten after the window;
/// what is held is what is live.
#[test]
fn ended_rooms_are_forgotten_after_the_window() {
    let rooms = LiveRooms::forgetting_after(std::time::Duration::ZERO);
    for i in 0..2_000 {
        let room = format!("ConferenceUUID=u-{i}&ConferenceName=r{i}");
        rooms.apply(&event(&format!("ConferenceAction=start&{room}")));
        rooms.apply(&event(&format!(
            "ConferenceAction=enter&{room}&ConferenceMemberID=1&CallUUID=c{i}"
        )));
        if i % 100 != 0 {
            rooms.apply(&event(&format!(
                "ConferenceAction=exit&{room}&ConferenceMemberID=1&CallUUID=c{i}&ConferenceLastMember=true"
            )));
        }
    }
    assert_eq!(rooms.tracked(), 20);
    assert_eq!(rooms.rooms().len(), 20);
    assert_eq!(rooms.members("r100"), ["c100"]);
    // Within the default window an ended room stays ended.
    let kept = LiveRooms::new();
    kept.apply(&event(
        "ConferenceAction=end&ConferenceUUID=u-1&ConferenceName=r",
    ));
    kept.apply(&event(
        "ConferenceAction=enter&ConferenceUUID=u-1&ConferenceName=r&CallUUID=c",
    ));
    assert!(!kept.is_live("r"));
    assert_eq!(kept.tracked(), 1);
}

/// Promise (break 6): reading the live rooms and each room's members costs
/// in proportion to what is live, not to every room ever seen (it was
/// quadratic: 4,000 live rooms took 1.2 s, and the 40,000 here minutes).
#[test]
fn reading_every_live_room_is_not_quadratic() {
    let rooms = LiveRooms::new();
    for i in 0..40_000 {
        rooms.apply(&event(&format!(
            "ConferenceAction=enter&ConferenceUUID=u-{i}&ConferenceName=r{i}&CallUUID=c{i}"
        )));
    }
    // All on this thread, nothing to wait for: the length is read after.
    let started = std::time::Instant::now();
    let live = rooms.rooms();
    let members: usize = live.iter().map(|name| rooms.members(name).len()).sum();
    let took = started.elapsed();
    assert_eq!((live.len(), members), (40_000, 40_000));
    assert!(
        took < std::time::Duration::from_secs(20),
        "40,000 live rooms took {took:?} to read"
    );
}
