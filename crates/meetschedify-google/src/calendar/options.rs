//! How the Calendar layer behaves: which calendar, who gets emails, how long to wait for Meet.

use std::fmt;
use std::time::Duration;

use meetschedify_core::{Error, Result, RetryConfig};

/// Who Google emails about a create, update or cancel (`sendUpdates`,
/// <https://developers.google.com/calendar/api/v3/reference/events/insert#parameters>).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SendUpdates {
    /// Every attendee (`all`). The default: invitations then carry the Meet link, which is what
    /// most schedulers want, and what the Node.js original did.
    #[default]
    All,
    /// Attendees outside the organizer's Google Workspace domain only (`externalOnly`).
    ExternalOnly,
    /// Nobody (`none`); Google may still send some emails.
    None,
}

impl SendUpdates {
    /// The query value Google expects.
    pub const fn as_str(self) -> &'static str {
        match self {
            SendUpdates::All => "all",
            SendUpdates::ExternalOnly => "externalOnly",
            SendUpdates::None => "none",
        }
    }

    /// Parses Google's spelling (`all`, `externalOnly`, `none`).
    pub fn parse(value: &str, field: &str) -> Result<Self> {
        match value {
            "all" => Ok(SendUpdates::All),
            "externalOnly" => Ok(SendUpdates::ExternalOnly),
            "none" => Ok(SendUpdates::None),
            other => Err(Error::invalid_request(
                field,
                format!("send_updates must be `all`, `externalOnly` or `none`, not `{other}`"),
            )),
        }
    }

    /// The choice for one request: an explicit `send_updates` option wins, then the request's
    /// `notify_participants` (`true` is `all`, `false` is `none`), then the provider's default.
    pub fn resolve(
        default: SendUpdates,
        option: Option<SendUpdates>,
        notify: Option<bool>,
    ) -> Self {
        match (option, notify) {
            (Some(explicit), _) => explicit,
            (None, Some(true)) => SendUpdates::All,
            (None, Some(false)) => SendUpdates::None,
            (None, None) => default,
        }
    }
}

impl fmt::Display for SendUpdates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The calendar every event goes to unless configured otherwise: the account's own.
pub const DEFAULT_CALENDAR_ID: &str = "primary";

/// Settings of the Calendar layer every Google provider runs on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CalendarOptions {
    /// The calendar events are created in (default `primary`, the account's own).
    pub calendar_id: String,
    /// Who Google emails when nothing else is said (default [`SendUpdates::All`]).
    pub send_updates: SendUpdates,
    /// How long a create waits for Google to finish a Meet conference that is still `pending`
    /// (default 10 s). Google creates conferences asynchronously
    /// (<https://developers.google.com/calendar/api/v3/reference/events#conferenceData.createRequest.status.statusCode>).
    pub conference_wait: Duration,
    /// The first pause between two readiness polls, doubled after each up to 2 s (default
    /// 250 ms). The first poll is made at once: the conference is often ready by then.
    pub conference_poll_interval: Duration,
    /// Return the meeting without a link when the conference is still pending after
    /// `conference_wait`, instead of failing with `CONFERENCE_PENDING` (default `false`).
    pub allow_pending_conference: bool,
    /// How failed calls are retried (the same policy type as Zoom's).
    pub retry: RetryConfig,
    /// The longest a single HTTP attempt may take before it counts as a network failure
    /// (default 30 s).
    pub request_timeout: Duration,
    /// Whether `CreatedMeeting::raw` holds Google's event JSON (default `true`). Reading it
    /// means parsing the answer a second time (the bindings decode their own typed copy), about
    /// a fifth of the client's CPU per create in `docs/performance.md`; an application that never
    /// reads `raw` can turn it off and gets `null` there instead.
    pub raw_event: bool,
    /// The most bytes one Calendar answer may take, headers included (default 4 MiB); beyond it
    /// the call fails with a non-retryable `PROVIDER_ERROR` instead of buffering whatever a
    /// broken or hostile endpoint sends.
    pub max_response_bytes: usize,
}

