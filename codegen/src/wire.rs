//! What a generated request carries beyond the spec: nothing.
//!
//! progenitor's builders add `api-version: <info.version>` to every
//! request. Vobiz defines no such header, so it was bytes to build, send
//! and parse on every call (and the runtime used to strip it again before
//! sending). This edit removes it where it is written, in each builder's
//! `send`, and shrinks the header map the builder allocates for it.

use syn::visit_mut::VisitMut;

/// The header progenitor adds and Vobiz does not define.
const API_VERSION: &str = "\"api-version\"";

/// Removes the `api-version` header from every builder's `send`; `Err`
/// when progenitor wrote it in a shape this edit does not know, so that it
/// cannot slip back onto the wire unnoticed.
pub(crate) fn drop_api_version(file: &mut syn::File, ops: usize) -> Result<(), String> {
    let mut edit = DropApiVersion { dropped: 0 };
    edit.visit_file_mut(file);
    let left = quote::quote!(#file).to_string().contains(API_VERSION);
    if edit.dropped != ops || left {
        return Err(format!(
            "progenitor's `api-version` header is no longer written as this edit expects \
             ({} of {ops} removed): update codegen/src/wire.rs",
            edit.dropped
        ));
    }
    Ok(())
}

struct DropApiVersion {
    dropped: usize,
}

impl VisitMut for DropApiVersion {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let before = block.stmts.len();
        block.stmts.retain(|stmt| !is_api_version(stmt));
        let dropped = before - block.stmts.len();
        if dropped > 0 {
            self.dropped += dropped;
            block
                .stmts
                .iter_mut()
                .for_each(|s| shrink_header_map(s, dropped));
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), ...);`
fn is_api_version(stmt: &syn::Stmt) -> bool {
    matches!(stmt, syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_))
        if call.method == "append"
            && call.args.first().is_some_and(|name| quote::quote!(#name).to_string().contains(API_VERSION)))
}

/// `let mut header_map = HeaderMap::with_capacity(N);` with `N - dropped`
/// (a map of capacity 0 allocates nothing), no longer `mut` when nothing
/// else goes into it.
fn shrink_header_map(stmt: &mut syn::Stmt, dropped: usize) {
    let syn::Stmt::Local(syn::Local {
        pat,
        init: Some(init),
        ..
    }) = stmt
    else {
        return;
    };
    let syn::Expr::Call(call) = &mut *init.expr else {
        return;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return;
    };
    if func
        .path
        .segments
        .last()
        .is_none_or(|s| s.ident != "with_capacity")
    {
        return;
    }
    if let Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(n),
        ..
    })) = call.args.first_mut()
        && let Ok(value) = n.base10_parse::<usize>()
    {
        let left = value.saturating_sub(dropped);
        *n = syn::LitInt::new(&format!("{left}usize"), n.span());
        if let (0, syn::Pat::Ident(binding)) = (left, pat) {
            binding.mutability = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::drop_api_version;

    /// progenitor 0.15's shape of a builder's `send`, cut down, with
    /// `extra_header` appended after `api-version`, as this edit leaves it.
    fn edited(extra_header: &str) -> String {
        let mut file: syn::File = syn::parse_str(&format!(
            r#"
            fn send() {{
                let mut header_map = ::reqwest::header::HeaderMap::with_capacity({}usize);
                header_map.append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                );
                {extra_header}
                let request = client.client.delete(url).headers(header_map).build()?;
            }}"#,
            if extra_header.is_empty() { 1 } else { 2 }
        ))
        .unwrap();
        drop_api_version(&mut file, 1).unwrap();
        let code = quote::quote!(#file).to_string();
        assert!(!code.contains("api-version"), "{code}");
        code
    }

    #[test]
    fn the_header_goes_and_the_map_allocates_nothing() {
        let code = edited("");
        let empty = "let header_map = :: reqwest :: header :: HeaderMap :: with_capacity (0usize)";
        assert!(code.contains(empty), "{code}");
    }

    #[test]
    fn the_operations_own_headers_stay() {
        let code = edited(r#"header_map.append("x-page", page.to_string().try_into()?);"#);
        let one =
            "let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity (1usize)";
        assert!(code.contains(one), "{code}");
        assert!(code.contains("\"x-page\""), "{code}");
    }

    #[test]
    fn a_shape_it_does_not_know_stops_generation() {
        let mut file: syn::File = syn::parse_str(
            r#"fn send() { let request = client.client.delete(url).header("api-version", "1.0").build()?; }"#,
        )
        .unwrap();
        let err = drop_api_version(&mut file, 1).unwrap_err();
        assert!(err.contains("codegen/src/wire.rs"), "{err}");
    }
}
