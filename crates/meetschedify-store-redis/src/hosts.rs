//! `HostLedger` for [`RedisTokenStore`]: a host pool's bookings and daily counts, read and
//! written under a per-pool lock that every write re-checks.
//!
//! Keys, per pool, under `{prefix}hosts:{<pool>}:` (a hash tag, so they share a cluster slot):
//! - `lock`: the pool's lock, `SET lock <token> NX PX <ttl>`;
//! - `bookings`: a hash, booking id to the booking as JSON;
//! - `by_start`: a sorted set of booking ids scored by start (Unix ms), for window reads;
//! - `by_meeting`: a hash, meeting id to a JSON array of the ids of its bookings;
//! - `max_len`: the longest booking ever put (ms): a booking overlapping `[from, to)` starts in
//!   `[from - max_len, to)`, so a window read scans that score range and filters the rest
//!   (`end > from`, the host) in Rust;
//! - `used:<day>`: a hash, host to its count on that UTC day, expiring at the end of the next.
//!
//! A transaction is two scripts, and Redis runs each script atomically: no other command runs
//! while it does (<https://redis.io/docs/latest/develop/interact/programmability/eval-intro/>).
//! [`READ`] takes the lock and, only if it got it, reads the view, in one round trip; when the
//! pool is locked it returns nothing and the transaction waits (short jittered sleeps, bounded
//! by [`LOCK_WAIT`]) and tries again. [`WRITE`] first checks that the lock still holds this
//! transaction's token (fencing: a holder paused past the lock's time to live must not write
//! over a decision made since), then applies the changes and releases the lock. If the lock had
//! lapsed, nothing is written and the transaction starts again: read again, decide again. A
//! transaction with no changes only releases the lock (compare-and-delete). So a reserve is
//! two round trips when the pool is free. No dedicated connection is needed: the multiplexed
//! connection manager carries both scripts.
//!
//! Within one instance, transactions on a pool first queue on an in-process FIFO lock
//! ([`PoolQueues`]), so only one of them at a time polls the Redis lock. Without it, hundreds of
//! concurrent creates in one process each poll Redis every few milliseconds: the polls slow the
//! holder's own scripts, and polling is not fair, so one unlucky waiter can starve past
//! [`LOCK_WAIT`] (seen with 4 instances × 200 concurrent creates on a loaded 2-core machine).
//! Across instances the Redis lock still decides; in-process, Tokio's mutex serves waiters in
//! order.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use meetschedify_core::hosts::{Booking, LedgerChanges, LedgerQuery, LedgerView};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{Error, ErrorCode, Result};
use rand::Rng;
use redis::Script;
use tracing::Instrument;

use crate::store::{redis_err, RedisTokenStore};

