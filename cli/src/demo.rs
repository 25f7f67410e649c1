//! `vobiz demo`: a moderated session against the built-in simulator, with
//! no credentials and nothing leaving the machine: what the library does,
//! request by request.

use std::io::Write;
use std::time::Duration;

use vobiz::conference::MemberSelector;
use vobiz::testing::FakeVobiz;

/// `println!` that gives up quietly when stdout is closed (`| head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    say!("SIMULATED: this demo talks to FakeVobiz, an in-process stand-in for the");
    say!("Vobiz API on 127.0.0.1. No credentials are used and nothing leaves this machine.\n");

    let fake = FakeVobiz::start().await?;
    let client = fake.client();
    let name = "My Conf Room";

    // Birth: the answer that puts callers in the room, and a receiver that
    // verifies the room's signed callbacks and keeps the live rooms.
    let answer = vobiz::xml::Response::new()
        .add(
            vobiz::xml::Conference::new(name)
                .end_conference_on_exit(false)
                .callback_url("http://127.0.0.1/conference-events"),
        )
        .to_xml()?;
    say!("0. The answer XML that puts a caller in the room:\n   {answer}");
    let settings = crate::receiver::Settings {
        token: vobiz::testing::FAKE_AUTH_TOKEN.to_owned(),
        port: 0,
        public_url: None,
        rooms_token: None,
        print: false,
    };
    let receiver = crate::receiver::start(settings)
        .await
        .map_err(|_| "cannot start the callback receiver")?;
    fake.send_callbacks_to(format!("{}/conference-events", receiver.base))?;
    say!(
        "   A receiver on {} verifies the room's signed callbacks.",
        receiver.base
    );
    let callers = ["+15550101", "+15550102", "+15550103"];
    let ids: Vec<String> = callers.iter().map(|from| fake.join(name, from)).collect();
    let room = client.conference(name);
    say!("1. {name:?} has three members on the simulator: ids {ids:?}");
    let live = registry_settles(&receiver.rooms, |r| r.members(name).len() == 3).await;
    say!(
        "   The callbacks say: live rooms {:?}, members {:?}",
        live.rooms(),
        live.members(name)
    );

    room.members(ids[1].as_str()).mute().await?;
    say!("2. Muted member {}: {}", ids[1], sent(&fake)?);

    let notice = "https://example.com/announcements/closing.mp3";
    room.members(MemberSelector::all()).play(notice).await?;
    say!("3. Played a notice to all: {}", sent(&fake)?);

    room.members(ids[2].as_str()).kick().await?;
    say!(
        "4. Kicked member {} (their call goes on): {}",
        ids[2],
        sent(&fake)?
    );

    let details = room.details().await?;
    say!(
        "5. Details: {} member(s), running for {} s",
        details.member_count(),
        details.run_time().as_secs()
    );
    for member in details.members() {
        say!(
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
    say!("6. Hung up with notice (played to all, waited 0.5 s, ended): {outcome:?}");

    match room.details().await {
        Err(e) if e.is_not_found() => say!("7. The room is gone: {e}"),
        other => return Err(format!("expected a 404, got {other:?}").into()),
    }
    let live = registry_settles(&receiver.rooms, |r| r.rooms().is_empty()).await;
    say!("   The callbacks say: live rooms {:?}", live.rooms());
    let again = room.hangup_if_active().await?;
    say!("   Hanging it up again is handled gracefully: {again:?}");
    say!(
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

/// The registry once `settled` holds, or after a second (the callbacks are
/// sent on their own, and arrive in their own time).
async fn registry_settles(
    rooms: &vobiz::callbacks::LiveRooms,
    settled: impl Fn(&vobiz::callbacks::LiveRooms) -> bool,
) -> &vobiz::callbacks::LiveRooms {
    for _ in 0..100 {
        if settled(rooms) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    rooms
}
