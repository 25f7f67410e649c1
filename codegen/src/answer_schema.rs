//! The schema of each operation's JSON success answer, as JSON text for the
//! operation table, so the runtime can name the field where an answer
//! departs from the spec (`vobiz`'s `src/shape.rs`) without the generated
//! types carrying a schema of their own (a `JsonSchema` derive would cost
//! every consumer's build `schemars` and its derive).
//!
//! Only the keywords that decide a JSON value's shape are kept (`type`,
//! `nullable`, `enum`, `properties`, `required`, `items`, `anyOf`, `oneOf`,
//! `allOf`); `$ref`s to `#/components/schemas` are inlined, to a bounded
//! depth so a recursive schema stays finite (a `$ref` left over fits any
//! value).

use openapiv3::{OpenAPI, Operation, ReferenceOr, StatusCode};
use serde_json::{Map, Value};

/// How deep references are inlined.
const MAX_REF_DEPTH: usize = 8;

/// The keywords kept.
const SHAPE_KEYWORDS: [&str; 9] = [
    "type",
    "nullable",
    "enum",
    "properties",
    "required",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
];

/// The spec's component schemas, as JSON, for inlining references.
pub(crate) struct Components(Value);

impl Components {
    /// `spec` is the normalised spec (its responses are inlined).
    pub(crate) fn of(spec: &OpenAPI) -> Self {
        let schemas = spec
            .components
            .as_ref()
            .and_then(|c| serde_json::to_value(&c.schemas).ok());
        Components(schemas.unwrap_or(Value::Null))
    }

    /// The compact schema of `op`'s first 2xx answer with a JSON body, if
    /// it has one and it constrains anything.
    pub(crate) fn answer_schema(&self, op: &Operation) -> Option<String> {
        let schema = op
            .responses
            .responses
            .iter()
            .find_map(|(status, response)| {
                let success = match status {
                    StatusCode::Code(code) => (200..300).contains(code),
                    StatusCode::Range(range) => *range == 2,
                };
                let ReferenceOr::Item(response) = response else {
                    return None;
                };
                let media = response
                    .content
                    .get("application/json")
                    .filter(|_| success)?;
                media.schema.as_ref()
            })?;
        let compact = compact(&serde_json::to_value(schema).ok()?, &self.0, 0);
        (compact != Value::Object(Map::new())).then(|| compact.to_string())
    }
}

fn compact(schema: &Value, components: &Value, depth: usize) -> Value {
    let Value::Object(fields) = schema else {
        return Value::Object(Map::new());
    };
    if let Some(target) = fields.get("$ref").and_then(Value::as_str) {
        let named = target
            .strip_prefix("#/components/schemas/")
            .and_then(|name| components.get(name));
        return match named {
            Some(named) if depth < MAX_REF_DEPTH => compact(named, components, depth + 1),
            _ => Value::Object(Map::new()),
        };
    }
    let mut out = Map::new();
    for keyword in SHAPE_KEYWORDS {
        let Some(value) = fields.get(keyword) else {
            continue;
        };
        let kept = match (keyword, value) {
            ("properties", Value::Object(properties)) => Value::Object(
                properties
                    .iter()
                    .map(|(name, s)| (name.clone(), compact(s, components, depth)))
                    .collect(),
            ),
            ("items", item) => compact(item, components, depth),
            ("anyOf" | "oneOf" | "allOf", Value::Array(variants)) => Value::Array(
                variants
                    .iter()
                    .map(|s| compact(s, components, depth))
                    .collect(),
            ),
            (_, other) => other.clone(),
        };
        out.insert(keyword.to_owned(), kept);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_inlined_and_only_shape_is_kept() {
        let components = serde_json::json!({
            "Member": {"type": "object", "description": "words", "required": ["id"],
                       "properties": {"id": {"type": "string", "example": "1"}}},
            "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
        });
        let schema = serde_json::json!({"type": "array", "title": "t",
            "items": {"$ref": "#/components/schemas/Member"}});
        assert_eq!(
            compact(&schema, &components, 0),
            serde_json::json!({"type": "array", "items": {"type": "object", "required": ["id"],
                "properties": {"id": {"type": "string"}}}})
        );
        let looped = compact(
            &serde_json::json!({"$ref": "#/components/schemas/Loop"}),
            &components,
            0,
        );
        assert!(looped.to_string().len() < 2_000, "{looped}");
    }
}
