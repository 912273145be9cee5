//! Graph change notifications for calendar events (reference `webhooks.md` §3, checklist
//! §3.8): subscriptions created (after the `validationToken` handshake with each URL), renewed,
//! reauthorized and deleted; a notification POSTed to every subscription watching a mailbox
//! when one of its events is created, updated or deleted through the API; lifecycle
//! notifications on demand through the control API; one-shot [`GraphWebhookFault`]s.
//!
//! A request not answered 2xx within 3 seconds is sent again after each of
//! `Settings::graph_webhook_retry_delays_ms`. Not emulated: rich notifications
//! (`includeResourceData`), resources other than events, Graph's throttling of slow endpoints.

mod control;
mod handshake;
mod notify;
mod outbox;
mod routes;
mod state;

use std::sync::Arc;

use axum::routing::post;
use axum::Router;

pub(crate) use control::control_router;
pub(crate) use outbox::GraphOutbox;
pub(crate) use state::GraphSubscriptionState;
pub use state::{GraphWebhookDelivery, GraphWebhookFault};

use crate::state::Shared;

/// The Graph routes of subscriptions.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/graph/v1.0/subscriptions", post(routes::create))
        .route(
            "/graph/v1.0/subscriptions/{id}",
            axum::routing::patch(routes::patch).delete(routes::delete),
        )
        .route(
            "/graph/v1.0/subscriptions/{id}/reauthorize",
            post(routes::reauthorize),
        )
}
