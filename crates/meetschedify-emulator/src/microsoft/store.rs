//! Microsoft's data: Entra apps and users, consent grants, codes and tokens, application access
//! policies, and each mailbox's calendar events and Teams online meetings.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An app registration in an Entra tenant (confidential client: it always has a secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicrosoftApp {
    /// Directory (tenant) id the app lives in (`MICROSOFT_TENANT_ID`).
    pub tenant_id: String,
    /// Application (client) id (`MICROSOFT_CLIENT_ID`).
    pub client_id: String,
    /// Client secret value (`MICROSOFT_CLIENT_SECRET`).
    pub client_secret: String,
    /// Registered redirect URIs, matched exactly.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Admin-consented Graph *application* permissions, put in app-only tokens as `roles`
    /// (e.g. `Calendars.ReadWrite`, `OnlineMeetings.ReadWrite.All`).
    #[serde(default)]
    pub roles: Vec<String>,
    /// When true the secret is expired: the token endpoint answers AADSTS7000222.
    #[serde(default)]
    pub secret_expired: bool,
}

/// A work or school account in a tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicrosoftUser {
    /// Tenant the user belongs to.
    pub tenant_id: String,
    /// Entra object id (a GUID): the `{userId}` of Graph paths.
    pub id: String,
    /// User principal name, also the mailbox address.
    pub user_principal_name: String,
    /// Display name shown as organizer and attendee name.
    pub display_name: String,
}

/// A cancellation the organizer's mailbox sent to attendees (on `cancel` or on `DELETE`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MicrosoftCancellation {
    /// Organizer's object id.
    pub user_id: String,
    /// The organizer's event id.
    pub event_id: String,
    /// `cancel` or `delete`.
    pub operation: String,
    /// The cancellation text (`cancel` only).
    pub comment: Option<String>,
    /// Attendee addresses the cancellation went to.
    pub recipients: Vec<String>,
}

/// An authorization request waiting for the user's decision on the consent page.
#[derive(Clone, Debug)]
pub(crate) struct PendingConsent {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) code_challenge: String,
    pub(crate) challenge_method: String,
}

/// An issued authorization code.
#[derive(Clone, Debug)]
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) code_challenge: String,
    pub(crate) challenge_method: String,
    pub(crate) expires_at: Timestamp,
    pub(crate) redeemed: bool,
}

/// A refresh token.
#[derive(Clone, Debug)]
pub(crate) struct RefreshRec {
    pub(crate) client_id: String,
    pub(crate) user_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) issued_at: Timestamp,
    /// Set when it was used and `microsoft_single_use_refresh_tokens` is on.
    pub(crate) used: bool,
}

/// Who an access token speaks for.
#[derive(Clone, Debug)]
pub(crate) enum Principal {
    /// App-only (client credentials): the app's application permissions.
    App { roles: Vec<String> },
    /// Delegated: a signed-in user and the consented scopes (short names, e.g. `Calendars.ReadWrite`).
    User {
        user_id: String,
        scopes: Vec<String>,
    },
}

/// An access token for Graph.
#[derive(Clone, Debug)]
pub(crate) struct AccessRec {
    pub(crate) tenant_id: String,
    pub(crate) client_id: String,
    pub(crate) principal: Principal,
    pub(crate) expires_at: Timestamp,
}

/// A calendar event in one mailbox.
#[derive(Clone, Debug)]
pub(crate) struct EventRec {
    /// Client-writable fields as last written (subject, body, start, end, attendees, ...).
    pub(crate) fields: Map<String, Value>,
    /// Single-value extended properties by id (never in create answers).
    pub(crate) extended: BTreeMap<String, Value>,
    pub(crate) created: Timestamp,
    pub(crate) modified: Timestamp,
    pub(crate) version: u64,
    pub(crate) ical_uid: String,
    pub(crate) is_organizer: bool,
    pub(crate) organizer_id: String,
    pub(crate) is_cancelled: bool,
    /// The Teams meeting attached to the event: (join URL, conference id).
    pub(crate) teams: Option<(String, String)>,
    /// For the organizer's event, (attendee user id, event id) copies on attendees' calendars.
    pub(crate) copies: Vec<(String, String)>,
}

