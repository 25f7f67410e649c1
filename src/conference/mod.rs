//! Vobiz's Conference family, with the handles its pages call for: rooms
//! by name ([`Conference`]), their members ([`Members`], with a
//! [`MemberSelector`] that cannot widen by accident), ending them
//! ([`Hangup`], sweeps, the notice-then-hang-up flow), and the documented
//! quirk of Retrieve a Conference (`quirks`).
//!
//! Everything here is built on the resource-agnostic core: the calls go
//! through the generated client, so authentication, path safety, retries,
//! redaction, tracing and the audit trail are the core's, as for every
//! other operation. What lives here is only what the Conference pages say
//! beyond their yaml: a `member_id` list's shape and length, what a 404 on
//! a hangup means, the `failed` answer, the recommended notice.
//!
//! ```no_run
//! # async fn run(client: vobiz::Client) -> Result<(), vobiz::Error> {
//! use std::time::Duration;
//! use vobiz::conference::MemberSelector;
//! let room = client.conference("My Conf Room");
//! room.members("17").mute().await?;
//! room.members(MemberSelector::all()).play("https://example.com/notice.mp3").await?;
//! room.hangup_with_notice("https://example.com/closing.mp3", Duration::from_secs(10)).await?;
//! # Ok(()) }
//! ```

mod details;
mod hangup;
mod members;
mod notice;
pub(crate) mod quirks;
mod room;
mod sweep;

pub use details::{ConferenceDetails, MemberDetails};
pub use hangup::Hangup;
pub use members::{MAX_MEMBER_ID_LEN, MemberOutcome, MemberSelector, Members};
pub use room::Conference;
