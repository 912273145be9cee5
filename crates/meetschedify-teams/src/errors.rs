//! Turning what went wrong on the wire into meetschedify's [`Error`], once, at the boundary.
//!
//! | what happened | code | retried |
//! |---|---|---|
//! | token endpoint `invalid_client` (AADSTS7000215 wrong secret, 7000222 expired secret, 7000218 no secret) | `BAD_CREDENTIALS`, naming the variable to fix | no |
//! | token endpoint `unauthorized_client` or AADSTS700016 (app not in the tenant), AADSTS90002 (no such tenant) | `BAD_CREDENTIALS` | no |
//! | token endpoint 429 / Graph 429 | `RATE_LIMITED` + `retry_after` (whole or decimal seconds) | yes, after `Retry-After` |
//! | token endpoint 5xx or `temporarily_unavailable` | `PROVIDER_UNAVAILABLE` | yes |
//! | Graph 401 `InvalidAuthenticationToken` after one fresh token | `PROVIDER_ERROR` | no |
//! | Graph 403 (`ErrorAccessDenied`, `accessDenied`, ...) | `PERMISSION_DENIED`, naming `Calendars.ReadWrite` and the application access policy | no |
//! | Graph 404 `ErrorItemNotFound` / `itemNotFound` | `MEETING_NOT_FOUND` | no |
//! | Graph 404 with another code (`ResourceNotFound`, `ErrorInvalidUser`, ...) | `PROVIDER_ERROR` naming `MICROSOFT_TEAMS_ORGANIZER` | no |
//! | Graph 400 `ErrorDuplicateTransactionId` | `IDEMPOTENCY_KEY_REUSED` | no |
//! | Graph 503 | `PROVIDER_UNAVAILABLE` + `retry_after` | yes |
//! | Graph 500, 502, 504 | `PROVIDER_UNAVAILABLE` (outcome unknown) | yes: creates carry a `transactionId` |
//! | other 4xx/5xx | `PROVIDER_ERROR` | no |
//! | connect error, timeout, reset | `NETWORK_ERROR` | yes |
//! | an answer over `max_response_bytes` (token answers: 64 KiB) | `PROVIDER_ERROR` naming the limit | no |
//!
//! Every error from an answer carries `HttpErrorDetails`: the status, the vendor code (Graph's
//! `error.code`, or the identity platform's OAuth `error`), its message, and the request id
//! (Graph's `request-id` / `client-request-id` headers or `innerError`, the identity platform's
//! `trace_id`).

use meetschedify_core::{Error, ErrorCode, HttpErrorDetails, ProviderErrorDetails, ProviderId};
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::config::{ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ORGANIZER, ENV_TENANT_ID};
use crate::mailbox::Mailbox;
use crate::retry_after::retry_after;

/// Vendor messages are short; anything longer is cut so errors stay cheap to log and clone.
const MAX_MESSAGE_CHARS: usize = 1000;

/// A failed call, and whether the request may have taken effect at Graph anyway.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// The request was (or may have been) delivered and its outcome is unknown: a timeout, a
    /// connection lost after sending, a gateway error.
    pub(crate) ambiguous: bool,
}

impl Failure {
    /// A failure that certainly changed nothing at Graph.
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

/// Graph's error envelope: `{"error": {"code", "message", "innerError": {"request-id", ...}}}`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct GraphBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
}

impl GraphBody {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        let Ok(json) = serde_json::from_slice::<Value>(bytes) else {
            return Self::default();
        };
        let Some(error) = json.get("error").filter(|e| e.is_object()) else {
            return Self::default();
        };
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        // Real answers spell it `innerError`; the OpenAPI schema `innererror`.
        let inner = error.get("innerError").or_else(|| error.get("innererror"));
        Self {
            code: text(error.get("code")),
            message: text(error.get("message")).map(|m| clip(m.trim())),
            request_id: inner.and_then(|i| text(i.get("request-id"))),
        }
    }
}

