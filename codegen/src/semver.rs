//! What a spec change means for callers of the generated Rust API, not
//! for readers of the YAML: both specs are generated, every public item of
//! the two files is listed, and each difference is classed as breaking or
//! additive, the way cargo-semver-checks would class it, or higher.
//!
//! The rules, each at least as strict as the ecosystem's tool:
//! - anything removed, or changed (a type, a signature, a derive), breaks;
//! - a field added to a struct breaks unless the struct is
//!   `#[non_exhaustive]` (all generated ones are, see `interface.rs`) *and*
//!   the field is optional: building the type without a required field
//!   fails;
//! - a variant added to an enum, or a field to an enum's variant, breaks
//!   (enums are exhaustive);
//! - a parameter an operation's builder requires, added, breaks (calls
//!   that compiled fail when sent); an optional one is additive;
//! - an operation's documented success statuses changing breaks
//!   (`ResponseValue::status()` answers differently);
//! - anything else added is additive; a change to doc text only is a patch.

use std::collections::BTreeMap;
use std::fmt;

use openapiv3::OpenAPI;
use quote::ToTokens;

/// How far a change reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Doc text only, or nothing.
    Patch,
    /// Additions callers need not know of.
    Minor,
    /// Code that compiled, or behaved, may not any more.
    Major,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        })
    }
}

/// One difference in the generated API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The operation it belongs to (its operationId), if one.
    pub operation: Option<String>,
    /// Breaking (major) or additive (minor).
    pub level: Level,
    /// What changed, in words naming the item.
    pub what: String,
}

/// The differences between two specs' generated APIs, and their level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Each difference, grouped by operation.
    pub changes: Vec<Change>,
    /// Whether any doc text changed.
    pub docs_changed: bool,
}

impl Report {
    /// The level a release carrying this change needs.
    pub fn level(&self) -> Level {
        self.changes
            .iter()
            .map(|c| c.level)
            .max()
            .unwrap_or(Level::Patch)
    }

    /// One line per change, under its operation, then `semver: LEVEL`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut current: Option<&Option<String>> = None;
        for change in &self.changes {
            if current != Some(&change.operation) {
                match &change.operation {
                    Some(op) => out.push_str(&format!("{op}:\n")),
                    None => out.push_str("shared types:\n"),
                }
                current = Some(&change.operation);
            }
            let word = match change.level {
                Level::Major => "breaking",
                _ => "additive",
            };
            out.push_str(&format!("  {word}: {}\n", change.what));
        }
        if self.changes.is_empty() {
            out.push_str(if self.docs_changed {
                "no change to the generated API; doc text changed\n"
            } else {
                "no change to the generated API\n"
            });
        }
        out.push_str(&format!("semver: {}\n", self.level()));
        out
    }
}

/// Compares the APIs generated from `old` and `new`.
pub fn compare(
    file: &std::path::Path,
    old: &OpenAPI,
    new: &OpenAPI,
) -> Result<Report, crate::CodegenError> {
    let (before, after) = (Api::of(file, old)?, Api::of(file, new)?);
    let mut changes = Vec::new();
    for (key, item) in &before.items {
        match after.items.get(key) {
            None => changes.push(change(&before, key, Level::Major, format!("removed {key}"))),
            Some(now) if now.shape != item.shape => changes.push(change(
                &before,
                key,
                Level::Major,
                format!("changed {key}: {} -> {}", item.shape, now.shape),
            )),
            Some(_) => {}
        }
    }
    for (key, item) in &after.items {
        if !before.items.contains_key(key) {
            let level = added_level(&after, key, item);
            changes.push(change(
                &after,
                key,
                level,
                format!("added {key}: {}", item.shape),
            ));
        }
    }
    let changes = whole_operations(changes, &before, &after);
    let mut changes = changes;
    changes.sort_by(|a, b| (&a.operation, b.level, &a.what).cmp(&(&b.operation, a.level, &b.what)));
    Ok(Report {
        changes,
        docs_changed: before.docs != after.docs,
    })
}

/// An operation added or removed as a whole is told as one line, not as
/// each of its items.
fn whole_operations(changes: Vec<Change>, before: &Api, after: &Api) -> Vec<Change> {
    let whole = |api: &Api, other: &Api, op: &str| {
        let key = format!("{op} success statuses");
        api.items.contains_key(&key) && !other.items.contains_key(&key)
    };
    let mut out: Vec<Change> = Vec::new();
    for change in changes {
        let Some(op) = change.operation.clone() else {
            out.push(change);
            continue;
        };
        let (added, removed) = (whole(after, before, &op), whole(before, after, &op));
        if !added && !removed {
            out.push(change);
            continue;
        }
        let (level, what) = if added {
            (Level::Minor, format!("added operation {op}"))
        } else {
            (Level::Major, format!("removed operation {op}"))
        };
        if !out.iter().any(|c| c.what == what) {
            out.push(Change {
                operation: Some(op),
                level,
                what,
            });
        }
    }
    out
}

