//! The 14 Conference operations as data, so that one test can run a check
//! across all of them: how to call each through `client.api()`, and what
//! the spec says it sends and answers.

use std::future::Future;
use std::pin::Pin;

use vobiz::generated::{operations, types};
use vobiz::operation::Operation;
use vobiz::{Client, Error};

/// The path parameters of one call.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    pub auth_id: &'a str,
    pub conference: &'a str,
    pub member: &'a str,
}

pub type Outcome<'a> = Pin<Box<dyn Future<Output = Result<u16, Error>> + Send + 'a>>;

/// One generated operation, as the spec defines it.
pub struct Op {
    /// The operation, as generation names it.
    pub op: &'static Operation,
    /// The JSON body the call below sends, if any.
    pub body: Option<&'static str>,
    /// The documented success status and a body of the documented shape.
    pub status: u16,
    pub response: &'static str,
    /// Calls it through `client.call(client.api().<op>(..))`; the success
    /// status, or the error.
    pub call: for<'a> fn(&'a Client, Args<'a>) -> Outcome<'a>,
}

impl Op {
    /// The spec's operationId.
    pub fn id(&self) -> &'static str {
        self.op.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.op.method.as_str()
    }

    /// The path template; `{auth_id}`, `{conference_name}`, `{member_id}`.
    pub fn template(&self) -> &'static str {
        self.op.path
    }

    /// Whether the template has a `{member_id}` segment.
    pub fn has_member(&self) -> bool {
        self.template().contains("{member_id}")
    }

    pub fn has_conference(&self) -> bool {
        self.template().contains("{conference_name}")
    }

    /// The path the call must send for `args`, each parameter encoded by
    /// `encode`.
    pub fn path(&self, args: Args, encode: impl Fn(&str) -> String) -> String {
        self.template()
            .replace("{auth_id}", &encode(args.auth_id))
            .replace("{conference_name}", &encode(args.conference))
            .replace("{member_id}", &encode(args.member))
    }
}

macro_rules! op_call {
    ($name:ident, |$c:ident, $a:ident| $call:expr) => {
        fn $name<'a>($c: &'a Client, $a: Args<'a>) -> Outcome<'a> {
            Box::pin(async move { $c.call($call).await.map(|r| r.status().as_u16()) })
        }
    };
}

pub const AUDIO_URL: &str = "https://example.com/notice.mp3";
pub const CALLBACK_URL: &str = "https://example.com/recorded";

op_call!(list_conferences, |c, a| c
    .api()
    .list_conferences()
    .auth_id(a.auth_id)
    .send());
op_call!(delete_all_conferences, |c, a| c
    .api()
    .delete_all_conferences()
    .auth_id(a.auth_id)
    .send());
op_call!(get_conference, |c, a| c
    .api()
    .get_conference()
    .auth_id(a.auth_id)
    .conference_name(a.conference)
    .send());
op_call!(delete_conference, |c, a| c
    .api()
    .delete_conference()
    .auth_id(a.auth_id)
    .conference_name(a.conference)
    .send());
op_call!(stop_recording, |c, a| c
    .api()
    .stop_conference_recording()
    .auth_id(a.auth_id)
    .conference_name(a.conference)
    .send());

/// A member call: the same three path parameters for each.
macro_rules! member_call {
    ($name:ident) => {
        op_call!($name, |c, a| c
            .api()
            .$name()
            .auth_id(a.auth_id)
            .conference_name(a.conference)
            .member_id(a.member)
            .send());
    };
}

member_call!(hangup_member);
member_call!(kick_member);
member_call!(mute_member);
member_call!(unmute_member);
member_call!(deaf_member);
member_call!(undeaf_member);
member_call!(stop_audio_member);

fn play_audio_member<'a>(c: &'a Client, a: Args<'a>) -> Outcome<'a> {
    Box::pin(async move {
        let call = c
            .api()
            .play_audio_member()
            .auth_id(a.auth_id)
            .conference_name(a.conference)
            .member_id(a.member)
            .body_map(|body| body.url(AUDIO_URL))
            .send();
        c.call(call).await.map(|r| r.status().as_u16())
    })
}

