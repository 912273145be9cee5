//! Webhook control operations, shared by [`crate::EmulatorHandle`] and the HTTP control API.

use super::outbox::Job;
use super::participants::ZoomParticipant;
use super::register::validate_endpoint;
use super::state::{Endpoint, ZoomWebhookDelivery, ZoomWebhookFault};
use crate::error::EmulatorError;
use crate::ids::alnum;
use crate::state::{Inner, Shared};

impl Shared {
    /// Hands the notifications queued under this lock to the delivery worker, one job per
    /// endpoint, each taking the next injected fault. Called with the lock held so that
    /// notifications from concurrent control calls keep the order they happened in.
    pub(crate) fn flush_zoom_webhooks(&self, inner: &mut Inner) {
        let pending = std::mem::take(&mut inner.zoom.webhooks.pending);
        let sent_at = self.clock.now();
        let retry_delays_ms = inner.settings.zoom_webhook_retry_delays_ms.clone();
        let mut jobs = Vec::new();
        for envelope in pending {
            let event = envelope["event"].as_str().unwrap_or_default().to_owned();
            let body = envelope.to_string();
            for endpoint in &inner.zoom.webhooks.endpoints {
                jobs.push(Job {
                    url: endpoint.url.clone(),
                    secret: endpoint.secret.clone(),
                    event: event.clone(),
                    body: body.clone(),
                    sent_at,
                    fault: inner.zoom.webhooks.faults.pop_front(),
                    attempt: 1,
                    retry_delays_ms: retry_delays_ms.clone(),
                });
            }
        }
        self.zoom_outbox.send(jobs);
    }

    /// Validates the endpoint (Zoom's URL validation) and, if it answers correctly, registers
    /// it (replacing an endpoint with the same URL).
    pub(crate) async fn register_zoom_webhook(
        &self,
        url: &str,
        secret: &str,
    ) -> Result<(), EmulatorError> {
        let plain_token = alnum(&mut self.lock().rng, 22);
        validate_endpoint(url, secret, &plain_token, self.clock.now())
            .await
            .map_err(EmulatorError::ZoomWebhookValidation)?;
        let mut inner = self.lock();
        let endpoints = &mut inner.zoom.webhooks.endpoints;
        endpoints.retain(|e| e.url != url);
        endpoints.push(Endpoint {
            url: url.to_owned(),
            secret: secret.to_owned(),
        });
        Ok(())
    }

    /// Removes every endpoint.
    pub(crate) fn clear_zoom_webhooks(&self) {
        self.lock().zoom.webhooks.endpoints.clear();
    }

    /// Queues a fault for the next delivery without one.
    pub(crate) fn inject_zoom_webhook_fault(&self, fault: ZoomWebhookFault) {
        self.lock().zoom.webhooks.faults.push_back(fault);
    }

    /// Every webhook request sent so far.
    pub(crate) fn zoom_webhook_deliveries(&self) -> Vec<ZoomWebhookDelivery> {
        self.zoom_outbox.deliveries()
    }

    /// A participant joins a running meeting.
    pub(crate) fn join_zoom_meeting(
        &self,
        meeting_id: u64,
        user_name: &str,
        email: Option<&str>,
    ) -> Result<ZoomParticipant, EmulatorError> {
        let now = self.clock.now();
        let mut guard = self.lock();
        let participant = guard.join_zoom_meeting(meeting_id, user_name, email, now)?;
        self.flush_zoom_webhooks(&mut guard);
        Ok(participant)
    }

    /// A participant leaves.
    pub(crate) fn leave_zoom_meeting(
        &self,
        meeting_id: u64,
        user_id: &str,
    ) -> Result<(), EmulatorError> {
        let now = self.clock.now();
        let mut guard = self.lock();
        guard.leave_zoom_meeting(meeting_id, user_id, now)?;
        self.flush_zoom_webhooks(&mut guard);
        Ok(())
    }
}
