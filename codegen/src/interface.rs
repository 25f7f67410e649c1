//! The shape of the generated API, chosen so that what Vobiz adds as
//! optional is a minor change for callers, not a breaking one.
//!
//! progenitor writes the operations in its builder style
//! (`client.list_cdrs().page(2).send()`): an added optional query parameter
//! or body field is one more setter, where the positional style would change
//! the method's arity. This module then edits what progenitor wrote, in two
//! ways (the only other edit is `wire.rs`'s, to what a request carries):
//!
//! - every struct with named fields in `types` is `#[non_exhaustive]`, so a
//!   field added to an answer does not break a struct literal or an
//!   exhaustive pattern in a caller's crate (bodies are built with
//!   `types::X::builder()`, or the operation builder's `body_map`);
//! - each operation's builder starts with the account parameter (`auth_id`,
//!   or `account_id` on one page) set to the client's own account, so no
//!   call passes a value the client already holds; a setter call still
//!   replaces it.
//!
//! (The builder module also imports `progenitor_client` from its parent,
//! where `vobiz::generated` defines the runtime under that name.)

use crate::Operation;

/// The names a path parameter holding the caller's own account goes by:
/// most pages say `auth_id`; cancel-number-release says `account_id`
/// ("Your account Auth ID").
const ACCOUNT_PARAMS: [&str; 2] = ["auth_id", "account_id"];

impl Operation {
    /// The names of the path's parameters, in order.
    pub(crate) fn param_names(&self) -> impl Iterator<Item = &str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }

    /// The path parameter naming the caller's own account, if it has one.
    pub fn account_param(&self) -> Option<&str> {
        self.param_names()
            .find(|name| ACCOUNT_PARAMS.contains(name))
    }
}

/// Applies both edits to progenitor's output; `Err` names an operation
/// whose builder did not take the account (progenitor's builder shape
/// changed under us).
pub(crate) fn shape(file: &mut syn::File, ops: &[Operation]) -> Result<(), String> {
    let names = builder_names(file);
    let mut filled = Vec::new();
    for item in &mut file.items {
        if let syn::Item::Impl(client) = item
            && client.trait_.is_none()
            && is_client(&client.self_ty)
        {
            document_accounts(client, ops);
            continue;
        }
        let syn::Item::Mod(module) = item else {
            continue;
        };
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        if module.ident == "types" {
            seal_structs(items);
        } else if module.ident == "builder" {
            filled = prefill_accounts(items, ops, &names);
            // Its query parameters name `progenitor_client::QueryParam`:
            // the runtime `vobiz::generated` provides under that name (with
            // our path encoder), which a nested module does not see.
            items.insert(
                0,
                syn::parse_quote!(
                    #[allow(unused_imports)]
                    use super::progenitor_client;
                ),
            );
        }
    }
    match ops
        .iter()
        .find(|op| op.account_param().is_some() && !filled.contains(&op.method_name))
    {
        Some(op) => Err(format!(
            "the builder of `{}` does not start with the client's account",
            op.operation_id
        )),
        None => Ok(()),
    }
}

fn seal_structs(items: &mut [syn::Item]) {
    for item in items {
        if let syn::Item::Struct(s) = item
            && matches!(s.fields, syn::Fields::Named(_))
            && matches!(s.vis, syn::Visibility::Public(_))
        {
            s.attrs.push(syn::parse_quote!(#[non_exhaustive]));
        }
    }
}

/// In each builder's `new`, the account field starts as the client's; the
/// method names of the operations whose builder was changed.
fn prefill_accounts(
    items: &mut [syn::Item],
    ops: &[Operation],
    names: &[(String, String)],
) -> Vec<String> {
    let mut filled = Vec::new();
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(ty) = &*imp.self_ty else {
            continue;
        };
        let Some(name) = ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let Some(op) = ops
            .iter()
            .find(|op| builder_of(names, &op.method_name) == Some(name.as_str()))
        else {
            continue;
        };
        let Some(account) = op.account_param() else {
            continue;
        };
        for member in &mut imp.items {
            if let syn::ImplItem::Fn(f) = member
                && f.sig.ident == "new"
                && prefill(f, account)
            {
                filled.push(op.method_name.clone());
            }
        }
    }
    filled
}

/// Whether `new`'s struct literal had the account field to fill.
fn prefill(new: &mut syn::ImplItemFn, account: &str) -> bool {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(literal), _)) = new.block.stmts.last_mut() else {
        return false;
    };
    let mut found = false;
    for field in &mut literal.fields {
        if matches!(&field.member, syn::Member::Named(ident) if ident == account) {
            field.expr = syn::parse_quote!(Ok(client.inner.account().to_owned()));
            found = true;
        }
    }
    found
}

/// The usage example progenitor writes on each operation's method stops
/// passing the account, and its argument list says who fills it in.
fn document_accounts(client: &mut syn::ItemImpl, ops: &[Operation]) {
    for member in &mut client.items {
        let syn::ImplItem::Fn(f) = member else {
            continue;
        };
        let Some(account) = ops
            .iter()
            .find(|op| f.sig.ident == op.method_name)
            .and_then(Operation::account_param)
        else {
            continue;
        };
        for attr in &mut f.attrs {
            let syn::Meta::NameValue(doc) = &mut attr.meta else {
                continue;
            };
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &mut doc.value
            else {
                continue;
            };
            let edited = text
                .value()
                .replace(&format!("\n    .{account}({account})"), "")
                .replacen(
                    &format!("- `{account}`:"),
                    &format!("- `{account}` (the client's own account unless set):"),
                    1,
                );
            *text = syn::LitStr::new(&edited, text.span());
        }
    }
}

/// Each operation method of the generated client with the name of the
/// builder it returns (`delete_conference` → `DeleteConference`): progenitor
/// names builders by its own rule, so they are read off the code.
pub(crate) fn builder_names(file: &syn::File) -> Vec<(String, String)> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) if i.trait_.is_none() && is_client(&i.self_ty) => Some(&i.items),
            _ => None,
        })
        .flatten()
        .filter_map(|item| {
            let syn::ImplItem::Fn(f) = item else {
                return None;
            };
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                return None;
            };
            let syn::Type::Path(path) = &**ty else {
                return None;
            };
            let segments = &path.path.segments;
            (segments.len() == 2 && segments[0].ident == "builder")
                .then(|| (f.sig.ident.to_string(), segments[1].ident.to_string()))
        })
        .collect()
}

/// The builder `method_name` returns.
pub(crate) fn builder_of<'n>(names: &'n [(String, String)], method_name: &str) -> Option<&'n str> {
    names
        .iter()
        .find(|(method, _)| method == method_name)
        .map(|(_, builder)| builder.as_str())
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}
