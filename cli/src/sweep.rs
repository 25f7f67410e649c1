//! Many rooms at once: `sweep` (a list of names, with a progress bar and a
//! summary) and `enforce` (the page's time limits, on a schedule).

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::json;
use vobiz::{Client, Hangup};

use crate::commands::{audit_ending, end, human};
use crate::output::{self, Failure, Out};
use crate::{EnforceArgs, SweepArgs};

/// How a sweep went, counted.
#[derive(Default, Serialize)]
struct Summary {
    total: usize,
    ended: usize,
    not_active: usize,
    gone_after_retry: usize,
    failed: usize,
}

impl Summary {
    fn count(&mut self, outcome: &Result<Hangup, vobiz::Error>) {
        match outcome {
            Ok(Hangup::Ended) => self.ended += 1,
            Ok(Hangup::NotActive) => self.not_active += 1,
            Ok(Hangup::GoneAfterRetry) => self.gone_after_retry += 1,
            Ok(_) => self.ended += 1,
            Err(_) => self.failed += 1,
        }
    }

    fn line(&self) -> String {
        format!(
            "swept {}: {} ended, {} not active, {} gone after retry, {} failed",
            self.total, self.ended, self.not_active, self.gone_after_retry, self.failed
        )
    }
}

/// Room names, one per line, blank lines and surrounding spaces left out.
fn read_names(file: &str) -> Result<Vec<String>, Failure> {
    let read = |reader: &mut dyn BufRead| -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        for line in reader.lines() {
            let line = line?;
            let name = line.trim();
            if !name.is_empty() {
                names.push(name.to_owned());
            }
        }
        Ok(names)
    };
    let names = if file == "-" {
        read(&mut std::io::stdin().lock())
    } else {
        std::fs::File::open(file).and_then(|f| read(&mut std::io::BufReader::new(f)))
    };
    names.map_err(|e| Failure::Usage(format!("cannot read {file}: {e}")))
}

/// How long reading a receiver's live rooms may take.
const ROOMS_FROM_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read from a receiver, as the library bounds Vobiz's.
const ROOMS_FROM_MAX: usize = 4 * 1024 * 1024;

