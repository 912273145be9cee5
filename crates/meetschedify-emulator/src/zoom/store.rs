//! Zoom's data: accounts (S2S apps), users, tokens and meetings.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::scopes::DEFAULT_ZOOM_SCOPES;

/// A Server-to-Server OAuth app and the account it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomAccount {
    /// `account_id` form field.
    pub account_id: String,
    /// Client id (Basic auth user).
    pub client_id: String,
    /// Client secret (Basic auth password).
    pub client_secret: String,
}

/// A Zoom user's licence, which decides how many meetings the user can run at once.
///
/// Zoom's support article "Hosting multiple meetings simultaneously" (KB0068522, formerly
/// <https://support.zoom.us/hc/en-us/articles/206122046>): Basic and Pro users host one meeting at
/// a time; Business, Education and Enterprise users up to two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoomLicence {
    /// A free user (Zoom user object `type` 1).
    Basic,
    /// A Pro licensed user (the emulator's default).
    #[default]
    Pro,
    /// A Business licensed user.
    Business,
    /// An Education licensed user.
    Education,
    /// An Enterprise licensed user.
    Enterprise,
}

impl ZoomLicence {
    /// How many meetings a user with this licence can run at the same time: 1 for Basic and Pro,
    /// 2 for Business, Education and Enterprise (Zoom KB0068522).
    pub fn concurrent_meeting_limit(self) -> usize {
        match self {
            Self::Basic | Self::Pro => 1,
            Self::Business | Self::Education | Self::Enterprise => 2,
        }
    }

    /// The `type` of Zoom's user object for this licence: 1 (Basic) or 2 (Licensed).
    pub fn user_type(self) -> u8 {
        match self {
            Self::Basic => 1,
            Self::Pro | Self::Business | Self::Education | Self::Enterprise => 2,
        }
    }
}

/// A Zoom user who can host meetings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomUser {
    /// Zoom user id (the meeting's `host_id`).
    pub id: String,
    /// Email, also accepted as `{userId}`.
    pub email: String,
    /// The account the user belongs to; the first user of an account is `me`.
    pub account_id: String,
    /// The user's licence (Pro when not given).
    #[serde(default)]
    pub licence: ZoomLicence,
}

impl ZoomUser {
    /// How many meetings this user can run at the same time (see
    /// [`ZoomLicence::concurrent_meeting_limit`]).
    pub fn concurrent_meeting_limit(&self) -> usize {
        self.licence.concurrent_meeting_limit()
    }
}

/// A meeting that was deleted, with the reminder flags the client sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedMeeting {
    /// Meeting id.
    pub id: u64,
    /// Host user id.
    pub host_id: String,
    /// `schedule_for_reminder` query parameter, if sent.
    pub schedule_for_reminder: Option<bool>,
    /// `cancel_meeting_reminder` query parameter, if sent.
    pub cancel_meeting_reminder: Option<bool>,
}

/// Whether a meeting started or ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoomMeetingEventKind {
    /// The meeting went from `waiting` to `started`.
    Started,
    /// The meeting went from `started` back to `waiting` (ended through the control API, by a
    /// start that ended it to make room, or by its deletion).
    Ended,
}

/// A meeting starting or ending, in the order the emulator saw them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomMeetingEvent {
    /// Meeting id.
    pub meeting_id: u64,
    /// Host user id.
    pub host_id: String,
    /// Started or ended.
    pub kind: ZoomMeetingEventKind,
    /// When, on the emulator clock (RFC 3339 over HTTP).
    pub at: Timestamp,
}

#[derive(Clone, Debug)]
pub(crate) struct TokenRec {
    pub(crate) account_id: String,
    pub(crate) expires_at: Timestamp,
    /// The app's scopes when the token was issued: Zoom fixes them in the token, so adding a
    /// scope to the app helps only tokens issued afterwards.
    pub(crate) scopes: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct MeetingRec {
    pub(crate) host_id: String,
    /// The GET-shaped meeting object, as served.
    pub(crate) body: Map<String, Value>,
    /// When the meeting started, on the emulator clock, while it runs (`status: "started"`).
    pub(crate) started_at: Option<Timestamp>,
}

#[derive(Debug, Default)]
pub(crate) struct ZoomStore {
    pub(crate) accounts: Vec<ZoomAccount>,
    /// Scopes per account id, for apps whose scopes were changed from the default.
    pub(crate) scopes: HashMap<String, Vec<String>>,
    pub(crate) users: Vec<ZoomUser>,
    pub(crate) tokens: HashMap<String, TokenRec>,
    /// Meetings in creation order (the list endpoint answers in that order).
    pub(crate) meeting_order: Vec<u64>,
    pub(crate) meetings: HashMap<u64, MeetingRec>,
    pub(crate) deleted: Vec<DeletedMeeting>,
    /// Meetings starting and ending, oldest first.
    pub(crate) meeting_events: Vec<ZoomMeetingEvent>,
    /// Creates plus updates per (host id, UTC day number).
    pub(crate) daily: HashMap<(String, i64), u32>,
    /// Requests per rate-limit label in the current second: label -> (second, count).
    pub(crate) per_second: HashMap<&'static str, (i64, u32)>,
    /// `next_page_token` -> the listing it continues.
    pub(crate) cursors: HashMap<String, super::list::Cursor>,
    pub(crate) token_requests: u64,
    /// Webhook endpoints, faults, pending notifications and participants.
    pub(crate) webhooks: super::webhooks::ZoomWebhookState,
}

impl ZoomStore {
    /// `Ok` if `account_id` is a registered account, else the error every control call that
    /// names an account answers.
    pub(crate) fn require_account(
        &self,
        account_id: &str,
    ) -> Result<(), crate::error::EmulatorError> {
        if self.accounts.iter().any(|a| a.account_id == account_id) {
            Ok(())
        } else {
            Err(crate::error::EmulatorError::UnknownZoomAccount(
                account_id.to_owned(),
            ))
        }
    }

    /// The scopes an account's app has now.
    pub(crate) fn scopes_of(&self, account_id: &str) -> Vec<String> {
        self.scopes.get(account_id).cloned().unwrap_or_else(|| {
            DEFAULT_ZOOM_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect()
        })
    }

    /// Resolves `{userId}` (`me`, a user id or an email) within an account.
    pub(crate) fn resolve_user(&self, account_id: &str, user_id: &str) -> Option<&ZoomUser> {
        let in_account = self.users.iter().filter(|u| u.account_id == account_id);
        if user_id == "me" {
            return in_account.into_iter().next();
        }
        self.users.iter().find(|u| {
            u.account_id == account_id && (u.id == user_id || u.email.eq_ignore_ascii_case(user_id))
        })
    }

    /// A user of any account by id or email (case-insensitive), for control calls.
    pub(crate) fn find_user(&self, user: &str) -> Option<&ZoomUser> {
        self.users
            .iter()
            .find(|u| u.id == user || u.email.eq_ignore_ascii_case(user))
    }

    /// Meetings of a host, in creation order.
    pub(crate) fn meetings_of(&self, host_id: &str) -> Vec<&MeetingRec> {
        self.meeting_order
            .iter()
            .filter_map(|id| self.meetings.get(id))
            .filter(|m| m.host_id == host_id)
            .collect()
    }

    /// The account that owns a host.
    pub(crate) fn account_of(&self, host_id: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|u| u.id == host_id)
            .map(|u| u.account_id.as_str())
    }
}
