//! The host pool's part of create, update and cancel: which Zoom user hosts a meeting, and
//! keeping the pool's ledger in step with what Zoom has.
//!
//! The decisions (which host is free, who has quota left) are core's [`HostPool`]; this file
//! only calls it at the right moments around the Zoom calls:
//!
//! * **create**: reserve a host, create on it, confirm the booking with the meeting id. A
//!   daily-limit 429 marks the host full for the day and the create moves to another host; no
//!   host left is `NO_HOST_AVAILABLE`. A definite failure releases the reservation; an unknown
//!   outcome keeps it (it lapses, or a repeat with the same key confirms it).
//! * **update**: a new time is a reschedule on the meeting's host; if it no longer fits and the
//!   caller allowed it, the meeting is re-created on another host and the old one deleted.
//!   Other updates are counted against the host's day.
//! * **cancel**: the booking is forgotten.
//! * **start**: the first create or update of an instance rebuilds the bookings from each
//!   host's upcoming meetings.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use meetschedify_core::hosts::{
    CapacityDetails, HostLoad, HostPool, PoolHost, Rebuilt, Reschedule, Reservation, UtcDay,
};
use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::{
    CreatedMeeting, Error, ErrorCode, MeetingContext, Result, UpdatedMeeting, ValidatedCreate,
    ValidatedUpdate,
};
use reqwest::Method;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::api::{Budget, Call};
use crate::body::moved_body;
use crate::create::Made;
use crate::errors::{is_daily_limit, unexpected};
use crate::mapping::{meeting_id, to_created};
use crate::marker::Marker;
use crate::provider::ZoomProvider;

/// Zoom's largest list page.
const PAGE_SIZE: &str = "300";

/// After a failed rebuild, calls within this long skip it: the calls queued behind the failed
/// one would otherwise each list every host again, one after the other.
const REBUILD_COOLDOWN: Duration = Duration::from_secs(30);

/// A provider's pool and whether its bookings were rebuilt since the instance started.
pub(crate) struct PoolState {
    pool: HostPool,
    rebuilt: OnceCell<()>,
    /// When the last rebuild failed.
    failed_at: Mutex<Option<Instant>>,
}

impl PoolState {
    pub(crate) fn new(pool: HostPool) -> Self {
        Self {
            pool,
            rebuilt: OnceCell::new(),
            failed_at: Mutex::new(None),
        }
    }

    pub(crate) fn pool(&self) -> &HostPool {
        &self.pool
    }

    /// The pool host (as configured) of a meeting, from Zoom's `host_email`, else `host_id`,
    /// compared without case; `None` for a meeting of a user outside the pool (not accounted).
    pub(crate) fn host_of(&self, meeting: &Value) -> Option<String> {
        ["host_email", "host_id"]
            .iter()
            .filter_map(|key| meeting.get(*key).and_then(Value::as_str))
            .find_map(|user| self.pool.host(user))
            .map(|host| host.id().to_owned())
    }

    /// Forgets a deleted meeting's booking. A ledger failure is logged, not returned: the
    /// meeting is gone at Zoom, and the next rebuild drops the booking anyway.
    pub(crate) async fn forget(&self, meeting_id: &str) {
        if let Err(err) = self.pool.forget_meeting(meeting_id).await {
            tracing::warn!(meeting_id, error = %err, "could not free a deleted meeting's host booking");
        }
    }
}

/// The meeting's start and end from Zoom's JSON (`start_time` plus `duration` minutes).
fn interval(meeting: &Value) -> Option<(Timestamp, Timestamp)> {
    let start: Timestamp = meeting.get("start_time")?.as_str()?.parse().ok()?;
    let minutes = meeting.get("duration")?.as_i64()?;
    let end = start.checked_add(SignedDuration::from_mins(minutes)).ok()?;
    Some((start, end))
}

/// Whether Zoom certainly refused a call (a 4xx answer): the call changed nothing.
fn refused(err: &Error) -> bool {
    err.http_status().is_some_and(|s| (400..500).contains(&s)) && !err.outcome_unknown()
}

