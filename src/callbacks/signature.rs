//! Vobiz's callback signatures, as its "Validating callbacks" page defines
//! them: `base64(HMAC-SHA256(token, baseURL + nonce))` in
//! `X-Vobiz-Signature-V2` (nonce in `X-Vobiz-Signature-V2-Nonce`), the same
//! with a `.` between URL and nonce in `X-Vobiz-Signature-V3`, and the
//! `MA-` variants of both keyed with the parent account's token. `baseURL`
//! is the URL Vobiz requested with its query (and fragment and any user
//! info) stripped: scheme, host, a non-default port, path. The body is
//! never signed. Signatures are compared in constant time. Nonces must
//! have the documented form (20 ASCII digits), and keys must be at least as
//! long as the client accepts for a token.

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

/// The length and alphabet of every nonce Vobiz documents: "a random
/// 20-digit nonce". Pinning it is what keeps V2 and V3 apart: with a nonce
/// of any form, a V3 signature over `URL.N` would read as a V2 signature
/// with the nonce `.N`, and a V2 signature for `/events` + `1N` as one for
/// `/events1` + `N`.
pub(super) const NONCE_DIGITS: usize = 20;

/// Whether `nonce` has the documented form.
pub(super) fn well_formed(nonce: &str) -> bool {
    nonce.len() == NONCE_DIGITS && nonce.bytes().all(|b| b.is_ascii_digit())
}

/// The nonce headers a request carries with the documented form, each once:
/// all of them are the request's, and a replay that drops one signature
/// header must still meet the other's nonce in a [`super::NonceCache`].
pub(super) fn nonces(headers: &HeaderMap) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for scheme in &SCHEMES {
        for value in headers.get_all(scheme.nonce) {
            if let Some(nonce) = value.to_str().ok().filter(|n| well_formed(n))
                && !found.iter().any(|f| f == nonce)
            {
                found.push(nonce.to_owned());
            }
        }
    }
    found
}

/// Refuses a key too short to be a Vobiz token: an empty one is known to
/// everybody, and would let anybody sign.
pub(super) fn usable_key(key: &str) -> Result<(), CallbackError> {
    if key.len() < crate::config::MIN_TOKEN_LEN {
        return Err(CallbackError::UnusableKey {
            min: crate::config::MIN_TOKEN_LEN,
        });
    }
    Ok(())
}

/// The nonce a request was signed with, when one signature matched: the
/// request is Vobiz's. Otherwise why not.
///
/// The rule for several signature headers: the request is Vobiz's when any
/// one of them verifies. A malformed header (no nonce, a nonce not of 20
/// digits, a value that is not base64) counts as a wrong one: it neither
/// refuses a request another header proves, nor proves anything. When none
/// verifies, the error is the first problem found, V3 before V2 and a
/// token's before the parent's.
pub(super) fn verify(
    token: &str,
    parent: Option<&str>,
    url: &str,
    headers: &HeaderMap,
) -> Result<String, CallbackError> {
    usable_key(token)?;
    parent.map(usable_key).transpose()?;
    let base = base_url(url)?;
    let mut problem = None;
    for scheme in &SCHEMES {
        let Some(value) = headers.get(scheme.header) else {
            continue;
        };
        let key = match (scheme.parent, parent) {
            (false, _) => token,
            (true, Some(parent)) => parent,
            (true, None) => continue,
        };
        match scheme.check(key, &base, value, headers) {
            Ok(nonce) => return Ok(nonce),
            Err(refused) => {
                problem.get_or_insert(refused);
            }
        }
    }
    Err(problem.unwrap_or(CallbackError::MissingSignature))
}

impl Scheme {
    /// The nonce, if `value` holds a signature of this scheme over `base`.
    fn check(
        &self,
        key: &str,
        base: &str,
        value: &http::HeaderValue,
        headers: &HeaderMap,
    ) -> Result<String, CallbackError> {
        let nonce = headers
            .get(self.nonce)
            .filter(|n| !n.is_empty())
            .ok_or(CallbackError::MissingNonce { header: self.nonce })?
            .to_str()
            .ok()
            .filter(|n| well_formed(n))
            .ok_or(CallbackError::MalformedNonce { header: self.nonce })?;
        // A V2 message for a URL ending in `.` is, byte for byte, the V3
        // message for that URL without it: a V3 signature must not be read
        // as V2 for a neighbouring path.
        if self.separator.is_empty() && base.ends_with('.') {
            return Err(CallbackError::WrongSignature);
        }
        let signatures = value
            .to_str()
            .map_err(|_| CallbackError::MalformedSignature {
                header: self.header,
            })?;
        let message = format!("{base}{}{nonce}", self.separator);
        let mut malformed = false;
        // A header may carry several signatures, separated by commas.
        for signature in signatures.split(',').map(str::trim) {
            match base64::engine::general_purpose::STANDARD.decode(signature) {
                Ok(bytes) if mac(key, &message).verify_slice(&bytes).is_ok() => {
                    return Ok(nonce.to_owned());
                }
                Ok(_) => {}
                Err(_) => malformed = true,
            }
        }
        Err(if malformed {
            CallbackError::MalformedSignature {
                header: self.header,
            }
        } else {
            CallbackError::WrongSignature
        })
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
