//! Each failure maps to its documented code, carries Zoom's status, code and body, and is
//! retried exactly when the issue says.

use std::time::{Duration, Instant, SystemTime};

use meetschedify_core::{Error, ErrorCode, GetMeeting, MeetingContext, ProviderId, RetryConfig};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule, ZoomAccount};
use serde_json::json;

use crate::common::{builder, client, emulator, fast_retry, meetings, provider, request, sent};

fn zoom_status(status: u16, body: serde_json::Value) -> FaultAction {
    FaultAction::Status {
        status,
        body: body.to_string(),
        headers: vec![("content-type".into(), "application/json".into())],
    }
}

fn cause(err: &Error) -> &Error {
    std::error::Error::source(err)
        .and_then(|s| s.downcast_ref::<Error>())
        .expect("the last cause is attached")
}

#[tokio::test]
async fn invalid_client_is_zoom_invalid_client_and_not_retried() {
    let emu = emulator().await;
    let zoom = builder(&emu)
        .with_credentials(
            &emu.demo().zoom_account_id,
            &emu.demo().zoom_client_id,
            "wrong",
        )
        .build()
        .unwrap();
    let err = client(zoom).create_meeting(request("x")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomInvalidClient);
    assert!(!err.is_retryable());
    assert_eq!(err.http_status(), Some(400), "zoom answers 400, not 401");
    let details = err.zoom_details().unwrap();
    assert!(details.body.as_deref().unwrap().contains("invalid_client"));
    // The OAuth error itself, as the Node.js original's `err.zoomErrorCode`.
    assert_eq!(details.oauth_error.as_deref(), Some("invalid_client"));
    assert_eq!(emu.zoom_token_requests(), 1, "credentials are not retried");
    assert!(sent(&emu, "POST", "/users/me/meetings").is_empty());
}

#[tokio::test]
async fn other_token_failures_are_zoom_token_error() {
    let emu = emulator().await;
    emu.register_zoom_account(ZoomAccount {
        account_id: "real-account".into(),
        client_id: "cid2".into(),
        client_secret: "secret2".into(),
    });
    // Right client, wrong account id: 400 invalid_request.
    let zoom = builder(&emu)
        .with_credentials("not-my-account", "cid2", "secret2")
        .build()
        .unwrap();
    let err = client(zoom).create_meeting(request("x")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomTokenError);
    assert!(!err.is_retryable());
    assert_eq!(err.http_status(), Some(400));
    let oauth_error = err.zoom_details().and_then(|d| d.oauth_error.as_deref());
    assert_eq!(oauth_error, Some("invalid_request"));
    assert_eq!(emu.zoom_token_requests(), 1);
}

#[tokio::test]
async fn a_token_endpoint_outage_is_retried() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::sequence(
        "POST",
        "/oauth/token",
        vec![
            Some(FaultAction::unavailable()),
            Some(FaultAction::ResetBefore),
        ],
    ));
    client(provider(&emu))
        .create_meeting(request("x"))
        .await
        .unwrap();
    assert_eq!(emu.zoom_token_requests(), 3);
}

#[tokio::test]
async fn per_second_429_honours_retry_after() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::too_many_requests(1),
    ));
    let started = Instant::now();
    client(provider(&emu))
        .create_meeting(request("x"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After although the backoff is 1 ms"
    );
    let posts = sent(&emu, "POST", "/users/me/meetings");
    assert_eq!(
        posts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(429), Some(201)]
    );
    assert_eq!(
        meetings(&emu).len(),
        1,
        "a 429 is not ambiguous: no lookup, no duplicate"
    );
}

#[tokio::test]
async fn repeated_429_gives_up_with_the_rate_limit_as_cause() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::sequence(
        "GET",
        "/v2/meetings/*",
        vec![Some(FaultAction::too_many_requests(0)); 3],
    ));
    let zoom = provider(&emu);
    let err = zoom
        .get_meeting(&MeetingContext::new("t"), "12345678901")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMaxRetriesExceeded);
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(cause(&err).code(), ErrorCode::ZoomRateLimit);
    assert_eq!(err.zoom_details().unwrap().code, Some(429));
}

#[tokio::test]
async fn the_daily_limit_is_not_retried_and_waits_for_midnight_utc() {
    let emu = Emulator::builder()
        .with_zoom_daily_limit(Some(1))
        .start()
        .await
        .unwrap();
    let client = client(provider(&emu));
    client.create_meeting(request("first")).await.unwrap();
    let err = client.create_meeting(request("second")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomRateLimit);
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.http_status(), Some(429));
    assert_eq!(err.zoom_details().unwrap().code, Some(429));
    let secs_to_midnight = 86_400
        - SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            % 86_400;
    let wait = err.retry_after().expect("reset time").as_secs();
    assert!(
        wait.abs_diff(secs_to_midnight) <= 5,
        "retry_after {wait}s, midnight in {secs_to_midnight}s"
    );
    assert_eq!(
        sent(&emu, "POST", "/users/me/meetings").len(),
        2,
        "no retry"
    );
}

