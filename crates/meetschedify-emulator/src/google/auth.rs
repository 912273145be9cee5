//! Bearer-token check, scope check and the per-user quota of the Calendar API.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;

use super::errors::{error, unauthenticated};
use crate::http::bearer;
use crate::settings::QuotaStatus;
use crate::state::Inner;

/// Scopes that allow writing events.
const WRITE_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
];

/// Scopes that allow reading events (writers can read too).
const READ_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.events.readonly",
];

/// What a request needs.
#[derive(Clone, Copy, Debug)]
pub(super) enum Access {
    Read,
    Write,
}

/// The user behind a valid token with the right scope, after counting the request against their
/// quota; or the error Google answers.
pub(super) fn authorize(
    inner: &mut Inner,
    headers: &HeaderMap,
    now: Timestamp,
    access: Access,
) -> Result<String, Response> {
    let Some(token) = bearer(headers) else {
        return Err(unauthenticated("required", "Login Required."));
    };
    let invalid = || {
        unauthenticated(
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login \
             cookie or other valid authentication credential. See \
             https://developers.google.com/identity/sign-in/web/devconsole-project.",
        )
    };
    let record = inner.google.access.get(token).ok_or_else(invalid)?;
    if record.revoked || record.expires_at <= now {
        return Err(invalid());
    }
    let allowed = match access {
        Access::Read => READ_SCOPES,
        Access::Write => WRITE_SCOPES,
    };
    if !record.scopes.iter().any(|s| allowed.contains(&s.as_str())) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "global",
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
        ));
    }
    let user = record.user.clone();
    if let Some(limit) = inner.settings.google_quota_per_minute {
        let minute = now.as_second().div_euclid(60);
        let slot = inner
            .google
            .quota
            .entry(user.clone())
            .or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        if slot.1 >= limit {
            let status = match inner.settings.google_quota_status {
                QuotaStatus::Forbidden => StatusCode::FORBIDDEN,
                QuotaStatus::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            };
            return Err(error(
                status,
                "usageLimits",
                "rateLimitExceeded",
                "Rate Limit Exceeded",
            ));
        }
        slot.1 += 1;
    }
    Ok(user)
}
