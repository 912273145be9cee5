//! Google Calendar push notifications, sent the way Google sends them (reference `webhooks.md`
//! §2, <https://developers.google.com/workspace/calendar/api/guides/push>).
//!
//! `events.watch` opens a channel on a calendar's events; a `sync` message (number 1) follows
//! at once, and every create, update or delete of an event on that calendar POSTs an `exists`
//! message with a larger, gapped message number and an empty body to the channel's address.
//! `channels.stop` ends delivery. `events.list?syncToken=` (in `list.rs`) returns what changed
//! since a token, `410` once tokens were expired through the control API. One-shot
//! [`GooglePushFault`]s make the next delivery arrive twice, late, out of order, or with a
//! wrong channel token.

mod channels;
mod control;
mod control_api;
mod outbox;
mod state;
mod sync;

pub(crate) use channels::{stop, watch};
pub(crate) use control_api::control_router;
pub(crate) use outbox::Outbox;
pub(crate) use state::GooglePushState;
pub use state::{GooglePushDelivery, GooglePushFault};
pub(crate) use sync::{changed, sync_token, SyncCheck};
