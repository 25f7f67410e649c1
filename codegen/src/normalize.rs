//! What generation changes in the spec, in memory, before progenitor reads it.
//!
//! `openapi/vobiz.yaml` stays Vobiz's text. Vobiz's pages use a few
//! constructs that progenitor 0.15 either refuses or turns into wrong types;
//! this is the one place they are rewritten, each rule for a stated reason:
//!
//! 1. **A media type with only an `example`** (no `schema`) gets the empty
//!    schema, so its body is untyped JSON (`serde_json::Value`). Nothing is
//!    guessed from the example. progenitor refuses such a media type.
//! 2. **Error responses** (every status outside 2xx, and `default` beside a
//!    2xx) are taken out of the operation. progenitor names each inline
//!    response schema `<Operation>Response`, so a documented 404 body would be
//!    decoded as the 200 type; and a typed error body that does not match its
//!    schema (empty, HTML from a proxy, another Vobiz shape) would lose its
//!    status. With no error responses, every non-2xx reaches
//!    `vobiz::Error` with its status, headers and bounded body, mapped in
//!    one place. A documented inline error schema is kept as a named type,
//!    `types::<Operation><Status>Error`, so the typed body stays reachable
//!    through `ApiError::decode_body`.
//! 3. **Several success statuses.** progenitor needs one success type. When
//!    they share one body schema, that schema becomes one named type
//!    (`<Operation>Response`). When they differ, each documented body is kept
//!    as a named type (`types::<Operation><Status>Response`) and the operation
//!    returns what can honestly hold all of them: untyped JSON if every status
//!    has a JSON body, raw bytes (`ByteStream`) if some have none.
//!    `ResponseValue::status()` tells which status came back.
//! 4. **A request body with several media types** keeps its JSON one (the
//!    first one if none is JSON): progenitor takes exactly one.
//! 5. **Docs are text, never code.** Every `description` and `summary`
//!    becomes Markdown that rustdoc only shows: code blocks become `text`
//!    blocks (never doctests), HTML is escaped, `[...]` is never a link (see
//!    `doc_text.rs`). A page's prose must not run at `cargo test`.
//! 6. **A union of a bare `nullable: true` and one inline schema** is that
//!    schema, nullable: typify makes the union a struct of optional
//!    flattened parts, into which `null` (what Vobiz's own example sends)
//!    does not decode; nullable, it is an `Option` of the schema's type.
//!
//! Left to progenitor and typify as they are, because they already generate
//! honest types: `oneOf` success bodies (an untagged enum), optional request
//! bodies with `enum` and `default` (a body type with defaults), tags the
//! document does not declare, `nullable` properties without a `type`
//! (`Option<serde_json::Value>`), arrays without `items`
//! (`Vec<serde_json::Value>`), several response media types (the JSON one is
//! read and asked for with `Accept`), and `format: date`, `date-time`, `uuid`
//! (`chrono` and `uuid` types; `email` stays a `String`).

use heck::ToUpperCamelCase;
use indexmap::IndexMap;
use openapiv3::{
    AnySchema, MediaType, OpenAPI, Operation, ReferenceOr, Response, Responses, Schema, SchemaData,
    SchemaKind, StatusCode, StringFormat, StringType, Type, VariantOrUnknownOrEmpty,
};

/// One thing normalisation changed, for the reviewed surface file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The operation it concerns.
    pub operation_id: String,
    /// What was done, in words.
    pub text: String,
}

/// Rewrites `spec` as described in the module docs; returns what changed.
pub fn normalize(spec: &mut OpenAPI) -> Result<Vec<Note>, String> {
    let shared_responses = spec
        .components
        .as_ref()
        .map(|c| c.responses.clone())
        .unwrap_or_default();
    let mut out = Outcome::default();
    docs_as_text(spec, &mut out)?;
    nullable_unions(spec, &mut out)?;
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let id = op.operation_id.clone().unwrap_or_default();
            let mut ctx = Ctx {
                id: &id,
                out: &mut out,
            };
            inline_responses(op, &shared_responses)?;
            untyped_when_no_schema(op, &mut ctx);
            single_request_media_type(op, &mut ctx);
            take_out_errors(op, &mut ctx);
            one_success_type(op, &mut ctx);
        }
    }
    let schemas = &mut spec.components.get_or_insert_with(Default::default).schemas;
    for (name, schema) in out.hoisted {
        match schemas.get(&name) {
            Some(existing) if *existing != schema => {
                return Err(format!(
                    "cannot name a documented body `{name}`: the spec already has a different \
                     schema of that name"
                ));
            }
            _ => {
                schemas.insert(name, schema);
            }
        }
    }
    Ok(out.notes)
}

