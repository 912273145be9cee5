//! What the library keeps on each event: one single-value extended property.
//!
//! Graph stores app data on an Outlook item as a MAPI named property, settable in the create
//! POST (`singleValueExtendedProperties`) and read back with
//! `$expand=singleValueExtendedProperties($filter=id eq '<id>')`. The create and PATCH answers
//! leave it out. It lives on the organizer's item only: attendees' copies, and the invitations,
//! never carry it.
//!
//! One property, [`PROPERTY_ID`], holds a compact JSON object:
//!
//! | key | what | why |
//! |---|---|---|
//! | `tenant` | the tenant that created the event | every tenant shares the organizer's calendar: get, update and cancel refuse another tenant's event |
//! | `timezone` | the request's IANA zone | times are sent in UTC (see `body.rs`); reads give them back in the zone asked for |
//! | `description` | the description as sent | an update of the description finds it in the body Exchange rewrote, and keeps the Teams join block beside it |
//! | `metadata` | the request's metadata | the metadata round trip |

use meetschedify_core::{Metadata, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The id of the extended property the library writes on every event: a string property named
/// `meetschedify` in the library's own property set (a GUID of its own, so no other app's
/// property can collide).
pub const PROPERTY_ID: &str = "String {15b062da-4332-441e-9890-0e440bcf4293} Name meetschedify";

/// The `$expand` that makes a read return the property.
pub(crate) fn expand() -> String {
    format!("singleValueExtendedProperties($filter=id eq '{PROPERTY_ID}')")
}

/// The library's record on one event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub(crate) tenant: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub(crate) metadata: Metadata,
}

impl Stamp {
    /// A stamp for `tenant`'s new event.
    pub(crate) fn new(tenant: &TenantId) -> Self {
        Self {
            tenant: tenant.as_str().to_owned(),
            ..Self::default()
        }
    }

    /// The `singleValueExtendedProperties` array that writes this stamp.
    pub(crate) fn to_properties(&self) -> Value {
        let value = serde_json::to_string(self).unwrap_or_default();
        json!([{ "id": PROPERTY_ID, "value": value }])
    }

    /// The stamp on `event` (Graph's event JSON read with [`expand`]), if it has a readable
    /// one. Property ids are compared without regard to case: Graph may normalise the GUID's
    /// case.
    pub(crate) fn of_event(event: &Value) -> Option<Self> {
        let value = event
            .get("singleValueExtendedProperties")?
            .as_array()?
            .iter()
            .find(|p| {
                p.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.eq_ignore_ascii_case(PROPERTY_ID))
            })?
            .get("value")?
            .as_str()?;
        match serde_json::from_str(value) {
            Ok(stamp) => Some(stamp),
            Err(_) => {
                tracing::warn!("the meetschedify property on the event does not decode");
                None
            }
        }
    }

    /// Whether `tenant` created the event.
    pub(crate) fn owned_by(&self, tenant: &TenantId) -> bool {
        self.tenant == tenant.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp() -> Stamp {
        let mut s = Stamp::new(&"acme".into());
        s.timezone = Some("Asia/Kolkata".into());
        s.description = Some("Round 2".into());
        s.metadata.insert("application_id".into(), json!("app_42"));
        s
    }

    #[test]
    fn round_trips_through_an_event() {
        let s = stamp();
        let event = json!({"id": "e1", "singleValueExtendedProperties": s.to_properties()});
        assert_eq!(Stamp::of_event(&event), Some(s.clone()));
        let shouted = json!({"singleValueExtendedProperties": [{
            "id": PROPERTY_ID.to_uppercase(),
            "value": serde_json::to_string(&s).unwrap()
        }]});
        assert_eq!(Stamp::of_event(&shouted), Some(s));
    }

    #[test]
    fn the_property_is_what_graph_documents() {
        let props = stamp().to_properties();
        let id = props[0]["id"].as_str().unwrap();
        // `String {<guid>} Name <name>` (singlevaluelegacyextendedproperty docs).
        assert!(id.starts_with("String {") && id.ends_with("} Name meetschedify"));
        assert!(props[0]["value"].is_string());
        assert_eq!(
            expand(),
            format!("singleValueExtendedProperties($filter=id eq '{PROPERTY_ID}')")
        );
    }

    #[test]
    fn foreign_or_missing_properties_give_none() {
        assert_eq!(Stamp::of_event(&json!({"id": "e1"})), None);
        let other = json!({"singleValueExtendedProperties": [
            {"id": "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name Fun", "value": "Food"}
        ]});
        assert_eq!(Stamp::of_event(&other), None);
        let broken = json!({"singleValueExtendedProperties": [{"id": PROPERTY_ID, "value": "{"}]});
        assert_eq!(Stamp::of_event(&broken), None);
    }

    #[test]
    fn ownership_is_by_exact_tenant() {
        let s = stamp();
        assert!(s.owned_by(&"acme".into()));
        assert!(!s.owned_by(&"ACME".into()));
        assert!(!s.owned_by(&"globex".into()));
    }
}
