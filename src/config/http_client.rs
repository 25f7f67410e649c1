//! The reqwest clients a [`ClientBuilder`] sends through: our own, built
//! with no redirects, our timeouts and the TLS the features choose, or a
//! supplied one, checked for what would carry the token elsewhere.

use url::Url;

use super::{ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use crate::Error;

impl ClientBuilder {
    /// The client for requests that may be repeated, and, when the client is
    /// our own, one for those that may not (see `transport::Transport::unpooled`).
    pub(super) fn checked_http_clients(
        &self,
        base: &Url,
    ) -> Result<(reqwest::Client, Option<reqwest::Client>), Error> {
        let plain_http = base.scheme() == "http";
        match &self.http_client {
            Some(client) => {
                if plain_http && uses_a_proxy(client) {
                    return Err(Error::Config(
                        "the supplied http_client may use a proxy (reqwest reads HTTP_PROXY and \
                         friends unless built with .no_proxy()), which would see the auth token \
                         in clear over plain http; build it with .no_proxy() or use https"
                            .into(),
                    ));
                }
                if self.connect_timeout.is_some() {
                    return Err(Error::Config(
                        "connect_timeout cannot be applied to a supplied http_client; \
                         set it on that reqwest::Client"
                            .into(),
                    ));
                }
                if !follows_no_redirects(client) {
                    return Err(Error::Config(
                        "the supplied http_client follows redirects, which would resend the \
                         auth token to other origins; build it with \
                         .redirect(reqwest::redirect::Policy::none())"
                            .into(),
                    ));
                }
                Ok((client.clone(), None))
            }
            None => Ok((
                self.own_client(plain_http, true)?,
                Some(self.own_client(plain_http, false)?),
            )),
        }
    }

    fn own_client(&self, plain_http: bool, pooled: bool) -> Result<reqwest::Client, Error> {
        let builder = with_proxy_rule(with_tls(reqwest::Client::builder())?, plain_http)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            // One retry layer decides, ours (see `crate::retry`); reqwest's
            // own would copy every request to retry only HTTP/2 refusals.
            .retry(reqwest::retry::never().max_retries_per_request(0));
        let builder = if pooled {
            builder
        } else {
            builder.pool_max_idle_per_host(0)
        };
        builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
    }
}

/// With `rustls-ring`: rustls with the *ring* provider and the platform's
/// certificate roots. reqwest's own `rustls` feature brings aws-lc, whose C
/// build is the largest single cost of compiling this crate.
#[cfg(all(feature = "rustls-ring", not(feature = "native-tls")))]
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let tls_error = |e: rustls::Error| Error::Config(format!("cannot set up TLS: {e}"));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(builder.tls_backend_preconfigured(config))
}

/// With `native-tls`: the platform's TLS library, even when a rustls
/// feature is enabled too (asking for it is the point of the feature).
#[cfg(feature = "native-tls")]
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder.tls_backend_native())
}

/// Otherwise reqwest's own backend: rustls with aws-lc.
#[cfg(not(any(feature = "rustls-ring", feature = "native-tls")))]
fn with_tls(builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(builder)
}

/// Proxies: over https, the environment's proxy (if any) only tunnels
/// encrypted bytes, so it is honoured; over plain http (loopback, the
/// simulator, or `allow_insecure_http`), a proxy would read the token, so none
/// is used, whatever `HTTP_PROXY` says.
fn with_proxy_rule(builder: reqwest::ClientBuilder, plain_http: bool) -> reqwest::ClientBuilder {
    if plain_http {
        builder.no_proxy()
    } else {
        builder
    }
}

/// Whether a supplied client may send through a proxy. reqwest offers no
/// accessor; its `Debug` output lists proxies (the environment's included)
/// unless the client was built with `.no_proxy()`. Fails closed if that
/// output changes.
fn uses_a_proxy(client: &reqwest::Client) -> bool {
    format!("{client:?}").contains("proxies")
}

/// Whether a client was built with `redirect::Policy::none()`.
///
/// reqwest offers no accessor for a built client's policy; its `Debug`
/// output is the only place it shows, so read it there. If a reqwest release
/// changes that output, this fails closed (supplied clients are refused) and
/// the test `supplied_client_without_redirects_is_accepted` says so.
fn follows_no_redirects(client: &reqwest::Client) -> bool {
    format!("{client:?}").contains(r#"redirect_policy: "Policy(None)""#)
}
