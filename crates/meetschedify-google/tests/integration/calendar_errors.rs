//! Each Google Calendar failure maps to its documented code, and only the retryable ones are
//! retried.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{CancelMeeting, GetMeeting, MemoryTokenStore, UpdateMeeting};
use meetschedify_core::{
    ErrorCode, MeetingContext, MeetingProvider, ProviderId, RequestLimits, RetryConfig,
    SaveCondition, TokenKey, TokenRecord, TokenStore, UpdateMeetingRequest, ValidatedUpdate,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction, FaultRule};
use meetschedify_google::GoogleMeetProvider;

const INSERT: &str = "/calendar/v3/calendars/*/events";

/// A fault answering with Google's error envelope.
fn google_error(
    status: u16,
    reason: &str,
    message: &str,
    retry_after: Option<&str>,
) -> FaultAction {
    let body = serde_json::json!({"error": {"code": status, "message": message,
        "errors": [{"domain": "usageLimits", "reason": reason, "message": message}]}});
    let mut headers = vec![(
        "content-type".to_owned(),
        "application/json; charset=UTF-8".to_owned(),
    )];
    if let Some(after) = retry_after {
        headers.push(("retry-after".to_owned(), after.to_owned()));
    }
    FaultAction::Status {
        status,
        body: body.to_string(),
        headers,
    }
}

async fn setup(retry: RetryConfig) -> (EmulatorHandle, GoogleMeetProvider) {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_retry(retry)
            .build()
            .unwrap();
    (emu, provider)
}

fn inserts(emu: &EmulatorHandle) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
        .count()
}