impl ZoomProvider {
    /// Rebuilds the bookings once per instance, before its first create or update.
    ///
    /// A failure is logged and the call goes on; a create or update 30 s later or more tries
    /// again (sooner, the calls queued behind the failed one would each list every host again,
    /// one after the other). Failing the create instead would make scheduling depend on listing
    /// every host (a Zoom outage of the list endpoint, or one host removed from the account,
    /// would stop all creates), while going on risks only what the rebuild corrects: meetings
    /// made outside this library, or lost with a memory ledger. Bookings the library made itself
    /// are already in a shared ledger.
    async fn ensure_rebuilt(&self, state: &PoolState) {
        let failed_at = || *state.failed_at.lock().unwrap_or_else(|e| e.into_inner());
        if failed_at().is_some_and(|at| at.elapsed() < REBUILD_COOLDOWN) {
            return;
        }
        let result = state
            .rebuilt
            .get_or_try_init(|| async {
                // Queued behind a rebuild that just failed: go on without trying again.
                if failed_at().is_some_and(|at| at.elapsed() < REBUILD_COOLDOWN) {
                    return Err(None);
                }
                self.rebuild(&state.pool).await.map(drop).map_err(Some)
            })
            .await;
        if let Err(Some(err)) = result {
            *state.failed_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            tracing::warn!(
                error = %err,
                "could not rebuild the host pool's bookings from zoom; going on, and trying again in 30 s"
            );
        }
    }

    /// See [`ZoomProvider::rebuild_host_bookings`].
    pub(crate) async fn rebuild(&self, pool: &HostPool) -> Result<Vec<(String, Rebuilt)>> {
        let mut out = Vec::with_capacity(pool.hosts().len());
        for host in pool.hosts() {
            // Taken before the list is read: bookings written after it are the library's own
            // creates finishing meanwhile, and the rebuild keeps them.
            let listed_at = Timestamp::now();
            let meetings = self.upcoming(host.id()).await?;
            let rebuilt = pool.rebuild_host(host.id(), &meetings, listed_at).await?;
            out.push((host.id().to_owned(), rebuilt));
        }
        Ok(out)
    }

    /// Every upcoming meeting of `host` (live ones included), as (id, start, end).
    async fn upcoming(&self, host: &str) -> Result<Vec<(String, Timestamp, Timestamp)>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut call = Call::new(
                Method::GET,
                "GET /users/{userId}/meetings",
                format!("/users/{host}/meetings"),
            )
            // "All upcoming meetings, including live meetings."
            .with_query("type", "upcoming")
            .with_query("page_size", PAGE_SIZE);
            if let Some(token) = &cursor {
                call = call.with_query("next_page_token", token.clone());
            }
            let page = self.retrying(&call).await?.body;
            let listed = page
                .as_ref()
                .and_then(|p| p.get("meetings"))
                .and_then(Value::as_array)
                .ok_or_else(|| unexpected("a meeting list that is not a page", self.id_ref()))?;
            for item in listed {
                if let (Some(id), Some((start, end))) = (meeting_id(item), interval(item)) {
                    if end > start {
                        out.push((id, start, end));
                    }
                }
            }
            cursor = page
                .as_ref()
                .and_then(|p| p.get("next_page_token"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if cursor.is_none() {
                return Ok(out);
            }
        }
    }

    /// Corrects a host's count from Zoom's own figure, when the answer carried it for the
    /// daily budget. A ledger failure is logged: the count the pool kept still holds.
    async fn note_budget(&self, pool: &HostPool, host: &str, budget: Budget) {
        let Some(remaining) = budget.daily_remaining(pool.daily_limit()) else {
            return;
        };
        if let Err(err) = pool.note_remaining(host, remaining).await {
            tracing::warn!(host, error = %err, "could not record zoom's remaining daily quota");
        }
    }

    /// A daily-limit 429 for `host`: no instance picks it again today.
    async fn note_exhausted(&self, pool: &HostPool, host: &str) {
        tracing::warn!(
            host,
            "zoom says the host made its creates and updates for today; it takes no more until 00:00 UTC"
        );
        if let Err(err) = pool.note_exhausted(host).await {
            tracing::warn!(host, error = %err, "could not record that the host is out of quota");
        }
    }

    async fn release(&self, pool: &HostPool, reservation: &Reservation) {
        if let Err(err) = pool.release(reservation).await {
            // It lapses after the pending TTL anyway.
            tracing::warn!(host = reservation.host(), error = %err, "could not release a host reservation");
        }
    }