#[tokio::test]
async fn connection_refused_is_a_network_error_retried_to_exhaustion() {
    let emu = emulator().await;
    // A port that was free a moment ago: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let zoom = builder(&emu)
        .with_api_base(format!("http://{closed}/v2"))
        .build()
        .unwrap();
    let err = client(zoom).create_meeting(request("x")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMaxRetriesExceeded);
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(cause(&err).code(), ErrorCode::ZoomNetworkError);
    assert!(err.message().contains("could not connect to zoom"), "{err}");

    let once = builder(&emu)
        .with_api_base(format!("http://{closed}/v2"))
        .with_retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = client(once).create_meeting(request("x")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomNetworkError);
    assert!(err.is_retryable());
    // The cause a person can act on, not only reqwest's "error sending request".
    assert!(
        err.message().to_lowercase().contains("connection refused"),
        "{err}"
    );
}

#[tokio::test]
async fn a_timeout_is_a_network_error() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::probability(
        Some("GET"),
        "/v2/meetings/*",
        1.0,
        FaultAction::latency(Duration::from_millis(400)),
    ));
    let zoom = builder(&emu)
        .with_request_timeout(Duration::from_millis(100))
        .with_retry(fast_retry().with_max_attempts(2))
        .build()
        .unwrap();
    let err = zoom
        .get_meeting(&MeetingContext::new("t"), "12345678901")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMaxRetriesExceeded);
    let last = cause(&err);
    assert_eq!(last.code(), ErrorCode::ZoomNetworkError);
    assert!(last.message().contains("timeout"), "{last}");
}

#[tokio::test]
async fn server_errors_are_retried_and_client_errors_are_not() {
    let emu = emulator().await;
    let zoom = provider(&emu);
    let client = client(zoom.clone());
    let m = client.create_meeting(request("x")).await.unwrap();
    let ctx = MeetingContext::new("acme-hr");

    for status in [500, 502, 503, 504] {
        emu.clear_requests();
        emu.inject_fault(FaultRule::once(
            "GET",
            "/v2/meetings/*",
            zoom_status(status, json!({"code": status, "message": "oops"})),
        ));
        zoom.get_meeting(&ctx, &m.provider_event_id).await.unwrap();
        assert_eq!(
            sent(&emu, "GET", "/meetings/").len(),
            2,
            "{status} retried once"
        );
    }
    // A proxy's HTML page is still a 502.
    emu.clear_requests();
    emu.inject_fault(FaultRule::once(
        "GET",
        "/v2/meetings/*",
        FaultAction::NonJson { status: 502 },
    ));
    zoom.get_meeting(&ctx, &m.provider_event_id).await.unwrap();
    assert_eq!(sent(&emu, "GET", "/meetings/").len(), 2);

    for status in [400, 403, 404] {
        emu.clear_requests();
        emu.inject_fault(FaultRule::once(
            "GET",
            "/v2/meetings/*",
            zoom_status(status, json!({"code": 300, "message": "nope"})),
        ));
        let err = zoom
            .get_meeting(&ctx, &m.provider_event_id)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ZoomMeetingError, "{status}");
        assert!(!err.is_retryable());
        assert_eq!(err.http_status(), Some(status));
        let details = err.zoom_details().unwrap();
        assert_eq!(details.code, Some(300));
        assert_eq!(
            details.body.as_deref(),
            Some(r#"{"code":300,"message":"nope"}"#)
        );
        assert_eq!(
            sent(&emu, "GET", "/meetings/").len(),
            1,
            "{status} not retried"
        );
    }

    emu.clear_requests();
    emu.inject_fault(FaultRule::sequence(
        "GET",
        "/v2/meetings/*",
        vec![Some(zoom_status(503, json!({"code": 503, "message": "busy"}))); 3],
    ));
    let err = zoom
        .get_meeting(&ctx, &m.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMaxRetriesExceeded);
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(cause(&err).code(), ErrorCode::ZoomMeetingError);
    assert_eq!(sent(&emu, "GET", "/meetings/").len(), 3);
}

#[tokio::test]
async fn an_unknown_host_is_a_meeting_error_with_zoom_code_1001() {
    let emu = emulator().await;
    let zoom = builder(&emu)
        .with_host_user("nobody@example.com")
        .build()
        .unwrap();
    let err = client(zoom).create_meeting(request("x")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMeetingError);
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(err.zoom_details().unwrap().code, Some(1001));
    assert_eq!(err.provider_id(), Some(&ProviderId::ZOOM));
    assert_eq!(
        sent(&emu, "POST", "/meetings").len(),
        1,
        "404 is not retried"
    );
}

#[tokio::test]
async fn a_token_refused_twice_is_zoom_token_error() {
    let emu = emulator().await;
    let zoom = provider(&emu);
    let body = json!({"code": 124, "message": "Invalid access token."});
    emu.inject_fault(FaultRule::sequence(
        "GET",
        "/v2/meetings/*",
        vec![
            Some(zoom_status(401, body.clone())),
            Some(zoom_status(401, body)),
        ],
    ));
    let err = zoom
        .get_meeting(&MeetingContext::new("t"), "12345678901")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomTokenError);
    assert_eq!(err.http_status(), Some(401));
    assert_eq!(err.zoom_details().unwrap().code, Some(124));
    assert_eq!(
        emu.zoom_token_requests(),
        2,
        "one fresh token, one replay, then stop"
    );
    assert_eq!(sent(&emu, "GET", "/meetings/").len(), 2);
}
