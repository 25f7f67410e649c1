//! How the handles make a call: through the generated client, with the
//! error mapped and the attempts counted ([`reporting`]), and, for a call
//! Vobiz acknowledges, its answer kept ([`accepted`]). The audit event is
//! the hooks' to write, as for every generated call.

use futures_util::FutureExt;
use futures_util::future::Either;

use crate::Error;
use crate::accepted::{Accepted, AnswerBody};
use crate::generated::{self, ResponseValue};
use crate::retry::{self, CallReport};

/// Awaits a generated call, mapping its error and counting its attempts.
/// (A combinator chain, not an `async fn`: see `retry::scoped`.)
pub(crate) fn reporting<T, E>(
    operation: impl Future<Output = Result<ResponseValue<T>, generated::Error<E>>>,
) -> impl Future<Output = (Result<ResponseValue<T>, Error>, CallReport)> {
    retry::scoped(operation).then(|(result, report)| match result {
        Ok(value) => Either::Left(std::future::ready((Ok(value), report))),
        // Boxed so the error path's state does not weigh on every call.
        Err(e) => Either::Right(Box::pin(async move {
            let error = Error::from_call(e, report.clone()).await;
            (Err(error), report)
        })),
    })
}

/// Sends one call and turns its answer into an [`Accepted`]; `requested`
/// is the part of a split call this request carries.
pub(crate) async fn accepted<T: AnswerBody>(
    requested: Option<&str>,
    operation: impl Future<Output = Result<ResponseValue<T>, generated::Error<()>>>,
) -> Result<Accepted, Error> {
    let (result, _) = reporting(operation).await;
    result.map(|answer| Accepted::from_answer(requested, &answer))
}
