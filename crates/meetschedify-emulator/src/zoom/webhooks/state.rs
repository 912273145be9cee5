//! What the emulator keeps about webhooks: endpoints, pending notifications, faults.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::participants::ZoomParticipant;

/// A one-shot fault applied to the next webhook delivery (in injection order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ZoomWebhookFault {
    /// The same request (same bytes, same headers) is sent twice: a replay.
    Duplicate,
    /// The delivery is held back and sent after the next one.
    OutOfOrder,
    /// The delivery is sent this many milliseconds late (later ones overtake it).
    Delay {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Signed with a secret other than the endpoint's.
    WrongSignature,
    /// Correctly signed, with a timestamp this many seconds in the past.
    StaleTimestamp {
        /// Age of the timestamp in seconds.
        secs: u64,
    },
    /// Signed over the original body, then sent with a changed one.
    TamperedBody,
    /// `payload.object.id` is sent as the other JSON type than Zoom's typings give for the
    /// event: a number in started/ended/participant events, a string in updated/deleted/
    /// recording events (reference §1.6 and §1.9). Correctly signed.
    IdTypeSwapped,
}

/// One webhook request the emulator sent (a duplicate counts twice).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomWebhookDelivery {
    /// The endpoint.
    pub url: String,
    /// The `event` name.
    pub event: String,
    /// The endpoint's HTTP status, `None` when it could not be reached in 3 seconds.
    pub status: Option<u16>,
    /// 1 for the first attempt, 2 to 4 for Zoom's retries.
    pub attempt: u32,
    /// The fault applied, if any.
    pub fault: Option<ZoomWebhookFault>,
}

/// A registered endpoint and the event types its subscription lists. `Debug` leaves the
/// secret out.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    pub(crate) secret: String,
    /// Zoom sends only the events an event subscription lists (reference §1.1).
    pub(crate) events: Vec<String>,
}

impl Endpoint {
    /// Whether the subscription lists `event`.
    pub(crate) fn subscribes_to(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("events", &self.events)
            .finish()
    }
}

/// A notification produced under the lock, not sent yet.
#[derive(Debug)]
pub(crate) enum Pending {
    /// A finished envelope.
    Envelope(Value),
    /// A cloud recording that finished processing: its random parts (file ids, the
    /// `download_token`) are drawn from the emulator's RNG when it is sent.
    Recording(Box<super::recording::Recording>),
}

/// Webhook state inside the Zoom store (reset with it).
#[derive(Debug, Default)]
pub(crate) struct ZoomWebhookState {
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) faults: VecDeque<ZoomWebhookFault>,
    /// Notifications produced under the lock, sent once it is released.
    pub(crate) pending: Vec<Pending>,
    /// Participants in each running meeting, in join order.
    pub(crate) participants: HashMap<u64, Vec<ZoomParticipant>>,
}