/// Rule 5: every `description` and `summary` in the document as inert
/// text, noted under each operation whose own docs changed.
fn docs_as_text(spec: &mut OpenAPI, out: &mut Outcome) -> Result<(), String> {
    rewrite_everywhere(
        spec,
        out,
        rewrite_docs,
        "docs: code blocks, HTML and links shown as text",
    )
}

/// Rule 6: an `anyOf`/`oneOf` of a bare `nullable: true` and one inline
/// schema is that schema, nullable. typify makes such a union a struct of
/// optional flattened parts, which `null` (the value Vobiz's own example
/// gives, list-subaccounts' `permissions`) does not decode into; nullable,
/// it is an `Option` of the schema's type.
fn nullable_unions(spec: &mut OpenAPI, out: &mut Outcome) -> Result<(), String> {
    rewrite_everywhere(
        spec,
        out,
        rewrite_nullable_unions,
        "a union of `nullable` and one schema: that schema, nullable (an Option)",
    )
}

/// Applies `rewrite` to the whole document, noting `note` under each
/// operation whose own definition it changed.
fn rewrite_everywhere(
    spec: &mut OpenAPI,
    out: &mut Outcome,
    rewrite: fn(&mut serde_json::Value) -> bool,
    note: &str,
) -> Result<(), String> {
    let mut notes = Vec::new();
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, op) in item.iter() {
            let mut value = serde_json::to_value(op).map_err(|e| e.to_string())?;
            if rewrite(&mut value) {
                notes.push(op.operation_id.clone().unwrap_or_default());
            }
        }
    }
    let mut value = serde_json::to_value(&*spec).map_err(|e| e.to_string())?;
    if rewrite(&mut value) {
        *spec = serde_json::from_value(value).map_err(|e| e.to_string())?;
    }
    out.notes.extend(notes.into_iter().map(|operation_id| Note {
        operation_id,
        text: note.to_owned(),
    }));
    Ok(())
}

/// Rewrites every union below `value` as rule 6 says; true if any changed.
fn rewrite_nullable_unions(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    let mut changed = match value {
        Value::Object(map) => map
            .values_mut()
            .fold(false, |c, v| rewrite_nullable_unions(v) | c),
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |c, v| rewrite_nullable_unions(v) | c),
        _ => false,
    };
    let Value::Object(map) = value else {
        return changed;
    };
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(variants)) = map.get(key) else {
            continue;
        };
        let bare = serde_json::json!({"nullable": true});
        let [a, b] = variants.as_slice() else {
            continue;
        };
        let other = match (a == &bare, b == &bare) {
            (true, false) => b.clone(),
            (false, true) => a.clone(),
            _ => continue,
        };
        let Value::Object(mut schema) = other else {
            continue;
        };
        if schema.contains_key("$ref") {
            continue;
        }
        map.remove(key);
        for (k, v) in std::mem::take(map) {
            schema.entry(k).or_insert(v);
        }
        schema.insert("nullable".to_owned(), Value::Bool(true));
        *map = schema;
        changed = true;
    }
    changed
}

/// Rewrites every `description` and `summary` string below `value`; true if
/// any changed.
fn rewrite_docs(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    let mut changed = false;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" || key == "summary" => {
                        let inert = crate::doc_text::as_text(text);
                        if inert != *text {
                            *text = inert;
                            changed = true;
                        }
                    }
                    other => changed |= rewrite_docs(other),
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                changed |= rewrite_docs(v);
            }
        }
        _ => {}
    }
    changed
}

#[derive(Default)]
struct Outcome {
    /// Inline schemas given a name of their own, to add to the components.
    hoisted: Vec<(String, ReferenceOr<Schema>)>,
    notes: Vec<Note>,
}

/// The operation being rewritten, and where results go.
struct Ctx<'a> {
    id: &'a str,
    out: &'a mut Outcome,
}

impl Ctx<'_> {
    fn note(&mut self, text: String) {
        self.out.notes.push(Note {
            operation_id: self.id.to_owned(),
            text,
        });
    }

    /// `schema` under the name `<Operation><suffix>` (unless it already is a
    /// reference); returns the reference to use in its place.
    fn hoist(
        &mut self,
        suffix: &str,
        schema: &ReferenceOr<Schema>,
    ) -> (String, ReferenceOr<Schema>) {
        if let ReferenceOr::Reference { reference } = schema {
            let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
            return (name, schema.clone());
        }
        let name = format!("{}-{suffix}", self.id).to_upper_camel_case();
        self.out.hoisted.push((name.clone(), schema.clone()));
        let reference = ReferenceOr::Reference {
            reference: format!("#/components/schemas/{name}"),
        };
        (name, reference)
    }
}

