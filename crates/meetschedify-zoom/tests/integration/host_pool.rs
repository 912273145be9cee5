//! A host pool against the emulator: hosts chosen by time and by daily quota, Zoom's daily 429
//! moving a create to another host, reschedules that stay, refuse or move, and bookings rebuilt
//! from meetings made outside the library.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{HostLedger, MemoryHostLedger, PoolHost, UtcDay};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    CancelOutcome, CreateMeetingRequest, CreatedMeeting, ErrorCode, ErrorKind, MeetingContext,
    MeetingProvider, MeetingTime, ProviderId, UpdateMeeting, UpdateMeetingRequest, ValidatedCreate,
    ValidatedUpdate,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultRule, ZoomMeetingSeed};
use meetschedify_zoom::{ZoomProvider, ZoomProviderBuilder};
use serde_json::Value;

use crate::common::{builder, client, sent, status_with};

const ALICE: &str = "alice@clinic.example";
const BOB: &str = "bob@clinic.example";
const CAROL: &str = "carol@clinic.example";
const TENANT: &str = "clinic";

/// An emulator with Zoom's daily limit of 100 (the default) and a third user, carol.
pub(crate) async fn pool_emulator() -> EmulatorHandle {
    let emu = Emulator::builder().start().await.expect("emulator starts");
    emu.add_zoom_user(&emu.demo().zoom_account_id, CAROL)
        .expect("carol joins the demo account");
    emu
}

/// A provider over the emulator with a pool of these hosts (one meeting at a time each).
fn pooled(emu: &EmulatorHandle, hosts: &[&str]) -> ZoomProviderBuilder {
    builder(emu).with_host_pool(hosts.iter().map(|h| PoolHost::new(*h)))
}

/// `2030-06-15T{hm}:00Z`.
fn at(hm: &str) -> Timestamp {
    format!("2030-06-15T{hm}:00Z").parse().unwrap()
}

fn visit(title: &str, from: &str, to: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        TENANT,
        ProviderId::ZOOM,
        title,
        MeetingTime::new(
            format!("2030-06-15T{from}:00"),
            format!("2030-06-15T{to}:00"),
        )
        .with_timezone("UTC"),
    )
    .with_description("Follow-up visit")
}

fn pinned(request: CreateMeetingRequest, user: &str) -> CreateMeetingRequest {
    request.with_provider_option("zoom", serde_json::json!({ "user_id": user }))
}

async fn create(
    zoom: &ZoomProvider,
    request: CreateMeetingRequest,
) -> meetschedify_core::Result<CreatedMeeting> {
    let valid = ValidatedCreate::new(request, &zoom.limits())?;
    zoom.create_meeting(&valid).await
}

async fn update(
    zoom: &ZoomProvider,
    id: &str,
    request: UpdateMeetingRequest,
) -> meetschedify_core::Result<meetschedify_core::UpdatedMeeting> {
    let valid = ValidatedUpdate::new(request, &zoom.limits())?;
    zoom.update_meeting(&MeetingContext::new(TENANT), id, &valid)
        .await
}

fn new_time(from: &str, to: &str) -> UpdateMeetingRequest {
    UpdateMeetingRequest::new().with_time(
        MeetingTime::new(
            format!("2030-06-15T{from}:00"),
            format!("2030-06-15T{to}:00"),
        )
        .with_timezone("UTC"),
    )
}

