//! Notification bodies, shaped as in Zoom's documentation and generated typings (reference
//! §1.6): `{"event", "event_ts" (ms), "payload": {"account_id", "object": {...}}}`, meeting `id`
//! as a string in started/ended/participant events (the change and recording events, whose id
//! is a number, are in `changes.rs` and `recording.rs`).

use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::participants::ZoomParticipant;
use super::state::Pending;
use crate::http::rfc3339_seconds;
use crate::zoom::store::ZoomStore;

impl ZoomStore {
    /// The meeting fields every meeting event carries.
    fn event_object(&self, meeting_id: u64) -> Option<Map<String, Value>> {
        let meeting = self.meetings.get(&meeting_id)?;
        let mut object = Map::new();
        object.insert("id".into(), json!(meeting_id.to_string()));
        for field in [
            "uuid",
            "host_id",
            "topic",
            "type",
            "start_time",
            "timezone",
            "duration",
        ] {
            if let Some(value) = meeting.body.get(field) {
                object.insert(field.into(), value.clone());
            }
        }
        Some(object)
    }

    fn queue(&mut self, event: &str, meeting_id: u64, object: Map<String, Value>, now: Timestamp) {
        // Nobody listens: keep nothing (and build nothing for seeded bulk work).
        if !self.listened_to(event) {
            return;
        }
        let account_id = self.account_of_meeting(meeting_id);
        self.queue_payload(
            event,
            json!({ "account_id": account_id, "object": object }),
            now,
        );
    }

    /// The account of a meeting's host (empty for a meeting no longer stored).
    pub(crate) fn account_of_meeting(&self, meeting_id: u64) -> String {
        self.meetings
            .get(&meeting_id)
            .and_then(|m| self.account_of(&m.host_id))
            .unwrap_or_default()
            .to_owned()
    }

    /// Whether any endpoint's subscription lists `event`: Zoom sends only subscribed events.
    pub(super) fn listened_to(&self, event: &str) -> bool {
        self.webhooks
            .endpoints
            .iter()
            .any(|endpoint| endpoint.subscribes_to(event))
    }

    /// Queues `{"event", "event_ts", "payload"}`.
    pub(super) fn queue_payload(&mut self, event: &str, payload: Value, now: Timestamp) {
        self.webhooks.pending.push(Pending::Envelope(json!({
            "event": event,
            "event_ts": now.as_millisecond(),
            "payload": payload,
        })));
    }

    /// Queues `meeting.started` (its `start_time` is when it actually started).
    pub(crate) fn queue_started(&mut self, meeting_id: u64, now: Timestamp) {
        if let Some(mut object) = self.event_object(meeting_id) {
            object.insert("start_time".into(), json!(rfc3339_seconds(now)));
            self.queue("meeting.started", meeting_id, object, now);
        }
    }

    /// Queues `meeting.participant_left` for everyone still in, then `meeting.ended`.
    pub(crate) fn queue_ended(&mut self, meeting_id: u64, started_at: Timestamp, now: Timestamp) {
        let remaining = self
            .webhooks
            .participants
            .remove(&meeting_id)
            .unwrap_or_default();
        for participant in &remaining {
            self.queue_participant(meeting_id, participant, true, now);
        }
        if let Some(mut object) = self.event_object(meeting_id) {
            object.insert("start_time".into(), json!(rfc3339_seconds(started_at)));
            object.insert("end_time".into(), json!(rfc3339_seconds(now)));
            self.queue("meeting.ended", meeting_id, object, now);
        }
    }

    /// Queues `meeting.participant_joined` or (`left`) `meeting.participant_left`.
    pub(crate) fn queue_participant(
        &mut self,
        meeting_id: u64,
        participant: &ZoomParticipant,
        left: bool,
        now: Timestamp,
    ) {
        let Some(mut object) = self.event_object(meeting_id) else {
            return;
        };
        let mut who = json!({
            "user_id": participant.user_id,
            "user_name": participant.user_name,
            "id": participant.user_id,
            "participant_uuid": participant.participant_uuid,
            "email": participant.email,
        });
        let (event, time_field) = if left {
            ("meeting.participant_left", "leave_time")
        } else {
            ("meeting.participant_joined", "join_time")
        };
        who[time_field] = json!(rfc3339_seconds(if left {
            now
        } else {
            participant.join_time
        }));
        if left {
            who["leave_reason"] = json!("left the meeting");
        }
        object.insert("participant".into(), who);
        self.queue(event, meeting_id, object, now);
    }
}
