//! Participants joining and leaving running meetings (control API only: Zoom's API cannot make
//! anyone join).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;
use crate::ids::{digits, zoom_uuid};
use crate::state::Inner;

/// Someone in a running meeting, as Zoom's participant events describe them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomParticipant {
    /// The participant's id in this meeting (`participant.user_id`).
    pub user_id: String,
    /// Display name.
    pub user_name: String,
    /// Email, empty for guests (as Zoom sends it).
    pub email: String,
    /// `participant.participant_uuid`.
    pub participant_uuid: String,
    /// When they joined, on the emulator clock.
    pub join_time: Timestamp,
}

impl Inner {
    /// Adds a participant to a running meeting and queues `meeting.participant_joined`.
    pub(crate) fn join_zoom_meeting(
        &mut self,
        meeting_id: u64,
        user_name: &str,
        email: Option<&str>,
        now: Timestamp,
    ) -> Result<ZoomParticipant, EmulatorError> {
        let running = self
            .zoom
            .meetings
            .get(&meeting_id)
            .ok_or_else(|| EmulatorError::UnknownZoomMeeting(meeting_id.to_string()))?
            .started_at
            .is_some();
        if !running {
            return Err(EmulatorError::ZoomMeetingNotRunning(meeting_id));
        }
        let participant = ZoomParticipant {
            user_id: digits(&mut self.rng, 8),
            user_name: user_name.to_owned(),
            email: email.unwrap_or_default().to_owned(),
            participant_uuid: zoom_uuid(&mut self.rng),
            join_time: now,
        };
        self.zoom
            .webhooks
            .participants
            .entry(meeting_id)
            .or_default()
            .push(participant.clone());
        self.zoom
            .queue_participant(meeting_id, &participant, false, now);
        Ok(participant)
    }

    /// Removes a participant (by `user_id`) and queues `meeting.participant_left`.
    pub(crate) fn leave_zoom_meeting(
        &mut self,
        meeting_id: u64,
        user_id: &str,
        now: Timestamp,
    ) -> Result<(), EmulatorError> {
        let list = self
            .zoom
            .webhooks
            .participants
            .get_mut(&meeting_id)
            .ok_or(EmulatorError::ZoomMeetingNotRunning(meeting_id))?;
        let Some(at) = list.iter().position(|p| p.user_id == user_id) else {
            return Err(EmulatorError::UnknownZoomParticipant(user_id.to_owned()));
        };
        let participant = list.remove(at);
        self.zoom
            .queue_participant(meeting_id, &participant, true, now);
        Ok(())
    }
}
