//! Zoom's notification envelope (`{"event", "event_ts", "payload": {"account_id", "object"}}`)
//! to a provider-neutral [`MeetingEvent`].
//!
//! Field lists follow Zoom's generated typings (rivet-javascript `meetings/meetings.d.ts`):
//! the meeting `id` is a string in started/ended/participant events and a number in
//! updated/deleted/recording events, so both are read.

use jiff::Timestamp;
use meetschedify_core::webhooks::{EventParticipant, MeetingEvent, MeetingEventKind};
use meetschedify_core::ProviderId;
use serde_json::Value;

/// The event name of Zoom's endpoint check.
pub(crate) const URL_VALIDATION: &str = "endpoint.url_validation";

/// The neutral kind of a Zoom event name; unknown names are kept as `Other` (Zoom adds events,
/// and refusing one would only make Zoom log failures).
fn kind_of(event: &str) -> MeetingEventKind {
    match event {
        "meeting.started" => MeetingEventKind::Started,
        "meeting.ended" => MeetingEventKind::Ended,
        "meeting.participant_joined" => MeetingEventKind::ParticipantJoined,
        "meeting.participant_left" => MeetingEventKind::ParticipantLeft,
        "meeting.updated" => MeetingEventKind::Updated,
        "meeting.deleted" => MeetingEventKind::Cancelled,
        "recording.completed" => MeetingEventKind::RecordingReady,
        other => MeetingEventKind::Other(other.to_owned()),
    }
}

