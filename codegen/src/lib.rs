//! Turns Vobiz's OpenAPI document into the Rust source of `vobiz::generated`.
//!
//! This is the one place generation happens: `build.rs` calls
//! [`generate_file_for`] for every build and `cargo xtask` calls the same
//! functions to check, print and review the generated surface, so the two can
//! never disagree.

mod answer_schema;
mod dispatch;
mod doc_text;
mod examples;
mod interface;
mod normalize;
pub mod semver;
mod wire;

use std::fmt;
use std::path::{Path, PathBuf};

pub use doc_text::doc_blocks;
pub use normalize::Note;

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

/// Why the spec could not be turned into code; always names the file.
#[derive(Debug)]
pub struct CodegenError {
    /// The spec file the problem was found in.
    pub file: PathBuf,
    /// What is wrong, in words.
    pub problem: String,
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

impl std::error::Error for CodegenError {}

/// One operation of the spec, as the runtime hooks need to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operationId` as written in the spec.
    pub operation_id: String,
    /// The generated method's name, which progenitor also passes to the
    /// hooks as `OperationInfo::operation_id`.
    pub method_name: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template, e.g. `/api/v1/Account/{auth_id}/Conference/{conference_name}/`.
    pub path: String,
}

impl Operation {
    /// Its definition in `spec` (the one it was read from, or that spec
    /// normalised).
    pub(crate) fn in_spec<'s>(&self, spec: &'s OpenAPI) -> Option<&'s openapiv3::Operation> {
        let item = spec.paths.paths.get(&self.path)?.as_item()?;
        item.iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(&self.method))
            .map(|(_, operation)| operation)
    }
}

/// The methods an OpenAPI path item may have, in the order the spec lists
/// them (and the vendored yaml writes them).
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Method names an operation must not generate: those of the generated
/// client itself and of the traits it implements (progenitor's
/// `ClientInfo` and `ClientHooks`, and the standard ones in scope
/// everywhere). An inherent method of such a name would silently shadow
/// the trait's (`client.api().inner()` would send a request).
const RESERVED_METHODS: &[&str] = &[
    "new",
    "new_with_client",
    "api_version",
    "baseurl",
    "client",
    "inner",
    "pre",
    "post",
    "exec",
    "clone",
    "clone_from",
    "clone_into",
    "fmt",
    "to_owned",
    "to_string",
    "into",
    "try_into",
    "from",
    "try_from",
    "borrow",
    "borrow_mut",
    "as_ref",
    "as_mut",
    "eq",
    "ne",
    "hash",
    "type_id",
    "default",
    "deref",
    "drop",
    "vzip",
    // `operations::ALL` lists the operations' statics (`operations::<METHOD>`).
    "all",
];

/// Refuses a path key that is not a URL path template: one that does not
/// start with `/`, or that has a `.` or `..` segment (in any spelling),
/// which URL resolution would turn into another resource.
pub fn check_path_template(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("path {path:?} does not start with `/`"));
    }
    let dots = |segment: &str| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    };
    match path.split('/').find(|segment| dots(segment)) {
        Some(segment) => Err(format!(
            "path {path:?} has the segment {segment:?}, which would address another resource"
        )),
        None => Ok(()),
    }
}

/// Reads and parses an OpenAPI document (YAML or JSON).
pub fn load_spec(file: &Path) -> Result<OpenAPI, CodegenError> {
    let text = std::fs::read_to_string(file).map_err(|e| CodegenError {
        file: file.to_owned(),
        problem: format!("cannot read: {e}"),
    })?;
    parse_spec(file, &text)
}

/// Parses OpenAPI text (YAML, of which JSON is a subset).
pub fn parse_spec(file: &Path, text: &str) -> Result<OpenAPI, CodegenError> {
    yaml_serde::from_str(text).map_err(|e| CodegenError {
        file: file.to_owned(),
        problem: format!("not a valid OpenAPI 3.0 document: {e}"),
    })
}

