//! Every operation with its page's documented arguments
//! (`generated::documented`), for the tests that send all of them through
//! `Client::invoke`: no line names an operation, so one imported tomorrow
//! is covered by the same loops.

use serde_json::Value;
use vobiz::generated::{documented, operations};
use vobiz::invoke::Arguments;
use vobiz::operation::Operation;
use vobiz::testing::FakeVobiz;

/// The conference family keeps rooms; its operations act on one that is
/// live, with members.
pub fn is_stateful(op: &Operation) -> bool {
    op.path.contains("/Conference/")
}

/// A live room for the `i`th operation: two members, being recorded, so
/// that every conference operation can succeed on it. Its name and the
/// first member's id.
pub async fn live_room(fake: &FakeVobiz, client: &vobiz::Client, i: usize) -> (String, String) {
    let room = format!("room {i}");
    fake.add_conference(&room);
    let member = fake.join(&room, "+15550000001");
    fake.join(&room, "+15550000002");
    let recording = Arguments::new().param("conference_name", room.as_str());
    client
        .invoke(&operations::START_CONFERENCE_RECORDING, &recording)
        .await
        .unwrap();
    (room, member)
}

/// `op`'s documented parameters, as sent: the conference family's name
/// `room` and `member`, the account the client's (`None`: left out).
pub fn params(op: &Operation, room: &str, member: &str) -> Vec<(&'static str, Option<Value>)> {
    let exchange = documented::exchange(op).expect("every page documents a success");
    exchange
        .params
        .iter()
        .map(|(name, json)| {
            let value = match *name {
                _ if Some(*name) == op.account_param() => None,
                "conference_name" if is_stateful(op) => Some(Value::from(room)),
                "member_id" if is_stateful(op) => Some(Value::from(member)),
                _ => Some(serde_json::from_str(json).unwrap()),
            };
            (*name, value)
        })
        .collect()
}

/// `op`'s documented arguments (see [`params`]) and body.
pub fn arguments(op: &Operation, room: &str, member: &str) -> Arguments {
    let exchange = documented::exchange(op).expect("every page documents a success");
    let mut args = Arguments::new();
    for (name, value) in params(op, room, member) {
        if let Some(value) = value {
            args = args.param(name, value);
        }
    }
    if let Some(body) = exchange.body {
        args = args.body(serde_json::from_str(body).unwrap());
    }
    args
}
