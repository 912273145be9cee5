//! Google Calendar push notifications (feature `webhooks`): [`GoogleWatch`] opens, renews and
//! stops the channels, [`GoogleWebhookVerifier`] checks each notification and reports what
//! changed (reference `webhooks.md` §2;
//! <https://developers.google.com/workspace/calendar/api/guides/push>).
//!
//! Both use the provider's [`SubscriptionStore`](meetschedify_core::webhooks::SubscriptionStore)
//! (set with `with_subscription_store` on the builder; by default the token store's, or one
//! in memory): the channels' ids, secret tokens, resource ids, expirations and sync tokens,
//! which Google keeps no list of. Disconnecting a tenant through the provider stops its
//! channels first.
//!
//! ```no_run
//! use meetschedify_core::TenantId;
//! use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};
//! use meetschedify_google::GoogleMeetProvider;
//!
//! # async fn run(provider: GoogleMeetProvider) -> meetschedify_core::Result<()> {
//! let watch = GoogleWatch::new(provider.clone(), "https://app.example.com/webhooks/google")?;
//! watch.watch(&TenantId::new("org_1"), "primary").await?;
//! // Mount this on POST /webhooks/google (the facade's `webhooks_axum::route` does it).
//! let verifier = GoogleWebhookVerifier::new(provider);
//! # let _ = verifier;
//! # Ok(()) }
//! ```

mod events;
mod secret;
mod sync;
mod verifier;
mod watch;

pub use verifier::{
    GoogleWebhookVerifier, HEADER_CHANNEL_ID, HEADER_CHANNEL_TOKEN, HEADER_MESSAGE_NUMBER,
    HEADER_RESOURCE_ID, HEADER_RESOURCE_STATE,
};
pub use watch::{GoogleWatch, DEFAULT_CHANNEL_LIFETIME};
