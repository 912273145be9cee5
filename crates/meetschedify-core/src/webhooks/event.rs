//! [`MeetingEvent`]: one provider-neutral thing that happened to a meeting, as a vendor
//! notified it.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ProviderId, TenantId};

/// What happened to a meeting.
///
/// Serialized as a snake_case string (`"started"`, `"participant_joined"`, ...); a vendor event
/// with no neutral meaning yet is [`Other`](Self::Other), serialized as the vendor's own event
/// name (for example `"meeting.sharing_started"`), so nothing a vendor adds is ever rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum MeetingEventKind {
    /// The meeting started (its host or a participant opened it).
    Started,
    /// The meeting ended.
    Ended,
    /// A participant joined; [`MeetingEvent::participant`] says who.
    ParticipantJoined,
    /// A participant left; [`MeetingEvent::participant`] says who.
    ParticipantLeft,
    /// The meeting's details (time, title, settings) changed.
    Updated,
    /// The meeting was cancelled or deleted.
    Cancelled,
    /// A recording of the meeting is ready to download.
    RecordingReady,
    /// Any other vendor event, by the vendor's name for it.
    Other(String),
}

impl MeetingEventKind {
    /// The serialized name: snake_case for the neutral kinds, the vendor's name for `Other`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Started => "started",
            Self::Ended => "ended",
            Self::ParticipantJoined => "participant_joined",
            Self::ParticipantLeft => "participant_left",
            Self::Updated => "updated",
            Self::Cancelled => "cancelled",
            Self::RecordingReady => "recording_ready",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for MeetingEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for MeetingEventKind {
    fn from(name: String) -> Self {
        match name.as_str() {
            "started" => Self::Started,
            "ended" => Self::Ended,
            "participant_joined" => Self::ParticipantJoined,
            "participant_left" => Self::ParticipantLeft,
            "updated" => Self::Updated,
            "cancelled" => Self::Cancelled,
            "recording_ready" => Self::RecordingReady,
            _ => Self::Other(name),
        }
    }
}

impl From<MeetingEventKind> for String {
    fn from(kind: MeetingEventKind) -> Self {
        match kind {
            MeetingEventKind::Other(name) => name,
            known => known.as_str().to_owned(),
        }
    }
}

/// Who joined or left, as far as the vendor says. Every field is optional because vendors omit
/// them for guests and phone participants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventParticipant {
    /// The vendor's id for the participant (for Zoom the participant's user id in the meeting).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The email address, when the participant signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl EventParticipant {
    /// A participant described by whichever of these the vendor sent.
    pub fn new(id: Option<String>, name: Option<String>, email: Option<String>) -> Self {
        Self { id, name, email }
    }
}

/// One verified notification about one meeting, in the same shape for every provider.
///
/// The `raw` payload is the vendor's JSON exactly as delivered, for the fields this type does
/// not lift out (Zoom's `download_token` of a recording, Graph's etag, ...).
///
/// `Debug` prints `raw` with its credentials masked (`download_token`, passcodes, the host's
/// `start_url`, `clientState`): an event logged with `{:?}` leaks none of them. Serializing the
/// event keeps them, for the application that needs them.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingEvent {
    /// The provider id the verifier is registered under (`zoom`, or a custom id for a second
    /// account).
    pub provider: ProviderId,
    /// What happened.
    pub kind: MeetingEventKind,
    /// The tenant owning the meeting, when the notification lets the provider tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<TenantId>,
    /// The meeting's id as the provider's `MeetingProvider` returns it from create.
    pub meeting_id: String,
    /// When it happened, by the vendor's clock.
    pub occurred_at: Timestamp,
    /// Who joined or left, for participant events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant: Option<EventParticipant>,
    /// A key that is the same for every delivery of this notification (retries included), so
    /// an application can process it idempotently.
    pub delivery_id: String,
    /// The vendor's notification as it arrived.
    pub raw: serde_json::Value,
}

