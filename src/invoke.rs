//! Any operation by its table entry: [`Client::invoke`] sends
//! `generated::operations::X` with [`Arguments`] given by name as JSON, through
//! the same generated method a caller of [`Client::api`] reaches, so it has
//! the same authentication, path safety, retries, redaction, tracing and
//! audit. `vobiz api` is built on it.

use bytes::Bytes;
use futures_util::TryStreamExt;
use serde_json::Value;

pub use crate::arguments::Arguments;
use crate::generated::dispatch::{self, Sent};
use crate::operation::Operation;
use crate::{Client, Error, call};

/// What an operation answered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Invoked {
    /// The HTTP status (a success: any other is an [`Error`]).
    pub status: u16,
    /// The body.
    pub body: Answer,
}

/// A successful answer's body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// No body.
    Empty,
    /// JSON: the typed answer, as the spec describes it, or an answer the
    /// spec leaves untyped that parsed as JSON.
    Json(Value),
    /// A body that is not JSON, as received.
    Bytes(Bytes),
}

impl Client {
    /// Sends `operation` with `args`, answering its status and body.
    ///
    /// Every argument is decoded into the generated method's type before
    /// anything is sent: a missing required one, one that does not fit, or
    /// a name the operation does not have is [`Error::InvalidInput`].
    /// The account in the path (`auth_id`) is this client's unless given.
    ///
    /// ```no_run
    /// # async fn f(client: vobiz::Client) -> Result<(), vobiz::Error> {
    /// use vobiz::generated::operations;
    /// use vobiz::invoke::Arguments;
    /// let args = Arguments::new().param("conference_name", "My Room");
    /// let answer = client.invoke(&operations::GET_CONFERENCE, &args).await?;
    /// println!("{}: {:?}", answer.status, answer.body);
    /// # Ok(()) }
    /// ```
    pub async fn invoke(&self, operation: &Operation, args: &Arguments) -> Result<Invoked, Error> {
        let mut args = args.clone();
        if let Some(account) = operation.account_param()
            && !args.has(account)
        {
            args = args.param(account, self.auth_id());
        }
        let sending = dispatch::send(self.api(), operation, &mut args)
            .map_err(|why| Error::InvalidInput(format!("{operation}: {why}")))?;
        let (result, _) = call::reporting(sending).await;
        let answer = result?;
        let status = answer.status().as_u16();
        let body = match answer.into_inner() {
            Sent::Nothing => Answer::Empty,
            Sent::Json(value) => Answer::Json(value),
            Sent::Bytes(stream) => read(stream, status).await?,
        };
        Ok(Invoked { status, body })
    }
}

/// An untyped body: JSON if it parses, else the bytes; empty is `Empty`.
async fn read(stream: crate::generated::ByteStream, status: u16) -> Result<Answer, Error> {
    // The transport has already read and bounded the body; this only
    // gathers its chunks.
    let chunks: Vec<Bytes> =
        stream
            .into_inner()
            .try_collect()
            .await
            .map_err(|e| Error::Decode {
                status: Some(status),
                message: crate::text::one_line(&e.to_string()),
            })?;
    let bytes: Bytes = chunks.concat().into();
    if bytes.is_empty() {
        return Ok(Answer::Empty);
    }
    Ok(match serde_json::from_slice(&bytes) {
        Ok(value) => Answer::Json(value),
        Err(_) => Answer::Bytes(bytes),
    })
}
