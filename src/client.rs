//! The client facade: account-wide calls and conference calls by name, over
//! the generated client. (It is built by `ClientBuilder`, in `config`.)

use std::fmt;
use std::sync::Arc;

use futures_util::FutureExt;

use crate::audit::{AuditOutcome, Audited, Ended, Pending};
use crate::generated::{ResponseValue, operations};
use crate::outcome::Hangup;
use crate::retry::{AuditBy, CallReport};
use crate::{Error, call, generated, path};

/// A Vobiz API client. Cheap to clone; clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), vobiz::Error> {
/// let client = vobiz::Client::new("MA_XXXXXX", "your-auth-token")?;
/// match client.hangup_conference_if_active("My Conf Room").await? {
///     vobiz::Hangup::Ended => println!("ended"),
///     vobiz::Hangup::NotActive => println!("was not running"),
///     vobiz::Hangup::GoneAfterRetry => println!("gone; maybe by our first attempt"),
///     _ => println!("another outcome"),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: Arc<generated::Client>,
    auth_id: Arc<str>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &crate::redact::REDACTED)
            .field("base_url", &self.base_url())
            .finish()
    }
}

/// The members an ending touches, as the audit trail says it: every one
/// (Vobiz's own word for that in member calls).
const EVERY_MEMBER: &str = "all";

impl Client {
    pub(crate) fn from_parts(api: Arc<generated::Client>, auth_id: String) -> Self {
        Client {
            api,
            auth_id: auth_id.into(),
        }
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
        call::reporting(AuditBy::Hooks, operation).map(|(result, _)| result)
    }

    /// The names of the conferences Vobiz reports as active.
    ///
    /// **An empty or short list proves nothing**: Vobiz documents that live
    /// rooms can be missing from it. Never use it as a safety check before
    /// ending rooms, nor as the list of rooms to clean up; keep your own
    /// registry of the rooms you create, as Vobiz advises, and sweep that with
    /// [`hangup_conferences`](Self::hangup_conferences).
    pub async fn list_conferences(&self) -> Result<Vec<String>, Error> {
        let listed = self.call(self.api.list_conferences().send()).await?;
        Ok(listed.into_inner().conferences)
    }

    /// Ends **every** conference on the account at once.
    ///
    /// This is the only call that sends Vobiz's Hang Up All Conferences: no
    /// name given to any other method can reach it (`""`, `.` and `..` are
    /// refused before anything is sent). Written to the audit trail like every
    /// hangup. It is a DELETE, so it is retried as the client's policy says.
    pub async fn hangup_all_conferences(&self) -> Result<(), Error> {
        let audited = Audited {
            operation: &operations::DELETE_ALL_CONFERENCES,
            account: &self.auth_id,
            conference: None,
            members: Some(EVERY_MEMBER),
            url_path: None,
            subject: None,
        };
        let operation = self.api.delete_all_conferences().send();
        call::audited(&audited, operation).await.map(drop)
    }

    /// Ends the active conference `name`, disconnecting every member.
    ///
    /// A 404 (no such active conference) is an error with
    /// [`Error::is_not_found`]; use [`hangup_conference_if_active`](Self::hangup_conference_if_active)
    /// when that is an expected outcome. If an earlier attempt's outcome was
    /// unknown (a timeout, a dropped connection, a 5xx) and a retry then gets
    /// 404, the room is gone, most likely by that earlier attempt: that is
    /// `Ok(())`.
    ///
    /// Every call emits one audit event at INFO on the target `vobiz::audit`
    /// (see the crate docs) with the conference name, the outcome (`ended`,
    /// `not_active`, `gone_after_retry` or `error`), the status, attempts and
    /// `api_id`.
    pub async fn hangup_conference(&self, name: &str) -> Result<(), Error> {
        self.terminate(name).await.map(drop)
    }

    /// Ends the conference `name` if it is active: a 404 is
    /// `Ok(Hangup::NotActive)`, as the Vobiz docs advise handling it, and a
    /// 404 after an attempt whose outcome was unknown is
    /// `Ok(Hangup::GoneAfterRetry)`.
    pub async fn hangup_conference_if_active(&self, name: &str) -> Result<Hangup, Error> {
        match self.terminate(name).await {
            Err(e) if e.is_not_found() => Ok(Hangup::NotActive),
            other => other,
        }
    }

    /// Ends a conference, deciding what a 404 after an ambiguous attempt
    /// means and writing the audit event.
    async fn terminate(&self, name: &str) -> Result<Hangup, Error> {
        let audited = Audited {
            operation: &operations::DELETE_CONFERENCE,
            account: &self.auth_id,
            conference: Some(name),
            members: Some(EVERY_MEMBER),
            url_path: None,
            subject: None,
        };
        let pending = Pending::start(&audited);
        let (result, report) = match path::segment_problem(name) {
            Some(problem) => (
                Err(Error::InvalidInput(format!("conference name {problem}"))),
                CallReport::default(),
            ),
            None => {
                call::reporting(
                    AuditBy::Caller,
                    self.api.delete_conference().conference_name(name).send(),
                )
                .await
            }
        };
        let gone_after_retry = report.ambiguous && result.as_ref().is_err_and(Error::is_not_found);
        let outcome = match &result {
            Ok(_) => AuditOutcome::Ended,
            Err(_) if gone_after_retry => AuditOutcome::GoneAfterRetry,
            Err(e) if e.is_not_found() => AuditOutcome::NotActive,
            Err(_) => AuditOutcome::Error,
        };
        let ended = Ended {
            outcome,
            api_id: result.as_ref().err().and_then(Error::api_id),
            error: result
                .as_ref()
                .err()
                .filter(|_| outcome == AuditOutcome::Error),
            report,
        };
        pending.finish(&ended);
        match result {
            Ok(_) => Ok(Hangup::Ended),
            Err(_) if gone_after_retry => Ok(Hangup::GoneAfterRetry),
            Err(e) => Err(e),
        }
    }
}
