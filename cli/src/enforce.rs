//! `enforce`: the hang-up page's time limits, on a schedule. Each pass
//! looks at every room it can learn of (Vobiz's list, which is
//! inconclusive, the names given and a receiver's registry), ends those
//! over the limit, concurrently and after one grace period for the batch
//! when there is a notice, and says what it could not check: a pass that
//! could not look everywhere it was asked to never exits 0.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Serialize;
use serde_json::json;
use vobiz::Client;
use vobiz::conference::Hangup;

use crate::EnforceArgs;
use crate::batch::{self, Ending, Gate};
use crate::check::{self, Seen};
use crate::commands::human;
use crate::names::{read_names, rooms_from};
use crate::output::{self, Failure, Interrupts, Out, shown};
use crate::sweep::{Summary, stop_after};

/// One pass, counted.
#[derive(Serialize)]
struct PassSummary {
    /// Rooms whose run time was read (or that were found not active).
    checked: usize,
    /// Rooms, and sources of rooms, that could not be checked.
    could_not_check: usize,
    /// Rooms over the limit.
    over_limit: usize,
    /// What became of those the pass set out to end (none in a dry run).
    endings: Summary,
}

/// What a pass found before ending anything.
struct Look {
    checked: usize,
    could_not_check: usize,
    /// The rooms over the limit, with their run times.
    over: BTreeMap<String, Duration>,
    /// Why it stopped looking, if it did.
    stopped: Option<Failure>,
}

pub async fn enforce(client: &Client, out: &Out, args: EnforceArgs) -> Result<(), Failure> {
    out.check_audit()?;
    output::must_be_able_to_confirm(args.yes || args.dry_run, "enforce")?;
    let extra = match &args.rooms {
        Some(path) => read_names(&path.to_string_lossy())?,
        None => Vec::new(),
    };
    let mut confirmed = args.yes || args.dry_run;
    // Listened for from the first endings on: then, while looking or
    // waiting, an interrupt stops at once (nothing is being changed), and
    // while ending, see `batch`. Not before: until then Ctrl-C (at the
    // confirmation prompt too) ends the process as usual.
    let mut interrupts = None;
    let mut pass = Pass {
        client,
        out,
        args: &args,
        extra: &extra,
        confirmed: &mut confirmed,
        interrupts: &mut interrupts,
    };
    loop {
        match pass.run().await {
            Err(Stop(failure)) => return Err(failure),
            Ok(result) if args.once => return result,
            // A pass that fell short has said so; the next one may not.
            Ok(_) => {
                tokio::select! {
                    () = tokio::time::sleep(args.every) => {}
                    () = Interrupts::next_of(pass.interrupts) => return Err(interrupted()),
                }
            }
        }
    }
}

fn interrupted() -> Failure {
    Failure::Interrupted("interrupted; nothing was being changed".to_owned())
}

/// What every pass works with.
struct Pass<'a> {
    client: &'a Client,
    out: &'a Out,
    args: &'a EnforceArgs,
    extra: &'a [String],
    confirmed: &'a mut bool,
    interrupts: &'a mut Option<Interrupts>,
}

/// A failure that ends `enforce` whatever its mode: refused credentials,
/// or a confirmation not given.
struct Stop(Failure);