/// The operations of a spec, sorted by path then method.
pub fn operations(spec: &OpenAPI) -> Vec<Operation> {
    let mut ops: Vec<Operation> = spec
        .paths
        .iter()
        .filter_map(|(path, item)| Some((path, item.as_item()?)))
        .flat_map(|(path, item)| {
            item.iter().map(move |(method, op)| Operation {
                operation_id: op.operation_id.clone().unwrap_or_default(),
                method_name: method_name(op.operation_id.as_deref().unwrap_or_default()),
                method: method.to_ascii_uppercase(),
                path: path.clone(),
            })
        })
        .collect();
    ops.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    ops
}

/// The progenitor settings every generation uses.
///
/// `HooksMode::Expected` makes a missing `ClientHooks` impl a compile error,
/// so no generated operation can ever run without our auth and path guard.
/// The inner type carries the configuration those hooks read.
fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(crate::transport::Transport));
    settings
}

/// Generates the Rust source for `vobiz::generated` from a parsed spec.
pub fn generate(file: &Path, spec: &OpenAPI) -> Result<String, CodegenError> {
    generate_with_notes(file, spec).map(|(code, _)| code)
}

/// [`generate`], also returning what normalisation changed (see
/// `codegen/src/normalize.rs`).
pub fn generate_with_notes(
    file: &Path,
    spec: &OpenAPI,
) -> Result<(String, Vec<Note>), CodegenError> {
    let fail = |problem: String| CodegenError {
        file: file.to_owned(),
        problem,
    };
    for path in spec.paths.paths.keys() {
        check_path_template(path).map_err(&fail)?;
    }
    let ops = operations(spec);
    for op in &ops {
        if RESERVED_METHODS.contains(&op.method_name.as_str()) {
            return Err(fail(format!(
                "operationId `{}` would generate the method `{}`, which the generated client \
                 or a trait it implements already has: the operation would shadow it",
                op.operation_id, op.method_name
            )));
        }
        if op.operation_id.is_empty() {
            return Err(fail(format!(
                "{} {} has no operationId",
                op.method, op.path
            )));
        }
        if let Some(other) = ops
            .iter()
            .find(|o| o.method_name == op.method_name && o.operation_id != op.operation_id)
        {
            return Err(fail(format!(
                "operationIds `{}` and `{}` would both generate the method `{}`",
                op.operation_id, other.operation_id, op.method_name
            )));
        }
    }
    let published = spec;
    let mut spec = spec.clone();
    let notes = normalize::normalize(&mut spec).map_err(fail)?;
    let tokens = run_progenitor(&spec)
        .map_err(|e| fail(format!("progenitor cannot generate a client: {e}")))?;
    let source = tokens.to_string();
    for op in &ops {
        // The hooks find an operation's path template by the name progenitor
        // hands them; if our copy of its naming rule ever drifts, stop here
        // rather than run an operation whose path cannot be checked.
        let literal = format!("operation_id : \"{}\"", op.method_name);
        if !source.contains(&literal) {
            return Err(fail(format!(
                "cannot find the generated method for operationId `{}` (expected `{}`)",
                op.operation_id, op.method_name
            )));
        }
    }
    let table = operation_table(&ops, &spec);
    let mut client: syn::File =
        syn::parse2(tokens).map_err(|e| fail(format!("generated code does not parse: {e}")))?;
    interface::shape(&mut client, &ops).map_err(&fail)?;
    wire::drop_api_version(&mut client, ops.len()).map_err(&fail)?;
    let dispatch = dispatch::dispatch_module(&client, &ops).map_err(&fail)?;
    let tokens = quote!(#client);
    let documented = examples::documented_module(&ops, published);
    let file_tokens = quote!(#tokens #table #dispatch #documented);
    let ast = syn::parse2(file_tokens)
        .map_err(|e| fail(format!("generated code does not parse: {e}")))?;
    doc_text::check_generated(&ast).map_err(fail)?;
    Ok((prettyplease::unparse(&ast), notes))
}

/// The public surface of the generated client: one line per operation with
/// its method, path, operationId and generated Rust signature, so that a spec
/// change shows in review as a diff of what users can call.
pub fn surface(file: &Path, spec: &OpenAPI) -> Result<String, CodegenError> {
    let (code, notes) = generate_with_notes(file, spec)?;
    let ast = syn::parse_file(&code).map_err(|e| CodegenError {
        file: file.to_owned(),
        problem: format!("generated code does not parse: {e}"),
    })?;
    let builders = dispatch::Builders::of(&ast);
    let mut out = String::new();
    for op in operations(spec) {
        let sig = match builders.of_op(&op) {
            Ok((fields, send)) => dispatch::builder_line(&op, fields, send),
            Err(_) => "<not generated>".to_owned(),
        };
        out.push_str(&format!(
            "{} {} {} {}() {sig}\n",
            op.method, op.path, op.operation_id, op.method_name
        ));
        for note in notes.iter().filter(|n| n.operation_id == op.operation_id) {
            out.push_str(&format!("    {}\n", note.text));
        }
    }
    Ok(out)
}

/// Runs progenitor, turning its panics (it panics on some malformed specs,
/// e.g. a path parameter that is not declared) into errors.
///
/// The panic message is the error, so the default hook's report on stderr
/// is noise here. The process-wide hook is not swapped around the call
/// (parallel callers would race, and could leave a silent hook behind): a
/// hook installed once forwards every panic to the hook that was there
/// before, except those of a thread that is inside this function.
fn run_progenitor(spec: &OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    quiet_panics_here();
    QUIET.with(|quiet| quiet.set(true));
    let outcome = std::panic::catch_unwind(|| Generator::new(&settings()).generate_tokens(spec));
    QUIET.with(|quiet| quiet.set(false));
    match outcome {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "it panicked".to_owned())),
    }
}

