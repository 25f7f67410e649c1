//! `vobiz`: the hang-up page's best practices as commands, for the people
//! who end rooms: verify, confirm, notify, end, log.
//!
//! Exit codes: 0 when everything asked for holds (a room that is not active
//! counts as holding), 1 when any operation failed, 2 for usage or invalid
//! input, when nothing was sent. Errors are one line on stderr. The auth
//! token comes from `VOBIZ_AUTH_TOKEN` only, never from a flag, and is never
//! printed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

mod answer;
mod api;
mod audit;
mod batch;
mod check;
mod commands;
mod console;
mod demo;
mod enforce;
mod examples;
mod flags;
mod manuals;
mod names;
mod output;
mod profiles;
mod receiver;
mod simulator;
mod sweep;

use flags::{Account, AuditFlag, Leading, Output, Report, Reporting, Verbose};
use output::{Failure, Out};

/// End and moderate Vobiz conference rooms.
///
/// Credentials come from VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN (and
/// VOBIZ_BASE_URL); the token is never accepted as a flag. Try every command
/// without an account: `vobiz simulator` prints the lines that point the CLI
/// at a local simulator.
#[derive(Parser)]
#[command(name = "vobiz", version, about, long_about, after_help = examples::TOP)]
struct Cli {
    #[command(flatten)]
    leading: Leading,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List live conference names, one per line (the list can leave live
    /// rooms out).
    #[command(after_help = examples::ROOMS)]
    Rooms {
        #[command(flatten)]
        account: Account,
    },
    /// Show a room's run time, member count and members.
    #[command(after_help = examples::ROOM)]
    Room {
        /// The room's name.
        name: String,
        #[command(flatten)]
        account: Account,
    },
    /// Verify, confirm, notify, then end rooms (or every room, with --all).
    #[command(after_help = examples::HANGUP)]
    Hangup(HangupArgs),
    /// Act on members of a room: mute, unmute, deafen, undeafen, kick,
    /// hangup, play URL, stop-audio.
    #[command(after_help = examples::MEMBERS)]
    Members(MembersArgs),
    /// Start or stop recording a room.
    #[command(after_help = examples::RECORD)]
    Record(RecordArgs),
    /// End the rooms named one per line in FILE (or `-` for stdin).
    #[command(after_help = examples::SWEEP)]
    Sweep(SweepArgs),
    /// End rooms that have run longer than a limit, every so often.
    #[command(after_help = examples::ENFORCE)]
    Enforce(EnforceArgs),
    /// Run the Vobiz simulator on 127.0.0.1, for trying every command
    /// without an account.
    #[command(after_help = examples::SIMULATOR)]
    Simulator(SimulatorArgs),
    /// A moderated session against a built-in simulator: no credentials,
    /// nothing leaves this machine.
    #[command(after_help = examples::DEMO)]
    Demo {
        #[command(flatten)]
        verbose: Verbose,
    },
    /// Print an answer document (`vobiz xml conference NAME ...`).
    #[command(after_help = examples::XML)]
    Xml(XmlArgs),
    /// Receive conference callbacks (`vobiz callbacks serve --port N`).
    #[command(after_help = examples::CALLBACKS)]
    Callbacks(CallbacksArgs),
    /// Call any operation of the API by its operationId
    /// (`vobiz api --list` lists them).
    #[command(after_help = examples::API)]
    Api(api::ApiArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish), e.g.
    /// `vobiz completions bash > ~/.local/share/bash-completion/completions/vobiz`.
    #[command(after_help = examples::COMPLETIONS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write the man pages (`vobiz.1` and one per command) into a directory.
    #[command(after_help = examples::MAN)]
    Man {
        /// Where to write them.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: PathBuf,
        #[command(flatten)]
        output: Output,
    },
    /// The moderator console in a browser (`vobiz console --simulate` to
    /// try it; `vobiz console add-moderator NAME` to let someone in).
    #[command(after_help = examples::CONSOLE)]
    Console(console::ConsoleArgs),
    /// Named accounts: `profile add NAME --auth-id ID` (the token is asked
    /// for, never a flag), `profile list`, `profile use NAME`.
    #[command(after_help = examples::PROFILE)]
    Profile(profiles::ProfileArgs),
}

#[derive(Args)]
struct CallbacksArgs {
    #[command(flatten)]
    reporting: Reporting,
    #[command(subcommand)]
    action: CallbacksAction,
}

#[derive(Subcommand)]
enum CallbacksAction {
    /// A verified receiver on 127.0.0.1: one JSON line per event on stdout,
    /// 403 for a forged or replayed one, the live rooms at `GET /rooms` for
    /// a caller with `Authorization: Bearer $VOBIZ_ROOMS_TOKEN` (off when
    /// that is unset).
    Serve {
        /// The port on 127.0.0.1.
        #[arg(long, default_value_t = 4020)]
        port: u16,
        /// The public base URL Vobiz calls, when a proxy, tunnel or TLS
        /// terminator forwards to this port (scheme, host, optional port and
        /// path prefix; the request's path is appended). Signatures are
        /// checked against it. Without it only loopback callers verify.
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
}

#[derive(Args)]
struct XmlArgs {
    #[command(flatten)]
    output: Output,
    #[command(subcommand)]
    element: XmlElement,
}

#[derive(Subcommand)]
enum XmlElement {
    /// A `<Response>` that puts the caller in the room NAME.
    Conference(answer::ConferenceArgs),
}

#[derive(Args)]
struct HangupArgs {
    #[command(flatten)]
    account: Account,
    #[command(flatten)]
    audit: AuditFlag,
    /// The rooms to end.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    names: Vec<String>,
    /// End every conference on the account (asks for the auth ID on a
    /// terminal).
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    notice: Notice,
    /// Do not ask; needed when stdin is not a terminal.
    #[arg(long, short)]
    yes: bool,
}

/// The notice played to a room before it is ended.
#[derive(Args)]
struct Notice {
    /// Play this audio (an https URL) to everyone before ending a room.
    #[arg(long = "notice", value_name = "URL")]
    url: Option<String>,
    /// How long to wait after the notice.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    grace: Duration,
}

#[derive(Args)]
struct MembersArgs {
    #[command(flatten)]
    account: Account,
    #[command(flatten)]
    audit: AuditFlag,
    /// The room.
    room: String,
    /// What to do.
    action: MemberAction,
    /// For `play`: the audio URL, then the member ids; otherwise the ids.
    args: Vec<String>,
    /// Every member (Vobiz's `all`).
    #[arg(long)]
    all: bool,
    /// With --all: leave these members out (reads the room's members first;
    /// members who join in between are not included).
    #[arg(long, value_name = "ID", num_args = 1.., requires = "all")]
    except: Vec<String>,
    /// Do not ask before kick or hangup; needed when stdin is not a terminal.
    #[arg(long, short)]
    yes: bool,
}

/// A member action.
#[derive(Clone, Copy, ValueEnum)]
enum MemberAction {
    Mute,
    Unmute,
    Deafen,
    Undeafen,
    Kick,
    Hangup,
    Play,
    StopAudio,
}

#[derive(Args)]
struct RecordArgs {
    #[command(flatten)]
    account: Account,
    #[command(flatten)]
    audit: AuditFlag,
    /// The room.
    room: String,
    /// `start` or `stop`.
    action: RecordAction,
    /// The file format.
    #[arg(long, value_enum, default_value = "mp3")]
    format: answer::AudioFormat,
    /// Where Vobiz sends the recording when it is ready.
    #[arg(long, value_name = "URL")]
    callback: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RecordAction {
    Start,
    Stop,
}

#[derive(Args)]
struct SweepArgs {
    #[command(flatten)]
    account: Account,
    #[command(flatten)]
    audit: AuditFlag,
    /// A file with one room name per line, or `-` for stdin.
    #[arg(required_unless_present = "rooms_from")]
    file: Option<String>,
    /// The live rooms of a `vobiz callbacks serve` receiver (its `/rooms`
    /// URL), a registry the callbacks keep true.
    #[arg(long, value_name = "URL", conflicts_with = "file")]
    rooms_from: Option<String>,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Read each room (GET only) and say which would be ended, which are
    /// not active and which could not be read; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Do not ask; needed when stdin is not a terminal.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Args)]
struct EnforceArgs {
    #[command(flatten)]
    account: Account,
    #[command(flatten)]
    audit: AuditFlag,
    /// End rooms running longer than this (e.g. 45m, 2h).
    #[arg(long, value_parser = parse_duration)]
    max_duration: Duration,
    /// How often to look.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    every: Duration,
    /// More rooms to watch, one name per line: Vobiz's list can leave live
    /// rooms out.
    #[arg(long, value_name = "FILE")]
    rooms: Option<PathBuf>,
    /// More rooms to watch: the live rooms of a `vobiz callbacks serve`
    /// receiver (its `/rooms` URL), read on every pass.
    #[arg(long, value_name = "URL")]
    rooms_from: Option<String>,
    /// One pass, then exit (for cron): 0 only when every room it was asked
    /// to look at was checked and every one over the limit was ended.
    #[arg(long)]
    once: bool,
    /// Rooms ended (and notices played) at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Report what would be ended, and end nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    notice: Notice,
    /// Do not ask; needed when stdin is not a terminal.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Args)]
struct SimulatorArgs {
    #[command(flatten)]
    reporting: Reporting,
    /// The port on 127.0.0.1.
    #[arg(long, default_value_t = 4010)]
    port: u16,
    /// A room to start with, as NAME or NAME:MEMBERS (repeatable).
    #[arg(long = "room", value_name = "NAME[:MEMBERS]")]
    rooms: Vec<String>,
    /// Rooms to start with, one `NAME[:MEMBERS]` a line.
    #[arg(long = "rooms", value_name = "FILE")]
    rooms_file: Option<PathBuf>,
    /// Send the rooms' signed conference callbacks here (those of the
    /// rooms and members it starts with included).
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (try 30s, 10m, 2h)"))
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let name = matches.subcommand_name().unwrap_or_default();
    let report = match cli.command.report(name, &cli.leading) {
        Ok(report) => report,
        Err(failure) => return failure.exit(&Out::new(&Report::default(), None)),
    };
    let out = Out::new(&report, cli.command.audit_log());
    output::init_tracing(report.verbose, out.audit_log());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return Failure::Failed(format!("cannot start: {e}")).exit(&out),
    };
    match runtime.block_on(run(cli.command, &out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.exit(&out),
    }
}

impl Command {
    /// How the command reports: its own flags, and those given before its
    /// name if it takes them (a usage error if it does not, since they
    /// would mean nothing).
    fn report(&self, name: &str, leading: &Leading) -> Result<Report, Failure> {
        let (output, verbose) = self.reporting();
        let refuse = |flag: &str| {
            Failure::Usage(format!(
                "{flag} means nothing for `vobiz {name}`; leave it out"
            ))
        };
        if output.is_none() && (leading.json || leading.quiet) {
            return Err(refuse(if leading.json { "--json" } else { "--quiet" }));
        }
        if verbose.is_none() && leading.verbose > 0 {
            return Err(refuse("--verbose"));
        }
        let output = output.cloned().unwrap_or_default();
        Ok(Report {
            json: leading.json || output.json,
            quiet: leading.quiet || output.quiet,
            verbose: leading
                .verbose
                .saturating_add(verbose.map_or(0, |v| v.verbose)),
        })
    }

