//! The conference callbacks the simulator sends once it is given a
//! callback URL ([`FakeVobiz::send_callbacks_to`](crate::testing::FakeVobiz::send_callbacks_to)):
//! `start` when a room begins, `enter` and `exit` as members come and go
//! (with the newer docs' `ConferenceMemberID`, `ConferenceFirstMember` and
//! `ConferenceLastMember`), `end` when it ends, form-encoded POSTs signed as
//! Vobiz signs them (V3 and V2, with the simulator's token). Each is sent
//! on its own, so, as on Vobiz, delivery order is not event order.

use super::FakeMember;
use crate::testing::state::{State, lock};

/// Where callbacks go, and how they are sent.
#[derive(Debug)]
pub(super) struct Callbacks {
    pub(super) url: String,
    pub(super) client: reqwest::Client,
    pub(super) runtime: tokio::runtime::Handle,
}

/// One room's identity in its events.
pub(super) struct RoomId<'a> {
    pub(super) name: &'a str,
    pub(super) uuid: &'a str,
}

pub(super) fn started(state: &State, room: &RoomId) {
    send(state, room, "start", &[]);
}

pub(super) fn ended(state: &State, room: &RoomId) {
    send(
        state,
        room,
        "end",
        &[("ConferenceCurrentSize", "0".to_owned())],
    );
}

pub(super) fn entered(state: &State, room: &RoomId, member: &FakeMember, first: bool) {
    let fields = [
        ("Event", "ConferenceEnter".to_owned()),
        ("ConferenceMemberID", member.id.clone()),
        ("ConferenceFirstMember", first.to_string()),
        ("CallUUID", member.call_uuid.clone()),
        ("From", member.from.clone()),
        ("To", member.to.clone()),
        ("Direction", member.direction.clone()),
        ("CallStatus", "in-progress".to_owned()),
    ];
    send(state, room, "enter", &fields);
}

pub(super) fn exited(state: &State, room: &RoomId, member: &FakeMember, last: bool) {
    let fields = [
        ("Event", "ConferenceExit".to_owned()),
        ("ConferenceMemberID", member.id.clone()),
        ("ConferenceLastMember", last.to_string()),
        ("CallUUID", member.call_uuid.clone()),
    ];
    send(state, room, "exit", &fields);
}

/// A random 20-digit nonce, the documented form.
fn nonce() -> String {
    (0..20)
        .map(|_| char::from(b'0' + fastrand::u8(0..10)))
        .collect()
}

fn send(state: &State, room: &RoomId, action: &str, fields: &[(&str, String)]) {
    let callbacks = lock(&state.conference.callbacks);
    let Some(callbacks) = callbacks.as_ref() else {
        return;
    };
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("ConferenceAction", action)
        .append_pair("ConferenceName", room.name)
        .append_pair("ConferenceUUID", room.uuid);
    for (name, value) in fields {
        form.append_pair(name, value);
    }
    let body = form.finish();
    // Each signature has its own nonce, as in a callback Vobiz sent.
    let (nonce, v2_nonce) = (nonce(), nonce());
    let base = callbacks.url.split(['?', '#']).next().unwrap_or_default();
    let v3 = crate::callbacks::sign(&state.auth_token, &format!("{base}.{nonce}"));
    let v2 = crate::callbacks::sign(&state.auth_token, &format!("{base}{v2_nonce}"));
    let request = callbacks
        .client
        .post(&callbacks.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("user-agent", "Vobiz")
        .header("x-vobiz-signature-v3", v3)
        .header("x-vobiz-signature-v3-nonce", &nonce)
        .header("x-vobiz-signature-v2", v2)
        .header("x-vobiz-signature-v2-nonce", &v2_nonce)
        .body(body);
    // A receiver that is down loses the event, as Vobiz's would after its
    // retries.
    callbacks.runtime.spawn(async move {
        let _ = request.send().await;
    });
}
