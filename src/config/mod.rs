//! Credentials and configuration: [`ClientBuilder`], validated at `build()`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::{Host, Url};

use crate::transport::Transport;

mod http_client;
use crate::{Client, Error, RetryPolicy, generated, path};

/// Vobiz's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.vobiz.ai";

/// The environment variable [`Client::from_env`] reads the auth ID from.
pub const ENV_AUTH_ID: &str = "VOBIZ_AUTH_ID";
/// The environment variable [`Client::from_env`] reads the auth token from
/// (and `vobiz callbacks serve` the key callbacks are signed with).
pub const ENV_AUTH_TOKEN: &str = "VOBIZ_AUTH_TOKEN";
/// The environment variable [`Client::from_env`] reads a base URL from, if set.
pub const ENV_BASE_URL: &str = "VOBIZ_BASE_URL";
/// Per-request timeout unless set otherwise: ending a room is one small
/// request, so 30 s means the server or network is in trouble.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connect timeout unless set otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// `User-Agent` sent unless set otherwise.
pub const DEFAULT_USER_AGENT: &str = concat!("vobiz-rust/", env!("CARGO_PKG_VERSION"));
/// The most bytes of a successful answer's body a client reads unless set
/// otherwise ([`ClientBuilder::max_response_body`]): far more than the
/// details of the largest room, and a misbehaving server cannot make the
/// client buffer more.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 4 * 1024 * 1024;
/// The longest timeout, backoff or `Retry-After` wait [`ClientBuilder::build`]
/// accepts: a day. Longer ones cannot be honoured by the timers underneath,
/// and no single call should wait that long.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// Configures a [`Client`]; nothing is checked until [`build`](Self::build).
///
/// ```
/// use std::time::Duration;
/// let client = vobiz::Client::builder("MA_XXXXXX", "secret-token")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url(), "https://api.vobiz.ai");
/// # Ok::<(), vobiz::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    auth_id: String,
    auth_token: String,
    base_url: String,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    user_agent: Option<String>,
    allow_insecure_http: bool,
    retry: RetryPolicy,
    operation_timeout: Option<Duration>,
    max_response_body: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &crate::redact::REDACTED)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("custom_http_client", &self.http_client.is_some())
            .field("user_agent", &self.user_agent)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("retry", &self.retry)
            .field("operation_timeout", &self.operation_timeout)
            .field("max_response_body", &self.max_response_body)
            .finish()
    }
}

impl Client {
    /// A client for the production API with default settings.
    pub fn new(auth_id: impl Into<String>, auth_token: impl Into<String>) -> Result<Self, Error> {
        Self::builder(auth_id, auth_token).build()
    }

    /// A client from `VOBIZ_AUTH_ID`, `VOBIZ_AUTH_TOKEN` and, optionally,
    /// `VOBIZ_BASE_URL`. The error names a missing variable.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// Starts configuring a client.
    pub fn builder(auth_id: impl Into<String>, auth_token: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(auth_id, auth_token)
    }
}

impl ClientBuilder {
    /// The configuration [`Client::from_env`] reads (`VOBIZ_AUTH_ID`,
    /// `VOBIZ_AUTH_TOKEN`, optionally `VOBIZ_BASE_URL`), to adjust before
    /// [`build`](Self::build). The error names a missing variable.
    pub fn from_env() -> Result<Self, Error> {
        builder_from_env(|name| std::env::var(name))
    }

    fn new(auth_id: impl Into<String>, auth_token: impl Into<String>) -> Self {
        ClientBuilder {
            auth_id: auth_id.into(),
            auth_token: auth_token.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            timeout: None,
            connect_timeout: None,
            http_client: None,
            user_agent: None,
            allow_insecure_http: false,
            retry: RetryPolicy::default(),
            operation_timeout: None,
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
        }
    }

