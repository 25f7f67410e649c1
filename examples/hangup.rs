//! Ends a Vobiz conference by name.
//!
//! ```text
//! cargo run --example hangup -- --demo            # simulated, no credentials
//! VOBIZ_AUTH_ID=... VOBIZ_AUTH_TOKEN=... cargo run --example hangup -- "My Conf Room"
//! ```

use std::process::ExitCode;

use vobiz::testing::FakeVobiz;
use vobiz::{Client, Hangup};

const USAGE: &str = "\
usage: hangup --demo            run the whole flow against a built-in simulator
       hangup <conference name>  end a real conference

To end a real conference, set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (from the
Vobiz console) and, optionally, VOBIZ_BASE_URL.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag] if flag == "--demo" => demo().await,
        [name] if !name.starts_with('-') => real(name).await,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn real(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env().map_err(|e| format!("{e}\n\n{USAGE}"))?;
    match client.hangup_conference_if_active(name).await? {
        Hangup::Ended => println!("Ended conference {name:?}."),
        Hangup::NotActive => println!("No active conference named {name:?}; nothing to end."),
    }
    Ok(())
}

async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    println!("SIMULATED: this demo talks to FakeVobiz, an in-process stand-in for the");
    println!("Vobiz API on 127.0.0.1. No credentials are used and nothing leaves this machine.\n");

    let fake = FakeVobiz::start().await?;
    let client = fake.client();
    let room = "My Conf Room";

    fake.add_conference(room);
    println!(
        "1. Conference {room:?} is active on the simulator: {:?}",
        fake.active_conferences()
    );

    client.hangup_conference(room).await?;
    let sent = fake
        .requests()
        .pop()
        .ok_or("the simulator saw no request")?;
    println!(
        "2. Hung it up: {} {} -> 204 No Content",
        sent.method, sent.target
    );

    match client.hangup_conference(room).await {
        Err(e) if e.is_not_found() => {
            println!("3. Hung it up again: 404, as an error you can match on: {e}")
        }
        other => return Err(format!("expected a 404, got {other:?}").into()),
    }

    let outcome = client.hangup_conference_if_active(room).await?;
    println!("4. hangup_conference_if_active handles the 404 gracefully: {outcome:?}");
    println!(
        "\nDone. Active conferences left: {:?}",
        fake.active_conferences()
    );
    Ok(())
}
