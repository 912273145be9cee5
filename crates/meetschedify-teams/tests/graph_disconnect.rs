//! A per-user disconnect deletes the tenant's Graph subscriptions first (with its own token,
//! before its tokens are forgotten), performed against the emulator: the subscription is gone
//! at Graph and in the store, later changes deliver nothing, other tenants stay subscribed, and
//! a Graph failure to delete never blocks the disconnect.

#[allow(dead_code)]
mod graph_endpoint;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use meetschedify_core::{
    DisconnectOutcome, MeetSchedifyClient, MemoryTokenStore, OAuthStateKey, ProviderId,
    RetryConfig, SaveCondition, TenantId, TokenRecord,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction, FaultRule};
use meetschedify_teams::TeamsProvider;
use serde_json::json;

use crate::graph_endpoint::{request, serve};

const SECOND_UPN: &str = "grace@emulator.onmicrosoft.com";

fn per_user(emu: &EmulatorHandle) -> TeamsProvider {
    let demo = emu.demo();
    TeamsProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_redirect_uri(&demo.microsoft_redirect_uri)
        .with_state_key(OAuthStateKey::from_bytes([7; 32]))
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .with_retry(
            RetryConfig::default()
                .with_max_attempts(2)
                .with_initial_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(5))
                .with_jitter(false),
        )
        .build()
        .unwrap()
}

/// Connects `tenant` to `upn`'s account as a finished consent would leave it.
async fn connect(emu: &EmulatorHandle, teams: &TeamsProvider, tenant: &str, upn: &str) {
    let refresh = emu
        .issue_microsoft_refresh_token(
            &emu.demo().microsoft_client_id,
            upn,
            &["offline_access", "Calendars.ReadWrite"],
        )
        .unwrap();
    let record = TokenRecord::new("expired")
        .with_refresh_token(refresh)
        .with_expires_at(Timestamp::UNIX_EPOCH)
        .with_scopes(vec!["Calendars.ReadWrite".into(), "offline_access".into()]);
    teams
        .token_manager()
        .store()
        .save(
            &teams.token_key(&TenantId::new(tenant)),
            &record,
            SaveCondition::Absent,
        )
        .await
        .unwrap();
}

/// Creates an event in `upn`'s calendar as the user would in Outlook, without the library.
async fn outlook_change(emu: &EmulatorHandle, upn: &str, subject: &str) {
    let token = emu
        .issue_microsoft_user_token(
            &emu.demo().microsoft_client_id,
            upn,
            &["Calendars.ReadWrite"],
        )
        .unwrap();
    let event = json!({
        "subject": subject,
        "start": {"dateTime": "2030-01-15T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-15T10:30:00", "timeZone": "UTC"},
    });
    let status = reqwest::Client::new()
        .post(format!("{}/me/events", emu.graph_api_base()))
        .bearer_auth(token)
        .json(&event)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 201);
}