/// One FIFO lock per pool name, shared by an instance's clones: its transactions on a pool take
/// turns before one of them contends for the pool's Redis lock.
#[derive(Clone, Default)]
pub(crate) struct PoolQueues(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

impl PoolQueues {
    /// The queue of `pool` (made on first use; one small entry per pool name ever used).
    fn of(&self, pool: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        queues.entry(pool.to_owned()).or_default().clone()
    }
}

/// How long a transaction waits for a locked pool before failing with `TOKEN_STORE_ERROR`.
pub(crate) const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The lock's default time to live: far above a transaction's two round trips, and short
/// enough that a process dying while it holds the lock blocks the pool only briefly.
pub(crate) const DEFAULT_HOST_LOCK_TTL: Duration = Duration::from_secs(2);

/// The longest sleep between two tries for a locked pool.
const MAX_BACKOFF_MS: u64 = 8;

/// One write in this many also deletes bookings that ended over a day ago.
const PURGE_EVERY: u32 = 64;

/// How long an ended booking is kept: what `HostLedger` allows a ledger to forget.
const KEEP_ENDED_MS: i64 = 86_400_000;

/// The key parts, in the order the scripts take them as `KEYS`.
const PARTS: [&str; 5] = ["lock", "bookings", "by_start", "by_meeting", "max_len"];

/// Takes the lock (`ARGV[1]` token, `ARGV[2]` ttl ms) and reads. `ARGV[3]` is `1` for a window
/// read from `ARGV[4]` to `ARGV[5]`; then the hosts, meeting ids and booking ids, each list as
/// its length followed by its items. Returns nil when the pool is locked, else the bookings'
/// JSON (each once) and the hosts' counts (`KEYS[6]` is the day's counts), in order.
static READ: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local window, from, to = ARGV[3] == '1', tonumber(ARGV[4]), ARGV[5]
local i = 6
local function list()
  local n, out = tonumber(ARGV[i]), {}
  for j = 1, n do out[j] = ARGV[i + j] end
  i = i + n + 1
  return out
end
local hosts, meetings, bookings = list(), list(), list()
local ids, seen = {}, {}
local function add(id)
  if not seen[id] then seen[id] = true; ids[#ids + 1] = id end
end
if window and #hosts > 0 then
  local max_len = tonumber(redis.call('GET', KEYS[5]) or '0')
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], from - max_len, '(' .. to)) do add(id) end
end
for _, m in ipairs(meetings) do
  local of = redis.call('HGET', KEYS[4], m)
  if of then for _, id in ipairs(cjson.decode(of)) do add(id) end end
end
for _, id in ipairs(bookings) do add(id) end
local found = {}
for _, id in ipairs(ids) do
  local json = redis.call('HGET', KEYS[2], id)
  if json then found[#found + 1] = json end
end
local used = {}
for j, h in ipairs(hosts) do used[j] = redis.call('HGET', KEYS[6], h) or '0' end
return {found, used}
",
    )
});

/// Applies changes if `ARGV[1]` still holds the lock, then releases it; 1 when written, 0 when
/// the lock had lapsed. `ARGV[2]` is when the day's counts expire (ms), `ARGV[3]` a cut-off
/// before which ended bookings are deleted (0: no purge); then removes (ids), puts (id, JSON,
/// start ms, length ms, meeting id or '': an empty meeting id is not indexed), charges and raises (host, n), each list as its
/// length in items followed by its items.
static WRITE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local i = 4
local function list(width)
  local n, out = tonumber(ARGV[i]), {}
  for j = 1, n do
    local item = {}
    for k = 1, width do item[k] = ARGV[i + (j - 1) * width + k] end
    out[j] = item
  end
  i = i + n * width + 1
  return out
end
local function unindex(id)
  local old = redis.call('HGET', KEYS[2], id)
  if not old then return end
  local m = cjson.decode(old).meeting_id
  if type(m) ~= 'string' then return end
  local of = redis.call('HGET', KEYS[4], m)
  if not of then return end
  local keep = {}
  for _, x in ipairs(cjson.decode(of)) do if x ~= id then keep[#keep + 1] = x end end
  if #keep == 0 then redis.call('HDEL', KEYS[4], m) else redis.call('HSET', KEYS[4], m, cjson.encode(keep)) end
end
local function remove(id)
  unindex(id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end
local removes, puts, charges, raises = list(1), list(5), list(2), list(2)
for _, r in ipairs(removes) do remove(r[1]) end
local max_len = tonumber(redis.call('GET', KEYS[5]) or '0')
for _, p in ipairs(puts) do
  local id, json, start, len, m = p[1], p[2], p[3], tonumber(p[4]), p[5]
  unindex(id)
  redis.call('HSET', KEYS[2], id, json)
  redis.call('ZADD', KEYS[3], start, id)
  if m ~= '' then
    local of = redis.call('HGET', KEYS[4], m)
    local members = of and cjson.decode(of) or {}
    local present = false
    for _, x in ipairs(members) do if x == id then present = true end end
    if not present then members[#members + 1] = id end
    redis.call('HSET', KEYS[4], m, cjson.encode(members))
  end
  if len > max_len then max_len = len; redis.call('SET', KEYS[5], len) end
end
for _, c in ipairs(charges) do redis.call('HINCRBY', KEYS[6], c[1], c[2]) end
for _, r in ipairs(raises) do
  local cur = tonumber(redis.call('HGET', KEYS[6], r[1]) or '0')
  if tonumber(r[2]) > cur then redis.call('HSET', KEYS[6], r[1], r[2]) end
end
if #charges + #raises > 0 then redis.call('PEXPIREAT', KEYS[6], ARGV[2]) end
if ARGV[3] ~= '0' then
  local cutoff = tonumber(ARGV[3]) - max_len
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. string.format('%d', cutoff), 'LIMIT', 0, 1000)) do
    remove(id)
  end
end
redis.call('DEL', KEYS[1])
return 1
",
    )
});

