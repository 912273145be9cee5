//! [`WebhookVerifier`]: the one entry point every provider's notification receiver implements.

use std::fmt;

use async_trait::async_trait;

use super::outcome::WebhookOutcome;
use super::rejection::WebhookRejection;
use super::request::WebhookRequest;
use crate::ids::ProviderId;

/// Turns one vendor HTTP request into a challenge answer, verified events, or a typed rejection.
///
/// Provider crates implement it (Zoom's `ZoomWebhookVerifier` behind its `webhooks` feature);
/// an application's HTTP endpoint calls [`handle`](Self::handle) with the request's headers and
/// raw body, whatever server framework it uses. It is object safe, so endpoints hold an
/// `Arc<dyn WebhookVerifier>`.
///
/// Implementations check authenticity (signature or shared token), freshness and replay before
/// any event is produced, and never log a secret, a signature or the body.
#[async_trait]
pub trait WebhookVerifier: Send + Sync + fmt::Debug {
    /// The provider id the events are stamped with.
    fn provider(&self) -> &ProviderId;

    /// The largest body accepted, so a server can stop reading beyond it.
    fn max_body_bytes(&self) -> usize;

    /// Verifies one request.
    async fn handle(&self, request: &WebhookRequest) -> Result<WebhookOutcome, WebhookRejection>;
}