/// The request id of an answer: its `request-id` header, else `client-request-id`, else the
/// envelope's `innerError.request-id`.
fn request_id(headers: &HeaderMap, body: &GraphBody) -> Option<String> {
    ["request-id", "client-request-id"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .map(str::to_owned)
        .or_else(|| body.request_id.clone())
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A transport failure: nothing answered, or the answer was lost.
pub(crate) fn network(err: &reqwest::Error, provider: &ProviderId) -> Failure {
    // A refused or failed connection never carried the request, so it changed nothing;
    // everything else (timeout, reset, a body cut short) may have reached Microsoft.
    let cause = meetschedify_core::cause_chain(err);
    let (message, ambiguous) = if err.is_connect() && !err.is_timeout() {
        (format!("could not connect to microsoft: {cause}"), false)
    } else if err.is_timeout() {
        (
            "microsoft did not answer before the request timeout".to_owned(),
            true,
        )
    } else {
        (format!("the connection to microsoft failed: {cause}"), true)
    };
    Failure {
        error: Error::new(ErrorCode::NetworkError, message).with_provider(provider.clone()),
        ambiguous,
    }
}

/// A Graph answer with an error status. `mailbox` is the one the call addressed, named in
/// permission and mailbox errors with what to fix for its kind of access.
pub(crate) fn graph_status(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    provider: &ProviderId,
    mailbox: &Mailbox,
) -> Failure {
    let parsed = GraphBody::parse(body);
    let mut details = HttpErrorDetails::new(status);
    if let Some(code) = &parsed.code {
        details = details.with_vendor_code(code.clone());
    }
    if let Some(message) = &parsed.message {
        details = details.with_message(message.clone());
    }
    if let Some(id) = request_id(headers, &parsed) {
        details = details.with_request_id(id);
    }
    // The message without its final period, so that a hint can follow it.
    let message = parsed.message.as_deref().map(|m| m.trim_end_matches('.'));
    let described = match (&parsed.code, message) {
        (Some(code), Some(m)) => format!("graph answered {status} ({code}): {m}"),
        (Some(code), None) => format!("graph answered {status} ({code})"),
        (None, Some(m)) => format!("graph answered {status}: {m}"),
        (None, None) => format!("graph answered {status}"),
    };
    let base = |code: ErrorCode, message: String| {
        Error::new(code, message)
            .with_details(ProviderErrorDetails::Http(details.clone()))
            .with_provider(provider.clone())
    };
    let code = parsed.code.as_deref().unwrap_or_default();
    match status {
        429 => Failure::clear(
            base(ErrorCode::RateLimited, described)
                .with_retryable(true)
                .with_retry_after(retry_after(headers)),
        ),
        401 => Failure::clear(
            base(
                ErrorCode::ProviderError,
                format!("{described}; a fresh access token was refused too"),
            )
            .with_retryable(false),
        ),
        403 => Failure::clear(
            base(
                ErrorCode::PermissionDenied,
                format!("{described}: {}", permission_hint(mailbox)),
            )
            .with_retryable(false),
        ),
        404 if code.eq_ignore_ascii_case("ErrorItemNotFound")
            || code.eq_ignore_ascii_case("itemNotFound") =>
        {
            Failure::clear(base(ErrorCode::MeetingNotFound, described))
        }
        404 => Failure::clear(
            base(
                ErrorCode::ProviderError,
                format!("{described}: {}", missing_mailbox_hint(mailbox)),
            )
            .with_retryable(false),
        ),
        400 if code.eq_ignore_ascii_case("ErrorDuplicateTransactionId") => Failure::clear(base(
            ErrorCode::IdempotencyKeyReused,
            format!("{described}: the idempotency key was already used for a different meeting"),
        )),
        // Refused before anything was done; a `Retry-After` is honoured like a 429's.
        503 => Failure::clear(
            base(ErrorCode::ProviderUnavailable, described)
                .with_retryable(true)
                .with_retry_after(retry_after(headers)),
        ),
        // The request may have been processed behind a gateway that then failed.
        500 | 502 | 504 => Failure {
            error: base(ErrorCode::ProviderUnavailable, described)
                .with_retryable(true)
                .with_retry_after(retry_after(headers)),
            ambiguous: true,
        },
        _ => Failure::clear(base(ErrorCode::ProviderError, described).with_retryable(false)),
    }
}

/// What to grant when Graph answers 403: an application permission and access policy for the
/// app-only provider, the delegated permission of the user's own grant for the per-user one.
fn permission_hint(mailbox: &Mailbox) -> String {
    match mailbox {
        Mailbox::User(organizer) => format!(
            "grant the app the Microsoft Graph application permission Calendars.ReadWrite (with \
             admin consent), and if an Exchange application access policy limits the app to some \
             mailboxes, include the organizer `{organizer}` in it"
        ),
        Mailbox::Me => "the signed-in user's grant does not allow writing their calendar: the \
             app registration needs the delegated permission Calendars.ReadWrite, and the user \
             must connect again and consent to it"
            .to_owned(),
    }
}

/// What a 404 that is not about the event means: the mailbox itself is unknown.
fn missing_mailbox_hint(mailbox: &Mailbox) -> String {
    match mailbox {
        Mailbox::User(organizer) => format!(
            "graph cannot find the organizer mailbox `{organizer}`; check {ENV_ORGANIZER} (a user \
             object id or user principal name with an Exchange Online mailbox)"
        ),
        Mailbox::Me => "graph cannot find the signed-in user's mailbox: the connected account \
             needs an Exchange Online mailbox (a work or school account with a licence)"
            .to_owned(),
    }
}

/// The identity platform's error body: `{"error", "error_description", "error_codes",
/// "trace_id", ...}`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct IdentityBody {
    pub(crate) error: Option<String>,
    /// The first line of `error_description` (`AADSTS7000215: Invalid client secret ...`),
    /// without the trace, correlation and timestamp lines that follow it.
    pub(crate) description: Option<String>,
    pub(crate) codes: Vec<u64>,
    pub(crate) trace_id: Option<String>,
}

impl IdentityBody {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        let Ok(json) = serde_json::from_slice::<Value>(bytes) else {
            return Self::default();
        };
        let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
        let description = text("error_description").and_then(|d| {
            d.lines()
                .next()
                .map(|l| clip(l.trim()))
                .filter(|l| !l.is_empty())
        });
        let mut codes: Vec<u64> = json
            .get("error_codes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        // Older or trimmed bodies carry the number only in the description.
        if codes.is_empty() {
            if let Some(n) = description.as_deref().and_then(aadsts_in) {
                codes.push(n);
            }
        }
        Self {
            error: text("error"),
            description,
            codes,
            trace_id: text("trace_id"),
        }
    }

    pub(crate) fn has(&self, code: u64) -> bool {
        self.codes.contains(&code)
    }
}

/// The number of `AADSTS<digits>:` at the start of a description.
fn aadsts_in(description: &str) -> Option<u64> {
    let rest = description.strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A token endpoint answer with an error status.
pub(crate) fn token_status(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    provider: &ProviderId,
) -> Error {
    let parsed = IdentityBody::parse(body);
    let mut details = HttpErrorDetails::new(status);
    if let Some(error) = &parsed.error {
        details = details.with_vendor_code(error.clone());
    }
    if let Some(description) = &parsed.description {
        details = details.with_message(description.clone());
    }
    if let Some(id) = parsed.trace_id.clone().or_else(|| {
        headers
            .get("x-ms-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }) {
        details = details.with_request_id(id);
    }
    let reason = parsed
        .description
        .clone()
        .unwrap_or_else(|| format!("status {status}"));
    // Microsoft asks clients to branch on `error`, not on the AADSTS number; the numbers only
    // pick a better hint of what to fix.
    let (code, message, retryable) = match parsed.error.as_deref() {
        Some("invalid_client") => {
            let fix = if parsed.has(7_000_222) {
                format!(
                    "the client secret has expired: create a new one and set {ENV_CLIENT_SECRET}"
                )
            } else {
                format!(
                    "check {ENV_CLIENT_SECRET} (the secret's value, not its id) and \
                     {ENV_CLIENT_ID}"
                )
            };
            (
                ErrorCode::BadCredentials,
                format!("microsoft refused the client credentials ({reason}): {fix}"),
                false,
            )
        }
        Some("unauthorized_client") | Some("invalid_request")
            if parsed.has(700_016) || parsed.has(90_002) =>
        {
            (
                ErrorCode::BadCredentials,
                format!(
                    "microsoft does not know this app in this tenant ({reason}): check \
                     {ENV_CLIENT_ID} and {ENV_TENANT_ID}"
                ),
                false,
            )
        }
        Some("unauthorized_client") => (
            ErrorCode::BadCredentials,
            format!(
                "microsoft refused the app ({reason}): check {ENV_CLIENT_ID} and {ENV_TENANT_ID}"
            ),
            false,
        ),
        _ if status == 429 => (
            ErrorCode::RateLimited,
            format!("microsoft's token endpoint is rate limiting: {reason}"),
            true,
        ),
        Some("temporarily_unavailable") => (
            ErrorCode::ProviderUnavailable,
            format!("microsoft's token endpoint is unavailable: {reason}"),
            true,
        ),
        _ if status >= 500 => (
            ErrorCode::ProviderUnavailable,
            format!("microsoft's token endpoint answered {status}: {reason}"),
            true,
        ),
        _ if parsed.has(90_002) || parsed.has(700_016) => (
            ErrorCode::BadCredentials,
            format!(
                "microsoft does not know this app in this tenant ({reason}): check \
                 {ENV_CLIENT_ID} and {ENV_TENANT_ID}"
            ),
            false,
        ),
        error => (
            ErrorCode::ProviderError,
            format!(
                "microsoft refused the token request ({}): {reason}",
                error.unwrap_or("no error code")
            ),
            false,
        ),
    };
    let mut err = Error::new(code, message)
        .with_retryable(retryable)
        .with_details(ProviderErrorDetails::Http(details))
        .with_provider(provider.clone());
    if retryable {
        err = err.with_retry_after(retry_after(headers));
    }
    err
}

/// A success status whose body is not what Microsoft documents.
pub(crate) fn unexpected(what: &str, provider: &ProviderId) -> Error {
    Error::new(
        ErrorCode::ProviderError,
        format!("microsoft answered with {what}"),
    )
    .with_provider(provider.clone())
}

#[cfg(test)]
mod tests;
