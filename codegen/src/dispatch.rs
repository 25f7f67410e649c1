//! One entry that sends any operation by its table entry, with parameters
//! and body given as JSON: `vobiz::Client::invoke` and `vobiz api` use it,
//! and the contract test and the simulator's test send every operation
//! through it. It is emitted from the generated methods' own signatures, so
//! it calls exactly what a caller of `client.api()` calls.
//!
//! Each parameter is read by the name the page gives it (a query
//! parameter's name on the wire, a path parameter's name in the template),
//! decoded into the method's own argument type; every argument is decoded
//! before anything is sent, and a name the operation does not have is
//! refused.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::Operation;

/// The `dispatch` module for `ops`, read off the generated client `file`.
pub(crate) fn dispatch_module(file: &syn::File, ops: &[Operation]) -> Result<TokenStream, String> {
    let methods: Vec<&syn::ImplItemFn> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(i) if i.trait_.is_none() && crate::is_client(&i.self_ty) => {
                Some(&i.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        })
        .collect();
    let mut arms = Vec::new();
    for op in ops {
        let method = methods
            .iter()
            .find(|m| m.sig.ident == op.method_name)
            .ok_or_else(|| format!("no generated method for `{}`", op.operation_id))?;
        arms.push(arm(op, method)?);
    }
    Ok(quote! {
        /// Sends any operation with its parameters and body given as JSON
        /// (what `vobiz::Client::invoke` builds on).
        pub mod dispatch {
            #[allow(unused_imports)]
            use super::{ByteStream, Client, Error, ResponseValue, types};
            use crate::arguments::Arguments;
            use crate::operation::Operation;

            /// What an operation answered, whatever its generated type.
            pub enum Sent {
                /// A success without a body.
                Nothing,
                /// A JSON body (typed answers serialised back).
                Json(::serde_json::Value),
                /// A body the spec does not type.
                Bytes(ByteStream),
            }

            /// The future of one sent operation.
            pub type Sending<'a> = ::std::pin::Pin<Box<
                dyn ::std::future::Future<Output = Result<ResponseValue<Sent>, Error<()>>>
                    + Send + 'a,
            >>;

            fn sent<T>(answer: ResponseValue<T>, into: impl FnOnce(T) -> Sent) -> ResponseValue<Sent> {
                let (status, headers) = (answer.status(), answer.headers().clone());
                ResponseValue::new(into(answer.into_inner()), status, headers)
            }

            fn json<T: ::serde::Serialize>(value: T) -> Sent {
                Sent::Json(::serde_json::to_value(value).unwrap_or_default())
            }

            /// `operation` with `args` decoded into its method's arguments,
            /// ready to send; `Err` names the first argument that is
            /// missing, does not decode, or is not the operation's.
            pub fn send<'a>(
                client: &'a Client,
                operation: &Operation,
                args: &mut Arguments,
            ) -> Result<Sending<'a>, String> {
                match operation.method_name {
                    #(#arms)*
                    other => Err(format!("`{other}` is not an operation of this client")),
                }
            }
        }
    })
}

/// The match arm sending `op` through `method`.
fn arm(op: &Operation, method: &syn::ImplItemFn) -> Result<TokenStream, String> {
    let body_text = quote!(#method).to_string();
    let mut path_names = op
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')));
    let mut decode = Vec::new();
    let mut pass = Vec::new();
    for input in method.sig.inputs.iter().skip(1) {
        let syn::FnArg::Typed(typed) = input else {
            continue;
        };
        let syn::Pat::Ident(ident) = &*typed.pat else {
            return Err(format!(
                "{}: an argument that is not a name",
                op.operation_id
            ));
        };
        let ident = &ident.ident;
        let local = format_ident!("arg_{}", ident);
        let rust_name = ident.to_string();
        let name = if rust_name == "body" {
            "body".to_owned()
        } else if let Some(wire) = query_name(&body_text, &rust_name) {
            wire
        } else {
            path_names.next().map_or(rust_name.clone(), str::to_owned)
        };
        let (owned, passed) = owned_and_passed(&typed.ty, &local);
        decode.push(quote!(let #local: #owned = args.take(#name)?;));
        pass.push(passed);
    }
    let method_name = &op.method_name;
    let call = format_ident!("{}", op.method_name);
    let answer = match answer_type(&method.sig.output).as_deref() {
        Some("()") => quote!(sent(a, |()| Sent::Nothing)),
        Some("ByteStream") => quote!(sent(a, Sent::Bytes)),
        _ => quote!(sent(a, json)),
    };
    Ok(quote! {
        #method_name => {
            #(#decode)*
            args.finish()?;
            Ok(Box::pin(async move {
                client.#call(#(#pass),*).await.map(|a| #answer)
            }))
        }
    })
}

/// The wire name of the query parameter held by the argument `rust_name`.
fn query_name(method_text: &str, rust_name: &str) -> Option<String> {
    let tail = format!("\" , & {rust_name})");
    let end = method_text.find(&tail)?;
    let start = method_text[..end].rfind('"')?;
    Some(method_text[start + 1..end].to_owned())
}

/// The owned type an argument is decoded into, and the expression passing
/// it (`&'a str` is decoded as a `String` and passed by reference).
fn owned_and_passed(ty: &syn::Type, local: &syn::Ident) -> (TokenStream, TokenStream) {
    if let syn::Type::Reference(reference) = ty {
        let elem = owned_elem(&reference.elem);
        return (elem, quote!(&#local));
    }
    if let Some(syn::Type::Reference(reference)) = generic_of(ty, "Option") {
        let elem = owned_elem(&reference.elem);
        let borrow = if is_str(&reference.elem) {
            quote!(#local.as_deref())
        } else {
            quote!(#local.as_ref())
        };
        return (quote!(Option<#elem>), borrow);
    }
    (quote!(#ty), quote!(#local))
}

fn owned_elem(elem: &syn::Type) -> TokenStream {
    if is_str(elem) {
        quote!(String)
    } else {
        quote!(#elem)
    }
}

fn is_str(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("str"))
}

/// The `T` of `Result<ResponseValue<T>, _>`, as text.
fn answer_type(output: &syn::ReturnType) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let result = generic_of(ty, "Result")?;
    let value = generic_of(result, "ResponseValue")?;
    Some(quote!(#value).to_string().replace(' ', ""))
}

/// `X` of `Name<X>`, if `ty` is a `Name<..>`.
fn generic_of<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner),
        _ => None,
    }
}
