//! Merging Vobiz's one-operation OpenAPI documents into the vendored spec.
//!
//! Rules:
//! - An operation (path + method) or component that is new is added; one
//!   that is already there and equal is left alone; one that differs is a
//!   conflict, unless `replace` is set.
//! - Only the components the imported operations reference (transitively)
//!   are taken.
//! - Document metadata is not compared: the vendored `info`, `servers` and
//!   `security` stay, and tags are merged by name (pages published on
//!   different days describe them differently).
//! - The output is canonical, so the same inputs in any order give the same
//!   document: paths sorted, methods in a fixed order, components and tags
//!   sorted by name.

use std::collections::BTreeSet;

use yaml_serde::{Mapping, Value};

use vobiz_codegen::METHODS;

/// One imported document, with where it came from for messages.
pub struct Source {
    /// The file it was read from.
    pub name: String,
    /// The OpenAPI document.
    pub doc: Value,
}

/// Checks that a document can be imported: OpenAPI 3.0.x, and every
/// operation has an operationId.
pub fn validate(source: &Source) -> Result<(), String> {
    let version = source
        .doc
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !version.starts_with("3.0.") {
        return Err(format!(
            "{}: not an OpenAPI 3.0.x document (openapi: {:?})",
            source.name,
            if version.is_empty() {
                "missing"
            } else {
                version
            }
        ));
    }
    let paths = source.doc.get("paths").and_then(Value::as_mapping);
    for key in paths.into_iter().flat_map(|paths| paths.keys()) {
        let Some(path) = key.as_str() else {
            return Err(format!(
                "{}: the path key {} is not a string",
                source.name,
                crate::yaml::emit(key).unwrap_or_default().trim()
            ));
        };
        vobiz_codegen::check_path_template(path).map_err(|e| format!("{}: {e}", source.name))?;
    }
    for (path, method, op) in operations(&source.doc) {
        if op
            .get("operationId")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(format!(
                "{}: {} {path} has no operationId",
                source.name,
                method.to_uppercase()
            ));
        }
    }
    Ok(())
}

/// Every `(path, method, operation)` of a document.
pub fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let Some(paths) = doc.get("paths").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    paths
        .iter()
        .filter_map(|(path, item)| Some((path.as_str()?, item.as_mapping()?)))
        .flat_map(|(path, item)| {
            METHODS.iter().filter_map(move |m| {
                item.get(*m)
                    .map(|op| (path.to_owned(), (*m).to_owned(), op))
            })
        })
        .collect()
}

/// Merges `sources` into `base` and returns the canonical result.
pub fn merge(base: &Value, sources: &[Source], replace: bool) -> Result<Value, String> {
    let mut out = base.clone();
    for source in sources {
        validate(source)?;
        merge_paths(&mut out, source, replace)?;
        merge_components(&mut out, source, replace)?;
        merge_tags(&mut out, &source.doc);
    }
    canonicalize(&mut out);
    Ok(out)
}

fn merge_paths(out: &mut Value, source: &Source, replace: bool) -> Result<(), String> {
    let Some(paths) = source.doc.get("paths").and_then(Value::as_mapping) else {
        return Ok(());
    };
    for (path, item) in paths {
        let Some(item) = item.as_mapping() else {
            continue;
        };
        let target = entry(entry(out, "paths"), path.as_str().unwrap_or_default());
        for (key, value) in item {
            let label = format!(
                "{} {}",
                key.as_str().unwrap_or_default().to_uppercase(),
                path.as_str().unwrap_or_default()
            );
            put(target, key, value, replace, &source.name, &label)?;
        }
    }
    Ok(())
}

