//! Google Calendar push channels end to end against the emulator: a channel opened by
//! `GoogleWatch`, the emulator's notifications received by an HTTP endpoint that hands them to
//! `GoogleWebhookVerifier`, changes reported as events, and every forgery refused with its
//! typed reason and nothing delivered.

#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;
// Shared by the push test binaries; not every one reads every field.
#[allow(dead_code)]
mod push_endpoint;

use std::sync::Arc;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::{
    MeetingEventKind, RejectionReason, Subscription, SubscriptionStore, WebhookHeaders,
    WebhookOutcome, WebhookRequest, WebhookVerifier,
};
use meetschedify_core::{
    CancelMeeting, MeetingContext, MeetingProvider, ProviderId, RequestLimits, TenantId,
    UpdateMeeting, UpdateMeetingRequest, ValidatedUpdate,
};
use meetschedify_emulator::{EmulatorHandle, GooglePushFault};
use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};
use meetschedify_google::GoogleMeetProvider;
use serde_json::json;

use crate::push_endpoint::{Endpoint, Handled, Verifier};

struct Setup {
    emu: EmulatorHandle,
    provider: GoogleMeetProvider,
    store: Arc<dyn SubscriptionStore>,
    watch: GoogleWatch<meetschedify_google::PerUserTokens>,
    verifier: Verifier,
    endpoint: Endpoint,
    tenant: TenantId,
}

async fn setup() -> Setup {
    let emu = common::default_emulator().await;
    let tokens = common::connected_store(&emu, &["org_1"]).await;
    let provider = common::provider(&emu, tokens);
    let store = Arc::clone(provider.subscription_store());
    let verifier: Verifier = Arc::new(GoogleWebhookVerifier::new(provider.clone()));
    let endpoint = Endpoint::serve(verifier.clone()).await;
    let watch = GoogleWatch::new(provider.clone(), endpoint.address.clone()).unwrap();
    Setup {
        emu,
        provider,
        store,
        watch,
        verifier,
        endpoint,
        tenant: TenantId::new("org_1"),
    }
}

impl Setup {
    async fn next(&mut self) -> Handled {
        self.endpoint.next().await
    }

    async fn nothing_more(&mut self) {
        self.endpoint.nothing_more().await;
    }

    async fn create(&mut self) -> String {
        let made = self
            .provider
            .create_meeting(&common::create_request("org_1", None))
            .await
            .unwrap();
        // Its creation is notified, and reported as nothing: the application made it.
        let handled = self.next().await;
        assert_eq!(
            (handled.status, handled.events.len()),
            (200, 0),
            "{handled:?}"
        );
        made.provider_event_id
    }

    async fn rename(&self, id: &str, title: &str) {
        let update = ValidatedUpdate::new(
            UpdateMeetingRequest::new().with_title(title),
            &RequestLimits::DEFAULT,
        )
        .unwrap();
        self.provider
            .update_meeting(&MeetingContext::new("org_1"), id, &update)
            .await
            .unwrap();
    }

    fn calendar(&self) -> String {
        self.emu.demo().google_user_email.clone()
    }
}

#[tokio::test]
async fn a_watched_calendars_changes_to_the_librarys_meetings_become_events() {
    let mut s = setup().await;
    let subscription = s.watch.watch(&s.tenant, "primary").await.unwrap();
    assert_eq!(subscription.provider, ProviderId::GOOGLE_MEET);
    assert_eq!(subscription.resource, "primary");
    assert!(subscription.vendor_resource_id.is_some());
    assert!(subscription.cursor.is_some());
    assert_eq!(subscription.secret.expose_secret().len(), 43);
    let stored = s
        .store
        .get(&ProviderId::GOOGLE_MEET, &subscription.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cursor, subscription.cursor);
    let sync = s.next().await;
    assert_eq!((sync.status, sync.events.len()), (200, 0));

    let id = s.create().await;
    s.rename(&id, "Moved interview").await;
    let updated = s.next().await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.events.len(), 1, "{updated:?}");
    let event = &updated.events[0];
    assert_eq!(event.kind, MeetingEventKind::Updated);
    assert_eq!(event.meeting_id, id);
    assert_eq!(event.tenant, Some(s.tenant.clone()));
    assert_eq!(event.raw["summary"], "Moved interview");

    // A change made in Google Calendar itself is reported too.
    let mut fields = serde_json::Map::new();
    fields.insert("summary".into(), json!("Renamed by hand"));
    s.emu
        .change_google_event(&s.calendar(), &id, fields)
        .unwrap();
    let by_hand = s.next().await;
    assert_eq!(by_hand.events[0].raw["summary"], "Renamed by hand");
    assert_ne!(by_hand.events[0].delivery_id, event.delivery_id);

    s.provider
        .cancel_meeting(&MeetingContext::new("org_1"), &id)
        .await
        .unwrap();
    let cancelled = s.next().await;
    assert_eq!(cancelled.events.len(), 1);
    assert_eq!(cancelled.events[0].kind, MeetingEventKind::Cancelled);
    assert_eq!(cancelled.events[0].meeting_id, id);
    s.nothing_more().await;
}

