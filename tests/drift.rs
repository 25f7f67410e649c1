//! Page changes as semver-classified diffs, held against the ecosystem's
//! tool: a scratch copy of the crate, with the Conference operations and the
//! drift fixtures (`tests/fixtures/drift/`, our own text, each modelling a
//! change `vobiz-docs/pages/README.md` lists: a description rewritten,
//! optional CDR filters added, `limit`/`offset` becoming
//! `page`/`per_page`/`search`, create-trunk's fields no longer required, a
//! 200 with a message becoming a 202 with a list, a field added to an
//! answer), takes each change with `cargo xtask import --replace`. The
//! import's `semver:` line must be the expected one and never below what
//! cargo-semver-checks finds comparing the crate's public API before and
//! after (both as rustdoc JSON).
//!
//! cargo-semver-checks is taken from the PATH, or installed on the first
//! run into `target/semver-checks` (pinned, as the contract test installs
//! Prism), so the README's one test command needs nothing installed first.

mod common;

use std::path::Path;
use std::process::Command;

use common::scratch::{ROOT, both_streams, cargo, read, scratch_copy, target_dir};

const DRIFT: &str = "tests/fixtures/drift";

/// Each change, in order: the page taken, the `semver:` level the import
/// must print, and a line its report must hold.
const STEPS: [(&str, &str, &str); 7] = [
    ("number-v2.yaml", "patch", "doc text changed"),
    (
        "cdr-v2.yaml",
        "minor",
        "additive: added builder::ListDriftCdrs.hangup_cause (parameter): Option<String>",
    ),
    (
        "conferences-v2.yaml",
        "minor",
        "additive: added types::ListConferencesResponse.region: Option<String>",
    ),
    (
        "cdr-v3.yaml",
        "minor",
        "additive: added types::ListDriftCdrsResponseDataItem.billed_duration: Option<i64>",
    ),
    (
        "number-v3.yaml",
        "major",
        "breaking: removed builder::ListDriftNumbers.limit (parameter)",
    ),
    (
        "trunk-v2.yaml",
        "major",
        "breaking: changed types::CreateDriftTrunkBody.name: String -> Option<String>",
    ),
    (
        "mute-v2.yaml",
        "major",
        "breaking: changed mute-drift-member success statuses: 200 -> 202",
    ),
];

fn rank(level: &str) -> u8 {
    match level {
        "patch" => 0,
        "minor" => 1,
        "major" => 2,
        other => panic!("not a level: {other}"),
    }
}

/// The spec with only the Conference paths: the handwritten layer needs
/// them, and the fewer operations, the faster each rustdoc run.
fn conference_only(spec: &str) -> String {
    let mut out = Vec::new();
    let mut keep = true;
    let mut in_paths = false;
    for line in spec.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line == "paths:";
            keep = true;
        } else if in_paths && line.starts_with("  ") && !line.starts_with("   ") {
            keep = line.contains("/Conference");
        }
        if keep {
            out.push(line);
        }
    }
    out.join("\n") + "\n"
}

/// The crate's public API as rustdoc JSON (what cargo-semver-checks reads),
/// copied to `to`.
fn rustdoc_json(dir: &Path, to: &Path) {
    let output = Command::new(env!("CARGO"))
        .args(["--config", "profile.dev.package.vobiz.codegen-units=255"])
        .args([
            "--config",
            "profile.dev.package.vobiz-codegen.codegen-units=255",
        ])
        .args([
            "rustdoc",
            "-p",
            "vobiz",
            "--lib",
            "--features",
            "test-util,full",
        ])
        .args(["--", "-Z", "unstable-options", "--output-format", "json"])
        // Rustdoc's JSON output is unstable; cargo-semver-checks asks for
        // it the same way on a stable toolchain.
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rustdoc: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::copy(target_dir().join("doc/vobiz.json"), to).unwrap();
}

/// The version installed when none is on the PATH.
const SEMVER_CHECKS: &str = "0.51.0";

