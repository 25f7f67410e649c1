//! How the handles make a call: through the generated client, with the
//! error mapped and the attempts counted ([`reporting`]), and, for a call
//! that changes state, written to the audit trail ([`audited`]).

use futures_util::FutureExt;
use futures_util::future::Either;

use crate::Error;
use crate::audit::{self, AuditOutcome, Audited, Ended};
use crate::generated::{self, ResponseValue};
use crate::outcome::{Accepted, AnswerBody};
use crate::retry::{self, AuditBy, CallReport};

/// Awaits a generated call, mapping its error and counting its attempts.
/// `audit`: who writes the call's audit event (the hooks, for an operation
/// that changes state, unless the caller does). (A combinator chain, not an
/// `async fn`: see `retry::scoped`.)
pub(crate) fn reporting<T, E>(
    audit: AuditBy,
    operation: impl Future<Output = Result<ResponseValue<T>, generated::Error<E>>>,
) -> impl Future<Output = (Result<ResponseValue<T>, Error>, CallReport)> {
    retry::scoped(audit, operation).then(|(result, report)| match result {
        Ok(value) => Either::Left(std::future::ready((Ok(value), report))),
        // Boxed so the error path's state does not weigh on every call.
        Err(e) => Either::Right(Box::pin(async move {
            let error = Error::from_call(e, report.clone()).await;
            (Err(error), report)
        })),
    })
}

/// Sends one audited call and turns its answer into an [`Accepted`] for
/// the members it names.
pub(crate) async fn audited<T: AnswerBody>(
    call: &Audited<'_>,
    operation: impl Future<Output = Result<ResponseValue<T>, generated::Error<()>>>,
) -> Result<Accepted, Error> {
    let pending = audit::Pending::start(call);
    let (result, report): (Result<ResponseValue<T>, Error>, CallReport) =
        reporting(AuditBy::Caller, operation).await;
    let result = result.map(|answer| Accepted::from_answer(call.members, &answer));
    let (outcome, api_id) = match &result {
        Ok(a) => (AuditOutcome::Applied, a.api_id()),
        Err(e) if e.is_not_found() => (AuditOutcome::NotFound, None),
        Err(_) => (AuditOutcome::Error, None),
    };
    let ended = Ended {
        outcome,
        api_id,
        error: result.as_ref().err(),
        report,
    };
    pending.finish(&ended);
    result
}
