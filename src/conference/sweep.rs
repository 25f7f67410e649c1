//! Sweeps: ending many conferences at once, with bounded concurrency and a
//! shared response to rate limiting.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{Stream, StreamExt};

use super::{Hangup, MemberSelector};
use crate::retry::{self, Gate};
use crate::{Client, Error};

impl Client {
    /// Ends every named conference that is active, with at most
    /// `concurrency` requests in flight (at least 1), yielding each name with
    /// its outcome as soon as it is known.
    ///
    /// `names` is consumed lazily, a window at a time, so memory does not
    /// grow with the number of names. Each name is reported exactly once;
    /// a 404 is `Ok(Hangup::NotActive)`. When any request is rate limited
    /// (429), the whole sweep pauses for the time the server asked for (or
    /// the backoff), rather than every task discovering the limit on its own.
    /// A call waits for the pause before it starts; a call already running
    /// counts the pause against its own operation timeout, and gives up with
    /// its last answer rather than outlive it.
    ///
    /// ```no_run
    /// # async fn f(client: vobiz::Client) {
    /// use futures_util::StreamExt;
    /// let rooms = ["standup", "retro", "all-hands"];
    /// let mut sweep = std::pin::pin!(client.hangup_conferences(rooms, 16));
    /// while let Some((name, outcome)) = sweep.next().await {
    ///     println!("{name}: {outcome:?}");
    /// }
    /// # }
    /// ```
    pub fn hangup_conferences<I>(
        &self,
        names: I,
        concurrency: usize,
    ) -> impl Stream<Item = (String, Result<Hangup, Error>)> + Send + use<I>
    where
        I: IntoIterator,
        I::Item: Into<String>,
        I::IntoIter: Send,
    {
        let client = self.clone();
        let gate = Arc::new(Gate::default());
        futures_util::stream::iter(names)
            .map(move |name| {
                let (client, gate, name) = (client.clone(), gate.clone(), name.into());
                async move {
                    gate.wait_open().await;
                    let outcome =
                        retry::paced(gate, client.hangup_conference_if_active(&name)).await;
                    (name, outcome)
                }
            })
            .buffer_unordered(concurrency.max(1))
    }

    /// [`hangup_conferences`](Self::hangup_conferences) with a notice, as
    /// the hang-up page advises before ending rooms: plays `audio_url` to
    /// every member of every named room (at most `concurrency` requests in
    /// flight), waits `grace` once for the whole batch, then ends the rooms
    /// the notice reached, yielding each name with its outcome.
    ///
    /// A room that is not active when the notice is played is still asked
    /// to end (`Ok(Hangup::NotActive)` if it is gone). A room whose notice
    /// failed otherwise is not ended: its outcome is that error, so nobody
    /// is cut off without the warning the caller chose to give. `names` is
    /// read as notices are sent (a caller can stop it early: the rooms
    /// already told are still ended after the grace). The URL is checked
    /// before anything is sent, as
    /// [`Members::play`](crate::conference::Members::play) checks it.
    pub fn hangup_conferences_with_notice<I>(
        &self,
        names: I,
        audio_url: &str,
        grace: Duration,
        concurrency: usize,
    ) -> impl Stream<Item = (String, Result<Hangup, Error>)> + Send + use<I>
    where
        I: IntoIterator,
        I::Item: Into<String>,
        I::IntoIter: Send,
    {
        let client = self.clone();
        let audio_url = audio_url.to_owned();
        let names = names.into_iter();
        let batch = async move {
            let gate = Arc::new(Gate::default());
            let played: Vec<(String, Result<(), Error>)> = futures_util::stream::iter(names)
                .map(|name| {
                    let name: String = name.into();
                    let (client, gate, url) = (client.clone(), gate.clone(), audio_url.clone());
                    async move {
                        gate.wait_open().await;
                        let notice = client.conference(&name).members(MemberSelector::all());
                        let played = match retry::paced(gate, notice.play(&url)).await {
                            Err(e) if !e.is_not_found() => Err(e),
                            _ => Ok(()),
                        };
                        (name, played)
                    }
                })
                .buffer_unordered(concurrency.max(1))
                .collect()
                .await;
            let (heard, unheard): (Vec<_>, Vec<_>) =
                played.into_iter().partition(|(_, played)| played.is_ok());
            if !heard.is_empty() {
                tokio::time::sleep(grace).await;
            }
            let refused = unheard
                .into_iter()
                .filter_map(|(name, played)| Some((name, Err(played.err()?))));
            futures_util::stream::iter(refused).chain(
                client.hangup_conferences(heard.into_iter().map(|(name, _)| name), concurrency),
            )
        };
        futures_util::stream::once(batch).flatten()
    }
}
