//! The client facade: conference calls by name, over the generated client.

use std::fmt;
use std::sync::Arc;

use crate::config::{ClientBuilder, builder_from_env};
use crate::{Error, generated, path};

/// A Vobiz API client. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), vobiz::Error> {
/// let client = vobiz::Client::new("MA_XXXXXX", "your-auth-token")?;
/// match client.hangup_conference_if_active("My Conf Room").await? {
///     vobiz::Hangup::Ended => println!("ended"),
///     vobiz::Hangup::NotActive => println!("was not running"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<generated::Client>,
    auth_id: Arc<str>,
}

/// The outcome of [`Client::hangup_conference_if_active`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hangup {
    /// The conference was running and has been ended (204).
    Ended,
    /// No active conference had that name (404): nothing to end.
    NotActive,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"<redacted>")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl Client {
    pub(crate) fn from_parts(api: Arc<generated::Client>, auth_id: String) -> Self {
        Client {
            api,
            auth_id: auth_id.into(),
        }
    }

    /// A client for the production API with default settings.
    pub fn new(auth_id: impl Into<String>, auth_token: impl Into<String>) -> Result<Self, Error> {
        Self::builder(auth_id, auth_token).build()
    }

    /// A client from `VOBIZ_AUTH_ID`, `VOBIZ_AUTH_TOKEN` and, optionally,
    /// `VOBIZ_BASE_URL`. The error names a missing variable.
    pub fn from_env() -> Result<Self, Error> {
        builder_from_env(|name| std::env::var(name))?.build()
    }

    /// Starts configuring a client.
    pub fn builder(auth_id: impl Into<String>, auth_token: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(auth_id, auth_token)
    }

    /// The account this client acts for.
    pub fn auth_id(&self) -> &str {
        &self.auth_id
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.api.baseurl
    }

    /// The spec-exact generated client, with this client's authentication,
    /// timeouts and path safety. Turn its errors into [`Error`] with
    /// [`Error::from_api`].
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// Ends the active conference `name`, disconnecting every member.
    ///
    /// A 404 (no such active conference) is an error with
    /// [`Error::is_not_found`]; use [`hangup_conference_if_active`](Self::hangup_conference_if_active)
    /// when that is an expected outcome.
    pub async fn hangup_conference(&self, name: &str) -> Result<(), Error> {
        if let Some(problem) = path::segment_problem(name) {
            return Err(Error::InvalidInput(format!("conference name {problem}")));
        }
        match self.api.delete_conference(&self.auth_id, name).await {
            Ok(_) => Ok(()),
            Err(e) => Err(Error::from_api(e).await),
        }
    }

    /// Ends the conference `name` if it is active: a 404 is
    /// `Ok(Hangup::NotActive)`, as the Vobiz docs advise handling it.
    pub async fn hangup_conference_if_active(&self, name: &str) -> Result<Hangup, Error> {
        match self.hangup_conference(name).await {
            Ok(()) => Ok(Hangup::Ended),
            Err(e) if e.is_not_found() => Ok(Hangup::NotActive),
            Err(e) => Err(e),
        }
    }
}
