//! The client's routing rules: registry, unknown providers, unsupported operations, and
//! validation before any provider is called.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use meetschedify_core::{
    AuthorizationRequest, AuthorizationUrl, CancelMeeting, CancelOutcome, ConnectedAccount,
    ConnectionStatus, CreateMeetingRequest, CreatedMeeting, DisconnectOutcome, ErrorCode,
    GetMeeting, MeetSchedifyClient, MeetingContext, MeetingParticipant, MeetingProvider,
    MeetingTime, OAuthCallback, OAuthConnect, Operation, ProviderId, RequestLimits, Result,
    SessionBinding, TenantId, UpdateMeeting, UpdateMeetingRequest, UpdatedMeeting, ValidatedCreate,
    ValidatedUpdate,
};

/// A provider that records how often each operation reached it.
#[derive(Debug, Default)]
struct Recording {
    id: Option<ProviderId>,
    full: bool,
    calls: AtomicUsize,
    connect: Option<Connect>,
}

#[derive(Debug, Default)]
struct Connect {
    disconnects: AtomicUsize,
}

impl Recording {
    fn new(id: &'static str) -> Self {
        Self {
            id: Some(ProviderId::new(id)),
            ..Self::default()
        }
    }

    fn full(id: &'static str) -> Self {
        Self {
            full: true,
            ..Self::new(id)
        }
    }

    fn with_oauth(id: &'static str) -> Self {
        Self {
            connect: Some(Connect::default()),
            ..Self::full(id)
        }
    }
}

#[async_trait]
impl MeetingProvider for Recording {
    fn id(&self) -> &ProviderId {
        self.id.as_ref().unwrap()
    }

    fn limits(&self) -> RequestLimits {
        RequestLimits::DEFAULT.with_max_title_chars(200)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(
            CreatedMeeting::new(self.id().clone(), "m-1", request.time().to_meeting_time())
                .with_conference_link("https://example.com/j/1")
                .with_metadata(request.request().metadata.clone()),
        )
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        Ok(ConnectionStatus::connected(
            self.id().clone(),
            tenant.clone(),
        ))
    }

    fn get(&self) -> Option<&dyn GetMeeting> {
        self.full.then_some(self as &dyn GetMeeting)
    }

    fn update(&self) -> Option<&dyn UpdateMeeting> {
        self.full.then_some(self as &dyn UpdateMeeting)
    }

    fn cancel(&self) -> Option<&dyn CancelMeeting> {
        self.full.then_some(self as &dyn CancelMeeting)
    }

    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        self.connect.as_ref().map(|c| c as &dyn OAuthConnect)
    }
}

#[async_trait]
impl GetMeeting for Recording {
    async fn get_meeting(&self, _ctx: &MeetingContext, id: &str) -> Result<CreatedMeeting> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(CreatedMeeting::new(
            self.id().clone(),
            id,
            MeetingTime::new("a", "b"),
        ))
    }
}

#[async_trait]
impl UpdateMeeting for Recording {
    async fn update_meeting(
        &self,
        _ctx: &MeetingContext,
        id: &str,
        _u: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let m = CreatedMeeting::new(self.id().clone(), id, MeetingTime::new("a", "b"));
        Ok(UpdatedMeeting::new(m, false))
    }
}

#[async_trait]
impl CancelMeeting for Recording {
    async fn cancel_meeting(&self, _ctx: &MeetingContext, _id: &str) -> Result<CancelOutcome> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(CancelOutcome::Cancelled)
    }
}

#[async_trait]
impl OAuthConnect for Connect {
    async fn authorization_url(&self, r: &AuthorizationRequest) -> Result<AuthorizationUrl> {
        Ok(AuthorizationUrl::new(
            format!("https://auth.example.com/?t={}", r.tenant_id),
            "s",
            SessionBinding::generate(),
        ))
    }

    async fn handle_callback(&self, _cb: &OAuthCallback) -> Result<ConnectedAccount> {
        Ok(ConnectedAccount::new(
            "t".into(),
            ProviderId::GOOGLE_MEET,
            None,
        ))
    }

    async fn disconnect(&self, _tenant: &TenantId) -> Result<DisconnectOutcome> {
        self.disconnects.fetch_add(1, Ordering::SeqCst);
        Ok(DisconnectOutcome::Revoked)
    }
}

fn request(provider: &'static str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        "org_1",
        ProviderId::new(provider),
        "Consultation",
        MeetingTime::new("2026-08-01T09:00:00", "2026-08-01T09:30:00")
            .with_timezone("America/Chicago"),
    )
    .with_primary_participant(MeetingParticipant::new("patient@example.com"))
}

#[test]
fn providers_are_listed_in_registration_order() {
    let client = MeetSchedifyClient::builder()
        .with_provider(Recording::new("zoom"))
        .with_provider(Recording::new("google-meet"))
        .with_shared_provider(Arc::new(Recording::new("google-meet-static")))
        .build()
        .unwrap();
    // Registration order, as the Node.js original's `listProviders()`.
    assert_eq!(
        client.list_providers(),
        vec![
            ProviderId::ZOOM,
            ProviderId::GOOGLE_MEET,
            ProviderId::GOOGLE_MEET_STATIC,
        ]
    );
}

#[test]
fn two_providers_with_one_id_is_a_config_error() {
    let err = MeetSchedifyClient::builder()
        .with_provider(Recording::new("zoom"))
        .with_provider(Recording::new("zoom"))
        .build()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert!(err.message().contains("zoom"));
}

#[test]
fn an_invalid_provider_id_is_a_config_error() {
    let err = MeetSchedifyClient::builder()
        .with_provider(Recording::new("Zoom EU"))
        .build()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
}

