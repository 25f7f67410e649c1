//! Ends a Vobiz conference by name: the smallest program around the
//! library. (The demo on the simulator is `cargo run -p vobiz-cli -- demo`.)
//!
//! ```text
//! VOBIZ_AUTH_ID=... VOBIZ_AUTH_TOKEN=... cargo run --example hangup -- "My Conf Room"
//! ```

use std::process::ExitCode;

use vobiz::Client;
use vobiz::conference::Hangup;

const USAGE: &str = "\
usage: hangup <conference name>  end a real conference

To end a real conference, set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (from the
Vobiz console) and, optionally, VOBIZ_BASE_URL.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
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
