//! [`HostPool`]: the hosts, the rules, and every decision as one ledger transaction.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::capacity::{CapacityDetails, HostLoad};
use super::ledger::{Booking, HostLedger, LedgerChanges, LedgerQuery, LedgerView};
use super::policy::{assess, choose, next_free, Slot};
use super::{PoolHost, UtcDay};
use crate::{Error, ErrorCode, Result};

/// Zoom's limit on meeting creates plus updates per host user per UTC day: "100 requests per
/// day. The rate limit is applied against the userId of the meeting host"
/// (<https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings>).
pub const DEFAULT_PER_HOST_DAILY_LIMIT: u32 = 100;

/// How long a reserved slot waits for its create to confirm it before it lapses (a process
/// that died mid-create frees its slot after this).
pub const DEFAULT_PENDING_TTL: Duration = Duration::from_secs(600);

/// How far ahead [`HostPool::status`] reads bookings.
const STATUS_HORIZON: SignedDuration = SignedDuration::from_hours(24 * 62);

/// A slot reserved on a host for a meeting about to be created: confirm it with the meeting id
/// once the create succeeds, or release it if the create failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    booking: Booking,
}

impl Reservation {
    /// The host that takes the meeting.
    pub fn host(&self) -> &str {
        &self.booking.host
    }

    /// The booking's id in the ledger.
    pub fn booking_id(&self) -> &str {
        &self.booking.id
    }

    /// The meeting's start.
    pub fn start(&self) -> Timestamp {
        self.booking.start
    }

    /// The meeting's end.
    pub fn end(&self) -> Timestamp {
        self.booking.end
    }
}

/// Where a rescheduled meeting goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reschedule {
    /// It fits on its host at the new time: its booking has moved, and the update is counted.
    Stays,
    /// It does not fit on its host, and the caller allowed a move: a slot is reserved on
    /// another host (counted as a create). The caller creates the meeting there, confirms the
    /// reservation, deletes the old meeting and calls
    /// [`HostPool::forget_meeting`] for it. The new meeting has a new join link.
    Moves(Reservation),
}

/// One host's state, for operators (`meetschedify doctor`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostStatus {
    /// The host and its concurrent limit.
    pub host: PoolHost,
    /// Creates plus updates counted today (UTC).
    pub used_today: u32,
    /// The pool's daily limit per host.
    pub daily_limit: u32,
    /// Its meetings running now (booked over this instant).
    pub running_now: u32,
    /// Its meetings that have not ended yet, within the next 62 days.
    pub upcoming: usize,
    /// The earliest instant from now when it runs fewer meetings than its limit (padding
    /// included).
    pub next_free: Timestamp,
}

/// What [`HostPool::rebuild_host`] changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Meetings listed at the vendor that the ledger did not have (made outside the library,
    /// or booked by an instance whose ledger was lost).
    pub added: usize,
    /// Bookings whose meeting the vendor no longer lists (deleted outside the library).
    pub removed: usize,
    /// Bookings whose times were corrected from the vendor's.
    pub moved: usize,
}

/// A pool of hosts that meetings are spread over. Cheap to clone.
///
/// See the [module documentation](super) for the model. Every method that decides is one
/// [`HostLedger::transact`], so instances sharing a ledger never give one slot twice.
#[derive(Clone)]
pub struct HostPool {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    hosts: Vec<PoolHost>,
    padding: SignedDuration,
    daily_limit: u32,
    pending_ttl: SignedDuration,
    ledger: Arc<dyn HostLedger>,
}

impl fmt::Debug for HostPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostPool")
            .field("name", &self.inner.name)
            .field("hosts", &self.inner.hosts)
            .field("padding", &self.inner.padding)
            .field("daily_limit", &self.inner.daily_limit)
            .field("ledger", &self.inner.ledger)
            .finish()
    }
}

