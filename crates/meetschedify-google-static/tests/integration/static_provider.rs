//! The static-refresh-token provider against the emulator.

use std::collections::HashMap;
use std::time::Duration;

use meetschedify_core::{
    AuthorizationRequest, CancelOutcome, Capabilities, ConnectionState, CreateMeetingRequest,
    ErrorCode, MeetSchedifyClient, MeetingContext, MeetingParticipant, MeetingProvider,
    MeetingTime, ProviderId, RequestLimits, RetryConfig, TenantId, UpdateMeetingRequest,
    ValidatedCreate, ValidatedUpdate,
};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use meetschedify_google_static::{GoogleMeetStaticBuilder, GoogleMeetStaticProvider};

fn env_of(emu: &EmulatorHandle) -> HashMap<String, String> {
    emu.env_exports().into_iter().collect()
}

fn provider(emu: &EmulatorHandle) -> GoogleMeetStaticProvider {
    let env = env_of(emu);
    GoogleMeetStaticBuilder::from_lookup(|name| env.get(name).cloned())
        .with_retry(
            RetryConfig::default()
                .with_initial_delay(Duration::from_millis(1))
                .with_jitter(false),
        )
        .build()
        .unwrap()
}

fn request(tenant: &str, key: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        tenant,
        ProviderId::GOOGLE_MEET_STATIC,
        "Interview — Backend Engineer",
        MeetingTime::new("2026-06-20T10:00:00", "2026-06-20T11:00:00")
            .with_timezone("Asia/Kolkata"),
    )
    .with_primary_participant(
        MeetingParticipant::new("candidate@example.com").with_display_name("Candidate"),
    )
    .with_metadata_entry("candidate_id", 42)
    .with_idempotency_key(key)
}

