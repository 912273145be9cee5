//! The meeting types every provider speaks: requests in, meetings out.
//!
//! All of them serialize as snake_case JSON, so they can travel through queues and HTTP APIs
//! unchanged. Build them with `new` and the `with_*` setters.

use serde::{Deserialize, Serialize};

use crate::ids::{ProviderId, TenantId};
use crate::time::MeetingTime;

// Kept reachable at its first home, `meeting::ConnectionStatus`.
pub use crate::connection::{ConnectionState, ConnectionStatus};

/// Caller-defined data attached to a meeting and returned unchanged by every read.
pub type Metadata = serde_json::Map<String, serde_json::Value>;

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// Someone invited to a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingParticipant {
    /// Email address; compared case-insensitively for duplicates.
    pub email: String,
    /// Name shown in the invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl MeetingParticipant {
    /// A participant known by email only.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            display_name: None,
        }
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }
}

/// A request to create a meeting.
///
/// ```
/// use meetschedify_core::{CreateMeetingRequest, MeetingParticipant, MeetingTime, ProviderId};
///
/// let request = CreateMeetingRequest::new(
///     "acme-hr",
///     ProviderId::ZOOM,
///     "Technical interview",
///     MeetingTime::new("2026-06-15T10:00:00", "2026-06-15T11:00:00").with_timezone("Asia/Kolkata"),
/// )
/// .with_description("Round 2: system design")
/// .with_primary_participant(MeetingParticipant::new("candidate@example.com"))
/// .with_metadata_entry("application_id", "app_42")
/// .with_idempotency_key("interview-app_42-round-2");
/// assert!(request.add_conference_link);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateMeetingRequest {
    /// Whose connection to use (and, for per-user OAuth, whose calendar).
    pub tenant_id: TenantId,
    /// Which registered provider to use.
    pub provider_id: ProviderId,
    /// The meeting's title (Zoom `topic`, Google `summary`).
    pub title: String,
    /// Longer text (Zoom `agenda`, Google `description`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it happens.
    pub time: MeetingTime,
    /// The main invitee, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_participant: Option<MeetingParticipant>,
    /// Everyone else invited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_participants: Vec<MeetingParticipant>,
    /// Attach a video conference (Google: a Meet link). Defaults to `true`.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub add_conference_link: bool,
    /// Returned unchanged on the created meeting (and, where the provider can store it, on reads).
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Makes the create safe to repeat: the same key gives the same meeting, never a second one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Whether the provider should email participants; `None` keeps the provider's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_participants: Option<bool>,
    /// Provider-specific options, keyed by provider kind (e.g. `{"zoom": {"settings": {...}}}`);
    /// each provider documents what it reads and ignores the rest.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub provider_options: Metadata,
}

