//! The guide's table of operations (`docs/guide.md`), written from the vendored spec by
//! `cargo xtask surface` between two marker lines and checked by `cargo
//! xtask check`, so it lists exactly what the crate generates.

use std::path::Path;

use openapiv3::OpenAPI;

const README: &str = "docs/guide.md";
const START: &str = "<!-- operations: written by `cargo xtask surface` -->";
const END: &str = "<!-- operations end -->";

/// The table: one row per operation, grouped by the resource (its first
/// tag), then by path.
pub fn table(spec: &OpenAPI) -> String {
    let mut rows: Vec<(String, String)> = spec
        .paths
        .iter()
        .filter_map(|(path, item)| Some((path, item.as_item()?)))
        .flat_map(|(path, item)| {
            item.iter().map(move |(method, op)| {
                let resource = op.tags.first().cloned().unwrap_or_default();
                let id = op.operation_id.clone().unwrap_or_default();
                let summary = op.summary.clone().unwrap_or_default().replace('|', "\\|");
                let row = format!(
                    "| {resource} | `{id}` | {} `{path}` | {summary} |",
                    method.to_uppercase()
                );
                (format!("{resource}\u{0}{path}\u{0}{method}"), row)
            })
        })
        .collect();
    rows.sort();
    let mut out = format!(
        "{START}\n| resource | operationId | method and path | summary |\n| --- | --- | --- | --- |\n"
    );
    for (_, row) in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out.push_str(END);
    out
}

/// The guide with its table replaced by `table`.
fn with_table(readme: &str, table: &str) -> Result<String, String> {
    let start = readme
        .find(START)
        .ok_or_else(|| format!("{README} has no line `{START}`"))?;
    let end = readme[start..]
        .find(END)
        .map(|i| start + i + END.len())
        .ok_or_else(|| format!("{README} has no line `{END}` after the table"))?;
    Ok(format!("{}{table}{}", &readme[..start], &readme[end..]))
}

/// Rewrites the guide's table.
pub fn write(root: &Path, spec: &OpenAPI) -> Result<(), String> {
    let path = root.join(README);
    let readme = std::fs::read_to_string(&path).map_err(|e| format!("{README}: {e}"))?;
    let updated = with_table(&readme, &table(spec))?;
    crate::write_atomically(&path, &updated)
}

/// Fails if the guide's table is not the spec's.
pub fn check(root: &Path, spec: &OpenAPI) -> Result<(), String> {
    let readme =
        std::fs::read_to_string(root.join(README)).map_err(|e| format!("{README}: {e}"))?;
    if with_table(&readme, &table(spec))? != readme {
        return Err(format!(
            "the table of operations in {README} does not match the spec; run `cargo xtask surface`"
        ));
    }
    Ok(())
}