/// Copies `$ref` responses into the operation, so that the rules below can
/// change them without touching the shared definition.
fn inline_responses(
    op: &mut Operation,
    shared: &IndexMap<String, ReferenceOr<Response>>,
) -> Result<(), String> {
    let id = op.operation_id.clone().unwrap_or_default();
    for response in responses_mut(&mut op.responses) {
        if let ReferenceOr::Reference { reference } = response {
            let name = reference.trim_start_matches("#/components/responses/");
            let found = shared.get(name).and_then(|r| r.as_item()).ok_or_else(|| {
                format!("operation `{id}`: response `{reference}` is not defined in the spec")
            })?;
            *response = ReferenceOr::Item(found.clone());
        }
    }
    Ok(())
}

fn responses_mut(responses: &mut Responses) -> impl Iterator<Item = &mut ReferenceOr<Response>> {
    responses
        .default
        .iter_mut()
        .chain(responses.responses.values_mut())
}

/// Rule 1.
fn untyped_when_no_schema(op: &mut Operation, ctx: &mut Ctx) {
    let bodies = op
        .request_body
        .iter_mut()
        .filter_map(item_mut)
        .flat_map(|b| b.content.iter_mut());
    let responses = responses_mut(&mut op.responses)
        .filter_map(item_mut)
        .flat_map(|r| r.content.iter_mut());
    for (media_type, content) in bodies.chain(responses) {
        if content.schema.is_none() && is_json(media_type) {
            content.schema = Some(ReferenceOr::Item(any_schema()));
            ctx.note(format!(
                "{media_type} without a schema: untyped JSON (serde_json::Value)"
            ));
        }
    }
}

/// Rule 4.
fn single_request_media_type(op: &mut Operation, ctx: &mut Ctx) {
    let Some(body) = op.request_body.as_mut().and_then(item_mut) else {
        return;
    };
    if body.content.len() <= 1 {
        return;
    }
    let keep = body
        .content
        .keys()
        .find(|k| is_json(k))
        .or_else(|| body.content.keys().next())
        .cloned()
        .unwrap_or_default();
    let dropped: Vec<String> = body
        .content
        .keys()
        .filter(|k| **k != keep)
        .cloned()
        .collect();
    body.content.retain(|k, _| *k == keep);
    ctx.note(format!(
        "request body sent as {keep} (also documented: {})",
        dropped.join(", ")
    ));
}

/// Rule 2.
fn take_out_errors(op: &mut Operation, ctx: &mut Ctx) {
    let has_success = op.responses.responses.keys().any(is_success);
    if has_success && let Some(default) = op.responses.default.take() {
        error_body(ctx, "default", &default);
    }
    let errors: Vec<StatusCode> = op
        .responses
        .responses
        .keys()
        .filter(|s| !is_success(s))
        .cloned()
        .collect();
    for status in errors {
        if let Some(response) = op.responses.responses.shift_remove(&status) {
            error_body(ctx, &status_label(&status), &response);
        }
    }
}

/// Names a documented error body, and notes where it went.
fn error_body(ctx: &mut Ctx, status: &str, response: &ReferenceOr<Response>) {
    match json_schema(response) {
        Some(schema) => {
            let (name, _) = ctx.hoist(&format!("{status}-error"), schema);
            ctx.note(format!(
                "{status}: vobiz::Error by status; documented body types::{name}"
            ));
        }
        None => ctx.note(format!("{status}: vobiz::Error by status")),
    }
}

