//! What each operation's page documents as a sample exchange: the
//! parameters and body a request may carry, and the success status and body
//! it is answered with. The simulator answers every operation it has no
//! behaviour for from this, and the contract test sends every operation
//! with it, so a page imported tomorrow is simulated and checked with no
//! handwritten line.
//!
//! A value is the page's own example where it gives one (`example`, or the
//! first of `examples`, on the media type, the parameter or its schema) and
//! it fits the schema (a page's example can name a field its schema does
//! not have, or leave out one it requires); otherwise it is built from the
//! schema: every property, the first `enum`
//! value, the first `oneOf`/`anyOf` variant, `allOf` merged, a value of the
//! declared `format`. Nothing is invented where the page gives neither: an
//! answer without a JSON schema or example has no body.

use openapiv3::{OpenAPI, Operation, Parameter, ReferenceOr, StatusCode};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{Map, Value, json};

/// How deep references are followed when a value is built from a schema.
const MAX_DEPTH: usize = 8;

/// One operation's documented exchange.
pub(crate) struct Exchange {
    /// Path and required query parameters, each with a value as JSON text.
    pub(crate) params: Vec<(String, String)>,
    /// The request body as JSON text, if the operation takes one.
    pub(crate) body: Option<String>,
    /// The lowest documented success status.
    pub(crate) status: u16,
    /// That status's JSON answer as text, if the page gives it a JSON body.
    pub(crate) answer: Option<String>,
}

/// The spec's components as JSON, to follow references.
pub(crate) struct Samples {
    components: Value,
}