    /// The reporting flags the command takes: `--json` and `-q` for those
    /// that print results, `-v` for those that make requests.
    fn reporting(&self) -> (Option<&Output>, Option<&Verbose>) {
        fn both(r: &Reporting) -> (Option<&Output>, Option<&Verbose>) {
            (Some(&r.output), Some(&r.verbose))
        }
        match self {
            Command::Simulator(args) => both(&args.reporting),
            Command::Callbacks(args) => both(&args.reporting),
            Command::Xml(args) => (Some(&args.output), None),
            Command::Man { output, .. } => (Some(output), None),
            Command::Profile(args) => (Some(args.output()), args.verbose()),
            Command::Demo { verbose } => (None, Some(verbose)),
            Command::Completions { .. } => (None, None),
            // The commands that call the API: their account flags carry them.
            _ => self
                .account()
                .map_or((None, None), |account| both(&account.reporting)),
        }
    }

    /// `--audit-log`, for the commands that change something.
    fn audit_log(&self) -> Option<&std::path::Path> {
        let flag = match self {
            Command::Hangup(args) => &args.audit,
            Command::Members(args) => &args.audit,
            Command::Record(args) => &args.audit,
            Command::Sweep(args) => &args.audit,
            Command::Enforce(args) => &args.audit,
            Command::Api(args) => args.audit(),
            Command::Console(args) => args.audit(),
            _ => return None,
        };
        flag.audit_log.as_deref()
    }

