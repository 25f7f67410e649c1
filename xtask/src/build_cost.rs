//! `cargo xtask build-cost`: what depending on `vobiz` costs a consumer to
//! compile, beside what a plain reqwest + tokio + serde_json consumer costs,
//! measured side by side in one run: two fresh crates, each built clean in
//! its own target directory, one after the other, with the same features
//! (rustls, JSON) and the dependencies already downloaded.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// The two consumers: (name, dependencies, code).
const CONSUMERS: [(&str, &str, &str); 2] = [
    (
        "with-vobiz",
        "vobiz = { path = \"ROOT\" }\ntokio = { version = \"1\", features = [\"full\"] }\n",
        "#[tokio::main]\nasync fn main() { let _ = vobiz::Client::from_env(); }\n",
    ),
    (
        "plain-reqwest",
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"rustls\"] }\ntokio = { version = \"1\", features = [\"full\"] }\nserde_json = \"1\"\n",
        "#[tokio::main]\nasync fn main() { let _ = reqwest::Client::new(); let _ = serde_json::json!({}); }\n",
    ),
];

pub fn run(root: &Path) -> Result<(), String> {
    let scratch = root.join("target/build-cost");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut results = Vec::new();
    for (name, deps, code) in CONSUMERS {
        let dir = scratch.join(name);
        let fail = |e: std::io::Error| format!("{}: {e}", dir.display());
        std::fs::create_dir_all(dir.join("src")).map_err(fail)?;
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\n{}",
            deps.replace("ROOT", &root.display().to_string())
        );
        std::fs::write(dir.join("Cargo.toml"), manifest).map_err(fail)?;
        std::fs::write(dir.join("src/main.rs"), code).map_err(fail)?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        // Resolve and download first, so that only compiling is timed.
        let fetched = Command::new(&cargo)
            .args(["fetch", "--quiet"])
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !fetched.success() {
            return Err(format!("cargo fetch failed in {}", dir.display()));
        }
        let started = Instant::now();
        let output = Command::new(&cargo)
            .args(["build", "--message-format", "short"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        if !output.status.success() {
            return Err(format!(
                "{name} did not build:\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let crates = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| l.trim_start().starts_with("Compiling"))
            .count();
        println!("{name:<14} {crates:>4} crates  {seconds:>6.1} s");
        results.push(seconds);
    }
    let ratio = results[0] / results[1];
    println!("ratio (with-vobiz / plain-reqwest): {ratio:.2}x");
    Ok(())
}
