//! Google's data: OAuth clients, users, grants and tokens, calendars and their events.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A registered OAuth client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleClient {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
    /// Redirect URIs, matched exactly (scheme, case and trailing slash), as Google does.
    pub redirect_uris: Vec<String>,
}

/// One `sendUpdates` decision a client made, for tests of notification behaviour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendUpdatesRecord {
    /// `insert`, `patch`, `update` or `delete`.
    pub operation: String,
    /// Calendar id as resolved (`primary` becomes the user's email).
    pub calendar_id: String,
    /// Event id.
    pub event_id: String,
    /// The `sendUpdates` query parameter, `None` when absent.
    pub send_updates: Option<String>,
}

/// An authorization request waiting for the user to press "Allow".
#[derive(Clone, Debug)]
pub(crate) struct PendingConsent {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) offline: bool,
    pub(crate) user: String,
    pub(crate) code_challenge: String,
}

#[derive(Clone, Debug)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) user: String,
    pub(crate) code_challenge: String,
    /// Whether the exchange returns a refresh token (offline access on a consent).
    pub(crate) issue_refresh: bool,
    pub(crate) expires_at: Timestamp,
    pub(crate) redeemed: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct RefreshRec {
    pub(crate) client_id: String,
    pub(crate) user: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) revoked: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct AccessRec {
    pub(crate) user: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) expires_at: Timestamp,
    /// The refresh token this access token came from: revoking either revokes both.
    pub(crate) refresh_token: Option<String>,
    pub(crate) revoked: bool,
}

/// A Meet conference, keyed by the client's `requestId`.
#[derive(Clone, Debug)]
pub(crate) struct ConferenceRec {
    pub(crate) request_id: String,
    pub(crate) conference_id: String,
    pub(crate) phone_pin: String,
    pub(crate) more_pin: String,
    pub(crate) signature: String,
    /// Reads that still see `pending`; `None` once the conference is `success`.
    pub(crate) pending_reads_left: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct EventRec {
    /// The client-writable fields as last written (summary, start, end, attendees, ...).
    pub(crate) fields: Map<String, Value>,
    pub(crate) status: String,
    pub(crate) created: Timestamp,
    pub(crate) updated: Timestamp,
    pub(crate) sequence: i64,
    pub(crate) creator: String,
    /// Bumped on every write; part of the etag.
    pub(crate) version: u64,
    /// The `requestId` of the event's Meet conference, if any.
    pub(crate) conference_request: Option<String>,
    /// The change number of the last write (see `push/sync.rs`), for incremental sync.
    pub(crate) changed: u64,
}

#[derive(Debug, Default)]
pub(crate) struct CalendarRec {
    /// Event ids in insertion order, tombstones included.
    pub(crate) order: Vec<String>,
    pub(crate) events: HashMap<String, EventRec>,
}

#[derive(Debug, Default)]
pub(crate) struct GoogleStore {
    pub(crate) clients: Vec<GoogleClient>,
    pub(crate) users: Vec<String>,
    pub(crate) pending: HashMap<String, PendingConsent>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) refresh: HashMap<String, RefreshRec>,
    pub(crate) access: HashMap<String, AccessRec>,
    /// (client id, user) pairs that consented once: later authorizations skip the refresh token
    /// unless `prompt=consent`, as at Google.
    pub(crate) grants: HashSet<(String, String)>,
    pub(crate) calendars: HashMap<String, CalendarRec>,
    pub(crate) conferences: HashMap<String, ConferenceRec>,
    /// Calendar requests per user in the current minute: user -> (minute, count).
    pub(crate) quota: HashMap<String, (i64, u32)>,
    pub(crate) send_updates: Vec<SendUpdatesRecord>,
    pub(crate) token_requests: u64,
    /// Push channels and change tracking.
    pub(crate) push: super::push::GooglePushState,
}

impl GoogleStore {
    pub(crate) fn client(&self, client_id: &str) -> Option<&GoogleClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}