#[tokio::test]
async fn an_expired_sync_token_means_a_full_resync_and_later_changes_are_reported() {
    let mut s = setup().await;
    let subscription = s.watch.watch(&s.tenant, "primary").await.unwrap();
    let _sync = s.next().await;
    let id = s.create().await;
    s.emu.expire_google_sync_tokens();
    s.rename(&id, "During the outage").await;
    let resynced = s.next().await;
    assert_eq!((resynced.status, resynced.events.len()), (200, 0));
    let stored = s
        .store
        .get(&ProviderId::GOOGLE_MEET, &subscription.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.cursor, subscription.cursor, "the cursor was reset");
    s.rename(&id, "After the resync").await;
    let after = s.next().await;
    assert_eq!(after.events.len(), 1);
    assert_eq!(after.events[0].raw["summary"], "After the resync");
}

#[tokio::test]
async fn renewal_replaces_the_channel_and_stop_ends_them() {
    let mut s = setup().await;
    let old = s.watch.watch(&s.tenant, "primary").await.unwrap();
    let _sync = s.next().await;
    let far = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365);
    let renewed = s.watch.renew_expiring(far).await.unwrap();
    assert_eq!(renewed.len(), 1);
    let new = &renewed[0];
    assert_ne!(new.id, old.id);
    assert_ne!(new.secret.expose_secret(), old.secret.expose_secret());
    let _new_sync = s.next().await;
    let held = s
        .store
        .for_tenant(&ProviderId::GOOGLE_MEET, &s.tenant)
        .await
        .unwrap();
    let ids: Vec<&str> = held.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, [new.id.as_str()]);
    // Nothing is due before now: nothing is renewed.
    assert!(s
        .watch
        .renew_expiring(jiff::Timestamp::now())
        .await
        .unwrap()
        .is_empty());

    // Only the new channel is notified: the old one was stopped at Google.
    let id = s.create().await;
    s.nothing_more().await;
    let channels: Vec<String> = s
        .emu
        .google_push_deliveries()
        .iter()
        .map(|d| d.channel_id.clone())
        .collect();
    assert_eq!(
        channels.iter().filter(|c| **c == old.id).count(),
        1,
        "its sync only"
    );

    assert_eq!(s.watch.stop(&s.tenant).await.unwrap(), 1);
    assert!(s
        .store
        .for_tenant(&ProviderId::GOOGLE_MEET, &s.tenant)
        .await
        .unwrap()
        .is_empty());
    s.rename(&id, "Nobody listens").await;
    s.nothing_more().await;
}

#[tokio::test]
async fn the_emulators_forged_token_is_refused_and_delivers_nothing() {
    let mut s = setup().await;
    s.watch.watch(&s.tenant, "primary").await.unwrap();
    let _sync = s.next().await;
    let id = s.create().await;
    s.emu.inject_google_push_fault(GooglePushFault::WrongToken);
    s.rename(&id, "Forged").await;
    let forged = s.next().await;
    assert_eq!(forged.status, 401);
    assert_eq!(forged.code, Some("WEBHOOK_BAD_SIGNATURE"));
    assert!(forged.events.is_empty());
    // A duplicated delivery is delivered once.
    s.emu.inject_google_push_fault(GooglePushFault::Duplicate);
    s.rename(&id, "Twice").await;
    let (first, again) = (s.next().await, s.next().await);
    assert_eq!(first.events.len(), 1);
    assert_eq!((again.status, again.code), (401, Some("WEBHOOK_REPLAYED")));
    assert!(again.events.is_empty());
}

/// The headers of a genuine notification for `subscription`.
fn genuine(subscription: &Subscription, number: u64) -> Vec<(&'static str, String)> {
    vec![
        ("x-goog-channel-id", subscription.id.clone()),
        (
            "x-goog-channel-token",
            subscription.secret.expose_secret().to_owned(),
        ),
        (
            "x-goog-resource-id",
            subscription.vendor_resource_id.clone().unwrap(),
        ),
        ("x-goog-resource-state", "exists".to_owned()),
        ("x-goog-message-number", number.to_string()),
        (
            "x-goog-resource-uri",
            "https://www.googleapis.com/calendar/v3/calendars/primary/events".to_owned(),
        ),
    ]
}

