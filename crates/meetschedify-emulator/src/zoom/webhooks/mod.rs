//! Zoom event notifications (webhooks), sent the way Zoom sends them
//! (<https://developers.zoom.us/docs/api/webhooks/>; the wire reference `webhooks.md` §1).
//!
//! An endpoint is registered with its URL and the app's Secret Token; registration sends the
//! `endpoint.url_validation` check first and fails unless the endpoint answers it correctly
//! within 3 seconds, as Zoom refuses to save such a subscription. An endpoint lists the event
//! types it subscribes to ([`ZOOM_WEBHOOK_EVENTS`] when registered without a list), and only
//! those are sent to it: every start, end, participant join and leave (through the control
//! API), `meeting.updated` and `meeting.deleted` (through the Meetings API), and
//! `recording.completed` when a cloud-recorded meeting ends. Each is POSTed signed with
//! `x-zm-signature: v0=HMAC-SHA256(secret, "v0:{x-zm-request-timestamp}:{raw body}")`.
//! One-shot [`ZoomWebhookFault`]s make the next delivery arrive twice, late, out of order, with
//! a wrong signature, a stale timestamp, a tampered body or the meeting id's JSON type swapped.

mod changes;
mod control;
mod control_api;
mod envelope;
mod events;
mod outbox;
mod participants;
mod recording;
mod register;
mod sign;
mod state;

pub(crate) use control_api::control_router;
pub use events::ZOOM_WEBHOOK_EVENTS;
pub(crate) use outbox::{http_client, Outbox};
pub use participants::ZoomParticipant;
pub(crate) use state::ZoomWebhookState;
pub use state::{ZoomWebhookDelivery, ZoomWebhookFault};
