//! What the CLI shows and keeps: text or JSON on stdout, one-line errors
//! and notes on stderr, the audit log, the exit code, and the questions it
//! asks before anything destructive.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde_json::{Value, json};

use crate::audit::{AuditLayer, AuditLog};
use crate::flags::{Account, Report};
use crate::profiles;

/// Why a command did not end in success, and its exit code.
pub enum Failure {
    /// Usage or invalid input: nothing was sent (exit 2).
    Usage(String),
    /// An operation failed (exit 1).
    Failed(String),
    /// Stopped by an interrupt (SIGINT, Ctrl-C): exit 130, as shells
    /// report a process ended by it.
    Interrupted(String),
    /// The library's error: exit 2 if nothing was sent because of the input
    /// or the configuration, 1 otherwise.
    Api(Box<vobiz::Error>),
}

impl Failure {
    /// The one line, without the `vobiz: ` prefix.
    pub fn message(&self) -> String {
        match self {
            Failure::Usage(m) | Failure::Failed(m) | Failure::Interrupted(m) => {
                vobiz::text::one_line(m)
            }
            Failure::Api(e) => vobiz::text::one_line(&e.to_string()),
        }
    }

    /// Prints the one line on stderr and, in JSON mode when the command
    /// printed no document of its own, `{"error": ...}` on stdout (the
    /// library's `Error::summary()`, or the kind `usage` or `failed` and the
    /// message), so that a script always reads one document; gives the exit
    /// code.
    pub fn exit(self, out: &Out) -> ExitCode {
        let message = self.message();
        let (code, document) = match &self {
            Failure::Usage(_) => (2, json!({"kind": "usage", "message": message})),
            Failure::Failed(_) => (1, json!({"kind": "failed", "message": message})),
            Failure::Interrupted(_) => (130, json!({"kind": "interrupted", "message": message})),
            Failure::Api(e) => (
                if e.is_invalid_input() || matches!(**e, vobiz::Error::Config(_)) {
                    2
                } else {
                    1
                },
                error_json(e),
            ),
        };
        if out.json && !out.printed.load(Ordering::Relaxed) {
            out.print("", &json!({ "error": document }));
        }
        eprintln!("vobiz: {message}");
        ExitCode::from(code)
    }
}

impl From<vobiz::Error> for Failure {
    fn from(e: vobiz::Error) -> Self {
        Failure::Api(Box::new(e))
    }
}

/// The client a command uses: the credentials [`profiles::choose`] finds,
/// with `--base-url` over any other; the profile is named in the audit log.
pub fn client(account: &Account, out: &Out) -> Result<vobiz::Client, Failure> {
    Ok(client_and_token(account, out)?.0)
}

/// [`client`], and the token it was built with (the console checks
/// callback signatures with it).
pub fn client_and_token(account: &Account, out: &Out) -> Result<(vobiz::Client, String), Failure> {
    let chosen = profiles::choose(account, out)?;
    let (mut builder, mut base_url) = (chosen.builder, chosen.base_url);
    if let Some(base) = &account.base_url {
        builder = builder.base_url(base.clone());
        base_url = Some(base.clone());
    }
    if let (Some(log), Some(profile)) = (&out.audit, chosen.profile) {
        log.set_profile(profile);
    }
    Ok((build(builder, base_url.as_deref())?, chosen.token))
}

/// Builds the client, the base URL checked first in the CLI's words (the
/// library's name its own setters, which a CLI user cannot call).
pub fn build(
    builder: vobiz::ClientBuilder,
    base_url: Option<&str>,
) -> Result<vobiz::Client, Failure> {
    if let Some(url) = base_url {
        check_base_url(url)?;
    }
    Ok(builder.build()?)
}

