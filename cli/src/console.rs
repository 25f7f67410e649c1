//! `vobiz console`: the moderator console, served on 127.0.0.1 (or behind
//! a TLS terminator, with `--public-url https://…`), and `vobiz console
//! add-moderator NAME`. With `--simulate` it runs against the built-in
//! simulator, which sends the console its signed callbacks, and prints a
//! one-time sign-in URL.

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vobiz::console::{Console, Store};
use vobiz::testing::{FAKE_AUTH_ID, FAKE_AUTH_TOKEN, FakeVobiz};

use crate::output::{self, Failure, Out};

#[derive(Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    account: crate::flags::Account,
    #[command(flatten)]
    audit: crate::flags::AuditFlag,
    #[command(subcommand)]
    action: Option<ConsoleAction>,
    /// Run against the built-in simulator (a few rooms with members, its
    /// signed callbacks sent here) and print a one-time sign-in URL.
    #[arg(long)]
    simulate: bool,
    /// The database file (default: the platform's data directory, e.g.
    /// ~/.local/share/vobiz/console.db; with --simulate, memory only).
    #[arg(long, value_name = "FILE", global = true)]
    db: Option<PathBuf>,
    /// The address to listen on. Anything but loopback needs --public-url
    /// https://… (a TLS terminator in front).
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// The port (0: any free one).
    #[arg(long, default_value_t = 4030)]
    port: u16,
    /// The URL people and Vobiz reach the console at, when a proxy or TLS
    /// terminator forwards to it. Callback signatures are checked against
    /// it, and cookies are marked Secure when it is https.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// How long audit lines are kept in the database (e.g. 90d, 1y).
    #[arg(long, default_value = "90days", value_parser = crate::parse_duration)]
    keep_audit: std::time::Duration,
}

#[derive(Subcommand)]
enum ConsoleAction {
    /// Add a moderator (or set their password): prompts for the password,
    /// and stores only its argon2 hash.
    AddModerator {
        /// The moderator's name, as the audit trail shows it.
        name: String,
    },
}

impl ConsoleArgs {
    /// `--audit-log`.
    pub fn audit(&self) -> &crate::flags::AuditFlag {
        &self.audit
    }

    /// The account flags (the live console's; `--simulate` needs none).
    pub fn account(&self) -> &crate::flags::Account {
        &self.account
    }
}

pub async fn run(args: ConsoleArgs, out: &Out) -> Result<(), Failure> {
    if let Some(ConsoleAction::AddModerator { name }) = &args.action {
        return add_moderator(&args, name, out);
    }
    let loopback = args.bind.is_loopback();
    let public = args.public_url.as_deref().map(public_url).transpose()?;
    if !loopback && !public.as_deref().is_some_and(|u| u.starts_with("https://")) {
        return Err(Failure::Usage(format!(
            "--bind {} is reachable from other machines: pass --public-url https://… for the \
             TLS terminator in front (the console sends passwords and session cookies)",
            args.bind
        )));
    }
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {addr}: {e}")))?;
    let port = listener.local_addr().map_or(args.port, |a| a.port());
    let base = format!(
        "http://{}:{port}",
        if loopback {
            "127.0.0.1".to_owned()
        } else {
            args.bind.to_string()
        }
    );
    let public = public.unwrap_or_else(|| base.clone());
    if args.simulate {
        simulate(&args, listener, &public, out).await
    } else {
        live(&args, listener, &public, out).await
    }
}

async fn live(
    args: &ConsoleArgs,
    listener: tokio::net::TcpListener,
    public: &str,
    out: &Out,
) -> Result<(), Failure> {
    let (client, token) = output::client_and_token(&args.account, out)?;
    let store = open_store(args.db.clone().or_else(default_db))?;
    let console = Console::builder(client, store)
        .callbacks(token, public)
        .secure_cookies(public.starts_with("https://"))
        .audit_retention(args.keep_audit)
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    out.line(&format!("console: {public}/"));
    out.note(&format!(
        "conference callbacks: {public}/callbacks (set it as the rooms' callbackUrl). \
         Sign in at {public}/signin; add moderators with `vobiz console add-moderator NAME`. Ctrl-C stops it."
    ));
    serve(&console, listener).await;
    Ok(())
}

