//! The client progenitor generates from `openapi/vobiz.yaml`, unmodified.
//!
//! Every operation of the spec is a method on [`Client`], with the spec's
//! exact parameter and response types. Reach it through
//! [`crate::Client::api`]: that instance carries the authentication,
//! path safety and timeouts of the [`crate::Client`] it came from, all
//! applied by hooks that progenitor calls for every operation.
#![allow(missing_docs, clippy::all, clippy::pedantic)]
// With no operation generated (neither `conference` nor `full`), the
// dispatcher's parameters and the types module are unused.
#![cfg_attr(not(feature = "conference"), allow(unused))]

/// The runtime the generated code imports as `progenitor_client`.
///
/// It is the real `progenitor-client` crate with one difference:
/// `encode_path`. Upstream's encoder leaves `.`, `\`, `;` and other
/// sub-delimiters as they are, and the `url` crate then resolves `.`/`..`
/// segments and turns `\` into `/`, so a conference name could address a
/// different resource. Ours is [`crate::path::encode_segment`], which
/// percent-encodes everything outside RFC 3986's unreserved set. The generated
/// code stays untouched; it is simply compiled against this module.
mod progenitor_client {
    pub use crate::path::encode_segment as encode_path;
    #[allow(unused_imports)]
    pub use progenitor_runtime::*;
}

include!(concat!(env!("OUT_DIR"), "/vobiz.rs"));