/// A base URL without a scheme gets one suggested; plain http is refused
/// unless the host is this machine, as the library would (in words a CLI
/// user can act on). Anything else wrong is the library's to say.
fn check_base_url(url: &str) -> Result<(), Failure> {
    let shown = shown(url);
    if !url.contains("://") {
        let with_http = reqwest::Url::parse(&format!("http://{url}"));
        let scheme = if with_http.is_ok_and(|u| is_loopback(&u)) {
            "http"
        } else {
            "https"
        };
        return Err(Failure::Usage(format!(
            "base URL {shown:?} has no scheme: did you mean {scheme}://{shown}?"
        )));
    }
    match reqwest::Url::parse(url) {
        Ok(u) if u.scheme() == "http" && !is_loopback(&u) => Err(Failure::Usage(format!(
            "base URL {shown:?} is plain http to another machine, which would send the token \
             unencrypted: use https:// (plain http is for this machine only)"
        ))),
        _ => Ok(()),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Tracing to stderr (`-v` the crate's events, `-vv` everything), and the
/// audit events to the audit log, if there is one.
pub fn init_tracing(verbose: u8, audit: Option<Arc<AuditLog>>) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let stderr = (verbose > 0).then(|| {
        let filter = if verbose == 1 { "vobiz=debug" } else { "trace" };
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .with_filter(tracing_subscriber::EnvFilter::new(filter))
    });
    let audit = audit.map(|log| {
        AuditLayer(log).with_filter(Targets::new().with_target("vobiz::audit", LevelFilter::INFO))
    });
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(audit)
        .try_init();
}

/// Where output goes.
pub struct Out {
    pub json: bool,
    /// `-q`: errors and what was asked for only.
    pub quiet: bool,
    audit: Option<Arc<AuditLog>>,
    audit_error: Option<String>,
    /// Whether a JSON document went to stdout: a failure's is printed only
    /// if not, so that stdout never holds two.
    printed: AtomicBool,
}

impl Out {
    pub fn new(report: &Report, audit_log: Option<&std::path::Path>) -> Self {
        let opened = audit_log.map(AuditLog::open);
        let (audit, audit_error) = match opened {
            Some(Ok(log)) => (Some(log), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        Out {
            json: report.json,
            quiet: report.quiet,
            audit,
            audit_error,
            printed: AtomicBool::new(false),
        }
    }

    /// Refuses to change anything if the audit log asked for cannot be
    /// written: a termination that is not logged is not one to make.
    pub fn check_audit(&self) -> Result<(), Failure> {
        match &self.audit_error {
            Some(e) => Err(Failure::Usage(e.clone())),
            None => Ok(()),
        }
    }

    /// Prints `text` (text mode) or `value` (JSON mode) on stdout.
    pub fn print(&self, text: &str, value: &impl Serialize) {
        self.printed.store(true, Ordering::Relaxed);
        let mut stdout = std::io::stdout().lock();
        let _ = if self.json {
            writeln!(
                stdout,
                "{}",
                serde_json::to_string(value).unwrap_or_default()
            )
        } else {
            writeln!(stdout, "{text}")
        };
    }

    /// What became of an action: `value` in JSON mode, else `text` unless
    /// `-q` (the exit code says it then).
    pub fn report(&self, text: &str, value: &impl Serialize) {
        if self.json || !self.quiet {
            self.print(text, value);
        }
    }

    /// A line of the text output (nothing in JSON mode, which prints one
    /// document at the end, nor with `-q`).
    pub fn line(&self, text: &str) {
        if !self.json && !self.quiet {
            // A closed stdout (`| head`) is the reader's choice, not an error.
            let _ = writeln!(std::io::stdout(), "{text}");
        }
    }

    /// A note for the person at the terminal (stderr, text mode only, not
    /// with `-q`).
    pub fn note(&self, text: &str) {
        if !self.json && !self.quiet {
            eprintln!("{text}");
        }
    }

    /// The audit log, for the tracing layer that writes it.
    pub fn audit_log(&self) -> Option<Arc<AuditLog>> {
        self.audit.clone()
    }

    /// Refuses to go on once a line of the audit log could not be written:
    /// what is done is done, but nothing more is changed unrecorded.
    pub fn audited(&self) -> Result<(), Failure> {
        match self.audit.as_ref().and_then(|log| log.failure()) {
            Some(e) => Err(Failure::Failed(format!(
                "{e}; stopped, nothing more is changed"
            ))),
            None => Ok(()),
        }
    }
}

/// An error as JSON.
pub fn error_json(e: &vobiz::Error) -> Value {
    serde_json::to_value(e.summary()).unwrap_or(Value::Null)
}

/// Whether the person may be asked: stdin and stderr are terminals.
fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A secret the person types: at a prompt that does not echo it when
/// stdin is a terminal, else the first line of stdin (a script pipes it
/// in). Never a flag: flags show in `ps`.
pub fn secret(prompt: &str) -> Result<String, Failure> {
    let typed = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    };
    let typed = typed.map_err(|e| Failure::Usage(format!("cannot read it: {e}")))?;
    Ok(typed.trim_end_matches(['\r', '\n']).to_owned())
}

/// Permission for something destructive: `--yes`, or `answer` typed at the
/// prompt on a terminal. Without a terminal and without `--yes`: refused,
/// before anything is sent.
pub fn confirm(yes: bool, question: &str, answer: &str) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !can_ask() {
        return Err(Failure::Usage(format!(
            "refusing without confirmation ({}): stdin is not a terminal, so pass --yes; \
             nothing was sent",
            question.trim_end_matches(['.', '?', ' '])
        )));
    }
    eprint!("{question} Type {answer:?} to go on: ");
    let _ = std::io::stderr().flush();
    let mut typed = String::new();
    let _ = std::io::stdin().lock().read_line(&mut typed);
    if typed.trim() == answer {
        Ok(())
    } else {
        Err(Failure::Usage("not confirmed; nothing was sent".to_owned()))
    }
}

/// Refuses before anything is sent when confirmation could not be asked
/// for later (so that a verification step sends nothing either).
pub fn must_be_able_to_confirm(yes: bool, what: &str) -> Result<(), Failure> {
    if yes || can_ask() {
        Ok(())
    } else {
        Err(Failure::Usage(format!(
            "{what}: refusing without confirmation; stdin is not a terminal, so pass --yes \
             (nothing was sent)"
        )))
    }
}

/// A name as shown to a person: control, bidirectional and invisible
/// characters written as `\u{..}` escapes, so that a name cannot start a
/// line of its own, move the cursor or reverse the text around it. JSON
/// escapes them already.
pub fn shown(name: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}' | '\u{feff}')
    };
    if !name.chars().any(hidden) {
        return name.to_owned();
    }
    name.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// How many names a confirmation lists before it says how many more.
const LISTED: usize = 20;

/// Permission to end `names`: the question says how many, and on a
/// terminal the first 20 are listed above it.
pub fn confirm_rooms(yes: bool, question: &str, names: &[String]) -> Result<(), Failure> {
    if !yes && can_ask() {
        for name in names.iter().take(LISTED) {
            eprintln!("  {}", shown(name));
        }
        if names.len() > LISTED {
            eprintln!("  ... and {} more", names.len() - LISTED);
        }
    }
    confirm(yes, &format!("{question} ({} room(s))", names.len()), "yes")
}

/// The line that stops a batch when Vobiz refuses the credentials: every
/// other call would be refused the same way.
pub fn credentials_refused(e: &vobiz::Error) -> Failure {
    Failure::Failed(format!(
        "Vobiz refused the credentials ({e}); check VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN. Stopped"
    ))
}

/// Interrupts (SIGINT, Ctrl-C) as they come, from the moment this is made:
/// a batch listens so that the first stops new work and the second stops
/// at once, rather than the process dying with calls in flight unrecorded.
pub struct Interrupts {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    pub fn listen() -> Self {
        Interrupts {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    /// The next interrupt, if anything listens yet; otherwise never (an
    /// interrupt then ends the process as usual).
    pub async fn next_of(interrupts: &mut Option<Interrupts>) {
        match interrupts {
            Some(interrupts) => interrupts.next().await,
            None => std::future::pending().await,
        }
    }

    /// The next interrupt (never, if none can be listened for).
    pub async fn next(&mut self) {
        #[cfg(unix)]
        match &mut self.signal {
            Some(signal) => {
                signal.recv().await;
            }
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
