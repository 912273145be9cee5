//! Microsoft Graph change notifications for Teams calendar events (feature `webhooks`).
//!
//! Graph notifies only while a subscription made through its API lives (reference
//! `webhooks.md` §3): [`GraphSubscriptions`] creates, renews, reauthorizes and deletes them for
//! either provider and keeps each one's random `clientState` in a
//! [`SubscriptionStore`](meetschedify_core::webhooks::SubscriptionStore);
//! [`GraphWebhookVerifier`] answers Graph's `validationToken` check and turns notifications
//! whose `clientState` matches a held subscription into
//! [`MeetingEvent`](meetschedify_core::webhooks::MeetingEvent)s, handing lifecycle
//! notifications ([`LifecycleNotice`]) to the application to act on with
//! [`GraphSubscriptions::handle_lifecycle`].
//!
//! Calendar events only: standalone online meetings
//! ([`TeamsAppMode::OnlineMeetings`](crate::TeamsAppMode)) have no calendar event, and Graph's
//! online-meeting notifications are out of scope.
//!
//! ```
//! use std::sync::Arc;
//! use meetschedify_core::webhooks::{
//!     MemorySubscriptionStore, WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier,
//!     QUERY_PSEUDO_HEADER,
//! };
//! use meetschedify_teams::webhooks::GraphWebhookVerifier;
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let verifier = GraphWebhookVerifier::builder(Arc::new(MemorySubscriptionStore::new())).build();
//! // Graph checks the endpoint with `?validationToken=`: the answer is the decoded token.
//! let headers = WebhookHeaders::new().with(QUERY_PSEUDO_HEADER, "validationToken=hello%20graph");
//! let outcome = verifier.handle(&WebhookRequest::new(headers, Vec::new())).await.unwrap();
//! let WebhookOutcome::Challenge(answer) = outcome else { panic!("not a challenge") };
//! assert_eq!((answer.body.as_slice(), answer.content_type), (&b"hello graph"[..], "text/plain; charset=utf-8"));
//! # });
//! ```

mod builder;
mod client_state;
mod item_error;
mod lifecycle;
mod payload;
mod subscriptions;
mod validation;
mod verifier;

pub use builder::GraphWebhookVerifierBuilder;
pub use item_error::ItemError;
pub use lifecycle::{LifecycleAction, LifecycleEvent, LifecycleNotice};
pub use subscriptions::{
    GraphSubscriptions, RenewalReport, DEFAULT_SUBSCRIPTION_LIFETIME,
    MAX_EVENT_SUBSCRIPTION_LIFETIME,
};
pub use verifier::{GraphBatch, GraphOutcome, GraphWebhookVerifier};