impl HostPool {
    /// A pool named `name` (its namespace in the ledger: pools sharing a ledger must have
    /// different names, and instances sharing a pool the same name) over `hosts`, in order of
    /// preference when all else is equal; no padding, [`DEFAULT_PER_HOST_DAILY_LIMIT`].
    ///
    /// Fails with `INVALID_CONFIG` (field `host_pool`) when `hosts` is empty, a host is invalid,
    /// or two hosts share an id (compared without case: emails are).
    pub fn new(
        name: impl Into<String>,
        hosts: Vec<PoolHost>,
        ledger: Arc<dyn HostLedger>,
    ) -> Result<Self> {
        const FIELD: &str = "host_pool";
        if hosts.is_empty() {
            return Err(Error::invalid_config(
                FIELD,
                "a host pool needs at least one host",
            ));
        }
        let mut seen = HashSet::new();
        for host in &hosts {
            host.validate(FIELD)?;
            if !seen.insert(host.id().to_ascii_lowercase()) {
                return Err(Error::invalid_config(
                    FIELD,
                    format!("host `{}` is in the pool twice", host.id()),
                ));
            }
        }
        let name = name.into();
        if name.is_empty() {
            return Err(Error::invalid_config(FIELD, "a host pool needs a name"));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                name,
                hosts,
                padding: SignedDuration::ZERO,
                daily_limit: DEFAULT_PER_HOST_DAILY_LIMIT,
                pending_ttl: SignedDuration::try_from(DEFAULT_PENDING_TTL)
                    .unwrap_or(SignedDuration::from_mins(10)),
                ledger,
            }),
        })
    }

    fn edit(mut self, f: impl FnOnce(&mut Inner)) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => f(inner),
            None => {
                let mut inner = Inner {
                    name: self.inner.name.clone(),
                    hosts: self.inner.hosts.clone(),
                    padding: self.inner.padding,
                    daily_limit: self.inner.daily_limit,
                    pending_ttl: self.inner.pending_ttl,
                    ledger: self.inner.ledger.clone(),
                };
                f(&mut inner);
                self.inner = Arc::new(inner);
            }
        }
        self
    }

    /// Keeps `padding` free before and after each meeting on its host: with 10 minutes, a host
    /// whose meeting ends at 10:30 takes the next at 10:40 at the earliest.
    pub fn with_padding(self, padding: Duration) -> Self {
        let padding = SignedDuration::try_from(padding).unwrap_or(SignedDuration::MAX);
        self.edit(|i| i.padding = padding)
    }

    /// Sets the creates plus updates each host may make per UTC day (Zoom: 100).
    pub fn with_daily_limit(self, limit: u32) -> Self {
        self.edit(|i| i.daily_limit = limit)
    }

    /// Sets how long a reserved slot waits for its create (default
    /// [`DEFAULT_PENDING_TTL`]).
    pub fn with_pending_ttl(self, ttl: Duration) -> Self {
        let ttl = SignedDuration::try_from(ttl).unwrap_or(SignedDuration::MAX);
        self.edit(|i| i.pending_ttl = ttl)
    }

    /// The pool's name in its ledger.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The hosts, in configured order.
    pub fn hosts(&self) -> &[PoolHost] {
        &self.inner.hosts
    }

    /// The host with this id (compared without case), if it is in the pool.
    pub fn host(&self, id: &str) -> Option<&PoolHost> {
        self.inner
            .hosts
            .iter()
            .find(|h| h.id().eq_ignore_ascii_case(id))
    }

    /// The padding kept around meetings.
    pub fn padding(&self) -> Duration {
        Duration::try_from(self.inner.padding).unwrap_or_default()
    }

    /// Creates plus updates per host per UTC day.
    pub fn daily_limit(&self) -> u32 {
        self.inner.daily_limit
    }

    /// The ledger bookings and counts live in.
    pub fn ledger(&self) -> &Arc<dyn HostLedger> {
        &self.inner.ledger
    }

    fn slot(&self, start: Timestamp, end: Timestamp) -> Slot {
        Slot {
            start,
            end,
            padding: self.inner.padding,
        }
    }

    fn all_host_ids(&self) -> Vec<String> {
        self.inner.hosts.iter().map(|h| h.id().to_owned()).collect()
    }

    /// A reservation on `host`, lapsing after the pending TTL unless confirmed.
    fn pending(
        &self,
        id: &str,
        host: &PoolHost,
        start: Timestamp,
        end: Timestamp,
        now: Timestamp,
    ) -> Booking {
        Booking {
            id: id.to_owned(),
            host: host.id().to_owned(),
            start,
            end,
            meeting_id: None,
            pending_until: Some(now.saturating_add(self.inner.pending_ttl).unwrap_or(now)),
            booked_at: now,
        }
    }

    fn check_interval(start: Timestamp, end: Timestamp) -> Result<()> {
        if end <= start {
            return Err(Error::invalid_request(
                "time.end",
                "a booked meeting must end after it starts",
            ));
        }
        Ok(())
    }

    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        self.inner
            .ledger
            .transact(query, decide)
            .await
            .map_err(|e| e.with_note(&format!("host pool `{}`", self.inner.name)))
    }

    /// Reserves a slot from `start` to `end` on the host that fits best (the one with
    /// the fewest creates and updates today, then the least busy, then the first configured),
    /// skipping the hosts in `exclude`, and counts the create
    /// against its day.
    ///
    /// Fails with `NO_HOST_AVAILABLE` when every host is busy over the time (padding included)
    /// or out of quota today; [`Error::capacity`] says which and when one frees up. When every
    /// host is only out of quota, [`Error::retry_after`] is the time until 00:00 UTC.
    pub async fn reserve(
        &self,
        start: Timestamp,
        end: Timestamp,
        exclude: &[String],
    ) -> Result<Reservation> {
        self.reserve_at(start, end, exclude, Timestamp::now()).await
    }

    /// [`reserve`](Self::reserve) at a given instant (for tests).
    pub async fn reserve_at(
        &self,
        start: Timestamp,
        end: Timestamp,
        exclude: &[String],
        now: Timestamp,
    ) -> Result<Reservation> {
        self.reserve_inner(None, start, end, exclude, now).await
    }

    /// [`reserve`](Self::reserve) for a create with an idempotency key: `key` (an opaque
    /// string derived from the key, such as [`KeyDigest`](crate::idempotency::KeyDigest) hex)
    /// names the booking, so repeating the create finds the same reservation or meeting, on
    /// the same host, and is not counted again. That keeps a repeated create's duplicate check
    /// on the host where the first attempt may have made the meeting. A booking of `key` on a
    /// host in `exclude` is dropped and a new host chosen.
    pub async fn reserve_keyed(
        &self,
        key: &str,
        start: Timestamp,
        end: Timestamp,
        exclude: &[String],
    ) -> Result<Reservation> {
        self.reserve_inner(
            Some(format!("k:{key}")),
            start,
            end,
            exclude,
            Timestamp::now(),
        )
        .await
    }

    async fn reserve_inner(
        &self,
        keyed_id: Option<String>,
        start: Timestamp,
        end: Timestamp,
        exclude: &[String],
        now: Timestamp,
    ) -> Result<Reservation> {
        Self::check_interval(start, end)?;
        let slot = self.slot(start, end);
        let day = UtcDay::of(now);
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: self.all_host_ids(),
            window: Some(slot.widened()),
            day,
            meeting_ids: Vec::new(),
            booking_ids: keyed_id.iter().cloned().collect(),
        };
        let booking_id = keyed_id.clone().unwrap_or_else(new_booking_id);
        let mut outcome: std::result::Result<Booking, Vec<HostLoad>> = Err(Vec::new());
        let mut decide = |view: &LedgerView| {
            let earlier = view
                .bookings
                .iter()
                .find(|b| b.id == booking_id && !exclude.contains(&b.host));
            if let Some(earlier) = earlier {
                // The same keyed create again: its slot (and count) are already held. A lapsed
                // reservation is renewed; a confirmed booking stays as it is.
                let mut booking = earlier.clone();
                let mut changes = LedgerChanges::default();
                if booking.pending_until.is_some() {
                    booking.pending_until =
                        Some(now.saturating_add(self.inner.pending_ttl).unwrap_or(now));
                    changes.put.push(booking.clone());
                }
                outcome = Ok(booking);
                return changes;
            }
            // Without its own booking (ignored: it is on an excluded host, or absent).
            let mut view = view.clone();
            view.bookings.retain(|b| b.id != booking_id);
            let view = &view;
            match choose(
                &self.inner.hosts,
                view,
                slot,
                now,
                self.inner.daily_limit,
                exclude,
            ) {
                Ok(host) => {
                    let booking = self.pending(&booking_id, host, start, end, now);
                    let mut remove = lapsed(view, now);
                    remove.retain(|id| *id != booking.id);
                    let changes = LedgerChanges {
                        put: vec![booking.clone()],
                        remove,
                        charge: vec![(booking.host.clone(), 1)],
                        raise_used: Vec::new(),
                    };
                    outcome = Ok(booking);
                    changes
                }
                Err(loads) => {
                    outcome = Err(loads);
                    LedgerChanges::default()
                }
            }
        };
        self.transact(&query, &mut decide).await?;
        match outcome {
            Ok(booking) => {
                tracing::debug!(host = %booking.host, pool = %self.inner.name, "host reserved");
                Ok(Reservation { booking })
            }
            Err(hosts) => Err(no_host(start, end, hosts, day)),
        }
    }

    /// Turns a reservation into the booking of `meeting_id`.
    ///
    /// A rebuild that listed the new meeting before this confirm booked it under its own id
    /// (`m:{meeting_id}`); that booking is dropped, so the meeting holds one slot, not two.
    pub async fn confirm(&self, reservation: &Reservation, meeting_id: &str) -> Result<()> {
        let now = Timestamp::now();
        let booking = Booking {
            meeting_id: Some(meeting_id.to_owned()),
            pending_until: None,
            booked_at: now,
            ..reservation.booking.clone()
        };
        let rebuilt = format!("m:{meeting_id}");
        let remove = if rebuilt == booking.id {
            Vec::new()
        } else {
            vec![rebuilt]
        };
        self.write(
            now,
            LedgerChanges {
                put: vec![booking],
                remove,
                ..Default::default()
            },
        )
        .await
    }

    /// Frees a reservation whose create failed. Its count stays: the vendor may have counted
    /// the call too.
    pub async fn release(&self, reservation: &Reservation) -> Result<()> {
        self.write(
            Timestamp::now(),
            LedgerChanges {
                remove: vec![reservation.booking.id.clone()],
                ..Default::default()
            },
        )
        .await
    }

    /// Forgets the booking of a meeting that was cancelled (nothing if it has none).
    pub async fn forget_meeting(&self, meeting_id: &str) -> Result<()> {
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: Vec::new(),
            window: None,
            day: UtcDay::of(Timestamp::now()),
            meeting_ids: vec![meeting_id.to_owned()],
            booking_ids: Vec::new(),
        };
        let mut decide = |view: &LedgerView| LedgerChanges {
            remove: view.bookings.iter().map(|b| b.id.clone()).collect(),
            ..Default::default()
        };
        self.transact(&query, &mut decide).await
    }

    async fn write(&self, now: Timestamp, changes: LedgerChanges) -> Result<()> {
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: Vec::new(),
            window: None,
            day: UtcDay::of(now),
            meeting_ids: Vec::new(),
            booking_ids: Vec::new(),
        };
        let mut decide = |_: &LedgerView| changes.clone();
        self.transact(&query, &mut decide).await
    }

    /// Counts an update of one of `host`'s meetings that does not change its time, or fails
    /// with `HOST_BUSY` (out of quota) when the host has none left today.
    pub async fn charge_update(&self, host: &str) -> Result<()> {
        let now = Timestamp::now();
        let day = UtcDay::of(now);
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: vec![host.to_owned()],
            window: None,
            day,
            meeting_ids: Vec::new(),
            booking_ids: Vec::new(),
        };
        let limit = self.inner.daily_limit;
        let mut used = 0;
        let mut decide = |view: &LedgerView| {
            used = view.used_by(host);
            if used >= limit {
                LedgerChanges::default()
            } else {
                LedgerChanges {
                    charge: vec![(host.to_owned(), 1)],
                    ..Default::default()
                }
            }
        };
        self.transact(&query, &mut decide).await?;
        if used >= limit {
            let load = HostLoad {
                host: host.to_owned(),
                used_today: used,
                out_of_quota: true,
                free_at: None,
                excluded: false,
            };
            let details = CapacityDetails {
                start: now,
                end: now,
                hosts: vec![load],
                quota_resets_at: Some(day.next_reset()),
            };
            return Err(Error::new(
                ErrorCode::HostBusy,
                format!(
                    "host `{host}` has no meeting creates or updates left today (it made \
                     {used} of {limit}); its quota resets at {}",
                    day.next_reset()
                ),
            )
            .with_retry_after(Some(until(now, day.next_reset())))
            .with_capacity(details));
        }
        Ok(())
    }

    /// Moves meeting `meeting_id` of `host` to `start`..`end`.
    ///
    /// If it fits on its host (its own booking aside) with quota left, its booking moves and
    /// the update is counted: [`Reschedule::Stays`]. Otherwise, with `allow_move`, another host
    /// is reserved for a new meeting: [`Reschedule::Moves`]; without it, `HOST_BUSY` names the
    /// host and when it frees up. `NO_HOST_AVAILABLE` when no other host fits either.
    pub async fn reschedule(
        &self,
        meeting_id: &str,
        host: &str,
        start: Timestamp,
        end: Timestamp,
        allow_move: bool,
    ) -> Result<Reschedule> {
        self.reschedule_at(meeting_id, host, start, end, allow_move, Timestamp::now())
            .await
    }

    /// [`reschedule`](Self::reschedule) at a given instant (for tests).
    pub async fn reschedule_at(
        &self,
        meeting_id: &str,
        host: &str,
        start: Timestamp,
        end: Timestamp,
        allow_move: bool,
        now: Timestamp,
    ) -> Result<Reschedule> {
        Self::check_interval(start, end)?;
        let own = self
            .host(host)
            .cloned()
            .unwrap_or_else(|| PoolHost::new(host));
        let slot = self.slot(start, end);
        let day = UtcDay::of(now);
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: self.all_host_ids(),
            window: Some(slot.widened()),
            day,
            meeting_ids: vec![meeting_id.to_owned()],
            booking_ids: Vec::new(),
        };
        let others: Vec<String> = vec![own.id().to_owned()];
        let new_id = new_booking_id();
        let limit = self.inner.daily_limit;
        enum Decision {
            Stays,
            Moves(Booking),
            Busy(HostLoad),
            Full(HostLoad, Vec<HostLoad>),
        }
        let mut decision = Decision::Stays;
        let mut decide = |view: &LedgerView| {
            let mine = view
                .bookings
                .iter()
                .find(|b| b.meeting_id.as_deref() == Some(meeting_id));
            let (load, fits) = assess(&own, view, slot, now, limit, mine.map(|b| b.id.as_str()));
            if fits {
                let booking = Booking {
                    id: mine.map_or_else(|| format!("m:{meeting_id}"), |b| b.id.clone()),
                    host: own.id().to_owned(),
                    start,
                    end,
                    meeting_id: Some(meeting_id.to_owned()),
                    pending_until: None,
                    booked_at: now,
                };
                decision = Decision::Stays;
                return LedgerChanges {
                    put: vec![booking],
                    charge: vec![(own.id().to_owned(), 1)],
                    ..Default::default()
                };
            }
            if !allow_move {
                decision = Decision::Busy(load);
                return LedgerChanges::default();
            }
            match choose(&self.inner.hosts, view, slot, now, limit, &others) {
                Ok(other) => {
                    let booking = self.pending(&new_id, other, start, end, now);
                    decision = Decision::Moves(booking.clone());
                    LedgerChanges {
                        charge: vec![(booking.host.clone(), 1)],
                        put: vec![booking],
                        ..Default::default()
                    }
                }
                Err(loads) => {
                    decision = Decision::Full(load, loads);
                    LedgerChanges::default()
                }
            }
        };
        self.transact(&query, &mut decide).await?;
        match decision {
            Decision::Stays => Ok(Reschedule::Stays),
            Decision::Moves(booking) => Ok(Reschedule::Moves(Reservation { booking })),
            Decision::Busy(load) => Err(host_busy(start, end, load, day)),
            Decision::Full(own_load, mut loads) => {
                for l in &mut loads {
                    if l.host == own_load.host {
                        *l = own_load.clone();
                    }
                }
                Err(no_host(start, end, loads, day))
            }
        }
    }

    /// Records that the vendor said `host` has no creates or updates left today (Zoom's daily
    /// 429): its count is raised to the limit, so no instance picks it again before 00:00 UTC.
    pub async fn note_exhausted(&self, host: &str) -> Result<()> {
        self.note_used(host, self.inner.daily_limit).await
    }

    /// Corrects `host`'s count from the vendor's own figure (Zoom's `X-RateLimit-Remaining`
    /// on a create or update): the count becomes at least `limit - remaining`. It is never
    /// lowered, because a lower count could hand out quota that a call in flight already holds.
    pub async fn note_remaining(&self, host: &str, remaining: u32) -> Result<()> {
        self.note_used(host, self.inner.daily_limit.saturating_sub(remaining))
            .await
    }

    async fn note_used(&self, host: &str, used: u32) -> Result<()> {
        self.write(
            Timestamp::now(),
            LedgerChanges {
                raise_used: vec![(host.to_owned(), used)],
                ..Default::default()
            },
        )
        .await
    }

    /// Makes the ledger agree with the vendor about `host`'s meetings that have not ended by
    /// `listed_at`: `meetings` (id, start, end) is what the vendor listed at that instant.
    /// Listed meetings the ledger lacks are booked (made outside the library, or before a
    /// restart with a memory ledger); confirmed bookings the vendor no longer lists are dropped,
    /// unless written after `listed_at` (a create that finished while the list was read);
    /// reservations in flight are kept.
    pub async fn rebuild_host(
        &self,
        host: &str,
        meetings: &[(String, Timestamp, Timestamp)],
        listed_at: Timestamp,
    ) -> Result<Rebuilt> {
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: vec![host.to_owned()],
            window: Some((listed_at, Timestamp::MAX)),
            day: UtcDay::of(listed_at),
            meeting_ids: meetings.iter().map(|(id, _, _)| id.clone()).collect(),
            booking_ids: Vec::new(),
        };
        let mut report = Rebuilt::default();
        let mut decide = |view: &LedgerView| {
            report = Rebuilt::default();
            let mut changes = LedgerChanges::default();
            for (id, start, end) in meetings {
                match view
                    .bookings
                    .iter()
                    .find(|b| b.meeting_id.as_deref() == Some(id.as_str()))
                {
                    Some(b) if b.start == *start && b.end == *end && b.host == host => {}
                    Some(b) => {
                        report.moved += 1;
                        changes.put.push(Booking {
                            host: host.to_owned(),
                            start: *start,
                            end: *end,
                            ..b.clone()
                        });
                    }
                    None => {
                        report.added += 1;
                        changes.put.push(Booking {
                            id: format!("m:{id}"),
                            host: host.to_owned(),
                            start: *start,
                            end: *end,
                            meeting_id: Some(id.clone()),
                            pending_until: None,
                            booked_at: listed_at,
                        });
                    }
                }
            }
            for b in &view.bookings {
                let gone = b.host == host
                    && b.end > listed_at
                    && b.booked_at < listed_at
                    && b.meeting_id
                        .as_ref()
                        .is_some_and(|id| !meetings.iter().any(|(m, _, _)| m == id));
                if gone {
                    report.removed += 1;
                    changes.remove.push(b.id.clone());
                }
            }
            changes
        };
        self.transact(&query, &mut decide).await?;
        if report != Rebuilt::default() {
            tracing::info!(
                host,
                pool = %self.inner.name,
                added = report.added,
                removed = report.removed,
                moved = report.moved,
                "host bookings rebuilt from the vendor's list"
            );
        }
        Ok(report)
    }

    /// Every host's count today, running and upcoming meetings, and next free instant.
    pub async fn status(&self) -> Result<Vec<HostStatus>> {
        let now = Timestamp::now();
        let query = LedgerQuery {
            pool: self.inner.name.clone(),
            hosts: self.all_host_ids(),
            window: Some((now, now.saturating_add(STATUS_HORIZON).unwrap_or(now))),
            day: UtcDay::of(now),
            meeting_ids: Vec::new(),
            booking_ids: Vec::new(),
        };
        let mut view = LedgerView::default();
        let mut decide = |v: &LedgerView| {
            view = v.clone();
            LedgerChanges::default()
        };
        self.transact(&query, &mut decide).await?;
        Ok(self
            .inner
            .hosts
            .iter()
            .map(|host| {
                let mine: Vec<&Booking> = view
                    .bookings
                    .iter()
                    .filter(|b| b.host == host.id() && b.is_live(now))
                    .collect();
                HostStatus {
                    host: host.clone(),
                    used_today: view.used_by(host.id()),
                    daily_limit: self.inner.daily_limit,
                    running_now: u32::try_from(
                        mine.iter()
                            .filter(|b| b.start <= now && b.end > now)
                            .count(),
                    )
                    .unwrap_or(u32::MAX),
                    upcoming: mine.len(),
                    next_free: next_free(host, &mine, now, self.inner.padding),
                }
            })
            .collect())
    }
}