#[tokio::test]
async fn a_429_is_a_rate_limit_with_retry_after() {
    let (emu, provider) = setup(RetryConfig::none()).await;
    emu.inject_fault(FaultRule::once(
        "POST",
        INSERT,
        google_error(429, "rateLimitExceeded", "Rate Limit Exceeded", Some("7")),
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleRateLimit);
    assert!(err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.http_status(), Some(429));
    let d = err.google_details().unwrap();
    assert_eq!(d.reason.as_deref(), Some("rateLimitExceeded"));
    assert_eq!(d.message.as_deref(), Some("Rate Limit Exceeded"));
}

#[tokio::test]
async fn googles_403_rate_limits_are_retried_until_the_quota_window_passes() {
    let emu =
        crate::common::emulator(Emulator::builder().with_google_quota_per_minute(Some(2))).await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    provider
        .create_meeting(&crate::common::create_request("org_1", Some("a")))
        .await
        .unwrap(); // insert + one readiness read: the quota is used up
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", Some("b")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleRateLimit, "{err}");
    assert_eq!(err.http_status(), Some(403));
    assert_eq!(
        err.google_details().unwrap().reason.as_deref(),
        Some("rateLimitExceeded")
    );
    assert_eq!(
        err.attempts(),
        Some(4),
        "retried with backoff up to the policy"
    );
    emu.advance_clock(Duration::from_secs(61));
    provider
        .create_meeting(&crate::common::create_request("org_1", Some("b")))
        .await
        .unwrap();
}

#[tokio::test]
async fn quota_exceeded_is_not_retried() {
    let (emu, provider) = setup(crate::common::fast_retry(4)).await;
    emu.inject_fault(FaultRule::once(
        "POST",
        INSERT,
        google_error(
            403,
            "quotaExceeded",
            "Calendar usage limits exceeded.",
            None,
        ),
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleRateLimit);
    assert!(!err.is_retryable());
    assert_eq!(inserts(&emu), 1);
}

#[tokio::test]
async fn server_errors_timeouts_resets_and_proxies_are_retried() {
    let (emu, provider) = setup(crate::common::fast_retry(5)).await;
    emu.inject_fault(FaultRule::sequence(
        "POST",
        INSERT,
        vec![
            Some(google_error(500, "backendError", "Backend Error", None)),
            Some(FaultAction::ResetBefore),
            Some(FaultAction::NonJson { status: 502 }),
            Some(FaultAction::Status {
                status: 408,
                body: String::new(),
                headers: vec![],
            }),
        ],
    ));
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
    assert_eq!(inserts(&emu), 5);
    assert_eq!(crate::common::live_events(&emu).len(), 1);

    emu.inject_fault(FaultRule::sequence(
        "POST",
        INSERT,
        vec![Some(FaultAction::NonJson { status: 502 }); 5],
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleCalendarError);
    assert!(err.is_retryable());
    assert_eq!(err.http_status(), Some(502));
    assert_eq!(err.attempts(), Some(5));
    assert!(err.message().contains("not json"), "{err}");
}

#[tokio::test]
async fn a_bad_request_keeps_googles_reason_and_message() {
    let (emu, provider) = setup(crate::common::fast_retry(4)).await;
    let body = serde_json::json!({"error": {"code": 400, "message": "Invalid conference type value.",
        "errors": [{"domain": "global", "reason": "invalid", "message": "Invalid conference type value."}]}});
    emu.inject_fault(FaultRule::once(
        "POST",
        INSERT,
        FaultAction::Status {
            status: 400,
            body: body.to_string(),
            headers: vec![("content-type".into(), "application/json".into())],
        },
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleCalendarError);
    assert!(!err.is_retryable());
    assert_eq!(err.http_status(), Some(400));
    assert_eq!(
        err.to_string(),
        "GOOGLE_CALENDAR_ERROR: google calendar answered 400 invalid: Invalid conference type value."
    );
    assert_eq!(inserts(&emu), 1);
}

#[tokio::test]
async fn unknown_events_are_meeting_not_found() {
    let (_emu, provider) = setup(crate::common::fast_retry(2)).await;
    let ctx = MeetingContext::new("org_1");
    let err = provider
        .get_meeting(&ctx, "nosuchevent123")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound, "{err}");
    assert_eq!(err.http_status(), Some(404));
    let err = provider
        .cancel_meeting(&ctx, "nosuchevent123")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    let update = ValidatedUpdate::new(
        UpdateMeetingRequest::new().with_title("x"),
        &RequestLimits::DEFAULT,
    )
    .unwrap();
    let err = provider
        .update_meeting(&ctx, "nosuchevent123", &update)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
}

#[tokio::test]
async fn a_token_without_calendar_write_scope_is_a_calendar_error() {
    let emu = crate::common::default_emulator().await;
    let demo = emu.demo().clone();
    let read_only = emu
        .issue_google_refresh_token(
            &demo.google_client_id,
            &demo.google_user_email,
            &["https://www.googleapis.com/auth/calendar.readonly"],
        )
        .unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    store
        .save(
            &TokenKey::new("org_1", ProviderId::GOOGLE_MEET),
            &TokenRecord::new("x")
                .with_refresh_token(read_only)
                .with_expires_at(jiff::Timestamp::UNIX_EPOCH),
            SaveCondition::Always,
        )
        .await
        .unwrap();
    let provider = crate::common::provider(&emu, store);
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleCalendarError, "{err}");
    assert_eq!(err.http_status(), Some(403));
    assert_eq!(
        err.google_details().unwrap().reason.as_deref(),
        Some("insufficientPermissions")
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_retryable_network_error() {
    let emu = crate::common::default_emulator().await;
    let options = crate::common::fast_options().with_request_timeout(Duration::from_millis(50));
    let provider =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_calendar_options(options)
            .build()
            .unwrap();
    // The first insert takes 300 ms (and then takes effect); the client gives up at 50 ms and
    // its retry finds the event through 409.
    emu.inject_fault(FaultRule::once(
        "POST",
        INSERT,
        FaultAction::latency(Duration::from_millis(300)),
    ));
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("slow")))
        .await
        .unwrap();
    assert!(meeting.conference_link.is_some());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(crate::common::live_events(&emu).len(), 1);

    let impatient =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_calendar_options(
                crate::common::fast_options()
                    .with_request_timeout(Duration::from_millis(20))
                    .with_retry(RetryConfig::none()),
            )
            .build()
            .unwrap();
    emu.inject_fault(FaultRule::once(
        "GET",
        "/calendar/v3/*",
        FaultAction::latency(Duration::from_millis(200)),
    ));
    let err = impatient
        .get_meeting(&MeetingContext::new("org_1"), &meeting.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkError, "{err}");
    assert!(err.is_retryable());
    assert!(
        err.message().contains("did not answer within 20 ms"),
        "{err}"
    );
}

/// The attack: a server answers `503` with a `Retry-After` a day ahead to hold the call for a
/// day. The wait is over the policy's `max_retry_after` (60 s by default), so the error comes
/// back at once, carrying the `retry_after` for the application to schedule with.
#[tokio::test]
async fn a_hostile_retry_after_is_returned_at_once_not_slept_on() {
    let a_day_ahead = meetschedify_core::jiff::Timestamp::now()
        + meetschedify_core::jiff::SignedDuration::from_hours(24);
    let http_date = a_day_ahead
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    for (after, at_least) in [("86400", 86_400), (http_date.as_str(), 86_000)] {
        let (emu, provider) = setup(crate::common::fast_retry(4).without_deadline()).await;
        emu.inject_fault(FaultRule::once(
            "POST",
            INSERT,
            google_error(503, "backendError", "Backend Error", Some(after)),
        ));
        let started = std::time::Instant::now();
        let err = provider
            .create_meeting(&crate::common::create_request("org_1", None))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "{after}");
        assert_eq!(err.http_status(), Some(503), "{after}: {err}");
        assert_eq!(err.attempts(), Some(1), "{after}");
        let retry_after = err.retry_after().unwrap();
        assert!(
            retry_after >= Duration::from_secs(at_least)
                && retry_after <= Duration::from_secs(86_400),
            "{after}: {retry_after:?}"
        );
        assert_eq!(inserts(&emu), 1, "{after}: not retried");
    }
}

/// The attack: a Calendar endpoint (a wrong or hijacked `MEETSCHEDIFY_GOOGLE_API_BASE`, a broken
/// proxy) answers 20 MiB to exhaust memory. The connection stops reading at the 4 MiB limit and
/// the call is a non-retryable `PROVIDER_ERROR` naming it, sent once.
#[tokio::test]
async fn a_20_mib_calendar_answer_is_a_provider_error() {
    let (emu, provider) = setup(RetryConfig::default()).await;
    let made = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
    emu.clear_requests();
    emu.inject_fault(FaultRule::once(
        "GET",
        "/calendar/v3/calendars/*/events/*",
        FaultAction::Status {
            status: 200,
            body: format!(
                "{{\"id\":\"{}\",\"x\":\"{}\"}}",
                made.provider_event_id,
                "x".repeat(20 * 1024 * 1024)
            ),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        },
    ));
    let err = provider
        .get_meeting(&MeetingContext::new("org_1"), &made.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError, "{err}");
    assert!(!err.is_retryable());
    assert!(err.message().contains("more than 4194304 bytes"), "{err}");
    let reads = emu
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/events/"))
        .count();
    assert_eq!(reads, 1, "not retried");
    // The connection pool is not poisoned: the next read is a normal one.
    provider
        .get_meeting(&MeetingContext::new("org_1"), &made.provider_event_id)
        .await
        .unwrap();
}

#[test]
fn the_answer_limit_is_checked() {
    let err = meetschedify_google::CalendarOptions::default()
        .with_max_response_bytes(1024)
        .validate()
        .unwrap_err();
    assert_eq!(err.field(), Some("max_response_bytes"));
}
