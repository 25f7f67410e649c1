//! How each failure becomes an [`Error`]: an answer by its status, a
//! transport failure by its kind, a generated operation's error by what it
//! holds.

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION};

use super::{ApiError, Error, TransportError};
use crate::generated;
use crate::retry::CallReport;
use crate::said::Said;
use crate::text::clean;
use crate::transport::{BodyTooLarge, Heard, MAX_ERROR_BODY, read_bounded};

impl Error {
    /// Classifies an unsuccessful response by its status.
    pub(crate) fn from_response_parts(
        status: StatusCode,
        headers: &HeaderMap,
        body: Bytes,
        said: Option<std::sync::Arc<Said>>,
    ) -> Self {
        if status.is_redirection() {
            let location = headers
                .get(LOCATION)
                .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
            return Error::Redirect {
                status: status.as_u16(),
                location: location
                    .and_then(|l| clean(&l))
                    .unwrap_or_else(|| "(no Location header)".to_owned()),
            };
        }
        let api = ApiError::from_parts(status, headers, body, said);
        match status.as_u16() {
            401 => Error::Unauthorized(api),
            403 => Error::Forbidden(api),
            404 => Error::NotFound(api),
            429 => Error::RateLimited(api),
            500..=599 => Error::Server(api),
            _ => Error::Api(api),
        }
    }

    /// Classifies a transport failure.
    pub(crate) fn from_reqwest(source: reqwest::Error) -> Self {
        let source = TransportError::new(source);
        if source.is_timeout() {
            Error::Timeout {
                source: Some(source),
                attempts: 1,
            }
        } else {
            Error::Transport {
                source,
                attempts: 1,
            }
        }
    }

    /// Turns the error of any generated operation into a [`vobiz::Error`](Error),
    /// classified the same way as the handwritten calls.
    ///
    /// ```no_run
    /// # async fn f(client: &vobiz::Client) -> Result<(), vobiz::Error> {
    /// let result = client.api().delete_conference().conference_name("room").send().await;
    /// if let Err(e) = result {
    ///     let e = vobiz::Error::from_api(e).await;
    ///     if e.is_not_found() { /* no such active room */ }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Every non-2xx response is classified by its status, whatever its body
    /// holds (generation routes every error status here; see
    /// `codegen/src/normalize.rs`). A 2xx body that does not match the spec
    /// is [`Error::Decode`]; through [`Client::call`](crate::Client::call)
    /// it also knows the status and names the field where the body departs
    /// from the operation's schema, which this function alone cannot.
    pub async fn from_api<E>(err: crate::GeneratedError<E>) -> Self {
        Self::convert(err, None).await
    }

    /// [`Error::from_api`] for a call whose report is known: it records the
    /// status and the attempts, and a 2xx body that does not fit the spec
    /// names the field where it departs from the operation's answer schema.
    ///
    /// An answer a quirk's rule marked as a passing failure (see
    /// `transport::PassingFailureRule`) is [`Error::PassingFailure`] even
    /// when it fails the spec's types, whatever the entry point: Retrieve a
    /// Conference's `{"error": "failed"}` without its `api_id` is one
    /// through `client.call` as through `Conference::details`.
    pub(crate) async fn from_call<E>(err: crate::GeneratedError<E>, report: CallReport) -> Self {
        if let (generated::Error::InvalidResponsePayload(body, _), true) =
            (&err, report.passing_failure)
        {
            let status = report
                .status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            // The transport read this body already: its reading is in the report.
            let api =
                ApiError::from_parts(status, &HeaderMap::new(), body.clone(), report.said.clone());
            return Error::PassingFailure(api).with_report(report);
        }
        let schema = report.operation.and_then(|op| op.answer_schema);
        Self::convert(err, schema).await.with_report(report)
    }

    async fn convert<E>(err: crate::GeneratedError<E>, answer_schema: Option<&str>) -> Self {
        use generated::Error as G;
        match err {
            G::InvalidRequest(msg) => Error::InvalidInput(msg),
            G::Custom(msg) => Error::InvalidInput(msg),
            // reqwest refuses to build a request whose URL it cannot hold
            // (a path parameter of tens of kilobytes): nothing was sent, and
            // its message would carry the whole URL, so say it briefly.
            G::CommunicationError(e) if e.is_builder() => Error::InvalidInput(
                "the request cannot be built: a path parameter is too long for a URL".into(),
            ),
            G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
                match too_large(&e) {
                    Some(limit) => Error::ResponseTooLarge {
                        limit,
                        status: None,
                    },
                    None => Error::from_reqwest(e),
                }
            }
            G::InvalidResponsePayload(body, e) => Error::Decode {
                status: None,
                message: answer_schema
                    .and_then(|schema| crate::shape::departure(schema, &body))
                    .or_else(|| clean(&e.to_string()))
                    .unwrap_or_default(),
            },
            // Generation documents no error responses, so this arm is not
            // reached by generated code; the status still decides.
            G::ErrorResponse(value) => {
                Error::from_response_parts(value.status(), value.headers(), Bytes::new(), None)
            }
            G::UnexpectedResponse(mut response) => {
                let (status, headers) = (response.status(), std::mem::take(response.headers_mut()));
                let report = response.extensions().get::<CallReport>().cloned();
                // The transport's reading, if it read the body (it always
                // has, unless the body is not JSON).
                let (body, said) = match response.extensions_mut().remove::<Heard>() {
                    Some(heard) => (heard.body, Some(heard.said)),
                    None => (read_bounded(response, MAX_ERROR_BODY).await, None),
                };
                let error = Error::from_response_parts(status, &headers, body, said);
                match report {
                    Some(report) => error.with_attempts(report.attempts),
                    None => error,
                }
            }
        }
    }
}

/// The bound a successful body exceeded, if that is what ended this read
/// (see `crate::transport`).
fn too_large(error: &reqwest::Error) -> Option<usize> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(too_large) = e.downcast_ref::<BodyTooLarge>() {
            return Some(too_large.0);
        }
        source = e.source();
    }
    None
}
