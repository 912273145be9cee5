//! Tenant ownership of events in a calendar that several tenants share.
//!
//! With one Google account behind every tenant (the static provider), an event id alone would
//! let any tenant read, change or cancel another tenant's meeting. Each create therefore writes
//! its tenant's id into the event's private extended properties under [`TENANT_KEY`] (private
//! properties are on the organizer's copy only: attendees never see them), and, when the
//! [`Calendar`](super::Calendar) checks ownership, get, update and cancel refuse an event that
//! does not carry the caller's tenant as `MEETING_NOT_FOUND`, before anything is written.

use std::collections::HashMap;

use google_calendar3::api::Event;
use meetschedify_core::{Error, TenantId};

/// The private extended property holding the id of the tenant that created the event. Reserved:
/// metadata lives under `meetschedify.metadata.*` and can never write it.
pub const TENANT_KEY: &str = "meetschedify.tenant";

/// Adds the owner to an event's private properties.
pub(crate) fn stamp(private: &mut HashMap<String, String>, tenant: &TenantId) {
    private.insert(TENANT_KEY.to_owned(), tenant.as_str().to_owned());
}

/// Whether `event` was created by `tenant` through this library.
pub(crate) fn owned_by(event: &Event, tenant: &TenantId) -> bool {
    event
        .extended_properties
        .as_ref()
        .and_then(|p| p.private.as_ref())
        .and_then(|p| p.get(TENANT_KEY))
        .is_some_and(|owner| owner == tenant.as_str())
}

/// Fails with the `MEETING_NOT_FOUND` Google gives for an unknown event id when `event` is not
/// `tenant`'s: another tenant's, or one made outside this library (no owner). Both answer alike,
/// so a tenant learns nothing about events that are not its own.
pub(crate) fn ensure_owned(event: &Event, tenant: &TenantId) -> Result<(), Error> {
    if owned_by(event, tenant) {
        return Ok(());
    }
    tracing::info!(
        event_id = event.id.as_deref().unwrap_or_default(),
        "refused: the event belongs to another tenant or was made outside meetschedify"
    );
    Err(super::errors::not_found())
}

#[cfg(test)]
mod tests {
    use google_calendar3::api::EventExtendedProperties;
    use meetschedify_core::ErrorCode;

    use super::*;

    fn event(private: Option<HashMap<String, String>>) -> Event {
        Event {
            id: Some("e1".into()),
            extended_properties: Some(EventExtendedProperties {
                private,
                shared: None,
            }),
            ..Event::default()
        }
    }

    #[test]
    fn only_the_stamped_tenant_owns_the_event() {
        let mut private = HashMap::new();
        stamp(&mut private, &"org_1".into());
        let e = event(Some(private));
        ensure_owned(&e, &"org_1".into()).unwrap();
        let err = ensure_owned(&e, &"org_2".into()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::MeetingNotFound);
        assert_eq!(
            err.google_details().unwrap().reason.as_deref(),
            Some("notFound")
        );
        assert!(!owned_by(&event(None), &"org_1".into()));
        assert!(!owned_by(&Event::default(), &"org_1".into()));
        // Shared properties are visible to attendees and writable by them: never trusted.
        let mut shared = HashMap::new();
        stamp(&mut shared, &"org_1".into());
        let e = Event {
            extended_properties: Some(EventExtendedProperties {
                private: None,
                shared: Some(shared),
            }),
            ..Event::default()
        };
        assert!(!owned_by(&e, &"org_1".into()));
    }
}
