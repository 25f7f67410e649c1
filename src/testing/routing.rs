//! Which operation a request is, read off the generated operation table:
//! an operation imported from a new page is routed here with no change, and
//! answered 501 until `vobiz` simulates it.

use crate::generated::operations;
use crate::operation::Operation;

/// Where a request goes.
pub(super) enum Routed {
    /// This operation, with its path parameters by name, decoded.
    Operation {
        operation: &'static Operation,
        params: Vec<(&'static str, String)>,
    },
    /// A path of the spec, with a method it does not have there.
    WrongMethod,
    /// No path of the spec.
    Unknown,
}

impl Routed {
    /// The request `method path` (path without its query).
    pub(super) fn of(method: &str, path: &str) -> Routed {
        let segments: Vec<&str> = path.split('/').collect();
        let mut on_a_path = false;
        for &operation in operations::ALL {
            let Some(params) = params_of(operation, &segments) else {
                continue;
            };
            if operation.method.as_str() == method {
                return Routed::Operation { operation, params };
            }
            on_a_path = true;
        }
        if on_a_path {
            Routed::WrongMethod
        } else {
            Routed::Unknown
        }
    }
}

/// The path parameters, if `segments` is `operation`'s path: the literal
/// segments equal, one decodable segment for each parameter.
fn params_of(operation: &Operation, segments: &[&str]) -> Option<Vec<(&'static str, String)>> {
    if operation.segments.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    let mut names = operation.param_names();
    for (literal, actual) in operation.segments.iter().zip(segments) {
        match literal {
            Some(literal) if literal == actual => {}
            Some(_) => return None,
            None => params.push((names.next()?, decode(actual)?)),
        }
    }
    Some(params)
}

fn decode(segment: &str) -> Option<String> {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}
