//! What the emulator keeps about push channels: the channels, pending messages, faults.

use std::collections::{HashMap, VecDeque};
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A one-shot fault applied to the next push delivery (in injection order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GooglePushFault {
    /// The same request (same headers, same message number) is sent twice.
    Duplicate,
    /// The delivery is held back and sent after the next one.
    OutOfOrder,
    /// The delivery is sent this many milliseconds late (later ones overtake it).
    Delay {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Sent with an `X-Goog-Channel-Token` other than the channel's: a forgery.
    WrongToken,
}

/// One push request the emulator sent (a duplicate counts twice).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GooglePushDelivery {
    /// The channel's address.
    pub url: String,
    /// The channel id.
    pub channel_id: String,
    /// `sync`, `exists` or `not_exists`.
    pub state: String,
    /// `X-Goog-Message-Number`.
    pub message_number: u64,
    /// The receiver's HTTP status, `None` when it did not answer in time.
    pub status: Option<u16>,
    /// 1 for the first attempt, more for Google's retries after 500, 502, 503 or 504.
    pub attempt: u32,
    /// The fault applied, if any.
    pub fault: Option<GooglePushFault>,
}

/// An open channel. `Debug` leaves the token out.
#[derive(Clone)]
pub(crate) struct ChannelRec {
    pub(crate) id: String,
    pub(crate) resource_id: String,
    /// The calendar as resolved (`primary` becomes the user's email).
    pub(crate) calendar: String,
    /// Who opened it: only they may stop it.
    pub(crate) user: String,
    pub(crate) address: String,
    pub(crate) token: Option<String>,
    pub(crate) expiration: Timestamp,
    /// The last message number used.
    pub(crate) message_number: u64,
}

impl fmt::Debug for ChannelRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelRec")
            .field("id", &self.id)
            .field("resource_id", &self.resource_id)
            .field("calendar", &self.calendar)
            .field("address", &self.address)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// One message to send once the state lock is released. No `Debug`: it holds the token.
#[derive(Clone)]
pub(crate) struct Message {
    pub(crate) url: String,
    pub(crate) channel_id: String,
    pub(crate) token: Option<String>,
    pub(crate) resource_id: String,
    pub(crate) resource_uri: String,
    pub(crate) state: &'static str,
    pub(crate) number: u64,
    pub(crate) expiration: Timestamp,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("url", &self.url)
            .field("channel_id", &self.channel_id)
            .field("state", &self.state)
            .field("number", &self.number)
            .finish()
    }
}

/// Push state inside the Google store (reset with it).
#[derive(Debug, Default)]
pub(crate) struct GooglePushState {
    /// Open channels by id.
    pub(crate) channels: HashMap<String, ChannelRec>,
    /// Channel ids ever used: Google refuses to reuse one (`channelIdNotUnique`).
    pub(crate) used_ids: std::collections::HashSet<String>,
    /// The opaque `resourceId` of each watched calendar, stable across channels.
    pub(crate) resource_ids: HashMap<String, String>,
    pub(crate) faults: VecDeque<GooglePushFault>,
    pub(crate) pending: Vec<Message>,
    /// Every write to an event takes the next number; a sync token names the last one seen.
    pub(crate) change_seq: u64,
    /// Sync tokens naming an earlier change than this are expired (`410`).
    pub(crate) oldest_valid_sync: u64,
}
