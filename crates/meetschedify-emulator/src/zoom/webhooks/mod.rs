//! Zoom event notifications (webhooks), sent the way Zoom sends them
//! (<https://developers.zoom.us/docs/api/webhooks/>; the wire reference `webhooks.md` §1).
//!
//! An endpoint is registered with its URL and the app's Secret Token; registration sends the
//! `endpoint.url_validation` check first and fails unless the endpoint answers it correctly
//! within 3 seconds, as Zoom refuses to save such a subscription. Then every start, end,
//! participant join and leave (through the control API) is POSTed to each endpoint, signed with
//! `x-zm-signature: v0=HMAC-SHA256(secret, "v0:{x-zm-request-timestamp}:{raw body}")`.
//! One-shot [`ZoomWebhookFault`]s make the next delivery arrive twice, late, out of order, with
//! a wrong signature, a stale timestamp or a tampered body.

mod control;
mod control_api;
mod envelope;
mod outbox;
mod participants;
mod register;
mod sign;
mod state;

pub(crate) use control_api::control_router;
pub(crate) use outbox::{http_client, HttpClient, Outbox};
pub use participants::ZoomParticipant;
pub(crate) use state::ZoomWebhookState;
pub use state::{ZoomWebhookDelivery, ZoomWebhookFault};
