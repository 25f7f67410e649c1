//! A 2xx answer that departs from the spec is an `Error::Decode` that names
//! the field, read from the schema generation wrote into the operation's
//! table entry: through the handwritten `details()` and through the generic
//! `client.call(..)` alike. The bodies are built here (our own fixtures);
//! one field of an otherwise valid answer gets a value of another JSON
//! type, and the error must name that field and that type.

mod common;

use common::{AUTH_ID, RawServer};
use proptest::prelude::*;
use serde_json::{Value, json};
use vobiz::Error;

/// A value of each JSON kind but `kind`, with the words the error uses.
fn wrong_for(kind: &'static str) -> impl Strategy<Value = (Value, &'static str)> {
    let all = [
        (json!("text"), "a string", "string"),
        (json!(7), "an integer", "integer"),
        (json!(true), "a boolean", "boolean"),
        (json!([1]), "an array", "array"),
        (json!({"a": 1}), "an object", "object"),
    ];
    let others: Vec<(Value, &'static str)> = all
        .into_iter()
        .filter(|(_, _, k)| *k != kind)
        .map(|(v, words, _)| (v, words))
        .collect();
    proptest::sample::select(others)
}

/// A member as the spec allows it: optional fields present, absent or null.
fn member() -> impl Strategy<Value = Value> {
    (any::<Option<bool>>(), 0..3u8, 1..999u32).prop_map(|(muted, join, id)| {
        let mut m = json!({"member_id": id.to_string()});
        if let Some(muted) = muted {
            m["muted"] = json!(muted);
        }
        match join {
            0 => {}
            1 => m["join_time"] = Value::Null,
            _ => m["join_time"] = json!("12"),
        }
        m
    })
}

/// Where the wrong value goes: a top-level string, or a member's field.
#[derive(Debug, Clone)]
enum Place {
    Top(&'static str),
    Member(usize, &'static str, &'static str),
}

fn place(members: usize) -> impl Strategy<Value = Place> {
    prop_oneof![
        proptest::sample::select(vec![
            "api_id",
            "conference_name",
            "conference_run_time",
            "conference_member_count"
        ])
        .prop_map(Place::Top),
        (
            0..members,
            proptest::sample::select(vec![
                ("member_id", "string"),
                ("muted", "boolean"),
                ("deaf", "boolean"),
                ("join_time", "string"),
            ])
        )
            .prop_map(|(i, (field, kind))| Place::Member(i, field, kind)),
    ]
}

/// The error of a 200 whose body does not fit.
fn is_decode_of_200(err: &Error) -> bool {
    matches!(
        err,
        Error::Decode {
            status: Some(200),
            ..
        }
    )
}

fn client(server: &RawServer) -> vobiz::Client {
    common::client_as(&server.base_url(), AUTH_ID, common::TOKEN)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Promise: `details()` names the field, at any depth, whatever the
    /// wrong JSON type, and other members' valid nulls are not blamed.
    #[test]
    fn details_name_the_field_that_departs(
        (members, place, wrong) in proptest::collection::vec(member(), 1..4)
            .prop_flat_map(|members| {
                let n = members.len();
                (Just(members), place(n))
            })
            .prop_flat_map(|(members, place)| {
                let kind = match &place {
                    Place::Top(_) => "string",
                    Place::Member(_, _, kind) => kind,
                };
                (Just(members), Just(place), wrong_for(kind))
            })
    ) {
        let (value, words) = wrong;
        let mut body = json!({
            "api_id": "a", "conference_name": "r", "conference_run_time": "5",
            "conference_member_count": members.len().to_string(), "members": members,
        });
        let (path, expected) = match place {
            Place::Top(field) => {
                body[field] = value;
                (field.to_owned(), "string")
            }
            Place::Member(i, field, kind) => {
                body["members"][i][field] = value;
                (format!("members[{i}].{field}"), kind)
            }
        };
        let err = common::block_on(async {
            let server = RawServer::start(common::NO_CONTENT).await;
            server.respond_with(200, body.to_string().as_bytes());
            client(&server).conference("r").details().await.unwrap_err()
        });
        prop_assert!(is_decode_of_200(&err), "{err:?}");
        let said = format!("{path} is {words}, not {expected}");
        prop_assert!(err.to_string().contains(&said), "{said} / {err}");
    }

    /// Promise: a generic call (`client.call`) names the field too, from
    /// the same table, with no code written for the operation.
    #[test]
    fn a_generic_call_names_the_field_that_departs(
        names in proptest::collection::vec("[a-z]{1,8}", 1..5),
        at in any::<prop::sample::Index>(),
        (value, words) in wrong_for("string"),
    ) {
        let i = at.index(names.len());
        let mut body = json!({"api_id": "a", "conferences": names});
        body["conferences"][i] = value;
        let err = common::block_on(async {
            let server = RawServer::start(common::NO_CONTENT).await;
            server.respond_with(200, body.to_string().as_bytes());
            let c = client(&server);
            c.call(c.api().list_conferences().send()).await.unwrap_err()
        });
        prop_assert!(is_decode_of_200(&err), "{err:?}");
        let said = format!("conferences[{i}] is {words}, not string");
        prop_assert!(err.to_string().contains(&said), "{said} / {err}");
    }
}

/// Promise: a value the spec does not list (the error answer's `error` is
/// documented as `failed` only) is named with the documented values, and
/// the server's own word is not repeated.
#[tokio::test]
async fn a_value_the_spec_does_not_list_is_named() {
    let server = RawServer::start(common::NO_CONTENT).await;
    server.respond_with(200, br#"{"api_id":"a","error":"melted-core"}"#);
    let err = client(&server).conference("r").details().await.unwrap_err();
    assert!(is_decode_of_200(&err), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(r#"error is not one of "failed""#), "{text}");
    assert!(!text.contains("melted"), "{text}");
}
