//! [`RedisTokenStore`]: the `TokenStore` implementation.

use std::sync::LazyLock;
use std::time::Duration;

use meetschedify_core::hosts::{HostLedger, LedgerChanges, LedgerQuery, LedgerView};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    async_trait, DeleteOutcome, Error, Lease, Result, SaveCondition, SaveOutcome, TokenKey,
    TokenLeases, TokenRecord, TokenStore,
};
use rand::Rng;
use redis::aio::ConnectionManager;
use redis::Script;
use tracing::Instrument;

use crate::builder::RedisTokenStoreBuilder;
use crate::hosts::DEFAULT_HOST_LOCK_TTL;
use crate::keys::Keys;

/// Compare-and-swap in one script: Redis runs a script atomically
/// (https://redis.io/docs/latest/develop/interact/programmability/eval-intro/), so the check and
/// the write cannot interleave with another client's. Returns the new version, or 0 on conflict.
/// A hash with `v` but no `d` is a tombstone (a deleted record): absent for the conditions, but
/// its version continues, so versions never repeat for a key.
static SAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('HGET', KEYS[1], 'v')
local live = redis.call('HEXISTS', KEYS[1], 'd') == 1
if ARGV[1] == 'absent' then
  if live then return 0 end
elseif ARGV[1] == 'version' then
  if (not live) or cur ~= ARGV[2] then return 0 end
end
local v = (tonumber(cur) or 0) + 1
redis.call('HSET', KEYS[1], 'v', v, 'd', ARGV[3])
return v
",
    )
});

/// Conditional delete in one script: leaves a tombstone (`v` bumped, `d` removed). Returns 1 when
/// deleted (or nothing to delete and the condition allows it), 0 on conflict.
static DELETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cur = redis.call('HGET', KEYS[1], 'v')
local live = redis.call('HEXISTS', KEYS[1], 'd') == 1
if ARGV[1] == 'absent' then
  if live then return 0 end
  return 1
elseif ARGV[1] == 'version' then
  if (not live) or cur ~= ARGV[2] then return 0 end
end
if live then
  redis.call('HSET', KEYS[1], 'v', (tonumber(cur) or 0) + 1)
  redis.call('HDEL', KEYS[1], 'd')
end
return 1
",
    )
});

/// Deletes the lease only if this holder still has it (the pattern from
/// https://redis.io/docs/latest/develop/use/patterns/distributed-locks/).
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

/// Tokens in Redis (one hash per key: `v` the version, `d` the record as JSON; a deleted record
/// leaves a tombstone hash with only `v`, so versions never repeat), with
/// compare-and-swap by script and `SET NX PX` refresh leases. Cheap to clone.
#[derive(Clone)]
pub struct RedisTokenStore {
    conn: ConnectionManager,
    keys: Keys,
    host_lock_ttl: Duration,
    /// This instance's host-ledger transactions queue here per pool before they contend for
    /// the pool's Redis lock (see `hosts.rs`); shared by clones.
    pub(crate) pool_queues: crate::hosts::PoolQueues,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("key_prefix", &self.keys.prefix)
            .field("host_lock_ttl", &self.host_lock_ttl)
            .finish()
    }
}

pub(crate) fn redis_err(operation: &'static str) -> impl FnOnce(redis::RedisError) -> Error {
    move |e| Error::token_store(format!("redis {operation} failed: {e}"), e)
}

fn span(operation: &'static str, key: &TokenKey) -> tracing::Span {
    tracing::debug_span!(
        "token_store",
        backend = "redis",
        operation,
        provider = %key.provider_id,
        tenant = %key.tenant_id,
    )
}

impl RedisTokenStore {
    /// A builder: [`RedisTokenStoreBuilder::new`].
    pub fn builder() -> RedisTokenStoreBuilder {
        RedisTokenStoreBuilder::new()
    }

    /// Connects to `url` with default settings: exactly
    /// `Self::builder().with_url(url).build().await`.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::builder().with_url(url).build().await
    }

    /// A store over a connection manager you built, with a key prefix.
    pub fn from_connection_manager(conn: ConnectionManager, key_prefix: &str) -> Result<Self> {
        Ok(Self::from_parts(conn, Keys::new(key_prefix)?))
    }

    pub(crate) fn from_parts(conn: ConnectionManager, keys: Keys) -> Self {
        Self {
            conn,
            keys,
            host_lock_ttl: DEFAULT_HOST_LOCK_TTL,
            pool_queues: crate::hosts::PoolQueues::default(),
        }
    }

    /// Sets how long a host pool's lock lives if its holder never releases it (default 2 s):
    /// a process that dies mid-transaction blocks the pool this long. A holder that outlives
    /// it writes nothing (its write checks the lock) and decides again.
    pub fn with_host_lock_ttl(mut self, ttl: Duration) -> Self {
        self.host_lock_ttl = ttl;
        self
    }

    pub(crate) fn host_lock_ttl(&self) -> Duration {
        self.host_lock_ttl
    }

    pub(crate) fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The Redis key holding `key`'s record (a hash with fields `v` and `d`).
    pub fn record_key(&self, key: &TokenKey) -> String {
        self.keys.token(key)
    }

    /// The Redis key holding `key`'s refresh lease.
    pub fn lease_key(&self, key: &TokenKey) -> String {
        self.keys.lease(key)
    }

    /// The Redis key holding an idempotency record (a hash; see `IdempotencyStore`).
    pub fn idempotency_key(&self, key: &meetschedify_core::IdempotencyKey) -> String {
        self.keys.idempotency(key)
    }

    /// The Redis key marking an OAuth state's nonce as used.
    pub fn nonce_key(&self, nonce: &str) -> String {
        self.keys.nonce(nonce)
    }

    pub(crate) fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