/// Deletes the lock only if it still holds this transaction's token (the pattern from
/// <https://redis.io/docs/latest/develop/use/patterns/distributed-locks/>).
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Appends `items` to a script invocation as its length then the items.
fn push_list<'a>(invocation: &mut redis::ScriptInvocation<'a>, items: &[String]) {
    invocation.arg(items.len());
    for item in items {
        invocation.arg(item);
    }
}

fn parse_err(what: &str, e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::token_store(format!("redis host ledger: {what}"), e)
}

impl RedisTokenStore {
    /// The keys of `pool`, in the order the scripts take them, the day's counts last.
    fn host_keys(&self, query: &LedgerQuery) -> Vec<String> {
        let base = self.keys().host_pool(&query.pool);
        let mut keys: Vec<String> = PARTS.iter().map(|p| format!("{base}{p}")).collect();
        keys.push(format!("{base}used:{}", query.day.number()));
        keys
    }

    /// `HostLedger::transact` (see the module documentation).
    pub(crate) async fn transact_host_ledger(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        let keys = self.host_keys(query);
        // This instance's turn first (FIFO); the wait for other instances starts after it.
        let queue = self.pool_queues.of(&query.pool);
        let _turn = queue.lock().await;
        let started = Instant::now();
        let mut backoff_ms = 1u64;
        loop {
            let token = format!("{:032x}", rand::thread_rng().gen::<u128>());
            let Some(view) = self.read_locked(query, &keys, &token).await? else {
                if started.elapsed() >= LOCK_WAIT {
                    return Err(Error::new(
                        ErrorCode::TokenStoreError,
                        format!(
                            "redis host ledger: pool `{}` stayed locked for {} s",
                            query.pool,
                            LOCK_WAIT.as_secs()
                        ),
                    )
                    .with_retryable(true));
                }
                // Jittered, so waiters spread out instead of polling in step.
                let sleep = rand::thread_rng().gen_range(backoff_ms / 2 + 1..=backoff_ms);
                tokio::time::sleep(Duration::from_millis(sleep)).await;
                backoff_ms = (backoff_ms * 2).min(MAX_BACKOFF_MS);
                continue;
            };
            let changes = decide(&view);
            if changes.is_empty() {
                self.release_host_lock(&keys, &token).await?;
                return Ok(());
            }
            if self.write_locked(query, &keys, &token, &changes).await? {
                return Ok(());
            }
            tracing::debug!(pool = %query.pool, "host pool lock lapsed before the write; again");
        }
    }

