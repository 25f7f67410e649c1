//! Vobiz's callback signatures, as its "Validating callbacks" page defines
//! them: `base64(HMAC-SHA256(token, baseURL + nonce))` in
//! `X-Vobiz-Signature-V2` (nonce in `X-Vobiz-Signature-V2-Nonce`), the same
//! with a `.` between URL and nonce in `X-Vobiz-Signature-V3`, and the
//! `MA-` variants of both keyed with the parent account's token. `baseURL`
//! is the URL Vobiz requested with its query (and fragment and any user
//! info) stripped: scheme, host, a non-default port, path. The body is
//! never signed. Signatures are compared in constant time.

use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use super::CallbackError;

/// One way Vobiz signs: the header, its nonce header, the separator, and
/// whether it is keyed with the parent account's token.
struct Scheme {
    header: &'static str,
    nonce: &'static str,
    separator: &'static str,
    parent: bool,
}

/// V3 first: it is the one Vobiz recommends.
const SCHEMES: [Scheme; 4] = [
    Scheme {
        header: "x-vobiz-signature-v3",
        nonce: "x-vobiz-signature-v3-nonce",
        separator: ".",
        parent: false,
    },
    Scheme {
        header: "x-vobiz-signature-v2",
        nonce: "x-vobiz-signature-v2-nonce",
        separator: "",
        parent: false,
    },
    Scheme {
        header: "x-vobiz-signature-ma-v3",
        nonce: "x-vobiz-signature-v3-nonce",
        separator: ".",
        parent: true,
    },
    Scheme {
        header: "x-vobiz-signature-ma-v2",
        nonce: "x-vobiz-signature-v2-nonce",
        separator: "",
        parent: true,
    },
];

/// The URL as Vobiz signs it.
pub(super) fn base_url(url: &str) -> Result<String, CallbackError> {
    let mut parsed = url::Url::parse(url).map_err(|_| CallbackError::BadUrl)?;
    parsed.set_query(None);
    parsed.set_fragment(None);
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    Ok(parsed.into())
}

/// `base64(HMAC-SHA256(key, message))`.
pub fn sign(key: &str, message: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(key, message).finalize().into_bytes())
}

fn mac(key: &str, message: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(message.as_bytes());
    mac
}

/// The nonce a request was signed with, when one signature matched: the
/// request is Vobiz's. Otherwise why not.
pub(super) fn verify(
    token: &str,
    parent: Option<&str>,
    url: &str,
    headers: &HeaderMap,
) -> Result<String, CallbackError> {
    let base = base_url(url)?;
    let mut seen = false;
    for scheme in &SCHEMES {
        let Some(value) = headers.get(scheme.header) else {
            continue;
        };
        let key = match (scheme.parent, parent) {
            (false, _) => token,
            (true, Some(parent)) => parent,
            (true, None) => continue,
        };
        seen = true;
        let nonce = headers
            .get(scheme.nonce)
            .and_then(|n| n.to_str().ok())
            .filter(|n| !n.is_empty())
            .ok_or(CallbackError::MissingNonce {
                header: scheme.nonce,
            })?;
        let signatures = value
            .to_str()
            .map_err(|_| CallbackError::MalformedSignature {
                header: scheme.header,
            })?;
        let message = format!("{base}{}{nonce}", scheme.separator);
        // A header may carry several signatures, separated by commas.
        for signature in signatures.split(',').map(str::trim) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(signature)
                .map_err(|_| CallbackError::MalformedSignature {
                    header: scheme.header,
                })?;
            if mac(key, &message).verify_slice(&bytes).is_ok() {
                return Ok(nonce.to_owned());
            }
        }
    }
    if seen {
        Err(CallbackError::WrongSignature)
    } else {
        Err(CallbackError::MissingSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fact sheet's vector, computed from the documented formula.
    #[test]
    fn the_documented_formula() {
        let base = base_url("https://your-domain.com/webhook?CallUUID=abc&x=1").unwrap();
        assert_eq!(base, "https://your-domain.com/webhook");
        let nonce = "12345678901234567890";
        assert_eq!(
            sign("your_auth_token_here", &format!("{base}{nonce}")),
            "bDAwo65ACKGjJ0hJGlfa5PDxc9krFo642V4T//scIww="
        );
        assert_eq!(
            sign("your_auth_token_here", &format!("{base}.{nonce}")),
            "slNl0BqupWu0ycFpj61oQIC0rILbtWclwngS4SfaxMo="
        );
        assert_eq!(
            base_url("https://h.example:443/p/").unwrap(),
            "https://h.example/p/"
        );
        assert_eq!(
            base_url("http://h.example:8080/p").unwrap(),
            "http://h.example:8080/p"
        );
    }
}
