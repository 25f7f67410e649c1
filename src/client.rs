//! The client facade over the generated client: its account, its base
//! URL, the generated operations and [`Client::call`]. (It is built by
//! `ClientBuilder`, in `config`; each resource's handles add their own
//! methods beside it, as `crate::conference` does.)

use std::fmt;
use std::sync::Arc;

use futures_util::FutureExt;

use crate::generated::ResponseValue;
use crate::{Error, call, generated};

/// A Vobiz API client. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), vobiz::Error> {
/// let client = vobiz::Client::new("MA_XXXXXX", "your-auth-token")?;
/// use vobiz::conference::Hangup;
/// match client.hangup_conference_if_active("My Conf Room").await? {
///     Hangup::Ended => println!("ended"),
///     Hangup::NotActive => println!("was not running"),
///     Hangup::GoneAfterRetry => println!("gone; maybe by our first attempt"),
///     _ => println!("another outcome"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<generated::Client>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth_id", &self.auth_id())
            .field("auth_token", &crate::redact::REDACTED)
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl Client {
    pub(crate) fn from_parts(api: Arc<generated::Client>) -> Self {
        Client { api }
    }

    /// The account this client acts for.
    pub fn auth_id(&self) -> &str {
        self.api.inner.account()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.api.baseurl
    }

    /// The spec-exact generated client, with this client's authentication,
    /// timeouts and path safety. Turn its errors into [`Error`] with
    /// [`Error::from_api`].
    pub fn api(&self) -> &crate::GeneratedClient {
        &self.api
    }

    /// Runs any generated operation and turns its error into an [`Error`]
    /// that also knows how many attempts were made.
    ///
    /// Retries, authentication and path safety apply to every generated
    /// operation anyway; this adds the error mapping.
    ///
    /// ```no_run
    /// # async fn f(client: vobiz::Client) -> Result<(), vobiz::Error> {
    /// client.call(client.api().delete_conference().conference_name("room").send()).await?;
    /// # Ok(()) }
    /// ```
    pub fn call<T, E>(
        &self,
        operation: impl Future<Output = Result<ResponseValue<T>, crate::GeneratedError<E>>>,
    ) -> impl Future<Output = Result<ResponseValue<T>, Error>> {
        call::reporting(operation).map(|(result, _)| result)
    }
}