thread_local! {
    /// Whether this thread is generating, so its panics are errors, not news.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs, once per process, the hook that keeps generating threads quiet.
fn quiet_panics_here() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
}

/// The spec as progenitor is handed it, normalised in memory (see
/// `normalize.rs`); `cargo xtask build-cost` builds the progenitor floor
/// from it.
pub fn normalized(file: &Path, spec: &OpenAPI) -> Result<OpenAPI, CodegenError> {
    let mut spec = spec.clone();
    normalize::normalize(&mut spec).map_err(|problem| CodegenError {
        file: file.to_owned(),
        problem,
    })?;
    Ok(spec)
}

/// Loads `file` and generates its client source.
pub fn generate_file(file: &Path) -> Result<String, CodegenError> {
    generate(file, &load_spec(file)?)
}

/// Which of the spec's operations a build generates: the crate's
/// features say (`full`, `conference`, or neither).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Families {
    /// Every operation (`full`).
    All,
    /// The Conference family (`conference`, on by default).
    Conference,
    /// None: the core alone, for a consumer that calls nothing yet.
    None,
}

/// Loads `file` and generates its client source with the operations of
/// `families`.
pub fn generate_file_for(file: &Path, families: Families) -> Result<String, CodegenError> {
    let spec = load_spec(file)?;
    match families {
        Families::All => generate(file, &spec),
        Families::Conference => generate(file, &conference_family(&spec)),
        Families::None => {
            let mut none = spec.clone();
            none.paths.paths.clear();
            generate(file, &none)
        }
    }
}

/// The spec with only the Conference family: the operations whose path
/// has a `Conference` segment (Vobiz's 14 Conference pages), which the
/// `conference` feature generates and its handles are built on; the
/// `full` feature adds the rest.
pub fn conference_family(spec: &OpenAPI) -> OpenAPI {
    let mut out = spec.clone();
    out.paths
        .paths
        .retain(|path, _| path.split('/').any(|segment| segment == "Conference"));
    out
}

