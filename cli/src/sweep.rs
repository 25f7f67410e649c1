//! `sweep`: ending many named rooms at once, with a progress bar and a
//! summary that counts every name, the ones never tried included.

use std::io::IsTerminal;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use vobiz::{Client, Hangup};

use crate::SweepArgs;
use crate::names::{read_names, rooms_from};
use crate::output::{self, Failure, Interrupts, Out, shown};

/// How a batch of endings went, counted.
#[derive(Default, Serialize)]
pub struct Summary {
    pub total: usize,
    pub ended: usize,
    pub not_active: usize,
    pub gone_after_retry: usize,
    pub failed: usize,
    /// Not tried: the batch stopped first (credentials refused, the audit
    /// log failed, or an interrupt).
    pub not_tried: usize,
}

impl Summary {
    pub fn new(total: usize) -> Self {
        Summary {
            total,
            not_tried: total,
            ..Summary::default()
        }
    }

    pub fn count(&mut self, outcome: &Result<Hangup, vobiz::Error>) {
        self.not_tried = self.not_tried.saturating_sub(1);
        match outcome {
            Ok(Hangup::NotActive) => self.not_active += 1,
            Ok(Hangup::GoneAfterRetry) => self.gone_after_retry += 1,
            Ok(_) => self.ended += 1,
            Err(_) => self.failed += 1,
        }
    }

    pub fn line(&self, what: &str) -> String {
        format!(
            "{what} {}: {} ended, {} not active, {} gone after retry, {} failed, {} not tried",
            self.total,
            self.ended,
            self.not_active,
            self.gone_after_retry,
            self.failed,
            self.not_tried
        )
    }

    /// Whether everything asked for holds.
    pub fn held(&self) -> bool {
        self.failed == 0 && self.not_tried == 0
    }
}

/// The progress bar on stderr, drawn only when stderr is a terminal.
fn progress(total: usize) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    let style = ProgressStyle::with_template("{bar:20} {pos}/{len} {msg} · {per_sec} · eta {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

pub async fn sweep(client: &Client, out: &Out, args: SweepArgs) -> Result<(), Failure> {
    out.check_audit()?;
    // From stdin, the names arrive where an answer would: --yes is needed.
    let yes = args.yes || args.dry_run;
    if args.file.as_deref() == Some("-") && !yes {
        return Err(Failure::Usage(
            "sweep -: stdin holds the names, so confirm with --yes (nothing was sent)".to_owned(),
        ));
    }
    output::must_be_able_to_confirm(yes, "sweep")?;
    let names = match (&args.file, &args.rooms_from) {
        (Some(file), _) => read_names(file)?,
        (None, Some(url)) => rooms_from(url).await?,
        (None, None) => Vec::new(),
    };
    if args.dry_run {
        for name in &names {
            out.print(&shown(name), &json!({"name": name, "outcome": "would_end"}));
        }
        out.note(&format!(
            "dry run: {} room(s) would be ended; nothing was sent",
            names.len()
        ));
        return Ok(());
    }
    output::confirm_rooms(yes, "End these rooms?", &names)?;
    let mut summary = Summary::new(names.len());
    let bar = progress(names.len());
    let mut stopped = None;
    // The first interrupt stops taking names; those in flight finish.
    let stop = Arc::new(AtomicBool::new(false));
    let taking = stop.clone();
    let names = names
        .into_iter()
        .take_while(move |_| !taking.load(Ordering::SeqCst));
    let mut interrupts = Interrupts::listen();
    let mut outcomes = Box::pin(client.hangup_conferences(names, args.concurrency));
    loop {
        let next = tokio::select! {
            next = outcomes.next() => next,
            () = interrupts.next() => {
                if stop.swap(true, Ordering::SeqCst) {
                    // The second: what is in flight is dropped, and the
                    // library audits it as cancelled.
                    drop(outcomes);
                    bar.finish_and_clear();
                    let interrupted = Failure::Interrupted("interrupted twice: stopped at once; \
                        the calls in flight were cancelled and may or may not have ended their rooms".to_owned());
                    return finish(out, &summary, "swept", Some(interrupted));
                }
                bar.suspend(|| eprintln!("vobiz: interrupted: finishing the calls in flight, taking no more names; interrupt again to stop at once"));
                stopped = Some(Failure::Interrupted("interrupted: stopped after the calls in flight".to_owned()));
                continue;
            }
        };
        let Some((name, outcome)) = next else {
            break;
        };
        summary.count(&outcome);
        if out.json {
            let line = match &outcome {
                Ok(o) => json!({"name": name, "outcome": o}),
                Err(e) => json!({"name": name, "error": output::error_json(e)}),
            };
            bar.suspend(|| out.print("", &line));
        } else if let Err(e) = &outcome {
            bar.suspend(|| eprintln!("vobiz: {}: {e}", shown(&name)));
        }
        bar.set_message(format!(
            "ended {} · not active {} · gone after retry {} · failed {}",
            summary.ended, summary.not_active, summary.gone_after_retry, summary.failed
        ));
        // (The counts read as they stand: a 404 after an uncertain attempt
        // is counted apart from an ending, see `Hangup::GoneAfterRetry`.)
        bar.inc(1);
        if let Err(failure) = out.audited() {
            stopped = Some(failure);
            break;
        }
        if let Err(e) = &outcome
            && e.is_auth_failure()
        {
            // Every other name would be refused the same way.
            stopped = Some(output::credentials_refused(e));
            break;
        }
    }
    bar.finish_and_clear();
    finish(out, &summary, "swept", stopped)
}

/// Prints the summary (text on stderr, `{"summary": ...}` in JSON) and
/// gives the exit: 0 only when every name was tried and none failed.
pub fn finish(
    out: &Out,
    summary: &Summary,
    what: &str,
    stopped: Option<Failure>,
) -> Result<(), Failure> {
    if out.json {
        out.print("", &json!({ "summary": summary }));
    } else {
        eprintln!("{}", summary.line(what));
    }
    match stopped {
        Some(failure) => Err(failure),
        None if summary.held() => Ok(()),
        None => Err(Failure::Failed(format!(
            "{} room(s) could not be ended",
            summary.failed + summary.not_tried
        ))),
    }
}
