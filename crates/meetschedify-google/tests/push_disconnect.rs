//! A per-user disconnect stops the tenant's push channels first (with its own token, before
//! the grant is revoked), performed against the emulator: the channel is gone at Google and in
//! the store, later changes deliver nothing, other tenants keep theirs, and a Google failure
//! to stop never blocks the disconnect.

#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;
// Shared by the push test binaries; not every one reads every field.
#[allow(dead_code)]
mod push_endpoint;

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::webhooks::RejectionReason;
use meetschedify_core::{
    DisconnectOutcome, MeetSchedifyClient, MemoryTokenStore, ProviderId, SaveCondition, TenantId,
    TokenKey, TokenRecord, TokenStore,
};
use meetschedify_emulator::{EmulatorHandle, FaultAction, FaultRule};
use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};
use meetschedify_google::{GoogleMeetProvider, PerUserTokens, SCOPE_CALENDAR_EVENTS};
use serde_json::{json, Value};

use crate::push_endpoint::{Endpoint, Verifier};

const SECOND_USER: &str = "second-account@example.com";

struct Setup {
    emu: EmulatorHandle,
    provider: GoogleMeetProvider,
    watch: GoogleWatch<PerUserTokens>,
    endpoint: Endpoint,
}

/// `org_1` connected to the emulator's demo account, `org_2` to a second account, and a
/// verifier serving the provider's channels.
async fn setup() -> Setup {
    let emu = common::default_emulator().await;
    emu.add_google_user(SECOND_USER);
    let second = emu
        .issue_google_refresh_token(
            &emu.demo().google_client_id,
            SECOND_USER,
            &[SCOPE_CALENDAR_EVENTS],
        )
        .unwrap();
    let tokens = Arc::new(MemoryTokenStore::new());
    for (tenant, refresh) in [
        ("org_1", emu.demo().google_refresh_token.clone()),
        ("org_2", second),
    ] {
        let record = TokenRecord::new("ya29.expired-long-ago")
            .with_refresh_token(refresh)
            .with_expires_at(jiff::Timestamp::UNIX_EPOCH);
        tokens
            .save(
                &TokenKey::new(tenant, ProviderId::GOOGLE_MEET),
                &record,
                SaveCondition::Always,
            )
            .await
            .unwrap();
    }
    let provider = common::provider(&emu, tokens);
    let verifier: Verifier = Arc::new(GoogleWebhookVerifier::new(provider.clone()));
    let endpoint = Endpoint::serve(verifier).await;
    let watch = GoogleWatch::new(provider.clone(), endpoint.address.clone()).unwrap();
    Setup {
        emu,
        provider,
        watch,
        endpoint,
    }
}

impl Setup {
    /// The next notification's status and rejection reason.
    async fn next(&mut self) -> (u16, Option<RejectionReason>) {
        self.endpoint.next().await.answer()
    }

    async fn nothing_more(&mut self) {
        self.endpoint.nothing_more().await;
    }