/// cargo-semver-checks: the PATH's, or one installed into the target
/// directory (a debug build: it compiles in a fraction of the time, and
/// each comparison here takes well under a second either way).
fn semver_checks_binary() -> std::path::PathBuf {
    let on_path = Command::new("cargo-semver-checks")
        .args(["semver-checks", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if on_path {
        return "cargo-semver-checks".into();
    }
    let root = target_dir().join("semver-checks");
    let binary = root.join("bin/cargo-semver-checks");
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["install", "--locked", "--debug", "--root"])
            .arg(&root)
            .arg(format!("cargo-semver-checks@{SEMVER_CHECKS}"))
            .status()
            .unwrap();
        assert!(
            status.success(),
            "cannot install cargo-semver-checks {SEMVER_CHECKS}"
        );
    }
    binary
}

/// What cargo-semver-checks says the change from `before` to `after` needs.
fn semver_checks(before: &Path, after: &Path) -> (&'static str, String) {
    let output = Command::new(semver_checks_binary())
        .args(["semver-checks", "check-release", "--baseline-rustdoc"])
        .arg(before)
        .arg("--current-rustdoc")
        .arg(after)
        .output()
        .unwrap();
    let text = both_streams(&output);
    let level = if text.contains("requires new major version") {
        "major"
    } else if text.contains("requires new minor version") {
        "minor"
    } else if text.contains("no semver update required") {
        "patch"
    } else {
        panic!("cannot read cargo-semver-checks' verdict:\n{text}")
    };
    (level, text)
}

#[test]
fn the_imports_semver_line_is_never_below_cargo_semver_checks() {
    let copy = scratch_copy();
    let dir = copy.path();
    let json = tempfile::tempdir().unwrap();
    let spec = read(dir, "openapi/vobiz.yaml");
    std::fs::write(dir.join("openapi/vobiz.yaml"), conference_only(&spec)).unwrap();
    let page = |name: &str| format!("{ROOT}/{DRIFT}/{name}");
    let first: Vec<String> = ["number", "cdr", "trunk", "mute", "conferences"]
        .iter()
        .map(|name| page(&format!("{name}-v1.yaml")))
        .collect();
    let mut args = vec!["xtask", "import", "--replace"];
    args.extend(first.iter().map(String::as_str));
    let (ok, out) = cargo(dir, &args);
    assert!(ok, "{out}");
    let mut before = json.path().join("0.json");
    rustdoc_json(dir, &before);

    let mut verdicts = Vec::new();
    for (i, (file, expected, says)) in STEPS.iter().enumerate() {
        let (ok, out) = cargo(dir, &["xtask", "import", "--replace", &page(file)]);
        assert!(ok, "{file}: {out}");
        let ours = ["patch", "minor", "major"]
            .into_iter()
            .find(|level| out.contains(&format!("\nsemver: {level}\n")))
            .unwrap_or_else(|| panic!("{file}: no semver line in\n{out}"));
        assert_eq!(ours, *expected, "{file}:\n{out}");
        assert!(out.contains(says), "{file}: {says:?} not in\n{out}");
        let after = json.path().join(format!("{}.json", i + 1));
        rustdoc_json(dir, &after);
        let (theirs, report) = semver_checks(&before, &after);
        assert!(
            rank(ours) >= rank(theirs),
            "{file}: the import says {ours}, cargo-semver-checks {theirs}:\n{out}\n{report}"
        );
        let changelog = read(dir, "CHANGELOG.md");
        let noted = format!("- Imported `{file}`: semver: {ours} (");
        assert!(changelog.contains(&noted), "{noted} not in CHANGELOG.md");
        verdicts.push((*file, ours, theirs));
        before = after;
    }
    eprintln!("page, the import's semver line, cargo-semver-checks: {verdicts:?}");
    // The tool saw the changes: removing two setters is a major change to
    // it too (were its input empty, every comparison would pass).
    assert!(
        verdicts.contains(&("number-v3.yaml", "major", "major")),
        "{verdicts:?}"
    );
}