impl CreateMeetingRequest {
    /// A request with the required fields; everything else has its default.
    pub fn new(
        tenant_id: impl Into<TenantId>,
        provider_id: impl Into<ProviderId>,
        title: impl Into<String>,
        time: MeetingTime,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            provider_id: provider_id.into(),
            title: title.into(),
            description: None,
            time,
            primary_participant: None,
            additional_participants: Vec::new(),
            add_conference_link: true,
            metadata: Metadata::new(),
            idempotency_key: None,
            notify_participants: None,
            provider_options: Metadata::new(),
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the primary participant.
    pub fn with_primary_participant(mut self, participant: MeetingParticipant) -> Self {
        self.primary_participant = Some(participant);
        self
    }

    /// Adds one more participant.
    pub fn with_participant(mut self, participant: MeetingParticipant) -> Self {
        self.additional_participants.push(participant);
        self
    }

    /// Asks for (or declines) a conference link.
    pub fn with_conference_link(mut self, add: bool) -> Self {
        self.add_conference_link = add;
        self
    }

    /// Replaces the metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Adds one metadata entry.
    pub fn with_metadata_entry(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the idempotency key.
    pub fn with_idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Says whether the provider should email participants.
    pub fn with_notify_participants(mut self, notify: bool) -> Self {
        self.notify_participants = Some(notify);
        self
    }

    /// Sets a provider-specific option (see each provider's docs).
    pub fn with_provider_option(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.provider_options.insert(key.into(), value.into());
        self
    }

    /// The primary participant followed by the additional ones.
    pub fn participants(&self) -> impl Iterator<Item = &MeetingParticipant> {
        self.primary_participant
            .iter()
            .chain(self.additional_participants.iter())
    }
}

/// A change to an existing meeting: any of title, description, time, participants, metadata.
///
/// Fields left `None` stay as they are. Whose meeting it is, and whether participants hear of
/// the change, travel beside it in the [`MeetingContext`].
///
/// ```
/// use meetschedify_core::{MeetingTime, UpdateMeetingRequest};
///
/// let reschedule = UpdateMeetingRequest::new()
///     .with_time(MeetingTime::new("2026-06-16T10:00:00", "2026-06-16T11:00:00"));
/// assert!(!reschedule.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdateMeetingRequest {
    /// A new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A new description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new time (reschedule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<MeetingTime>,
    /// The complete new participant list (replaces the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<MeetingParticipant>>,
    /// New metadata (replaces the old one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Whether a provider with a host pool may move the meeting to another host when its own
    /// cannot take the new time. The move makes a new meeting (new id, new join link) and
    /// cancels the old one; [`UpdatedMeeting::previous_meeting_id`] then names the old id.
    /// Off by default: the update fails with `HOST_BUSY` instead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_host_change: bool,
}

impl UpdateMeetingRequest {
    /// Allows (or forbids) moving the meeting to another host of a pool when its host cannot
    /// take the new time; see [`allow_host_change`](Self::allow_host_change).
    pub fn with_allow_host_change(mut self, allow: bool) -> Self {
        self.allow_host_change = allow;
        self
    }

    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a new title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets a new description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Moves the meeting.
    pub fn with_time(mut self, time: MeetingTime) -> Self {
        self.time = Some(time);
        self
    }

    /// Replaces the participants.
    pub fn with_participants(mut self, participants: Vec<MeetingParticipant>) -> Self {
        self.participants = Some(participants);
        self
    }

    /// Replaces the metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.time.is_none()
            && self.participants.is_none()
            && self.metadata.is_none()
    }
}

/// What kind of way into a conference a link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConferenceLinkKind {
    /// A video join URL.
    Video,
    /// A dial-in phone number (`tel:` URI).
    Phone,
    /// A SIP address.
    Sip,
    /// Anything else the provider offers (more numbers, a PIN page).
    More,
}

/// One way to join a conference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConferenceLink {
    /// What kind of entry point this is.
    pub kind: ConferenceLinkKind,
    /// The URI (`https://...`, `tel:+1...`, `sip:...`).
    pub uri: String,
    /// A label to show, such as the phone number or the country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The meeting passcode or PIN needed with this entry point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passcode: Option<String>,
}

impl ConferenceLink {
    /// A link of a kind with a URI.
    pub fn new(kind: ConferenceLinkKind, uri: impl Into<String>) -> Self {
        Self {
            kind,
            uri: uri.into(),
            label: None,
            passcode: None,
        }
    }

    /// Sets the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the passcode.
    pub fn with_passcode(mut self, passcode: impl Into<String>) -> Self {
        self.passcode = Some(passcode.into());
        self
    }
}

/// Where a meeting happens. Every meeting made here is online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingLocation {
    /// Always `"online"` for now.
    #[serde(rename = "type")]
    pub kind: String,
    /// The join link, or the provider's location text.
    pub value: String,
}

impl MeetingLocation {
    /// An online location at a URL.
    pub fn online(value: impl Into<String>) -> Self {
        Self {
            kind: "online".to_owned(),
            value: value.into(),
        }
    }
}

/// Whether a meeting is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MeetingStatus {
    /// Scheduled (the default).
    #[default]
    Scheduled,
    /// Cancelled or deleted at the provider.
    Cancelled,
}