/// A string, or a number written as one (Zoom sends meeting ids both ways).
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A short SHA-256 digest of a parsed JSON value: retries of one notification repeat the same
/// body, so they give the same digest.
fn digest(value: &Value) -> String {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(value.to_string().as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The event name of an envelope, if it has one.
pub(crate) fn event_name(envelope: &Value) -> Option<&str> {
    envelope.get("event").and_then(Value::as_str)
}

/// The URL-validation `plainToken`, if present and a non-empty string.
pub(crate) fn plain_token(envelope: &Value) -> Option<&str> {
    envelope
        .pointer("/payload/plainToken")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Maps a verified envelope. `fallback_time` (the signed request timestamp) stands in for a
/// missing `event_ts`. Returns a description of what is missing when a known meeting event
/// names no meeting.
pub(crate) fn to_event(
    provider: &ProviderId,
    envelope: Value,
    fallback_time: Timestamp,
) -> Result<MeetingEvent, String> {
    let name = event_name(&envelope)
        .ok_or_else(|| "no `event` name".to_owned())?
        .to_owned();
    let kind = kind_of(&name);
    let event_ts = envelope.get("event_ts").and_then(Value::as_i64);
    // `meeting.updated` says when the change was made in `payload.time_stamp` (ms); every
    // event says when it was sent in `event_ts` (reference §1.6).
    let occurred_at = [
        envelope.pointer("/payload/time_stamp"),
        envelope.get("event_ts"),
    ]
    .into_iter()
    .flatten()
    .filter_map(Value::as_i64)
    .find_map(|ms| Timestamp::from_millisecond(ms).ok())
    .unwrap_or(fallback_time);
    let object = envelope.pointer("/payload/object");
    let field = |name: &str| object.and_then(|o| o.get(name));
    // `id` is the meeting id our provider returns from create; participant events may lack it
    // (their `id` is optional), and then the instance `uuid` is the only handle there is.
    let instance = id_text(field("uuid"));
    let meeting_id = id_text(field("id")).or_else(|| instance.clone());
    let meeting_id = match (meeting_id, &kind) {
        (Some(id), _) => id,
        (None, MeetingEventKind::Other(_)) => String::new(),
        (None, _) => return Err(format!("`{name}` names no meeting (`payload.object.id`)")),
    };
    let participant = field("participant").map(|p| {
        EventParticipant::new(
            id_text(p.get("user_id")).or_else(|| id_text(p.get("participant_user_id"))),
            text(p.get("user_name")),
            text(p.get("email")),
        )
    });
    // Stable across Zoom's retries of one notification (same event, instance and `event_ts`),
    // unlike `x-zm-request-id`, whose stability across retries Zoom does not document. Two
    // participants joining in the same millisecond stay apart through the participant's id.
    let participant_key = field("participant").and_then(|p| {
        id_text(p.get("participant_uuid"))
            .or_else(|| id_text(p.get("user_id")))
            .or_else(|| text(p.get("user_name")))
    });
    let mut delivery_id = format!(
        "{name}:{}:{}",
        instance.as_deref().unwrap_or(&meeting_id),
        event_ts.map_or_else(|| occurred_at.as_second().to_string(), |ms| ms.to_string()),
    );
    if let Some(key) = participant_key {
        delivery_id.push(':');
        delivery_id.push_str(&key);
    }
    // Two changes to one meeting within a millisecond are two notifications, not a replay:
    // they differ in what changed, and a retry repeats the same body.
    if kind == MeetingEventKind::Updated {
        if let Some(changes) = object {
            delivery_id.push(':');
            delivery_id.push_str(&digest(changes));
        }
    }
    let mut event = MeetingEvent::new(
        provider.clone(),
        kind,
        meeting_id,
        occurred_at,
        delivery_id,
        envelope,
    );
    if let Some(participant) = participant {
        event = event.with_participant(participant);
    }
    Ok(event)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn at() -> Timestamp {
        Timestamp::from_second(1_700_000_000).unwrap()
    }

    #[test]
    fn each_documented_event_maps_to_its_kind() {
        for (name, kind) in [
            ("meeting.started", "started"),
            ("meeting.ended", "ended"),
            ("meeting.participant_joined", "participant_joined"),
            ("meeting.participant_left", "participant_left"),
            ("meeting.updated", "updated"),
            ("meeting.deleted", "cancelled"),
            ("recording.completed", "recording_ready"),
            ("meeting.sharing_started", "meeting.sharing_started"),
        ] {
            let envelope = json!({"event": name, "event_ts": 1, "payload": {"object": {"id": 5, "uuid": "u"}}});
            let event = to_event(&ProviderId::ZOOM, envelope, at()).unwrap();
            assert_eq!(event.kind.as_str(), kind, "{name}");
            assert_eq!(event.meeting_id, "5");
        }
    }

    #[test]
    fn a_participant_event_names_the_participant_and_keys_on_them() {
        let envelope = json!({
            "event": "meeting.participant_joined",
            "event_ts": 1_626_230_691_572_i64,
            "payload": {"account_id": "A", "object": {
                "id": "85746065432", "uuid": "4444==", "host_id": "h",
                "participant": {"user_id": "16778240", "user_name": "Ada", "email": "",
                                "participant_uuid": "PU1", "join_time": "2021-07-13T21:44:51Z"}
            }}
        });
        let event = to_event(&ProviderId::ZOOM, envelope, at()).unwrap();
        assert_eq!(event.meeting_id, "85746065432");
        assert_eq!(
            event.occurred_at,
            Timestamp::from_millisecond(1_626_230_691_572).unwrap()
        );
        let participant = event.participant.unwrap();
        assert_eq!(participant.id.as_deref(), Some("16778240"));
        assert_eq!(participant.name.as_deref(), Some("Ada"));
        assert_eq!(participant.email, None);
        assert_eq!(
            event.delivery_id,
            "meeting.participant_joined:4444==:1626230691572:PU1"
        );
        assert_eq!(event.tenant, None);
    }

    #[test]
    fn an_update_happens_at_its_time_stamp_and_two_changes_in_one_millisecond_stay_apart() {
        let update = |topic: &str| {
            json!({"event": "meeting.updated", "event_ts": 1_700_000_000_500_i64, "payload": {
                "account_id": "A", "operator": "o@example.com", "operator_id": "o",
                "time_stamp": 1_700_000_000_400_i64,
                "object": {"id": 85_746_065_432_u64, "topic": topic},
                "old_object": {"id": 85_746_065_432_u64, "topic": "Before"}}})
        };
        let first = to_event(&ProviderId::ZOOM, update("One"), at()).unwrap();
        let retry = to_event(&ProviderId::ZOOM, update("One"), at()).unwrap();
        let second = to_event(&ProviderId::ZOOM, update("Two"), at()).unwrap();
        assert_eq!(first.kind, MeetingEventKind::Updated);
        assert_eq!(first.meeting_id, "85746065432");
        assert_eq!(
            first.occurred_at,
            Timestamp::from_millisecond(1_700_000_000_400).unwrap()
        );
        assert_eq!(first.delivery_id, retry.delivery_id);
        assert_ne!(first.delivery_id, second.delivery_id);
        assert!(first
            .delivery_id
            .starts_with("meeting.updated:85746065432:1700000000500:"));
    }

    #[test]
    fn a_known_event_without_a_meeting_is_malformed_but_an_unknown_one_is_kept() {
        let bad = json!({"event": "meeting.started", "event_ts": 1, "payload": {}});
        assert!(to_event(&ProviderId::ZOOM, bad, at()).is_err());
        let other = json!({"event": "user.updated", "payload": {}});
        let event = to_event(&ProviderId::ZOOM, other, at()).unwrap();
        assert_eq!(event.kind, MeetingEventKind::Other("user.updated".into()));
        assert_eq!(event.occurred_at, at());
        assert!(to_event(&ProviderId::ZOOM, json!({}), at()).is_err());
    }
}