fn merge_components(out: &mut Value, source: &Source, replace: bool) -> Result<(), String> {
    let Some(components) = source.doc.get("components") else {
        return Ok(());
    };
    for reference in referenced(&source.doc) {
        let (section, name) = reference;
        let Some(value) = components.get(&section).and_then(|s| s.get(&name)) else {
            return Err(format!(
                "{}: `#/components/{section}/{name}` is referenced but not defined",
                source.name
            ));
        };
        let target = entry(entry(out, "components"), &section);
        let label = format!("component {section}/{name}");
        put(
            target,
            &Value::from(name.as_str()),
            value,
            replace,
            &source.name,
            &label,
        )?;
    }
    Ok(())
}

/// Adds `key: value` to `target`, or checks that it is already there.
fn put(
    target: &mut Value,
    key: &Value,
    value: &Value,
    replace: bool,
    file: &str,
    label: &str,
) -> Result<(), String> {
    let Some(map) = target.as_mapping_mut() else {
        return Err(format!("{file}: cannot merge {label} into a non-mapping"));
    };
    match map.get(key) {
        Some(existing) if existing != value && !replace => Err(format!(
            "{file}: {label} differs from the vendored definition (use --replace to take the new one)\n\
             --- vendored\n{}--- {file}\n{}",
            yaml(existing),
            yaml(value)
        )),
        _ => {
            map.insert(key.clone(), value.clone());
            Ok(())
        }
    }
}

fn yaml(value: &Value) -> String {
    crate::yaml::emit(value).unwrap_or_else(|e| format!("<unprintable: {e}>\n"))
}

/// The child mapping at `key`, created if missing.
fn entry<'a>(value: &'a mut Value, key: &str) -> &'a mut Value {
    if !value.is_mapping() {
        *value = Value::Mapping(Mapping::new());
    }
    let map = value.as_mapping_mut().expect("made a mapping above");
    map.entry(Value::from(key))
        .or_insert_with(|| Value::Mapping(Mapping::new()))
}

/// Components referenced by the document's paths, transitively.
fn referenced(doc: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut todo: Vec<&Value> = doc.get("paths").into_iter().collect();
    while let Some(value) = todo.pop() {
        match value {
            Value::Mapping(map) => {
                for (key, child) in map {
                    match component_ref(key, child) {
                        Some((section, name)) => {
                            let definition = doc
                                .get("components")
                                .and_then(|c| c.get(section)?.get(name));
                            if found.insert((section.to_owned(), name.to_owned())) {
                                todo.extend(definition);
                            }
                        }
                        None => todo.push(child),
                    }
                }
            }
            Value::Sequence(items) => todo.extend(items),
            _ => {}
        }
    }
    found
}

/// `(section, name)` of a `$ref: '#/components/<section>/<name>'` entry.
fn component_ref<'a>(key: &Value, value: &'a Value) -> Option<(&'a str, &'a str)> {
    if key.as_str()? != "$ref" {
        return None;
    }
    value
        .as_str()?
        .strip_prefix("#/components/")?
        .split_once('/')
}

fn merge_tags(out: &mut Value, doc: &Value) {
    let Some(new) = doc.get("tags").and_then(Value::as_sequence) else {
        return;
    };
    let Some(map) = out.as_mapping_mut() else {
        return;
    };
    let tags = map
        .entry(Value::from("tags"))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    let Some(tags) = tags.as_sequence_mut() else {
        return;
    };
    for tag in new {
        let name = tag.get("name");
        if name.is_some() && !tags.iter().any(|t| t.get("name") == name) {
            tags.push(tag.clone());
        }
    }
}

/// Sorts what has no meaningful order so the output depends only on content.
fn canonicalize(doc: &mut Value) {
    let Some(map) = doc.as_mapping_mut() else {
        return;
    };
    if let Some(Value::Mapping(paths)) = map.get_mut("paths") {
        sort_mapping(paths, |_| 0);
        for (_, item) in paths.iter_mut() {
            if let Value::Mapping(item) = item {
                // A path item's other keys (summary, parameters, ...) first,
                // then its operations in the order OpenAPI lists them.
                sort_mapping(item, |k| {
                    METHODS.iter().position(|m| *m == k).map_or(0, |i| i + 1)
                });
            }
        }
    }
    if let Some(Value::Mapping(components)) = map.get_mut("components") {
        for (_, section) in components.iter_mut() {
            if let Value::Mapping(section) = section {
                sort_mapping(section, |_| 0);
            }
        }
    }
    if let Some(Value::Sequence(tags)) = map.get_mut("tags") {
        tags.sort_by_key(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        });
    }
}

