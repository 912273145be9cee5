//! Zoom's rate limits: the per-host daily limit on creates plus updates, and optional per-second
//! limits per rate-limit label.
//!
//! Bodies and headers follow what Zoom sends (<https://developers.zoom.us/docs/api/rate-limits/>):
//! the daily message names the limit and the reset at 00:00 GMT, and `Retry-After` is an RFC 3339
//! time, not seconds.

use axum::http::StatusCode;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};

use super::errors::error;
use super::store::ZoomStore;
use crate::http::{rfc3339_seconds, with_header};
use crate::settings::Settings;

/// Zoom's rate-limit label of an endpoint.
#[derive(Clone, Copy, Debug)]
pub(super) enum Label {
    Light,
    Medium,
}

impl Label {
    fn name(self) -> &'static str {
        match self {
            Self::Light => "Light",
            Self::Medium => "Medium",
        }
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

/// Counts one request against the label's per-second limit, or answers 429.
pub(super) fn per_second(
    store: &mut ZoomStore,
    settings: &Settings,
    label: Label,
    now: Timestamp,
) -> Result<(), Response> {
    let Some(limit) = settings.zoom_per_second_limit else {
        return Ok(());
    };
    let second = now.as_second();
    let slot = store.per_second.entry(label.name()).or_insert((second, 0));
    if slot.0 != second {
        *slot = (second, 0);
    }
    if slot.1 >= limit {
        let response = error(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "You have reached the maximum per-second rate limit for this API. Try again later.",
        );
        let response = with_header(response, "x-ratelimit-category", label.name());
        let response = with_header(response, "x-ratelimit-type", "QPS");
        let response = with_header(response, "x-ratelimit-limit", &limit.to_string());
        let response = with_header(response, "x-ratelimit-remaining", "0");
        return Err(with_header(response, "retry-after", "1"));
    }
    slot.1 += 1;
    Ok(())
}

/// The UTC day number of `now` (days since 1970-01-01): Zoom staff say the daily limit resets at
/// 00:00 UTC (devforum.zoom.us/t/rate-limits-which-ones-apply/19474), as the 429 text's
/// "GMT 00:00:00" says.
pub(crate) fn utc_day(now: Timestamp) -> i64 {
    now.as_second().div_euclid(SECONDS_PER_DAY)
}

/// A host's daily budget after a counted request.
#[derive(Clone, Copy, Debug)]
pub(super) struct Budget {
    limit: u32,
    remaining: u32,
}

impl Budget {
    /// Adds `X-RateLimit-Limit` and `X-RateLimit-Remaining` to a successful create or update
    /// (nothing when the daily limit is off).
    ///
    /// A user on Zoom's forum saw create and update answers carry `x-ratelimit-remaining`
    /// counting down from 100, and deletes count down from another (account) budget
    /// (devforum.zoom.us/t/does-meeting-requests-per-day-rate-limits-include-delete-meeting/59670;
    /// reference `zoom-capacity.md` §3.2): so successes show the host's daily budget, and
    /// deletes neither count nor show it.
    pub(super) fn headers(budget: Option<Self>, response: Response) -> Response {
        let Some(budget) = budget else {
            return response;
        };
        let response = with_header(response, "x-ratelimit-limit", &budget.limit.to_string());
        with_header(
            response,
            "x-ratelimit-remaining",
            &budget.remaining.to_string(),
        )
    }
}

/// Counts one create or update against the host's daily limit: the budget left (`None` when the
/// limit is off), or the 429 Zoom answers.
///
/// The 429 is the one Zoom staff quoted
/// (devforum.zoom.us/t/zoom-api-create-meeting-api-rate-limit-sample-error-when-breaching-limit/18928):
/// the exact message, `X-RateLimit-Type: Daily-limit`, and `Retry-After` as an RFC 3339 time,
/// the next 00:00 UTC. `X-RateLimit-Category` is the endpoint's label in the spec (create Medium,
/// update Light).
pub(super) fn daily(
    store: &mut ZoomStore,
    settings: &Settings,
    label: Label,
    host_id: &str,
    now: Timestamp,
) -> Result<Option<Budget>, Response> {
    let Some(limit) = settings.zoom_daily_limit else {
        return Ok(None);
    };
    let day = utc_day(now);
    let used = store.daily.entry((host_id.to_owned(), day)).or_insert(0);
    if *used >= limit {
        let message = format!(
            "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests \
             permitted for this particular user. You may resume these requests at GMT 00:00:00."
        );
        let next_midnight = Timestamp::from_second((day + 1) * SECONDS_PER_DAY).unwrap_or(
            now.saturating_add(SignedDuration::from_hours(24))
                .unwrap_or(now),
        );
        let response = error(StatusCode::TOO_MANY_REQUESTS, 429, &message);
        let response = with_header(response, "x-ratelimit-category", label.name());
        let response = with_header(response, "x-ratelimit-type", "Daily-limit");
        let response = with_header(response, "x-ratelimit-limit", &limit.to_string());
        let response = with_header(response, "x-ratelimit-remaining", "0");
        return Err(with_header(
            response,
            "retry-after",
            &rfc3339_seconds(next_midnight),
        ));
    }
    *used += 1;
    Ok(Some(Budget {
        limit,
        remaining: limit - *used,
    }))
}
