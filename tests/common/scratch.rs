//! A scratch copy of the crate to run cargo in (importing pages, building
//! with another spec), sharing this build's target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The crate without its tests and build output.
pub fn scratch_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "README.md",
        "CHANGELOG.md",
    ] {
        std::fs::copy(Path::new(ROOT).join(name), dir.path().join(name)).unwrap();
    }
    for name in [
        "src", "openapi", "codegen", "xtask", "cli", "examples", "benches", ".cargo", "docs",
    ] {
        if Path::new(ROOT).join(name).exists() {
            copy_dir(&Path::new(ROOT).join(name), &dir.path().join(name));
        }
    }
    dir
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(ROOT).join("target"), PathBuf::from)
}

/// Runs cargo in `dir`; returns (success, stdout + stderr).
///
/// The copy shares this build's target directory, and cargo names a path
/// crate's artifacts the same wherever it lives: the copy's `vobiz`, built
/// from another spec, would overwrite this tree's, and either tree's
/// generator could be taken for the other's. A profile setting of no
/// consequence gives the copy's path packages artifacts of their own.
pub fn cargo(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO"))
        .args(["--config", "profile.dev.package.vobiz.codegen-units=255"])
        .args([
            "--config",
            "profile.dev.package.vobiz-codegen.codegen-units=255",
        ])
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    (output.status.success(), both_streams(&output))
}

/// A finished command's stdout, then its stderr, as text.
pub fn both_streams(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}