#[tokio::test]
async fn an_unknown_provider_is_provider_not_found() {
    let client = MeetSchedifyClient::builder()
        .with_provider(Recording::new("zoom"))
        .build()
        .unwrap();
    let err = client.create_meeting(request("webex")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderNotFound);
    assert_eq!(err.provider_id(), Some(&ProviderId::new("webex")));
    assert_eq!(err.operation(), Some(Operation::CreateMeeting));
    let err = client
        .connection_status(&ProviderId::new("webex"), &"t".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderNotFound);
}

#[tokio::test]
async fn operations_a_provider_lacks_are_not_supported() {
    let provider = Arc::new(Recording::new("jitsi"));
    let client = MeetSchedifyClient::builder()
        .with_shared_provider(provider.clone())
        .build()
        .unwrap();
    let id = ProviderId::new("jitsi");
    let ctx = MeetingContext::new("org_1");

    let get = client.get_meeting(&id, &ctx, "m-1").await.unwrap_err();
    let cancel = client.cancel_meeting(&id, &ctx, "m-1").await.unwrap_err();
    let update = client
        .update_meeting(
            &id,
            &ctx,
            "m-1",
            UpdateMeetingRequest::new().with_title("x"),
        )
        .await
        .unwrap_err();
    let url = client
        .authorization_url(&AuthorizationRequest::new("org_1", id.clone()))
        .await
        .unwrap_err();
    let disconnect = client
        .disconnect_provider(&id, &"org_1".into())
        .await
        .unwrap_err();
    for (err, op) in [
        (get, Operation::GetMeeting),
        (cancel, Operation::CancelMeeting),
        (update, Operation::UpdateMeeting),
        (url, Operation::AuthorizationUrl),
        (disconnect, Operation::Disconnect),
    ] {
        assert_eq!(err.code(), ErrorCode::OperationNotSupported);
        assert_eq!(err.operation(), Some(op));
    }
    assert_eq!(provider.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn invalid_requests_never_reach_the_provider() {
    let provider = Arc::new(Recording::full("zoom"));
    let client = MeetSchedifyClient::builder()
        .with_shared_provider(provider.clone())
        .build()
        .unwrap();

    let mut long_title = request("zoom");
    long_title.title = "x".repeat(201);
    let err = client.create_meeting(long_title).await.unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        (ErrorCode::InvalidRequest, Some("title"))
    );

    let mut backwards = request("zoom");
    backwards.time.end = "2026-08-01T08:00:00".into();
    let err = client.create_meeting(backwards).await.unwrap_err();
    assert_eq!(err.field(), Some("time.end"));

    let err = client
        .update_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new("org_1"),
            "m-1",
            UpdateMeetingRequest::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);

    let err = client
        .cancel_meeting(&ProviderId::ZOOM, &MeetingContext::new("org_1"), " ")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("meeting_id"));
    let err = client
        .get_meeting(&ProviderId::ZOOM, &MeetingContext::new(""), "m-1")
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("tenant_id"));

    assert_eq!(
        provider.calls.load(Ordering::SeqCst),
        0,
        "no call reached the provider"
    );
}

#[tokio::test]
async fn valid_requests_are_routed_and_metadata_comes_back_unchanged() {
    let provider = Arc::new(Recording::full("zoom"));
    let client = MeetSchedifyClient::builder()
        .with_shared_provider(provider.clone())
        .build()
        .unwrap();
    let meeting = client
        .create_meeting(request("zoom").with_metadata_entry("visit", serde_json::json!({"id": 7})))
        .await
        .unwrap();
    assert_eq!(meeting.metadata["visit"]["id"], 7);
    assert_eq!(meeting.time.start, "2026-08-01T09:00:00-05:00");
    let ctx = MeetingContext::new("org_1");
    client
        .get_meeting(&ProviderId::ZOOM, &ctx, "m-1")
        .await
        .unwrap();
    assert_eq!(
        client
            .cancel_meeting(&ProviderId::ZOOM, &ctx, "m-1")
            .await
            .unwrap(),
        CancelOutcome::Cancelled
    );
    assert_eq!(provider.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn oauth_calls_reach_providers_that_offer_them() {
    let provider = Arc::new(Recording::with_oauth("google-meet"));
    let client = MeetSchedifyClient::builder()
        .with_shared_provider(provider.clone())
        .build()
        .unwrap();
    let url = client
        .authorization_url(&AuthorizationRequest::new("org_9", ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    assert!(url.url.ends_with("t=org_9"));
    let connected = client
        .handle_oauth_callback(
            &ProviderId::GOOGLE_MEET,
            &OAuthCallback::new("code", "state").with_session_binding(url.session_binding.clone()),
        )
        .await
        .unwrap();
    assert_eq!(connected.provider_id, ProviderId::GOOGLE_MEET);
    let outcome = client
        .disconnect_provider(&ProviderId::GOOGLE_MEET, &"org_9".into())
        .await
        .unwrap();
    assert_eq!(outcome, DisconnectOutcome::Revoked, "the provider's answer");
    assert_eq!(
        provider
            .connect
            .as_ref()
            .unwrap()
            .disconnects
            .load(Ordering::SeqCst),
        1
    );

    let err = client
        .handle_oauth_callback(&ProviderId::GOOGLE_MEET, &OAuthCallback::new("code", ""))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::OAuthStateInvalid);
    let err = client
        .handle_oauth_callback(&ProviderId::GOOGLE_MEET, &OAuthCallback::new("", "s"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    // No provider is asked to complete a callback that no browser session vouches for.
    let err = client
        .handle_oauth_callback(&ProviderId::GOOGLE_MEET, &OAuthCallback::new("code", "s"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), err.field()),
        (ErrorCode::OAuthStateInvalid, Some("session_binding"))
    );
}

#[test]
fn the_client_is_cheap_to_share() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<MeetSchedifyClient>();
}
