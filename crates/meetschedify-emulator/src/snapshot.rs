//! A read-only view of the emulator's state, for assertions in tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::faults::FaultRule;
use crate::google::store::SendUpdatesRecord;
use crate::microsoft::store::MicrosoftCancellation;
use crate::settings::Settings;
use crate::zoom::store::{DeletedMeeting, ZoomMeetingEvent};

/// Everything the emulator holds, as plain data (also served at `GET /_emulator/state`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    /// The emulator clock, RFC 3339.
    pub now: String,
    /// How far the clock was advanced, in seconds.
    pub clock_offset_secs: u64,
    /// Current settings.
    pub settings: Settings,
    /// Installed fault rules.
    pub faults: Vec<FaultRule>,
    /// Zoom side.
    pub zoom: ZoomSnapshot,
    /// Google side.
    pub google: GoogleSnapshot,
    /// Microsoft side.
    #[serde(default)]
    pub microsoft: MicrosoftSnapshot,
}

/// The Zoom half of [`StateSnapshot`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ZoomSnapshot {
    /// Calls to `POST /oauth/token`, whatever their outcome (faulted ones included).
    pub token_requests: u64,
    /// Live meetings per host user id, as `GET /meetings/{id}` would return them.
    pub meetings_by_host: BTreeMap<String, Vec<Value>>,
    /// Deleted meetings with their reminder flags.
    pub deleted_meetings: Vec<DeletedMeeting>,
    /// Meetings starting and ending, oldest first (see
    /// [`crate::EmulatorHandle::zoom_meeting_events`]).
    #[serde(default)]
    pub meeting_events: Vec<ZoomMeetingEvent>,
}

/// The Google half of [`StateSnapshot`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GoogleSnapshot {
    /// Calls to `POST /token`, whatever their outcome (faulted ones included).
    pub token_requests: u64,
    /// Events per calendar id (tombstones included, with `status: cancelled`), as `events.get` shows
    /// them (reading the snapshot does not count as a read of a pending conference).
    pub events_by_calendar: BTreeMap<String, Vec<Value>>,
    /// Every `sendUpdates` decision, in order.
    pub send_updates: Vec<SendUpdatesRecord>,
}

/// The Microsoft half of [`StateSnapshot`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MicrosoftSnapshot {
    /// Calls to `POST /{tenant}/oauth2/v2.0/token`, whatever their outcome (faulted ones included).
    pub token_requests: u64,
    /// Events per mailbox (user object id), in UTC as `GET .../events/{id}` shows them.
    pub events_by_user: BTreeMap<String, Vec<Value>>,
    /// Online meetings per organizer (user object id).
    pub online_meetings_by_user: BTreeMap<String, Vec<Value>>,
    /// Cancellations sent to attendees (on `cancel` and on an organizer's `DELETE`), in order.
    pub cancellations: Vec<MicrosoftCancellation>,
}
