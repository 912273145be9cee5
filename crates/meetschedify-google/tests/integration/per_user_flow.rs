//! The whole per-user flow against the emulator: authorization URL, consent, callback, create,
//! get, update, cancel, disconnect.

use std::sync::Arc;

use meetschedify_core::DisconnectOutcome;
use meetschedify_core::{
    AuthorizationRequest, CancelOutcome, ConferenceLinkKind, ConnectionState, ErrorCode,
    MeetingContext, MeetingProvider, MeetingStatus, MeetingTime, OAuthCallback, OAuthConnect,
    ProviderId, RequestLimits, TenantId, UpdateMeetingRequest, ValidatedUpdate,
};
use meetschedify_core::{CancelMeeting, GetMeeting, MemoryTokenStore, UpdateMeeting};
use meetschedify_emulator::Emulator;

#[tokio::test]
async fn connect_create_get_update_cancel_disconnect_through_the_consent_page() {
    let emu = crate::common::default_emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let provider = crate::common::provider(&emu, store.clone());
    let tenant = TenantId::new("org_123");

    // 1. The consent URL carries everything Google needs for a refresh token, and PKCE.
    let auth = provider
        .tokens()
        .authorization_url(
            &AuthorizationRequest::new("org_123", ProviderId::GOOGLE_MEET)
                .with_return_url("/dashboard")
                .with_login_hint(&emu.demo().google_user_email),
        )
        .await
        .unwrap();
    let url = url::Url::parse(&auth.url).unwrap();
    assert_eq!(url.path(), "/o/oauth2/v2/auth");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], emu.demo().google_client_id);
    assert_eq!(q["redirect_uri"], emu.demo().google_redirect_uri);
    assert_eq!(
        q["scope"],
        "https://www.googleapis.com/auth/calendar.events"
    );
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["include_granted_scopes"], "true");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["login_hint"], emu.demo().google_user_email);
    assert_eq!(q["state"], auth.state);
    assert!(
        !auth.state.contains("org_123"),
        "the state is sealed, not readable"
    );

    // 2. The user clicks Allow; Google redirects back with a code and the state.
    let back = crate::common::consent(&auth.url, "allow").await;
    assert_eq!(back.state.as_deref(), Some(auth.state.as_str()));
    let status = provider.connection_status(&tenant).await.unwrap();
    assert!(!status.connected, "not connected before the callback");
    assert_eq!(status.state, ConnectionState::NotConnected);
    assert!(status.reason.unwrap().starts_with("not connected"));

    // 3. The callback stores the tokens for the tenant named in the state.
    let connected = provider
        .tokens()
        .handle_callback(
            &OAuthCallback::new(back.code.unwrap(), back.state.unwrap())
                .with_session_binding(auth.session_binding.clone()),
        )
        .await
        .unwrap();
    assert_eq!(connected.tenant_id, tenant);
    assert_eq!(connected.return_url.as_deref(), Some("/dashboard"));
    let status = provider.connection_status(&tenant).await.unwrap();
    assert!(status.connected, "{status:?}");
    assert_eq!(status.state, ConnectionState::Connected);
    assert_eq!(
        status.scopes,
        ["https://www.googleapis.com/auth/calendar.events"]
    );
    assert!(status.expires_at.is_some());
    let tokens_after_connect = emu.google_token_requests();
    assert_eq!(tokens_after_connect, 1, "the code exchange");

    // 4. Create: a Meet link, the calendar page, every entry point, metadata back.
    let created = provider
        .create_meeting(&crate::common::create_request(
            "org_123",
            Some("interview-42"),
        ))
        .await
        .unwrap();
    let link = created.conference_link.clone().expect("a meet link");
    assert!(link.starts_with("https://meet.google.com/"), "{link}");
    assert!(created.calendar_url.is_some());
    assert!(created
        .conference_links
        .iter()
        .any(|l| l.kind == ConferenceLinkKind::Video && l.uri == link));
    assert!(created
        .conference_links
        .iter()
        .any(|l| l.kind == ConferenceLinkKind::Phone));
    assert_eq!(created.metadata["application_id"], "app_42");
    assert_eq!(created.title.as_deref(), Some("Technical interview"));
    assert_eq!(created.time.timezone, "Asia/Kolkata");
    assert_eq!(created.time.start, "2026-06-15T10:00:00+05:30");
    assert_eq!(created.raw["id"], created.provider_event_id);
    assert_eq!(
        emu.google_token_requests(),
        tokens_after_connect,
        "token reused"
    );

    // 5. Get returns the same meeting, metadata included (from the private properties).
    let ctx = MeetingContext::new("org_123");
    let got = provider
        .get_meeting(&ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.conference_link.as_deref(), Some(link.as_str()));
    assert_eq!(got.metadata, created.metadata);
    assert_eq!(got.time, created.time);

    // 6. Reschedule and retitle: the link stays.
    let update = ValidatedUpdate::new(
        UpdateMeetingRequest::new()
            .with_title("Technical interview (moved)")
            .with_time(
                MeetingTime::new("2026-06-16T09:00:00", "2026-06-16T10:30:00")
                    .with_timezone("Europe/Berlin"),
            ),
        &RequestLimits::DEFAULT,
    )
    .unwrap();
    let updated = provider
        .update_meeting(&ctx, &created.provider_event_id, &update)
        .await
        .unwrap();
    assert!(!updated.conference_link_changed);
    assert_eq!(
        updated.meeting.conference_link.as_deref(),
        Some(link.as_str())
    );
    assert_eq!(
        updated.meeting.title.as_deref(),
        Some("Technical interview (moved)")
    );
    assert_eq!(updated.meeting.time.start, "2026-06-16T09:00:00+02:00");
    assert_eq!(
        updated.meeting.metadata["application_id"], "app_42",
        "metadata untouched"
    );

    // 7. Cancel, then cancel again: the second is documented as AlreadyCancelled.
    assert_eq!(
        provider
            .cancel_meeting(&ctx, &created.provider_event_id)
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    );
    assert_eq!(
        provider
            .cancel_meeting(&ctx, &created.provider_event_id)
            .await
            .unwrap(),
        CancelOutcome::AlreadyCancelled
    );
    let gone = provider
        .get_meeting(&ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(gone.status, MeetingStatus::Cancelled);

    // 8. Disconnect revokes at Google and forgets the tokens.
    assert_eq!(
        provider.tokens().disconnect(&tenant).await.unwrap(),
        DisconnectOutcome::Revoked
    );
    assert_eq!(
        provider.tokens().disconnect(&tenant).await.unwrap(),
        DisconnectOutcome::NotConnected
    );
    assert!(store.is_empty());
    assert!(!provider.connection_status(&tenant).await.unwrap().connected);
    let err = provider
        .create_meeting(&crate::common::create_request("org_123", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleNotConnected, "{err}");
    assert!(err.code().needs_reconnect());
}

#[tokio::test]
async fn auto_consent_and_the_client_facade_work_together() {
    let emu = crate::common::emulator(Emulator::builder().with_auto_consent()).await;
    let provider = crate::common::provider(&emu, Arc::new(MemoryTokenStore::new()));
    let client = meetschedify_core::MeetSchedifyClient::builder()
        .with_provider(provider)
        .build()
        .unwrap();
    let auth = client
        .authorization_url(&AuthorizationRequest::new("org_9", ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    let back = crate::common::consent(&auth.url, "allow").await;
    client
        .handle_oauth_callback(
            &ProviderId::GOOGLE_MEET,
            &OAuthCallback::new(back.code.unwrap(), back.state.unwrap())
                .with_session_binding(auth.session_binding.clone()),
        )
        .await
        .unwrap();
    let request = crate::common::create_request("org_9", Some("k1")).into_request();
    let meeting = client.create_meeting(request).await.unwrap();
    assert!(meeting.conference_link.is_some());
    client
        .disconnect_provider(&ProviderId::GOOGLE_MEET, &TenantId::new("org_9"))
        .await
        .unwrap();
    let status = client
        .connection_status(&ProviderId::GOOGLE_MEET, &TenantId::new("org_9"))
        .await
        .unwrap();
    assert!(!status.connected);
}

#[tokio::test]
async fn a_denied_consent_stores_nothing() {
    let emu = crate::common::default_emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let provider = crate::common::provider(&emu, store.clone());
    let auth = provider
        .tokens()
        .authorization_url(&AuthorizationRequest::new("org_1", ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    let back = crate::common::consent(&auth.url, "deny").await;
    assert_eq!(back.error.as_deref(), Some("access_denied"));
    assert!(back.code.is_none());
    assert!(store.is_empty());
}
