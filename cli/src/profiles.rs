//! Named profiles: an account's auth ID and base URL in `profiles.json`,
//! its token in `tokens.json` beside it, a file only its owner may read
//! (created 0600 in a 0700 directory, and refused if others can read it),
//! as gh keeps its hosts when there is no keyring. The token never goes in
//! the profiles file, and never on the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::flags::Account;
use crate::output::{Failure, Out};

/// `vobiz profile ...`.
#[derive(Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    output: crate::flags::Output,
    #[command(subcommand)]
    action: ProfileAction,
}

impl ProfileArgs {
    /// `--json` and `-q`.
    pub fn output(&self) -> &crate::flags::Output {
        &self.output
    }

    /// `-v`, for `profile add`, the one that makes a request.
    pub fn verbose(&self) -> Option<&crate::flags::Verbose> {
        match &self.action {
            ProfileAction::Add { verbose, .. } => Some(verbose),
            _ => None,
        }
    }
}

/// What `vobiz profile` does.
#[derive(Subcommand)]
pub enum ProfileAction {
    /// Store an account under NAME: its auth ID and base URL in the config
    /// directory, its token (typed at a prompt that does not echo, or the
    /// first line of stdin) in a file only you can read.
    Add {
        /// The profile's name (e.g. production, staging).
        name: String,
        /// The account's auth ID.
        #[arg(long, value_name = "ID")]
        auth_id: String,
        /// Its API base URL, if not Vobiz's.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Store it without asking Vobiz whether it takes the token (one
        /// read, the list of live rooms, is made otherwise).
        #[arg(long)]
        no_verify: bool,
        #[command(flatten)]
        verbose: crate::flags::Verbose,
    },
    /// The profiles: names, auth IDs and base URLs, never tokens.
    List,
    /// Use NAME when no --profile, VOBIZ_PROFILE or credentials say otherwise.
    Use {
        /// The profile.
        name: String,
    },
    /// Forget NAME and its token.
    Remove {
        /// The profile.
        name: String,
    },
}

/// One profile, as the profiles file keeps it.
#[derive(Clone, Serialize, Deserialize)]
struct Profile {
    auth_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
}

/// The profiles file.
#[derive(Default, Serialize, Deserialize)]
struct Profiles {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Where profiles live: `VOBIZ_CONFIG_DIR`, else the platform's config
/// directory (`~/.config/vobiz` on Linux).
struct Store {
    dir: PathBuf,
}

impl Store {
    fn locate() -> Result<Store, Failure> {
        let dir = match std::env::var_os("VOBIZ_CONFIG_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => dirs::config_dir().map(|d| d.join("vobiz")).ok_or_else(|| {
                Failure::Usage(
                    "no config directory on this system; set VOBIZ_CONFIG_DIR".to_owned(),
                )
            })?,
        };
        Ok(Store { dir })
    }

    fn profiles_path(&self) -> PathBuf {
        self.dir.join("profiles.json")
    }

    fn tokens_path(&self) -> PathBuf {
        self.dir.join("tokens.json")
    }

    fn profiles(&self) -> Result<Profiles, Failure> {
        read_json(&self.profiles_path(), false)
    }

    fn tokens(&self) -> Result<BTreeMap<String, String>, Failure> {
        read_json(&self.tokens_path(), true)
    }

    fn save(&self, profiles: &Profiles, tokens: &BTreeMap<String, String>) -> Result<(), Failure> {
        make_private_dir(&self.dir)?;
        // The token first: a profile is never listed without its token.
        write_private(&self.tokens_path(), &json!(tokens))?;
        write_private(&self.profiles_path(), &json!(profiles))
    }
}

