//! Profiles, as a person who looks after several accounts uses them: the
//! token typed (here piped) once, kept only in the owner-only token store,
//! chosen by `--profile`, `VOBIZ_PROFILE` or the default, overridden by the
//! credentials' environment variables, and named in the audit trail. Also
//! `-q`, and the base URL's errors in the CLI's words.

use std::path::Path;

use assert_cmd::Command;
use vobiz::testing::FAKE_AUTH_TOKEN;

mod common;
use common::*;

/// The binary with no credentials in its environment, its profiles in `dir`.
fn bare(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("vobiz").unwrap();
    cmd.env_clear()
        .env("VOBIZ_CONFIG_DIR", dir)
        .args(args)
        .write_stdin("");
    cmd
}

/// `cmd` with these variables set.
fn with(mut cmd: Command, vars: &[(&str, &str)]) -> Command {
    for (name, value) in vars {
        cmd.env(name, value);
    }
    cmd
}

fn add(dir: &Path, name: &str, auth_id: &str, base_url: &str, token: &str) -> Run {
    add_with(
        dir,
        &[name, "--auth-id", auth_id, "--base-url", base_url],
        token,
    )
}

/// `vobiz profile add ARGS`, the token on stdin.
fn add_with(dir: &Path, args: &[&str], token: &str) -> Run {
    let mut cmd = bare(dir, &[&["profile", "add"][..], args].concat());
    cmd.write_stdin(format!("{token}\n"));
    run(cmd)
}

