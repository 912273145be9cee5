//! Turning what went wrong on the wire into meetschedify's [`Error`], once, at the boundary.
//!
//! | what happened | code | retried |
//! |---|---|---|
//! | token endpoint says `invalid_client` | `ZOOM_INVALID_CLIENT` | no |
//! | any other token failure | `ZOOM_TOKEN_ERROR` | only 5xx |
//! | 429 per-second | `ZOOM_RATE_LIMIT` + `retry_after` | yes, after `Retry-After` |
//! | 429 daily | `ZOOM_RATE_LIMIT` + `retry_after` until 00:00 UTC | no |
//! | 404 code 3001 | `MEETING_NOT_FOUND` | no |
//! | 400 code 4711 (token lacks scopes), after one fresh token | `INSUFFICIENT_SCOPES`, naming them | no |
//! | 401 after one fresh token | `ZOOM_TOKEN_ERROR` | no |
//! | 408, 500, 502, 503, 504 | `ZOOM_MEETING_ERROR` (+ `retry_after` on a 503) | yes (a create only after a lookup) |
//! | a `Retry-After` longer than `RetryConfig::max_retry_after` | the error as it came, with `retry_after` | no, returned at once |
//! | an answer over `max_response_bytes` (token answers: 64 KiB) | `PROVIDER_ERROR` naming the limit | no |
//! | other 4xx/5xx | `ZOOM_MEETING_ERROR` | no |
//! | connect error, timeout, reset | `ZOOM_NETWORK_ERROR` | yes (a create only after a lookup) |
//! | retryable failure on every attempt | `ZOOM_MAX_RETRIES_EXCEEDED`, last cause as source | no |

use std::time::SystemTime;

use meetschedify_core::{
    parse_retry_after, Error, ErrorCode, ProviderErrorDetails, ProviderId, RetryConfig,
    ZoomErrorDetails,
};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::rate_limit::{classify, RateLimit};

/// Zoom error bodies are small; anything longer is cut so errors stay cheap to log and clone.
const MAX_BODY_CHARS: usize = 4096;

/// A failed call, and whether the request may have taken effect at Zoom anyway.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// The request was (or may have been) delivered and its outcome is unknown: a timeout, a
    /// connection lost after sending, a gateway error. Repeating a create after this could
    /// make a second meeting.
    pub(crate) ambiguous: bool,
}

impl Failure {
    /// A failure that certainly changed nothing at Zoom.
    pub(crate) fn clear(error: Error) -> Self {
        Self {
            error,
            ambiguous: false,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::clear(error)
    }
}

/// Zoom's error envelope: `{"code": 3001, "message": "..."}`.
pub(crate) struct ZoomBody {
    pub(crate) code: Option<i64>,
    pub(crate) message: Option<String>,
    pub(crate) text: String,
}

impl ZoomBody {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        let text = truncate(&String::from_utf8_lossy(bytes));
        let json: Option<Value> = serde_json::from_slice(bytes).ok();
        let code = json
            .as_ref()
            .and_then(|v| v.get("code"))
            .and_then(Value::as_i64);
        let message = json
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("reason")))
            .and_then(Value::as_str)
            .map(|m| m.trim().trim_end_matches('.').to_owned());
        Self {
            code,
            message,
            text,
        }
    }

    /// Zoom refused the token for missing scopes: code 4711, or the documented 4700 with the same
    /// "does not contain scopes" wording (<https://developers.zoom.us/docs/api/errors/>).
    pub(crate) fn lacks_scopes(&self) -> bool {
        self.code == Some(SCOPES_MISSING)
            || self
                .message
                .as_deref()
                .is_some_and(|m| m.contains("does not contain scopes"))
    }

    fn details(&self, status: u16) -> ProviderErrorDetails {
        let body = (!self.text.is_empty()).then(|| self.text.clone());
        ProviderErrorDetails::Zoom(ZoomErrorDetails::new(status, self.code, body))
    }

    fn describe(&self, status: u16) -> String {
        match (&self.code, &self.message) {
            (Some(code), Some(m)) => format!("zoom answered {status} (code {code}): {m}"),
            (None, Some(m)) => format!("zoom answered {status}: {m}"),
            (Some(code), None) => format!("zoom answered {status} (code {code})"),
            (None, None) => format!("zoom answered {status}"),
        }
    }
}

/// Zoom's code for a token without the scopes an endpoint needs
/// (<https://developers.zoom.us/docs/integrations/oauth-error-messages/>).
pub(crate) const SCOPES_MISSING: i64 = 4711;