    /// The API's base URL (default [`DEFAULT_BASE_URL`]). It may carry a path
    /// prefix, e.g. for a gateway. `http://` is refused unless the host is
    /// loopback or [`allow_insecure_http`](Self::allow_insecure_http) is set.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Timeout for one request, from sending to the end of the response
    /// (default [`DEFAULT_TIMEOUT`]; with [`http_client`](Self::http_client),
    /// that client's own timeout unless this is set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Timeout for establishing a connection (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]). Not combinable with
    /// [`http_client`](Self::http_client): set it on that client instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends through your own `reqwest::Client` (connection pool, proxy, TLS
    /// roots). The credentials are still added to every request.
    ///
    /// It must be built with `.redirect(reqwest::redirect::Policy::none())`:
    /// a client that follows redirects would resend the auth token to
    /// whatever origin a redirect names, and `build()` refuses it.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The `User-Agent` header (default [`DEFAULT_USER_AGENT`]; with
    /// [`http_client`](Self::http_client), that client's unless this is set).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Allows an `http://` base URL on a non-loopback host, which sends the
    /// auth token in clear text. Off by default.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]:
    /// 3 attempts); [`RetryPolicy::none`] switches retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Bounds a whole call: every attempt and every wait between attempts
    /// (default: no bound beyond attempts × [`timeout`](Self::timeout) plus
    /// backoff). A call returns within this plus a few milliseconds.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The most bytes of a successful answer's body that are read (default
    /// [`DEFAULT_MAX_RESPONSE_BODY`], at least 1). A longer one ends the
    /// call with [`Error::ResponseTooLarge`], and nothing of it is kept.
    /// Error bodies are always cut to 64 KiB instead.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        self.check_waits()?;
        if self.max_response_body == 0 {
            return Err(Error::Config(
                "max_response_body must be at least 1 byte".into(),
            ));
        }
        if let Some(problem) = path::segment_problem(&self.auth_id) {
            return Err(Error::Config(format!("auth ID {problem}")));
        }
        let own_client = self.http_client.is_none();
        let base = self.checked_base_url()?;
        let auth_token = credential("auth token", &self.auth_token)?;
        if self.auth_token.len() < MIN_TOKEN_LEN {
            return Err(Error::Config(format!(
                "auth token is shorter than {MIN_TOKEN_LEN} characters; Vobiz's are far longer"
            )));
        }
        let (http, unpooled) = self.checked_http_clients(&base)?;
        let inner = Transport {
            auth_id: credential("auth ID", &self.auth_id)?,
            account: self.auth_id.as_str().into(),
            redactor: crate::redact::Redactor::new(auth_token.as_bytes()),
            auth_token,
            http: http.clone(),
            unpooled,
            base,
            user_agent: match (&self.user_agent, own_client) {
                (Some(agent), _) => Some(header_value("user agent", agent)?),
                (None, true) => Some(HeaderValue::from_static(DEFAULT_USER_AGENT)),
                (None, false) => None,
            },
            timeout: self.timeout.or(own_client.then_some(DEFAULT_TIMEOUT)),
            // Our own client carries the timeout itself: a per-request one
            // costs an allocation on every request.
            client_has_timeout: own_client,
            operation_timeout: self.operation_timeout,
            retry: self.retry.clone(),
            max_body: self.max_response_body,
        };
        let base_url = inner.base.as_str().trim_end_matches('/').to_owned();
        let api = generated::Client::new_with_client(&base_url, http, inner);
        Ok(Client::from_parts(Arc::new(api)))
    }

    /// Refuses a timeout, backoff or wait the timers cannot honour.
    fn check_waits(&self) -> Result<(), Error> {
        let waits = [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
            ("operation_timeout", self.operation_timeout),
        ];
        for (name, wait) in waits {
            match wait {
                Some(Duration::ZERO) => {
                    return Err(Error::Config(format!("{name} must be longer than zero")));
                }
                Some(wait) if wait > MAX_WAIT => {
                    return Err(Error::Config(format!(
                        "{name} of {wait:?} is longer than the {MAX_WAIT:?} the client can honour"
                    )));
                }
                _ => {}
            }
        }
        self.retry.check(MAX_WAIT).map_err(Error::Config)
    }

    /// The base URL as it may be shown: without user info, the token
    /// scrubbed, escaped and shortened.
    fn shown_base_url(&self) -> String {
        // Conservative: anything up to the last `@` may be user info (a
        // password can hold `/`), so none of it is shown.
        let without_userinfo = match self.base_url.split_once("://") {
            Some((scheme, rest)) => match rest.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://…@{host}"),
                None => self.base_url.clone(),
            },
            None => self.base_url.clone(),
        };
        let redactor = crate::redact::Redactor::new(self.auth_token.as_bytes());
        crate::text::shorten(&redactor.scrub_str(&without_userinfo))
    }

    fn checked_base_url(&self) -> Result<Url, Error> {
        let bad = |why: &str| Error::Config(format!("base URL {} {why}", self.shown_base_url()));
        // A URL the parser would read differently from how it is written is
        // refused, never changed (see `url_check`).
        let url = crate::url_check::parse_as_written(&self.base_url).map_err(bad)?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(bad("must use https"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("must not have a query or fragment"));
        }
        // The base URL is in every transport error and trace; the token
        // goes only in its header. Refused rather than redacted everywhere.
        let redactor = crate::redact::Redactor::new(self.auth_token.as_bytes());
        if !self.auth_token.is_empty() && redactor.scrub_str(&self.base_url) != self.base_url {
            return Err(bad(
                "holds the auth token; the token goes only in its header",
            ));
        }
        if url.scheme() == "http" && !self.allow_insecure_http && !is_loopback(&url) {
            return Err(bad(
                "uses plain http to a non-loopback host, which would send the auth token \
                 unencrypted; use https or set allow_insecure_http(true)",
            ));
        }
        Ok(url)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A header value of printable ASCII only: `http` would also accept
/// arbitrary bytes above 0x7F, which servers decode inconsistently.
fn header_value(what: &str, value: &str) -> Result<HeaderValue, Error> {
    let printable = value.bytes().all(|b| (0x20..0x7f).contains(&b));
    printable
        .then(|| HeaderValue::from_str(value).ok())
        .flatten()
        .ok_or_else(|| {
            Error::Config(format!(
                "{what} must be printable ASCII (it is sent as a header)"
            ))
        })
}

/// The shortest auth token accepted. Vobiz's are far longer; a shorter
/// one would be spelled by ordinary text, and could not be kept out of what
/// a server sends back without mangling it (see `crate::redact`).
pub(crate) const MIN_TOKEN_LEN: usize = 8;

/// A credential as a header value: non-empty, and marked sensitive so that
/// reqwest and `http` never print it.
fn credential(what: &str, value: &str) -> Result<HeaderValue, Error> {
    if value.trim().is_empty() {
        return Err(Error::Config(format!("{what} is empty")));
    }
    let mut header = header_value(what, value)?;
    header.set_sensitive(true);
    Ok(header)
}

/// Reads the configuration of [`Client::from_env`] through `var`.
fn builder_from_env(
    var: impl Fn(&str) -> Result<String, std::env::VarError>,
) -> Result<ClientBuilder, Error> {
    let required = |name: &str| {
        var(name).map_err(|e| match e {
            std::env::VarError::NotPresent => {
                Error::Config(format!("environment variable {name} is not set"))
            }
            std::env::VarError::NotUnicode(_) => {
                Error::Config(format!("environment variable {name} is not valid UTF-8"))
            }
        })
    };
    let builder = ClientBuilder::new(required(ENV_AUTH_ID)?, required(ENV_AUTH_TOKEN)?);
    Ok(match var(ENV_BASE_URL) {
        Ok(url) => builder.base_url(url),
        Err(std::env::VarError::NotPresent) => builder,
        Err(_) => required(ENV_BASE_URL).map(|url| builder.base_url(url))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::env::VarError;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Result<String, VarError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned().ok_or(VarError::NotPresent)
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        let err = builder_from_env(env(&[("VOBIZ_AUTH_ID", "MA_1")])).unwrap_err();
        assert!(err.to_string().contains("VOBIZ_AUTH_TOKEN"), "{err}");
        let err = builder_from_env(env(&[])).unwrap_err();
        assert!(err.to_string().contains("VOBIZ_AUTH_ID"), "{err}");
    }

    #[test]
    fn from_env_reads_base_url() {
        let vars = [
            ("VOBIZ_AUTH_ID", "MA_1"),
            ("VOBIZ_AUTH_TOKEN", "token-0123"),
            ("VOBIZ_BASE_URL", "http://127.0.0.1:9/x/"),
        ];
        let client = builder_from_env(env(&vars)).unwrap().build().unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/x");
        assert_eq!(client.auth_id(), "MA_1");
    }
}
