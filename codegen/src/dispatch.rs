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
    let builders = Builders::of(file);
    let mut arms = Vec::new();
    for op in ops {
        arms.push(arm(op, &builders)?);
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

            /// `operation` with `args` decoded into its builder's setters,
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

/// The operation builders progenitor wrote: each one's fields and `send`.
pub(crate) struct Builders<'f> {
    names: Vec<(String, String)>,
    structs: Vec<&'f syn::ItemStruct>,
    sends: Vec<(&'f syn::Ident, &'f syn::ImplItemFn)>,
}

impl<'f> Builders<'f> {
    pub(crate) fn of(file: &'f syn::File) -> Self {
        let items: &[syn::Item] = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
                _ => None,
            })
            .map_or(&[], |(_, items)| items.as_slice());
        let structs = items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s),
                _ => None,
            })
            .collect();
        let sends = items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(i) => Some(i),
                _ => None,
            })
            .filter_map(|i| {
                let syn::Type::Path(ty) = &*i.self_ty else {
                    return None;
                };
                let name = &ty.path.segments.last()?.ident;
                i.items.iter().find_map(|member| match member {
                    syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some((name, f)),
                    _ => None,
                })
            })
            .collect();
        Builders {
            names: crate::interface::builder_names(file),
            structs,
            sends,
        }
    }

    pub(crate) fn of_op(
        &self,
        op: &Operation,
    ) -> Result<(&'f syn::ItemStruct, &'f syn::ImplItemFn), String> {
        let missing = || format!("no generated builder for `{}`", op.operation_id);
        let name =
            crate::interface::builder_of(&self.names, &op.method_name).ok_or_else(missing)?;
        let fields = self
            .structs
            .iter()
            .find(|s| s.ident == name)
            .ok_or_else(missing)?;
        let send = self
            .sends
            .iter()
            .find(|(ident, _)| **ident == name)
            .map(|(_, send)| *send)
            .ok_or_else(missing)?;
        Ok((fields, send))
    }
}

/// The match arm sending `op` through its builder: each field is set from
/// the argument of its name (a query parameter by its wire name, the body
/// as its full type); an optional one only when given.
fn arm(op: &Operation, builders: &Builders<'_>) -> Result<TokenStream, String> {
    let (fields, send) = builders.of_op(op)?;
    let send_text = quote!(#send).to_string();
    let mut set = Vec::new();
    for field in &fields.fields {
        let Some(ident) = &field.ident else { continue };
        let rust_name = ident.to_string();
        if rust_name == "client" {
            continue;
        }
        let value_ty = generic_of(&field.ty, "Result")
            .ok_or_else(|| format!("{}: field `{rust_name}` is not a `Result`", op.operation_id))?;
        let name = query_name(&send_text, &rust_name).unwrap_or_else(|| rust_name.clone());
        set.push(match generic_of(value_ty, "Option") {
            Some(inner) => quote! {
                if let Some(value) = args.take::<Option<#inner>>(#name)? {
                    builder = builder.#ident(value);
                }
            },
            None => {
                let owned = full_type(value_ty);
                quote!(builder = builder.#ident(args.take::<#owned>(#name)?);)
            }
        });
    }
    let method_name = &op.method_name;
    let call = format_ident!("{}", op.method_name);
    let answer = match answer_type(&send.sig.output).as_deref() {
        Some("()") => quote!(sent(a, |()| Sent::Nothing)),
        Some("ByteStream") => quote!(sent(a, Sent::Bytes)),
        _ => quote!(sent(a, json)),
    };
    Ok(quote! {
        #method_name => {
            #[allow(unused_mut)]
            let mut builder = client.#call();
            #(#set)*
            args.finish()?;
            Ok(Box::pin(async move {
                builder.send().await.map(|a| #answer)
            }))
        }
    })
}

/// The type a builder field's value is decoded as: a body's builder
/// (`types::builder::X`) is decoded as the body itself (`types::X`).
fn full_type(ty: &syn::Type) -> TokenStream {
    let text = quote!(#ty).to_string().replace(' ', "");
    match text.strip_prefix("types::builder::") {
        Some(name) => {
            let name = format_ident!("{}", name);
            quote!(types::#name)
        }
        None => quote!(#ty),
    }
}

/// The wire name of the query parameter held by the argument `rust_name`.
fn query_name(method_text: &str, rust_name: &str) -> Option<String> {
    let tail = format!("\" , & {rust_name})");
    let end = method_text.find(&tail)?;
    let start = method_text[..end].rfind('"')?;
    Some(method_text[start + 1..end].to_owned())
}

/// An operation's builder as one line: each setter with the type it takes
/// (optional ones in brackets; the account, which the client sets, as
/// `[.auth_id(String) = own]`), then what `send` returns.
pub(crate) fn builder_line(
    op: &Operation,
    fields: &syn::ItemStruct,
    send: &syn::ImplItemFn,
) -> String {
    let setters: Vec<String> = fields
        .fields
        .iter()
        .filter_map(|field| {
            let ident = field.ident.as_ref()?;
            let value = generic_of(&field.ty, "Result")?;
            Some(match generic_of(value, "Option") {
                Some(inner) => format!("[.{ident}({})]", compact(&quote!(#inner))),
                None if op.account_param().is_some_and(|a| ident == a) => {
                    format!("[.{ident}({}) = own]", compact(&quote!(#value)))
                }
                None => format!(".{ident}({})", compact(&full_type(value))),
            })
        })
        .collect();
    let output = match &send.sig.output {
        syn::ReturnType::Type(_, ty) => compact(&quote!(#ty)),
        syn::ReturnType::Default => "()".to_owned(),
    };
    format!("{} .send() -> {output}", setters.join(" "))
}

pub(crate) fn compact(tokens: &TokenStream) -> String {
    tokens
        .to_string()
        .replace(":: std :: string :: String", "String")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
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
pub(crate) fn generic_of<'t>(ty: &'t syn::Type, name: &str) -> Option<&'t syn::Type> {
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
