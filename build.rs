//! Generates `vobiz::generated` from the vendored Vobiz OpenAPI document.
//!
//! The generation itself lives in the `vobiz-codegen` crate so that
//! `cargo xtask` produces byte-identical code for review.

use std::path::Path;

const SPEC: &str = "openapi/vobiz.yaml";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed=build.rs");
    let code = match vobiz_codegen::generate_file(Path::new(SPEC)) {
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