impl Samples {
    /// `spec` as Vobiz publishes it (not normalised: its error responses
    /// and several success statuses are still there).
    pub(crate) fn of(spec: &OpenAPI) -> Self {
        let components = spec
            .components
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok())
            .unwrap_or(Value::Null);
        Samples { components }
    }

    /// `op`'s exchange, or `None` if it documents no success status.
    pub(crate) fn exchange(&self, op: &Operation) -> Option<Exchange> {
        let (status, response) = op
            .responses
            .responses
            .iter()
            .filter_map(|(status, response)| match status {
                StatusCode::Code(code) if (200..300).contains(code) => Some((*code, response)),
                _ => None,
            })
            .min_by_key(|(code, _)| *code)?;
        let response = serde_json::to_value(response).ok()?;
        let response = self.resolve(&response, 0);
        let answer = response
            .get("content")
            .and_then(|c| c.get("application/json"))
            .and_then(|media| self.sample_of_media(media, false));
        let body = op.request_body.as_ref().and_then(|body| {
            let body = self.resolve(&serde_json::to_value(body).ok()?, 0);
            let content = body.get("content")?.as_object()?;
            let media = content
                .get("application/json")
                .or_else(|| content.values().next())?;
            Some(
                self.sample_of_media(media, true)
                    .unwrap_or_else(|| json!({})),
            )
        });
        let params = op
            .parameters
            .iter()
            .filter_map(|p| self.param_sample(p))
            .map(|(name, value)| (name, value.to_string()))
            .collect();
        Some(Exchange {
            params,
            body: body.map(|b| b.to_string()),
            status,
            answer: answer.map(|a| a.to_string()),
        })
    }

    /// A path parameter, or a required query one, with its value.
    fn param_sample(&self, param: &ReferenceOr<Parameter>) -> Option<(String, Value)> {
        let value = self.resolve(&serde_json::to_value(param).ok()?, 0);
        let place = value.get("in")?.as_str()?;
        let required = value.get("required").and_then(Value::as_bool) == Some(true);
        if !(place == "path" || place == "query" && required) {
            return None;
        }
        let name = value.get("name")?.as_str()?.to_owned();
        let sample = documented(&value)
            .or_else(|| value.get("schema").map(|s| self.build(s, 0)))
            .unwrap_or_else(|| json!("x"));
        Some((name, sample))
    }

    /// A media type's example if it fits its schema, or one built from
    /// the schema. `exact`: no property the schema does not declare (a
    /// request body, whose generated type would drop it).
    fn sample_of_media(&self, media: &Value, exact: bool) -> Option<Value> {
        let schema = media.get("schema");
        let example = documented(media)
            .filter(|example| schema.is_none_or(|s| self.fits(example, s, exact, 0)));
        example.or_else(|| schema.map(|s| self.build(s, 0)))
    }

    /// Whether `value` fits `schema`: types, `enum`, `required`, and with
    /// `exact`, no undeclared property.
    fn fits(&self, value: &Value, schema: &Value, exact: bool, depth: usize) -> bool {
        let schema = self.resolve(schema, depth);
        if depth > MAX_DEPTH || !schema.is_object() {
            return true;
        }
        if value.is_null() {
            return schema.get("nullable") == Some(&Value::Bool(true))
                || schema.get("type").is_none();
        }
        if let Some(Value::Array(allowed)) = schema.get("enum")
            && !allowed.contains(value)
        {
            return false;
        }
        for choice in ["oneOf", "anyOf"] {
            if let Some(Value::Array(variants)) = schema.get(choice) {
                return variants
                    .iter()
                    .any(|v| self.fits(value, v, exact, depth + 1));
            }
        }
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            return parts.iter().all(|p| self.fits(value, p, false, depth + 1));
        }
        let typed = match (schema.get("type").and_then(Value::as_str), value) {
            (None, _) => true,
            (Some("object"), Value::Object(_)) | (Some("array"), Value::Array(_)) => true,
            (Some("string"), Value::String(_)) | (Some("boolean"), Value::Bool(_)) => true,
            (Some("integer"), Value::Number(n)) => n.is_i64() || n.is_u64(),
            (Some("number"), Value::Number(_)) => true,
            _ => false,
        };
        typed && self.fits_inside(value, &schema, exact, depth)
    }

    /// [`fits`](Self::fits) for an object's properties and an array's items.
    fn fits_inside(&self, value: &Value, schema: &Value, exact: bool, depth: usize) -> bool {
        match value {
            Value::Object(fields) => {
                let declared = schema.get("properties").and_then(Value::as_object);
                let required = schema.get("required").and_then(Value::as_array);
                let has_all = required
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .all(|name| fields.contains_key(name));
                has_all
                    && fields
                        .iter()
                        .all(|(name, field)| match declared.and_then(|d| d.get(name)) {
                            Some(s) => self.fits(field, s, exact, depth + 1),
                            None => !exact || declared.is_none(),
                        })
            }
            Value::Array(items) => schema.get("items").is_none_or(|s| {
                items
                    .iter()
                    .all(|item| self.fits(item, s, exact, depth + 1))
            }),
            _ => true,
        }
    }

    /// `value` with a `$ref` to a component replaced by the component.
    fn resolve(&self, value: &Value, depth: usize) -> Value {
        let Some(target) = value.get("$ref").and_then(Value::as_str) else {
            return value.clone();
        };
        let found = target
            .strip_prefix("#/components/")
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(kind, name)| self.components.get(kind)?.get(name));
        match found {
            Some(found) if depth < MAX_DEPTH => self.resolve(found, depth + 1),
            _ => Value::Null,
        }
    }

    /// A value that fits `schema`.
    fn build(&self, schema: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        let schema = self.resolve(schema, depth);
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
            return first.clone();
        }
        if let Some(default) = schema.get("default") {
            return default.clone();
        }
        for choice in ["oneOf", "anyOf"] {
            if let Some(first) = schema.get(choice).and_then(|v| v.get(0)) {
                return self.build(first, depth + 1);
            }
        }
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            let mut merged = Map::new();
            for part in parts {
                match self.build(part, depth + 1) {
                    Value::Object(fields) => merged.extend(fields),
                    other if parts.len() == 1 => return other,
                    _ => {}
                }
            }
            return Value::Object(merged);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") | None if schema.get("properties").is_some() => {
                let properties = schema.get("properties").and_then(Value::as_object);
                Value::Object(
                    properties
                        .into_iter()
                        .flatten()
                        .map(|(name, s)| (name.clone(), self.build(s, depth + 1)))
                        .collect(),
                )
            }
            Some("object") => json!({}),
            Some("array") => match schema.get("items") {
                Some(items) => json!([self.build(items, depth + 1)]),
                None => json!([]),
            },
            Some("string") => string_of(&schema),
            Some("integer") => number_of(&schema, json!(1)),
            Some("number") => number_of(&schema, json!(1.5)),
            Some("boolean") => json!(true),
            _ => Value::Null,
        }
    }
}

