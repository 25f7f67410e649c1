//! What happens to every generated operation, done once: progenitor calls
//! these hooks around each request it builds.
//!
//! `pre` checks the URL against the operation's path template and the
//! configured origin, then adds the credentials; `exec` sends the request and
//! makes unsuccessful response bodies safe to show (bounded, token redacted).

use std::time::Duration;

use bytes::Bytes;
use progenitor_runtime::{ClientHooks, Error as ApiCallError, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, HeaderName, HeaderValue, TRANSFER_ENCODING, USER_AGENT};

use crate::error::{MAX_ERROR_BODY, read_bounded};
use crate::generated;

/// `X-Auth-ID`, Vobiz's account header.
pub(crate) const AUTH_ID: HeaderName = HeaderName::from_static("x-auth-id");
/// `X-Auth-Token`, Vobiz's secret header.
pub(crate) const AUTH_TOKEN: HeaderName = HeaderName::from_static("x-auth-token");

/// Method and path template of one generated operation (the table is
/// generated from the spec by `vobiz-codegen`).
#[derive(Debug)]
pub struct OperationSpec {
    /// `operationId` as written in the spec.
    pub operation_id: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/api/v1/Account/{auth_id}/Conference/{conference_name}/`.
    pub path: &'static str,
}

/// The configuration the hooks apply; held by the generated client.
///
/// It has no public constructor: a generated client only exists inside a
/// [`crate::Client`], so no operation runs without these hooks' checks.
#[derive(Clone)]
pub struct Inner {
    pub(crate) auth_id: HeaderValue,
    pub(crate) auth_token: HeaderValue,
    pub(crate) origin: url::Origin,
    pub(crate) base_path: String,
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) timeout: Option<Duration>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"<redacted>")
            .field("origin", &self.origin.ascii_serialization())
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// Everything `pre` does, as a plain function: refuse a request whose
    /// URL is not exactly its operation's, then authenticate it.
    fn prepare(&self, request: &mut reqwest::Request, operation: &str) -> Result<(), String> {
        let spec = generated::operation_spec(operation)
            .ok_or_else(|| format!("operation `{operation}` is not in the spec table"))?;
        if request.method().as_str() != spec.method {
            return Err(format!(
                "`{}` must be sent as {}",
                spec.operation_id, spec.method
            ));
        }
        if request.url().origin() != self.origin {
            return Err(format!(
                "`{}` would leave the configured origin {}",
                spec.operation_id,
                self.origin.ascii_serialization()
            ));
        }
        crate::path::check_path(request.url().path(), &self.base_path, spec.path)
            .map_err(|e| format!("{}: {e}", spec.operation_id))?;
        let headers = request.headers_mut();
        headers.insert(AUTH_ID, self.auth_id.clone());
        headers.insert(AUTH_TOKEN, self.auth_token.clone());
        if let Some(agent) = &self.user_agent {
            headers.insert(USER_AGENT, agent.clone());
        }
        if let Some(timeout) = self.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// An unsuccessful response with its body cut to [`MAX_ERROR_BODY`] and
    /// every occurrence of the token replaced, so no error built from it can
    /// carry the secret even if a server echoes it back.
    async fn sanitize(&self, response: reqwest::Response) -> reqwest::Response {
        if response.status().is_success() {
            return response;
        }
        let mut head = http::Response::new(());
        *head.status_mut() = response.status();
        *head.version_mut() = response.version();
        *head.headers_mut() = response.headers().clone();
        head.headers_mut().remove(CONTENT_LENGTH);
        head.headers_mut().remove(TRANSFER_ENCODING);
        let body = read_bounded(response, MAX_ERROR_BODY).await;
        let body = redact(body, self.auth_token.as_bytes());
        reqwest::Response::from(head.map(|()| body))
    }
}

/// `body` with each occurrence of `secret` replaced by `<redacted>`.
fn redact(body: Bytes, secret: &[u8]) -> Bytes {
    if secret.is_empty() || !body.windows(secret.len()).any(|w| w == secret) {
        return body;
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = &body[..];
    while let Some(at) = rest.windows(secret.len()).position(|w| w == secret) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(b"<redacted>");
        rest = &rest[at + secret.len()..];
    }
    out.extend_from_slice(rest);
    Bytes::from(out)
}

impl ClientHooks<Inner> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), ApiCallError<E>> {
        self.inner
            .prepare(request, info.operation_id)
            .map_err(ApiCallError::InvalidRequest)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        Ok(self.inner.sanitize(response).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_occurrence() {
        let body = Bytes::from_static(b"tok tok-x tok");
        assert_eq!(
            &redact(body, b"tok")[..],
            b"<redacted> <redacted>-x <redacted>"
        );
    }
}