/// A meeting as the provider holds it: what `create`, `get` and `update` return.
///
/// `Debug` leaves out `raw`: a provider's JSON can hold host credentials (Zoom's `start_url`
/// starts the meeting as the host), and `Debug` output ends up in logs.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreatedMeeting {
    /// The provider that holds it.
    pub provider_id: ProviderId,
    /// The provider's id (Zoom meeting id, Google event id): store it to update or cancel.
    pub provider_event_id: String,
    /// The main join link (Zoom `join_url`, the Meet video entry point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conference_link: Option<String>,
    /// The calendar page of the event (Google `htmlLink`); Zoom has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar_url: Option<String>,
    /// Every way to join: video, phone numbers, SIP, more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conference_links: Vec<ConferenceLink>,
    /// The title as the provider stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// When it happens, with offsets, in the meeting's zone.
    pub time: MeetingTime,
    /// Where it happens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<MeetingLocation>,
    /// Scheduled or cancelled.
    #[serde(default)]
    pub status: MeetingStatus,
    /// The metadata given at creation, unchanged.
    #[serde(default)]
    pub metadata: Metadata,
    /// The user who hosts it, when the provider chose among several (a Zoom host pool): the
    /// host's id as configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The provider's own JSON for the meeting, for anything not mapped above.
    #[serde(default)]
    pub raw: serde_json::Value,
}

impl CreatedMeeting {
    /// A meeting with the fields every provider knows; set the rest with the `with_*` setters.
    pub fn new(
        provider_id: ProviderId,
        provider_event_id: impl Into<String>,
        time: MeetingTime,
    ) -> Self {
        Self {
            provider_id,
            provider_event_id: provider_event_id.into(),
            conference_link: None,
            calendar_url: None,
            conference_links: Vec::new(),
            title: None,
            time,
            location: None,
            status: MeetingStatus::Scheduled,
            metadata: Metadata::new(),
            host: None,
            raw: serde_json::Value::Null,
        }
    }

    /// Sets the main join link, and the location to it.
    pub fn with_conference_link(mut self, link: impl Into<String>) -> Self {
        let link = link.into();
        self.location = Some(MeetingLocation::online(link.clone()));
        self.conference_link = Some(link);
        self
    }

    /// Sets the calendar page.
    pub fn with_calendar_url(mut self, url: impl Into<String>) -> Self {
        self.calendar_url = Some(url.into());
        self
    }

    /// Sets every entry point.
    pub fn with_conference_links(mut self, links: Vec<ConferenceLink>) -> Self {
        self.conference_links = links;
        self
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status: MeetingStatus) -> Self {
        self.status = status;
        self
    }

    /// Sets the metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Sets the host.
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets the provider's raw JSON.
    pub fn with_raw(mut self, raw: serde_json::Value) -> Self {
        self.raw = raw;
        self
    }
}

impl std::fmt::Debug for CreatedMeeting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let raw = match &self.raw {
            serde_json::Value::Null => "none".to_owned(),
            serde_json::Value::Object(map) => format!("[omitted: {} fields]", map.len()),
            _ => "[omitted]".to_owned(),
        };
        f.debug_struct("CreatedMeeting")
            .field("provider_id", &self.provider_id)
            .field("provider_event_id", &self.provider_event_id)
            .field("conference_link", &self.conference_link)
            .field("calendar_url", &self.calendar_url)
            .field("conference_links", &self.conference_links)
            .field("title", &self.title)
            .field("time", &self.time)
            .field("location", &self.location)
            .field("status", &self.status)
            .field("metadata", &self.metadata)
            .field("host", &self.host)
            .field("raw", &format_args!("{raw}"))
            .finish()
    }
}

/// The result of an update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UpdatedMeeting {
    /// The meeting after the change.
    pub meeting: CreatedMeeting,
    /// Whether the join link differs from before (tell participants if so).
    pub conference_link_changed: bool,
    /// Set when the update replaced the meeting with a new one on another host (allowed by
    /// [`UpdateMeetingRequest::allow_host_change`]): the old meeting's id, now cancelled. Store
    /// `meeting.provider_event_id` from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_meeting_id: Option<String>,
}

impl UpdatedMeeting {
    /// The meeting after an update, and whether its link changed.
    pub fn new(meeting: CreatedMeeting, conference_link_changed: bool) -> Self {
        Self {
            meeting,
            conference_link_changed,
            previous_meeting_id: None,
        }
    }

