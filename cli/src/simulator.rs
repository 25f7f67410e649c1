//! `vobiz simulator`: FakeVobiz on 127.0.0.1, seeded with rooms, and the
//! lines that point the CLI at it. Its credentials are the simulator's own
//! fixed ones, not a secret.

use std::net::SocketAddr;

use serde_json::json;
use vobiz::testing::{FAKE_AUTH_ID, FAKE_AUTH_TOKEN, FakeVobiz};

use crate::SimulatorArgs;
use crate::output::{Failure, Out};

/// `NAME` or `NAME:MEMBERS`.
fn seed(spec: &str) -> Result<(String, usize), Failure> {
    let bad = || Failure::Usage(format!("room {spec:?} is not NAME or NAME:MEMBERS"));
    let (name, members) = match spec.rsplit_once(':') {
        Some((name, count)) => (name, count.trim().parse().map_err(|_| bad())?),
        None => (spec, 0),
    };
    let name = name.trim();
    if name.is_empty() {
        return Err(bad());
    }
    Ok((name.to_owned(), members))
}

pub async fn run(args: SimulatorArgs, out: &Out) -> Result<(), Failure> {
    let mut rooms = Vec::new();
    for spec in &args.rooms {
        rooms.push(seed(spec)?);
    }
    if let Some(path) = &args.rooms_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            rooms.push(seed(line)?);
        }
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let fake = FakeVobiz::serve(addr, FAKE_AUTH_ID, FAKE_AUTH_TOKEN)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {addr}: {e}")))?;
    if let Some(url) = &args.callback_url {
        fake.send_callbacks_to(url.as_str())
            .map_err(|e| Failure::Failed(format!("cannot send callbacks: {e}")))?;
    }
    for (name, members) in &rooms {
        fake.add_conference(name.as_str());
        for i in 0..*members {
            fake.join(name, &format!("+1555{:07}", i + 1));
        }
    }
    let text = format!(
        "export VOBIZ_AUTH_ID={FAKE_AUTH_ID}\nexport VOBIZ_AUTH_TOKEN={FAKE_AUTH_TOKEN}\nexport VOBIZ_BASE_URL={}",
        fake.base_url()
    );
    out.print(
        &text,
        &json!({"base_url": fake.base_url(), "auth_id": FAKE_AUTH_ID, "rooms": rooms.len()}),
    );
    out.note(&format!(
        "simulating Vobiz on {} with {} room(s) (a fake account; nothing leaves this machine). Ctrl-C stops it.",
        fake.base_url(),
        rooms.len()
    ));
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}
