//! Maintenance tasks for the vobiz crate: `cargo xtask <command>`.
//!
//! `openapi/vobiz.yaml` changes only through `import`; `check` (run by CI)
//! makes sure it still generates and that `openapi/vobiz.api.txt`, the
//! reviewed public surface, matches it.

mod build_cost;
mod changes;
mod compile;
mod docs;
mod merge;
mod readme;
mod yaml;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use merge::Source;
use yaml_serde::Value;

const SPEC: &str = "openapi/vobiz.yaml";
const SURFACE: &str = "openapi/vobiz.api.txt";

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  import [--replace] <FILE>...  merge the operations of Vobiz docs pages (or OpenAPI
                                yaml/json files) into openapi/vobiz.yaml; prints the
                                surface diff, what it means for callers (ending in
                                `semver: major|minor|patch`) and notes it in CHANGELOG.md
  check                         fail if openapi/vobiz.yaml does not parse or generate,
                                or if openapi/vobiz.api.txt is out of date
  surface                       rewrite openapi/vobiz.api.txt and the guide's table of
                                operations from openapi/vobiz.yaml
  codegen [--out FILE]          write the Rust code build.rs generates (default: stdout)
  build-cost [ROUNDS]           a consumer's clean build beside a plain reqwest consumer's
                                and the progenitor floor's (median of ROUNDS, default 3)
  help                          show this message
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = workspace_root() else {
        eprintln!("error: cannot find the workspace root (a Cargo.toml next to openapi/)");
        return ExitCode::FAILURE;
    };
    let result = match args.first().map(String::as_str) {
        Some("import") => import(&root, &args[1..]),
        Some("check") => check(&root),
        Some("surface") => write_surface(&root),
        Some("codegen") => codegen(&root, &args[1..]),
        Some("build-cost") => match args.get(1).map(|n| n.parse::<usize>()) {
            None => build_cost::run(&root, 3),
            Some(Ok(rounds)) if rounds > 0 => build_cost::run(&root, rounds),
            Some(_) => Err("build-cost takes a number of rounds, at least 1".to_owned()),
        },
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The directory holding `openapi/`: the current one or an ancestor.
fn workspace_root() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .find(|dir| dir.join(SPEC).is_file())
        .map(Path::to_path_buf)
}