impl Default for CalendarOptions {
    fn default() -> Self {
        Self {
            calendar_id: DEFAULT_CALENDAR_ID.to_owned(),
            send_updates: SendUpdates::All,
            conference_wait: Duration::from_secs(10),
            conference_poll_interval: Duration::from_millis(250),
            allow_pending_conference: false,
            retry: RetryConfig::default(),
            request_timeout: Duration::from_secs(30),
            raw_event: true,
            max_response_bytes: super::limit::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl CalendarOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether meetings carry Google's event JSON in `raw` (see [`raw_event`](Self::raw_event)).
    pub fn with_raw_event(mut self, keep: bool) -> Self {
        self.raw_event = keep;
        self
    }

    /// Sets the calendar id.
    pub fn with_calendar_id(mut self, id: impl Into<String>) -> Self {
        self.calendar_id = id.into();
        self
    }

    /// Sets the default `sendUpdates`.
    pub fn with_send_updates(mut self, send_updates: SendUpdates) -> Self {
        self.send_updates = send_updates;
        self
    }

    /// Sets how long a create waits for a pending conference.
    pub fn with_conference_wait(mut self, wait: Duration) -> Self {
        self.conference_wait = wait;
        self
    }

    /// Sets the first pause between readiness polls.
    pub fn with_conference_poll_interval(mut self, interval: Duration) -> Self {
        self.conference_poll_interval = interval;
        self
    }

    /// Accepts a meeting whose conference is still pending (no link yet).
    pub fn with_allow_pending_conference(mut self, allow: bool) -> Self {
        self.allow_pending_conference = allow;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the per-attempt timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the most bytes one Calendar answer may take (see
    /// [`max_response_bytes`](Self::max_response_bytes)).
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Checks the settings; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let id = self.calendar_id.trim();
        if id.is_empty()
            || id == "."
            || id == ".."
            || id.len() > 1024
            || id.chars().any(char::is_control)
        {
            return Err(Error::invalid_config(
                "calendar_id",
                "calendar id must be 1 to 1024 bytes without control characters",
            ));
        }
        if self.request_timeout.is_zero() {
            return Err(Error::invalid_config(
                "request_timeout",
                "request_timeout must be greater than zero",
            ));
        }
        if self.max_response_bytes < 16 * 1024 {
            return Err(Error::invalid_config(
                "max_response_bytes",
                "max_response_bytes must be at least 16 KiB (one event's answer)",
            ));
        }
        if self.conference_poll_interval.is_zero() {
            return Err(Error::invalid_config(
                "conference_poll_interval",
                "conference_poll_interval must be greater than zero",
            ));
        }
        self.retry.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_updates_resolution_order() {
        use SendUpdates as S;
        assert_eq!(S::resolve(S::All, None, None), S::All);
        assert_eq!(S::resolve(S::All, None, Some(false)), S::None);
        assert_eq!(S::resolve(S::None, None, Some(true)), S::All);
        assert_eq!(
            S::resolve(S::None, Some(S::ExternalOnly), Some(false)),
            S::ExternalOnly
        );
        for s in [S::All, S::ExternalOnly, S::None] {
            assert_eq!(S::parse(s.as_str(), "f").unwrap(), s);
        }
        assert_eq!(S::parse("everyone", "f").unwrap_err().field(), Some("f"));
    }

    #[test]
    fn defaults_are_documented_values() {
        let o = CalendarOptions::default();
        assert_eq!(o.calendar_id, "primary");
        assert_eq!(o.send_updates, SendUpdates::All);
        assert_eq!(o.conference_wait, Duration::from_secs(10));
        assert!(!o.allow_pending_conference);
        o.validate().unwrap();
        assert_eq!(
            o.clone()
                .with_calendar_id(" ")
                .validate()
                .unwrap_err()
                .field(),
            Some("calendar_id")
        );
    }
}
