//! The pool's decisions over a memory ledger.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::*;
use crate::hosts::{MemoryHostLedger, PoolHost};
use crate::ErrorCode;

fn t(hm: &str) -> Timestamp {
    format!("2030-01-07T{hm}:00Z").parse().unwrap()
}

fn pool(hosts: &[PoolHost]) -> HostPool {
    HostPool::new("test", hosts.to_vec(), Arc::new(MemoryHostLedger::new())).unwrap()
}

fn hosts3() -> Vec<PoolHost> {
    ["a", "b", "c"].into_iter().map(PoolHost::new).collect()
}

#[tokio::test]
async fn three_hosts_take_three_overlapping_meetings_and_refuse_a_fourth() {
    let pool = pool(&hosts3());
    let now = t("08:00");
    let mut used = Vec::new();
    for _ in 0..3 {
        let r = pool
            .reserve_at(t("10:00"), t("10:30"), &[], now)
            .await
            .unwrap();
        used.push(r.host().to_owned());
    }
    used.sort();
    assert_eq!(used, ["a", "b", "c"]);
    let err = pool
        .reserve_at(t("10:15"), t("10:45"), &[], now)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable);
    assert_eq!(err.kind(), crate::ErrorKind::Capacity);
    let capacity = err.capacity().unwrap();
    assert_eq!(capacity.earliest_free_at(), Some(t("10:30")));
    assert!(capacity.hosts.iter().all(|h| !h.out_of_quota));
    assert!(err.message().contains("3 busy"), "{}", err.message());
    // Back to back is fine.
    pool.reserve_at(t("10:30"), t("11:00"), &[], now)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_host_with_limit_two_takes_two() {
    let pool = pool(&[PoolHost::new("b").with_max_concurrent(2)]);
    let now = t("08:00");
    pool.reserve_at(t("10:00"), t("11:00"), &[], now)
        .await
        .unwrap();
    pool.reserve_at(t("10:30"), t("11:30"), &[], now)
        .await
        .unwrap();
    assert!(pool
        .reserve_at(t("10:45"), t("10:50"), &[], now)
        .await
        .is_err());
    pool.reserve_at(t("11:00"), t("11:15"), &[], now)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_daily_limit_spreads_and_then_refuses_naming_the_reset() {
    let pool = pool(&hosts3()[..2]).with_daily_limit(2);
    let now = t("08:00");
    let mut per_host = std::collections::BTreeMap::<String, u32>::new();
    for i in 0..4 {
        let start = t("10:00") + jiff::SignedDuration::from_hours(i);
        let r = pool
            .reserve_at(start, start + jiff::SignedDuration::from_mins(30), &[], now)
            .await
            .unwrap();
        *per_host.entry(r.host().to_owned()).or_default() += 1;
    }
    assert_eq!(per_host.values().copied().collect::<Vec<_>>(), [2, 2]);
    let err = pool
        .reserve_at(t("20:00"), t("20:30"), &[], now)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable);
    let capacity = err.capacity().unwrap();
    assert_eq!(
        capacity.quota_resets_at,
        Some("2030-01-08T00:00:00Z".parse().unwrap())
    );
    assert!(err.retry_after().is_some());
    // The next UTC day has quota again.
    pool.reserve_at(
        t("20:00"),
        t("20:30"),
        &[],
        "2030-01-08T00:00:01Z".parse().unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_lapsed_reservation_frees_its_slot_and_a_released_one_at_once() {
    let pool = pool(&hosts3()[..1]).with_pending_ttl(Duration::from_secs(60));
    let r = pool
        .reserve_at(t("10:00"), t("10:30"), &[], t("08:00"))
        .await
        .unwrap();
    assert!(pool
        .reserve_at(t("10:00"), t("10:30"), &[], t("08:00"))
        .await
        .is_err());
    pool.reserve_at(t("10:00"), t("10:30"), &[], t("08:01"))
        .await
        .unwrap();
    let pool2 =
        super::HostPool::new("other", hosts3()[..1].to_vec(), pool.ledger().clone()).unwrap();
    let r2 = pool2.reserve(t("10:00"), t("10:30"), &[]).await.unwrap();
    pool2.release(&r2).await.unwrap();
    pool2.reserve(t("10:00"), t("10:30"), &[]).await.unwrap();
    drop(r);
}

#[tokio::test]
async fn a_keyed_reservation_is_found_again_and_not_counted_twice() {
    let pool = pool(&hosts3());
    let first = pool
        .reserve_keyed("key1", t("10:00"), t("10:30"), &[])
        .await
        .unwrap();
    let again = pool
        .reserve_keyed("key1", t("10:00"), t("10:30"), &[])
        .await
        .unwrap();
    assert_eq!(first.host(), again.host());
    assert_eq!(first.booking_id(), again.booking_id());
    pool.confirm(&first, "m1").await.unwrap();
    let third = pool
        .reserve_keyed("key1", t("10:00"), t("10:30"), &[])
        .await
        .unwrap();
    assert_eq!(third.host(), first.host());
    let status = pool.status().await.unwrap();
    assert_eq!(status.iter().map(|s| s.used_today).sum::<u32>(), 1);
    // Excluding its host (the vendor said it is full) moves it.
    let moved = pool
        .reserve_keyed("key1", t("10:00"), t("10:30"), &[first.host().to_owned()])
        .await
        .unwrap();
    assert_ne!(moved.host(), first.host());
}

#[tokio::test]
async fn reschedule_stays_refuses_or_moves() {
    let pool = pool(&hosts3()[..2]);
    let now = t("08:00");
    let a = pool
        .reserve_at(t("10:00"), t("10:30"), &[], now)
        .await
        .unwrap();
    pool.confirm(&a, "m-a").await.unwrap();
    let b = pool
        .reserve_at(t("12:00"), t("12:30"), &[], now)
        .await
        .unwrap();
    assert_ne!(
        a.host(),
        b.host(),
        "the host with fewer creates today goes first"
    );
    let c = pool
        .reserve_at(t("11:00"), t("11:30"), &[], now)
        .await
        .unwrap();
    pool.confirm(&c, "m-c").await.unwrap();
    assert_eq!(c.host(), a.host(), "on a tie, the first configured host");
    // Onto itself (its own booking does not count against it).
    let stays = pool
        .reschedule_at("m-a", a.host(), t("10:15"), t("10:45"), false, now)
        .await
        .unwrap();
    assert_eq!(stays, Reschedule::Stays);
    // Onto the other meeting of its host.
    let err = pool
        .reschedule_at("m-a", a.host(), t("11:00"), t("11:30"), false, now)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostBusy);
    assert!(err.message().contains("allow the meeting to move"));
    assert_eq!(err.capacity().unwrap().hosts[0].free_at, Some(t("11:30")));
    let moved = pool
        .reschedule_at("m-a", a.host(), t("11:00"), t("11:30"), true, now)
        .await
        .unwrap();
    let Reschedule::Moves(r) = moved else {
        panic!("expected a move")
    };
    assert_ne!(r.host(), a.host());
}

#[tokio::test]
async fn updates_count_and_stop_at_the_limit() {
    let pool = pool(&hosts3()[..1]).with_daily_limit(2);
    pool.charge_update("a").await.unwrap();
    pool.charge_update("a").await.unwrap();
    let err = pool.charge_update("a").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::HostBusy);
    assert!(err.capacity().unwrap().hosts[0].out_of_quota);
}