impl fmt::Debug for MeetingEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeetingEvent")
            .field("provider", &self.provider)
            .field("kind", &self.kind)
            .field("tenant", &self.tenant)
            .field("meeting_id", &self.meeting_id)
            .field("occurred_at", &self.occurred_at)
            .field("participant", &self.participant)
            .field("delivery_id", &self.delivery_id)
            .field("raw", &super::redact::redacted(&self.raw))
            .finish()
    }
}

impl MeetingEvent {
    /// An event without tenant or participant; set those with the `with_*` methods.
    pub fn new(
        provider: ProviderId,
        kind: MeetingEventKind,
        meeting_id: impl Into<String>,
        occurred_at: Timestamp,
        delivery_id: impl Into<String>,
        raw: serde_json::Value,
    ) -> Self {
        Self {
            provider,
            kind,
            tenant: None,
            meeting_id: meeting_id.into(),
            occurred_at,
            participant: None,
            delivery_id: delivery_id.into(),
            raw,
        }
    }

    /// Sets the owning tenant.
    pub fn with_tenant(mut self, tenant: TenantId) -> Self {
        self.tenant = Some(tenant);
        self
    }

    /// Sets who joined or left.
    pub fn with_participant(mut self, participant: EventParticipant) -> Self {
        self.participant = Some(participant);
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kinds_serialize_as_snake_case_and_unknown_names_round_trip() {
        for kind in [
            MeetingEventKind::Started,
            MeetingEventKind::Ended,
            MeetingEventKind::ParticipantJoined,
            MeetingEventKind::ParticipantLeft,
            MeetingEventKind::Updated,
            MeetingEventKind::Cancelled,
            MeetingEventKind::RecordingReady,
            MeetingEventKind::Other("meeting.sharing_started".into()),
        ] {
            let text = serde_json::to_value(&kind).unwrap();
            assert_eq!(text, json!(kind.as_str()));
            assert_eq!(
                serde_json::from_value::<MeetingEventKind>(text).unwrap(),
                kind
            );
        }
        assert_eq!(
            serde_json::to_value(MeetingEventKind::ParticipantJoined).unwrap(),
            json!("participant_joined")
        );
    }

    #[test]
    fn debug_masks_a_recordings_download_token_and_serialization_keeps_it() {
        let at: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let event = MeetingEvent::new(
            ProviderId::ZOOM,
            MeetingEventKind::RecordingReady,
            "123",
            at,
            "d1",
            json!({"event": "recording.completed", "download_token": "DL-TOKEN-abc123",
                   "payload": {"object": {"id": 123, "recording_play_passcode": "PLAY-xyz"}}}),
        );
        let debug = format!("{event:?}");
        assert!(!debug.contains("DL-TOKEN-abc123"), "{debug}");
        assert!(!debug.contains("PLAY-xyz"), "{debug}");
        assert!(debug.contains("recording.completed") && debug.contains("[redacted]"));
        assert_eq!(event.raw["download_token"], "DL-TOKEN-abc123");
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["raw"]["download_token"], "DL-TOKEN-abc123");
    }

    #[test]
    fn an_event_serializes_with_its_optional_fields_left_out() {
        let at: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let event = MeetingEvent::new(
            ProviderId::ZOOM,
            MeetingEventKind::Started,
            "123",
            at,
            "d1",
            json!({"event": "meeting.started"}),
        );
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(
            value,
            json!({
                "provider": "zoom",
                "kind": "started",
                "meeting_id": "123",
                "occurred_at": "2026-03-01T10:00:00Z",
                "delivery_id": "d1",
                "raw": {"event": "meeting.started"},
            })
        );
        let joined = event
            .with_tenant(TenantId::new("org_1"))
            .with_participant(EventParticipant::new(None, Some("Ada".into()), None));
        let value = serde_json::to_value(&joined).unwrap();
        assert_eq!(value["tenant"], json!("org_1"));
        assert_eq!(value["participant"], json!({"name": "Ada"}));
        assert_eq!(
            serde_json::from_value::<MeetingEvent>(value).unwrap(),
            joined
        );
    }
}