fn import(root: &Path, args: &[String]) -> Result<(), String> {
    let replace = args.iter().any(|a| a == "--replace");
    let files: Vec<&String> = args.iter().filter(|a| *a != "--replace").collect();
    if files.is_empty() {
        return Err(format!("import needs at least one file\n\n{USAGE}"));
    }
    let sources = files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
            let doc = docs::openapi_document(file, &text)?;
            Ok(Source {
                name: file.to_string(),
                doc,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let spec_path = root.join(SPEC);
    let base = read_yaml(&spec_path)?;
    let merged = merge::merge(&base, &sources, replace)?;
    for source in &sources {
        generates_alone(&base, source)?;
    }
    let text = yaml::emit(&merged)?;
    let after = parse(&spec_path, &text)?;
    vobiz_codegen::generate(&spec_path, &after).map_err(|e| e.to_string())?;
    if let Err(error) = compile::builds_with(root, &text) {
        return Err(culprits(root, &base, &sources, replace).unwrap_or(error));
    }
    let before = load(root)?;
    // Written last, in one step: any error above leaves the spec untouched.
    write_atomically(&spec_path, &text)?;
    let names: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    changes::tell(root, Path::new(SPEC), &before, &after, &names)?;
    let ops: Vec<String> = sources
        .iter()
        .flat_map(|s| merge::operations(&s.doc))
        .map(|(path, method, _)| format!("{} {path}", method.to_uppercase()))
        .collect();
    println!("imported into {SPEC}: {}", ops.join(", "));
    println!("now run `cargo xtask surface` and review the diff of {SURFACE}");
    Ok(())
}

/// Refuses a file holding an operation progenitor cannot generate, naming
/// the file and the operation (each is tried on its own for that).
fn generates_alone(base: &Value, source: &Source) -> Result<(), String> {
    for (path, method, op) in merge::operations(&source.doc) {
        let mut single = source.doc.clone();
        if let Some(paths) = single.get_mut("paths").and_then(Value::as_mapping_mut) {
            paths.clear();
            let mut item = yaml_serde::Mapping::new();
            item.insert(Value::from(method.as_str()), op.clone());
            paths.insert(Value::from(path.as_str()), Value::Mapping(item));
        }
        let merged = merge::merge(
            &strip_paths(base),
            &[Source {
                name: source.name.clone(),
                doc: single,
            }],
            true,
        )?;
        let file = Path::new(&source.name);
        let text = yaml::emit(&merged)?;
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        vobiz_codegen::generate(file, &parse(file, &text)?).map_err(|e| {
            format!(
                "{}: operation `{id}` ({} {path}) cannot be generated: {}",
                source.name,
                method.to_uppercase(),
                construct(&e.problem)
            )
        })?;
    }
    Ok(())
}

/// When the merged spec does not build, which pages are to blame: each is
/// built on its own. `None` if none fails alone (then they fail together).
fn culprits(root: &Path, base: &Value, sources: &[Source], replace: bool) -> Option<String> {
    let failing: Vec<String> = sources
        .iter()
        .filter_map(|source| {
            let one = std::slice::from_ref(source);
            let text = yaml::emit(&merge::merge(base, one, replace).ok()?).ok()?;
            compile::builds_with(root, &text)
                .err()
                .map(|e| format!("{}: refused, {e}", source.name))
        })
        .collect();
    (!failing.is_empty()).then(|| failing.join("\n"))
}

fn strip_paths(base: &Value) -> Value {
    let mut out = base.clone();
    if let Some(paths) = out.get_mut("paths").and_then(Value::as_mapping_mut) {
        paths.clear();
    }
    out
}

/// The first line of a generator's complaint, which names the construct
/// (progenitor follows it with a dump of the whole definition).
fn construct(problem: &str) -> String {
    let line = problem.lines().next().unwrap_or_default();
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_owned(),
    }
}

fn check(root: &Path) -> Result<(), String> {
    let expected = surface_text(root)?;
    let actual = std::fs::read_to_string(root.join(SURFACE)).unwrap_or_default();
    if expected != actual {
        return Err(format!(
            "{SURFACE} does not match {SPEC}; run `cargo xtask surface` and commit the result.\n\
             expected:\n{expected}found:\n{actual}"
        ));
    }
    readme::check(root, &load(root)?)?;
    println!("{SPEC} generates; {SURFACE} and the guide's table are up to date");
    Ok(())
}

fn write_surface(root: &Path) -> Result<(), String> {
    let text = surface_text(root)?;
    write_atomically(&root.join(SURFACE), &text)?;
    readme::write(root, &load(root)?)?;
    print!("{text}");
    Ok(())
}

fn surface_text(root: &Path) -> Result<String, String> {
    vobiz_codegen::surface(Path::new(SPEC), &load(root)?).map_err(|e| e.to_string())
}

fn load(root: &Path) -> Result<openapiv3::OpenAPI, String> {
    vobiz_codegen::load_spec(&root.join(SPEC)).map_err(|e| e.to_string())
}

fn codegen(root: &Path, args: &[String]) -> Result<(), String> {
    let code = vobiz_codegen::generate_file(&root.join(SPEC)).map_err(|e| e.to_string())?;
    match args {
        [] => {
            print!("{code}");
            Ok(())
        }
        [flag, out] if flag == "--out" => write_atomically(Path::new(out), &code),
        _ => Err(format!("codegen takes only `--out FILE`\n\n{USAGE}")),
    }
}

fn read_yaml(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    yaml::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(file: &Path, text: &str) -> Result<openapiv3::OpenAPI, String> {
    vobiz_codegen::parse_spec(file, text).map_err(|e| e.to_string())
}

pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("{}: {e}", path.display()))
}
