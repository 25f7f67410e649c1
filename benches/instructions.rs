//! CPU instructions per call, counted by valgrind (cachegrind, no cache
//! simulation), for a hand-written reqwest call and this crate's callers of
//! the same operation, against a minimal responder on the client's own
//! current-thread runtime: client, server and runtime in one process, so
//! the difference between two callers is the wrapper's own work. Counts
//! are the same from run to run on any load, unlike wall-clock times.
//!
//! `cargo bench --bench instructions` prints the table (it needs
//! `valgrind` on the PATH). Each (case, caller) runs in a child process
//! under valgrind twice, with `WARM_UP` calls and then `FEW` or `MANY` more;
//! the per-call count is the difference over `MANY - FEW` calls, so the
//! process's start, the runtime's and the clients' set-up and the warm-up
//! cancel out.
//!
//! The responder (`common::respond`) reads each request head (and a body
//! its `content-length` announces) and answers a fixed response, parsing
//! nothing else, so that its own cost stays small and the same for every
//! caller.

mod common;

use std::process::Command;

const AUTH_ID: &str = "MA_BENCH0001";
const TOKEN: &str = "bench-token";
const WARM_UP: usize = 100;
const FEW: usize = 100;
const MANY: usize = 1_100;

/// What the responder answers, and what the callers ask.
#[derive(Clone, Copy)]
enum Case {
    /// DELETE of a room whose name needs no encoding: 204.
    Plain,
    /// DELETE of `Team Standup 42`, which does: 204.
    Encoded,
    /// DELETE answered 404 with a JSON body: the error path.
    NotFound,
    /// POST Mute for a list of 10 member ids: 202 with a JSON body.
    MemberList,
}

const CASES: [(&str, Case); 4] = [
    ("room name as is (`standup`)", Case::Plain),
    ("room name encoded (`Team Standup 42`)", Case::Encoded),
    ("404 with a JSON body", Case::NotFound),
    ("mute 10 members (202, JSON)", Case::MemberList),
];

const CALLERS: [&str; 3] = ["raw reqwest", "client.api()", "handle"];