fn start_recording<'a>(c: &'a Client, a: Args<'a>) -> Outcome<'a> {
    Box::pin(async move {
        let call = c
            .api()
            .start_conference_recording()
            .auth_id(a.auth_id)
            .conference_name(a.conference)
            .body_map(|body| {
                body.callback_url(Some(CALLBACK_URL.to_owned()))
                    .file_format(types::StartConferenceRecordingBodyFileFormat::Wav)
            })
            .send();
        c.call(call).await.map(|r| r.status().as_u16())
    })
}

const DETAILS: &str = r#"{"conference_name":"My Conf Room","conference_run_time":"590","conference_member_count":"1","members":[{"muted":false,"member_id":"17","deaf":false,"from":"+15550100","to":"+15550199","caller_name":"Ann","direction":"inbound","call_uuid":"c-1","join_time":"590"}],"api_id":"a-1"}"#;
const ACCEPTED: &str = r#"{"message":"done","member_id":["2"],"api_id":"a-2"}"#;

/// Every Conference operation of the spec.
pub static OPS: [Op; 14] = [
    Op {
        op: &operations::LIST_CONFERENCES,
        body: None,
        status: 200,
        response: r#"{"conferences":["a","b"],"api_id":"a-0"}"#,
        call: list_conferences,
    },
    Op {
        op: &operations::DELETE_ALL_CONFERENCES,
        body: None,
        status: 204,
        response: "",
        call: delete_all_conferences,
    },
    Op {
        op: &operations::GET_CONFERENCE,
        body: None,
        status: 200,
        response: DETAILS,
        call: get_conference,
    },
    Op {
        op: &operations::DELETE_CONFERENCE,
        body: None,
        status: 204,
        response: "",
        call: delete_conference,
    },
    Op {
        op: &operations::HANGUP_MEMBER,
        body: None,
        status: 204,
        response: "",
        call: hangup_member,
    },
    Op {
        op: &operations::KICK_MEMBER,
        body: None,
        status: 202,
        response: ACCEPTED,
        call: kick_member,
    },
    Op {
        op: &operations::MUTE_MEMBER,
        body: None,
        status: 202,
        response: ACCEPTED,
        call: mute_member,
    },
    Op {
        op: &operations::UNMUTE_MEMBER,
        body: None,
        status: 204,
        response: "",
        call: unmute_member,
    },
    Op {
        op: &operations::DEAF_MEMBER,
        body: None,
        status: 202,
        response: ACCEPTED,
        call: deaf_member,
    },
    Op {
        op: &operations::UNDEAF_MEMBER,
        body: None,
        status: 204,
        response: "",
        call: undeaf_member,
    },
    Op {
        op: &operations::PLAY_AUDIO_MEMBER,
        body: Some(r#"{"url":"https://example.com/notice.mp3"}"#),
        status: 202,
        response: ACCEPTED,
        call: play_audio_member,
    },
    Op {
        op: &operations::STOP_AUDIO_MEMBER,
        body: None,
        status: 204,
        response: "",
        call: stop_audio_member,
    },
    Op {
        op: &operations::START_CONFERENCE_RECORDING,
        body: Some(r#"{"callback_url":"https://example.com/recorded","file_format":"wav"}"#),
        status: 200,
        response: r#"{"message":"async api spawned","api_id":"a-3"}"#,
        call: start_recording,
    },
    Op {
        op: &operations::STOP_CONFERENCE_RECORDING,
        body: None,
        status: 204,
        response: "",
        call: stop_recording,
    },
];

/// The table's entry for `operation`.
pub fn op(operation: &Operation) -> &'static Op {
    OPS.iter()
        .find(|op| op.op == operation)
        .unwrap_or_else(|| panic!("no operation {operation} in the table"))
}
