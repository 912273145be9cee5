//! Push control operations, shared by [`crate::EmulatorHandle`] and the HTTP control API.

use serde_json::{Map, Value};

use super::outbox::Job;
use super::state::{GooglePushDelivery, GooglePushFault};
use super::sync::changed;
use crate::error::EmulatorError;
use crate::state::{Inner, Shared};

impl Shared {
    /// Hands the messages queued under this lock to the delivery worker, each taking the next
    /// injected fault. Called with the lock held so that messages keep the order their changes
    /// happened in.
    pub(crate) fn flush_google_push(&self, inner: &mut Inner) {
        let pending = std::mem::take(&mut inner.google.push.pending);
        let retry_delays_ms = inner.settings.google_push_retry_delays_ms.clone();
        let jobs = pending
            .into_iter()
            .map(|message| Job {
                message,
                fault: inner.google.push.faults.pop_front(),
                attempt: 1,
                retry_delays_ms: retry_delays_ms.clone(),
            })
            .collect();
        self.google_outbox.send(jobs);
    }

    /// Queues a fault for the next push delivery without one.
    pub(crate) fn inject_google_push_fault(&self, fault: GooglePushFault) {
        self.lock().google.push.faults.push_back(fault);
    }

    /// Every push request sent so far.
    pub(crate) fn google_push_deliveries(&self) -> Vec<GooglePushDelivery> {
        self.google_outbox.deliveries()
    }

    /// The ids of the channels open now (not stopped, not expired), sorted.
    pub(crate) fn google_channel_ids(&self) -> Vec<String> {
        let now = self.clock.now();
        let mut ids: Vec<String> = self
            .lock()
            .google
            .push
            .channels
            .values()
            .filter(|c| c.expiration > now)
            .map(|c| c.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Expires every sync token issued so far: the next `events.list?syncToken=` answers 410.
    pub(crate) fn expire_google_sync_tokens(&self) {
        let mut inner = self.lock();
        // A change number of its own, so the next full sync gets a token that is valid again.
        let push = &mut inner.google.push;
        push.change_seq += 1;
        push.oldest_valid_sync = push.change_seq;
    }

    /// Changes an event as its owner would in Google Calendar's own UI: `fields` replace the
    /// stored ones (`"status": "cancelled"` deletes it), and watching channels are notified.
    pub(crate) fn change_google_event(
        &self,
        calendar: &str,
        event_id: &str,
        fields: Map<String, Value>,
    ) -> Result<(), EmulatorError> {
        let now = self.clock.now();
        let mut guard = self.lock();
        let inner = &mut *guard;
        let unknown = || EmulatorError::UnknownGoogleEvent(format!("{calendar}/{event_id}"));
        let event = inner
            .google
            .calendars
            .get_mut(calendar)
            .and_then(|c| c.events.get_mut(event_id))
            .ok_or_else(unknown)?;
        for (key, value) in fields {
            if key == "status" {
                event.status = value.as_str().unwrap_or("confirmed").to_owned();
            } else {
                event.fields.insert(key, value);
            }
        }
        event.updated = now;
        event.version += 1;
        changed(inner, self.root_url(), calendar, event_id, now);
        self.flush_google_push(inner);
        Ok(())
    }
}