/// A JSON file, or its default when there is none; `private` files are
/// refused when anyone but their owner may read them.
fn read_json<T: Default + serde::de::DeserializeOwned>(
    path: &Path,
    private: bool,
) -> Result<T, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => {
            return Err(Failure::Failed(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    if private {
        check_private(path)?;
    }
    serde_json::from_str(&text).map_err(|e| {
        Failure::Failed(format!(
            "{} is not a profiles file vobiz can read ({e}); fix or remove it",
            path.display()
        ))
    })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Failure::Failed(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::Failed(format!(
            "{} may be read by others (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), Failure> {
    Ok(())
}

fn make_private_dir(dir: &Path) -> Result<(), Failure> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", dir.display())))
}

/// Writes `value` to a new owner-only file beside `path`, then renames it
/// over `path`: a reader sees the old file or the new one, never half.
fn write_private(path: &Path, value: &serde_json::Value) -> Result<(), Failure> {
    use std::io::Write;
    let failed =
        |e: std::io::Error| Failure::Failed(format!("cannot write {}: {e}", path.display()));
    let staged = path.with_extension("json.new");
    // Made fresh, so that its mode is ours: a leftover from a crash keeps
    // whatever mode it had if merely truncated.
    match std::fs::remove_file(&staged) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(e)),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&staged).map_err(failed)?;
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    file.write_all(format!("{text}\n").as_bytes())
        .map_err(failed)?;
    file.sync_all().map_err(failed)?;
    std::fs::rename(&staged, path).map_err(failed)
}

/// A profile name: letters, digits, `.`, `_` and `-`, not starting with a
/// dot or a dash, at most 64.
fn check_name(name: &str) -> Result<(), Failure> {
    let fine = (1..=64).contains(&name.len())
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if fine {
        Ok(())
    } else {
        Err(Failure::Usage(format!(
            "profile name {name:?} must be 1 to 64 letters, digits, `.`, `_` or `-`"
        )))
    }
}

/// `vobiz profile ...`.
pub async fn run(args: ProfileArgs, out: &Out) -> Result<(), Failure> {
    let store = Store::locate()?;
    match args.action {
        ProfileAction::Add {
            name,
            auth_id,
            base_url,
            no_verify,
            ..
        } => add(&store, out, name, Profile { auth_id, base_url }, !no_verify).await,
        ProfileAction::List => list(&store, out),
        ProfileAction::Use { name } => choose_default(&store, out, &name),
        ProfileAction::Remove { name } => remove(&store, out, &name),
    }
}

async fn add(
    store: &Store,
    out: &Out,
    name: String,
    profile: Profile,
    verify: bool,
) -> Result<(), Failure> {
    check_name(&name)?;
    let token = read_token(&name)?;
    // Checked as every command will use it, before anything is stored.
    let client = crate::output::build(
        builder(&profile, token.clone()),
        profile.base_url.as_deref(),
    )?;
    if verify {
        verified(&client, &profile.auth_id).await?;
        out.note(&format!("Vobiz took the token for {}", profile.auth_id));
    }
    let mut profiles = store.profiles()?;
    let mut tokens = store.tokens()?;
    let replaced = profiles.profiles.insert(name.clone(), profile).is_some();
    tokens.insert(name.clone(), token);
    store.save(&profiles, &tokens)?;
    let verb = if replaced { "replaced" } else { "added" };
    out.report(
        &format!(
            "profile {name} {verb}; use it with --profile {name} or VOBIZ_PROFILE={name}, \
             or make it the default with `vobiz profile use {name}`"
        ),
        &json!({"profile": name, "outcome": verb}),
    );
    Ok(())
}

/// Asks Vobiz whether it takes the credentials (a read: the live rooms),
/// so that a wrong token is found now rather than when the profile is
/// needed.
async fn verified(client: &vobiz::Client, auth_id: &str) -> Result<(), Failure> {
    match client.list_conferences().await {
        Ok(_) => Ok(()),
        Err(e) if e.is_auth_failure() => Err(Failure::Failed(format!(
            "Vobiz refused the token for {auth_id} ({e}); nothing stored"
        ))),
        Err(e) => Err(Failure::Failed(format!(
            "could not check the token ({e}); nothing stored (--no-verify stores it unchecked)"
        ))),
    }
}

/// The token: typed at a prompt that does not echo it, or the first line
/// of stdin (`pass show vobiz | vobiz profile add ...`).
fn read_token(name: &str) -> Result<String, Failure> {
    let token = crate::output::secret(&format!("Auth token for {name} (not shown): "))?;
    let token = token.trim().to_owned();
    if token.is_empty() {
        return Err(Failure::Usage(
            "no token given: type it at the prompt, or pipe it on stdin; nothing was stored"
                .to_owned(),
        ));
    }
    Ok(token)
}

fn list(store: &Store, out: &Out) -> Result<(), Failure> {
    let profiles = store.profiles()?;
    let default = profiles.default.as_deref();
    let (mut rows, mut text) = (Vec::new(), Vec::new());
    for (name, p) in &profiles.profiles {
        let is_default = Some(name.as_str()) == default;
        rows.push(
            json!({"name": name, "auth_id": p.auth_id, "base_url": p.base_url,
            "default": is_default}),
        );
        let mark = if is_default { " (default)" } else { "" };
        let base = p.base_url.as_deref().unwrap_or("-");
        text.push(format!("{name:<16} {:<24} {base}{mark}", p.auth_id));
    }
    if text.is_empty() {
        out.note("no profiles; add one with `vobiz profile add NAME --auth-id ID`");
    }
    out.print(&text.join("\n"), &json!({ "profiles": rows }));
    Ok(())
}

fn choose_default(store: &Store, out: &Out, name: &str) -> Result<(), Failure> {
    let mut profiles = store.profiles()?;
    if !profiles.profiles.contains_key(name) {
        return Err(unknown(name));
    }
    profiles.default = Some(name.to_owned());
    store.save(&profiles, &store.tokens()?)?;
    out.report(
        &format!("{name} is the default profile"),
        &json!({"default": name}),
    );
    Ok(())
}

fn remove(store: &Store, out: &Out, name: &str) -> Result<(), Failure> {
    let mut profiles = store.profiles()?;
    let mut tokens = store.tokens()?;
    if profiles.profiles.remove(name).is_none() {
        return Err(unknown(name));
    }
    tokens.remove(name);
    if profiles.default.as_deref() == Some(name) {
        profiles.default = None;
    }
    store.save(&profiles, &tokens)?;
    out.report(
        &format!("profile {name} removed, its token with it"),
        &json!({"profile": name, "outcome": "removed"}),
    );
    Ok(())
}

fn unknown(name: &str) -> Failure {
    Failure::Usage(format!(
        "no profile named {name:?}; `vobiz profile list` shows them"
    ))
}

fn builder(profile: &Profile, token: String) -> vobiz::ClientBuilder {
    let builder = vobiz::Client::builder(profile.auth_id.clone(), token);
    match &profile.base_url {
        Some(url) => builder.base_url(url.clone()),
        None => builder,
    }
}

/// The credentials a command uses, and the profile they came from.
pub struct Chosen {
    pub builder: vobiz::ClientBuilder,
    /// The base URL set, if not Vobiz's: checked in the CLI's words first.
    pub base_url: Option<String>,
    /// The token, for what checks Vobiz's signatures with it (the console).
    pub token: String,
    pub profile: Option<String>,
}

/// The credentials for a command: `VOBIZ_AUTH_ID` and `VOBIZ_AUTH_TOKEN`
/// when both are set (they override any profile, and a note says so);
/// else the profile named by `--profile` or `VOBIZ_PROFILE`, else the
/// default profile; `VOBIZ_BASE_URL` and then `--base-url` over its URL.
pub fn choose(account: &Account, out: &Out) -> Result<Chosen, Failure> {
    use vobiz::{ENV_AUTH_ID, ENV_AUTH_TOKEN};
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    let (id_set, token_set) = (set(ENV_AUTH_ID), set(ENV_AUTH_TOKEN));
    let named = account.profile.clone();
    if (id_set && token_set) || (named.is_none() && (id_set || token_set)) {
        if let Some(name) = &named {
            out.note(&format!(
                "note: {ENV_AUTH_ID} and {ENV_AUTH_TOKEN} are set and override profile {name}"
            ));
        }
        return from_env();
    }
    if id_set || token_set {
        let (set, unset) = if id_set {
            (ENV_AUTH_ID, ENV_AUTH_TOKEN)
        } else {
            (ENV_AUTH_TOKEN, ENV_AUTH_ID)
        };
        return Err(Failure::Usage(format!(
            "{set} is set but {unset} is not: set both to override the profile, or unset {set}"
        )));
    }
    let store = Store::locate()?;
    let profiles = store.profiles()?;
    let Some(name) = named.or(profiles.default.clone()) else {
        return from_env();
    };
    let profile = profiles.profiles.get(&name).ok_or_else(|| unknown(&name))?;
    let token = store.tokens()?.remove(&name).ok_or_else(|| {
        Failure::Usage(format!(
            "profile {name} has no token stored; add it again with `vobiz profile add {name} \
             --auth-id {}`",
            profile.auth_id
        ))
    })?;
    let mut builder = builder(profile, token.clone());
    let mut base_url = profile.base_url.clone();
    if let Some(base) = env_base_url() {
        builder = builder.base_url(base.clone());
        base_url = Some(base);
    }
    out.note(&format!("using profile {name} ({})", profile.auth_id));
    Ok(Chosen {
        builder,
        base_url,
        token,
        profile: Some(name),
    })
}

fn from_env() -> Result<Chosen, Failure> {
    let builder = vobiz::ClientBuilder::from_env().map_err(|e| {
        Failure::Usage(format!(
            "{e}: set VOBIZ_AUTH_ID and VOBIZ_AUTH_TOKEN, or use a profile \
             (`vobiz profile add NAME --auth-id ID`); `vobiz simulator` gives you both to try"
        ))
    })?;
    Ok(Chosen {
        builder,
        base_url: env_base_url(),
        token: std::env::var(vobiz::ENV_AUTH_TOKEN).unwrap_or_default(),
        profile: None,
    })
}

fn env_base_url() -> Option<String> {
    std::env::var(vobiz::ENV_BASE_URL)
        .ok()
        .filter(|v| !v.is_empty())
}