async fn rejection(verifier: &Verifier, headers: Vec<(&'static str, String)>) -> RejectionReason {
    let request = WebhookRequest::new(headers.into_iter().collect(), Vec::new());
    verifier
        .handle(&request)
        .await
        .unwrap_err()
        .reason()
        .clone()
}

fn replace(
    mut headers: Vec<(&'static str, String)>,
    name: &str,
    value: &str,
) -> Vec<(&'static str, String)> {
    for (k, v) in &mut headers {
        if *k == name {
            *v = value.to_owned();
        }
    }
    headers
}

#[tokio::test]
async fn forged_and_replayed_notifications_are_refused_with_their_reason() {
    let mut s = setup().await;
    let subscription = s.watch.watch(&s.tenant, "primary").await.unwrap();
    let _sync = s.next().await;
    let v = &s.verifier;

    let unknown = replace(
        genuine(&subscription, 900),
        "x-goog-channel-id",
        "msf-not-ours",
    );
    assert_eq!(
        rejection(v, unknown).await,
        RejectionReason::UnknownSubscription
    );
    let mut wrong = subscription.secret.expose_secret().to_owned();
    wrong.replace_range(0..1, if wrong.starts_with('A') { "B" } else { "A" });
    let bad_token = replace(genuine(&subscription, 901), "x-goog-channel-token", &wrong);
    assert_eq!(rejection(v, bad_token).await, RejectionReason::BadSignature);
    let other = replace(
        genuine(&subscription, 902),
        "x-goog-resource-id",
        "another-resource",
    );
    assert_eq!(rejection(v, other).await, RejectionReason::ResourceMismatch);
    for name in [
        "x-goog-channel-id",
        "x-goog-channel-token",
        "x-goog-resource-id",
        "x-goog-resource-state",
        "x-goog-message-number",
    ] {
        let missing: Vec<_> = genuine(&subscription, 903)
            .into_iter()
            .filter(|(k, _)| *k != name)
            .collect();
        assert_eq!(
            rejection(v, missing).await,
            RejectionReason::MissingHeader(name),
            "{name}"
        );
    }
    // The genuine one passes once, then is a replay.
    let request = WebhookRequest::new(
        genuine(&subscription, 904).into_iter().collect(),
        Vec::new(),
    );
    assert!(matches!(v.handle(&request).await, Ok(WebhookOutcome::Events(e)) if e.is_empty()));
    assert_eq!(
        rejection(v, genuine(&subscription, 904)).await,
        RejectionReason::Replayed
    );
    // A body is never Google's.
    let request = WebhookRequest::new(
        genuine(&subscription, 905).into_iter().collect(),
        vec![b'x'; 2048],
    );
    assert!(matches!(
        v.handle(&request).await.unwrap_err().reason(),
        RejectionReason::BodyTooLarge { .. }
    ));
    // None of that changed the stored cursor.
    let stored = s
        .store
        .get(&ProviderId::GOOGLE_MEET, &subscription.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.cursor, subscription.cursor);
}

/// A channel stored before `events.watch` answered (no resource id yet) accepts only its
/// `sync` message, which Google may send before that answer.
#[tokio::test]
async fn a_channel_still_opening_accepts_its_sync_message_only() {
    let s = setup().await;
    let pending = Subscription::new(
        ProviderId::GOOGLE_MEET,
        s.tenant.clone(),
        "msf-opening",
        "primary",
        meetschedify_core::secrecy::SecretString::from("opening-token".to_owned()),
        jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1),
    );
    s.store.put(&pending).await.unwrap();
    let headers = |state: &str| -> WebhookHeaders {
        [
            ("x-goog-channel-id", "msf-opening"),
            ("x-goog-channel-token", "opening-token"),
            ("x-goog-resource-id", "whatever-google-says"),
            ("x-goog-resource-state", state),
            ("x-goog-message-number", "1"),
        ]
        .into_iter()
        .collect()
    };
    let sync = WebhookRequest::new(headers("sync"), Vec::new());
    assert!(
        matches!(s.verifier.handle(&sync).await, Ok(WebhookOutcome::Events(e)) if e.is_empty())
    );
    let exists = WebhookRequest::new(headers("exists"), Vec::new());
    assert_eq!(
        s.verifier.handle(&exists).await.unwrap_err().reason(),
        &RejectionReason::ResourceMismatch
    );
}