    /// Records that the update replaced meeting `previous` (now cancelled) with `meeting`.
    pub fn with_previous_meeting_id(mut self, previous: impl Into<String>) -> Self {
        self.previous_meeting_id = Some(previous.into());
        self
    }
}

/// Who is asking, for calls that address an existing meeting (get, update, cancel), and
/// whether participants should hear of a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingContext {
    /// Whose connection to use.
    pub tenant_id: TenantId,
    /// Whether the provider should email participants (update, cancel); `None` keeps its
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_participants: Option<bool>,
}

impl MeetingContext {
    /// A context for a tenant.
    pub fn new(tenant_id: impl Into<TenantId>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            notify_participants: None,
        }
    }

    /// Says whether the provider should email participants.
    pub fn with_notify_participants(mut self, notify: bool) -> Self {
        self.notify_participants = Some(notify);
        self
    }
}

/// What a cancel did.
///
/// Cancelling is idempotent: a meeting that is already gone is not an error, so a retried cancel
/// (or two workers cancelling the same meeting) both succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CancelOutcome {
    /// This call cancelled it.
    Cancelled,
    /// It was already cancelled or deleted.
    AlreadyCancelled,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_request_json_is_snake_case_with_defaults() {
        let json = serde_json::json!({
            "tenant_id": "org_1",
            "provider_id": "zoom",
            "title": "Standup",
            "time": {"start": "2026-06-15T10:00:00", "end": "2026-06-15T10:15:00"}
        });
        let req: CreateMeetingRequest = serde_json::from_value(json).unwrap();
        assert!(
            req.add_conference_link,
            "add_conference_link defaults to true"
        );
        assert_eq!(req.time.timezone, "UTC", "timezone defaults to UTC");
        assert_eq!(req.provider_id, ProviderId::ZOOM);
        let back = serde_json::to_value(&req).unwrap();
        assert_eq!(back["tenant_id"], "org_1");
        assert!(back.get("add_conference_link").is_none());
        let off = serde_json::to_value(req.with_conference_link(false)).unwrap();
        assert_eq!(off["add_conference_link"], false);
    }

    #[test]
    fn created_meeting_json_shape() {
        let m = CreatedMeeting::new(
            ProviderId::GOOGLE_MEET,
            "abc123",
            MeetingTime::new("2026-06-15T10:00:00+00:00", "2026-06-15T11:00:00+00:00"),
        )
        .with_conference_link("https://meet.google.com/abc-defg-hij")
        .with_conference_links(vec![ConferenceLink::new(
            ConferenceLinkKind::Phone,
            "tel:+1-555-0100",
        )
        .with_passcode("123456")]);
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["provider_event_id"], "abc123");
        assert_eq!(v["location"]["type"], "online");
        assert_eq!(
            v["location"]["value"],
            "https://meet.google.com/abc-defg-hij"
        );
        assert_eq!(v["conference_links"][0]["kind"], "phone");
        assert_eq!(v["status"], "scheduled");
        let back: CreatedMeeting = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn debug_leaves_out_the_raw_provider_json() {
        let m = CreatedMeeting::new(ProviderId::ZOOM, "1", MeetingTime::new("a", "b"))
            .with_raw(serde_json::json!({"start_url": "https://zoom.us/s/1?zak=HOST-SECRET"}));
        let text = format!("{m:?}");
        assert!(!text.contains("HOST-SECRET"), "{text}");
        assert!(text.contains("[omitted: 1 fields]"), "{text}");
    }

    #[test]
    fn participants_iterates_primary_first() {
        let req = CreateMeetingRequest::new("t", ProviderId::ZOOM, "x", MeetingTime::new("a", "b"))
            .with_participant(MeetingParticipant::new("b@example.com"))
            .with_primary_participant(MeetingParticipant::new("a@example.com"));
        let emails: Vec<_> = req.participants().map(|p| p.email.as_str()).collect();
        assert_eq!(emails, ["a@example.com", "b@example.com"]);
    }
}
