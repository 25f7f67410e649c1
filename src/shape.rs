//! Where a JSON answer departs from the type generated for it.
//!
//! serde's error for an untagged enum says only that no variant matched,
//! and its type errors name no field. A caller needs the field: "what did
//! the server send wrong?". [`departure`] reads the schema generation put
//! in the operation's table entry (the spec's own schema, not a copy of its
//! rule written here) and names the first place where the value does not
//! fit: a missing required field, a field of another JSON type, or a value
//! the spec does not list.

use serde_json::Value;

/// The first place `body` does not fit `schema` (an operation's
/// [`answer_schema`](crate::Operation::answer_schema)), as a path and a
/// reason (`members[2].join_time is a number, not a string`), if it is JSON
/// and there is one the schema can tell.
pub(crate) fn departure(schema: &str, body: &[u8]) -> Option<String> {
    let schema: Value = serde_json::from_str(schema).ok()?;
    let value: Value = serde_json::from_slice(body).ok()?;
    walk(&value, &schema, "")
}

fn walk(value: &Value, schema: &Value, path: &str) -> Option<String> {
    if let Some(variants) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        // The variant the value was meant to be: the one whose required
        // fields it has most of.
        let best = variants.iter().max_by_key(|v| present(value, v))?;
        return walk(value, best, path);
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        return parts.iter().find_map(|part| walk(value, part, path));
    }
    if let Some(problem) =
        wrong_type(value, schema, path).or_else(|| not_listed(value, schema, path))
    {
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
            let is_required =
                |name: &str| required.is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)));
            fields.iter().find_map(|(name, field)| {
                let field_schema = properties.get(name)?;
                // An optional field is an `Option` in the generated type,
                // which takes `null` whatever the schema says: not the cause.
                if field.is_null() && !is_required(name) {
                    return None;
                }
                walk(field, field_schema, &join(path, name))
            })
        }
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, item_schema, &format!("{path}[{i}]")))
        }
        _ => None,
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
    let allowed = schema.get("type")?.as_str()?;
    let nullable = schema.get("nullable") == Some(&Value::Bool(true));
    let actual = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = actual == allowed
        || (actual == "integer" && allowed == "number")
        || (actual == "null" && nullable);
    (!fits).then(|| format!("{} is {}, not {allowed}", place(path), article(actual)))
}

/// A value outside the schema's `enum`, named with the documented values
/// (the spec's words, never the server's).
fn not_listed(value: &Value, schema: &Value, path: &str) -> Option<String> {
    let listed = schema.get("enum")?.as_array()?;
    if listed.contains(value) {
        return None;
    }
    let words: Vec<String> = listed.iter().map(Value::to_string).collect();
    Some(format!(
        "{} is not one of {}",
        place(path),
        words.join(", ")
    ))
}

fn place(path: &str) -> &str {
    if path.is_empty() { "the body" } else { path }
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