#[tokio::test]
async fn vendor_figures_raise_the_count_but_never_lower_it() {
    let pool = pool(&hosts3()[..1]);
    pool.charge_update("a").await.unwrap();
    pool.note_remaining("a", 100).await.unwrap();
    assert_eq!(pool.status().await.unwrap()[0].used_today, 1);
    pool.note_remaining("a", 60).await.unwrap();
    assert_eq!(pool.status().await.unwrap()[0].used_today, 40);
    pool.note_exhausted("a").await.unwrap();
    assert_eq!(pool.status().await.unwrap()[0].used_today, 100);
}

#[tokio::test]
async fn rebuild_adds_outside_meetings_drops_deleted_ones_and_keeps_new_ones() {
    let pool = pool(&hosts3()[..1]);
    let listed_at = Timestamp::now();
    let start = listed_at + jiff::SignedDuration::from_hours(1);
    let end = start + jiff::SignedDuration::from_mins(30);
    // Booked before the listing, but deleted at the vendor since.
    let old = pool.reserve(start, end, &[]).await.unwrap();
    pool.confirm(&old, "gone").await.unwrap();
    let report = pool
        .rebuild_host(
            "a",
            &[(
                "outside".to_owned(),
                start + jiff::SignedDuration::from_hours(2),
                end + jiff::SignedDuration::from_hours(2),
            )],
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!((report.added, report.removed), (1, 1));
    // The outside meeting now blocks its slot.
    let err = pool
        .reserve(
            start + jiff::SignedDuration::from_hours(2),
            end + jiff::SignedDuration::from_hours(2),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NoHostAvailable);
    // A rebuild between a create and its confirm books the meeting under its own id; the
    // confirm leaves one booking, so the slot is not held twice.
    let later = jiff::SignedDuration::from_hours(4);
    let racing = pool.reserve(start + later, end + later, &[]).await.unwrap();
    let listing = [
        (
            "outside".to_owned(),
            start + jiff::SignedDuration::from_hours(2),
            end + jiff::SignedDuration::from_hours(2),
        ),
        ("racing".to_owned(), racing.start(), racing.end()),
    ];
    pool.rebuild_host("a", &listing, Timestamp::now())
        .await
        .unwrap();
    pool.confirm(&racing, "racing").await.unwrap();
    assert_eq!(
        pool.status().await.unwrap()[0].upcoming,
        2,
        "outside, and racing once"
    );
    pool.forget_meeting("racing").await.unwrap();
    // A meeting confirmed after the listing survives a rebuild from that listing.
    let second_listing = Timestamp::now();
    let fresh = pool.reserve(start, end, &[]).await.unwrap();
    pool.confirm(&fresh, "fresh").await.unwrap();
    let report = pool.rebuild_host("a", &[], second_listing).await.unwrap();
    assert_eq!(
        report.removed, 1,
        "only the outside meeting (booked at the listing) goes"
    );
    assert!(pool.reserve(start, end, &[]).await.is_err());
}

#[tokio::test]
async fn status_reports_counts_and_the_next_free_instant() {
    let pool = pool(&hosts3()[..1]);
    let now = Timestamp::now();
    let r = pool
        .reserve(
            now - jiff::SignedDuration::from_mins(5),
            now + jiff::SignedDuration::from_mins(25),
            &[],
        )
        .await
        .unwrap();
    pool.confirm(&r, "running").await.unwrap();
    let status = &pool.status().await.unwrap()[0];
    assert_eq!(status.used_today, 1);
    assert_eq!(status.running_now, 1);
    assert_eq!(status.upcoming, 1);
    assert_eq!(status.next_free, r.end());
}

#[test]
fn pools_refuse_bad_configuration() {
    let ledger: Arc<dyn HostLedger> = Arc::new(MemoryHostLedger::new());
    for hosts in [vec![], vec![PoolHost::new("a"), PoolHost::new("A")]] {
        let err = HostPool::new("p", hosts, ledger.clone()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some("host_pool"));
    }
}

#[tokio::test]
async fn hosts_left_out_are_reported_as_left_out_not_as_full() {
    let pool = pool(&hosts3()[..2]);
    let now = t("08:00");
    pool.reserve_at(t("10:00"), t("10:30"), &["b".into()], now)
        .await
        .unwrap();
    // Pinned to `a` (b left out), which is now busy.
    let err = pool
        .reserve_at(t("10:00"), t("10:30"), &["b".into()], now)
        .await
        .unwrap_err();
    let hosts = &err.capacity().unwrap().hosts;
    assert!(hosts[1].excluded && !hosts[1].out_of_quota);
    assert!(err.message().contains("1 busy"), "{}", err.message());
    assert!(err.message().contains("1 left out"), "{}", err.message());
    assert!(!err.message().contains("quota"), "{}", err.message());
}
