//! [`MemoryHostLedger`]: a pool's bookings and counts in this process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use super::ledger::{Booking, HostLedger, LedgerChanges, LedgerQuery, LedgerView};
use super::UtcDay;
use crate::Result;

/// Bookings that ended this long ago are forgotten (nothing asks about the past).
const KEEP_ENDED: SignedDuration = SignedDuration::from_hours(24);
/// Old bookings and counts are dropped once every this many transactions of a pool.
const CLEANUP_EVERY: u32 = 256;

/// A [`HostLedger`] in memory: right for one process. Several instances of an application
/// need a shared ledger (the SQL or Redis stores), or each would book the same slot.
#[derive(Debug, Default)]
pub struct MemoryHostLedger {
    pools: Mutex<HashMap<String, PoolData>>,
}

#[derive(Debug, Default)]
struct PoolData {
    bookings: BTreeMap<String, Booking>,
    used: HashMap<(String, UtcDay), u32>,
    /// Transactions since the last clean-up.
    since_cleanup: u32,
}

impl MemoryHostLedger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }
}

impl PoolData {
    fn read(&self, query: &LedgerQuery) -> LedgerView {
        let bookings = self
            .bookings
            .values()
            .filter(|b| {
                let by_time = query.window.is_some_and(|(from, to)| {
                    b.overlaps(from, to) && query.hosts.contains(&b.host)
                });
                let by_id = b
                    .meeting_id
                    .as_ref()
                    .is_some_and(|id| query.meeting_ids.contains(id));
                by_time || by_id || query.booking_ids.contains(&b.id)
            })
            .cloned()
            .collect();
        let used = query
            .hosts
            .iter()
            .filter_map(|h| {
                self.used
                    .get(&(h.clone(), query.day))
                    .map(|n| (h.clone(), *n))
            })
            .collect();
        LedgerView { bookings, used }
    }

    fn apply(&mut self, day: UtcDay, changes: LedgerChanges) {
        for id in &changes.remove {
            self.bookings.remove(id);
        }
        for booking in changes.put {
            self.bookings.insert(booking.id.clone(), booking);
        }
        for (host, n) in changes.charge {
            let used = self.used.entry((host, day)).or_insert(0);
            *used = used.saturating_add(n);
        }
        for (host, n) in changes.raise_used {
            let used = self.used.entry((host, day)).or_insert(0);
            *used = (*used).max(n);
        }
    }

    fn forget_old(&mut self, now: Timestamp) {
        let cutoff = now.saturating_sub(KEEP_ENDED).unwrap_or(now);
        self.bookings.retain(|_, b| b.end > cutoff);
        let today = UtcDay::of(now);
        self.used
            .retain(|(_, day), _| *day >= UtcDay::from_number(today.number() - 1));
    }
}

#[async_trait]
impl HostLedger for MemoryHostLedger {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        // One lock for every pool: decisions are microseconds, and no await happens under it.
        let mut pools = self.pools.lock().unwrap_or_else(|e| e.into_inner());
        let pool = pools.entry(query.pool.clone()).or_default();
        let view = pool.read(query);
        let changes = decide(&view);
        pool.apply(query.day, changes);
        pool.since_cleanup += 1;
        if pool.since_cleanup >= CLEANUP_EVERY {
            pool.since_cleanup = 0;
            pool.forget_old(Timestamp::now());
        }
        Ok(())
    }
}