    /// Creates a meeting on a pool host; `pinned` restricts it to that host (a request's
    /// `user_id` naming a pool host).
    pub(crate) async fn create_in_pool(
        &self,
        state: &PoolState,
        request: &ValidatedCreate,
        body: &Value,
        marker: Option<&Marker>,
        pinned: Option<&PoolHost>,
    ) -> Result<CreatedMeeting> {
        self.ensure_rebuilt(state).await;
        let pool = &state.pool;
        let req = request.request();
        let (start, end) = (request.time().start_utc(), request.time().end_utc());
        // A keyed create books under a name derived from its key, like its marker: a repeat
        // finds the same booking, so it lands on the same host, whose meetings its duplicate
        // lookup then reads, and is not counted twice.
        let booking_key = req.idempotency_key.as_ref().map(|key| {
            KeyDigest::derive(
                "meetschedify-zoom/host-booking/v1",
                self.id_ref(),
                &req.tenant_id,
                key,
            )
            .to_hex(32)
        });
        let mut exclude: Vec<String> = match pinned {
            Some(only) => pool
                .hosts()
                .iter()
                .filter(|h| h.id() != only.id())
                .map(|h| h.id().to_owned())
                .collect(),
            None => Vec::new(),
        };
        // Each turn either returns or excludes one more host, so the loop ends, at the latest
        // with NO_HOST_AVAILABLE from `reserve`.
        loop {
            let reservation = match &booking_key {
                Some(key) => pool.reserve_keyed(key, start, end, &exclude).await?,
                None => pool.reserve(start, end, &exclude).await?,
            };
            let host = reservation.host().to_owned();
            let made = self
                .create_call(
                    &host,
                    body,
                    marker,
                    req.idempotency_key.is_some(),
                    request.title(),
                    start,
                )
                .run()
                .await;
            match made {
                Ok(Made { meeting, budget }) => {
                    self.note_budget(pool, &host, budget).await;
                    let id = meeting_id(&meeting)
                        .ok_or_else(|| unexpected("a meeting without an id", self.id_ref()))?;
                    if let Err(err) = pool.confirm(&reservation, &id).await {
                        // The meeting exists: failing now would invite a second create. The
                        // reservation holds the slot until it lapses, and the next rebuild
                        // books the meeting for good.
                        tracing::warn!(host, meeting_id = %id, error = %err, "could not confirm the host booking");
                    }
                    return Ok(
                        to_created(meeting, self.id_ref(), req.metadata.clone())?.with_host(host)
                    );
                }
                // Not retried on this host (the retry loop stops at a non-retryable 429):
                // another host has its own quota.
                Err(err) if is_daily_limit(&err) => {
                    self.note_exhausted(pool, &host).await;
                    self.release(pool, &reservation).await;
                    exclude.push(host);
                }
                // The meeting may exist: the reservation keeps its slot until it lapses, or a
                // repeat with the same key confirms it.
                Err(err) if err.outcome_unknown() => return Err(err),
                Err(err) => {
                    self.release(pool, &reservation).await;
                    return Err(err);
                }
            }
        }
    }

    /// Updates a meeting of pool host `host`.
    pub(crate) async fn update_in_pool(
        &self,
        state: &PoolState,
        host: &str,
        ctx: &MeetingContext,
        id: &str,
        update: &ValidatedUpdate,
        before: Value,
    ) -> Result<UpdatedMeeting> {
        self.ensure_rebuilt(state).await;
        let pool = &state.pool;
        let old = interval(&before);
        let new = update
            .time()
            .map(|t| (t.start_utc(), t.end_utc()))
            .filter(|t| Some(*t) != old);
        let Some((start, end)) = new else {
            // Same time: only the count changes. Metadata alone sends Zoom nothing.
            if Self::sends_patch(update) {
                pool.charge_update(host).await?;
            }
            return self.patch_counted(pool, host, id, update, before).await;
        };
        match pool
            .reschedule(id, host, start, end, update.request().allow_host_change)
            .await?
        {
            Reschedule::Stays => {
                let result = self.patch_counted(pool, host, id, update, before).await;
                if let (Err(err), Some((old_start, old_end))) = (&result, old) {
                    if refused(err) {
                        // The meeting kept its time at Zoom: its booking goes back (best
                        // effort; it counts as one more update, which errs on the safe side).
                        if let Err(back) =
                            pool.reschedule(id, host, old_start, old_end, false).await
                        {
                            tracing::warn!(meeting_id = id, host, error = %back, "could not move the host booking back after a refused update");
                        }
                    }
                }
                result
            }
            Reschedule::Moves(reservation) => {
                self.move_meeting(state, ctx, id, update, &before, reservation)
                    .await
            }
        }
    }