/// Rule 3.
fn one_success_type(op: &mut Operation, ctx: &mut Ctx) {
    let statuses: Vec<StatusCode> = op
        .responses
        .responses
        .keys()
        .filter(|s| is_success(s))
        .cloned()
        .collect();
    if statuses.len() < 2 {
        return;
    }
    let bodies: Vec<Body> = statuses
        .iter()
        .map(|s| body_kind(&op.responses.responses[s]))
        .collect();
    let first = &bodies[0];
    if bodies.iter().all(|b| b == first) {
        if let Body::Json(schema) = first {
            let (name, reference) = ctx.hoist("response", schema);
            set_json_schema(op, &statuses, &reference);
            ctx.note(format!("success statuses share one body: types::{name}"));
        }
        return;
    }
    let mut documented = Vec::new();
    for (status, body) in statuses.iter().zip(&bodies) {
        if let Body::Json(schema) = body {
            let (name, _) = ctx.hoist(&format!("{}-response", status_label(status)), schema);
            documented.push(format!("{} types::{name}", status_label(status)));
        }
    }
    let all_json = bodies.iter().all(|b| matches!(b, Body::Json(_)));
    let shown = statuses
        .iter()
        .map(status_label)
        .collect::<Vec<_>>()
        .join(", ");
    if all_json {
        set_json_schema(op, &statuses, &ReferenceOr::Item(any_schema()));
        ctx.note(format!(
            "success statuses {shown} have different bodies: untyped JSON; documented: {}",
            documented.join(", ")
        ));
    } else {
        for status in &statuses {
            if let Some(response) = op.responses.responses.get_mut(status).and_then(item_mut) {
                response.content.clear();
                response
                    .content
                    .insert("application/octet-stream".to_owned(), binary());
            }
        }
        ctx.note(format!(
            "success statuses {shown} do not all have a JSON body: raw bytes (ByteStream){}",
            if documented.is_empty() {
                String::new()
            } else {
                format!("; documented: {}", documented.join(", "))
            }
        ));
    }
}

/// What a success response carries, as progenitor classifies it.
#[derive(Debug, PartialEq)]
enum Body {
    None,
    Raw,
    Json(Box<ReferenceOr<Schema>>),
}

fn body_kind(response: &ReferenceOr<Response>) -> Body {
    match (json_schema(response), response.as_item()) {
        (Some(schema), _) => Body::Json(Box::new(schema.clone())),
        (None, Some(r)) if !r.content.is_empty() => Body::Raw,
        _ => Body::None,
    }
}

fn json_schema(response: &ReferenceOr<Response>) -> Option<&ReferenceOr<Schema>> {
    let response = response.as_item()?;
    response
        .content
        .iter()
        .find(|(media_type, _)| is_json(media_type))
        .and_then(|(_, content)| content.schema.as_ref())
}

fn set_json_schema(op: &mut Operation, statuses: &[StatusCode], schema: &ReferenceOr<Schema>) {
    for status in statuses {
        let Some(response) = op.responses.responses.get_mut(status).and_then(item_mut) else {
            continue;
        };
        for (media_type, content) in response.content.iter_mut() {
            if is_json(media_type) {
                content.schema = Some(schema.clone());
            }
        }
    }
}

fn item_mut<T>(value: &mut ReferenceOr<T>) -> Option<&mut T> {
    match value {
        ReferenceOr::Item(item) => Some(item),
        ReferenceOr::Reference { .. } => None,
    }
}

/// progenitor's test for a JSON media type.
fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.starts_with("application/json;")
}

fn is_success(status: &StatusCode) -> bool {
    matches!(status, StatusCode::Code(200..=299) | StatusCode::Range(2))
}

fn status_label(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(r) => format!("{r}XX"),
    }
}

/// `{}`: any JSON value.
fn any_schema() -> Schema {
    Schema {
        schema_data: SchemaData::default(),
        schema_kind: SchemaKind::Any(AnySchema::default()),
    }
}

