//! Generates `vobiz::generated` from the vendored Vobiz OpenAPI document.
//!
//! The generation itself lives in the `vobiz-codegen` crate so that
//! `cargo xtask` produces byte-identical code for review.
//!
//! The features say which operations are generated
//! (`vobiz_codegen::Families`): every one with `full`, the Conference
//! family with `conference` (the default), none without either.
//!
//! `VOBIZ_SPEC` names another spec file to generate from. It exists for
//! `cargo xtask import`, which builds the crate with a candidate spec before
//! accepting it; builds of this crate leave it unset.

use std::path::{Path, PathBuf};

const SPEC: &str = "openapi/vobiz.yaml";

fn main() {
    println!("cargo:rerun-if-env-changed=VOBIZ_SPEC");
    let spec = std::env::var_os("VOBIZ_SPEC").map_or_else(|| PathBuf::from(SPEC), PathBuf::from);
    println!("cargo:rerun-if-changed={}", spec.display());
    println!("cargo:rerun-if-changed=build.rs");
    // Features are part of a build script's fingerprint: a change of
    // `full` or `conference` reruns it.
    let enabled = |feature: &str| std::env::var_os(format!("CARGO_FEATURE_{feature}")).is_some();
    let families = if enabled("FULL") {
        vobiz_codegen::Families::All
    } else if enabled("CONFERENCE") {
        vobiz_codegen::Families::Conference
    } else {
        vobiz_codegen::Families::None
    };
    let code = match vobiz_codegen::generate_file_for(&spec, families) {
        Ok(code) => code,
        Err(e) => {
            // A build script reports failure through its exit status; the
            // message names the file and the problem instead of a panic trace.
            eprintln!("error: cannot generate the Vobiz client from {e}");
            println!("cargo:warning=cannot generate the Vobiz client from {e}");
            std::process::exit(1);
        }
    };
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("vobiz.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("error: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
