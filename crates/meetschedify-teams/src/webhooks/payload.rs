//! Reading Graph's `changeNotificationCollection` (reference `webhooks.md` §3.3): the fields
//! each item must have, and the delivery key that makes a redelivery recognisable.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// One item of a notification body, before authentication.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) subscription_id: String,
    /// Absent is treated as a mismatch, never as "nothing to check".
    pub(crate) client_state: Option<String>,
    pub(crate) tenant_id: Option<String>,
    pub(crate) body: ItemBody,
    /// The item as received, `clientState` removed: it is the subscription's secret and must
    /// not travel on in `MeetingEvent::raw` (into logs and printed event lines).
    pub(crate) raw: Value,
}

/// A change or a lifecycle event.
#[derive(Debug)]
pub(crate) enum ItemBody {
    Change {
        change_type: String,
        event_id: String,
        etag: Option<String>,
    },
    Lifecycle(String),
}

/// The items of a body, or what makes it unreadable.
pub(crate) fn items(body: &[u8]) -> Result<Vec<Result<Item, String>>, String> {
    let envelope: Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let list = envelope
        .get("value")
        .and_then(Value::as_array)
        .ok_or("no `value` array")?;
    Ok(list.iter().cloned().map(item).collect())
}

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn item(mut raw: Value) -> Result<Item, String> {
    let subscription_id = text(&raw, "subscriptionId").ok_or("an item without `subscriptionId`")?;
    let client_state = text(&raw, "clientState");
    let tenant_id = text(&raw, "tenantId");
    let body = if let Some(event) = text(&raw, "lifecycleEvent") {
        ItemBody::Lifecycle(event)
    } else {
        let change_type = text(&raw, "changeType").ok_or("an item without `changeType`")?;
        let data = raw
            .get("resourceData")
            .ok_or("an item without `resourceData`")?;
        // The id is read from `resourceData.id`, never parsed out of `resource`, whose casing
        // Graph does not pin down (reference §3.3).
        let event_id = text(data, "id").ok_or("an item without `resourceData.id`")?;
        let etag = text(data, "@odata.etag");
        ItemBody::Change {
            change_type,
            event_id,
            etag,
        }
    };
    if let Some(map) = raw.as_object_mut() {
        map.remove("clientState");
    }
    Ok(Item {
        subscription_id,
        client_state,
        tenant_id,
        body,
        raw,
    })
}

/// The same for every delivery of one change: subscription, event, change type and etag
/// (reference §3.3's dedupe key), hashed to a fixed length so stores need no long keys.
pub(crate) fn delivery_key(subscription_id: &str, body: &ItemBody) -> String {
    // Each part is followed by a zero byte, so no two different tuples hash the same input.
    let mut hash = Sha256::new();
    hash.update(subscription_id.as_bytes());
    hash.update([0]);
    match body {
        ItemBody::Change {
            change_type,
            event_id,
            etag,
        } => {
            for part in [change_type, event_id, etag.as_deref().unwrap_or("")] {
                hash.update(part.as_bytes());
                hash.update([0]);
            }
        }
        ItemBody::Lifecycle(event) => hash.update(event.as_bytes()),
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_need_their_fields_and_lose_the_client_state() {
        let body = br#"{"value":[
            {"subscriptionId":"s1","clientState":"secret","changeType":"updated","tenantId":"t",
             "resourceData":{"id":"e1","@odata.etag":"W/\"1\""}},
            {"subscriptionId":"s1","clientState":"secret","changeType":"updated"},
            {"subscriptionId":"s1","clientState":"secret","lifecycleEvent":"missed"}]}"#;
        let list = items(body).unwrap();
        let first = list[0].as_ref().unwrap();
        assert!(first.raw.get("clientState").is_none());
        assert_eq!(first.client_state.as_deref(), Some("secret"));
        assert_eq!(
            list[1].as_ref().unwrap_err(),
            "an item without `resourceData`"
        );
        assert!(matches!(
            list[2].as_ref().unwrap().body,
            ItemBody::Lifecycle(ref e) if e == "missed"
        ));
        assert!(items(b"{}").is_err());
        assert!(items(b"not json").is_err());
    }

    #[test]
    fn the_delivery_key_changes_with_the_etag_only_when_it_should() {
        let change = |etag: &str| ItemBody::Change {
            change_type: "updated".into(),
            event_id: "e1".into(),
            etag: Some(etag.into()),
        };
        assert_eq!(
            delivery_key("s", &change("1")),
            delivery_key("s", &change("1"))
        );
        assert_ne!(
            delivery_key("s", &change("1")),
            delivery_key("s", &change("2"))
        );
        assert_ne!(
            delivery_key("s", &change("1")),
            delivery_key("t", &change("1"))
        );
        assert_eq!(delivery_key("s", &change("1")).len(), 64);
    }
}
