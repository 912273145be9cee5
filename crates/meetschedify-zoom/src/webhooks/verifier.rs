//! [`ZoomWebhookVerifier`]: checks one Zoom notification and turns it into events.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use meetschedify_core::webhooks::{
    ChallengeResponse, RejectionReason, ReplayGuard, WebhookOutcome, WebhookRejection,
    WebhookRequest, WebhookSecrets, WebhookVerifier,
};
use meetschedify_core::ProviderId;
use serde_json::{json, Value};
use tracing::Instrument as _;

use super::builder::ZoomWebhookVerifierBuilder;
use super::payload::{event_name, plain_token, to_event, URL_VALIDATION};
use super::signature::{encrypt_token, verify};

/// The header carrying the signature, `v0=<64 hex>`.
pub const HEADER_SIGNATURE: &str = "x-zm-signature";
/// The header carrying the signed Unix time in seconds.
pub const HEADER_TIMESTAMP: &str = "x-zm-request-timestamp";

/// Verifies Zoom webhook requests: the `x-zm-signature` over the raw body under any configured
/// secret token (constant-time), the timestamp within the tolerance both ways, the body size,
/// and replays; answers Zoom's `endpoint.url_validation` check; maps events to
/// [`MeetingEvent`](meetschedify_core::webhooks::MeetingEvent)s.
///
/// Events carry no tenant: Zoom's payloads hold no field the library writes per tenant (the
/// provider's ownership marker is a one-way tag in the agenda, which these events do not send).
///
/// `Debug` shows how many secret tokens there are, never one.
pub struct ZoomWebhookVerifier {
    provider: ProviderId,
    secrets: WebhookSecrets,
    tolerance: Duration,
    replay: ReplayGuard,
    max_body_bytes: usize,
}

impl fmt::Debug for ZoomWebhookVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomWebhookVerifier")
            .field("provider", &self.provider)
            .field("secrets", &self.secrets)
            .field("tolerance", &self.tolerance)
            .field("replay", &self.replay)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl ZoomWebhookVerifier {
    /// A builder with the defaults.
    pub fn builder() -> ZoomWebhookVerifierBuilder {
        ZoomWebhookVerifierBuilder::new()
    }

    /// A verifier with the secret tokens of `ZOOM_WEBHOOK_SECRET_TOKEN` and the defaults;
    /// `INVALID_CONFIG` naming the variable when it is unset.
    pub fn from_env() -> meetschedify_core::Result<Self> {
        ZoomWebhookVerifierBuilder::from_env().build()
    }

    pub(crate) fn new(
        provider: ProviderId,
        secrets: WebhookSecrets,
        tolerance: Duration,
        replay: ReplayGuard,
        max_body_bytes: usize,
    ) -> Self {
        Self {
            provider,
            secrets,
            tolerance,
            replay,
            max_body_bytes,
        }
    }

    /// Like [`WebhookVerifier::handle`], with `now` as the current time (to check recorded
    /// traffic, and for tests).
    pub async fn handle_at(
        &self,
        request: &WebhookRequest,
        now: Timestamp,
    ) -> Result<WebhookOutcome, WebhookRejection> {
        let span = tracing::info_span!("zoom_webhook", provider = %self.provider);
        let result = self.check(request, now).instrument(span.clone()).await;
        let _entered = span.enter();
        match &result {
            Ok(WebhookOutcome::Challenge(_)) => tracing::info!("answered url validation"),
            Ok(WebhookOutcome::Events(events)) => {
                for event in events {
                    tracing::info!(kind = %event.kind, meeting_id = %event.meeting_id, "verified");
                }
            }
            Ok(_) => {}
            Err(reason) => tracing::warn!(code = reason.code(), "rejected: {reason}"),
        }
        result.map_err(|reason| WebhookRejection::new(self.provider.clone(), reason))
    }

    async fn check(
        &self,
        request: &WebhookRequest,
        now: Timestamp,
    ) -> Result<WebhookOutcome, RejectionReason> {
        let body = request.body();
        if body.len() > self.max_body_bytes {
            return Err(RejectionReason::BodyTooLarge {
                limit: self.max_body_bytes,
            });
        }
        let header = |name: &'static str| {
            request
                .headers()
                .get(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or(RejectionReason::MissingHeader(name))
        };
        // Both headers are required separately (rivet-javascript only fails when both are
        // missing).
        let timestamp = header(HEADER_TIMESTAMP)?;
        let signature = header(HEADER_SIGNATURE)?;
        // Authenticity first: nothing about an unsigned request is looked at further.
        let secret_index = verify(&self.secrets, timestamp, body, signature)
            .ok_or(RejectionReason::BadSignature)?;
        let signed_at = self.fresh(timestamp, now)?;
        let envelope: Value = serde_json::from_slice(body)
            .map_err(|e| RejectionReason::Malformed(format!("body is not JSON: {e}")))?;
        if event_name(&envelope) == Some(URL_VALIDATION) {
            let plain = plain_token(&envelope).ok_or_else(|| {
                RejectionReason::Malformed("url validation without `payload.plainToken`".into())
            })?;
            // Answer with the secret that signed the check: it is the one Zoom currently holds
            // for this app, so during a rotation the answer matches whichever token the Zoom
            // app is set to, old or new.
            let secret = self
                .secrets
                .iter()
                .nth(secret_index)
                .ok_or(RejectionReason::BadSignature)?;
            return Ok(WebhookOutcome::Challenge(ChallengeResponse::json(&json!({
                "plainToken": plain,
                "encryptedToken": encrypt_token(secret, plain),
            }))));
        }
        let event =
            to_event(&self.provider, envelope, signed_at).map_err(RejectionReason::Malformed)?;
        self.replay.first_delivery(&event.delivery_id, now).await?;
        Ok(WebhookOutcome::Events(vec![event]))
    }

    /// The signed time, if within the tolerance of `now` either way.
    fn fresh(&self, timestamp: &str, now: Timestamp) -> Result<Timestamp, RejectionReason> {
        // Authentic but unreadable: Zoom always sends whole seconds.
        let signed_at = timestamp
            .parse::<i64>()
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or_else(|| {
                RejectionReason::Malformed(format!("`{HEADER_TIMESTAMP}` is not Unix seconds"))
            })?;
        let tolerance = SignedDuration::try_from(self.tolerance).unwrap_or(SignedDuration::MAX);
        let age = now.duration_since(signed_at);
        if age > tolerance {
            Err(RejectionReason::StaleTimestamp)
        } else if -age > tolerance {
            Err(RejectionReason::FutureTimestamp)
        } else {
            Ok(signed_at)
        }
    }
}

#[async_trait]
impl WebhookVerifier for ZoomWebhookVerifier {
    fn provider(&self) -> &ProviderId {
        &self.provider
    }

    fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    async fn handle(&self, request: &WebhookRequest) -> Result<WebhookOutcome, WebhookRejection> {
        self.handle_at(request, Timestamp::now()).await
    }
}