#[tokio::test]
async fn create_get_update_cancel_with_one_refresh_token() {
    let emu = Emulator::start().await.unwrap();
    let client = MeetSchedifyClient::builder()
        .with_provider(provider(&emu))
        .build()
        .unwrap();
    let id = ProviderId::GOOGLE_MEET_STATIC;
    let meeting = client
        .create_meeting(request("acme-hr", "i-1"))
        .await
        .unwrap();
    assert!(meeting
        .conference_link
        .as_deref()
        .is_some_and(|l| l.starts_with("https://meet.google.com/")));
    assert_eq!(meeting.metadata["candidate_id"], 42);

    let ctx = MeetingContext::new("acme-hr");
    let got = client
        .get_meeting(&id, &ctx, &meeting.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.conference_link, meeting.conference_link);
    assert_eq!(got.metadata, meeting.metadata);

    let updated = client
        .update_meeting(
            &id,
            &ctx,
            &meeting.provider_event_id,
            UpdateMeetingRequest::new().with_description("Please join 2 minutes early"),
        )
        .await
        .unwrap();
    assert!(!updated.conference_link_changed);
    assert_eq!(
        updated.meeting.raw["description"],
        "Please join 2 minutes early"
    );

    assert_eq!(
        client
            .cancel_meeting(&id, &ctx, &meeting.provider_event_id)
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    );
    assert_eq!(
        emu.google_token_requests(),
        1,
        "one access token for everything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_share_one_refresh_and_tenants_keep_keys_apart() {
    let emu = Emulator::builder()
        .with_google_quota_per_minute(None)
        .start()
        .await
        .unwrap();
    let p = provider(&emu);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let p = p.clone();
        tasks.spawn(async move {
            let tenant = if i % 2 == 0 { "a" } else { "b" };
            let valid = ValidatedCreate::new(
                request(tenant, &format!("k{}", i / 2)),
                &RequestLimits::DEFAULT,
            )
            .unwrap();
            p.create_meeting(&valid).await.map(|m| m.provider_event_id)
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = tasks.join_next().await {
        ids.insert(done.unwrap().unwrap());
    }
    assert_eq!(
        ids.len(),
        200,
        "tenant a's k0 and tenant b's k0 are two meetings"
    );
    assert_eq!(emu.google_token_requests(), 1);
}

#[tokio::test]
async fn a_dead_refresh_token_says_how_to_get_a_new_one() {
    let emu = Emulator::start().await.unwrap();
    let p = provider(&emu);
    let status = p.connection_status(&TenantId::new("any")).await.unwrap();
    assert!(status.connected, "{status:?}");
    assert!(status
        .scopes
        .iter()
        .any(|s| s.ends_with("/auth/calendar.events")));
    assert!(status.expires_at.is_some());

    emu.revoke_token(&emu.demo().google_refresh_token);
    // A fresh provider (as after a restart) with the now-dead token.
    let p = provider(&emu);
    let valid = ValidatedCreate::new(request("t", "k"), &RequestLimits::DEFAULT).unwrap();
    let err = p.create_meeting(&valid).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleAuthRevoked, "{err}");
    assert!(err.message().contains("meetschedify google-token"), "{err}");
    assert!(err.message().contains("7 days"), "{err}");
    assert!(err.message().contains("GOOGLE_REFRESH_TOKEN"), "{err}");
    let before = emu.google_token_requests();
    let status = p.connection_status(&TenantId::new("any")).await.unwrap();
    assert!(!status.connected);
    assert_eq!(status.state, ConnectionState::NeedsReconnect);
    assert!(status
        .reason
        .unwrap()
        .contains("Token has been expired or revoked"));
    let again = p.create_meeting(&valid).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::GoogleAuthRevoked);
    assert_eq!(
        emu.google_token_requests(),
        before,
        "the refusal is remembered"
    );
}

#[tokio::test]
async fn a_refused_client_secret_is_unavailable_not_an_error() {
    let emu = Emulator::start().await.unwrap();
    let env = env_of(&emu);
    let p = GoogleMeetStaticBuilder::from_lookup(|name| env.get(name).cloned())
        .with_client_secret("GOCSPX-wrong")
        .build()
        .unwrap();
    let status = p.connection_status(&TenantId::new("any")).await.unwrap();
    assert!(!status.connected);
    // Not a reconnect (the refresh token is fine): the application's own secret is wrong.
    assert_eq!(status.state, ConnectionState::Unavailable, "{status:?}");
    assert!(!status.state.needs_user_consent());
    let reason = status.reason.unwrap();
    assert!(
        reason.starts_with("GOOGLE_TOKEN_REFRESH_FAILED: "),
        "{reason}"
    );
    assert!(!reason.contains("GOCSPX-wrong"), "no secret in the reason");
}

#[tokio::test]
async fn the_connect_flow_is_declared_unsupported() {
    let emu = Emulator::start().await.unwrap();
    let p = provider(&emu);
    let caps = Capabilities::of(&p);
    assert!(!caps.oauth_connect);
    assert!(
        caps.idempotent_create
            && caps.metadata_round_trip
            && caps.get
            && caps.update
            && caps.cancel
    );
    assert!(p.oauth().is_none());
    let client = MeetSchedifyClient::builder()
        .with_provider(p)
        .build()
        .unwrap();
    let err = client
        .authorization_url(&AuthorizationRequest::new(
            "t",
            ProviderId::GOOGLE_MEET_STATIC,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::OperationNotSupported);
    let err = client
        .disconnect_provider(&ProviderId::GOOGLE_MEET_STATIC, &TenantId::new("t"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::OperationNotSupported);
}

#[tokio::test]
async fn from_env_names_what_is_missing_and_never_prints_secrets() {
    let full: HashMap<&str, &str> = [
        ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
        ("GOOGLE_CLIENT_SECRET", "GOCSPX-very-secret"),
        (
            "GOOGLE_REDIRECT_URI",
            "http://localhost:5000/oauth2callback",
        ),
        ("GOOGLE_REFRESH_TOKEN", "1//very-secret-refresh"),
    ]
    .into_iter()
    .collect();
    for missing in [
        "GOOGLE_CLIENT_ID",
        "GOOGLE_CLIENT_SECRET",
        "GOOGLE_REFRESH_TOKEN",
    ] {
        let err = GoogleMeetStaticBuilder::from_lookup(|n| {
            (n != missing)
                .then(|| full.get(n).map(|v| (*v).to_owned()))
                .flatten()
        })
        .build()
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some(missing));
    }
    let err = GoogleMeetStaticBuilder::from_lookup(|n| match n {
        "MEETSCHEDIFY_GOOGLE_OAUTH_BASE" => Some("http://google.example".to_owned()),
        _ => None,
    })
    .build()
    .unwrap_err();
    assert_eq!(err.field(), Some("MEETSCHEDIFY_GOOGLE_OAUTH_BASE"));

    let builder = GoogleMeetStaticBuilder::from_lookup(|n| full.get(n).map(|v| (*v).to_owned()));
    let debug_builder = format!("{builder:?}");
    let provider = builder.build().unwrap();
    let debug = format!("{debug_builder}\n{provider:?}");
    assert!(debug.contains("id.apps.googleusercontent.com"));
    assert!(!debug.contains("very-secret"), "{debug}");
}

#[tokio::test]
async fn updates_validate_before_any_call() {
    let emu = Emulator::start().await.unwrap();
    let client = MeetSchedifyClient::builder()
        .with_provider(provider(&emu))
        .build()
        .unwrap();
    let err = client
        .update_meeting(
            &ProviderId::GOOGLE_MEET_STATIC,
            &MeetingContext::new("t"),
            "abc",
            UpdateMeetingRequest::new().with_time(MeetingTime::new(
                "2026-06-20T11:00:00",
                "2026-06-20T10:00:00",
            )),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(err.field(), Some("time.end"));
    assert!(emu.requests().is_empty(), "no network call for bad input");
    // ValidatedUpdate is what reaches the provider; an empty one is refused in core.
    assert!(ValidatedUpdate::new(UpdateMeetingRequest::new(), &RequestLimits::DEFAULT).is_err());
}

/// The builder's shared setters are written once, on `meetschedify-google`'s generic builder;
/// each must reach the setting it names for this source too.
#[test]
fn every_shared_setter_reaches_its_setting() {
    use meetschedify_google_static::{CalendarOptions, GoogleEndpoints, SendUpdates};

    let builder = || {
        GoogleMeetStaticBuilder::new()
            .with_client_id("id.apps.googleusercontent.com")
            .with_client_secret("GOCSPX-very-secret")
            .with_refresh_token("1//very-secret-refresh")
    };
    let calendar = CalendarOptions::default()
        .with_calendar_id("team@example.com")
        .with_send_updates(SendUpdates::None)
        .with_conference_wait(Duration::from_secs(3))
        .with_allow_pending_conference(true)
        .with_retry(RetryConfig::none());
    let provider = builder()
        .with_provider_id("google-second-account")
        .with_redirect_uri("http://localhost:5000/oauth2callback")
        .with_calendar_id(calendar.calendar_id.clone())
        .with_send_updates(calendar.send_updates)
        .with_conference_wait(calendar.conference_wait)
        .with_allow_pending_conference(calendar.allow_pending_conference)
        .with_retry(calendar.retry.clone())
        .with_endpoints(GoogleEndpoints::all_at("http://127.0.0.1:9").unwrap())
        .with_api_base("http://127.0.0.1:9/api")
        .with_oauth_base("http://127.0.0.1:9/oauth")
        .build()
        .unwrap();
    assert_eq!(provider.id().as_str(), "google-second-account");
    assert_eq!(provider.options(), &calendar);
    let endpoints = provider.endpoints();
    assert_eq!(
        (endpoints.api_base(), endpoints.oauth_base()),
        ("http://127.0.0.1:9/api", "http://127.0.0.1:9/oauth")
    );
    // No consent-base override on this builder: that base comes from `with_endpoints`.
    assert_eq!(endpoints.auth_base(), "http://127.0.0.1:9");

    // `with_calendar_options` replaces every Calendar setting made before it.
    let provider = builder()
        .with_calendar_id("team@example.com")
        .with_calendar_options(CalendarOptions::default())
        .build()
        .unwrap();
    assert_eq!(provider.options(), &CalendarOptions::default());
}