    /// The account flags, for the commands that call the API.
    fn account(&self) -> Option<&Account> {
        match self {
            Command::Rooms { account } | Command::Room { account, .. } => Some(account),
            Command::Hangup(args) => Some(&args.account),
            Command::Members(args) => Some(&args.account),
            Command::Record(args) => Some(&args.account),
            Command::Sweep(args) => Some(&args.account),
            Command::Enforce(args) => Some(&args.account),
            Command::Api(args) => Some(args.account()),
            Command::Console(args) => Some(args.account()),
            _ => None,
        }
    }
}

async fn run(command: Command, out: &Out) -> Result<(), Failure> {
    let client = match command.account() {
        Some(account) if needs_client(&command) => output::client(account, out)?,
        _ => return run_offline(command, out).await,
    };
    match command {
        Command::Rooms { .. } => commands::rooms(&client, out).await,
        Command::Room { name, .. } => commands::room(&client, out, &name).await,
        Command::Hangup(args) if args.all => commands::hangup_all(&client, out, args).await,
        Command::Hangup(args) => commands::hangup(&client, out, args).await,
        Command::Members(args) => commands::members(&client, out, args).await,
        Command::Record(args) => commands::record(&client, out, args).await,
        Command::Sweep(args) => sweep::sweep(&client, out, args).await,
        Command::Enforce(args) => enforce::enforce(&client, out, args).await,
        Command::Api(args) => api::call(&client, out, args).await,
        _ => run_offline(command, out).await,
    }
}

/// Whether the command calls the API with the account's client (`api
/// --list` and the console's own modes do not, or build their own).
fn needs_client(command: &Command) -> bool {
    match command {
        Command::Api(args) => !args.lists(),
        Command::Console(_) => false,
        _ => true,
    }
}

/// The commands that need no account's client.
async fn run_offline(command: Command, out: &Out) -> Result<(), Failure> {
    match command {
        Command::Simulator(args) => simulator::run(args, out).await,
        Command::Demo { .. } => demo::run()
            .await
            .map_err(|e| Failure::Failed(e.to_string())),
        Command::Xml(XmlArgs {
            element: XmlElement::Conference(args),
            ..
        }) => answer::conference(args, out),
        Command::Callbacks(CallbacksArgs {
            action: CallbacksAction::Serve { port, public_url },
            ..
        }) => receiver::serve(port, public_url, out).await,
        Command::Api(_) => api::list(out),
        Command::Console(args) => console::run(args, out).await,
        Command::Completions { shell } => manuals::completions::<Cli>(shell),
        Command::Man { out: dir, .. } => manuals::man::<Cli>(&dir, out),
        Command::Profile(args) => profiles::run(args, out).await,
        Command::Rooms { .. }
        | Command::Room { .. }
        | Command::Hangup(_)
        | Command::Members(_)
        | Command::Record(_)
        | Command::Sweep(_)
        | Command::Enforce(_) => Err(Failure::Failed(
            "internal: this command needs the account's client".to_owned(),
        )),
    }
}
