//! Webhook control operations, shared by [`crate::EmulatorHandle`] and the HTTP control API.

use super::events::{all, subscription};
use super::outbox::Job;
use super::participants::ZoomParticipant;
use super::register::validate_endpoint;
use super::state::{Endpoint, Pending, ZoomWebhookDelivery, ZoomWebhookFault};
use crate::error::EmulatorError;
use crate::ids::alnum;
use crate::state::{Inner, Shared};

impl Shared {
    /// Hands the notifications queued under this lock to the delivery worker, one job per
    /// endpoint subscribed to the event, each taking the next injected fault. Called with the
    /// lock held so that notifications from concurrent control calls keep the order they
    /// happened in.
    pub(crate) fn flush_zoom_webhooks(&self, inner: &mut Inner) {
        let pending = std::mem::take(&mut inner.zoom.webhooks.pending);
        let sent_at = self.clock.now();
        let retry_delays_ms = inner.settings.zoom_webhook_retry_delays_ms.clone();
        let mut jobs = Vec::new();
        for pending in pending {
            let envelope = match pending {
                Pending::Envelope(envelope) => envelope,
                Pending::Recording(recording) => recording.envelope(&mut inner.rng),
            };
            let event = envelope["event"].as_str().unwrap_or_default().to_owned();
            let body = envelope.to_string();
            let webhooks = &mut inner.zoom.webhooks;
            for endpoint in webhooks
                .endpoints
                .iter()
                .filter(|e| e.subscribes_to(&event))
            {
                let fault = webhooks.faults.pop_front();
                let body = if fault == Some(ZoomWebhookFault::IdTypeSwapped) {
                    id_type_swapped(envelope.clone()).to_string()
                } else {
                    body.clone()
                };
                jobs.push(Job {
                    url: endpoint.url.clone(),
                    secret: endpoint.secret.clone(),
                    event: event.clone(),
                    body,
                    sent_at,
                    fault,
                    attempt: 1,
                    retry_delays_ms: retry_delays_ms.clone(),
                });
            }
        }
        self.zoom_outbox.send(jobs);
    }

    /// Validates the endpoint (Zoom's URL validation) and, if it answers correctly, registers
    /// it (replacing an endpoint with the same URL) with the events its subscription lists,
    /// every event the emulator sends when `events` is `None`.
    pub(crate) async fn register_zoom_webhook(
        &self,
        url: &str,
        secret: &str,
        events: Option<&[String]>,
    ) -> Result<(), EmulatorError> {
        // The list is checked first: Zoom's app settings refuse it before any validation.
        let events = events.map_or_else(|| Ok(all()), subscription)?;
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
            events,
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

/// The envelope with `payload.object.id` in the other JSON type: a numeric string becomes a
/// number, a number a string (the `IdTypeSwapped` fault).
fn id_type_swapped(mut envelope: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    if let Some(id) = envelope.pointer_mut("/payload/object/id") {
        let swapped = match &*id {
            Value::String(s) => s.parse::<u64>().map_or_else(|_| id.clone(), Value::from),
            Value::Number(n) => Value::String(n.to_string()),
            other => other.clone(),
        };
        *id = swapped;
    }
    envelope
}
