//! Graph's refusals and throttling, mapped to neutral codes, against the emulator.

use std::time::{Duration, Instant};

use meetschedify_core::{ErrorCode, ErrorKind, MeetingContext, ProviderId, RetryConfig};
use meetschedify_emulator::{FaultAction, FaultRule};

use crate::common::{builder, client, emulator, events, provider, request, sent, status_with};

const EVENTS: &str = "/graph/v1.0/users/*/events";

#[tokio::test]
async fn a_missing_event_is_meeting_not_found_with_graphs_details() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let ctx = MeetingContext::new("acme-hr");
    let id = "AAMkAGI2TG93AAA=";
    let err = teams
        .get_meeting(&ProviderId::MICROSOFT_TEAMS_APP, &ctx, id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let details = err.http_details().expect("graph details");
    assert_eq!(details.http_status, 404);
    assert_eq!(details.vendor_code.as_deref(), Some("ErrorItemNotFound"));
    assert!(details.request_id.is_some(), "{details:?}");
    // The id with `=` reached Graph as one path segment.
    let get = sent(&emu, "GET", "/events/").pop().unwrap();
    assert!(
        get.path.ends_with("/events/AAMkAGI2TG93AAA%3D"),
        "{}",
        get.path
    );
}

#[tokio::test]
async fn a_missing_application_permission_names_what_to_grant() {
    let emu = emulator().await;
    emu.set_microsoft_app_roles(&emu.demo().microsoft_client_id, &[])
        .unwrap();
    let teams = client(provider(&emu));
    let err = teams
        .create_meeting(request("No rights"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied);
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert!(err.message().contains("Calendars.ReadWrite"), "{err}");
    assert_eq!(err.http_status(), Some(403));
    assert!(events(&emu).is_empty());
}

#[tokio::test]
async fn an_unknown_organizer_names_its_variable() {
    let emu = emulator().await;
    let teams = client(
        builder(&emu)
            .with_organizer("nobody@emulator.onmicrosoft.com")
            .build()
            .unwrap(),
    );
    let err = teams.create_meeting(request("Nobody")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError);
    assert!(err.message().contains("MICROSOFT_TEAMS_ORGANIZER"), "{err}");
    assert!(
        err.message().contains("nobody@emulator.onmicrosoft.com"),
        "{err}"
    );
    let details = err.http_details().unwrap();
    assert_eq!(details.http_status, 404);
    assert_eq!(details.vendor_code.as_deref(), Some("ResourceNotFound"));
}

/// 429 with `Retry-After`: the call waits as asked, then succeeds, and the retried create
/// makes one event.
#[tokio::test]
async fn throttling_is_retried_after_retry_after() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "POST",
        EVENTS,
        FaultAction::too_many_requests(1),
    ));
    let teams = client(provider(&emu));
    let started = Instant::now();
    teams.create_meeting(request("Throttled")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(sent(&emu, "POST", "/events").len(), 2);
    assert_eq!(events(&emu).len(), 1);
}

#[tokio::test]
async fn throttling_without_retries_is_rate_limited_with_its_wait() {
    let emu = emulator().await;
    let body = r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}"#;
    emu.inject_fault(FaultRule::once(
        "POST",
        EVENTS,
        status_with(
            429,
            body,
            &[
                ("retry-after", "2.128"),
                ("content-type", "application/json"),
            ],
        ),
    ));
    let teams = client(
        builder(&emu)
            .with_retry(RetryConfig::none())
            .build()
            .unwrap(),
    );
    let err = teams
        .create_meeting(request("Throttled"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    let details = err.http_details().unwrap();
    assert_eq!(details.vendor_code.as_deref(), Some("TooManyRequests"));
    assert_eq!(
        details.request_id.as_deref(),
        Some("94fb3b52-452a-4535-a601-69e0a90e3aa2")
    );
    assert!(events(&emu).is_empty());
}

#[tokio::test]
async fn unavailable_is_retried_and_surfaces_when_it_lasts() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", EVENTS, FaultAction::unavailable()));
    let teams = client(provider(&emu));
    teams.create_meeting(request("Flaky")).await.unwrap();
    assert_eq!(events(&emu).len(), 1);
    for _ in 0..3 {
        emu.inject_fault(FaultRule::once("POST", EVENTS, FaultAction::unavailable()));
    }
    let err = teams.create_meeting(request("Down")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderUnavailable);
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(events(&emu).len(), 1);
}

/// The create took effect but its answer was lost: the retry sends the same transactionId and
/// Graph answers with the first event, so there is one event, not two.
#[tokio::test]
async fn a_lost_create_answer_makes_no_second_event() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once("POST", EVENTS, FaultAction::ResetAfter));
    let teams = client(provider(&emu));
    let created = teams.create_meeting(request("Lost answer")).await.unwrap();
    let posts = sent(&emu, "POST", "/events");
    assert_eq!(posts.len(), 2);
    let tid = |i: usize| {
        serde_json::from_str::<serde_json::Value>(&posts[i].body).unwrap()["transactionId"].clone()
    };
    assert_eq!(tid(0), tid(1));
    let stored = events(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], created.provider_event_id.as_str());
}

#[tokio::test]
async fn a_network_failure_is_network_error() {
    let emu = emulator().await;
    let teams = client(
        builder(&emu)
            .with_graph_api_base("http://127.0.0.1:9/v1.0")
            .with_retry(RetryConfig::none())
            .build()
            .unwrap(),
    );
    let err = teams.create_meeting(request("Nowhere")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkError);
    assert_eq!(err.kind(), ErrorKind::Unavailable);
}
