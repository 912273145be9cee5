//! The pool's decisions, as pure functions over a ledger's view: how busy a host is over an
//! interval, which host takes a meeting, when a host frees up.

use jiff::{SignedDuration, Timestamp};

use super::capacity::HostLoad;
use super::ledger::{Booking, LedgerView};
use super::PoolHost;

/// A meeting's interval and the padding kept around it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
    pub(crate) padding: SignedDuration,
}

impl Slot {
    /// The interval widened by the padding on both sides: a booked meeting within it is too
    /// close.
    pub(crate) fn widened(&self) -> (Timestamp, Timestamp) {
        (
            self.start
                .saturating_sub(self.padding)
                .unwrap_or(self.start),
            self.end.saturating_add(self.padding).unwrap_or(self.end),
        )
    }
}

/// The most of `bookings` running at the same instant within `[from, to)`; back-to-back
/// bookings (one ends when the next starts) never count together.
pub(crate) fn peak<'a>(
    bookings: impl Iterator<Item = &'a Booking>,
    from: Timestamp,
    to: Timestamp,
) -> u32 {
    let mut events: Vec<(Timestamp, i32)> = Vec::new();
    for b in bookings.filter(|b| b.overlaps(from, to)) {
        events.push((b.start.max(from), 1));
        events.push((b.end.min(to), -1));
    }
    // Ends before starts at the same instant.
    events.sort_unstable();
    let (mut running, mut most) = (0i32, 0i32);
    for (_, delta) in events {
        running += delta;
        most = most.max(running);
    }
    u32::try_from(most).unwrap_or(0)
}

/// The live bookings of `host` in `view`, except `ignore` (the meeting being rescheduled).
pub(crate) fn live_of<'a>(
    view: &'a LedgerView,
    host: &'a str,
    now: Timestamp,
    ignore: Option<&'a str>,
) -> impl Iterator<Item = &'a Booking> + 'a {
    view.bookings
        .iter()
        .filter(move |b| b.host == host && b.is_live(now) && Some(b.id.as_str()) != ignore)
}

/// How `host` stands for `slot`: its load, and whether it can take the meeting.
pub(crate) fn assess(
    host: &PoolHost,
    view: &LedgerView,
    slot: Slot,
    now: Timestamp,
    daily_limit: u32,
    ignore: Option<&str>,
) -> (HostLoad, bool) {
    let (from, to) = slot.widened();
    let overlapping: Vec<&Booking> = live_of(view, host.id(), now, ignore)
        .filter(|b| b.overlaps(from, to))
        .collect();
    let busy = peak(overlapping.iter().copied(), from, to) >= host.max_concurrent();
    let used = view.used_by(host.id());
    let out_of_quota = used >= daily_limit;
    let free_at = busy.then(|| {
        overlapping
            .iter()
            .map(|b| b.end.saturating_add(slot.padding).unwrap_or(b.end))
            .min()
            .unwrap_or(slot.end)
    });
    let load = HostLoad {
        host: host.id().to_owned(),
        used_today: used,
        out_of_quota,
        free_at,
        excluded: false,
    };
    (load, !busy && !out_of_quota)
}

/// The host that takes a meeting in `slot`: of those with room and quota (and not in
/// `exclude`), the one with the fewest creates and updates today, which spreads the daily
/// limit, then the least busy, then the first configured. `Err` holds every host's load.
pub(crate) fn choose<'a>(
    hosts: &'a [PoolHost],
    view: &LedgerView,
    slot: Slot,
    now: Timestamp,
    daily_limit: u32,
    exclude: &[String],
) -> Result<&'a PoolHost, Vec<HostLoad>> {
    let mut loads = Vec::with_capacity(hosts.len());
    let mut best: Option<(u32, u32, usize)> = None;
    let (from, to) = slot.widened();
    for (i, host) in hosts.iter().enumerate() {
        let (mut load, fits) = assess(host, view, slot, now, daily_limit, None);
        if exclude.iter().any(|e| e == host.id()) {
            load.excluded = true;
        } else if fits {
            let busy = peak(live_of(view, host.id(), now, None), from, to);
            let rank = (load.used_today, busy, i);
            if best.is_none_or(|b| rank < b) {
                best = Some(rank);
            }
        }
        loads.push(load);
    }
    match best {
        Some((_, _, i)) => Ok(&hosts[i]),
        None => Err(loads),
    }
}

