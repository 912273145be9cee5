//! Behaviour switches that tests flip at start-up (builder) or at run time (handle / control API).

use serde::{Deserialize, Serialize};

/// How a consent screen (Google's or Microsoft's) behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMode {
    /// Show a minimal HTML page with "Allow" and "Deny" buttons (what a person sees at Google).
    #[default]
    Page,
    /// Consent at once: `/o/oauth2/v2/auth` answers 302 to the redirect URI with `code` and `state`.
    Auto,
}

/// Status code of Google's per-user quota error; Google documents both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaStatus {
    /// `403` with reason `rateLimitExceeded` (the classic answer).
    #[default]
    Forbidden,
    /// `429` with reason `rateLimitExceeded`.
    TooManyRequests,
}

/// Run-time behaviour of the emulator. Every field has a default faithful to the real services.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Google consent: page or automatic.
    pub consent: ConsentMode,
    /// Whether `events.insert` answers a Meet `createRequest` with status `pending` (as Google may).
    pub conference_pending_on_insert: bool,
    /// How many `events.get` reads still show `pending` after the insert before it turns `success`.
    pub conference_pending_reads: u32,
    /// Zoom's per-host daily limit of meeting creates plus updates (`None` disables it).
    pub zoom_daily_limit: Option<u32>,
    /// Optional per-second limit for each Zoom rate-limit label (`None`: no per-second limit).
    pub zoom_per_second_limit: Option<u32>,
    /// Zoom before June 2023: a new S2S token invalidates the account's older ones. Off by default
    /// (today every token stays valid until it expires); on, it exercises a client's
    /// "401 code 124, fetch a new token, retry once" path.
    pub zoom_single_token: bool,
    /// Google Calendar requests a user may make per minute (`None` disables the quota).
    pub google_quota_per_minute: Option<u32>,
    /// Status of the quota error.
    pub google_quota_status: QuotaStatus,
    /// Lifetime of issued access tokens, in seconds (both vendors say 3599).
    pub access_token_lifetime_secs: u64,
    /// Microsoft consent: page or automatic (the authorize endpoint redirects at once).
    pub microsoft_consent: ConsentMode,
    /// Microsoft keeps a used refresh token valid (reference `microsoft-teams.md` §1.4); on, a
    /// refresh token works once and a second use fails with `invalid_grant` AADSTS70000, the
    /// strictest case for clients that must persist every rotated token.
    pub microsoft_single_use_refresh_tokens: bool,
    /// Whether mailboxes can get Teams meetings: off, an event asking for `teamsForBusiness` comes
    /// back with `isOnlineMeeting: false`, `onlineMeetingProvider: "unknown"` and no join URL
    /// (reference §3.2, §5.5).
    pub microsoft_teams_available: bool,
    /// Outlook's limit of concurrent requests per app and mailbox (the reference's §4.3 says 4);
    /// `None` (the default) turns it off. Over it, Graph answers 429 `TooManyRequests`.
    pub microsoft_mailbox_concurrency: Option<u32>,
    /// Whether requests are recorded for [`crate::EmulatorHandle::requests`].
    pub record_requests: bool,
    /// How many recorded requests are kept (the oldest are dropped first).
    pub max_recorded_requests: usize,
    /// When a Zoom webhook is retried after a 5xx or no answer within 3 seconds, in milliseconds
    /// after the previous attempt: Zoom's 5, 20 and 60 minutes (reference `webhooks.md` §1.4).
    /// Tests shorten them; an empty list turns retries off. 3xx and 4xx are never retried.
    pub zoom_webhook_retry_delays_ms: Vec<u64>,
    /// The longest a Google push channel lives, in seconds: a `watch` asking for a later
    /// expiration gets this one. Google documents no maximum; about a week is widely reported
    /// (reference `webhooks.md` §2.1).
    pub google_channel_max_lifetime_secs: u64,
    /// When a Google push message is retried after a 500, 502, 503 or 504, in milliseconds after
    /// the previous attempt. Google retries "with exponential backoff" without saying when
    /// (reference §2.3); an empty list turns retries off.
    pub google_push_retry_delays_ms: Vec<u64>,
    /// When a Graph notification is sent again after an answer that is not 2xx within 3
    /// seconds, in milliseconds after the previous attempt. Graph resends "for up to 4 hours"
    /// without a documented schedule (reference `webhooks.md` §3.4); the emulator's choice is
    /// 1, 10, 60 and 120 minutes. Tests shorten them; an empty list turns redelivery off.
    pub graph_webhook_retry_delays_ms: Vec<u64>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            consent: ConsentMode::Page,
            conference_pending_on_insert: true,
            conference_pending_reads: 0,
            zoom_daily_limit: Some(100),
            zoom_per_second_limit: None,
            zoom_single_token: false,
            google_quota_per_minute: Some(600),
            google_quota_status: QuotaStatus::Forbidden,
            microsoft_consent: ConsentMode::Page,
            microsoft_single_use_refresh_tokens: false,
            microsoft_teams_available: true,
            microsoft_mailbox_concurrency: None,
            access_token_lifetime_secs: 3599,
            record_requests: true,
            max_recorded_requests: 10_000,
            zoom_webhook_retry_delays_ms: vec![5 * 60_000, 20 * 60_000, 60 * 60_000],
            google_channel_max_lifetime_secs: 7 * 24 * 3600,
            google_push_retry_delays_ms: vec![1_000, 2_000, 4_000, 8_000],
            graph_webhook_retry_delays_ms: vec![60_000, 10 * 60_000, 60 * 60_000, 120 * 60_000],
        }
    }
}
