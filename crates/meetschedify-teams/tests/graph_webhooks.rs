//! Graph change notifications end to end against the emulator (reference `webhooks.md` §3):
//! subscribe, renew, lifecycle and unsubscribe with the app-only provider, notifications for
//! the library's own meetings through a loopback endpoint, and the verifier's refusals (typed
//! reason, nothing delivered).

mod graph_endpoint;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use meetschedify_core::secrecy::SecretString;
use meetschedify_core::webhooks::{
    MeetingEventKind, MemorySubscriptionStore, RejectionReason, Subscription, SubscriptionStore,
    WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier, QUERY_PSEUDO_HEADER,
};
use meetschedify_core::{
    ErrorCode, MeetSchedifyClient, MeetingContext, ProviderId, TenantId, UpdateMeetingRequest,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, GraphWebhookFault};
use meetschedify_teams::webhooks::{
    GraphOutcome, GraphWebhookVerifier, ItemError, LifecycleAction, LifecycleEvent, LifecycleNotice,
};
use meetschedify_teams::{TeamsAppMode, TeamsAppProvider};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::graph_endpoint::{next, provider, request, serve};

/// Waits until the emulator logged `n` deliveries; their statuses.
async fn statuses(emu: &EmulatorHandle, n: usize) -> Vec<Option<u16>> {
    for _ in 0..100 {
        let log = emu.graph_webhook_deliveries();
        if log.len() >= n {
            return log.into_iter().map(|d| d.status).collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "fewer than {n} deliveries: {:?}",
        emu.graph_webhook_deliveries()
    );
}

#[tokio::test]
async fn the_library_s_meetings_are_notified_and_forgeries_and_redeliveries_are_not() {
    let emu = Emulator::start().await.unwrap();
    let teams = provider(&emu);
    let subs = teams.subscriptions().unwrap();
    let store: Arc<dyn SubscriptionStore> = Arc::clone(subs.store());
    let verifier = subs
        .verifier()
        .with_entra_tenant(teams.entra_tenant_id())
        .build();
    let (url, mut events) = serve(verifier).await;
    let tenant = TenantId::new("acme-hr");
    let sub = subs.subscribe(&tenant, &url, None).await.unwrap();
    assert_eq!(
        sub.resource,
        format!("users/{}/events", emu.demo().microsoft_organizer_upn)
    );
    assert!(sub.expires_at > Timestamp::now() + jiff::SignedDuration::from_hours(70));
    assert!(store
        .get(subs.provider_id(), &sub.id)
        .await
        .unwrap()
        .is_some());

    let client = MeetSchedifyClient::builder()
        .with_provider(teams.clone())
        .build()
        .unwrap();
    let created = client.create_meeting(request("Interview")).await.unwrap();
    let ctx = MeetingContext::new("acme-hr");
    // `created` is answered 202 but delivers nothing: the create already returned the meeting.
    assert_eq!(statuses(&emu, 1).await, vec![Some(202)]);
    client
        .update_meeting(
            &created.provider_id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new().with_title("Interview (moved)"),
        )
        .await
        .unwrap();
    let updated = next(&mut events).await;
    assert_eq!(updated.kind, MeetingEventKind::Updated);
    assert_eq!(updated.meeting_id, created.provider_event_id);
    assert_eq!(updated.provider, ProviderId::MICROSOFT_TEAMS_APP);
    // The organizer's calendar holds every tenant's events: the stamp, read on get, says whose.
    assert_eq!(updated.tenant, None);
    assert!(updated.raw.get("clientState").is_none(), "{}", updated.raw);

    // A forged clientState: 401, nothing delivered.
    emu.inject_graph_webhook_fault(GraphWebhookFault::WrongClientState);
    client
        .update_meeting(
            &created.provider_id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new().with_title("Forged"),
        )
        .await
        .unwrap();
    assert_eq!(statuses(&emu, 3).await[2], Some(401));
    // A redelivery: answered 2xx (Graph would resend anything else for hours), delivered once.
    emu.inject_graph_webhook_fault(GraphWebhookFault::Duplicate);
    client
        .cancel_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    let cancelled = next(&mut events).await;
    assert_eq!(cancelled.kind, MeetingEventKind::Cancelled);
    assert_eq!(statuses(&emu, 5).await[3..], [Some(202), Some(202)]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        events.try_recv().is_err(),
        "the forged and the repeated changes were delivered"
    );

    assert_eq!(subs.unsubscribe(&tenant).await.unwrap(), 1);
    assert!(emu.graph_subscription_ids().is_empty());
    assert!(store
        .for_tenant(subs.provider_id(), &tenant)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn renewal_and_lifecycle_notifications_keep_the_subscription_alive() {
    let emu = Emulator::start().await.unwrap();
    let teams = provider(&emu);
    let subs = teams
        .subscriptions()
        .unwrap()
        .with_lifetime(Duration::from_secs(3600));
    let store: Arc<dyn SubscriptionStore> = Arc::clone(subs.store());
    let (notices_tx, mut notices) = mpsc::channel(8);
    let verifier = subs.verifier().with_lifecycle_channel(notices_tx).build();
    let (url, _events) = serve(verifier).await;
    let tenant = TenantId::new("acme-hr");
    let sub = subs.subscribe(&tenant, &url, Some(&url)).await.unwrap();
    assert!(sub.expires_at < Timestamp::now() + jiff::SignedDuration::from_hours(2));

    let soon = Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let report = subs.renew_expiring(soon).await.unwrap();
    assert_eq!(report.renewed.len(), 1);
    assert!(report.gone.is_empty() && report.failed.is_empty());
    subs.reauthorize(&sub.id).await.unwrap();

    emu.trigger_graph_lifecycle(&sub.id, "reauthorizationRequired")
        .unwrap();
    let notice = next_notice(&mut notices).await;
    assert_eq!(notice.event, LifecycleEvent::ReauthorizationRequired);
    assert_eq!(notice.tenant, tenant);
    let action = subs
        .handle_lifecycle(&notice, &url, Some(&url))
        .await
        .unwrap();
    assert!(
        matches!(action, LifecycleAction::Renewed(ref s) if s.id == sub.id),
        "{action:?}"
    );

    emu.trigger_graph_lifecycle(&sub.id, "subscriptionRemoved")
        .unwrap();
    let notice = next_notice(&mut notices).await;
    let LifecycleAction::Recreated(fresh) = subs
        .handle_lifecycle(&notice, &url, Some(&url))
        .await
        .unwrap()
    else {
        panic!("not recreated");
    };
    assert_ne!(fresh.id, sub.id);
    assert_eq!(emu.graph_subscription_ids(), vec![fresh.id.clone()]);
    assert!(store
        .get(subs.provider_id(), &sub.id)
        .await
        .unwrap()
        .is_none());

    emu.trigger_graph_lifecycle(&fresh.id, "missed").unwrap();
    let notice = next_notice(&mut notices).await;
    let action = subs
        .handle_lifecycle(&notice, &url, Some(&url))
        .await
        .unwrap();
    assert!(matches!(action, LifecycleAction::ResyncNeeded));

    // Gone at Graph: renewal forgets it and says so.
    emu.trigger_graph_lifecycle(&fresh.id, "subscriptionRemoved")
        .unwrap();
    let _ = next_notice(&mut notices).await;
    let report = subs.renew_expiring(soon).await.unwrap();
    assert_eq!(report.gone.len(), 1);
    assert!(store
        .for_tenant(subs.provider_id(), &tenant)
        .await
        .unwrap()
        .is_empty());
}

async fn next_notice(rx: &mut mpsc::Receiver<LifecycleNotice>) -> LifecycleNotice {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a lifecycle notice within 5 seconds")
        .unwrap()
}

#[tokio::test]
async fn online_meetings_mode_has_no_calendar_to_subscribe_to() {
    let emu = Emulator::start().await.unwrap();
    let demo = emu.demo();
    let online = TeamsAppProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_organizer(&demo.microsoft_organizer_id)
        .with_mode(TeamsAppMode::OnlineMeetings)
        .build()
        .unwrap();
    let err = online.subscriptions().unwrap_err();
    assert_eq!(err.code(), ErrorCode::OperationNotSupported);
}

// --- The verifier alone: refusals carry a typed reason and deliver nothing. ---

const SECRET: &str = "the-subscriptions-client-state";

async fn held_store() -> Arc<dyn SubscriptionStore> {
    let store = MemorySubscriptionStore::new();
    store
        .put(&Subscription::new(
            ProviderId::MICROSOFT_TEAMS,
            TenantId::new("t1"),
            "sub-1",
            "me/events",
            SecretString::from(SECRET.to_owned()),
            Timestamp::now() + jiff::SignedDuration::from_hours(1),
        ))
        .await
        .unwrap();
    Arc::new(store)
}

fn change(subscription: &str, state: &str, etag: &str) -> Value {
    json!({"subscriptionId": subscription, "clientState": state, "changeType": "updated",
           "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
           "resource": "Users/u/Events/e1",
           "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "@odata.etag": etag, "id": "e1"}})
}

fn body(items: &[Value]) -> WebhookRequest {
    WebhookRequest::new(WebhookHeaders::new(), json!({ "value": items }).to_string())
}

async fn batch(
    verifier: &GraphWebhookVerifier,
    request: &WebhookRequest,
) -> meetschedify_teams::webhooks::GraphBatch {
    match verifier.check(request, Timestamp::now()).await.unwrap() {
        GraphOutcome::Batch(batch) => batch,
        other => panic!("not a batch: {other:?}"),
    }
}

#[tokio::test]
async fn unknown_subscriptions_and_wrong_client_states_are_401_with_nothing_delivered() {
    let verifier = GraphWebhookVerifier::builder(held_store().await).build();
    for (item, why) in [
        (
            change("sub-404", SECRET, "1"),
            ItemError::UnknownSubscription,
        ),
        (
            change("sub-1", "guessed", "1"),
            ItemError::ClientStateMismatch,
        ),
        (
            change("sub-1", &SECRET[..SECRET.len() - 1], "1"),
            ItemError::ClientStateMismatch,
        ),
    ] {
        let mut no_state = item.clone();
        no_state.as_object_mut().unwrap().remove("clientState");
        for request in [body(std::slice::from_ref(&item)), body(&[no_state])] {
            let rejection = verifier.handle(&request).await.unwrap_err();
            assert_eq!(rejection.reason(), &RejectionReason::BadSignature);
            assert_eq!(rejection.http_status(), 401);
        }
        let err = verifier
            .check(&body(&[item]), Timestamp::now())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "WEBHOOK_BAD_SIGNATURE");
        assert_eq!(why.reason(), RejectionReason::BadSignature);
    }
    // A mixed batch: the good item is delivered, the forged one dropped with its reason.
    let mixed = body(&[
        change("sub-1", "guessed", "1"),
        change("sub-1", SECRET, "1"),
    ]);
    let got = batch(&verifier, &mixed).await;
    assert_eq!(got.events.len(), 1);
    assert_eq!(got.events[0].tenant, Some(TenantId::new("t1")));
    assert_eq!(got.dropped, vec![ItemError::ClientStateMismatch]);
    // A tenant other than the configured one.
    let strict = GraphWebhookVerifier::builder(held_store().await)
        .with_entra_tenant("00000000-0000-0000-0000-000000000001")
        .build();
    let rejection = strict
        .handle(&body(&[change("sub-1", SECRET, "1")]))
        .await
        .unwrap_err();
    assert_eq!(rejection.http_status(), 401);
}

#[tokio::test]
async fn missing_fields_are_400_and_replays_are_dropped() {
    let verifier = GraphWebhookVerifier::builder(held_store().await).build();
    let mut no_data = change("sub-1", SECRET, "1");
    no_data.as_object_mut().unwrap().remove("resourceData");
    let mut no_sub = change("sub-1", SECRET, "1");
    no_sub.as_object_mut().unwrap().remove("subscriptionId");
    for item in [no_data, no_sub] {
        let rejection = verifier.handle(&body(&[item])).await.unwrap_err();
        assert_eq!(rejection.code(), "WEBHOOK_MALFORMED");
        assert_eq!(rejection.http_status(), 400);
    }
    for raw in [&b"{}"[..], b"not json", b"{\"value\": 3}"] {
        let request = WebhookRequest::new(WebhookHeaders::new(), raw.to_vec());
        assert_eq!(
            verifier.handle(&request).await.unwrap_err().http_status(),
            400
        );
    }
    let once = body(&[change("sub-1", SECRET, "7")]);
    let WebhookOutcome::Events(first) = verifier.handle(&once).await.unwrap() else {
        panic!("not events");
    };
    assert_eq!(first.len(), 1);
    // The same change again: dropped as a replay (typed), answered 2xx with nothing delivered.
    let again = batch(&verifier, &once).await;
    assert!(again.events.is_empty());
    assert_eq!(again.dropped, vec![ItemError::Replayed]);
    assert_eq!(
        verifier.handle(&once).await.unwrap(),
        WebhookOutcome::Events(vec![])
    );
    // A new etag is a new change.
    let WebhookOutcome::Events(next) = verifier
        .handle(&body(&[change("sub-1", SECRET, "8")]))
        .await
        .unwrap()
    else {
        panic!("not events");
    };
    assert_eq!(next.len(), 1);
    let big = WebhookRequest::new(WebhookHeaders::new(), vec![b' '; 70_000]);
    assert_eq!(verifier.handle(&big).await.unwrap_err().http_status(), 413);
}

#[tokio::test]
async fn the_validation_token_is_echoed_decoded_as_plain_text_only() {
    let verifier = GraphWebhookVerifier::builder(Arc::new(MemorySubscriptionStore::new())).build();
    let request = |query: &str| {
        WebhookRequest::new(
            WebhookHeaders::new().with(QUERY_PSEUDO_HEADER, query),
            "ignored body",
        )
    };
    let markup = "validationToken=%3Cscript%3Ealert(1)%3C%2Fscript%3E+ok";
    let WebhookOutcome::Challenge(answer) = verifier.handle(&request(markup)).await.unwrap() else {
        panic!("not a challenge");
    };
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");
    assert_eq!(answer.body, b"<script>alert(1)</script> ok");
    // A real header cannot stand in for the query: only the pseudo-header counts.
    let spoof = WebhookRequest::new(
        WebhookHeaders::new().with("query", "validationToken=x"),
        json!({"value": []}).to_string(),
    );
    assert_eq!(
        verifier.handle(&spoof).await.unwrap(),
        WebhookOutcome::Events(vec![])
    );
    let broken = verifier
        .handle(&request("validationToken=%G0"))
        .await
        .unwrap_err();
    assert_eq!(broken.http_status(), 400);
}

#[tokio::test]
async fn a_per_user_subscription_watches_me_events_and_its_events_carry_the_tenant() {
    use meetschedify_core::{
        MemoryTokenStore, OAuthStateKey, SaveCondition, TokenRecord, TokenStore,
    };
    use meetschedify_teams::TeamsProvider;

    let emu = Emulator::start().await.unwrap();
    let demo = emu.demo();
    let tokens: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let teams = TeamsProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_redirect_uri(&demo.microsoft_redirect_uri)
        .with_state_key(OAuthStateKey::from_bytes([7; 32]))
        .with_token_store(Arc::clone(&tokens))
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .build()
        .unwrap();
    // A connected tenant: an expired access token and a refresh token the user consented to.
    let tenant = TenantId::new("acme-hr");
    let refresh = emu
        .issue_microsoft_refresh_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_upn,
            &["offline_access", "Calendars.ReadWrite"],
        )
        .unwrap();
    let record = TokenRecord::new("expired")
        .with_refresh_token(refresh)
        .with_expires_at(Timestamp::UNIX_EPOCH)
        .with_scopes(vec!["Calendars.ReadWrite".into(), "offline_access".into()]);
    tokens
        .save(&teams.token_key(&tenant), &record, SaveCondition::Absent)
        .await
        .unwrap();

    let subs = teams.subscriptions();
    assert_eq!(subs.provider_id(), &ProviderId::MICROSOFT_TEAMS);
    let (url, mut events) = serve(subs.verifier().build()).await;
    let sub = subs.subscribe(&tenant, &url, None).await.unwrap();
    assert_eq!(sub.resource, "me/events");

    let client = MeetSchedifyClient::builder()
        .with_provider(teams)
        .build()
        .unwrap();
    let mut request = request("1:1");
    request.provider_id = ProviderId::MICROSOFT_TEAMS;
    let created = client.create_meeting(request).await.unwrap();
    client
        .cancel_meeting(
            &created.provider_id,
            &MeetingContext::new("acme-hr"),
            &created.provider_event_id,
        )
        .await
        .unwrap();
    let cancelled = next(&mut events).await;
    assert_eq!(cancelled.kind, MeetingEventKind::Cancelled);
    assert_eq!(cancelled.tenant, Some(tenant.clone()));
    assert_eq!(subs.unsubscribe(&tenant).await.unwrap(), 1);
}