/// One `static` per operation, named after its method
/// (`operations::DELETE_CONFERENCE`), with everything the handwritten layer
/// needs to know of it; `ALL` lists them and `by_method_name` finds one by
/// the name progenitor hands the hooks. Code names operations by these
/// statics, never by strings, so a typo fails to compile.
fn operation_table(ops: &[Operation], normalized: &OpenAPI) -> proc_macro2::TokenStream {
    let idents: Vec<proc_macro2::Ident> = ops
        .iter()
        .map(|op| quote::format_ident!("{}", op.method_name.to_uppercase()))
        .collect();
    let components = answer_schema::Components::of(normalized);
    let statics = ops.iter().zip(&idents).map(|(op, ident)| {
        let (id, name, path) = (&op.operation_id, &op.method_name, &op.path);
        let method = quote::format_ident!("{}", op.method);
        // Split once here rather than on every request: `None` marks a
        // segment that holds a parameter.
        let segments = path.split('/').map(|segment| {
            if segment.contains('{') {
                quote!(None)
            } else {
                quote!(Some(#segment))
            }
        });
        let doc = format!("`{} {path}` (`{id}`), sent by `Client::{name}`.", op.method);
        let schema = op
            .in_spec(normalized)
            .and_then(|operation| components.answer_schema(operation));
        let schema = match schema {
            Some(json) => quote!(Some(#json)),
            None => quote!(None),
        };
        let account = match op.account_param() {
            Some(name) => quote!(Some(#name)),
            None => quote!(None),
        };
        quote! {
            #[doc = #doc]
            pub static #ident: Operation = Operation {
                id: #id,
                method_name: #name,
                method: ::reqwest::Method::#method,
                path: #path,
                segments: &[#(#segments),*],
                answer_schema: #schema,
                account_param: #account,
            };
        }
    });
    let arms = ops.iter().zip(&idents).map(|(op, ident)| {
        let name = &op.method_name;
        quote!(#name => Some(&#ident),)
    });
    quote! {
        /// Every operation of the spec, one `static` each: its `operationId`,
        /// generated method, HTTP method and path template.
        pub mod operations {
            use crate::operation::Operation;

            #(#statics)*

            /// Every operation, sorted by path, then method.
            pub static ALL: &[&Operation] = &[#(&#idents),*];

            /// The operation whose generated method is `method_name` (the
            /// name progenitor passes to the hooks).
            pub fn by_method_name(method_name: &str) -> Option<&'static Operation> {
                match method_name {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
}

/// progenitor's name for an operation's method: its `sanitize(.., Snake)`.
fn method_name(operation_id: &str) -> String {
    use heck::ToSnakeCase;
    let cleaned: String = operation_id
        .replace('\'', "")
        .chars()
        .map(|c| {
            if unicode_ident::is_xid_continue(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = cleaned.to_snake_case();
    match name.chars().next() {
        None => "x".to_owned(),
        Some(c) if unicode_ident::is_xid_start(c) => name,
        Some(_) => format!("_{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate_text(text: &str) -> Result<String, CodegenError> {
        let file = Path::new("openapi/test.yaml");
        generate(file, &parse_spec(file, text)?)
    }

    const OK: &str = r#"
openapi: 3.0.3
info: {title: T, version: '1'}
paths:
  /a/{id}/:
    delete:
      operationId: delete-thing
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
"#;

    #[test]
    fn generates_method_and_operation_table() {
        let code = generate_text(OK).unwrap();
        assert!(code.contains("pub fn delete_thing(&self)"), "{code}");
        assert!(
            code.contains(r#""delete_thing" => Some(&DELETE_THING)"#),
            "{code}"
        );
        assert!(code.contains(r#"path: "/a/{id}/""#), "{code}");
        assert!(
            code.contains(r#"segments: &[Some(""), Some("a"), None, Some("")]"#),
            "{code}"
        );
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let broken = generate_text("openapi: [").unwrap_err().to_string();
        assert!(
            broken.starts_with("openapi/test.yaml: not a valid OpenAPI"),
            "{broken}"
        );

        let no_id = generate_text(&OK.replace("operationId: delete-thing", "summary: x"))
            .unwrap_err()
            .to_string();
        assert!(
            no_id.contains("DELETE /a/{id}/ has no operationId"),
            "{no_id}"
        );

        let undeclared = OK.replace(
            "parameters: [{name: id, in: path, required: true, schema: {type: string}}]",
            "parameters: []",
        );
        let panicked = generate_text(&undeclared).unwrap_err().to_string();
        assert!(
            panicked.contains("missing path name mapping id"),
            "{panicked}"
        );

        let v31 = generate_text(&OK.replace("3.0.3", "3.1.0"))
            .unwrap_err()
            .to_string();
        assert!(
            v31.contains("openapi/test.yaml") && v31.contains("3.1.0"),
            "{v31}"
        );
    }

    #[test]
    fn operation_ids_that_make_one_method_name_are_refused() {
        let twice = format!(
            "{OK}    get:\n      operationId: delete_thing\n      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]\n      responses: {{'204': {{description: ok}}}}\n"
        );
        let err = generate_text(&twice).unwrap_err().to_string();
        // Operations are sorted by path, then method: DELETE comes first.
        assert!(
            err.contains(
                "`delete-thing` and `delete_thing` would both generate the method `delete_thing`"
            ),
            "{err}"
        );
    }

    #[test]
    fn names_that_shadow_and_paths_that_escape_are_refused() {
        for id in ["inner", "clone", "baseurl", "Api-Version", "exec"] {
            let err = generate_text(&OK.replace("delete-thing", id))
                .unwrap_err()
                .to_string();
            assert!(err.contains("would shadow it"), "{id}: {err}");
        }
        assert!(check_path_template("a/{id}/").is_err());
        for path in ["/a/../{id}/", "/a/./{id}/", "/a/%2E%2e/{id}/", "/a/{id}/.."] {
            let err = generate_text(&OK.replace("/a/{id}/", path))
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("path {path:?}")), "{path}: {err}");
        }
    }

    #[test]
    fn surface_lists_each_operation_with_its_signature() {
        let file = Path::new("openapi/test.yaml");
        let surface = surface(file, &parse_spec(file, OK).unwrap()).unwrap();
        assert_eq!(
            surface,
            "DELETE /a/{id}/ delete-thing delete_thing() .id(String) .send() \
             -> Result<ResponseValue<()>, Error<()>>\n"
        );
    }

    /// Additions stay additions: answers are non-exhaustive structs, and a
    /// builder starts with the client's own account.
    #[test]
    fn answers_are_sealed_and_the_account_is_the_clients() {
        let spec = OK.replace("/a/{id}/", "/Account/{auth_id}/a/{id}/").replace(
            "parameters: [{name: id,",
            "parameters: [{name: auth_id, in: path, required: true, schema: {type: string}}, {name: id,",
        ).replace(
            "responses: {'204': {description: ok}}",
            "responses: {'200': {description: ok, content: {application/json: {schema: {type: object, properties: {a: {type: string}}}}}}}",
        );
        let code = generate_text(&spec).unwrap();
        let answer = code.find("pub struct DeleteThingResponse {").unwrap();
        assert!(
            code[..answer].trim_end().ends_with("#[non_exhaustive]"),
            "{code}"
        );
        assert!(
            code.contains("auth_id: Ok(client.inner.account().to_owned())"),
            "{code}"
        );
        assert!(code.contains("account_param: Some(\"auth_id\")"), "{code}");
        assert!(!code.contains("    .auth_id(auth_id)"), "{code}");
        let file = Path::new("openapi/test.yaml");
        let surface = surface(file, &parse_spec(file, &spec).unwrap()).unwrap();
        assert!(
            surface.contains("delete_thing() [.auth_id(String) = own] .id(String) .send()"),
            "{surface}"
        );
    }

    #[test]
    fn method_names_follow_progenitor() {
        // `generate` fails if our copy of progenitor's naming rule disagrees
        // with the code progenitor actually wrote; so generate for odd ids.
        for (id, name) in [
            ("delete-conference", "delete_conference"),
            ("getConferenceMember", "get_conference_member"),
            ("Hang Up.All", "hang_up_all"),
            ("1st-call", "_1st_call"),
        ] {
            let code = generate_text(&OK.replace("delete-thing", id)).unwrap();
            assert!(
                code.contains(&format!("pub fn {name}(&self)")),
                "{id}: {code}"
            );
            assert_eq!(method_name(id), name);
        }
    }
}