/// The live rooms a `vobiz callbacks serve` receiver knows, from its
/// `/rooms` URL, asked with `VOBIZ_ROOMS_TOKEN` as the receiver wants it.
pub async fn rooms_from(url: &str) -> Result<Vec<String>, Failure> {
    let failed = |e: String| Failure::Failed(format!("cannot read the rooms at {url}: {e}"));
    // Bounded: a receiver that hangs must not hang a cron job's pass.
    let http = reqwest::Client::builder()
        .timeout(ROOMS_FROM_TIMEOUT)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let mut request = http.get(url);
    if let Some(token) = crate::receiver::rooms_token()? {
        request = request.bearer_auth(token);
    }
    let mut answer = request.send().await.map_err(|e| failed(e.to_string()))?;
    match answer.status() {
        s if s.is_success() => {}
        s if s == reqwest::StatusCode::UNAUTHORIZED => {
            return Err(failed(format!(
                "HTTP {s}; set VOBIZ_ROOMS_TOKEN to the receiver's"
            )));
        }
        s => return Err(failed(format!("HTTP {s}"))),
    }
    let mut body = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(|e| failed(e.to_string()))? {
        if body.len() + chunk.len() > ROOMS_FROM_MAX {
            return Err(failed(format!("the answer is over {ROOMS_FROM_MAX} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| failed(e.to_string()))?;
    let rooms = doc["rooms"]
        .as_array()
        .ok_or_else(|| failed("no `rooms` list".to_owned()))?;
    rooms
        .iter()
        .map(|r| {
            r.as_str()
                .map(str::to_owned)
                .ok_or_else(|| failed("a room that is not a name".to_owned()))
        })
        .collect()
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
            out.print(name, &json!({"name": name, "outcome": "would_end"}));
        }
        out.note(&format!(
            "dry run: {} room(s) would be ended; nothing was sent",
            names.len()
        ));
        return Ok(());
    }
    output::confirm(yes, &format!("End {} room(s)?", names.len()), "yes")?;
    let mut summary = Summary {
        total: names.len(),
        ..Summary::default()
    };
    let bar = progress(names.len());
    let mut outcomes = std::pin::pin!(client.hangup_conferences(names, args.concurrency));
    while let Some((name, outcome)) = outcomes.next().await {
        summary.count(&outcome);
        audit_ending(out, client, "hangup", &name, &outcome);
        if out.json {
            let line = match &outcome {
                Ok(o) => json!({"name": name, "outcome": o}),
                Err(e) => json!({"name": name, "error": output::error_json(e)}),
            };
            bar.suspend(|| out.print("", &line));
        } else if let Err(e) = &outcome {
            bar.suspend(|| eprintln!("vobiz: {name}: {e}"));
        }
        bar.set_message(format!(
            "ended {} · not active {} · gone after retry {} · failed {}",
            summary.ended, summary.not_active, summary.gone_after_retry, summary.failed
        ));
        // (The counts read as they stand: a 404 after an uncertain attempt
        // is counted apart from an ending, see `Hangup::GoneAfterRetry`.)
        bar.inc(1);
    }
    bar.finish_and_clear();
    if out.json {
        out.print("", &json!({ "summary": summary }));
    } else {
        eprintln!("{}", summary.line());
    }
    if summary.failed > 0 {
        Err(Failure::Failed(format!(
            "{} room(s) could not be ended",
            summary.failed
        )))
    } else {
        Ok(())
    }
}

pub async fn enforce(client: &Client, out: &Out, args: EnforceArgs) -> Result<(), Failure> {
    out.check_audit()?;
    if !args.dry_run {
        output::confirm(
            args.yes,
            &format!(
                "End every room running longer than {}?",
                human(args.max_duration)
            ),
            "yes",
        )?;
    }
    let extra = match &args.rooms {
        Some(path) => read_names(&path.to_string_lossy())?,
        None => Vec::new(),
    };
    let mut failed = 0;
    loop {
        failed += pass(client, out, &args, &extra).await?;
        if args.once {
            break;
        }
        tokio::time::sleep(args.every).await;
    }
    if failed > 0 {
        Err(Failure::Failed(format!(
            "{failed} room(s) over the limit could not be ended"
        )))
    } else {
        Ok(())
    }
}

/// One look at every room: the list, plus the names given (the list is
/// inconclusive). Returns how many rooms over the limit could not be ended.
async fn pass(
    client: &Client,
    out: &Out,
    args: &EnforceArgs,
    extra: &[String],
) -> Result<usize, Failure> {
    let mut names: BTreeSet<String> = extra.iter().cloned().collect();
    if let Some(url) = &args.rooms_from {
        match rooms_from(url).await {
            Ok(live) => names.extend(live),
            Err(failure) => eprintln!("vobiz: {}", failure.message()),
        }
    }
    match client.list_conferences().await {
        Ok(listed) => names.extend(listed),
        Err(e) => eprintln!("vobiz: listing rooms failed ({e}); checking the named ones"),
    }
    let mut failed = 0;
    for name in names {
        let room = client.conference(&name);
        let details = match room.details().await {
            Ok(details) => details,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                eprintln!("vobiz: {name}: could not read its run time ({e})");
                continue;
            }
        };
        if details.run_time() <= args.max_duration {
            continue;
        }
        let ran = human(details.run_time());
        if args.dry_run {
            out.print(
                &format!("{name}: running for {ran}, over the limit: would end"),
                &json!({"name": name, "run_time_seconds": details.run_time().as_secs_f64(), "outcome": "would_end"}),
            );
            continue;
        }
        let result = end(&room, &args.notice).await;
        audit_ending(out, client, "enforce_hangup", &name, &result);
        match result {
            Ok(o) => out.print(
                &format!("{name}: running for {ran}, over the limit: {o}"),
                &json!({"name": name, "run_time_seconds": details.run_time().as_secs_f64(), "outcome": o}),
            ),
            Err(e) => {
                failed += 1;
                eprintln!("vobiz: {name}: {e}");
                if out.json {
                    out.print("", &json!({"name": name, "error": output::error_json(&e)}));
                }
            }
        }
    }
    Ok(failed)
}
