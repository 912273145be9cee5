//! `meeting.updated` and `meeting.deleted`, sent when a meeting is changed or deleted through
//! the Meetings API. Shapes from Zoom's generated typings (reference §1.6): the meeting `id` is
//! a number; `meeting.updated` carries only the changed fields (plus `id`) in `object`, their
//! previous values in `old_object`, and the change time in `time_stamp` (ms).

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use crate::zoom::store::{MeetingRec, ZoomStore};

/// The meeting fields a PATCH can change that `meeting.updated` reports (the typings' object
/// fields that the emulator's update applies; `pre_schedule` is not among them).
const REPORTED: [&str; 10] = [
    "topic",
    "type",
    "start_time",
    "duration",
    "timezone",
    "password",
    "agenda",
    "settings",
    "recurrence",
    "tracking_fields",
];

/// `object` and `old_object` of `meeting.updated`: each changed field with its new and previous
/// value (a field that had none is left out of `old_object`). `settings` is compared key by key
/// and reports only the changed keys.
fn changed(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let (mut new, mut old) = (Map::new(), Map::new());
    for field in REPORTED {
        let (was, now) = (before.get(field), after.get(field));
        if was == now {
            continue;
        }
        if let (Some(Value::Object(was)), Some(Value::Object(now))) = (was, now) {
            let (new_keys, old_keys) = changed_keys(was, now);
            new.insert(field.into(), Value::Object(new_keys));
            old.insert(field.into(), Value::Object(old_keys));
            continue;
        }
        if let Some(now) = now {
            new.insert(field.into(), now.clone());
        }
        if let Some(was) = was {
            old.insert(field.into(), was.clone());
        }
    }
    (new, old)
}

fn changed_keys(
    was: &Map<String, Value>,
    now: &Map<String, Value>,
) -> (Map<String, Value>, Map<String, Value>) {
    let (mut new, mut old) = (Map::new(), Map::new());
    for (key, value) in now {
        if was.get(key) != Some(value) {
            new.insert(key.clone(), value.clone());
            if let Some(previous) = was.get(key) {
                old.insert(key.clone(), previous.clone());
            }
        }
    }
    (new, old)
}

impl ZoomStore {
    /// Who Zoom names as having made an API change: the account's owner (its first user, as
    /// `me` resolves), since a Server-to-Server token acts for the account rather than a user.
    /// Which user real Zoom names for such calls is not documented (unconfirmed).
    fn operator(&self, account_id: &str) -> (String, String) {
        self.resolve_user(account_id, "me")
            .map(|u| (u.email.clone(), u.id.clone()))
            .unwrap_or_default()
    }

    /// Queues `meeting.updated` for a PATCH that turned `before` into the stored meeting.
    /// Nothing is queued when nothing changed: the typings describe the event as carrying the
    /// changed fields, and an `object` with only the `id` would report no change at all.
    pub(crate) fn queue_updated(
        &mut self,
        meeting_id: u64,
        before: &Map<String, Value>,
        now: Timestamp,
    ) {
        if !self.listened_to("meeting.updated") {
            return;
        }
        let Some(after) = self.meetings.get(&meeting_id).map(|m| &m.body) else {
            return;
        };
        let (mut object, mut old_object) = changed(before, after);
        if object.is_empty() && old_object.is_empty() {
            return;
        }
        object.insert("id".into(), json!(meeting_id));
        old_object.insert("id".into(), json!(meeting_id));
        let account_id = self.account_of_meeting(meeting_id);
        let (operator, operator_id) = self.operator(&account_id);
        self.queue_payload(
            "meeting.updated",
            json!({
                "account_id": account_id,
                "operator": operator,
                "operator_id": operator_id,
                "object": object,
                "time_stamp": now.as_millisecond(),
                "old_object": old_object,
            }),
            now,
        );
    }

    /// Queues `meeting.deleted` for a meeting just removed from the store (so its account is
    /// passed in).
    pub(crate) fn queue_deleted(
        &mut self,
        meeting_id: u64,
        meeting: &MeetingRec,
        account_id: &str,
        now: Timestamp,
    ) {
        if !self.listened_to("meeting.deleted") {
            return;
        }
        let mut object = Map::new();
        object.insert("id".into(), json!(meeting_id));
        for field in [
            "uuid",
            "host_id",
            "topic",
            "type",
            "start_time",
            "duration",
            "timezone",
        ] {
            if let Some(value) = meeting.body.get(field) {
                object.insert(field.into(), value.clone());
            }
        }
        let (operator, operator_id) = self.operator(account_id);
        self.queue_payload(
            "meeting.deleted",
            json!({
                "account_id": account_id,
                "operator": operator,
                "operator_id": operator_id,
                "object": object,
            }),
            now,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("an object literal"),
        }
    }

    #[test]
    fn only_changed_fields_and_settings_keys_are_reported_with_their_previous_values() {
        let before = map(
            json!({"topic": "A", "duration": 30, "start_time": "2030-01-01T10:00:00Z",
            "settings": {"auto_recording": "none", "waiting_room": false}, "join_url": "u"}),
        );
        let after = map(
            json!({"topic": "A", "duration": 45, "start_time": "2030-01-01T10:00:00Z",
            "agenda": "new", "settings": {"auto_recording": "cloud", "waiting_room": false}, "join_url": "u"}),
        );
        let (new, old) = changed(&before, &after);
        assert_eq!(
            Value::Object(new),
            json!({"duration": 45, "agenda": "new", "settings": {"auto_recording": "cloud"}})
        );
        assert_eq!(
            Value::Object(old),
            json!({"duration": 30, "settings": {"auto_recording": "none"}})
        );
        let (new, old) = changed(&before, &before);
        assert!(new.is_empty() && old.is_empty());
    }
}