/// The scopes named in Zoom's `Invalid access token, does not contain scopes:[a,b].`, in order.
pub(crate) fn scopes_in_message(message: &str) -> Vec<String> {
    let Some((_, rest)) = message.split_once("scopes:[") else {
        return Vec::new();
    };
    let list = rest.split_once(']').map_or(rest, |(list, _)| list);
    list.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What an operator reads: which scopes to add, where, and that a new token is needed (the one
/// in use keeps the scopes it was issued with).
fn insufficient_scopes_message(message: Option<&str>) -> String {
    let scopes = message.map(scopes_in_message).unwrap_or_default();
    let fix = "add them in the Zoom App Marketplace and issue a new token";
    if scopes.is_empty() {
        format!(
            "the Zoom app lacks a scope this call needs ({}): {fix}",
            message.unwrap_or("no message")
        )
    } else {
        format!("the Zoom app lacks the scopes {}: {fix}", scopes.join(" "))
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_BODY_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A transport failure: nothing answered, or the answer was lost.
pub(crate) fn network(err: &reqwest::Error, provider: &ProviderId) -> Failure {
    // A refused or failed connection never carried the request, so it is safe to repeat;
    // everything else (timeout, reset, a body cut short) may have reached Zoom.
    let (message, ambiguous) = if err.is_connect() && !err.is_timeout() {
        (
            format!(
                "could not connect to zoom: {}",
                meetschedify_core::cause_chain(err)
            ),
            false,
        )
    } else if err.is_timeout() {
        (
            "zoom did not answer before the request timeout".to_owned(),
            true,
        )
    } else {
        (
            format!(
                "the connection to zoom failed: {}",
                meetschedify_core::cause_chain(err)
            ),
            true,
        )
    };
    Failure {
        error: Error::new(ErrorCode::ZoomNetworkError, message).with_provider(provider.clone()),
        ambiguous,
    }
}

/// A Meetings API answer with an error status.
pub(crate) fn api_status(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    provider: &ProviderId,
) -> Failure {
    let parsed = ZoomBody::parse(body);
    let details = parsed.details(status);
    let described = parsed.describe(status);
    let base = |code: ErrorCode, message: String| {
        Error::new(code, message)
            .with_details(details.clone())
            .with_provider(provider.clone())
    };
    match status {
        429 => Failure::clear(rate_limited(
            base(ErrorCode::ZoomRateLimit, described.clone()),
            headers,
            parsed.message.as_deref(),
        )),
        401 => Failure::clear(
            base(
                ErrorCode::ZoomTokenError,
                format!("{described}; a fresh access token was refused too"),
            )
            .with_retryable(false),
        ),
        404 if parsed.code == Some(3001) => {
            Failure::clear(base(ErrorCode::MeetingNotFound, described))
        }
        _ if parsed.lacks_scopes() => Failure::clear(
            base(
                ErrorCode::InsufficientScopes,
                insufficient_scopes_message(parsed.message.as_deref()),
            )
            .with_retryable(false),
        ),
        // The request may have been processed behind a gateway that then failed.
        408 | 500 | 502 | 504 => Failure {
            error: base(ErrorCode::ZoomMeetingError, described).with_retryable(true),
            ambiguous: true,
        },
        // Zoom refused the request before doing anything. A `Retry-After` on a 503 (RFC 9110
        // §10.2.3) is honoured like a 429's, up to the retry policy's `max_retry_after`.
        503 => Failure::clear(
            base(ErrorCode::ZoomMeetingError, described)
                .with_retryable(true)
                .with_retry_after(
                    headers
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now())),
                ),
        ),
        _ => Failure::clear(base(ErrorCode::ZoomMeetingError, described).with_retryable(false)),
    }
}

/// Fills in `retry_after` and whether a 429 is worth retrying.
pub(crate) fn rate_limited(err: Error, headers: &HeaderMap, message: Option<&str>) -> Error {
    match classify(headers, message, SystemTime::now()) {
        RateLimit::Daily { retry_after } => err
            .with_retryable(false)
            .with_retry_after(Some(retry_after)),
        RateLimit::PerSecond { retry_after } => {
            err.with_retryable(true).with_retry_after(retry_after)
        }
    }
}

/// Whether `err` is a daily-limit 429: the host made its creates and updates for today.
/// [`rate_limited`] is the one place that tells the limits apart, and only a daily 429 leaves
/// `ZOOM_RATE_LIMIT` non-retryable (a per-second one is retried, or wrapped as
/// `ZOOM_MAX_RETRIES_EXCEEDED` when retries run out).
pub(crate) fn is_daily_limit(err: &Error) -> bool {
    err.code() == ErrorCode::ZoomRateLimit && !err.is_retryable()
}

/// A success status whose body is not what Zoom documents.
pub(crate) fn unexpected(what: &str, provider: &ProviderId) -> Error {
    Error::new(
        ErrorCode::ProviderError,
        format!("zoom answered with {what}"),
    )
    .with_provider(provider.clone())
}

/// After the retry loop: a retryable error left over means every attempt failed.
///
/// `note` is the duplicate guard's verdict on an ambiguous create. An error carrying one is
/// never retryable, whatever the retry budget: the guard already used it, and if the verdict is
/// "unknown" a blind re-send could make a second meeting.
pub(crate) fn gave_up(err: Error, retry: &RetryConfig, note: Option<&str>) -> Error {
    // A `Retry-After` beyond the policy's cap stopped the loop, not the attempt budget: the
    // error goes back as it is, with its `retry_after`, for the application to schedule.
    let asked_too_long = err
        .retry_after()
        .is_some_and(|after| after > retry.max_retry_after);
    if !err.is_retryable() || retry.max_attempts <= 1 || (asked_too_long && note.is_none()) {
        return match note {
            Some(note) => err.with_retryable(false).with_note(note),
            None => err,
        };
    }
    let attempts = err.attempts().unwrap_or(retry.max_attempts);
    let mut message = format!("zoom call failed after {attempts} attempts: {err}");
    if let Some(note) = note {
        message.push_str("; ");
        message.push_str(note);
    }
    let mut wrapped = Error::new(ErrorCode::ZoomMaxRetriesExceeded, message)
        .with_attempts(attempts)
        .with_retry_after(err.retry_after())
        .with_outcome_unknown(err.outcome_unknown());
    if let Some(p) = err.provider_id() {
        wrapped = wrapped.with_provider(p.clone());
    }
    if let Some(op) = err.operation() {
        wrapped = wrapped.with_operation(op);
    }
    if let Some(d) = err.details() {
        wrapped = wrapped.with_details(d.clone());
    } else if let Some(s) = err.http_status() {
        wrapped = wrapped.with_http_status(s);
    }
    wrapped.with_source(err)
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn map(status: u16, body: &str) -> Failure {
        api_status(
            status,
            &HeaderMap::new(),
            body.as_bytes(),
            &ProviderId::ZOOM,
        )
    }

    #[test]
    fn statuses_map_to_codes() {
        let cases: [(u16, &str, ErrorCode, bool, bool); 9] = [
            (
                404,
                r#"{"code":3001,"message":"Meeting 1 is not found or has expired."}"#,
                ErrorCode::MeetingNotFound,
                false,
                false,
            ),
            (
                404,
                r#"{"code":1001,"message":"User not exist: x."}"#,
                ErrorCode::ZoomMeetingError,
                false,
                false,
            ),
            (
                400,
                r#"{"code":300,"message":"Validation Failed."}"#,
                ErrorCode::ZoomMeetingError,
                false,
                false,
            ),
            (403, "", ErrorCode::ZoomMeetingError, false, false),
            (
                401,
                r#"{"code":124,"message":"Invalid access token."}"#,
                ErrorCode::ZoomTokenError,
                false,
                false,
            ),
            (500, "", ErrorCode::ZoomMeetingError, true, true),
            (
                502,
                "<html>bad gateway</html>",
                ErrorCode::ZoomMeetingError,
                true,
                true,
            ),
            (503, "", ErrorCode::ZoomMeetingError, true, false),
            (504, "", ErrorCode::ZoomMeetingError, true, true),
        ];
        for (status, body, code, retryable, ambiguous) in cases {
            let f = map(status, body);
            assert_eq!(f.error.code(), code, "{status} {body}");
            assert_eq!(f.error.is_retryable(), retryable, "{status} {body}");
            assert_eq!(f.ambiguous, ambiguous, "{status} {body}");
            assert_eq!(f.error.http_status(), Some(status));
            let details = f.error.zoom_details().unwrap();
            assert_eq!(details.http_status, status);
            assert_eq!(details.body.as_deref(), (!body.is_empty()).then_some(body));
        }
        let nf = map(
            404,
            r#"{"code":3001,"message":"Meeting 1 is not found or has expired."}"#,
        );
        assert_eq!(nf.error.zoom_details().unwrap().code, Some(3001));
        assert_eq!(
            nf.error.message(),
            "zoom answered 404 (code 3001): Meeting 1 is not found or has expired"
        );
    }

    #[test]
    fn missing_scopes_are_named_and_never_retried() {
        let body = r#"{"code":4711,"message":"Invalid access token, does not contain scopes:[meeting:write:admin]."}"#;
        let f = map(400, body);
        assert_eq!(f.error.code(), ErrorCode::InsufficientScopes);
        assert!(!f.error.is_retryable());
        assert!(!f.ambiguous);
        assert_eq!(
            f.error.message(),
            "the Zoom app lacks the scopes meeting:write:admin: add them in the Zoom App \
             Marketplace and issue a new token"
        );
        let details = f.error.zoom_details().unwrap();
        assert_eq!((details.http_status, details.code), (400, Some(4711)));
        let documented = map(
            400,
            r#"{"code":4700,"message":"Invalid access token, does not contain scopes:[a:b:admin,c:d]."}"#,
        );
        assert_eq!(documented.error.code(), ErrorCode::InsufficientScopes);
        assert!(documented.error.message().contains("scopes a:b:admin c:d:"));
        let bare = map(400, r#"{"code":4711,"message":"Scope missing"}"#);
        assert_eq!(bare.error.code(), ErrorCode::InsufficientScopes);
        assert!(
            bare.error.message().contains("(Scope missing)"),
            "{}",
            bare.error
        );
        let wrapped = gave_up(f.error, &RetryConfig::default(), None);
        assert_eq!(wrapped.code(), ErrorCode::InsufficientScopes);
    }

    #[test]
    fn scope_lists_are_read_from_the_message() {
        assert_eq!(
            scopes_in_message("does not contain scopes:[a, b:admin]."),
            ["a", "b:admin"]
        );
        assert!(scopes_in_message("Invalid access token").is_empty());
    }

    #[test]
    fn rate_limits_are_told_apart() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        let per_second = api_status(
            429,
            &h,
            br#"{"code":429,"message":"slow down"}"#,
            &ProviderId::ZOOM,
        );
        assert_eq!(per_second.error.code(), ErrorCode::ZoomRateLimit);
        assert!(per_second.error.is_retryable());
        assert_eq!(
            per_second.error.retry_after(),
            Some(std::time::Duration::from_secs(3))
        );
        h.insert("x-ratelimit-type", HeaderValue::from_static("Daily-limit"));
        let daily = api_status(429, &h, b"{}", &ProviderId::ZOOM);
        assert_eq!(daily.error.code(), ErrorCode::ZoomRateLimit);
        assert!(!daily.error.is_retryable());
    }

    #[test]
    fn long_bodies_are_truncated() {
        let long = "é".repeat(10_000);
        let f = map(400, &long);
        let body = f.error.zoom_details().unwrap().body.clone().unwrap();
        assert_eq!(body.chars().count(), MAX_BODY_CHARS + 1);
    }

    #[test]
    fn gave_up_wraps_retryable_errors_only() {
        let retry = RetryConfig::default();
        let last = map(503, r#"{"code":503,"message":"busy"}"#)
            .error
            .with_attempts(3);
        let wrapped = gave_up(last, &retry, None);
        assert_eq!(wrapped.code(), ErrorCode::ZoomMaxRetriesExceeded);
        assert_eq!(wrapped.attempts(), Some(3));
        assert_eq!(wrapped.http_status(), Some(503));
        let source = std::error::Error::source(&wrapped).unwrap();
        let cause = source.downcast_ref::<Error>().unwrap();
        assert_eq!(cause.code(), ErrorCode::ZoomMeetingError);
        let final_answer = map(400, "{}").error;
        assert_eq!(
            gave_up(final_answer, &retry, None).code(),
            ErrorCode::ZoomMeetingError
        );
        let once = map(503, "{}").error;
        assert_eq!(
            gave_up(once, &RetryConfig::none(), None).code(),
            ErrorCode::ZoomMeetingError
        );
    }

    #[test]
    fn a_verdict_is_kept_and_never_retryable_with_one_attempt() {
        let lost = map(504, "{}").error.with_attempts(1);
        assert!(lost.is_retryable());
        let out = gave_up(lost, &RetryConfig::none(), Some("the meeting may exist"));
        assert_eq!(out.code(), ErrorCode::ZoomMeetingError);
        assert!(!out.is_retryable());
        assert!(out.message().ends_with("; the meeting may exist"), "{out}");
        assert_eq!(out.attempts(), Some(1));
        assert_eq!(out.http_status(), Some(504));
    }
}
