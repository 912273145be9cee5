//! Idempotent create: the idempotency key becomes `createOrGet`'s `externalId`.

use meetschedify_core::{MeetingProvider, TenantId, ValidatedCreate};
use meetschedify_emulator::{FaultAction, FaultRule};
use meetschedify_teams::TEAMS_LIMITS;
use serde_json::Value;

use super::{online_meetings, online_provider, CREATE_OR_GET};
use crate::common::{client, emulator, request, sent};

fn external_ids(posts: &[meetschedify_emulator::RecordedRequest]) -> Vec<Value> {
    posts
        .iter()
        .map(|p| serde_json::from_str::<Value>(&p.body).unwrap()["externalId"].clone())
        .collect()
}

/// Straight to the provider, as a process that kept no record (a restart, another instance)
/// would repeat it: the client's own memory of keys is not what makes it idempotent.
#[tokio::test]
async fn a_repeated_key_gives_the_first_online_meeting() {
    let emu = emulator().await;
    let teams = online_provider(&emu);
    let keyed = ValidatedCreate::new(
        request("Keyed").with_idempotency_key("booking-42"),
        &TEAMS_LIMITS,
    )
    .unwrap();
    let first = teams.create_meeting(&keyed).await.unwrap();
    let second = teams.create_meeting(&keyed).await.unwrap();
    assert_eq!(first.provider_event_id, second.provider_event_id);
    assert_eq!(first.conference_link, second.conference_link);
    // Counted where the meetings live, not from the answers.
    assert_eq!(online_meetings(&emu).len(), 1);
    let posts = sent(&emu, "POST", "/onlineMeetings/createOrGet");
    assert_eq!(posts.len(), 2);
    assert_eq!(
        posts[1].status,
        Some(200),
        "the second answer is Graph's 200"
    );
    let ids = external_ids(&posts);
    assert_eq!(ids[0], ids[1]);
    let id = ids[0].as_str().unwrap();
    // Neither the tenant nor the key is readable in it.
    assert!(!id.contains("acme") && !id.contains("booking"), "{id}");
}

#[tokio::test]
async fn other_keys_and_other_tenants_get_their_own_meetings() {
    let emu = emulator().await;
    let teams = client(online_provider(&emu));
    let acme = teams
        .create_meeting(request("Keyed").with_idempotency_key("booking-42"))
        .await
        .unwrap();
    let mut other = request("Keyed").with_idempotency_key("booking-42");
    other.tenant_id = TenantId::new("globex");
    let globex = teams.create_meeting(other).await.unwrap();
    let unkeyed = teams.create_meeting(request("Keyed")).await.unwrap();
    assert_ne!(acme.provider_event_id, globex.provider_event_id);
    assert_ne!(acme.provider_event_id, unkeyed.provider_event_id);
    assert_eq!(online_meetings(&emu).len(), 3);
}

/// The create took effect but its answer was lost: the retry sends the same externalId and
/// Graph answers 200 with the first meeting, so there is one meeting, not two.
#[tokio::test]
async fn a_lost_create_answer_is_retried_into_the_same_meeting() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "POST",
        CREATE_OR_GET,
        FaultAction::ResetAfter,
    ));
    let teams = client(online_provider(&emu));
    // No idempotency key: the externalId chosen for the call still covers its retries.
    let created = teams.create_meeting(request("Lost answer")).await.unwrap();
    let posts = sent(&emu, "POST", "/onlineMeetings/createOrGet");
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].status, None, "the first answer was dropped");
    assert_eq!(posts[1].status, Some(200));
    let ids = external_ids(&posts);
    assert_eq!(ids[0], ids[1]);
    let stored = online_meetings(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["id"], created.provider_event_id.as_str());
}