fn change(api: &Api, key: &str, level: Level, what: String) -> Change {
    Change {
        operation: api.operation_of(key),
        level,
        what,
    }
}

fn added_level(api: &Api, key: &str, item: &Item) -> Level {
    match &item.kind {
        Kind::Field { of, optional } => {
            let sealed = api.items.get(of).is_some_and(|s| s.kind == Kind::Sealed);
            if sealed && *optional {
                Level::Minor
            } else {
                Level::Major
            }
        }
        Kind::Variant | Kind::VariantField => Level::Major,
        Kind::Parameter { required: true } => Level::Major,
        _ if key.ends_with(" success statuses") => Level::Major,
        _ => Level::Minor,
    }
}

/// What kind of item a key names, where it decides an addition's level.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A `#[non_exhaustive]` struct.
    Sealed,
    /// A struct's field; `of` is the struct's key.
    Field {
        of: String,
        optional: bool,
    },
    /// An enum's variant.
    Variant,
    /// A field of an enum's variant.
    VariantField,
    /// A value an operation's builder takes.
    Parameter {
        required: bool,
    },
    Other,
}

#[derive(Debug, Clone)]
struct Item {
    /// Its type or signature, as text: a change to it is a change of API.
    shape: String,
    kind: Kind,
}

/// Every public item of a generated file, keyed by its path.
struct Api {
    items: BTreeMap<String, Item>,
    docs: Vec<String>,
    /// Each operation's builder name, with its operationId.
    builders: Vec<(String, String)>,
}