/// Every file under `dir`, with its contents.
fn files(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            let text = std::fs::read_to_string(&path).unwrap();
            found.push((path, text));
        }
    }
    found
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_profile_keeps_its_token_in_the_token_store_only_and_is_named_in_the_audit_trail() {
    let s = sim(&[("standup", 2), ("design", 1)]);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config");
    let r = add(
        &dir,
        "staging",
        s.fake.auth_id(),
        &s.fake.base_url(),
        FAKE_AUTH_TOKEN,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("profile staging added"),
        "{}",
        r.stdout
    );

    // The token is in tokens.json, owner-only, and in no other file.
    let written = files(&dir);
    assert_eq!(written.len(), 2, "{written:?}");
    for (path, text) in &written {
        let is_store = path.file_name().unwrap() == "tokens.json";
        assert_eq!(
            text.contains(FAKE_AUTH_TOKEN),
            is_store,
            "{}",
            path.display()
        );
        #[cfg(unix)]
        assert_eq!(mode(path), 0o600, "{}", path.display());
    }
    #[cfg(unix)]
    assert_eq!(mode(&dir), 0o700);

    // Listed by name and auth id, never the token.
    let r = run(bare(&dir, &["profile", "list"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("staging") && r.stdout.contains(s.fake.auth_id()),
        "{}",
        r.stdout
    );
    let r = run(bare(&dir, &["profile", "list", "--json"]));
    let listed: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(listed["profiles"][0]["name"], "staging");
    assert_eq!(listed["profiles"][0]["default"], false);

    // Chosen by --profile: the request carries the profile's credentials,
    // and the audit line names the profile.
    let log = home.path().join("audit.jsonl");
    let log_arg = log.to_str().unwrap();
    let r = run(bare(
        &dir,
        &[
            "hangup",
            "standup",
            "--yes",
            "--profile",
            "staging",
            "--audit-log",
            log_arg,
        ],
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("using profile staging ({})", s.fake.auth_id())),
        "{}",
        r.stderr
    );
    assert!(!s.fake.is_active("standup"));
    let trail = json_lines(&std::fs::read_to_string(&log).unwrap());
    assert!(!trail.is_empty());
    assert!(
        trail.iter().all(|l| l["vobiz.profile"] == "staging"),
        "{trail:?}"
    );

    // By VOBIZ_PROFILE, and as the default.
    let r = run(with(
        bare(&dir, &["rooms"]),
        &[("VOBIZ_PROFILE", "staging")],
    ));
    assert_eq!((r.code, r.stdout.as_str()), (0, "design\n"), "{}", r.stderr);
    let r = run(bare(&dir, &["rooms"]));
    assert_eq!(r.code, 2, "no default yet: {}", r.stderr);
    assert!(r.stderr.contains("vobiz profile add"), "{}", r.stderr);
    let r = run(bare(&dir, &["profile", "use", "staging"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(bare(&dir, &["rooms", "-q"]));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "design\n", "")
    );
    assert!(
        files(&dir)
            .iter()
            .all(|(p, t)| t.contains(FAKE_AUTH_TOKEN) == (p.file_name().unwrap() == "tokens.json"))
    );
}

#[test]
fn the_credentials_environment_overrides_a_profile_and_half_of_it_is_refused() {
    let s = sim(&[("standup", 1)]);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config");
    // A profile whose token Vobiz (here, the simulator) refuses: one
    // stored unchecked, as a token since rotated would be.
    let wrong = "a-wrong-token-of-plausible-length-0000";
    let base = s.fake.base_url();
    let args = ["old", "--auth-id", s.fake.auth_id(), "--base-url", &base];
    let r = add_with(&dir, &[&args[..], &["--no-verify"]].concat(), wrong);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(bare(&dir, &["rooms", "--profile", "old"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("401"), "{}", r.stderr);

    let r = run(with(
        bare(&dir, &["rooms", "--profile", "old"]),
        &[
            ("VOBIZ_AUTH_ID", s.fake.auth_id()),
            ("VOBIZ_AUTH_TOKEN", FAKE_AUTH_TOKEN),
            ("VOBIZ_BASE_URL", &s.fake.base_url()),
        ],
    ));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "standup\n"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("override profile old"), "{}", r.stderr);

    let before = s.fake.request_count();
    let r = run(with(
        bare(&dir, &["rooms", "--profile", "old"]),
        &[("VOBIZ_AUTH_ID", "MA_OTHER")],
    ));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "vobiz: VOBIZ_AUTH_ID is set but VOBIZ_AUTH_TOKEN is not: set both to override the profile, or unset VOBIZ_AUTH_ID\n"
    );
    let r = run(bare(&dir, &["rooms", "--profile", "nope"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no profile named \"nope\""),
        "{}",
        r.stderr
    );
    assert_eq!(s.fake.request_count(), before);
}

#[cfg(unix)]
#[test]
fn a_token_store_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let s = sim(&[("standup", 1)]);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config");
    assert_eq!(
        add(
            &dir,
            "p",
            s.fake.auth_id(),
            &s.fake.base_url(),
            FAKE_AUTH_TOKEN
        )
        .code,
        0
    );
    let store = dir.join("tokens.json");
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o644)).unwrap();
    let checked = s.fake.request_count();
    let r = run(bare(&dir, &["rooms", "--profile", "p"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("may be read by others (mode 644); run `chmod 600"),
        "{}",
        r.stderr
    );
    assert_eq!(s.fake.request_count(), checked);
}

/// Promise: `profile add` asks Vobiz whether it takes the token (one GET)
/// and stores nothing when it does not, or cannot be asked; `--no-verify`
/// stores it unchecked.
#[test]
fn a_profile_is_stored_only_once_vobiz_takes_its_token() {
    let s = sim(&[("standup", 1)]);
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config");
    let (id, base) = (s.fake.auth_id(), s.fake.base_url());
    let r = add(
        &dir,
        "wrong",
        id,
        &base,
        "a-wrong-token-of-plausible-length-0000",
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with(&format!("vobiz: Vobiz refused the token for {id} (")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.ends_with("nothing stored\n"), "{}", r.stderr);
    assert!(!r.stderr.contains("a-wrong-token"), "{}", r.stderr);
    assert!(!dir.exists(), "nothing stored");
    // One request, refused (so the simulator kept none).
    assert_eq!((s.fake.request_count(), s.fake.requests().len()), (1, 0));

    // Nobody to ask: nothing stored, and the way round it named.
    let nobody = format!("http://127.0.0.1:{}", free_port());
    let r = add(&dir, "away", id, &nobody, FAKE_AUTH_TOKEN);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let said = (
        r.stderr.contains("could not check the token"),
        r.stderr.contains("--no-verify"),
    );
    assert_eq!(said, (true, true), "{}", r.stderr);
    assert!(!dir.exists(), "nothing stored");
    let args = [
        "away",
        "--auth-id",
        id,
        "--base-url",
        &nobody,
        "--no-verify",
    ];
    assert_eq!(add_with(&dir, &args, FAKE_AUTH_TOKEN).code, 0);

    // The right token: one read, then stored.
    let r = add(&dir, "sim", id, &base, FAKE_AUTH_TOKEN);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("Vobiz took the token for {id}")),
        "{}",
        r.stderr
    );
    let kept: Vec<String> = s
        .fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(kept, [format!("GET /api/v1/Account/{id}/Conference/")]);
    let listed = run(bare(&dir, &["profile", "list"])).stdout;
    assert!(
        listed.contains("sim") && listed.contains("away"),
        "{listed}"
    );
}

#[test]
fn bad_profiles_and_base_urls_are_refused_in_the_clis_words_and_nothing_is_stored() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config");
    let r = add(
        &dir,
        "local",
        "MA_LOCAL0001",
        "127.0.0.1:4010",
        FAKE_AUTH_TOKEN,
    );
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "vobiz: base URL \"127.0.0.1:4010\" has no scheme: did you mean http://127.0.0.1:4010?\n"
    );
    let r = add(
        &dir,
        "far",
        "MA_LOCAL0001",
        "http://vobiz.example.com",
        FAKE_AUTH_TOKEN,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("use https://"), "{}", r.stderr);
    assert!(!r.stderr.contains("allow_insecure_http"), "{}", r.stderr);
    let r = add(
        &dir,
        "-x",
        "MA_LOCAL0001",
        "https://api.vobiz.ai",
        FAKE_AUTH_TOKEN,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = add(&dir, "empty", "MA_LOCAL0001", "https://api.vobiz.ai", "");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no token given"), "{}", r.stderr);
    assert!(!dir.exists(), "nothing stored");

    // The same words for --base-url on any command.
    let s = sim(&[]);
    let r = run(s.vobiz(&["rooms", "--base-url", "localhost:4010"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean http://localhost:4010?"),
        "{}",
        r.stderr
    );
    assert_eq!(s.fake.request_count(), 0);
}

#[test]
fn quiet_leaves_errors_and_the_answer() {
    let s = sim(&[("standup", 1), ("design", 1)]);
    let r = run(s.vobiz(&["-q", "hangup", "standup", "--yes"]));
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert!(!s.fake.is_active("standup"));
    let r = run(s.vobiz(&["-q", "room", "standup"]));
    assert_eq!((r.code, r.stdout.as_str()), (1, ""));
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    // --json is still one document.
    let r = run(s.vobiz(&["-q", "--json", "members", "design", "mute", "--all"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(json_lines(&r.stdout).len(), 1);
    assert_eq!(r.stderr, "");
}

#[test]
fn flags_appear_only_where_they_mean_something() {
    let s = sim(&[("standup", 1)]);
    for (args, flag) in [
        (
            &["simulator", "--base-url", "http://127.0.0.1:1"][..],
            "--base-url",
        ),
        (&["demo", "--audit-log", "x.jsonl"], "--audit-log"),
        (&["xml", "conference", "r", "--profile", "p"], "--profile"),
        (&["rooms", "--audit-log", "x.jsonl"], "--audit-log"),
        (&["completions", "bash", "--json"], "--json"),
        (&["completions", "bash", "--quiet"], "--quiet"),
        (&["demo", "--json"], "--json"),
        (&["man", "--verbose"], "--verbose"),
        (&["profile", "list", "--verbose"], "--verbose"),
    ] {
        let r = run(s.vobiz(args));
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains(&format!("unexpected argument '{flag}'")),
            "{}",
            r.stderr
        );
        let help = run(s.vobiz(&[args[0], "--help"])).stdout;
        assert!(!help.contains(flag), "{} --help shows {flag}", args[0]);
    }
    // Before the command's name, the same flags are refused in one line
    // where they mean nothing, and nothing is printed.
    for (args, said) in [
        (
            &["--json", "completions", "bash"][..],
            "--json means nothing for `vobiz completions`",
        ),
        (&["-q", "demo"], "--quiet means nothing for `vobiz demo`"),
        (
            &["-v", "xml", "conference", "r"],
            "--verbose means nothing for `vobiz xml`",
        ),
    ] {
        let r = run(s.vobiz(args));
        assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains(said), "{}", r.stderr);
    }
    // Where they mean something they go before or after the name.
    let before = run(s.vobiz(&["--json", "rooms"]));
    let after = run(s.vobiz(&["rooms", "--json"]));
    assert_eq!((before.code, after.code), (0, 0), "{}", before.stderr);
    assert_eq!(before.stdout, after.stdout);
    assert!(before.stdout.starts_with('{'), "{}", before.stdout);
    let listed = run(s.vobiz(&["profile", "list", "--json"]));
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(
        listed.stdout.starts_with("{\"profiles\""),
        "{}",
        listed.stdout
    );
    let demo = run(s.vobiz(&["demo", "--help"])).stdout;
    assert!(demo.contains("--verbose"), "{demo}");
    let r = run(s.vobiz(&["-v", "profile", "list"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(s.fake.request_count(), 2, "the two `rooms`, nothing else");
}
