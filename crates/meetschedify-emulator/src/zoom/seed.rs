//! Test support: many meetings for one host at once, straight into the store.
//!
//! Zoom has nothing like it. It exists so a test can give a host thousands of meetings (to
//! measure what a client's list lookups cost on a busy host) without thousands of creates
//! through HTTP and without Zoom's daily create limit getting in the way.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::body_schema::BodyKind;
use super::meeting::build;
use super::store::{MeetingRec, ZoomUser};
use super::validate::validate;
use crate::http::rfc3339_seconds;
use crate::ids::{alnum, zoom_meeting_id, zoom_uuid};
use crate::state::Inner;

/// What [`crate::EmulatorHandle::seed_zoom_meetings`] inserts: `count` scheduled meetings of
/// one host, the first starting at `first_start` and each next one `spacing_secs` later.
///
/// Each is built as a create with the same body would build it (GET shape, fresh id, uuid and
/// join URL), but no request is recorded or counted against any limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomMeetingSeed {
    /// Host user id or email; the demo host when absent.
    #[serde(default)]
    pub user: Option<String>,
    /// How many meetings.
    pub count: usize,
    /// Start of the first meeting (RFC 3339 over HTTP).
    pub first_start: Timestamp,
    /// Seconds between two consecutive starts (0: all at the same time).
    #[serde(default)]
    pub spacing_secs: i64,
    /// Topic of every meeting.
    #[serde(default = "default_topic")]
    pub topic: String,
    /// Agenda of every meeting (none when absent).
    #[serde(default)]
    pub agenda: Option<String>,
    /// Length in minutes.
    #[serde(default = "default_duration")]
    pub duration: i64,
    /// Whether the meetings are in progress (`status: started`, listed as `live`) rather than
    /// `waiting`. The host's licence is not checked and no start is recorded: a test can put a
    /// host above its concurrent-meeting limit this way.
    #[serde(default)]
    pub started: bool,
}

fn default_topic() -> String {
    "Seeded meeting".to_owned()
}

fn default_duration() -> i64 {
    60
}

impl ZoomMeetingSeed {
    /// `count` one-hour meetings of the demo host titled "Seeded meeting", all starting at
    /// `first_start`.
    pub fn new(count: usize, first_start: Timestamp) -> Self {
        Self {
            user: None,
            count,
            first_start,
            spacing_secs: 0,
            topic: default_topic(),
            agenda: None,
            duration: default_duration(),
            started: false,
        }
    }

    /// Another host (user id or email).
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }

    /// Time between two consecutive starts.
    pub fn spacing(mut self, spacing: std::time::Duration) -> Self {
        self.spacing_secs = i64::try_from(spacing.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// The topic of every meeting.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = topic.into();
        self
    }

    /// The agenda of every meeting.
    pub fn agenda(mut self, agenda: impl Into<String>) -> Self {
        self.agenda = Some(agenda.into());
        self
    }

    /// Marks every meeting as in progress.
    pub fn started(mut self) -> Self {
        self.started = true;
        self
    }
}

/// Inserts the seeded meetings for `host`; their ids in order, or the first field a create with
/// this body would have refused.
pub(crate) fn seed(
    inner: &mut Inner,
    host: &ZoomUser,
    seed: &ZoomMeetingSeed,
    now: Timestamp,
) -> Result<Vec<u64>, String> {
    let mut body = Map::new();
    body.insert("topic".into(), json!(seed.topic));
    body.insert("type".into(), json!(2));
    body.insert("duration".into(), json!(seed.duration));
    if let Some(agenda) = &seed.agenda {
        body.insert("agenda".into(), json!(agenda));
    }
    // The same rules as a create: seeding must not store what Zoom would refuse.
    if let Some((field, message)) = validate(BodyKind::Create, &body).into_iter().next() {
        return Err(format!("{field}: {message}"));
    }
    let mut ids = Vec::with_capacity(seed.count);
    let mut start = seed.first_start;
    let step = SignedDuration::from_secs(seed.spacing_secs);
    // One meeting is built as a create builds it; the others are copies with their own id,
    // uuid, URLs and start. Building each from scratch would cost ten times as much, and a test
    // seeding 100,000 meetings should not wait for it.
    let mut template: Option<Map<String, Value>> = None;
    for _ in 0..seed.count {
        let mut id = zoom_meeting_id(&mut inner.rng);
        while inner.zoom.meetings.contains_key(&id) {
            id = zoom_meeting_id(&mut inner.rng);
        }
        let meeting = match &template {
            None => {
                body.insert("start_time".into(), json!(rfc3339_seconds(start)));
                let mut built = build(&mut inner.rng, id, host, &body, now);
                if seed.started {
                    built.insert("status".into(), Value::from("started"));
                }
                template = Some(built.clone());
                built
            }
            Some(template) => {
                let mut copy = template.clone();
                let pwd = copy
                    .get("encrypted_password")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                copy.insert("id".into(), json!(id));
                copy.insert("uuid".into(), json!(zoom_uuid(&mut inner.rng)));
                copy.insert("start_time".into(), json!(rfc3339_seconds(start)));
                copy.insert(
                    "start_url".into(),
                    json!(format!(
                        "https://zoom.us/s/{id}?zak={}",
                        alnum(&mut inner.rng, 40)
                    )),
                );
                copy.insert(
                    "join_url".into(),
                    json!(format!("https://zoom.us/j/{id}?pwd={pwd}")),
                );
                copy
            }
        };
        inner.zoom.meeting_order.push(id);
        inner.zoom.meetings.insert(
            id,
            MeetingRec {
                host_id: host.id.clone(),
                body: meeting,
                // Seeded meetings do not go through a start, so they leave no event behind.
                started_at: seed.started.then_some(now),
            },
        );
        ids.push(id);
        start = start.saturating_add(step).unwrap_or(start);
    }
    Ok(ids)
}
