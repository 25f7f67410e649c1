//! Generates `vobiz::generated` from the vendored Vobiz OpenAPI document.
//!
//! The generation itself lives in the `vobiz-codegen` crate so that
//! `cargo xtask` produces byte-identical code for review.
//!
//! Without the `full` feature only the Conference family is generated
//! (`vobiz_codegen::conference_family`).
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
    // `full` reruns it.
    let full = std::env::var_os("CARGO_FEATURE_FULL").is_some();
    let code = match vobiz_codegen::generate_file_for(&spec, full) {
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
