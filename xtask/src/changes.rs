//! What an import changed, told after it is written: the surface lines that
//! changed, what that means for callers of the generated Rust API (one line
//! per change, breaking or additive, then `semver: LEVEL`), and one line
//! for CHANGELOG.md under `## [Unreleased]`.

use std::path::Path;

use openapiv3::OpenAPI;
use vobiz_codegen::semver::{Level, Report};

const CHANGELOG: &str = "CHANGELOG.md";
const UNRELEASED: &str = "## [Unreleased]";
const SECTION: &str = "### Vobiz pages";

/// Prints the surface diff and the report, and notes the import in the
/// changelog.
pub(crate) fn tell(
    root: &Path,
    spec: &Path,
    before: &OpenAPI,
    after: &OpenAPI,
    files: &[String],
) -> Result<Report, String> {
    let surface = |s: &OpenAPI| vobiz_codegen::surface(spec, s).map_err(|e| e.to_string());
    let (old, new) = (surface(before)?, surface(after)?);
    for line in old.lines().filter(|l| !new.lines().any(|n| n == *l)) {
        println!("- {line}");
    }
    for line in new.lines().filter(|l| !old.lines().any(|o| o == *l)) {
        println!("+ {line}");
    }
    let report = vobiz_codegen::semver::compare(spec, before, after).map_err(|e| e.to_string())?;
    print!("{}", report.render());
    note(root, files, &report)?;
    Ok(report)
}

/// Adds the import's line under `## [Unreleased]`, in a `### Vobiz pages`
/// section made if missing. No changelog, or no change at all (a page
/// imported again as it was), no line.
fn note(root: &Path, files: &[String], report: &Report) -> Result<(), String> {
    if report.changes.is_empty() && !report.docs_changed {
        return Ok(());
    }
    let path = root.join(CHANGELOG);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let Some(unreleased) = text.find(UNRELEASED) else {
        return Ok(());
    };
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            let name = Path::new(f)
                .file_name()
                .map_or(f.as_str().into(), |n| n.to_string_lossy());
            format!("`{name}`")
        })
        .collect();
    let count = |level: Level| report.changes.iter().filter(|c| c.level == level).count();
    let line = format!(
        "- Imported {}: semver: {} ({} breaking, {} additive changes to the generated API{}).\n",
        names.join(", "),
        report.level(),
        count(Level::Major),
        count(Level::Minor),
        if report.docs_changed {
            "; doc text changed"
        } else {
            ""
        }
    );
    let after_heading = unreleased + UNRELEASED.len();
    let next_release = text[after_heading..]
        .find("\n## ")
        .map_or(text.len(), |i| after_heading + i + 1);
    let updated = match text[after_heading..next_release].find(SECTION) {
        Some(at) => {
            let insert = after_heading + at + SECTION.len() + 1;
            let insert = insert + usize::from(text[insert..].starts_with('\n'));
            format!("{}{line}{}", &text[..insert], &text[insert..])
        }
        None => format!(
            "{}\n\n{SECTION}\n\n{line}\n{}",
            &text[..after_heading],
            text[after_heading..].trim_start_matches('\n')
        ),
    };
    crate::write_atomically(&path, &updated)
}
