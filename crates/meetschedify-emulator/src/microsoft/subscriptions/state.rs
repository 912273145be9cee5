//! What the emulator keeps about Graph subscriptions: the subscriptions, one-shot delivery
//! faults, and the log of what was sent.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A one-shot fault applied to the next Graph notification request (in injection order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GraphWebhookFault {
    /// The same request is sent twice: a redelivery.
    Duplicate,
    /// The request is held back and sent after the next one.
    OutOfOrder,
    /// The request is sent this many milliseconds late (later ones overtake it).
    Delay {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Every item carries a `clientState` other than the subscription's (a forgery).
    WrongClientState,
}

/// One notification request the emulator sent (a duplicate counts twice).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraphWebhookDelivery {
    /// The URL posted to (notification or lifecycle URL).
    pub url: String,
    /// `created`, `updated`, `deleted`, or the lifecycle event's name.
    pub kind: String,
    /// How many items the body carried.
    pub items: usize,
    /// The endpoint's HTTP status, `None` when it did not answer within 3 seconds.
    pub status: Option<u16>,
    /// 1 for the first attempt, then 2, 3, ... for redeliveries.
    pub attempt: u32,
    /// The fault applied, if any.
    pub fault: Option<GraphWebhookFault>,
}

/// A subscription. `Debug` leaves the `clientState` out.
#[derive(Clone)]
pub(crate) struct SubscriptionRec {
    pub(crate) id: String,
    /// The app that made it (`applicationId`); only it may change or delete it.
    pub(crate) client_id: String,
    /// `creatorId`: the signed-in user, or the app for app-only tokens.
    pub(crate) creator_id: String,
    pub(crate) tenant_id: String,
    /// The mailbox whose events are watched (object id).
    pub(crate) user_id: String,
    /// As given in the create request.
    pub(crate) resource: String,
    pub(crate) change_types: Vec<String>,
    pub(crate) notification_url: String,
    pub(crate) lifecycle_url: Option<String>,
    pub(crate) client_state: Option<String>,
    pub(crate) expires_at: Timestamp,
    pub(crate) tls: String,
}

impl fmt::Debug for SubscriptionRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionRec")
            .field("id", &self.id)
            .field("resource", &self.resource)
            .field("notification_url", &self.notification_url)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Graph subscription state inside the Microsoft store (reset with it).
#[derive(Debug, Default)]
pub(crate) struct GraphSubscriptionState {
    pub(crate) subscriptions: BTreeMap<String, SubscriptionRec>,
    pub(crate) faults: VecDeque<GraphWebhookFault>,
}
