//! End to end: copy the crate, import two more Vobiz docs pages with
//! `cargo xtask import`, and show that the new operations work through
//! `client.api()` (authenticated, path-safe, retried, error-mapped) with no
//! file under `src/` touched.
//!
//! It builds a second copy of the crate, so it shares this build's target
//! directory to reuse the compiled dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PAGES: [&str; 2] = [
    "tests/fixtures/vobiz-docs/retrieve-a-conference.md",
    "tests/fixtures/vobiz-docs/hang-up-all-conferences.md",
];

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
fn scratch_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["Cargo.toml", "Cargo.lock", "build.rs", "README.md"] {
        std::fs::copy(Path::new(ROOT).join(name), dir.path().join(name)).unwrap();
    }
    for name in [
        "src", "openapi", "codegen", "xtask", "examples", "benches", ".cargo",
    ] {
        if Path::new(ROOT).join(name).exists() {
            copy_dir(&Path::new(ROOT).join(name), &dir.path().join(name));
        }
    }
    dir
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(ROOT).join("target"), PathBuf::from)
}

/// Runs cargo in `dir`; returns (success, stdout + stderr).
fn cargo(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn imported_operations_work_with_no_handwritten_code() {
    let copy = scratch_copy();
    let dir = copy.path();
    let pages: Vec<String> = PAGES.iter().map(|p| format!("{ROOT}/{p}")).collect();
    let import: Vec<&str> = ["xtask", "import"]
        .into_iter()
        .chain(pages.iter().map(String::as_str))
        .collect();

    let (ok, out) = cargo(dir, &import);
    assert!(ok, "import failed:\n{out}");
    let spec = read(dir, "openapi/vobiz.yaml");
    for op in [
        "get-conference",
        "delete-all-conferences",
        "delete-conference",
    ] {
        assert!(
            spec.contains(&format!("operationId: {op}")),
            "{op} missing:\n{spec}"
        );
    }

    // Importing the same pages again changes nothing.
    let (ok, out) = cargo(dir, &import);
    assert!(ok, "{out}");
    assert_eq!(read(dir, "openapi/vobiz.yaml"), spec);

    // The surface file is now stale: check says what to run.
    let (ok, out) = cargo(dir, &["xtask", "check"]);
    assert!(!ok && out.contains("run `cargo xtask surface`"), "{out}");
    let (ok, out) = cargo(dir, &["xtask", "surface"]);
    assert!(ok, "{out}");
    let surface = read(dir, "openapi/vobiz.api.txt");
    assert!(surface.contains("pub async fn get_conference<'a>(&'a self, auth_id: &'a str, conference_name: &'a str) -> Result<ResponseValue<types::GetConferenceResponse>, Error<types::NotFoundError>>"), "{surface}");
    assert!(
        surface.contains("pub async fn delete_all_conferences<'a>(&'a self, auth_id: &'a str)"),
        "{surface}"
    );
    let (ok, out) = cargo(dir, &["xtask", "check"]);
    assert!(ok, "{out}");

    // No handwritten code changed.
    for file in [
        "src/lib.rs",
        "src/client.rs",
        "src/hooks.rs",
        "src/path.rs",
        "src/error.rs",
        "src/generated.rs",
    ] {
        assert_eq!(
            read(dir, file),
            read(Path::new(ROOT), file),
            "{file} changed"
        );
    }

    // The new operations, on the wire.
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("tests/fixtures/spec_workflow/new_operations.rs"),
        dir.join("tests/new_operations.rs"),
    )
    .unwrap();
    let (ok, out) = cargo(
        dir,
        &["test", "--test", "new_operations", "--", "--nocapture"],
    );
    assert!(ok, "new operations failed:\n{out}");
    assert!(out.contains("test result: ok. 5 passed"), "{out}");
    assert!(
        out.contains("\"conference_member_count\""),
        "schema not printed:\n{out}"
    );
}

#[test]
fn a_bad_import_leaves_the_spec_untouched() {
    let copy = scratch_copy();
    let dir = copy.path();
    let before = read(dir, "openapi/vobiz.yaml");
    let v31 = read(Path::new(ROOT), PAGES[1]).replace("openapi: 3.0.3", "openapi: 3.1.0");
    std::fs::write(dir.join("v31.md"), v31).unwrap();
    let conflicting =
        read(Path::new(ROOT), "openapi/vobiz.yaml").replace("Conference deleted", "Gone");
    std::fs::write(dir.join("conflict.yaml"), conflicting).unwrap();

    let ungeneratable = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /x/{id}/:\n    get:\n      operationId: get-x\n      responses: {'204': {description: ok}}\n";
    std::fs::write(dir.join("broken.yaml"), ungeneratable).unwrap();

    let (ok, out) = cargo(dir, &["xtask", "import", "broken.yaml"]);
    assert!(
        !ok && out.contains("broken.yaml: operation `get-x` (GET /x/{id}/) cannot be generated"),
        "{out}"
    );
    let (ok, out) = cargo(dir, &["xtask", "import", "v31.md"]);
    assert!(
        !ok && out.contains("v31.md: not an OpenAPI 3.0.x document"),
        "{out}"
    );
    let (ok, out) = cargo(dir, &["xtask", "import", "conflict.yaml"]);
    assert!(
        !ok && out
            .contains("DELETE /api/v1/Account/{auth_id}/Conference/{conference_name}/ differs"),
        "{out}"
    );
    assert!(
        out.contains("description: Conference deleted") && out.contains("description: Gone"),
        "{out}"
    );
    assert_eq!(read(dir, "openapi/vobiz.yaml"), before);
}