    /// Creates an event on `email`'s calendar as its owner would, without the library.
    async fn owner_creates(&self, email: &str, summary: &str) -> String {
        let token = self
            .emu
            .issue_google_access_token(email, &[SCOPE_CALENDAR_EVENTS])
            .unwrap();
        let created: Value = reqwest::Client::new()
            .post(format!(
                "{}/calendar/v3/calendars/primary/events",
                self.emu.google_api_base()
            ))
            .bearer_auth(token)
            .json(&json!({
                "summary": summary,
                "start": {"dateTime": "2030-01-15T10:00:00Z"},
                "end": {"dateTime": "2030-01-15T11:00:00Z"},
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["id"].as_str().unwrap().to_owned()
    }

    fn owner_renames(&self, email: &str, id: &str, summary: &str) {
        let mut fields = serde_json::Map::new();
        fields.insert("summary".into(), json!(summary));
        self.emu.change_google_event(email, id, fields).unwrap();
    }

    async fn disconnect(&self, tenant: &TenantId) -> DisconnectOutcome {
        let client = MeetSchedifyClient::builder()
            .with_provider(self.provider.clone())
            .build()
            .unwrap();
        client
            .disconnect_provider(&ProviderId::GOOGLE_MEET, tenant)
            .await
            .unwrap()
    }

    /// The sequence numbers of the emulator's requests to `path`, with their statuses.
    fn requests_to(&self, path: &str) -> Vec<(u64, Option<u16>)> {
        self.emu
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(path))
            .map(|r| (r.seq, r.status))
            .collect()
    }
}

#[tokio::test]
async fn disconnect_stops_the_tenants_channels_and_leaves_other_tenants_watching() {
    let mut s = setup().await;
    let (org_1, org_2) = (TenantId::new("org_1"), TenantId::new("org_2"));
    let first = s.watch.watch(&org_1, "primary").await.unwrap();
    assert_eq!(s.next().await, (200, None), "org_1's sync");
    let kept = s.watch.watch(&org_2, "primary").await.unwrap();
    assert_eq!(s.next().await, (200, None), "org_2's sync");
    let mut open = vec![first.id.clone(), kept.id.clone()];
    open.sort();
    assert_eq!(s.emu.google_channel_ids(), open);
    let demo_user = s.emu.demo().google_user_email.clone();
    let event = s.owner_creates(&demo_user, "Booked by hand").await;
    assert_eq!(s.next().await.0, 200, "org_1's change is notified");

    let delivered_to = |emu: &EmulatorHandle, id: &str| {
        emu.google_push_deliveries()
            .iter()
            .filter(|d| d.channel_id == id)
            .count()
    };
    // The emulator logs a delivery once it has the answer: wait for the sync and the change.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while delivered_to(&s.emu, &first.id) < 2 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = delivered_to(&s.emu, &first.id);
    assert_eq!(s.disconnect(&org_1).await, DisconnectOutcome::Revoked);

    // Stopped at Google with the tenant's own token, before its grant was revoked.
    assert_eq!(s.emu.google_channel_ids(), [kept.id.as_str()]);
    let stops = s.requests_to("/calendar/v3/channels/stop");
    let revokes = s.requests_to("/revoke");
    assert_eq!(stops.len(), 1, "{stops:?}");
    assert_eq!(stops[0].1, Some(204));
    assert_eq!(revokes.len(), 1, "{revokes:?}");
    assert!(
        stops[0].0 < revokes[0].0,
        "stop {stops:?} before revoke {revokes:?}"
    );
    let store = s.provider.subscription_store();
    let provider = ProviderId::GOOGLE_MEET;
    assert!(store
        .for_tenant(&provider, &org_1)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.for_tenant(&provider, &org_2).await.unwrap().len(), 1);

    // A later change in the disconnected tenant's calendar delivers nothing; the other
    // tenant's channel still delivers.
    s.owner_renames(&demo_user, &event, "Moved by hand");
    s.nothing_more().await;
    assert_eq!(delivered_to(&s.emu, &first.id), before);
    s.owner_creates(SECOND_USER, "Second calendar").await;
    assert_eq!(s.next().await, (200, None), "org_2 still watched");
}

#[tokio::test]
async fn disconnect_succeeds_when_google_fails_to_stop_the_channel() {
    let mut s = setup().await;
    let org_1 = TenantId::new("org_1");
    let channel = s.watch.watch(&org_1, "primary").await.unwrap();
    assert_eq!(s.next().await, (200, None));
    s.emu.inject_fault(FaultRule::probability(
        Some("POST"),
        "/calendar/v3/channels/stop",
        1.0,
        FaultAction::Status {
            status: 500,
            body: String::new(),
            headers: Vec::new(),
        },
    ));

    assert_eq!(s.disconnect(&org_1).await, DisconnectOutcome::Revoked);

    // The stop was tried and failed; the record is gone anyway, and the grant revoked.
    let stops = s.requests_to("/calendar/v3/channels/stop");
    assert!(!stops.is_empty() && stops.iter().all(|(_, status)| *status == Some(500)));
    assert!(s
        .provider
        .subscription_store()
        .for_tenant(&ProviderId::GOOGLE_MEET, &org_1)
        .await
        .unwrap()
        .is_empty());
    // Google still delivers on the channel until it expires; the verifier refuses it as
    // unknown and nothing reaches the application.
    assert_eq!(s.emu.google_channel_ids(), [channel.id.as_str()]);
    let demo_user = s.emu.demo().google_user_email.clone();
    s.owner_creates(&demo_user, "After the disconnect").await;
    let (status, reason) = s.next().await;
    assert_eq!(reason, Some(RejectionReason::UnknownSubscription));
    assert!(!(200..300).contains(&status), "{status}");
}