/// `{type: string, format: binary}`, which progenitor reads as raw bytes.
fn binary() -> MediaType {
    let schema = Schema {
        schema_data: SchemaData::default(),
        schema_kind: SchemaKind::Type(Type::String(StringType {
            format: VariantOrUnknownOrEmpty::Item(StringFormat::Binary),
            ..StringType::default()
        })),
    };
    MediaType {
        schema: Some(ReferenceOr::Item(schema)),
        ..MediaType::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(responses: &str) -> OpenAPI {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: T, version: '1'}}\npaths:\n  /a/:\n    post:\n      operationId: do-thing\n      requestBody:\n        content:\n          text/plain: {{schema: {{type: string}}}}\n          application/json: {{}}\n      responses:\n{responses}"
        );
        yaml_serde::from_str(&text).unwrap()
    }

    fn op(spec: &OpenAPI) -> &Operation {
        spec.paths.paths["/a/"]
            .as_item()
            .unwrap()
            .post
            .as_ref()
            .unwrap()
    }

    const OBJ: &str = "{type: object, properties: {a: {type: string}}}";
    const OTHER: &str = "{type: object, properties: {b: {type: integer}}}";

    #[test]
    fn example_only_bodies_become_untyped_json_and_one_request_media_type_stays() {
        let mut s = spec(
            "        '202': {description: ok, content: {application/json: {example: {x: 1}}}}\n",
        );
        let notes = normalize(&mut s).unwrap();
        let o = op(&s);
        let body = o.request_body.as_ref().unwrap().as_item().unwrap();
        assert_eq!(
            body.content.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        assert_eq!(
            body.content[0].schema,
            Some(ReferenceOr::Item(any_schema()))
        );
        let response = o.responses.responses[&StatusCode::Code(202)]
            .as_item()
            .unwrap();
        assert_eq!(
            response.content[0].schema,
            Some(ReferenceOr::Item(any_schema()))
        );
        let texts: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
        assert!(
            texts.contains(&"request body sent as application/json (also documented: text/plain)"),
            "{texts:?}"
        );
        assert!(
            texts.contains(&"application/json without a schema: untyped JSON (serde_json::Value)"),
            "{texts:?}"
        );
    }

    #[test]
    fn a_union_of_nullable_and_one_schema_is_that_schema_nullable() {
        let mut union = serde_json::json!({"description": "d", "anyOf": [
            {"nullable": true}, {"type": "object", "properties": {"a": {"type": "string"}}}]});
        assert!(rewrite_nullable_unions(&mut union));
        assert_eq!(
            union,
            serde_json::json!({"type": "object", "nullable": true, "description": "d",
                "properties": {"a": {"type": "string"}}})
        );
        // Two real variants, or a reference, stay as they are.
        for kept in [
            serde_json::json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
            serde_json::json!({"anyOf": [{"nullable": true}, {"$ref": "#/components/schemas/X"}]}),
        ] {
            let mut value = kept.clone();
            assert!(!rewrite_nullable_unions(&mut value));
            assert_eq!(value, kept);
        }
    }

    #[test]
    fn error_bodies_leave_the_operation_under_names_of_their_own() {
        let mut s = spec(&format!(
            "        '200': {{description: ok, content: {{application/json: {{schema: {OBJ}}}}}}}\n        '404': {{description: gone, content: {{application/json: {{schema: {OTHER}}}}}}}\n        '500': {{description: broken}}\n        default: {{description: other, content: {{application/json: {{schema: {OTHER}}}}}}}\n"
        ));
        normalize(&mut s).unwrap();
        let o = op(&s);
        assert_eq!(
            o.responses.responses.keys().collect::<Vec<_>>(),
            [&StatusCode::Code(200)]
        );
        assert!(o.responses.default.is_none());
        let schemas = &s.components.as_ref().unwrap().schemas;
        assert!(schemas.contains_key("DoThing404Error"), "{schemas:?}");
        assert!(schemas.contains_key("DoThingDefaultError"), "{schemas:?}");
        assert!(!schemas.contains_key("DoThing500Error"));
    }

    #[test]
    fn a_name_taken_by_another_schema_is_refused() {
        let mut s = spec(&format!(
            "        '204': {{description: ok}}\n        '404': {{description: gone, content: {{application/json: {{schema: {OTHER}}}}}}}\n"
        ));
        s.components
            .get_or_insert_with(Default::default)
            .schemas
            .insert("DoThing404Error".into(), ReferenceOr::Item(any_schema()));
        let err = normalize(&mut s).unwrap_err();
        assert!(err.contains("`DoThing404Error`"), "{err}");
    }

    #[test]
    fn several_success_statuses_get_one_honest_type() {
        let json = |schema: &str| {
            format!("{{content: {{application/json: {{schema: {schema}}}}}, description: ok}}")
        };
        let cases = [
            // Same body: one named type, both referring to it.
            (
                format!(
                    "        '200': {}\n        '201': {}\n",
                    json(OBJ),
                    json(OBJ)
                ),
                "#/components/schemas/DoThingResponse",
            ),
            // Different JSON bodies: untyped JSON.
            (
                format!(
                    "        '200': {}\n        '201': {}\n",
                    json(OBJ),
                    json(OTHER)
                ),
                "any",
            ),
            // A body and none: raw bytes.
            (
                format!(
                    "        '200': {}\n        '204': {{description: gone}}\n",
                    json(OBJ)
                ),
                "binary",
            ),
        ];
        for (responses, expected) in cases {
            let mut s = spec(&responses);
            normalize(&mut s).unwrap();
            let o = op(&s);
            for response in o.responses.responses.values() {
                let content = &response.as_item().unwrap().content;
                let schema = content[0].schema.as_ref().unwrap();
                match expected {
                    "any" => assert_eq!(*schema, ReferenceOr::Item(any_schema())),
                    "binary" => assert_eq!(content[0], binary()),
                    reference => assert_eq!(
                        *schema,
                        ReferenceOr::Reference {
                            reference: reference.to_owned()
                        }
                    ),
                }
            }
        }
    }
}