/// Waits until the emulator logged `n` change deliveries, then a little more for stragglers;
/// how many there were.
async fn deliveries_settle(emu: &EmulatorHandle, at_least: usize) -> usize {
    for _ in 0..100 {
        if emu.graph_webhook_deliveries().len() >= at_least {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    emu.graph_webhook_deliveries().len()
}

#[tokio::test]
async fn disconnect_deletes_the_tenants_subscriptions_and_leaves_other_tenants_subscribed() {
    let emu = Emulator::start().await.unwrap();
    let organizer = emu.demo().microsoft_organizer_upn.clone();
    emu.add_microsoft_user(&emu.demo().microsoft_tenant_id, SECOND_UPN);
    let teams = per_user(&emu);
    connect(&emu, &teams, "acme-hr", &organizer).await;
    connect(&emu, &teams, "globex", SECOND_UPN).await;
    let subs = teams.subscriptions();
    let (url, _events) = serve(subs.verifier().build()).await;
    let (acme, globex) = (TenantId::new("acme-hr"), TenantId::new("globex"));
    let gone = subs.subscribe(&acme, &url, None).await.unwrap();
    let kept = subs.subscribe(&globex, &url, None).await.unwrap();
    assert_eq!(emu.graph_subscription_ids().len(), 2);
    outlook_change(&emu, &organizer, "Before").await;
    assert_eq!(deliveries_settle(&emu, 1).await, 1);

    let client = MeetSchedifyClient::builder()
        .with_provider(teams.clone())
        .build()
        .unwrap();
    let outcome = client
        .disconnect_provider(&ProviderId::MICROSOFT_TEAMS, &acme)
        .await
        .unwrap();
    assert_eq!(outcome, DisconnectOutcome::Forgotten);

    // Gone at Graph, and deleted with the tenant's own token before it was forgotten.
    assert_eq!(emu.graph_subscription_ids(), [kept.id.as_str()]);
    let delete = emu
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE" && r.path.ends_with(&format!("/subscriptions/{}", gone.id)))
        .expect("a DELETE of the subscription");
    assert_eq!(delete.status, Some(204));
    let store = teams.subscription_store();
    let provider = ProviderId::MICROSOFT_TEAMS;
    assert!(store.for_tenant(&provider, &acme).await.unwrap().is_empty());
    assert_eq!(store.for_tenant(&provider, &globex).await.unwrap().len(), 1);
    assert!(teams
        .token_manager()
        .store()
        .get(&teams.token_key(&acme))
        .await
        .unwrap()
        .is_none());

    // A later change in the disconnected tenant's calendar delivers nothing; the other
    // tenant's still does.
    outlook_change(&emu, &organizer, "After the disconnect").await;
    assert_eq!(
        deliveries_settle(&emu, 1).await,
        1,
        "nothing more delivered"
    );
    let mut other = request("Still watched");
    other.tenant_id = globex.clone();
    other.provider_id = ProviderId::MICROSOFT_TEAMS;
    client.create_meeting(other).await.unwrap();
    assert_eq!(deliveries_settle(&emu, 2).await, 2);
}

#[tokio::test]
async fn disconnect_succeeds_when_graph_refuses_to_delete_the_subscription() {
    let emu = Emulator::start().await.unwrap();
    let organizer = emu.demo().microsoft_organizer_upn.clone();
    let teams = per_user(&emu);
    connect(&emu, &teams, "acme-hr", &organizer).await;
    let subs = teams.subscriptions();
    let (url, mut events) = serve(subs.verifier().build()).await;
    let acme = TenantId::new("acme-hr");
    let sub = subs.subscribe(&acme, &url, None).await.unwrap();
    emu.inject_fault(FaultRule::probability(
        Some("DELETE"),
        "*/subscriptions/*",
        1.0,
        FaultAction::Status {
            status: 500,
            body: String::new(),
            headers: Vec::new(),
        },
    ));

    let client = MeetSchedifyClient::builder()
        .with_provider(teams.clone())
        .build()
        .unwrap();
    let outcome = client
        .disconnect_provider(&ProviderId::MICROSOFT_TEAMS, &acme)
        .await
        .unwrap();
    assert_eq!(outcome, DisconnectOutcome::Forgotten);
    // The delete was tried (and retried), refused, and the record removed anyway.
    let tried = emu
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path.ends_with(&format!("/subscriptions/{}", sub.id)))
        .count();
    assert_eq!(tried, 2);
    assert!(teams
        .subscription_store()
        .for_tenant(&ProviderId::MICROSOFT_TEAMS, &acme)
        .await
        .unwrap()
        .is_empty());

    // Graph still notifies until the subscription expires, but the verifier no longer knows
    // it: nothing reaches the application.
    assert_eq!(emu.graph_subscription_ids(), [sub.id.as_str()]);
    outlook_change(&emu, &organizer, "Unknown subscription").await;
    deliveries_settle(&emu, 1).await;
    assert!(
        events.try_recv().is_err(),
        "an event from a forgotten subscription"
    );
}
