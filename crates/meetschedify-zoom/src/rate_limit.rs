//! Telling Zoom's daily limit from its per-second one, and how long each asks us to wait.
//!
//! Zoom documents `X-RateLimit-Type: Daily-limit` and a `Retry-After` that is an RFC 3339 time, not
//! seconds (<https://developers.zoom.us/docs/api/rate-limits/>); the per-user limit of 100 meeting
//! creates/updates a day has been seen answering with only its message, "... You may resume these
//! requests at GMT 00:00:00." (the limit, "100 create/update requests per day (UTC) per user",
//! is on the same page). Both signs are read; either one makes the limit daily.

use std::time::{Duration, SystemTime};

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::parse_retry_after;
use reqwest::header::HeaderMap;

/// Which limit a 429 came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RateLimit {
    /// The per-user (or per-account) daily limit: retrying before 00:00 UTC is pointless.
    Daily {
        /// Until the reset.
        retry_after: Duration,
    },
    /// A per-second (QPS) limit: retry shortly.
    PerSecond {
        /// What `Retry-After` asked for, if anything.
        retry_after: Option<Duration>,
    },
}

/// Reads a 429's headers and message.
pub(crate) fn classify(headers: &HeaderMap, message: Option<&str>, now: SystemTime) -> RateLimit {
    let daily_header = headers
        .get("x-ratelimit-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("daily-limit"));
    let daily_message = message.is_some_and(|m| m.to_ascii_lowercase().contains("daily"));
    let retry_after = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after_value(v, now));
    if daily_header || daily_message {
        RateLimit::Daily {
            retry_after: retry_after.unwrap_or_else(|| until_next_utc_midnight(now)),
        }
    } else {
        RateLimit::PerSecond { retry_after }
    }
}

/// `Retry-After` as delta-seconds, an HTTP date, or (Zoom's habit) an RFC 3339 time.
fn retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    if let Some(d) = parse_retry_after(value, now) {
        return Some(d);
    }
    let at: Timestamp = value.trim().parse().ok()?;
    let now = Timestamp::try_from(now).ok()?;
    Some(at.duration_since(now).try_into().unwrap_or(Duration::ZERO))
}

/// Zoom's daily counters reset at 00:00 UTC.
pub(crate) fn until_next_utc_midnight(now: SystemTime) -> Duration {
    let since_epoch = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let into_day = since_epoch % 86_400;
    Duration::from_secs(86_400 - into_day)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    // 2023-11-14T22:13:20Z
    const NOW: u64 = 1_700_000_000;

    #[test]
    fn daily_header_with_rfc3339_retry_after() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-type", HeaderValue::from_static("Daily-limit"));
        h.insert(
            "retry-after",
            HeaderValue::from_static("2023-11-15T00:00:00Z"),
        );
        assert_eq!(
            classify(&h, None, at(NOW)),
            RateLimit::Daily {
                retry_after: Duration::from_secs(6400)
            }
        );
    }

    #[test]
    fn daily_message_alone_waits_until_midnight_utc() {
        let msg = "You have exceeded the daily rate limit (100) of Meeting Create/Update API \
                   requests permitted for this particular user. You may resume these requests at \
                   GMT 00:00:00.";
        assert_eq!(
            classify(&HeaderMap::new(), Some(msg), at(NOW)),
            RateLimit::Daily {
                retry_after: Duration::from_secs(6400)
            }
        );
    }

    #[test]
    fn per_second_reads_seconds_or_nothing() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-type", HeaderValue::from_static("QPS"));
        h.insert("retry-after", HeaderValue::from_static("2"));
        let msg =
            "You have reached the maximum per-second rate limit for this API. Try again later.";
        assert_eq!(
            classify(&h, Some(msg), at(NOW)),
            RateLimit::PerSecond {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            classify(&HeaderMap::new(), None, at(NOW)),
            RateLimit::PerSecond { retry_after: None }
        );
    }

    #[test]
    fn midnight_is_computed_in_utc() {
        assert_eq!(until_next_utc_midnight(at(0)), Duration::from_secs(86_400));
        assert_eq!(until_next_utc_midnight(at(86_399)), Duration::from_secs(1));
    }
}
