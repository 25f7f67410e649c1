//! The one place progenitor's generated client meets this crate: the
//! `ClientHooks` it calls around every operation it builds. Each hook finds
//! the operation in the generated table and hands the request to
//! `crate::transport`, with the quirk classifiers that apply, and audits
//! every request that changes state (`crate::audit`): the one writer of
//! the audit trail.

use progenitor_runtime::{ClientHooks, Error as ApiCallError, OperationInfo};
use tracing::Instrument;

use crate::generated::{self, operations};
use crate::transport::{PassingFailureRule, Transport};

/// Every resource's passing-failure rules (see `transport::PassingFailureRule`).
#[cfg(feature = "conference")]
const PASSING_FAILURES: &[PassingFailureRule] = crate::conference::quirks::PASSING_FAILURES;
#[cfg(not(feature = "conference"))]
const PASSING_FAILURES: &[PassingFailureRule] = &[];

impl ClientHooks<Transport> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), ApiCallError<E>> {
        let operation = operations::by_method_name(info.operation_id).ok_or_else(|| {
            ApiCallError::InvalidRequest(format!(
                "operation `{}` is not in the generated table",
                info.operation_id
            ))
        })?;
        self.inner
            .prepare(request, operation)
            .map_err(ApiCallError::InvalidRequest)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        // `pre` has refused every request of an operation missing from the
        // table, so progenitor never gets here without one.
        let Some(operation) = operations::by_method_name(info.operation_id) else {
            return self.inner.refuse(request).await;
        };
        let span = crate::transport::operation_span(operation, &request);
        let inner = &self.inner;
        let watched =
            crate::audit::Watched::start(operation, &request, &inner.account, inner.base.path());
        // Boxed: the retry loop's state is large, and every layer of the
        // generated future around it would otherwise be moved with it.
        let sent = self.inner.send(operation, request, PASSING_FAILURES);
        let (result, report) = Box::pin(sent.instrument(span)).await;
        if let Some(watched) = watched {
            watched.finish(&result, &report);
        }
        result
    }
}