/// The simulator's rooms: a name and its members.
const ROOMS: &[(&str, usize)] = &[
    ("Team Standup", 3),
    ("Design Review", 2),
    ("Support Line", 1),
];

async fn simulate(
    args: &ConsoleArgs,
    listener: tokio::net::TcpListener,
    public: &str,
    out: &Out,
) -> Result<(), Failure> {
    let fake = FakeVobiz::serve(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        FAKE_AUTH_ID,
        FAKE_AUTH_TOKEN,
    )
    .await
    .map_err(|e| Failure::Failed(format!("cannot start the simulator: {e}")))?;
    let store = match &args.db {
        Some(path) => open_store(Some(path.clone()))?,
        None => Store::in_memory().map_err(|e| Failure::Failed(e.to_string()))?,
    };
    let console = Console::builder(fake.client(), store)
        .callbacks(FAKE_AUTH_TOKEN, public)
        .list_every(std::time::Duration::from_secs(5))
        .audit_retention(args.keep_audit)
        .build()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    fake.send_callbacks_to(format!("{public}/callbacks"))
        .map_err(|e| Failure::Failed(format!("cannot send callbacks: {e}")))?;
    for (room, members) in ROOMS {
        fake.add_conference(*room);
        for i in 0..*members {
            fake.join(room, &format!("+1555010{:04}", i + 1));
        }
    }
    // The rooms are on the page from the first look: their callbacks wait
    // in the listener's queue, and the list is read once now.
    console.read_list().await;
    let serving = serve(&console, listener);
    out.line(&format!("console: {public}/"));
    out.line(&format!(
        "sign-in: {public}{}",
        console.sign_in_link("simulator")
    ));
    out.note(&format!(
        "simulating Vobiz on {} with {} rooms (a fake account; nothing leaves this machine). \
         The sign-in URL works once, within 15 minutes. Ctrl-C stops it.",
        fake.base_url(),
        ROOMS.len()
    ));
    let _ = std::io::stdout().flush();
    serving.await;
    Ok(())
}

/// Starts serving now; the future ends (and serving stops) at Ctrl-C.
fn serve(
    console: &Console,
    listener: tokio::net::TcpListener,
) -> impl std::future::Future<Output = ()> {
    let console = console.clone();
    let task = tokio::spawn(async move { console.serve(listener).await });
    async move {
        let _ = tokio::signal::ctrl_c().await;
        task.abort();
    }
}

fn default_db() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("vobiz").join("console.db"))
}

fn open_store(path: Option<PathBuf>) -> Result<Store, Failure> {
    let path = path.ok_or_else(|| {
        Failure::Usage("no data directory on this platform: pass --db FILE".to_owned())
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", dir.display())))?;
    }
    Store::open(&path).map_err(|e| Failure::Failed(format!("{} ({})", e, path.display())))
}

fn add_moderator(args: &ConsoleArgs, name: &str, out: &Out) -> Result<(), Failure> {
    let store = open_store(args.db.clone().or_else(default_db))?;
    let password = output::secret(&format!("Password for {name}: "))?;
    // Asked twice only where it was typed unseen.
    if std::io::stdin().is_terminal() && output::secret("Again: ")? != password {
        return Err(Failure::Usage(
            "the passwords differ; nothing was stored".to_owned(),
        ));
    }
    Console::add_moderator(&store, name, &password).map_err(|e| Failure::Usage(e.to_string()))?;
    out.print(
        &format!("moderator {} added", output::shown(name)),
        &serde_json::json!({"moderator": name, "added": true}),
    );
    Ok(())
}

fn public_url(text: &str) -> Result<String, Failure> {
    let url = reqwest::Url::parse(text).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some()
            && u.query().is_none()
            && u.path() == "/"
    });
    match url {
        Some(u) => Ok(u.as_str().trim_end_matches('/').to_owned()),
        None => Err(Failure::Usage(format!(
            "--public-url {text:?} must be an http(s) URL with a host and no path: the console \
             serves from / (e.g. https://moderate.example.com)"
        ))),
    }
}
