//! Ends a Vobiz conference by name; with `--demo`, runs a moderated session
//! against the built-in simulator instead.
//!
//! ```text
//! cargo run --example hangup -- --demo            # simulated, no credentials
//! VOBIZ_AUTH_ID=... VOBIZ_AUTH_TOKEN=... cargo run --example hangup -- "My Conf Room"
//! ```

use std::process::ExitCode;

use std::time::Duration;

use vobiz::testing::FakeVobiz;
use vobiz::{Client, Hangup, MemberSelector};

const USAGE: &str = "\
usage: hangup --demo            a moderated session against a built-in simulator
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
        Hangup::GoneAfterRetry => println!(
            "Conference {name:?} is gone: most likely our first attempt ended it, but its answer was lost."
        ),
        other => println!("Conference {name:?}: {other:?}."),
    }
    Ok(())
}

async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    println!("SIMULATED: this demo talks to FakeVobiz, an in-process stand-in for the");
    println!("Vobiz API on 127.0.0.1. No credentials are used and nothing leaves this machine.\n");

    let fake = FakeVobiz::start().await?;
    let client = fake.client();
    let name = "My Conf Room";
    let callers = ["+15550101", "+15550102", "+15550103"];
    let ids: Vec<String> = callers.iter().map(|from| fake.join(name, from)).collect();
    let room = client.conference(name);
    println!("1. {name:?} has three members on the simulator: ids {ids:?}");

    room.members(ids[1].as_str()).mute().await?;
    println!("2. Muted member {}: {}", ids[1], sent(&fake)?);

    let notice = "https://example.com/announcements/closing.mp3";
    room.members(MemberSelector::all()).play(notice).await?;
    println!("3. Played a notice to all: {}", sent(&fake)?);

    room.members(ids[2].as_str()).kick().await?;
    println!(
        "4. Kicked member {} (their call goes on): {}",
        ids[2],
        sent(&fake)?
    );

    let details = room.details().await?;
    println!(
        "5. Details: {} member(s), running for {} s",
        details.member_count(),
        details.run_time().as_secs()
    );
    for member in details.members() {
        println!(
            "     member {} from {} muted={} deaf={}",
            member.id(),
            member.from().unwrap_or("?"),
            member.muted(),
            member.deaf()
        );
    }

    let outcome = room
        .hangup_with_notice(notice, Duration::from_millis(500))
        .await?;
    println!("6. Hung up with notice (played to all, waited 0.5 s, ended): {outcome:?}");

    match room.details().await {
        Err(e) if e.is_not_found() => println!("7. The room is gone: {e}"),
        other => return Err(format!("expected a 404, got {other:?}").into()),
    }
    let again = room.hangup_if_active().await?;
    println!("   Hanging it up again is handled gracefully: {again:?}");
    println!(
        "\nDone. Active conferences left: {:?}",
        fake.active_conferences()
    );
    Ok(())
}

/// The last request the simulator received, as "METHOD target".
fn sent(fake: &FakeVobiz) -> Result<String, &'static str> {
    let request = fake
        .requests()
        .pop()
        .ok_or("the simulator saw no request")?;
    Ok(format!("{} {}", request.method, request.target))
}