    /// Takes the lock and reads, in one script; `None` when the pool is locked.
    async fn read_locked(
        &self,
        query: &LedgerQuery,
        keys: &[String],
        token: &str,
    ) -> Result<Option<LedgerView>> {
        let ttl_ms = u64::try_from(self.host_lock_ttl().as_millis())
            .unwrap_or(u64::MAX / 2)
            .max(1);
        let mut invocation = READ.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        invocation.arg(token).arg(ttl_ms);
        match query.window {
            Some((from, to)) => invocation
                .arg(1)
                .arg(from.as_millisecond())
                .arg(to.as_millisecond()),
            None => invocation.arg(0).arg(0).arg(0),
        };
        push_list(&mut invocation, &query.hosts);
        push_list(&mut invocation, &query.meeting_ids);
        push_list(&mut invocation, &query.booking_ids);
        let mut conn = self.connection();
        let read: Option<(Vec<String>, Vec<String>)> = invocation
            .invoke_async(&mut conn)
            .instrument(tracing::debug_span!(
                "host_ledger",
                backend = "redis",
                operation = "read",
                pool = %query.pool
            ))
            .await
            .map_err(redis_err("host ledger read"))?;
        let Some((jsons, used)) = read else {
            return Ok(None);
        };
        let mut view = LedgerView::default();
        for json in jsons {
            let booking: Booking = serde_json::from_str(&json)
                .map_err(|e| parse_err("a stored booking is not valid JSON", e))?;
            let by_time = query.window.is_some_and(|(from, to)| {
                booking.overlaps(from, to) && query.hosts.contains(&booking.host)
            });
            let named = booking
                .meeting_id
                .as_ref()
                .is_some_and(|m| query.meeting_ids.contains(m))
                || query.booking_ids.contains(&booking.id);
            // The window's candidates include bookings that ended before it, or of other hosts.
            if by_time || named {
                view.bookings.push(booking);
            }
        }
        for (host, used) in query.hosts.iter().zip(used) {
            let used: u32 = used
                .parse::<u64>()
                .map_err(|e| parse_err("a stored count is not a number", e))?
                .try_into()
                .unwrap_or(u32::MAX);
            if used > 0 {
                view.used.insert(host.clone(), used);
            }
        }
        Ok(Some(view))
    }

    /// Writes `changes` if the lock still holds `token`, and releases it; whether it wrote.
    async fn write_locked(
        &self,
        query: &LedgerQuery,
        keys: &[String],
        token: &str,
        changes: &LedgerChanges,
    ) -> Result<bool> {
        let expire_at_ms = (query.day.number() + 2).saturating_mul(86_400_000);
        let purge_before = if rand::random::<u32>() % PURGE_EVERY == 0 {
            Timestamp::now()
                .as_millisecond()
                .saturating_sub(KEEP_ENDED_MS)
        } else {
            0
        };
        let mut invocation = WRITE.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        invocation.arg(token).arg(expire_at_ms).arg(purge_before);
        push_list(&mut invocation, &changes.remove);
        invocation.arg(changes.put.len());
        for booking in &changes.put {
            let json = serde_json::to_string(booking)
                .map_err(|e| parse_err("a booking could not be written as JSON", e))?;
            let (start, end) = (booking.start.as_millisecond(), booking.end.as_millisecond());
            invocation
                .arg(&booking.id)
                .arg(json)
                .arg(start)
                .arg(end.saturating_sub(start))
                .arg(booking.meeting_id.as_deref().unwrap_or(""));
        }
        for counts in [&changes.charge, &changes.raise_used] {
            invocation.arg(counts.len());
            for (host, n) in counts {
                invocation.arg(host).arg(*n);
            }
        }
        let mut conn = self.connection();
        let written: i64 = invocation
            .invoke_async(&mut conn)
            .instrument(tracing::debug_span!(
                "host_ledger",
                backend = "redis",
                operation = "write",
                pool = %query.pool
            ))
            .await
            .map_err(redis_err("host ledger write"))?;
        Ok(written == 1)
    }

    async fn release_host_lock(&self, keys: &[String], token: &str) -> Result<()> {
        let mut conn = self.connection();
        let _: i64 = RELEASE
            // The lock is the first key.
            .key(&keys[0])
            .arg(token)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err("host ledger release"))?;
        Ok(())
    }
}
