//! End to end: copy the crate, import three more docs pages with
//! `cargo xtask import`, and show that the new operations work through
//! `client.api()` (authenticated, path-safe, retried, error-mapped) with no
//! file under `src/` touched. The pages (`tests/fixtures/pages/`) are our own
//! text, written to use the constructs Vobiz's other pages use: several
//! success statuses, `format: date`/`date-time`/`uuid`, CSV beside JSON,
//! `nullable` without a type, arrays without items, two request media types.
//!
//! It builds a second copy of the crate, so it shares this build's target
//! directory to reuse the compiled dependencies.

mod common;

use std::path::Path;

use common::scratch::{ROOT, cargo, read, scratch_copy};

const PAGES: [&str; 3] = [
    "tests/fixtures/pages/make-a-call.md",
    "tests/fixtures/pages/list-call-records.md",
    "tests/fixtures/pages/delete-an-endpoint.md",
];

/// Whether `old` is `new` with lines only added (nothing removed or changed).
fn only_adds_lines(old: &str, new: &str) -> bool {
    let mut new_lines = new.lines();
    old.lines().all(|line| new_lines.any(|n| n == line))
}

/// The files below `root/dir`, as paths relative to `root`.
fn files_under(root: &Path, dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join(dir)).unwrap() {
        let path = format!("{dir}/{}", entry.unwrap().file_name().to_string_lossy());
        if root.join(&path).is_dir() {
            files.extend(files_under(root, &path));
        } else {
            files.push(path);
        }
    }
    assert!(!files.is_empty(), "nothing under {dir}");
    files
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
    let before = read(dir, "openapi/vobiz.yaml");

    let (ok, out) = cargo(dir, &import);
    assert!(ok, "import failed:\n{out}");
    let spec = read(dir, "openapi/vobiz.yaml");
    for op in [
        "make-test-call",
        "list-call-records",
        "delete-test-endpoint",
        "delete-conference",
    ] {
        assert!(
            spec.contains(&format!("operationId: {op}")),
            "{op} missing:\n{spec}"
        );
    }
    // The diff is the new operations, their components and the new tag:
    // every line that was there stays, in order.
    assert!(only_adds_lines(&before, &spec), "lines changed:\n{spec}");
    assert!(spec.contains("  - name: Fixture Calls\n"), "{spec}");

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
    for expected in [
        "make_test_call() [.auth_id(String) = own] .body(types::CallRequest) .send() -> Result<ResponseValue<::serde_json::Value>, Error<()>>",
        "success statuses 200, 201 have different bodies: untyped JSON; documented: 200 types::MakeTestCall200Response, 201 types::MakeTestCall201Response",
        "400: vobiz::Error by status; documented body types::MakeTestCall400Error",
        "list_call_records() [.auth_id(String) = own] .from_date(::chrono::naive::NaiveDate) [.limit(i64)] .send()",
        "delete_test_endpoint() [.auth_id(String) = own] .endpoint_id(String) .send() -> Result<ResponseValue<ByteStream>, Error<()>>",
        "success statuses 200, 204 do not all have a JSON body: raw bytes (ByteStream)",
    ] {
        assert!(surface.contains(expected), "{expected}\nnot in\n{surface}");
    }
    let (ok, out) = cargo(dir, &["xtask", "check"]);
    assert!(ok, "{out}");

    // No handwritten code changed: every file of `src/`, and the manifest.
    for file in files_under(Path::new(ROOT), "src")
        .into_iter()
        .chain(["Cargo.toml".to_owned()])
    {
        assert_eq!(
            read(dir, &file),
            read(Path::new(ROOT), &file),
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
    let (ok, out) = cargo(dir, &["test", "--test", "new_operations"]);
    assert!(ok, "new operations failed:\n{out}");
    assert!(out.contains("test result: ok. 7 passed"), "{out}");
}

#[test]
fn a_bad_import_leaves_the_spec_untouched() {
    let copy = scratch_copy();
    let dir = copy.path();
    let before = read(dir, "openapi/vobiz.yaml");
    let v31 = read(Path::new(ROOT), PAGES[2]).replace("openapi: 3.0.3", "openapi: 3.1.0");
    std::fs::write(dir.join("v31.md"), v31).unwrap();
    let conflicting =
        read(Path::new(ROOT), "openapi/vobiz.yaml").replace("Conference deleted", "Gone");
    std::fs::write(dir.join("conflict.yaml"), conflicting).unwrap();

    let ungeneratable = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /x/{id}/:\n    get:\n      operationId: get-x\n      responses: {'204': {description: ok}}\n";
    std::fs::write(dir.join("broken.yaml"), ungeneratable).unwrap();

    // Generates, but does not compile: a query parameter and a path
    // parameter that become the same Rust argument.
    let uncompilable = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /x/{a_b}/:\n    get:\n      operationId: get-y\n      parameters:\n        - {name: a_b, in: path, required: true, schema: {type: string}}\n        - {name: a-b, in: query, schema: {type: string}}\n      responses: {'204': {description: ok}}\n";
    std::fs::write(dir.join("uncompilable.yaml"), uncompilable).unwrap();

    let (ok, out) = cargo(dir, &["xtask", "import", "broken.yaml"]);
    assert!(
        !ok && out.contains("broken.yaml: operation `get-x` (GET /x/{id}/) cannot be generated"),
        "{out}"
    );
    let (ok, out) = cargo(dir, &["xtask", "import", "uncompilable.yaml"]);
    assert!(
        !ok && out.contains("uncompilable.yaml: refused, the generated code does not compile")
            && out.contains("bound more than once"),
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

    // `--replace` takes the new definition, and changes only its line.
    let (ok, out) = cargo(dir, &["xtask", "import", "--replace", "conflict.yaml"]);
    assert!(ok, "{out}");
    let replaced = read(dir, "openapi/vobiz.yaml");
    assert_eq!(replaced, before.replace("Conference deleted", "Gone"));

    // `codegen --out` writes what `codegen` prints.
    let (ok, printed) = cargo(dir, &["xtask", "codegen"]);
    assert!(ok, "{printed}");
    let (ok, out) = cargo(dir, &["xtask", "codegen", "--out", "generated.rs"]);
    assert!(ok, "{out}");
    assert_eq!(read(dir, "generated.rs"), printed);
    assert!(printed.contains("pub fn kick_member(&self)"), "{printed}");
}