/// The meeting as the emulator has it, if it exists.
fn at_zoom(emu: &EmulatorHandle, id: &str) -> Option<Value> {
    emu.state()
        .zoom
        .meetings_by_host
        .values()
        .flatten()
        .find(|m| m["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id))
        .cloned()
}

/// The email of the meeting's host at the emulator.
fn host_at_zoom(emu: &EmulatorHandle, id: &str) -> String {
    at_zoom(emu, id).expect("meeting exists")["host_email"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Creates plus updates the pool counted on `host` today.
async fn used(zoom: &ZoomProvider, host: &str) -> u32 {
    let status = zoom.host_pool().unwrap().status().await.unwrap();
    status
        .iter()
        .find(|s| s.host.id() == host)
        .expect("host in pool")
        .used_today
}

#[tokio::test]
async fn three_hosts_take_three_overlapping_meetings_and_refuse_a_fourth() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE, BOB, CAROL]).build().unwrap();
    let mut hosts = Vec::new();
    for n in 0..3 {
        let m = create(&zoom, visit(&format!("Visit {n}"), "10:00", "10:30"))
            .await
            .unwrap();
        let host = m.host.clone().expect("the pool names the host");
        assert_eq!(host, host_at_zoom(&emu, &m.provider_event_id));
        hosts.push(host);
    }
    hosts.sort();
    assert_eq!(hosts, [ALICE, BOB, CAROL]);
    let posts = sent(&emu, "POST", "/meetings").len();
    let err = create(&zoom, visit("Visit 4", "10:15", "10:45"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable, "{err}");
    assert_eq!(err.kind(), ErrorKind::Capacity);
    let capacity = err.capacity().expect("capacity details");
    assert_eq!(capacity.earliest_free_at(), Some(at("10:30")));
    assert_eq!(capacity.hosts.len(), 3);
    assert!(err.message().contains("3 busy"), "{err}");
    assert_eq!(
        sent(&emu, "POST", "/meetings").len(),
        posts,
        "nothing was sent to zoom"
    );
}

#[tokio::test]
async fn back_to_back_fits_and_padding_refuses() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    create(&zoom, visit("First", "10:00", "10:30"))
        .await
        .unwrap();
    create(&zoom, visit("Back to back", "10:30", "11:00"))
        .await
        .unwrap();

    let padded = pooled(&emu, &[BOB])
        .with_host_padding(Duration::from_secs(10 * 60))
        .build()
        .unwrap();
    create(&padded, visit("First", "10:00", "10:30"))
        .await
        .unwrap();
    let err = create(&padded, visit("Too close", "10:35", "11:00"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable, "{err}");
    assert_eq!(
        err.capacity().unwrap().earliest_free_at(),
        Some(at("10:40"))
    );
    create(&padded, visit("Far enough", "10:40", "11:00"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_host_out_of_zoom_quota_sends_the_create_to_another_host_without_an_error() {
    let emu = pool_emulator().await;
    // Alice's 100 creates were made outside the library: the pool does not know.
    emu.set_zoom_daily_count(ALICE, 100).unwrap();
    let zoom = pooled(&emu, &[ALICE, BOB]).build().unwrap();
    let m = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(m.host.as_deref(), Some(BOB));
    assert_eq!(host_at_zoom(&emu, &m.provider_event_id), BOB);
    // One refused POST on alice: the daily 429 is not retried there.
    let alice_id = emu.demo().zoom_pro_user_id.clone();
    let to_alice = sent(&emu, "POST", "/meetings")
        .into_iter()
        .filter(|r| r.path.contains(ALICE) || r.path.contains(&alice_id))
        .count();
    assert_eq!(to_alice, 1);
    assert_eq!(used(&zoom, ALICE).await, 100, "alice is full for the day");
    // The next create goes straight to bob's free slot or fails without asking alice again.
    let next = create(&zoom, visit("Later", "12:00", "12:30"))
        .await
        .unwrap();
    assert_eq!(next.host.as_deref(), Some(BOB));
    let to_alice_after = sent(&emu, "POST", "/meetings")
        .into_iter()
        .filter(|r| r.path.contains(ALICE))
        .count();
    assert_eq!(to_alice_after, 1);
}

#[tokio::test]
async fn every_host_out_of_quota_is_no_host_available_naming_the_reset() {
    let emu = pool_emulator().await;
    emu.set_zoom_daily_count(ALICE, 100).unwrap();
    emu.set_zoom_daily_count(BOB, 100).unwrap();
    let zoom = pooled(&emu, &[ALICE, BOB]).build().unwrap();
    let err = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable, "{err}");
    let capacity = err.capacity().unwrap();
    let reset = UtcDay::of(Timestamp::now()).next_reset();
    assert_eq!(capacity.quota_resets_at, Some(reset));
    assert!(capacity.hosts.iter().all(|h| h.out_of_quota));
    assert!(err.retry_after().is_some());
    assert!(err.message().contains("quota"), "{err}");
    assert!(
        sent(&emu, "POST", "/meetings").len() == 2,
        "one try per host"
    );
}

#[tokio::test]
async fn a_repeated_keyed_create_lands_on_the_same_host_and_makes_one_meeting() {
    let emu = pool_emulator().await;
    let ledger: Arc<dyn HostLedger> = Arc::new(MemoryHostLedger::new());
    // Two instances sharing a ledger, as two processes over one store would.
    let one = pooled(&emu, &[ALICE, BOB, CAROL])
        .with_host_ledger(ledger.clone())
        .build()
        .unwrap();
    let two = pooled(&emu, &[ALICE, BOB, CAROL])
        .with_host_ledger(ledger)
        .build()
        .unwrap();
    let keyed = || visit("Keyed", "10:00", "10:30").with_idempotency_key("visit-77");
    let first = create(&one, keyed()).await.unwrap();
    let again = create(&two, keyed()).await.unwrap();
    assert_eq!(first.provider_event_id, again.provider_event_id);
    assert_eq!(first.host, again.host);
    let total: usize = emu
        .state()
        .zoom
        .meetings_by_host
        .values()
        .map(Vec::len)
        .sum();
    assert_eq!(total, 1);
    let host = first.host.unwrap();
    assert_eq!(used(&one, &host).await, 1, "the repeat is not counted");
    // The keyed booking holds its slot: two more fit, on the other hosts, and no fourth.
    let b = create(&two, visit("B", "10:00", "10:30")).await.unwrap();
    let c = create(&one, visit("C", "10:00", "10:30")).await.unwrap();
    assert_ne!(b.host.as_deref(), Some(host.as_str()));
    assert_ne!(c.host.as_deref(), Some(host.as_str()));
    let err = create(&one, visit("D", "10:00", "10:30"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable);
}

#[tokio::test]
async fn a_pinned_host_is_honoured_and_a_user_outside_the_pool_bypasses_it() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE, BOB]).build().unwrap();
    let m = create(&zoom, pinned(visit("Pinned", "10:00", "10:30"), BOB))
        .await
        .unwrap();
    assert_eq!(m.host.as_deref(), Some(BOB));
    // Bob is busy then, and the request wants bob only.
    let err = create(
        &zoom,
        pinned(visit("Pinned 2", "10:00", "10:30"), "BOB@clinic.example"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable);
    // Alice is free: unpinned, it goes there.
    let free = create(&zoom, visit("Free", "10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(free.host.as_deref(), Some(ALICE));
    // The account owner is not in the pool: no accounting, no host named.
    let owner = emu.demo().zoom_host_email.clone();
    let outside = create(&zoom, pinned(visit("Owner", "10:00", "10:30"), &owner))
        .await
        .unwrap();
    assert_eq!(outside.host, None);
    assert_eq!(host_at_zoom(&emu, &outside.provider_event_id), owner);
}

#[tokio::test]
async fn a_reschedule_onto_a_busy_host_is_host_busy_unless_the_meeting_may_move() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE, BOB]).build().unwrap();
    let first = create(&zoom, pinned(visit("First", "10:00", "10:30"), ALICE))
        .await
        .unwrap();
    create(&zoom, pinned(visit("Second", "11:00", "11:30"), ALICE))
        .await
        .unwrap();
    let id = first.provider_event_id.clone();

    let err = update(&zoom, &id, new_time("11:15", "11:45"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostBusy, "{err}");
    assert_eq!(err.kind(), ErrorKind::Capacity);
    assert!(err.message().contains("new join link"), "{err}");
    assert_eq!(
        err.capacity().unwrap().earliest_free_at(),
        Some(at("11:30"))
    );
    assert_eq!(
        at_zoom(&emu, &id).unwrap()["start_time"],
        "2030-06-15T10:00:00Z",
        "nothing was changed at zoom"
    );

    // A time that fits stays on alice: same meeting, same link.
    let stays = update(&zoom, &id, new_time("09:00", "09:30"))
        .await
        .unwrap();
    assert_eq!(stays.meeting.provider_event_id, id);
    assert_eq!(stays.previous_meeting_id, None);
    assert!(!stays.conference_link_changed);
    assert_eq!(stays.meeting.host.as_deref(), Some(ALICE));

    let moved = update(
        &zoom,
        &id,
        new_time("11:15", "11:45")
            .with_title("First, moved")
            .with_allow_host_change(true),
    )
    .await
    .unwrap();
    let new_id = moved.meeting.provider_event_id.clone();
    assert_ne!(new_id, id);
    assert_eq!(moved.previous_meeting_id.as_deref(), Some(id.as_str()));
    assert!(moved.conference_link_changed);
    assert_ne!(moved.meeting.conference_link, first.conference_link);
    assert_eq!(moved.meeting.host.as_deref(), Some(BOB));
    assert!(at_zoom(&emu, &id).is_none(), "the old meeting is deleted");
    let new = at_zoom(&emu, &new_id).unwrap();
    assert_eq!(new["host_email"], BOB);
    assert_eq!(new["topic"], "First, moved");
    assert_eq!(new["start_time"], "2030-06-15T11:15:00Z");
    assert_eq!(new["duration"], 30);
    assert!(new["agenda"]
        .as_str()
        .unwrap()
        .starts_with("Follow-up visit"));
    // The owner's tag moved with it: the tenant still reaches the meeting, others do not.
    let got = client(zoom.clone())
        .get_meeting(&ProviderId::ZOOM, &MeetingContext::new(TENANT), &new_id)
        .await
        .unwrap();
    assert_eq!(got.title.as_deref(), Some("First, moved"));
    let other = client(zoom.clone())
        .get_meeting(&ProviderId::ZOOM, &MeetingContext::new("other"), &new_id)
        .await
        .unwrap_err();
    assert_eq!(other.code(), ErrorCode::MeetingNotFound);
    // The old slot on alice is free again; bob is busy at 11:15.
    let reuse = create(&zoom, pinned(visit("Reuse", "09:00", "09:30"), ALICE))
        .await
        .unwrap();
    assert_eq!(reuse.host.as_deref(), Some(ALICE));
    let busy = create(&zoom, pinned(visit("Busy", "11:20", "11:40"), BOB))
        .await
        .unwrap_err();
    assert_eq!(busy.code(), ErrorCode::NoHostAvailable);
}

#[tokio::test]
async fn an_update_without_a_new_time_is_counted() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let m = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(used(&zoom, ALICE).await, 1);
    let updated = update(
        &zoom,
        &m.provider_event_id,
        UpdateMeetingRequest::new().with_title("Renamed"),
    )
    .await
    .unwrap();
    assert_eq!(updated.meeting.title.as_deref(), Some("Renamed"));
    assert_eq!(updated.meeting.host.as_deref(), Some(ALICE));
    assert_eq!(used(&zoom, ALICE).await, 2);
    assert_eq!(emu.zoom_daily_count(ALICE).unwrap(), 2, "zoom agrees");
    // The same time again is not a reschedule, only an update.
    update(&zoom, &m.provider_event_id, new_time("10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(used(&zoom, ALICE).await, 3);
}

#[tokio::test]
async fn a_cancel_frees_the_slot() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let m = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    let err = create(&zoom, visit("Clash", "10:00", "10:30"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable);
    let outcome = client(zoom.clone())
        .cancel_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new(TENANT),
            &m.provider_event_id,
        )
        .await
        .unwrap();
    assert_eq!(outcome, CancelOutcome::Cancelled);
    create(&zoom, visit("Now free", "10:00", "10:30"))
        .await
        .unwrap();
}

#[tokio::test]
async fn meetings_made_outside_the_library_are_booked_at_start_and_on_demand() {
    let emu = pool_emulator().await;
    emu.seed_zoom_meetings(ZoomMeetingSeed::new(1, at("10:00")).user(ALICE))
        .unwrap();
    // On demand: the report names what changed.
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let report = zoom.rebuild_host_bookings().await.unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].0, ALICE);
    assert_eq!(report[0].1.added, 1);
    let err = create(&zoom, visit("Clash", "10:30", "10:45"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable, "{err}");
    assert_eq!(
        err.capacity().unwrap().earliest_free_at(),
        Some(at("11:00"))
    );
    // At start: a new instance's first create rebuilds by itself.
    let fresh = pooled(&emu, &[ALICE]).build().unwrap();
    let err = create(&fresh, visit("Clash", "10:30", "10:45"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable, "{err}");
    create(&fresh, visit("After", "11:00", "11:30"))
        .await
        .unwrap();
    // Again, nothing changed.
    let again = fresh.rebuild_host_bookings().await.unwrap();
    assert_eq!(again[0].1, Default::default());
}

#[tokio::test]
async fn zoom_s_remaining_count_raises_the_pool_s() {
    let emu = pool_emulator().await;
    // 90 creates on alice outside the library today.
    emu.set_zoom_daily_count(ALICE, 90).unwrap();
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(
        used(&zoom, ALICE).await,
        91,
        "from X-RateLimit-Remaining: 9"
    );
    // With another daily limit the header is not the pool's figure, and it is left alone.
    let own = pooled(&emu, &[BOB])
        .with_host_daily_limit(50)
        .build()
        .unwrap();
    emu.set_zoom_daily_count(BOB, 30).unwrap();
    create(&own, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(used(&own, BOB).await, 1);
}

#[tokio::test]
async fn a_daily_429_on_an_update_is_host_busy_and_marks_the_host_full() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let m = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    // Alice's quota is spent outside the library.
    emu.set_zoom_daily_count(ALICE, 100).unwrap();
    let err = update(
        &zoom,
        &m.provider_event_id,
        UpdateMeetingRequest::new().with_title("Renamed"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostBusy, "{err}");
    let capacity = err.capacity().unwrap();
    assert_eq!(
        capacity.quota_resets_at,
        Some(UtcDay::of(Timestamp::now()).next_reset())
    );
    assert_eq!(used(&zoom, ALICE).await, 100);
    // Known now: the next update is refused before anything is sent.
    let patches = sent(&emu, "PATCH", "/meetings/").len();
    let again = update(
        &zoom,
        &m.provider_event_id,
        UpdateMeetingRequest::new().with_title("Renamed again"),
    )
    .await
    .unwrap_err();
    assert_eq!(again.code(), ErrorCode::HostBusy);
    assert_eq!(sent(&emu, "PATCH", "/meetings/").len(), patches);
}

#[tokio::test]
async fn a_failed_rebuild_never_fails_the_create() {
    let emu = pool_emulator().await;
    emu.inject_fault(FaultRule::once(
        "GET",
        "/v2/users/*/meetings",
        status_with(400, r#"{"code":300,"message":"nope"}"#.to_owned(), &[]),
    ));
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let m = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    assert_eq!(m.host.as_deref(), Some(ALICE));
    let lists = sent(&emu, "GET", "/users/").len();
    assert_eq!(lists, 1, "the rebuild was tried");
    // The next call within the cooldown does not list every host again.
    create(&zoom, visit("Next", "11:00", "11:30"))
        .await
        .unwrap();
    assert_eq!(sent(&emu, "GET", "/users/").len(), lists);
    // On demand it runs, and finds the library's own meetings already booked.
    let report = zoom.rebuild_host_bookings().await.unwrap();
    assert_eq!(report[0].1, Default::default());
}

#[tokio::test]
async fn a_refused_reschedule_gives_the_old_slot_back() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let m = create(&zoom, visit("Visit", "10:00", "10:30"))
        .await
        .unwrap();
    emu.inject_fault(FaultRule::once(
        "PATCH",
        "/v2/meetings/*",
        status_with(
            400,
            r#"{"code":300,"message":"Validation Failed."}"#.to_owned(),
            &[],
        ),
    ));
    let err = update(&zoom, &m.provider_event_id, new_time("12:00", "12:30"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ZoomMeetingError, "{err}");
    // The meeting kept 10:00 at Zoom, and so did its booking: 12:00 is free, 10:00 is not.
    let clash = create(&zoom, visit("Clash", "10:00", "10:30"))
        .await
        .unwrap_err();
    assert_eq!(clash.code(), ErrorCode::NoHostAvailable);
    create(&zoom, visit("Noon", "12:00", "12:30"))
        .await
        .unwrap();
}

/// Attack: another tenant of the shared Zoom account reschedules (allowing a move) or cancels a
/// pooled meeting that is not its own, to have it recreated under its control or to free the
/// slot for itself. Both are refused as an unknown meeting before anything is booked, sent or
/// forgotten: the meeting stays where it was, the pool still holds its slot, and no create or
/// update was counted.
#[tokio::test]
async fn another_tenant_cannot_move_or_cancel_a_pooled_meeting() {
    let emu = pool_emulator().await;
    let zoom = pooled(&emu, &[ALICE]).build().unwrap();
    let mine = create(&zoom, visit("Mine", "10:00", "10:30"))
        .await
        .unwrap();
    let id = mine.provider_event_id.clone();
    let before = used(&zoom, ALICE).await;
    let intruder = MeetingContext::new("intruder");
    let moved = ValidatedUpdate::new(
        new_time("12:00", "12:30").with_allow_host_change(true),
        &zoom.limits(),
    )
    .unwrap();
    let err = zoom
        .update_meeting(&intruder, &id, &moved)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound, "{err}");
    // Answered as an unknown id is (Zoom cannot tell "never existed" from "deleted"), so the
    // intruder learns nothing; nothing is deleted and the booking stays.
    let outcome = meetschedify_core::CancelMeeting::cancel_meeting(&zoom, &intruder, &id)
        .await
        .unwrap();
    assert_eq!(outcome, CancelOutcome::AlreadyCancelled);
    assert_eq!(
        at_zoom(&emu, &id).unwrap()["start_time"],
        "2030-06-15T10:00:00Z"
    );
    assert_eq!(used(&zoom, ALICE).await, before, "nothing was counted");
    let taken = create(&zoom, visit("Taken", "10:00", "10:30"))
        .await
        .unwrap_err();
    assert_eq!(
        taken.code(),
        ErrorCode::NoHostAvailable,
        "the slot is still held"
    );
}
