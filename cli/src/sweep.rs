//! `sweep`: ending many named rooms at once, with a progress bar and a
//! summary that counts every name, the ones never tried included.

use std::io::IsTerminal;

use futures_util::StreamExt;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use vobiz::Client;
use vobiz::conference::Hangup;

use crate::SweepArgs;
use crate::batch::{self, Gate};
use crate::check::{self, DryRun};
use crate::names::{read_names, rooms_from};
use crate::output::{self, Failure, Interrupts, Out, shown};

/// How a batch of endings went, counted.
#[derive(Clone, Default, Serialize)]
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

/// The progress bar on stderr, drawn only when stderr is a terminal (and
/// not with `-q`). Its numbers come from one copy of the counts taken per
/// frame, so they add up (`done` is their sum), and its rate is whole.
fn progress(total: usize, out: &Out, counts: Arc<Mutex<Summary>>) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() && !out.quiet {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), target);
    let frame = move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let c = counts.lock().unwrap_or_else(|e| e.into_inner());
        let done = c.ended + c.not_active + c.gone_after_retry + c.failed;
        let _ = write!(
            w,
            "{done}/{} · ended {} · not active {} · gone after retry {} · failed {} · {:.0}/s",
            c.total,
            c.ended,
            c.not_active,
            c.gone_after_retry,
            c.failed,
            state.per_sec()
        );
    };
    let style = ProgressStyle::with_template("{bar:20} {counts} · eta {eta}")
        .map(|style| style.with_key("counts", frame))
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
        return dry_run(client, out, names, args.concurrency).await;
    }
    output::confirm_rooms(yes, "End these rooms?", &names)?;
    let on_bar = Arc::new(Mutex::new(Summary::new(names.len())));
    let mut summary = Summary::new(names.len());
    let bar = progress(names.len(), out, on_bar.clone());
    let gate = Gate::default();
    let endings = client.hangup_conferences(gate.names(names), args.concurrency);
    let each = |name: String, outcome: Result<Hangup, vobiz::Error>| {
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
        *on_bar.lock().unwrap_or_else(|e| e.into_inner()) = summary.clone();
        // (A 404 after an uncertain attempt is counted apart from an
        // ending, see `Hangup::GoneAfterRetry`.)
        bar.inc(1);
        stop_after(out, &outcome)
    };
    let note = |text: &str| bar.suspend(|| eprintln!("{text}"));
    let mut interrupts = Interrupts::listen();
    let stopped = batch::drive(endings, &gate, &mut interrupts, each, note).await;
    bar.finish_and_clear();
    finish(out, &summary, "swept", stopped)
}

/// Reads each room and says what an ending would do to it; sends nothing
/// that changes state.
async fn dry_run(
    client: &Client,
    out: &Out,
    names: Vec<String>,
    concurrency: usize,
) -> Result<(), Failure> {
    let mut count = DryRun::default();
    let mut reads = std::pin::pin!(check::read(client, names, concurrency));
    let mut stopped = None;
    while let Some((name, seen)) = reads.next().await {
        stopped = count.report(out, &name, &seen);
        if stopped.is_some() {
            break;
        }
    }
    count.finish(out, stopped)
}

/// Why a batch stops after this outcome, if it does: the audit log could
/// not record it, or Vobiz refused the credentials (every other name would
/// be refused the same way).
pub fn stop_after(out: &Out, outcome: &Result<Hangup, vobiz::Error>) -> Option<Failure> {
    if let Err(failure) = out.audited() {
        return Some(failure);
    }
    match outcome {
        Err(e) if e.is_auth_failure() => Some(output::credentials_refused(e)),
        _ => None,
    }
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
        out.note(&summary.line(what));
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
