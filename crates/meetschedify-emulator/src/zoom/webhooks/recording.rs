//! `recording.completed`: a meeting whose `settings.auto_recording` is `"cloud"` ends, and its
//! cloud recording is announced. Shape from Zoom's generated typings (reference §1.6): the
//! meeting `id` is a number, `object` describes the recording and its `recording_files`, and a
//! top-level `download_token` (a sibling of `event`) authorises downloading them.
//!
//! Zoom announces a recording once it has been processed, some time after `meeting.ended`; the
//! emulator queues it right after `meeting.ended` (a `Delay` fault makes it late).

use jiff::Timestamp;
use rand::Rng;
use serde_json::{json, Value};

use super::state::Pending;
use crate::http::rfc3339_seconds;
use crate::ids::{alnum, guid, zoom_access_token};
use crate::zoom::store::ZoomStore;

/// One meeting instance's finished cloud recording, before its random parts are drawn.
#[derive(Debug)]
pub(crate) struct Recording {
    account_id: String,
    host_id: String,
    host_email: String,
    meeting_id: u64,
    uuid: Value,
    topic: Value,
    kind: Value,
    timezone: Value,
    started_at: Timestamp,
    ended_at: Timestamp,
}

/// Bytes per second of each file type, so sizes grow with the recording's length.
const MP4_BYTES_PER_SECOND: i64 = 40_000;
const M4A_BYTES_PER_SECOND: i64 = 4_000;

/// One entry of `recording_files`.
fn file(
    rng: &mut impl Rng,
    uuid: &Value,
    (start, end): (&str, &str),
    kind: &str,
    extension: &str,
    size: i64,
) -> Value {
    json!({
        "id": guid(rng),
        "meeting_id": uuid,
        "recording_start": start,
        "recording_end": end,
        "file_type": extension,
        "file_size": size,
        "file_extension": extension,
        "play_url": format!("https://zoom.us/rec/play/{}", alnum(rng, 48)),
        "download_url": format!("https://zoom.us/rec/download/{}", alnum(rng, 48)),
        "status": "completed",
        "recording_type": kind,
    })
}

impl Recording {
    /// The notification, with fresh file ids, links, passcodes and `download_token`.
    pub(crate) fn envelope(&self, rng: &mut impl Rng) -> Value {
        let seconds = self
            .ended_at
            .duration_since(self.started_at)
            .as_secs()
            .max(1);
        // Zoom gives the recording's duration in whole minutes.
        let minutes = (seconds + 59) / 60;
        let (start, end) = (
            rfc3339_seconds(self.started_at),
            rfc3339_seconds(self.ended_at),
        );
        let files = [
            file(
                rng,
                &self.uuid,
                (&start, &end),
                "shared_screen_with_speaker_view",
                "MP4",
                seconds * MP4_BYTES_PER_SECOND,
            ),
            file(
                rng,
                &self.uuid,
                (&start, &end),
                "audio_only",
                "M4A",
                seconds * M4A_BYTES_PER_SECOND,
            ),
        ];
        let total: i64 = files.iter().filter_map(|f| f["file_size"].as_i64()).sum();
        json!({
            "event": "recording.completed",
            "event_ts": self.ended_at.as_millisecond(),
            "payload": {
                "account_id": self.account_id,
                "object": {
                    "id": self.meeting_id,
                    "uuid": self.uuid,
                    "host_id": self.host_id,
                    "account_id": self.account_id,
                    "topic": self.topic,
                    "type": self.kind,
                    "start_time": start,
                    "password": alnum(rng, 8),
                    "timezone": self.timezone,
                    "host_email": self.host_email,
                    "duration": minutes,
                    "share_url": format!("https://zoom.us/rec/share/{}", alnum(rng, 48)),
                    "total_size": total,
                    "recording_count": files.len(),
                    "recording_play_passcode": alnum(rng, 32),
                    "recording_files": files,
                },
            },
            "download_token": zoom_access_token(rng),
        })
    }
}

impl ZoomStore {
    /// Queues `recording.completed` for an instance that ran from `started_at` to `now`, when
    /// the meeting records to the cloud.
    pub(crate) fn queue_recording(
        &mut self,
        meeting_id: u64,
        started_at: Timestamp,
        now: Timestamp,
    ) {
        if !self.listened_to("recording.completed") {
            return;
        }
        let Some(meeting) = self.meetings.get(&meeting_id) else {
            return;
        };
        let cloud = meeting
            .body
            .get("settings")
            .and_then(|s| s.get("auto_recording"))
            .and_then(Value::as_str)
            == Some("cloud");
        if !cloud {
            return;
        }
        let field = |name: &str| meeting.body.get(name).cloned().unwrap_or(Value::Null);
        let host_email = self
            .users
            .iter()
            .find(|u| u.id == meeting.host_id)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        let recording = Recording {
            account_id: self.account_of_meeting(meeting_id),
            host_id: meeting.host_id.clone(),
            host_email,
            meeting_id,
            uuid: field("uuid"),
            topic: field("topic"),
            kind: field("type"),
            timezone: field("timezone"),
            started_at,
            ended_at: now,
        };
        self.webhooks
            .pending
            .push(Pending::Recording(Box::new(recording)));
    }
}