impl Pass<'_> {
    /// One look at every room, then the endings; `Ok(Err)` when something
    /// could not be checked or ended.
    async fn run(&mut self) -> Result<Result<(), Failure>, Stop> {
        let (client, out, args) = (self.client, self.out, self.args);
        let each = |name: &str, seen: &Seen, over: bool| match seen {
            _ if args.dry_run => {
                check::print(
                    out,
                    name,
                    seen,
                    if over { "would_end" } else { "under_limit" },
                );
            }
            Seen::Unreadable(e) => {
                eprintln!("vobiz: {}: could not read its run time ({e})", shown(name));
            }
            _ => {}
        };
        let mut look = tokio::select! {
            look = look(client, args, self.extra, each) => look,
            () = Interrupts::next_of(self.interrupts) => return Err(Stop(interrupted())),
        };
        let names: Vec<String> = look.over.keys().cloned().collect();
        let mut summary = PassSummary {
            checked: look.checked,
            could_not_check: look.could_not_check,
            over_limit: names.len(),
            endings: Summary::new(0),
        };
        if let Some(failure) = look.stopped.take() {
            let _ = report(out, &summary);
            return Err(Stop(failure));
        }
        if args.dry_run {
            return Ok(report(out, &summary));
        }
        if !names.is_empty() && !*self.confirmed {
            let question = format!(
                "End these rooms running longer than {}?",
                humantime::format_duration(args.max_duration)
            );
            output::confirm_rooms(false, &question, &names).map_err(Stop)?;
            *self.confirmed = true;
        }
        summary.endings = Summary::new(names.len());
        let gate = Gate::default();
        let names = gate.names(names);
        let endings: BoxStream<'_, Ending> = match &args.notice.url {
            Some(url) => client
                .hangup_conferences_with_notice(names, url, args.notice.grace, args.concurrency)
                .boxed(),
            None => client.hangup_conferences(names, args.concurrency).boxed(),
        };
        let each = |name: String, result: Result<Hangup, vobiz::Error>| {
            summary.endings.count(&result);
            let ran = look.over.get(&name).copied().unwrap_or_default();
            match &result {
                Ok(o) => out.report(
                    &format!(
                        "{}: running for {}, over the limit: {o}",
                        shown(&name),
                        human(ran)
                    ),
                    &json!({"name": name, "run_time_seconds": ran.as_secs_f64(), "outcome": o}),
                ),
                Err(e) => {
                    eprintln!("vobiz: {}: {e}", shown(&name));
                    if out.json {
                        out.print("", &json!({"name": name, "error": output::error_json(e)}));
                    }
                }
            }
            stop_after(out, &result)
        };
        let note = |text: &str| eprintln!("{text}");
        let interrupts = self.interrupts.get_or_insert_with(Interrupts::listen);
        let stopped = batch::drive(endings, &gate, interrupts, each, note).await;
        match stopped {
            Some(failure) => {
                // The stop is the line that matters; the summary says the rest.
                let _ = report(out, &summary);
                Err(Stop(failure))
            }
            None => Ok(report(out, &summary)),
        }
    }
}

/// Every room the pass can learn of, and the run time of each, read
/// `--concurrency` at a time; `each` hears every room read (but one whose
/// read was refused for the credentials, which stops the look).
async fn look(
    client: &Client,
    args: &EnforceArgs,
    extra: &[String],
    mut each: impl FnMut(&str, &Seen, bool),
) -> Look {
    let mut look = Look {
        checked: 0,
        could_not_check: 0,
        over: BTreeMap::new(),
        stopped: None,
    };
    let mut names: BTreeSet<String> = extra.iter().cloned().collect();
    if let Some(url) = &args.rooms_from {
        match rooms_from(url).await {
            Ok(live) => names.extend(live),
            Err(failure) => {
                look.could_not_check += 1;
                eprintln!("vobiz: {}; its rooms were not checked", failure.message());
            }
        }
    }
    match client.list_conferences().await {
        Ok(listed) => names.extend(listed),
        Err(e) if e.is_auth_failure() => {
            look.stopped = Some(output::credentials_refused(&e));
            return look;
        }
        Err(e) => {
            look.could_not_check += 1;
            eprintln!("vobiz: listing rooms failed ({e}); checking the named ones");
        }
    }
    let mut reads = std::pin::pin!(check::read(client, names, args.concurrency));
    while let Some((name, seen)) = reads.next().await {
        match &seen {
            Seen::Unreadable(e) if e.is_auth_failure() => {
                look.stopped = Some(output::credentials_refused(e));
                break;
            }
            Seen::Unreadable(_) => look.could_not_check += 1,
            Seen::Active(details) if details.run_time() > args.max_duration => {
                look.checked += 1;
                look.over.insert(name.clone(), details.run_time());
            }
            Seen::Active(_) | Seen::NotActive => look.checked += 1,
        }
        each(&name, &seen, look.over.contains_key(&name));
    }
    look
}

/// Prints the pass's summary (text on stderr, `{"summary": ...}` in JSON)
/// and says whether it held.
fn report(out: &Out, summary: &PassSummary) -> Result<(), Failure> {
    if out.json {
        out.print("", &json!({ "summary": summary }));
    } else {
        out.note(&format!(
            "enforce: {} room(s) checked, {} could not be checked, {} over the limit; {}",
            summary.checked,
            summary.could_not_check,
            summary.over_limit,
            summary.endings.line("ending")
        ));
    }
    let unended = summary.endings.failed + summary.endings.not_tried;
    match (summary.could_not_check, unended) {
        (0, 0) => Ok(()),
        (unchecked, unended) => Err(Failure::Failed(format!(
            "{unchecked} room(s) or source(s) could not be checked, \
             {unended} room(s) over the limit were not ended"
        ))),
    }
}
