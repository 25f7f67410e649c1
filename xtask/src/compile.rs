//! The last check of an import: the crate still builds with the new spec.
//!
//! progenitor can write code that does not compile (parameters that become
//! the same Rust name, a type from a crate we do not depend on), and
//! `generate` alone would not notice. So the crate is built with the
//! candidate spec (through `VOBIZ_SPEC`, see build.rs) under its own profile,
//! `import-check` (see Cargo.toml), which never touches this tree's normal
//! build output. The first check builds the dependencies for that profile
//! (about 40 s on a 2-core machine); later ones rebuild only the crate (a few
//! seconds).
//!
//! Two things keep checks apart when several run or several copies of the
//! crate share one target directory (as the spec workflow test does): each
//! candidate file is named by process id, so the build script reruns for it
//! (cargo's lock takes the builds in turn); and cargo names a path crate's
//! artifacts the same wherever the crate lives, so each checkout gets its
//! own by a profile setting of no other consequence, derived from its path.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the library with `spec` in place of `openapi/vobiz.yaml`; on
/// failure, returns the compiler's first errors.
pub fn builds_with(root: &Path, spec: &str) -> Result<(), String> {
    let target = target_dir(root);
    let candidate = target
        .join("xtask")
        .join(format!("candidate-{}.yaml", std::process::id()));
    let result = build(root, &target, &candidate, spec);
    let _ = std::fs::remove_file(&candidate);
    result
}

fn build(root: &Path, target: &Path, candidate: &Path, spec: &str) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: {e}", candidate.display());
    std::fs::create_dir_all(candidate.parent().unwrap_or(target)).map_err(fail)?;
    std::fs::write(candidate, spec).map_err(fail)?;
    let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        // TLS plays no part in whether generated code compiles; leaving it
        // out keeps the first check short.
        .args(["build", "--quiet", "--locked", "--lib", "-p", "vobiz"])
        .args([
            "--profile",
            "import-check",
            "--no-default-features",
            "--features",
            "full",
        ])
        .args(salted(root))
        .current_dir(root)
        .env("CARGO_TARGET_DIR", target)
        .env("VOBIZ_SPEC", candidate)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first: Vec<&str> = stderr.lines().take(24).collect();
    Err(format!(
        "the generated code does not compile:\n{}",
        first.join("\n")
    ))
}

/// The `--config` arguments that give this checkout's path packages (the
/// crate, and the generator its build script runs) artifacts of their own:
/// cargo names them the same in every checkout, and judges them fresh by
/// file times, so another checkout's older generator could otherwise be
/// taken for this one's.
fn salted(root: &Path) -> Vec<String> {
    let salt = salt(root);
    ["vobiz", "vobiz-codegen"]
        .iter()
        .flat_map(|package| {
            [
                "--config".to_owned(),
                format!("profile.import-check.package.{package}.codegen-units={salt}"),
            ]
        })
        .collect()
}

/// A number in 1..=250 that tells checkouts apart (see the module docs).
fn salt(root: &Path) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    root.hash(&mut hasher);
    1 + hasher.finish() % 250
}

fn target_dir(root: &Path) -> PathBuf {
    let dir =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    std::path::absolute(&dir).unwrap_or(dir)
}
