//! Meetings in progress: starting and ending them, and the host's concurrent-meeting limit.
//!
//! Zoom has no API for this: a host starts a meeting in the Zoom client (or from `start_url`) and
//! ends it there. The emulator offers it through its control API so tests can put hosts in the
//! states a host pool must cope with.
//!
//! The rules, from Zoom's support article "Hosting multiple meetings simultaneously" (KB0068522,
//! formerly <https://support.zoom.us/hc/en-us/articles/206122046>) and the reference notes in
//! `zoom-capacity.md` §3.3:
//! * Basic and Pro users run one meeting at a time; Business, Education and Enterprise users two
//!   ([`super::store::ZoomLicence::concurrent_meeting_limit`]), whether or not the host is present.
//! * A host starting one meeting too many is prompted to end the other ("End Other Meeting"); if
//!   they do not, the new meeting cannot start and its participants see "host has another meeting
//!   in progress" (Gem's help page "What is a Zoom conflict").
//! * Only running is limited: any number of meetings may be scheduled at the same time.

use jiff::Timestamp;
use serde_json::Value;

use super::store::{ZoomMeetingEvent, ZoomMeetingEventKind, ZoomStore};
use crate::error::EmulatorError;

/// What a successful start did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Started {
    pub(crate) host_id: String,
    /// When the meeting started (earlier than now when it was already running).
    pub(crate) started_at: Timestamp,
    /// Meetings of the host ended to make room, earliest-started first.
    pub(crate) ended: Vec<u64>,
}

impl ZoomStore {
    /// The host's running meetings, earliest-started first (creation order breaks ties).
    fn running_of(&self, host_id: &str) -> Vec<(u64, Timestamp)> {
        let mut running: Vec<(u64, Timestamp)> = self
            .meeting_order
            .iter()
            .filter_map(|id| {
                let meeting = self.meetings.get(id)?;
                let started = meeting.started_at?;
                (meeting.host_id == host_id).then_some((*id, started))
            })
            .collect();
        // A stable sort keeps creation order among meetings started at the same instant.
        running.sort_by_key(|(_, started)| *started);
        running
    }

    /// How many meetings the host may run at once, from its licence (Pro when the host is not a
    /// registered user, which only a hand-edited store could produce).
    fn concurrency_of(&self, host_id: &str) -> usize {
        self.users
            .iter()
            .find(|u| u.id == host_id)
            .map_or(1, super::store::ZoomUser::concurrent_meeting_limit)
    }

    /// Starts a meeting. With `end_others`, the host's earliest-started meetings are ended until
    /// this one fits in its licence (Zoom's "End Other Meeting"); without, a host already at its
    /// limit makes the start fail. Starting a running meeting changes nothing.
    pub(crate) fn start_meeting(
        &mut self,
        meeting_id: u64,
        end_others: bool,
        now: Timestamp,
    ) -> Result<Started, EmulatorError> {
        let Some(meeting) = self.meetings.get(&meeting_id) else {
            return Err(EmulatorError::UnknownZoomMeeting(meeting_id.to_string()));
        };
        let host_id = meeting.host_id.clone();
        if let Some(started_at) = meeting.started_at {
            return Ok(Started {
                host_id,
                started_at,
                ended: Vec::new(),
            });
        }
        let limit = self.concurrency_of(&host_id);
        let running = self.running_of(&host_id);
        // Seeded meetings can leave a host above its limit: end enough of them to fit this one.
        let excess = (running.len() + 1).saturating_sub(limit);
        if excess > 0 && !end_others {
            return Err(EmulatorError::ZoomHostBusy {
                host_id,
                limit,
                running: running.into_iter().map(|(id, _)| id).collect(),
            });
        }
        let ended: Vec<u64> = running.into_iter().take(excess).map(|(id, _)| id).collect();
        for id in &ended {
            self.end_meeting(*id, now);
        }
        if let Some(meeting) = self.meetings.get_mut(&meeting_id) {
            meeting.started_at = Some(now);
            meeting.body.insert("status".into(), Value::from("started"));
        }
        self.meeting_events.push(ZoomMeetingEvent {
            meeting_id,
            host_id: host_id.clone(),
            kind: ZoomMeetingEventKind::Started,
            at: now,
        });
        self.queue_started(meeting_id, now);
        Ok(Started {
            host_id,
            started_at: now,
            ended,
        })
    }

    /// Ends a running meeting: it goes back to `waiting` (a scheduled meeting can be started again
    /// until it expires). Returns whether it was running; ending a meeting that is not is a no-op.
    pub(crate) fn end_meeting(&mut self, meeting_id: u64, now: Timestamp) -> bool {
        let Some(meeting) = self.meetings.get_mut(&meeting_id) else {
            return false;
        };
        let Some(started_at) = meeting.started_at.take() else {
            return false;
        };
        meeting.body.insert("status".into(), Value::from("waiting"));
        let host_id = meeting.host_id.clone();
        self.meeting_events.push(ZoomMeetingEvent {
            meeting_id,
            host_id,
            kind: ZoomMeetingEventKind::Ended,
            at: now,
        });
        self.queue_ended(meeting_id, started_at, now);
        self.queue_recording(meeting_id, started_at, now);
        true
    }
}
