//! Changed Calendar events → [`MeetingEvent`]s, for the meetings the library created.

use jiff::Timestamp;
use meetschedify_core::webhooks::{MeetingEvent, MeetingEventKind};
use meetschedify_core::{ProviderId, TenantId};
use serde_json::Value;

use crate::calendar::TENANT_KEY;

/// The event for one changed Calendar event, or `None` when it is not a meeting `tenant`
/// created through this library (no tenant stamp, or another tenant's), or when the change is
/// its creation (which the application made itself and already knows).
///
/// A cancelled event (deleted, or its status set to cancelled) is
/// [`Cancelled`](MeetingEventKind::Cancelled); any other change (time, title, attendees,
/// description) is [`Updated`](MeetingEventKind::Updated), with the event as Google sent it in
/// `raw`: a notification names no field, so which ones changed is for the application to see
/// against its own record.
pub(crate) fn to_event(
    provider: &ProviderId,
    tenant: &TenantId,
    item: Value,
) -> Option<MeetingEvent> {
    let owner = item
        .pointer("/extendedProperties/private")
        .and_then(|p| p.get(TENANT_KEY))
        .and_then(Value::as_str);
    if owner != Some(tenant.as_str()) {
        return None;
    }
    let id = item["id"].as_str()?.to_owned();
    let cancelled = item["status"].as_str() == Some("cancelled");
    let created = item["created"].as_str();
    let updated = item["updated"].as_str();
    if !cancelled && created.is_some() && created == updated {
        return None;
    }
    let kind = if cancelled {
        MeetingEventKind::Cancelled
    } else {
        MeetingEventKind::Updated
    };
    let occurred_at = updated
        .and_then(|u| u.parse::<Timestamp>().ok())
        .unwrap_or_else(Timestamp::now);
    // The same for every read of this version of the event (the etag changes with each
    // write), so a change reported by two notifications is one delivery to the application.
    let version = item["etag"].as_str().or(updated).unwrap_or_default();
    let delivery_id = format!("google:{id}:{}", version.trim_matches('"'));
    Some(
        MeetingEvent::new(provider.clone(), kind, id, occurred_at, delivery_id, item)
            .with_tenant(tenant.clone()),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn item(tenant: Option<&str>, status: &str, updated: &str) -> Value {
        let mut item = json!({
            "id": "ev1",
            "etag": "\"3\"",
            "status": status,
            "summary": "Planning",
            "created": "2030-01-01T10:00:00.000Z",
            "updated": updated,
        });
        if let Some(tenant) = tenant {
            item["extendedProperties"] = json!({"private": {TENANT_KEY: tenant}});
        }
        item
    }

    #[test]
    fn only_the_tenants_changed_meetings_become_events() {
        let p = ProviderId::GOOGLE_MEET;
        let t = TenantId::new("org_1");
        let later = "2030-01-01T11:00:00.000Z";
        let updated = to_event(&p, &t, item(Some("org_1"), "confirmed", later)).unwrap();
        assert_eq!(updated.kind, MeetingEventKind::Updated);
        assert_eq!(updated.meeting_id, "ev1");
        assert_eq!(updated.tenant, Some(t.clone()));
        assert_eq!(updated.delivery_id, "google:ev1:3");
        assert_eq!(updated.occurred_at, later.parse::<Timestamp>().unwrap());
        assert_eq!(updated.raw["summary"], "Planning");
        let cancelled = to_event(&p, &t, item(Some("org_1"), "cancelled", later)).unwrap();
        assert_eq!(cancelled.kind, MeetingEventKind::Cancelled);
        assert!(to_event(&p, &t, item(Some("org_2"), "confirmed", later)).is_none());
        assert!(to_event(&p, &t, item(None, "confirmed", later)).is_none());
        // Its creation is no news to the application that created it.
        let created = item(Some("org_1"), "confirmed", "2030-01-01T10:00:00.000Z");
        assert!(to_event(&p, &t, created).is_none());
    }
}
