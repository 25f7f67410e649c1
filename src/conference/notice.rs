//! Vobiz's hang-up page advises telling participants before ending a room.

use std::time::Duration;

use super::{Conference, Hangup, MemberSelector};
use crate::Error;

impl Conference {
    /// Plays `audio_url` to everyone in the room, waits `grace`, then hangs
    /// the room up: the flow Vobiz's docs recommend before ending a room.
    ///
    /// `audio_url` must be an absolute `https://` URL (MP3 or WAV), checked
    /// before anything is sent. If the room is already gone at any step, that
    /// is `Ok(Hangup::NotActive)`, not an error. A room nobody is in has no
    /// one to play to (Vobiz answers 404): it is hung up at once, without
    /// waiting. Any other failure to play is returned and the room is left
    /// running, so that nobody is cut off unwarned; call
    /// [`hangup`](Self::hangup) to end it regardless.
    ///
    /// Each step writes its own audit event. The play and the hangup are
    /// two calls, each under the client's timeouts and retries
    /// ([`operation_timeout`](crate::ClientBuilder::operation_timeout)
    /// included); the grace wait between them is not a call and is not
    /// bounded by them. Wrap the whole in `tokio::time::timeout` to bound
    /// it, knowing that a dropped future may leave the notice played and
    /// the room running.
    pub async fn hangup_with_notice(
        &self,
        audio_url: &str,
        grace: Duration,
    ) -> Result<Hangup, Error> {
        match self.members(MemberSelector::all()).play(audio_url).await {
            Ok(_) => tokio::time::sleep(grace).await,
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        self.hangup_if_active().await
    }
}
