//! FakeVobiz on its own, so that a service in any language (or curl) can be
//! tested against a stateful stand-in for Vobiz's Conference API, as
//! stripe-mock serves Stripe's users.
//!
//! ```text
//! cargo run --example fake_vobiz -- --port 4010 --room "standup:3" --room retro
//! ```
//!
//! `--room NAME[:MEMBERS]` creates a room with that many callers (ids 1, 2,
//! ...). It listens on 127.0.0.1 only and runs until interrupted.

use std::net::SocketAddr;
use std::process::ExitCode;

use vobiz::testing::{FAKE_AUTH_ID, FAKE_AUTH_TOKEN, FakeVobiz};

const USAGE: &str = "\
usage: fake_vobiz [--port PORT] [--room NAME[:MEMBERS]]...

Serves a simulated Vobiz Conference API on 127.0.0.1:PORT (default 4010)
until interrupted. Credentials: X-Auth-ID MA_FAKE00001,
X-Auth-Token fake-token-not-a-secret.";

struct Options {
    port: u16,
    rooms: Vec<(String, usize)>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        port: 4010,
        rooms: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--port" => options.port = value.parse().map_err(|_| format!("bad port {value:?}"))?,
            "--room" => {
                let (name, members) = value.rsplit_once(':').unwrap_or((value, "0"));
                let members = members
                    .parse()
                    .map_err(|_| format!("bad member count in {value:?}"))?;
                options.rooms.push((name.to_owned(), members));
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], options.port));
    let fake = match FakeVobiz::serve(addr, FAKE_AUTH_ID, FAKE_AUTH_TOKEN).await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    for (room, members) in &options.rooms {
        fake.add_conference(room.as_str());
        for i in 1..=*members {
            fake.join(room, &format!("+1555{:07}", i));
        }
    }
    println!(
        "SIMULATED Vobiz Conference API listening on {}",
        fake.base_url()
    );
    println!("credentials: X-Auth-ID {FAKE_AUTH_ID}, X-Auth-Token {FAKE_AUTH_TOKEN}");
    println!(
        "try: curl -H 'X-Auth-ID: {FAKE_AUTH_ID}' -H 'X-Auth-Token: {FAKE_AUTH_TOKEN}' {}/api/v1/Account/{FAKE_AUTH_ID}/Conference/",
        fake.base_url()
    );
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling here: serve until killed.
        std::future::pending::<()>().await;
    }
    ExitCode::SUCCESS
}
