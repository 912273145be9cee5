//! Building notification bodies (reference `webhooks.md` §3.3, §3.5) and queueing them: one
//! request per notification URL, carrying an item for every subscription at that URL that
//! watches the mailbox, so a body may mix subscriptions as Graph's do.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{json, Value};

use super::outbox::Job;
use super::state::{GraphWebhookFault, SubscriptionRec};
use crate::ids::guid;
use crate::state::{Inner, Shared};

/// Graph's timestamp format for `subscriptionExpirationDateTime` (seven fractional digits).
pub(crate) fn graph_time(at: Timestamp) -> String {
    format!(
        "{}.{:07}Z",
        at.strftime("%Y-%m-%dT%H:%M:%S"),
        at.subsec_nanosecond() / 100
    )
}

/// The `clientState` an item carries, forged under [`GraphWebhookFault::WrongClientState`].
fn client_state(rec: &SubscriptionRec, fault: Option<&GraphWebhookFault>) -> Value {
    match (fault, &rec.client_state) {
        (Some(GraphWebhookFault::WrongClientState), Some(state)) => json!(format!("not-{state}")),
        (Some(GraphWebhookFault::WrongClientState), None) => json!("forged"),
        (_, Some(state)) => json!(state),
        (_, None) => Value::Null,
    }
}

impl Shared {
    /// Queues change notifications for `change` (`created`, `updated`, `deleted`) of event
    /// `event_id` in `user_id`'s mailbox, and forgets subscriptions that expired (Graph deletes
    /// them at expiry, reference §3.6). Called with the lock held, so notifications keep the
    /// order the changes happened in.
    pub(crate) fn notify_graph_change(
        &self,
        inner: &mut Inner,
        user_id: &str,
        event_id: &str,
        version: u64,
        change: &str,
    ) {
        let now = self.clock.now();
        let state = &mut inner.microsoft.subscriptions;
        state.subscriptions.retain(|_, s| s.expires_at > now);
        let mut by_url: BTreeMap<String, Vec<SubscriptionRec>> = BTreeMap::new();
        for rec in state.subscriptions.values() {
            if rec.user_id == user_id && rec.change_types.iter().any(|c| c == change) {
                by_url
                    .entry(rec.notification_url.clone())
                    .or_default()
                    .push(rec.clone());
            }
        }
        let mut jobs = Vec::new();
        for (url, recs) in by_url {
            let fault = inner.microsoft.subscriptions.faults.pop_front();
            let path = format!("Users/{user_id}/Events/{event_id}");
            let items: Vec<Value> = recs
                .iter()
                .map(|rec| {
                    json!({
                        "id": guid(&mut inner.rng),
                        "subscriptionId": rec.id,
                        "subscriptionExpirationDateTime": graph_time(rec.expires_at),
                        "changeType": change,
                        "resource": path,
                        "clientState": client_state(rec, fault.as_ref()),
                        "tenantId": rec.tenant_id,
                        "resourceData": {
                            "@odata.type": "#Microsoft.Graph.Event",
                            "@odata.id": path,
                            "@odata.etag": format!("W/\"{version}\""),
                            "id": event_id,
                        },
                    })
                })
                .collect();
            jobs.push(Job {
                url,
                kind: change.to_owned(),
                items: items.len(),
                body: json!({ "value": items }).to_string(),
                fault,
                attempt: 1,
                retry_delays_ms: inner.settings.graph_webhook_retry_delays_ms.clone(),
            });
        }
        self.graph_outbox.send(jobs);
    }

    /// Queues one lifecycle notification for `rec` to its lifecycle URL.
    pub(crate) fn notify_graph_lifecycle(
        &self,
        inner: &mut Inner,
        rec: &SubscriptionRec,
        url: &str,
        event: &str,
    ) {
        let fault = inner.microsoft.subscriptions.faults.pop_front();
        let item = json!({
            "subscriptionId": rec.id,
            "subscriptionExpirationDateTime": graph_time(rec.expires_at),
            "tenantId": rec.tenant_id,
            "clientState": client_state(rec, fault.as_ref()),
            "lifecycleEvent": event,
        });
        self.graph_outbox.send(vec![Job {
            url: url.to_owned(),
            kind: event.to_owned(),
            items: 1,
            body: json!({ "value": [item] }).to_string(),
            fault,
            attempt: 1,
            retry_delays_ms: inner.settings.graph_webhook_retry_delays_ms.clone(),
        }]);
    }
}

#[cfg(test)]
mod tests {
    use super::graph_time;

    #[test]
    fn times_have_seven_fractional_digits() {
        let at: jiff::Timestamp = "2026-09-03T11:00:00.5Z".parse().unwrap();
        assert_eq!(graph_time(at), "2026-09-03T11:00:00.5000000Z");
    }
}
