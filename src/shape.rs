//! Where a JSON answer departs from the type generated for it.
//!
//! serde's error for an untagged enum says only that no variant matched,
//! and its type errors name no field. A caller needs the field: "what did
//! the server send wrong?". [`departure`] reads the generated type's own
//! JSON Schema (every generated type derives `schemars::JsonSchema`, so the
//! rule is the spec's, not a copy of it) and names the first place where
//! the value does not fit: a missing required field, or a field of another
//! JSON type.

use schemars::JsonSchema;
use serde_json::Value;

/// The first place `value` does not fit `T`'s schema, as a path and a
/// reason (`members[2].join_time is a number, not a string`), if there is
/// one the schema can tell.
pub(crate) fn departure<T: JsonSchema>(value: &Value) -> Option<String> {
    let schema = schemars::schema_for!(T);
    let root = schema.as_value();
    let defs = root.get("$defs").unwrap_or(&Value::Null);
    walk(value, root, defs, "")
}

fn walk(value: &Value, schema: &Value, defs: &Value, path: &str) -> Option<String> {
    let schema = resolve(schema, defs);
    if let Some(variants) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        // The variant the value was meant to be: the one whose required
        // fields it has most of.
        let best = variants
            .iter()
            .max_by_key(|v| present(value, resolve(v, defs)))?;
        return walk(value, best, defs, path);
    }
    if let Some(problem) = wrong_type(value, schema, path) {
        return Some(problem);
    }
    match value {
        Value::Object(fields) => {
            let required = schema.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    return Some(format!("{} is missing", join(path, name)));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object)?;
            fields.iter().find_map(|(name, field)| {
                let field_schema = properties.get(name)?;
                walk(field, field_schema, defs, &join(path, name))
            })
        }
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, item_schema, defs, &format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// `schema`, or what its `$ref` names.
fn resolve<'a>(schema: &'a Value, defs: &'a Value) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        Some(name) => defs.get(name).unwrap_or(schema),
        None => schema,
    }
}

/// How many of `schema`'s required fields `value` has.
fn present(value: &Value, schema: &Value) -> usize {
    let required = schema.get("required").and_then(Value::as_array);
    required
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| value.get(name).is_some())
        .count()
}

fn wrong_type(value: &Value, schema: &Value, path: &str) -> Option<String> {
    let allowed: Vec<&str> = match schema.get("type")? {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return None,
    };
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = allowed.contains(&actual) || (actual == "integer" && allowed.contains(&"number"));
    (!fits).then(|| {
        let place = if path.is_empty() { "the body" } else { path };
        format!(
            "{place} is {}, not {}",
            article(actual),
            allowed.join(" or ")
        )
    })
}

fn article(kind: &str) -> String {
    match kind {
        "null" => "null".to_owned(),
        "integer" | "array" | "object" => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}