/// Lapsed reservations in the view, to delete while writing anyway.
fn lapsed(view: &LedgerView, now: Timestamp) -> Vec<String> {
    view.bookings
        .iter()
        .filter(|b| !b.is_live(now))
        .map(|b| b.id.clone())
        .collect()
}

fn new_booking_id() -> String {
    format!("r:{:032x}", rand::random::<u128>())
}

fn until(now: Timestamp, at: Timestamp) -> Duration {
    Duration::try_from(at.duration_since(now)).unwrap_or_default()
}

fn no_host(start: Timestamp, end: Timestamp, hosts: Vec<HostLoad>, day: UtcDay) -> Error {
    let any_spent = hosts.iter().any(|h| h.out_of_quota);
    let all_spent = hosts.iter().all(|h| h.out_of_quota);
    let details = CapacityDetails {
        start,
        end,
        hosts,
        quota_resets_at: any_spent.then(|| day.next_reset()),
    };
    let message = format!(
        "no host of the pool can take a meeting from {start} to {end}: {}",
        details.summary()
    );
    let retry_after = all_spent.then(|| until(Timestamp::now(), day.next_reset()));
    Error::new(ErrorCode::NoHostAvailable, message)
        .with_retry_after(retry_after)
        .with_capacity(details)
}

fn host_busy(start: Timestamp, end: Timestamp, load: HostLoad, day: UtcDay) -> Error {
    let host = load.host.clone();
    let spent = load.out_of_quota;
    let details = CapacityDetails {
        start,
        end,
        quota_resets_at: spent.then(|| day.next_reset()),
        hosts: vec![load],
    };
    Error::new(
        ErrorCode::HostBusy,
        format!(
            "the meeting's host `{host}` cannot take it from {start} to {end}: {}; allow the \
             meeting to move to another host (it then gets a new join link) or pick another time",
            details.summary()
        ),
    )
    .with_capacity(details)
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
