//! [`HostLedger`]: where a pool's bookings and daily counts live, and the one atomic step the
//! pool needs from it.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::UtcDay;
use crate::Result;

/// One meeting (or a reservation for one) on a host.
///
/// The interval is the meeting's own, without padding: the pool widens the interval it asks
/// about instead, so changing the padding applies to meetings already booked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// Unique within the pool; fixed when the slot is reserved.
    pub id: String,
    /// The [`PoolHost::id`](super::PoolHost::id) of its host.
    pub host: String,
    /// When the meeting starts.
    pub start: Timestamp,
    /// When it ends (after `start`).
    pub end: Timestamp,
    /// The vendor's meeting id, once the create succeeded.
    pub meeting_id: Option<String>,
    /// For a reservation not yet confirmed: when it lapses (its process died, or never said how
    /// the create ended). `None` for a confirmed meeting.
    pub pending_until: Option<Timestamp>,
    /// When this version of the booking was written (a rebuild keeps bookings written after
    /// the listing it rebuilds from).
    pub booked_at: Timestamp,
}

impl Booking {
    /// Whether the booking holds its slot at `now`: confirmed, or a reservation that has not
    /// lapsed.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.pending_until.is_none_or(|until| until > now)
    }

    /// Whether `[start, end)` overlaps the booking.
    pub fn overlaps(&self, start: Timestamp, end: Timestamp) -> bool {
        self.start < end && self.end > start
    }
}

/// What a [`HostLedger::transact`] reads before deciding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerQuery {
    /// The pool (one namespace per pool: the same ledger may serve several).
    pub pool: String,
    /// The hosts whose bookings (within `window`) and counts (for `day`) to read.
    pub hosts: Vec<String>,
    /// Bookings of `hosts` overlapping `[from, to)`; `None` reads no bookings by time.
    pub window: Option<(Timestamp, Timestamp)>,
    /// The day whose counts to read, and to which [`LedgerChanges::charge`] and
    /// [`LedgerChanges::raise_used`] apply.
    pub day: UtcDay,
    /// Also read the bookings of these meeting ids, on any host of the pool.
    pub meeting_ids: Vec<String>,
    /// Also read the bookings with these [`Booking::id`]s.
    pub booking_ids: Vec<String>,
}

/// What a ledger read for a [`LedgerQuery`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerView {
    /// The bookings the query names (those overlapping the window on the listed hosts, those
    /// of the listed meeting ids and those with the listed booking ids), each once, lapsed reservations included; any order.
    pub bookings: Vec<Booking>,
    /// Creates plus updates counted on the query's day, per host; a host with none may be
    /// absent.
    pub used: BTreeMap<String, u32>,
}

impl LedgerView {
    /// The count of `host` (0 when absent).
    pub fn used_by(&self, host: &str) -> u32 {
        self.used.get(host).copied().unwrap_or(0)
    }
}

/// What a [`HostLedger::transact`] writes, all or nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerChanges {
    /// Bookings to insert, or to replace (same [`Booking::id`]).
    pub put: Vec<Booking>,
    /// Ids of bookings to delete (an unknown id is ignored).
    pub remove: Vec<String>,
    /// Per host, how much to add to its count of the query's day.
    pub charge: Vec<(String, u32)>,
    /// Per host, a count its count of the query's day is raised to if lower (never lowered): a
    /// vendor's own figure, or the limit after the vendor said the host is full.
    pub raise_used: Vec<(String, u32)>,
}

impl LedgerChanges {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty()
            && self.remove.is_empty()
            && self.charge.is_empty()
            && self.raise_used.is_empty()
    }
}

/// Where a [`HostPool`](super::HostPool) keeps its bookings and per-host daily counts.
///
/// The pool decides; a ledger only reads and writes, with one promise: a
/// [`transact`](Self::transact) is isolated from every other `transact` on the same pool, in
/// this process and in every other process sharing the backend. Two instances reserving the
/// same slot therefore never both see it free. [`MemoryHostLedger`](super::MemoryHostLedger)
/// keeps a process's pools; the SQL stores lock the pool's row in a transaction; the Redis
/// store holds a per-pool lock and writes only while it still holds it.
///
/// A ledger may forget bookings that ended more than a day ago and counts of past days, and
/// may keep a booking's times to the millisecond (the SQL stores keep Unix milliseconds): the
/// pool never needs finer.
///
/// `testkit::run_host_ledger_conformance` checks an implementation (reads, writes, isolation
/// under concurrency).
#[async_trait]
pub trait HostLedger: Send + Sync + fmt::Debug {
    /// Reads what `query` names, calls `decide` with it, and applies the changes it returns, as
    /// one atomic step.
    ///
    /// `decide` may be called more than once (a backend that detected interference reads
    /// again); only the changes of its last call are applied, so it must decide from the view
    /// alone and keep its outcome in a variable it overwrites. If the ledger fails, nothing is
    /// applied and the error is a `TOKEN_STORE_ERROR`.
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()>;
}
