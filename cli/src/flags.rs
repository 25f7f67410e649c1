//! The flags several commands share: which account (`--profile`,
//! `--base-url`), the audit log, and how a command reports (`--json`, `-q`,
//! `-v`), each on the commands where it means something.

use std::path::PathBuf;

use clap::Args;

/// `--json`, `-q` and `-v` before the command's name (`vobiz --json rooms`),
/// for the commands that take them; their own ids, so that they never mix
/// with the commands' flags of the same names.
#[derive(Args, Clone)]
pub struct Leading {
    /// Print JSON instead of text, for the commands that print results.
    #[arg(long = "json", id = "leading_json")]
    pub json: bool,
    /// Print only errors and what was asked for, for the commands that
    /// print results.
    #[arg(short = 'q', long = "quiet", id = "leading_quiet")]
    pub quiet: bool,
    /// Trace to stderr, for the commands that make requests.
    #[arg(short = 'v', long = "verbose", id = "leading_verbose", action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--json` and `-q`: the flags of the commands that print results.
#[derive(Args, Clone, Default)]
pub struct Output {
    /// Print one JSON document (one JSON object per line for sweep and
    /// enforce) instead of text; a failure too, as {"error": ...}.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors and what was asked for (a list, a document, the
    /// JSON): no notes, progress or summaries; the exit code tells the rest.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// `-v`: the flag of the commands that make requests.
#[derive(Args, Clone, Default)]
pub struct Verbose {
    /// Trace to stderr (-v: the crate's events, -vv: everything).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `--json`, `-q` and `-v` together, for the commands that make requests
/// and print what came of them.
#[derive(Args, Clone, Default)]
pub struct Reporting {
    #[command(flatten)]
    pub output: Output,
    #[command(flatten)]
    pub verbose: Verbose,
}

/// How a command reports, from its flags and the leading ones.
#[derive(Default)]
pub struct Report {
    pub json: bool,
    pub quiet: bool,
    pub verbose: u8,
}

/// Which account a command acts on, and how it reports: the flags of the
/// commands that call the API.
#[derive(Args, Clone, Default)]
pub struct Account {
    #[command(flatten)]
    pub reporting: Reporting,
    /// The profile to use (`vobiz profile list`); VOBIZ_AUTH_ID and
    /// VOBIZ_AUTH_TOKEN, when both are set, override it.
    #[arg(long, env = "VOBIZ_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// The API's base URL (default: VOBIZ_BASE_URL, else the profile's,
    /// else Vobiz's).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// `--audit-log`, for the commands that change something.
#[derive(Args, Clone, Default)]
pub struct AuditFlag {
    /// Append one JSON line per state change to this file.
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
}
