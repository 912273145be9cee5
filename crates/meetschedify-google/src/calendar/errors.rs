//! Google Calendar failures turned into meetschedify errors, once, here.
//!
//! The generated bindings report a JSON error body as `Error::BadRequest(Value)` and drop the
//! response, so [`Capture`] (a bindings `Delegate`) keeps the status and `Retry-After` header of
//! a failed answer on the side. Classes (<https://developers.google.com/calendar/api/guides/errors>):
//! 429 and 403 `rateLimitExceeded` / `userRateLimitExceeded` are `GOOGLE_RATE_LIMIT` and retried;
//! 403 `quotaExceeded` ("Calendar usage limits exceeded", which lasts hours) is
//! `GOOGLE_RATE_LIMIT` but not retried; 5xx and network failures are retried; 404 on an existing
//! event is `MEETING_NOT_FOUND`; everything else is `GOOGLE_CALENDAR_ERROR` with Google's status,
//! reason and message.

use std::time::{Duration, SystemTime};

use google_calendar3::common;
use meetschedify_core::{
    parse_retry_after, Error, ErrorCode, GoogleErrorDetails, Operation, ProviderErrorDetails,
    ProviderId,
};
use serde_json::Value;

use super::limit::{too_large, ResponseTooLarge};

/// A bindings delegate that remembers the status and `Retry-After` of a failed answer.
#[derive(Debug, Default)]
pub(crate) struct Capture {
    pub(crate) status: Option<u16>,
    pub(crate) retry_after: Option<Duration>,
}