/// The earliest instant at or after `now` when `host` runs fewer meetings than its limit
/// (each booking widened by `padding`).
pub(crate) fn next_free(
    host: &PoolHost,
    bookings: &[&Booking],
    now: Timestamp,
    padding: SignedDuration,
) -> Timestamp {
    let mut events: Vec<(Timestamp, i32)> = Vec::new();
    for b in bookings {
        let start = b.start.saturating_sub(padding).unwrap_or(b.start);
        let end = b.end.saturating_add(padding).unwrap_or(b.end);
        if end > now {
            events.push((start, 1));
            events.push((end, -1));
        }
    }
    events.sort_unstable();
    let limit = i32::try_from(host.max_concurrent()).unwrap_or(i32::MAX);
    let mut running = 0i32;
    let mut i = 0;
    while i < events.len() && events[i].0 <= now {
        running += events[i].1;
        i += 1;
    }
    if running < limit {
        return now;
    }
    // Every event of one instant is applied before looking: a meeting that starts when
    // another ends leaves no gap.
    while i < events.len() {
        let at = events[i].0;
        while i < events.len() && events[i].0 == at {
            running += events[i].1;
            i += 1;
        }
        if running < limit {
            return at;
        }
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hm: &str) -> Timestamp {
        format!("2030-01-07T{hm}:00Z").parse().unwrap()
    }

    fn booking(id: &str, host: &str, start: &str, end: &str) -> Booking {
        Booking {
            id: id.into(),
            host: host.into(),
            start: t(start),
            end: t(end),
            meeting_id: Some(id.into()),
            pending_until: None,
            booked_at: t("00:00"),
        }
    }

    #[test]
    fn peak_counts_overlap_not_mere_presence() {
        let a = booking("a", "h", "10:00", "10:30");
        let b = booking("b", "h", "10:30", "11:00");
        let c = booking("c", "h", "10:15", "10:45");
        assert_eq!(peak([&a, &b].into_iter(), t("09:00"), t("12:00")), 1);
        assert_eq!(peak([&a, &b, &c].into_iter(), t("09:00"), t("12:00")), 2);
        assert_eq!(peak([&a, &c].into_iter(), t("10:40"), t("12:00")), 1);
    }

    #[test]
    fn padding_keeps_a_gap_between_meetings() {
        let host = PoolHost::new("h");
        let view = LedgerView {
            bookings: vec![booking("a", "h", "10:00", "10:30")],
            ..Default::default()
        };
        let slot = |pad| Slot {
            start: t("10:30"),
            end: t("11:00"),
            padding: SignedDuration::from_mins(pad),
        };
        assert!(assess(&host, &view, slot(0), t("08:00"), 100, None).1);
        let (load, fits) = assess(&host, &view, slot(10), t("08:00"), 100, None);
        assert!(!fits);
        assert_eq!(load.free_at, Some(t("10:40")));
    }

    #[test]
    fn lapsed_reservations_hold_nothing() {
        let host = PoolHost::new("h");
        let mut pending = booking("a", "h", "10:00", "10:30");
        pending.pending_until = Some(t("09:00"));
        let view = LedgerView {
            bookings: vec![pending],
            ..Default::default()
        };
        let slot = Slot {
            start: t("10:00"),
            end: t("10:30"),
            padding: SignedDuration::ZERO,
        };
        assert!(!assess(&host, &view, slot, t("08:59"), 100, None).1);
        assert!(assess(&host, &view, slot, t("09:00"), 100, None).1);
    }

    #[test]
    fn choose_spreads_quota_then_load() {
        let hosts = [
            PoolHost::new("a"),
            PoolHost::new("b").with_max_concurrent(2),
        ];
        let mut view = LedgerView {
            bookings: vec![booking("x", "b", "10:00", "10:30")],
            ..Default::default()
        };
        let slot = Slot {
            start: t("10:00"),
            end: t("10:30"),
            padding: SignedDuration::ZERO,
        };
        let now = t("08:00");
        assert_eq!(
            choose(&hosts, &view, slot, now, 100, &[]).unwrap().id(),
            "a"
        );
        view.used.insert("a".into(), 5);
        assert_eq!(
            choose(&hosts, &view, slot, now, 100, &[]).unwrap().id(),
            "b"
        );
        assert_eq!(
            choose(&hosts, &view, slot, now, 100, &["b".into()])
                .unwrap()
                .id(),
            "a"
        );
        view.used.insert("a".into(), 100);
        view.bookings.push(booking("y", "b", "10:00", "10:30"));
        let loads = choose(&hosts, &view, slot, now, 100, &[]).unwrap_err();
        assert!(loads[0].out_of_quota && loads[0].free_at.is_none());
        assert_eq!(loads[1].free_at, Some(t("10:30")));
    }

    #[test]
    fn next_free_skips_busy_stretches() {
        let host = PoolHost::new("h");
        let a = booking("a", "h", "10:00", "10:30");
        let b = booking("b", "h", "10:30", "11:00");
        let pad = SignedDuration::ZERO;
        assert_eq!(next_free(&host, &[&a, &b], t("09:00"), pad), t("09:00"));
        assert_eq!(next_free(&host, &[&a, &b], t("10:10"), pad), t("11:00"));
        let two = host.clone().with_max_concurrent(2);
        assert_eq!(next_free(&two, &[&a, &b], t("10:10"), pad), t("10:10"));
    }
}