/// Sorts by `rank(key)` then by key.
fn sort_mapping(map: &mut Mapping, rank: impl Fn(&str) -> usize) {
    let mut entries: Vec<(Value, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by_key(|(k, _)| {
        let key = k.as_str().unwrap_or_default().to_owned();
        (rank(&key), key)
    });
    map.extend(entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        crate::yaml::parse(text).unwrap()
    }

    fn source(name: &str, text: &str) -> Source {
        Source {
            name: name.into(),
            doc: doc(text),
        }
    }

    const BASE: &str = "
openapi: 3.0.3
info: {title: Vobiz API, version: '1.0', description: old}
servers: [{url: 'https://api.vobiz.ai'}]
tags: [{name: Conference, description: Manage conference calls}]
paths:
  /a/{auth_id}/:
    delete:
      operationId: delete-a
      parameters: [{$ref: '#/components/parameters/AuthId'}]
      responses: {'204': {description: gone}}
components:
  parameters:
    AuthId: {name: auth_id, in: path, required: true, schema: {type: string}}
";

    const GET_B: &str = "
openapi: 3.0.3
info: {title: Vobiz API, version: '1.0', description: published another day}
tags: [{name: Conference, description: different words}, {name: Zeta}]
paths:
  /a/{auth_id}/b/:
    get:
      operationId: get-b
      parameters: [{$ref: '#/components/parameters/AuthId'}]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}
components:
  parameters:
    AuthId: {name: auth_id, in: path, required: true, schema: {type: string}}
  schemas:
    B: {type: object, properties: {item: {$ref: '#/components/schemas/Item'}}}
    Item: {type: string}
    Unused: {type: integer}
";

    const DELETE_C: &str = "
openapi: 3.0.1
info: {title: Vobiz API, version: '1.0'}
tags: [{name: Alpha}]
paths:
  /c/:
    delete:
      operationId: delete-c
      responses: {'204': {description: gone}}
";

    #[test]
    fn adds_operations_and_referenced_components_only() {
        let out = merge(&doc(BASE), &[source("b.md", GET_B)], false).unwrap();
        assert!(out["paths"]["/a/{auth_id}/b/"]["get"].is_mapping());
        assert!(out["components"]["schemas"]["B"].is_mapping());
        assert!(
            out["components"]["schemas"]["Item"].is_mapping(),
            "transitive reference"
        );
        assert!(out["components"]["schemas"].get("Unused").is_none());
        assert_eq!(out["info"]["description"], "old");
        let tags: Vec<&str> = out["tags"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(tags, ["Conference", "Zeta"]);
        assert_eq!(out["tags"][0]["description"], "Manage conference calls");
    }

    #[test]
    fn the_vendored_metadata_stays() {
        let other = GET_B.replace(
            "info: {title: Vobiz API, version: '1.0', description: published another day}",
            "info: {title: Other, version: '2.0'}\nservers: [{url: 'https://elsewhere.example'}]\nsecurity: [{Bearer: []}]",
        );
        let base = doc(&format!(
            "{BASE}security: [{{AuthID: [], AuthToken: []}}]\n"
        ));
        let out = merge(&base, &[source("b.md", &other)], false).unwrap();
        assert_eq!(out["info"]["title"], "Vobiz API");
        assert_eq!(out["info"]["version"], "1.0");
        assert_eq!(out["servers"][0]["url"], "https://api.vobiz.ai");
        assert!(
            out["security"][0].get("AuthID").is_some(),
            "{:?}",
            out["security"]
        );
        assert!(out["security"][0].get("Bearer").is_none());
    }

    #[test]
    fn importing_twice_is_a_no_op() {
        let once = merge(&doc(BASE), &[source("b.md", GET_B)], false).unwrap();
        let twice = merge(&once, &[source("b.md", GET_B)], false).unwrap();
        assert_eq!(
            crate::yaml::emit(&once).unwrap(),
            crate::yaml::emit(&twice).unwrap()
        );
    }

    #[test]
    fn order_does_not_matter() {
        let (b, c) = (|| source("b.md", GET_B), || source("c.md", DELETE_C));
        let one = merge(&doc(BASE), &[b(), c()], false).unwrap();
        let two = merge(&doc(BASE), &[c(), b()], false).unwrap();
        let three = merge(&merge(&doc(BASE), &[c()], false).unwrap(), &[b()], false).unwrap();
        let text = |v: &Value| crate::yaml::emit(v).unwrap();
        assert_eq!(text(&one), text(&two));
        assert_eq!(text(&one), text(&three));
    }

    #[test]
    fn a_different_definition_is_a_conflict_showing_both() {
        let changed = GET_B.replace("Item: {type: string}", "Item: {type: integer}");
        let once = merge(&doc(BASE), &[source("b.md", GET_B)], false).unwrap();
        let err = merge(&once, &[source("b2.md", &changed)], false).unwrap_err();
        assert!(
            err.contains("b2.md: component schemas/Item differs"),
            "{err}"
        );
        assert!(
            err.contains("type: string") && err.contains("type: integer"),
            "{err}"
        );
        let replaced = merge(&once, &[source("b2.md", &changed)], true).unwrap();
        assert_eq!(replaced["components"]["schemas"]["Item"]["type"], "integer");

        let op = GET_B.replace("description: ok", "description: fine");
        let err = merge(&once, &[source("b3.md", &op)], false).unwrap_err();
        assert!(err.contains("b3.md: GET /a/{auth_id}/b/ differs"), "{err}");
    }

    #[test]
    fn refuses_other_versions_and_missing_operation_ids() {
        let v31 = GET_B.replace("openapi: 3.0.3", "openapi: 3.1.0");
        let err = merge(&doc(BASE), &[source("v31.md", &v31)], false).unwrap_err();
        assert!(
            err.contains("v31.md: not an OpenAPI 3.0.x document"),
            "{err}"
        );
        let no_id = DELETE_C.replace("operationId: delete-c", "summary: x");
        let err = merge(&doc(BASE), &[source("c.md", &no_id)], false).unwrap_err();
        assert_eq!(err, "c.md: DELETE /c/ has no operationId");
        let swagger = "swagger: '2.0'\npaths: {}";
        let err = merge(&doc(BASE), &[source("s.json", swagger)], false).unwrap_err();
        assert_eq!(
            err,
            r#"s.json: not an OpenAPI 3.0.x document (openapi: "missing")"#
        );
    }

    #[test]
    fn path_keys_that_are_not_path_templates_are_refused() {
        for (key, why) in [
            ("1", "the path key 1 is not a string"),
            ("c/", "does not start with `/`"),
            ("/x/../../../c/", "has the segment \"..\""),
        ] {
            let page = DELETE_C.replace("  /c/:", &format!("  {key}:"));
            let err = merge(&doc(BASE), &[source("p.md", &page)], false).unwrap_err();
            assert!(
                err.starts_with("p.md: ") && err.contains(why),
                "{key}: {err}"
            );
        }
    }

    #[test]
    fn a_dangling_reference_is_refused() {
        let dangling = GET_B.replace("    Item: {type: string}\n", "");
        let err = merge(&doc(BASE), &[source("d.md", &dangling)], false).unwrap_err();
        assert!(
            err.contains("`#/components/schemas/Item` is referenced but not defined"),
            "{err}"
        );
    }
}