/// The example a media type or parameter documents itself.
fn documented(value: &Value) -> Option<Value> {
    value.get("example").cloned().or_else(|| {
        let examples = value.get("examples")?.as_object()?;
        examples.values().next()?.get("value").cloned()
    })
}

fn string_of(schema: &Value) -> Value {
    let format = schema.get("format").and_then(Value::as_str);
    let text = match format {
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("email") => "user@example.com",
        Some("uri" | "url") => "https://example.com/",
        Some("ipv4") => "192.0.2.1",
        _ => "string",
    };
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0);
    let padding = usize::try_from(min).unwrap_or(0).saturating_sub(text.len());
    json!(format!("{text}{}", "x".repeat(padding)))
}

fn number_of(schema: &Value, otherwise: Value) -> Value {
    schema
        .get("minimum")
        .or_else(|| schema.get("maximum"))
        .cloned()
        .unwrap_or(otherwise)
}

/// The `documented` module: each operation's exchange, for the simulator
/// and the tests (feature `test-util`; nothing of it is in a normal build).
pub(crate) fn documented_module(ops: &[crate::Operation], spec: &OpenAPI) -> TokenStream {
    let samples = Samples::of(spec);
    let arms = ops.iter().filter_map(|op| {
        let exchange = samples.exchange(op.in_spec(spec)?)?;
        let name = &op.method_name;
        let params = exchange.params.iter().map(|(n, v)| quote!((#n, #v)));
        let body = optional(exchange.body.as_deref());
        let answer = optional(exchange.answer.as_deref());
        let status = exchange.status;
        Some(quote! {
            #name => Some(&Exchange {
                params: &[#(#params),*],
                body: #body,
                status: #status,
                answer: #answer,
            }),
        })
    });
    quote! {
        /// What each operation's page documents as a sample exchange (see
        /// `codegen/src/examples.rs`): the simulator answers from it, the
        /// contract test sends it.
        #[cfg(feature = "test-util")]
        pub mod documented {
            use crate::operation::Operation;

            /// One operation's documented exchange.
            #[derive(Debug)]
            pub struct Exchange {
                /// Path and required query parameters, each a JSON value.
                pub params: &'static [(&'static str, &'static str)],
                /// The request body, JSON, if the operation takes one.
                pub body: Option<&'static str>,
                /// The lowest documented success status.
                pub status: u16,
                /// That status's JSON body, if the page gives it one.
                pub answer: Option<&'static str>,
            }

            /// `operation`'s exchange, `None` if its page documents no success.
            pub fn exchange(operation: &Operation) -> Option<&'static Exchange> {
                match operation.method_name {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
}

fn optional(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(components: Value) -> Samples {
        Samples { components }
    }

    #[test]
    fn a_schema_builds_a_value_that_fits_it() {
        let s = samples(json!({"schemas": {
            "Item": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}}
        }}));
        let schema = json!({"type": "object", "properties": {
            "kind": {"type": "string", "enum": ["b", "a"]},
            "when": {"type": "string", "format": "date-time"},
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
            "either": {"oneOf": [{"type": "boolean"}, {"type": "string"}]},
            "named": {"type": "string", "example": "Room 1"}
        }});
        assert_eq!(
            s.build(&schema, 0),
            json!({"kind": "b", "when": "2026-01-01T00:00:00Z", "items": [{"n": 3}],
                   "either": true, "named": "Room 1"})
        );
    }

    #[test]
    fn a_recursive_schema_ends() {
        let s = samples(json!({"schemas": {
            "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
        }}));
        let built = s.build(&json!({"$ref": "#/components/schemas/Loop"}), 0);
        assert!(built.to_string().len() < 1_000, "{built}");
    }
}
