//! A batch of endings under interrupts, for `sweep` and `enforce`: the
//! first interrupt (SIGINT, Ctrl-C) stops taking rooms and lets the calls
//! in flight finish, each audited; the second drops them at once, and the
//! library audits each as `cancelled`. Either way the command still prints
//! its summary and exits 130.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::{Stream, StreamExt};
use vobiz::conference::Hangup;

use crate::output::{Failure, Interrupts};

/// One room's ending, as a batch yields it.
pub type Ending = (String, Result<Hangup, vobiz::Error>);

/// Closed by the first interrupt: the names it lets through stop coming.
#[derive(Default)]
pub struct Gate(Arc<AtomicBool>);

impl Gate {
    /// `names`, until the gate closes. A batch takes names as it has room
    /// for them, so none is taken after the interrupt.
    pub fn names(&self, names: Vec<String>) -> impl Iterator<Item = String> + Send + 'static {
        let closed = self.0.clone();
        names
            .into_iter()
            .take_while(move |_| !closed.load(Ordering::SeqCst))
    }

    /// Closes it; whether it was closed already.
    fn close(&self) -> bool {
        self.0.swap(true, Ordering::SeqCst)
    }
}

/// Runs `endings` to their end, handing each to `each`, which stops the
/// batch by returning why. Interrupts as above; `note` tells the person.
/// Returns why the batch stopped short, if it did.
pub async fn drive(
    endings: impl Stream<Item = Ending>,
    gate: &Gate,
    interrupts: &mut Interrupts,
    mut each: impl FnMut(String, Result<Hangup, vobiz::Error>) -> Option<Failure>,
    note: impl Fn(&str),
) -> Option<Failure> {
    let mut endings = std::pin::pin!(endings);
    let mut stopped = None;
    loop {
        tokio::select! {
            next = endings.next() => match next {
                Some((name, result)) => {
                    if let Some(failure) = each(name, result) {
                        return Some(failure);
                    }
                }
                None => return stopped,
            },
            () = interrupts.next() => {
                if gate.close() {
                    return Some(Failure::Interrupted(
                        "interrupted twice: stopped at once; the calls in flight were cancelled \
                         and may or may not have ended their rooms"
                            .to_owned(),
                    ));
                }
                note(
                    "vobiz: interrupted: finishing the calls in flight, taking no more rooms; \
                     interrupt again to stop at once",
                );
                stopped = Some(Failure::Interrupted(
                    "interrupted: stopped after the calls in flight".to_owned(),
                ));
            }
        }
    }
}
