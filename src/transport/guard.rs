//! The request guard: a request leaves only as exactly its operation's,
//! to the configured origin, and with the credentials.

use reqwest::header::USER_AGENT;

use super::{AUTH_ID, AUTH_TOKEN, Transport};
use crate::operation::Operation;

impl Transport {
    /// Refuses a request whose method or URL is not exactly its
    /// operation's, then authenticates it.
    pub(crate) fn prepare(
        &self,
        request: &mut reqwest::Request,
        operation: &Operation,
    ) -> Result<(), String> {
        if *request.method() != operation.method {
            return Err(format!(
                "`{operation}` must be sent as {}",
                operation.method
            ));
        }
        if !self.is_same_origin(request.url()) {
            return Err(format!(
                "`{operation}` would leave the configured origin {}",
                self.base.origin().ascii_serialization()
            ));
        }
        crate::path::check_path(
            request.url().path(),
            self.base.path().trim_end_matches('/'),
            operation.segments,
            operation.path,
        )
        .map_err(|e| format!("{operation}: {e}"))?;
        let headers = request.headers_mut();
        headers.insert(AUTH_ID, self.auth_id.clone());
        headers.insert(AUTH_TOKEN, self.auth_token.clone());
        if let Some(agent) = &self.user_agent {
            headers.insert(USER_AGENT, agent.clone());
        }
        if let (Some(timeout), false) = (self.timeout, self.client_has_timeout) {
            *request.timeout_mut() = Some(timeout);
        }
        Ok(())
    }

    /// Fails a request without sending it, for the one case the guard
    /// cannot judge (an operation missing from the generated table, which
    /// `pre` has already refused). reqwest refuses a URL of a scheme it does
    /// not speak before any I/O, which makes the error this must return.
    pub(crate) async fn refuse(
        &self,
        mut request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        if let Ok(nowhere) = url::Url::parse("refused:") {
            *request.url_mut() = nowhere;
        }
        request.headers_mut().clear();
        self.http.execute(request).await
    }

    /// Scheme, host and port as the base URL's (without building an
    /// `Origin`, which allocates, on every request).
    fn is_same_origin(&self, url: &url::Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }
}

#[cfg(test)]
mod tests {
    use crate::generated::operations;

    /// The credentials are added marked sensitive, so that `http` and
    /// reqwest print them as `Sensitive`, never as their value.
    #[test]
    fn credentials_are_marked_sensitive() {
        let client = crate::Client::builder("MA_SENSITIVE", "token-sensitive-1")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let url = "http://127.0.0.1:9/api/v1/Account/MA_SENSITIVE/Conference/r/";
        let mut request = reqwest::Request::new(reqwest::Method::DELETE, url.parse().unwrap());
        client
            .api()
            .inner
            .prepare(&mut request, &operations::DELETE_CONFERENCE)
            .unwrap();
        for name in [super::AUTH_ID, super::AUTH_TOKEN] {
            assert!(request.headers()[&name].is_sensitive(), "{name}");
        }
        assert!(!format!("{request:?}").contains("token-sensitive-1"));
    }
}