/// One mailbox's calendar: events in creation order.
#[derive(Debug, Default)]
pub(crate) struct Mailbox {
    pub(crate) order: Vec<String>,
    pub(crate) events: HashMap<String, EventRec>,
    /// transactionId -> (event id, the create body it came with).
    pub(crate) transactions: HashMap<String, (String, Value)>,
}

/// A standalone Teams meeting.
#[derive(Clone, Debug)]
pub(crate) struct MeetingRec {
    /// The organizer's tenant: with the user id, whose meeting it is (§2.3 keys meetings by
    /// tenant and user).
    pub(crate) tenant_id: String,
    pub(crate) user_id: String,
    /// The full onlineMeeting resource as Graph renders it.
    pub(crate) body: Map<String, Value>,
}

impl MeetingRec {
    /// Whether `user` (the organizer a call addresses) owns the meeting: the same object id in
    /// the same tenant.
    pub(crate) fn is_of(&self, user: &MicrosoftUser) -> bool {
        self.user_id == user.id && self.tenant_id == user.tenant_id
    }
}

/// Everything Microsoft-side.
#[derive(Debug, Default)]
pub(crate) struct MicrosoftStore {
    pub(crate) apps: Vec<MicrosoftApp>,
    pub(crate) users: Vec<MicrosoftUser>,
    pub(crate) pending: HashMap<String, PendingConsent>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) refresh: HashMap<String, RefreshRec>,
    pub(crate) access: HashMap<String, AccessRec>,
    /// (client id, user id) -> consented delegated scopes.
    pub(crate) grants: HashMap<(String, String), Vec<String>>,
    /// Per user: refresh tokens issued before this instant are revoked (TokensValidFrom).
    pub(crate) tokens_valid_from: HashMap<String, Timestamp>,
    /// Users for whom Conditional Access now requires MFA: their refreshes fail with AADSTS50076.
    pub(crate) mfa_required: HashSet<String>,
    /// Application access policy grants: (client id, user id); a user id of `*` is global.
    pub(crate) policies: HashSet<(String, String)>,
    pub(crate) mailboxes: HashMap<String, Mailbox>,
    /// Online meetings by id, and their order.
    pub(crate) meetings: HashMap<String, MeetingRec>,
    pub(crate) meeting_order: Vec<String>,
    /// (tenant id, user id, externalId) -> meeting id, for createOrGet (§2.3: "tenantId,
    /// userId, externalId").
    pub(crate) external_ids: HashMap<(String, String, String), String>,
    pub(crate) cancellations: Vec<MicrosoftCancellation>,
    /// Graph requests in flight per (client id, mailbox user id).
    pub(crate) in_flight: HashMap<(String, String), u32>,
    pub(crate) token_requests: u64,
    /// Graph subscriptions and their delivery faults.
    pub(crate) subscriptions: super::subscriptions::GraphSubscriptionState,
}

impl MicrosoftStore {
    pub(crate) fn app(&self, client_id: &str) -> Option<&MicrosoftApp> {
        self.apps.iter().find(|a| a.client_id == client_id)
    }

    /// A user of `tenant_id` by object id or UPN (UPNs compare case-insensitively).
    pub(crate) fn user_in(&self, tenant_id: &str, key: &str) -> Option<&MicrosoftUser> {
        self.users
            .iter()
            .filter(|u| u.tenant_id == tenant_id)
            .find(|u| {
                u.id.eq_ignore_ascii_case(key) || u.user_principal_name.eq_ignore_ascii_case(key)
            })
    }

    /// A user of any tenant by object id or UPN.
    pub(crate) fn user(&self, key: &str) -> Option<&MicrosoftUser> {
        self.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(key) || u.user_principal_name.eq_ignore_ascii_case(key)
        })
    }

    pub(crate) fn user_by_id(&self, id: &str) -> Option<&MicrosoftUser> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Whether a tenant id or domain is known (an app or user lives there).
    pub(crate) fn tenant_known(&self, tenant: &str) -> bool {
        self.apps
            .iter()
            .any(|a| a.tenant_id.eq_ignore_ascii_case(tenant))
            || self
                .users
                .iter()
                .any(|u| u.tenant_id.eq_ignore_ascii_case(tenant))
    }
}