#[async_trait]
impl TokenStore for RedisTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        let mut conn = self.conn.clone();
        let (version, data): (Option<String>, Option<String>) = redis::cmd("HMGET")
            .arg(self.keys.token(key))
            .arg("v")
            .arg("d")
            .query_async(&mut conn)
            .instrument(span("get", key))
            .await
            .map_err(redis_err("get"))?;
        match (version, data) {
            // Nothing, or a tombstone keeping a deleted record's version.
            (None | Some(_), None) => Ok(None),
            (Some(version), Some(data)) => {
                let version: u64 = version.parse().map_err(|e| {
                    Error::token_store(format!("the stored version for {key} is not a number"), e)
                })?;
                TokenRecord::from_stored_json(key, data.as_bytes(), version).map(Some)
            }
            (None, Some(_)) => Err(Error::new(
                meetschedify_core::ErrorCode::TokenStoreError,
                format!("the stored record for {key} is incomplete"),
            )),
        }
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        let data = record.to_stored_json()?;
        let (mode, expected) = match condition {
            SaveCondition::Absent => ("absent", String::new()),
            SaveCondition::Version(v) => ("version", v.to_string()),
            _ => ("always", String::new()),
        };
        let mut conn = self.conn.clone();
        let version: u64 = SAVE
            .key(self.keys.token(key))
            .arg(mode)
            .arg(expected)
            .arg(data)
            .invoke_async(&mut conn)
            .instrument(span("save", key))
            .await
            .map_err(redis_err("save"))?;
        Ok(if version == 0 {
            SaveOutcome::Conflict
        } else {
            SaveOutcome::Saved { version }
        })
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        let (mode, expected) = match condition {
            SaveCondition::Absent => ("absent", String::new()),
            SaveCondition::Version(v) => ("version", v.to_string()),
            _ => ("always", String::new()),
        };
        let mut conn = self.conn.clone();
        let deleted: i64 = DELETE
            .key(self.keys.token(key))
            .arg(mode)
            .arg(expected)
            .invoke_async(&mut conn)
            .instrument(span("delete", key))
            .await
            .map_err(redis_err("delete"))?;
        Ok(if deleted == 1 {
            DeleteOutcome::Deleted
        } else {
            DeleteOutcome::Conflict
        })
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        Some(self)
    }

    fn nonce_store(&self) -> Option<std::sync::Arc<dyn meetschedify_core::NonceStore>> {
        Some(std::sync::Arc::new(self.clone()))
    }

    fn host_ledger(&self) -> Option<std::sync::Arc<dyn HostLedger>> {
        Some(std::sync::Arc::new(self.clone()))
    }

    fn subscription_store(
        &self,
    ) -> Option<std::sync::Arc<dyn meetschedify_core::webhooks::SubscriptionStore>> {
        Some(std::sync::Arc::new(self.clone()))
    }
}

#[async_trait]
impl HostLedger for RedisTokenStore {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        self.transact_host_ledger(query, decide).await
    }
}

#[async_trait]
impl TokenLeases for RedisTokenStore {
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        let holder = format!("{:032x}", rand::thread_rng().gen::<u128>());
        // PX takes whole milliseconds, at least 1.
        let ttl_ms = u64::try_from(ttl.as_millis())
            .unwrap_or(u64::MAX / 2)
            .max(1);
        let started = Timestamp::now();
        let mut conn = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.keys.lease(key))
            .arg(&holder)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut conn)
            .instrument(span("try_acquire_lease", key))
            .await
            .map_err(redis_err("try_acquire_lease"))?;
        Ok(set.map(|_| {
            // Redis times the lease by its own clock; this is our conservative view of it.
            let expires_at = started
                .checked_add(Duration::from_millis(ttl_ms))
                .unwrap_or(Timestamp::MAX);
            Lease::new(key.clone(), holder, expires_at)
        }))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let mut conn = self.conn.clone();
        let _: i64 = RELEASE
            .key(self.keys.lease(&lease.key))
            .arg(&lease.holder)
            .invoke_async(&mut conn)
            .instrument(span("release_lease", &lease.key))
            .await
            .map_err(redis_err("release_lease"))?;
        Ok(())
    }
}