impl common::Delegate for Capture {
    fn http_failure(&mut self, response: &common::Response, _: Option<&Value>) -> common::Retry {
        self.status = Some(response.status().as_u16());
        self.retry_after = response
            .headers()
            .get(google_calendar3::hyper::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        // Retries are ours (`with_retry`), with our policy and idempotency rules.
        common::Retry::Abort
    }
}

/// Google's reasons that mean "slow down" and are worth retrying.
const RATE_LIMIT_REASONS: &[&str] = &["rateLimitExceeded", "userRateLimitExceeded"];

/// Whether an error is Google's 409 `duplicate` (the event id is taken).
pub(crate) fn is_duplicate(err: &Error) -> bool {
    err.google_details()
        .is_some_and(|d| d.http_status == 409 && d.reason.as_deref() == Some("duplicate"))
}

/// Whether an error is Google's 410 `deleted` (the event is already cancelled).
pub(crate) fn is_deleted(err: &Error) -> bool {
    err.google_details().is_some_and(|d| d.http_status == 410)
}

/// Whether an error is a 401: the access token was refused.
pub(crate) fn is_unauthorized(err: &Error) -> bool {
    err.google_details().is_some_and(|d| d.http_status == 401)
}

/// Whether a failed request certainly changed nothing at Google: it was never sent (no token,
/// no connection), or Google refused it with a 4xx other than 408. Everything else (a 5xx, a
/// timeout, a reset after sending, a body that does not decode) may have taken effect.
pub(crate) fn certainly_not_applied(err: &common::Error, capture: &Capture) -> bool {
    let status = match err {
        common::Error::MissingToken(_) => return true,
        common::Error::HttpError(e) => return e.is_connect(),
        common::Error::Failure(response) => Some(response.status().as_u16()),
        common::Error::BadRequest(body) => body["error"]["code"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok())
            .or(capture.status),
        _ => None,
    };
    status.is_some_and(|s| (400..500).contains(&s) && s != 408)
}

/// An answer larger than the connection's limit: not retried (the same request would bring the
/// same answer), named with its limit.
pub(crate) fn oversized(t: ResponseTooLarge) -> Error {
    Error::new(
        ErrorCode::ProviderError,
        format!("{t}: the answer was refused (the limit is set with with_max_response_bytes)"),
    )
    .with_retryable(false)
}

/// Converts a bindings error into ours. `existing_event` says whether the call addressed an
/// event by id (so that 404 means the meeting does not exist, rather than the calendar).
pub(crate) fn from_bindings(
    err: common::Error,
    capture: &Capture,
    provider: &ProviderId,
    operation: Operation,
    existing_event: bool,
) -> Error {
    let err = match err {
        common::Error::BadRequest(body) => from_google_json(&body, capture, existing_event),
        common::Error::Failure(response) => {
            let status = response.status().as_u16();
            // No body to read a reason from: the status alone decides, as for a JSON error.
            from_status(status, None, None, capture.retry_after, existing_event)
        }
        common::Error::HttpError(e) => match too_large(&e) {
            Some(t) => oversized(t).with_source(e),
            None => network(&e).with_source(e),
        },
        common::Error::Io(e) => match too_large(&e) {
            Some(t) => oversized(t).with_source(e),
            None => network(&e).with_source(e),
        },
        common::Error::MissingToken(e) => match e.downcast::<Error>() {
            // Our token layer's own error (not connected, revoked, refresh failed) as it was.
            Ok(ours) => *ours,
            Err(other) => Error::new(
                ErrorCode::GoogleTokenRefreshFailed,
                format!("no access token for google calendar: {other}"),
            ),
        },
        common::Error::JsonDecodeError(_, e) => Error::new(
            ErrorCode::ProviderError,
            format!("google calendar answered json that does not match its schema: {e}"),
        ),
        other => Error::new(
            ErrorCode::ProviderError,
            format!("google calendar call failed: {other}"),
        ),
    };
    err.with_provider(provider.clone())
        .with_operation(operation)
}

/// A transport failure, with its cause chain in the message ("client error (SendRequest):
/// connection closed before message completed"): hyper's top-level text alone says little.
fn network(err: &(dyn std::error::Error + 'static)) -> Error {
    Error::new(
        ErrorCode::NetworkError,
        format!(
            "could not reach google calendar: {}",
            meetschedify_core::cause_chain(err)
        ),
    )
    .with_retryable(true)
}

/// Google's JSON error envelope: `{"error": {"code", "message", "errors": [{"reason", ...}]}}`.
fn from_google_json(body: &Value, capture: &Capture, existing_event: bool) -> Error {
    let error = &body["error"];
    let status = error["code"]
        .as_u64()
        .and_then(|c| u16::try_from(c).ok())
        .or(capture.status)
        .unwrap_or(0);
    let reason = error["errors"][0]["reason"].as_str().map(str::to_owned);
    let message = error["message"]
        .as_str()
        .or_else(|| error["errors"][0]["message"].as_str())
        .map(str::to_owned);
    from_status(status, reason, message, capture.retry_after, existing_event)
}

/// The error of an event refused to a tenant that does not own it: what Google answers for an
/// event id it does not know (`404 notFound`).
pub(crate) fn not_found() -> Error {
    from_status(
        404,
        Some("notFound".to_owned()),
        Some("Not Found".to_owned()),
        None,
        true,
    )
    // As a real 404 reports: refused on the first read's answer.
    .with_attempts(1)
}

fn from_status(
    status: u16,
    reason: Option<String>,
    message: Option<String>,
    retry_after: Option<Duration>,
    existing_event: bool,
) -> Error {
    let reason_str = reason.as_deref().unwrap_or("");
    let (code, retryable) = match status {
        429 => (ErrorCode::GoogleRateLimit, true),
        403 if RATE_LIMIT_REASONS.contains(&reason_str) => (ErrorCode::GoogleRateLimit, true),
        403 if reason_str == "quotaExceeded" => (ErrorCode::GoogleRateLimit, false),
        404 if existing_event => (ErrorCode::MeetingNotFound, false),
        // The server (or a proxy) gave up waiting for the request: as safe to repeat as a 5xx,
        // since a create carries its own event id.
        408 => (ErrorCode::GoogleCalendarError, true),
        s if s >= 500 => (ErrorCode::GoogleCalendarError, true),
        _ => (ErrorCode::GoogleCalendarError, false),
    };
    let text = match (&reason, &message) {
        (Some(r), Some(m)) => format!("google calendar answered {status} {r}: {m}"),
        (None, Some(m)) => format!("google calendar answered {status}: {m}"),
        (Some(r), None) => format!("google calendar answered {status} {r}"),
        (None, None) => format!("google calendar answered {status} with a body that is not json"),
    };
    Error::new(code, text)
        .with_retryable(retryable)
        .with_retry_after(retry_after)
        .with_details(ProviderErrorDetails::Google(GoogleErrorDetails::new(
            status, reason, message,
        )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(status: u16, reason: &str, existing: bool) -> Error {
        let body = json!({"error": {"code": status, "message": "m", "errors": [{"reason": reason, "message": "m"}]}});
        let capture = Capture {
            status: Some(status),
            retry_after: Some(Duration::from_secs(3)),
        };
        from_bindings(
            common::Error::BadRequest(body),
            &capture,
            &ProviderId::GOOGLE_MEET,
            Operation::CreateMeeting,
            existing,
        )
    }

    #[test]
    fn the_mapping_table() {
        let cases = [
            (429, "rateLimitExceeded", ErrorCode::GoogleRateLimit, true),
            (403, "rateLimitExceeded", ErrorCode::GoogleRateLimit, true),
            (
                403,
                "userRateLimitExceeded",
                ErrorCode::GoogleRateLimit,
                true,
            ),
            (403, "quotaExceeded", ErrorCode::GoogleRateLimit, false),
            (
                403,
                "insufficientPermissions",
                ErrorCode::GoogleCalendarError,
                false,
            ),
            (
                403,
                "forbiddenForNonOrganizer",
                ErrorCode::GoogleCalendarError,
                false,
            ),
            (400, "invalid", ErrorCode::GoogleCalendarError, false),
            (401, "authError", ErrorCode::GoogleCalendarError, false),
            (409, "duplicate", ErrorCode::GoogleCalendarError, false),
            (410, "deleted", ErrorCode::GoogleCalendarError, false),
            (408, "requestTimeout", ErrorCode::GoogleCalendarError, true),
            (500, "backendError", ErrorCode::GoogleCalendarError, true),
            (503, "backendError", ErrorCode::GoogleCalendarError, true),
        ];
        for (status, reason, code, retryable) in cases {
            let err = map(status, reason, false);
            assert_eq!(err.code(), code, "{status} {reason}");
            assert_eq!(err.is_retryable(), retryable, "{status} {reason}");
            assert_eq!(err.http_status(), Some(status));
            let d = err.google_details().unwrap();
            assert_eq!(d.reason.as_deref(), Some(reason));
            assert_eq!(d.message.as_deref(), Some("m"));
            assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
            assert_eq!(err.provider_id(), Some(&ProviderId::GOOGLE_MEET));
        }
        assert_eq!(
            map(404, "notFound", true).code(),
            ErrorCode::MeetingNotFound
        );
        assert_eq!(
            map(404, "notFound", false).code(),
            ErrorCode::GoogleCalendarError
        );
        assert!(is_duplicate(&map(409, "duplicate", false)));
        assert!(is_deleted(&map(410, "deleted", true)));
        assert!(is_unauthorized(&map(401, "authError", true)));
    }

    #[test]
    fn our_token_errors_come_through_unchanged() {
        let ours = Error::new(
            ErrorCode::GoogleAuthRevoked,
            "token has been expired or revoked",
        );
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(ours);
        let err = from_bindings(
            common::Error::MissingToken(boxed),
            &Capture::default(),
            &ProviderId::GOOGLE_MEET,
            Operation::GetMeeting,
            true,
        );
        assert_eq!(err.code(), ErrorCode::GoogleAuthRevoked);
        assert_eq!(err.message(), "token has been expired or revoked");
    }
}