    /// [`patch`](Self::patch), correcting the host's count from Zoom's answer; a daily 429
    /// marks the host full and is `HOST_BUSY`.
    async fn patch_counted(
        &self,
        pool: &HostPool,
        host: &str,
        id: &str,
        update: &ValidatedUpdate,
        before: Value,
    ) -> Result<UpdatedMeeting> {
        match self.patch(id, update, before).await {
            Ok((mut updated, budget)) => {
                self.note_budget(pool, host, budget).await;
                updated.meeting = updated.meeting.with_host(host);
                Ok(updated)
            }
            Err(err) if is_daily_limit(&err) => {
                self.note_exhausted(pool, host).await;
                let now = Timestamp::now();
                let details = CapacityDetails {
                    start: now,
                    end: now,
                    hosts: vec![HostLoad {
                        host: host.to_owned(),
                        used_today: pool.daily_limit(),
                        out_of_quota: true,
                        free_at: None,
                        excluded: false,
                    }],
                    quota_resets_at: Some(UtcDay::of(now).next_reset()),
                };
                Err(Error::new(
                    ErrorCode::HostBusy,
                    format!(
                        "the meeting's host `{host}` has no meeting creates or updates left today \
                         (zoom's daily limit); its quota resets at 00:00 UTC"
                    ),
                )
                .with_retry_after(err.retry_after())
                .with_capacity(details)
                .with_source(err))
            }
            Err(err) => Err(err),
        }
    }

    /// Moves meeting `old_id` to the reserved host: a new meeting there with everything the
    /// old one had and the new time, then the old one deleted.
    async fn move_meeting(
        &self,
        state: &PoolState,
        ctx: &MeetingContext,
        old_id: &str,
        update: &ValidatedUpdate,
        before: &Value,
        reservation: Reservation,
    ) -> Result<UpdatedMeeting> {
        let pool = &state.pool;
        // The marker keeps the owner's tag, so the new meeting stays the tenant's.
        let marker = before
            .get("agenda")
            .and_then(Value::as_str)
            .and_then(Marker::find_in);
        let body = moved_body(before, update, marker.as_ref());
        let topic = body
            .get("topic")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let host = reservation.host().to_owned();
        let made = self
            .create_call(
                &host,
                &body,
                marker.as_ref(),
                false,
                &topic,
                reservation.start(),
            )
            .run()
            .await;
        let Made { meeting, budget } = match made {
            Ok(made) => made,
            Err(err) if err.outcome_unknown() => return Err(err),
            Err(err) => {
                if is_daily_limit(&err) {
                    self.note_exhausted(pool, &host).await;
                }
                self.release(pool, &reservation).await;
                return Err(err);
            }
        };
        self.note_budget(pool, &host, budget).await;
        let new_id = meeting_id(&meeting)
            .ok_or_else(|| unexpected("a meeting without an id", self.id_ref()))?;
        if let Err(err) = pool.confirm(&reservation, &new_id).await {
            tracing::warn!(host, meeting_id = %new_id, error = %err, "could not confirm the host booking");
        }
        match self.delete_call(old_id, ctx.notify_participants).await {
            Ok(_) => state.forget(old_id).await,
            Err(err) if refused(&err) => {
                // Zoom refused to delete the old meeting: undo the move rather than leave two.
                tracing::warn!(old_meeting_id = old_id, new_meeting_id = %new_id, error = %err, "zoom refused to delete the moved meeting's old copy; deleting the new one");
                if let Err(undo) = self.delete_call(&new_id, Some(false)).await {
                    tracing::error!(meeting_id = %new_id, error = %undo, "could not delete the new copy of a meeting whose move failed: delete it by hand");
                }
                state.forget(&new_id).await;
                return Err(err.with_note("the meeting was not moved"));
            }
            Err(err) => {
                // Whether the old meeting is gone is unknown; the new one exists and is the
                // answer. The old booking stays, so its host is not double-booked meanwhile.
                tracing::error!(old_meeting_id = old_id, new_meeting_id = %new_id, error = %err, "the meeting moved to another host, but deleting the old one failed: cancel it");
            }
        }
        tracing::info!(
            old_meeting_id = old_id,
            new_meeting_id = %new_id,
            host,
            "zoom meeting moved to another host: it has a new id and join link"
        );
        let metadata = update.request().metadata.clone().unwrap_or_default();
        let created: CreatedMeeting = to_created(meeting, self.id_ref(), metadata)?.with_host(host);
        Ok(UpdatedMeeting::new(created, true).with_previous_meeting_id(old_id))
    }
}