impl Api {
    fn of(file: &std::path::Path, spec: &OpenAPI) -> Result<Self, crate::CodegenError> {
        let code = crate::generate(file, spec)?;
        let ast = syn::parse_file(&code).map_err(|e| crate::CodegenError {
            file: file.to_owned(),
            problem: format!("generated code does not parse: {e}"),
        })?;
        let ops = crate::operations(spec);
        let names = crate::interface::builder_names(&ast);
        let builders = ops
            .iter()
            .filter_map(|op| {
                crate::interface::builder_of(&names, &op.method_name)
                    .map(|b| (b.to_owned(), op.operation_id.clone()))
            })
            .collect();
        let mut api = Api {
            items: BTreeMap::new(),
            docs: crate::doc_blocks(&ast),
            builders,
        };
        api.module("", &ast.items);
        let normalized = crate::normalized(file, spec)?;
        for op in &ops {
            let statuses = op
                .in_spec(&normalized)
                .map(|o| {
                    o.responses
                        .responses
                        .keys()
                        .map(ToString::to_string)
                        .filter(|s| s.starts_with('2'))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            api.add(
                format!("{} success statuses", op.operation_id),
                statuses,
                Kind::Other,
            );
        }
        Ok(api)
    }

    fn add(&mut self, key: String, shape: String, kind: Kind) {
        self.items.insert(key, Item { shape, kind });
    }

    /// The operation a key belongs to: its builder's, its method's, or a
    /// type named after it (`GetConference404Error`).
    fn operation_of(&self, key: &str) -> Option<String> {
        if let Some(op) = key.strip_suffix(" success statuses") {
            return Some(op.to_owned());
        }
        let name = key
            .rsplit("::")
            .find(|segment| segment.starts_with(char::is_uppercase))
            .or_else(|| key.strip_prefix("Client::"))?;
        let name = name.split(['.', ' ', '(']).next().unwrap_or(name);
        self.builders
            .iter()
            .filter(|(builder, _)| {
                name == builder
                    || name.starts_with(builder.as_str())
                    || heck::ToUpperCamelCase::to_upper_camel_case(name) == *builder
            })
            .max_by_key(|(builder, _)| builder.len())
            .map(|(_, op)| op.clone())
    }

    fn module(&mut self, prefix: &str, items: &[syn::Item]) {
        for item in items {
            self.item(prefix, item);
        }
    }

    fn item(&mut self, prefix: &str, item: &syn::Item) {
        match item {
            syn::Item::Mod(m) if is_pub(&m.vis) => {
                if let Some((_, items)) = &m.content {
                    self.module(&format!("{prefix}{}::", m.ident), items);
                }
            }
            syn::Item::Struct(s) if is_pub(&s.vis) => self.structure(prefix, s),
            syn::Item::Enum(e) if is_pub(&e.vis) => self.enumeration(prefix, e),
            syn::Item::Fn(f) if is_pub(&f.vis) => {
                let key = format!("{prefix}{}", f.sig.ident);
                self.add(key, text(&f.sig), Kind::Other);
            }
            syn::Item::Static(s) if is_pub(&s.vis) => {
                self.add(format!("{prefix}{}", s.ident), text(&s.ty), Kind::Other);
            }
            syn::Item::Const(c) if is_pub(&c.vis) => {
                self.add(format!("{prefix}{}", c.ident), text(&c.ty), Kind::Other);
            }
            syn::Item::Type(t) if is_pub(&t.vis) => {
                self.add(format!("{prefix}{}", t.ident), text(&t.ty), Kind::Other);
            }
            syn::Item::Impl(i) => self.implementation(prefix, i),
            _ => {}
        }
    }

    fn structure(&mut self, prefix: &str, s: &syn::ItemStruct) {
        let key = format!("{prefix}{}", s.ident);
        let sealed = s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
        self.derives(&key, &s.attrs);
        let builder = prefix == "builder::";
        let kind = if sealed { Kind::Sealed } else { Kind::Other };
        let shape = match (&s.fields, sealed) {
            (syn::Fields::Named(_), true) => "struct, non-exhaustive".to_owned(),
            (syn::Fields::Named(_), false) => "struct".to_owned(),
            (fields, _) => format!("struct{}", text(fields)),
        };
        self.add(key.clone(), shape, kind);
        for field in &s.fields {
            let Some(ident) = &field.ident else { continue };
            if builder {
                // An operation builder's private fields are its parameters.
                if let Some(value) = crate::dispatch::generic_of(&field.ty, "Result") {
                    let optional = crate::dispatch::generic_of(value, "Option").is_some();
                    self.add(
                        format!("{key}.{ident} (parameter)"),
                        text(value),
                        Kind::Parameter {
                            required: !optional && ident != "body",
                        },
                    );
                }
                continue;
            }
            if !is_pub(&field.vis) {
                continue;
            }
            let optional = crate::dispatch::generic_of(&field.ty, "Option").is_some();
            self.add(
                format!("{key}.{ident}"),
                text(&field.ty),
                Kind::Field {
                    of: key.clone(),
                    optional,
                },
            );
        }
    }

    fn enumeration(&mut self, prefix: &str, e: &syn::ItemEnum) {
        let key = format!("{prefix}{}", e.ident);
        self.derives(&key, &e.attrs);
        self.add(key.clone(), "enum".to_owned(), Kind::Other);
        for variant in &e.variants {
            let v = format!("{key}::{}", variant.ident);
            let shape = match &variant.fields {
                syn::Fields::Unnamed(f) => text(f),
                _ => String::new(),
            };
            self.add(v.clone(), shape, Kind::Variant);
            if let syn::Fields::Named(fields) = &variant.fields {
                for field in &fields.named {
                    if let Some(ident) = &field.ident {
                        self.add(format!("{v}.{ident}"), text(&field.ty), Kind::VariantField);
                    }
                }
            }
        }
    }

    fn derives(&mut self, key: &str, attrs: &[syn::Attribute]) {
        for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            let _ = attr.parse_nested_meta(|meta| {
                let name = meta.path.to_token_stream().to_string().replace(' ', "");
                let name = name.rsplit("::").next().unwrap_or(&name).to_owned();
                self.add(format!("impl {name} for {key}"), String::new(), Kind::Other);
                Ok(())
            });
        }
    }

    fn implementation(&mut self, prefix: &str, i: &syn::ItemImpl) {
        let ty = text(&i.self_ty);
        let ty = ty.split('<').next().unwrap_or(&ty).trim().to_owned();
        let ty = if ty.contains("::") {
            ty
        } else {
            format!("{prefix}{ty}")
        };
        if let Some((path, _)) = &i.trait_ {
            let name = text(path);
            self.add(format!("impl {name} for {ty}"), String::new(), Kind::Other);
            return;
        }
        for member in &i.items {
            if let syn::ImplItem::Fn(f) = member
                && is_pub(&f.vis)
                && !self.is_setter(&ty, &f.sig.ident)
            {
                self.add(format!("{ty}::{}", f.sig.ident), text(&f.sig), Kind::Other);
            }
        }
    }
}

impl Api {
    /// Whether `ty::name` is a builder's setter for a field already listed
    /// (its change is told once, as the field's).
    fn is_setter(&self, ty: &str, name: &syn::Ident) -> bool {
        let parameter = format!("{ty}.{name} (parameter)");
        let field = ty
            .strip_prefix("types::builder::")
            .map(|t| format!("types::{t}.{name}"));
        self.items.contains_key(&parameter) || field.is_some_and(|f| self.items.contains_key(&f))
    }
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn text(tokens: &impl ToTokens) -> String {
    crate::dispatch::compact(&tokens.to_token_stream())
        .replace(" (", "(")
        .replace("::std::option::Option", "Option")
}
