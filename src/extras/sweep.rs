//! Sweeps: ending many conferences at once, with bounded concurrency and a
//! shared response to rate limiting.

use std::sync::Arc;

use futures_util::{Stream, StreamExt};

use crate::retry::{self, Gate};
use crate::{Client, Error, Hangup};

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
}