impl Case {
    fn room(self) -> &'static str {
        match self {
            Case::Encoded => "Team Standup 42",
            _ => "standup",
        }
    }

    /// The whole response, head and body.
    fn answer(self) -> Vec<u8> {
        let (status, body) = match self {
            Case::Plain | Case::Encoded => ("204 No Content", ""),
            Case::NotFound => (
                "404 Not Found",
                r#"{"api_id":"a1b2c3d4-0000","error":"conference not found"}"#,
            ),
            Case::MemberList => (
                "202 Accepted",
                r#"{"message":"muted","member_id":["1","2","3","4","5","6","7","8","9","10"],"api_id":"a1b2c3d4-0000"}"#,
            ),
        };
        let kind = if body.is_empty() {
            ""
        } else {
            "content-type: application/json\r\n"
        };
        format!(
            "HTTP/1.1 {status}\r\n{kind}content-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }
}

struct Callers {
    raw: reqwest::Client,
    base: String,
    vobiz: vobiz::Client,
    members: Vec<String>,
}

impl Callers {
    fn new(base: String) -> Self {
        let raw = common::raw_client();
        let vobiz = vobiz::Client::builder(AUTH_ID, TOKEN)
            .base_url(&base)
            .build()
            .unwrap();
        let members = (1..=10).map(|i| i.to_string()).collect();
        Callers {
            raw,
            base,
            vobiz,
            members,
        }
    }

    async fn call(&self, case: Case, caller: usize) {
        let room = case.room();
        match (case, caller) {
            (Case::MemberList, 0) => {
                // What a careful hand-written call sends: the ids joined and
                // the room percent-encoded, as Vobiz's path needs.
                let ids = self.members.join("%2C");
                let url = format!(
                    "{}/api/v1/Account/{AUTH_ID}/Conference/{room}/Member/{ids}/Mute/",
                    self.base
                );
                let response = self.raw_send(self.raw.post(url)).await;
                assert_eq!(response.status(), 202);
                let _ = response.bytes().await.unwrap();
            }
            (Case::MemberList, 1) => {
                let response = self
                    .vobiz
                    .api()
                    .mute_member()
                    .conference_name(room)
                    .member_id(self.members.join(","))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 202);
            }
            (Case::MemberList, _) => {
                let selector = vobiz::conference::MemberSelector::list(&self.members);
                let room = self.vobiz.conference(room);
                room.members(selector).mute().await.unwrap();
            }
            (_, 0) => {
                let encoded = room.replace(' ', "%20");
                let url = format!(
                    "{}/api/v1/Account/{AUTH_ID}/Conference/{encoded}/",
                    self.base
                );
                let response = self.raw_send(self.raw.delete(url)).await;
                if matches!(case, Case::NotFound) {
                    assert_eq!(response.status(), 404);
                    let _ = response.bytes().await.unwrap();
                } else {
                    assert_eq!(response.status(), 204);
                }
            }
            (_, 1) => {
                let sent = self
                    .vobiz
                    .api()
                    .delete_conference()
                    .conference_name(room)
                    .send()
                    .await;
                match case {
                    Case::NotFound => {
                        let e = vobiz::Error::from_api(sent.unwrap_err()).await;
                        assert!(e.is_not_found());
                    }
                    _ => assert_eq!(sent.unwrap().status(), 204),
                }
            }
            (_, _) => {
                let outcome = self.vobiz.hangup_conference_if_active(room).await.unwrap();
                let expected = match case {
                    Case::NotFound => vobiz::conference::Hangup::NotActive,
                    _ => vobiz::conference::Hangup::Ended,
                };
                assert_eq!(outcome, expected);
            }
        }
    }

    async fn raw_send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        request
            .header("X-Auth-ID", AUTH_ID)
            .header("X-Auth-Token", TOKEN)
            .send()
            .await
            .unwrap()
    }
}

/// The child: `WARM_UP` calls, then `calls` more, of one caller in one case.
fn child(case: Case, caller: usize, calls: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(common::respond(listener, case.answer()));
        let callers = Callers::new(base);
        for _ in 0..WARM_UP + calls {
            callers.call(case, caller).await;
        }
    });
}

/// Instructions the child runs for `calls` calls, as cachegrind counts them.
fn counted(case: usize, caller: usize, calls: usize) -> u64 {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("valgrind")
        .args([
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
        ])
        .arg(exe)
        .args([
            "--child",
            &case.to_string(),
            &caller.to_string(),
            &calls.to_string(),
        ])
        .output()
        .expect("valgrind must be on the PATH");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    // The summary line: `==pid== I   refs:      159,310,780`.
    text.lines()
        .filter(|l| l.contains("== I "))
        .find_map(|l| {
            l.split_once("refs:")
                .map(|(_, n)| n.trim().replace(',', ""))
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no instruction count in valgrind's output: {text}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        let n = |i: usize| args[at + i].parse::<usize>().unwrap();
        child(CASES[n(1)].1, n(2), n(3));
        return;
    }
    println!(
        "CPU instructions per call (cachegrind; {} calls after {WARM_UP}; client, responder and runtime in one process):\n",
        MANY - FEW
    );
    println!(
        "| case | {} | {} (ratio) | {} (ratio) |",
        CALLERS[0], CALLERS[1], CALLERS[2]
    );
    println!("| --- | --- | --- | --- |");
    for (i, (name, _)) in CASES.iter().enumerate() {
        let per_call: Vec<f64> = (0..CALLERS.len())
            .map(|caller| {
                (counted(i, caller, MANY) - counted(i, caller, FEW)) as f64 / (MANY - FEW) as f64
            })
            .collect();
        let raw = per_call[0];
        println!(
            "| {name} | {raw:.0} | {:.0} ({:.3}×) | {:.0} ({:.3}×) |",
            per_call[1],
            per_call[1] / raw,
            per_call[2],
            per_call[2] / raw
        );
    }
}
