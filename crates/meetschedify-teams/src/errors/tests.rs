//! The bodies below are the ones the wire reference quotes (its sources in brackets).

use std::time::Duration;

use meetschedify_core::{ErrorKind, HttpErrorDetails};
use reqwest::header::{HeaderMap, HeaderValue};

use super::*;

const P: ProviderId = ProviderId::MICROSOFT_TEAMS_APP;
const ORGANIZER: &str = "bookings@contoso.example";

fn org() -> Mailbox {
    Mailbox::User(ORGANIZER.to_owned())
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

fn http(err: &Error) -> &HttpErrorDetails {
    err.http_details().expect("http details")
}

/// Reference §1.7, the observed 401 for a wrong secret (OfficeDev/microsoft-365-agents-toolkit#8621).
const WRONG_SECRET: &str = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app 'a8fdfbd0-0000'.\r\nTrace ID: 6f6c4645-0000\r\nCorrelation ID: 5fc87507-0000\r\nTimestamp: 2023-05-06 06:03:00Z","error_codes":[7000215],"timestamp":"2023-05-06 06:03:00Z","trace_id":"6f6c4645-0000","correlation_id":"5fc87507-0000","error_uri":"https://login.microsoftonline.com/error?code=7000215"}"#;

#[test]
fn a_wrong_secret_is_bad_credentials_naming_the_variable() {
    let err = token_status(401, &HeaderMap::new(), WRONG_SECRET.as_bytes(), &P);
    assert_eq!(err.code(), ErrorCode::BadCredentials);
    assert_eq!(err.kind(), ErrorKind::BadCredentials);
    assert!(!err.is_retryable());
    assert!(err.message().contains("MICROSOFT_CLIENT_SECRET"), "{err}");
    assert!(err.message().contains("AADSTS7000215"), "{err}");
    // One line: the trace, correlation and timestamp lines are left out of the message.
    assert!(!err.message().contains('\n') && !err.message().contains("Trace ID"));
    let d = http(&err);
    assert_eq!(d.http_status, 401);
    assert_eq!(d.vendor_code.as_deref(), Some("invalid_client"));
    assert_eq!(d.request_id.as_deref(), Some("6f6c4645-0000"));
    assert!(d
        .message
        .as_deref()
        .unwrap()
        .starts_with("AADSTS7000215: Invalid client secret"));
}

#[test]
fn an_expired_secret_says_to_rotate_it() {
    let body = r#"{"error":"invalid_client","error_description":"AADSTS7000222: The provided client secret keys for app 'x' are expired.","error_codes":[7000222]}"#;
    let err = token_status(401, &HeaderMap::new(), body.as_bytes(), &P);
    assert_eq!(err.code(), ErrorCode::BadCredentials);
    assert!(err.message().contains("expired"), "{err}");
}

#[test]
fn an_unknown_app_or_tenant_is_bad_credentials() {
    for (error, code) in [
        ("unauthorized_client", 700_016),
        ("invalid_request", 90_002),
    ] {
        let body = format!(
            r#"{{"error":"{error}","error_description":"AADSTS{code}: not found.","error_codes":[{code}]}}"#
        );
        let err = token_status(400, &HeaderMap::new(), body.as_bytes(), &P);
        assert_eq!(err.code(), ErrorCode::BadCredentials, "{error}");
        assert!(err.message().contains("MICROSOFT_TENANT_ID"), "{err}");
    }
    // The number found in the description when `error_codes` is missing.
    let body =
        r#"{"error":"invalid_request","error_description":"AADSTS90002: Tenant 'x' not found."}"#;
    assert_eq!(
        token_status(400, &HeaderMap::new(), body.as_bytes(), &P).code(),
        ErrorCode::BadCredentials
    );
}

#[test]
fn other_token_failures() {
    let scope = r#"{"error":"invalid_scope","error_description":"AADSTS1002012: The provided value for scope User.Read is not valid.","error_codes":[1002012]}"#;
    let err = token_status(400, &HeaderMap::new(), scope.as_bytes(), &P);
    assert_eq!(err.code(), ErrorCode::ProviderError);
    assert!(!err.is_retryable());
    let err = token_status(429, &headers(&[("retry-after", "3")]), b"", &P);
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    let busy = r#"{"error":"temporarily_unavailable","error_description":"AADSTS50000: busy"}"#;
    let err = token_status(400, &HeaderMap::new(), busy.as_bytes(), &P);
    assert_eq!(err.code(), ErrorCode::ProviderUnavailable);
    assert!(err.is_retryable());
    let err = token_status(503, &HeaderMap::new(), b"<html>down</html>", &P);
    assert_eq!(err.code(), ErrorCode::ProviderUnavailable);
    assert_eq!(http(&err).vendor_code, None);
}

/// Reference §3.9 (microsoft-graph-explorer-v4#1061).
const NOT_FOUND: &str = r#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store.","innerError":{"date":"2024-02-20T23:12:03","request-id":"inner-req","client-request-id":"inner-client"}}}"#;

#[test]
fn a_missing_event_is_meeting_not_found_with_graphs_details() {
    let f = graph_status(404, &HeaderMap::new(), NOT_FOUND.as_bytes(), &P, &org());
    assert!(!f.ambiguous);
    assert_eq!(f.error.code(), ErrorCode::MeetingNotFound);
    let d = http(&f.error);
    assert_eq!(d.http_status, 404);
    assert_eq!(d.vendor_code.as_deref(), Some("ErrorItemNotFound"));
    assert_eq!(
        d.message.as_deref(),
        Some("The specified object was not found in the store.")
    );
    // No header: the envelope's innerError gives the id.
    assert_eq!(d.request_id.as_deref(), Some("inner-req"));
    // The headers win over the envelope.
    let h = headers(&[
        ("request-id", "hdr-req"),
        ("client-request-id", "hdr-client"),
    ]);
    let f = graph_status(404, &h, NOT_FOUND.as_bytes(), &P, &org());
    assert_eq!(http(&f.error).request_id.as_deref(), Some("hdr-req"));
    let h = headers(&[("client-request-id", "hdr-client")]);
    let f = graph_status(404, &h, NOT_FOUND.as_bytes(), &P, &org());
    assert_eq!(http(&f.error).request_id.as_deref(), Some("hdr-client"));
    // The generic spelling of the errors page too.
    let generic = r#"{"error":{"code":"itemNotFound","message":"x"}}"#;
    let f = graph_status(404, &HeaderMap::new(), generic.as_bytes(), &P, &org());
    assert_eq!(f.error.code(), ErrorCode::MeetingNotFound);
}

#[test]
fn an_unknown_organizer_names_its_variable() {
    let body =
        r#"{"error":{"code":"ResourceNotFound","message":"Resource could not be discovered."}}"#;
    let f = graph_status(404, &HeaderMap::new(), body.as_bytes(), &P, &org());
    assert_eq!(f.error.code(), ErrorCode::ProviderError);
    assert!(
        f.error.message().contains("MICROSOFT_TEAMS_ORGANIZER"),
        "{}",
        f.error
    );
    assert!(f.error.message().contains(ORGANIZER));
}

#[test]
fn a_missing_permission_names_what_to_grant() {
    let body = r#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied. Check credentials and try again."}}"#;
    let f = graph_status(403, &HeaderMap::new(), body.as_bytes(), &P, &org());
    assert_eq!(f.error.code(), ErrorCode::PermissionDenied);
    assert_eq!(f.error.kind(), ErrorKind::PermissionDenied);
    let m = f.error.message();
    assert!(
        m.contains("Calendars.ReadWrite") && m.contains("application access policy"),
        "{m}"
    );
    assert!(m.contains(ORGANIZER), "{m}");
    assert_eq!(
        http(&f.error).vendor_code.as_deref(),
        Some("ErrorAccessDenied")
    );
}

/// Reference §4.2, the documented throttling answer.
#[test]
fn throttling_is_rate_limited_after_retry_after() {
    let body = r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-0000","status":"429"},"message":"Please retry again later."}}"#;
    for (value, secs) in [("10", 10), ("2.128", 3)] {
        let f = graph_status(
            429,
            &headers(&[("retry-after", value)]),
            body.as_bytes(),
            &P,
            &org(),
        );
        assert_eq!(f.error.code(), ErrorCode::RateLimited);
        assert!(f.error.is_retryable());
        assert_eq!(f.error.retry_after(), Some(Duration::from_secs(secs)));
        assert_eq!(http(&f.error).request_id.as_deref(), Some("94fb3b52-0000"));
    }
    let f = graph_status(429, &HeaderMap::new(), body.as_bytes(), &P, &org());
    assert_eq!(f.error.retry_after(), None);
}

#[test]
fn server_errors_are_unavailable_and_gateways_ambiguous() {
    let f = graph_status(503, &headers(&[("retry-after", "5")]), b"", &P, &org());
    assert_eq!(f.error.code(), ErrorCode::ProviderUnavailable);
    assert_eq!(f.error.retry_after(), Some(Duration::from_secs(5)));
    assert!(f.error.is_retryable() && !f.ambiguous);
    for status in [500, 502, 504] {
        let f = graph_status(status, &HeaderMap::new(), b"", &P, &org());
        assert_eq!(f.error.code(), ErrorCode::ProviderUnavailable);
        assert!(f.error.is_retryable() && f.ambiguous, "{status}");
    }
}

#[test]
fn a_reused_transaction_id_is_a_reused_idempotency_key() {
    // alcionai/corso#2490 (status assumed 400 by the reference).
    let body = r#"{"error":{"code":"ErrorDuplicateTransactionId","message":"Your request can't be completed. The TransactionId specified in the request has already been used to create a different event."}}"#;
    let f = graph_status(400, &HeaderMap::new(), body.as_bytes(), &P, &org());
    assert_eq!(f.error.code(), ErrorCode::IdempotencyKeyReused);
}

#[test]
fn other_errors_are_provider_errors() {
    let f = graph_status(401, &HeaderMap::new(), br#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#, &P, &org());
    assert_eq!(f.error.code(), ErrorCode::ProviderError);
    assert!(!f.error.is_retryable());
    let f = graph_status(
        400,
        &HeaderMap::new(),
        br#"{"error":{"code":"ErrorOccurrenceCrossingBoundary","message":"x"}}"#,
        &P,
        &org(),
    );
    assert_eq!(f.error.code(), ErrorCode::ProviderError);
    let f = graph_status(418, &HeaderMap::new(), b"not json", &P, &org());
    assert_eq!(f.error.code(), ErrorCode::ProviderError);
    assert_eq!(f.error.message(), "graph answered 418");
}

#[test]
fn long_messages_are_cut() {
    let body = format!(
        r#"{{"error":{{"code":"X","message":"{}"}}}}"#,
        "a".repeat(5000)
    );
    let parsed = GraphBody::parse(body.as_bytes());
    assert!(parsed.message.unwrap().chars().count() <= MAX_MESSAGE_CHARS + 1);
}
