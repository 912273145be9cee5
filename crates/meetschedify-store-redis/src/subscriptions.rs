//! `SubscriptionStore` for [`RedisTokenStore`]: Google channels and Graph subscriptions shared by
//! every instance on the Redis.
//!
//! Per provider, under the hash tag `{<provider>}` (so on a Redis Cluster one script reaches
//! them all): a hash per subscription (`sub:{id}`), a set of ids per tenant (`tenant:{tenant}`)
//! and a sorted set of ids scored by expiry in Unix milliseconds (`expiry`). Writes run as Lua
//! scripts, which Redis runs atomically
//! (<https://redis.io/docs/latest/develop/interact/programmability/eval-intro/>), so no reader
//! sees a subscription without its index entries or an index entry left behind.

use std::collections::HashMap;
use std::sync::LazyLock;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{async_trait, Error, ErrorCode, ProviderId, Result, TenantId};
use redis::Script;
use tracing::Instrument;

use crate::store::{redis_err, RedisTokenStore};

/// Put: drops the id from the set of the tenant it was stored under (the hash remembers that
/// set's key in `tk`, so the script computes no key names itself), rewrites the hash whole,
/// and indexes the id under its tenant and expiry.
///
/// KEYS: the hash, the new tenant's set, the expiry index. ARGV: id, tenant, resource, secret,
/// expiry ms, vendor resource id present (`1`/`0`), vendor resource id, cursor present,
/// cursor.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local old = redis.call('HGET', KEYS[1], 'tk')
if old and old ~= KEYS[2] then redis.call('SREM', old, ARGV[1]) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 't', ARGV[2], 'r', ARGV[3], 's', ARGV[4], 'e', ARGV[5], 'tk', KEYS[2])
if ARGV[6] == '1' then redis.call('HSET', KEYS[1], 'v', ARGV[7]) end
if ARGV[8] == '1' then redis.call('HSET', KEYS[1], 'c', ARGV[9]) end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
return 1
",
    )
});

/// Remove: the hash and both index entries, or nothing. KEYS: the hash, the expiry index.
/// ARGV: id. Returns 1 when the subscription was held.
static REMOVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local tenant_set = redis.call('HGET', KEYS[1], 'tk')
if not tenant_set then return 0 end
redis.call('SREM', tenant_set, ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1
",
    )
});

/// Compare-and-set of the cursor (field `c`, absent for `None`). KEYS: the hash. ARGV:
/// expected present, expected, next present, next. Returns 1 when it moved.
static ADVANCE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local cur = redis.call('HGET', KEYS[1], 'c')
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '1' then
  redis.call('HSET', KEYS[1], 'c', ARGV[4])
else
  redis.call('HDEL', KEYS[1], 'c')
end
return 1
",
    )
});

fn span(operation: &'static str, provider: &ProviderId) -> tracing::Span {
    tracing::debug_span!(
        "subscription_store",
        backend = "redis",
        operation,
        provider = %provider,
    )
}

/// `1` and the value, or `0` and nothing: how the scripts receive an `Option`.
fn optional(value: Option<&str>) -> (&'static str, &str) {
    match value {
        Some(v) => ("1", v),
        None => ("0", ""),
    }
}

fn corrupt(provider: &ProviderId, id: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::TokenStoreError,
        format!("the stored subscription {provider}/{id} is corrupt: {what}"),
    )
    .with_retryable(false)
}

/// A subscription from its hash's fields; `None` for an empty hash (not held).
fn from_hash(
    provider: &ProviderId,
    id: &str,
    mut fields: HashMap<String, String>,
) -> Result<Option<Subscription>> {
    if fields.is_empty() {
        return Ok(None);
    }
    let mut take = |field: &str| {
        fields
            .remove(field)
            .ok_or_else(|| corrupt(provider, id, &format!("field `{field}` is missing")))
    };
    let (tenant, resource, secret, expires) = (take("t")?, take("r")?, take("s")?, take("e")?);
    let expires_at = expires
        .parse::<i64>()
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .ok_or_else(|| corrupt(provider, id, "the expiry is not a time"))?;
    let mut sub = Subscription::new(
        provider.clone(),
        TenantId::new(tenant),
        id,
        resource,
        SecretString::from(secret),
        expires_at,
    )
    .with_cursor(fields.remove("c"));
    if let Some(vendor) = fields.remove("v") {
        sub = sub.with_vendor_resource_id(vendor);
    }
    Ok(Some(sub))
}

impl RedisTokenStore {
    /// The Redis key of the hash holding subscription `id` of `provider`.
    pub fn subscription_key(&self, provider: &ProviderId, id: &str) -> String {
        self.keys().subscription(provider.as_str(), id)
    }

    /// Reads the hashes of `ids` in one round trip, keeping those still held and passing
    /// `keep`: an id read from an index may have been removed or moved since.
    async fn read_subscriptions(
        &self,
        provider: &ProviderId,
        ids: Vec<String>,
        keep: impl Fn(&Subscription) -> bool,
    ) -> Result<Vec<Subscription>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.hgetall(self.subscription_key(provider, id));
        }
        let mut conn = self.connection();
        let hashes: Vec<HashMap<String, String>> = pipe
            .query_async(&mut conn)
            .await
            .map_err(redis_err("read subscriptions"))?;
        let mut out = Vec::with_capacity(ids.len());
        for (id, fields) in ids.iter().zip(hashes) {
            if let Some(sub) = from_hash(provider, id, fields)? {
                if keep(&sub) {
                    out.push(sub);
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

#[async_trait]
impl SubscriptionStore for RedisTokenStore {
    async fn put(&self, subscription: &Subscription) -> Result<()> {
        let (p, tenant) = (subscription.provider.as_str(), subscription.tenant.as_str());
        let (has_vendor, vendor) = optional(subscription.vendor_resource_id.as_deref());
        let (has_cursor, cursor) = optional(subscription.cursor.as_deref());
        let mut conn = self.connection();
        let _: i64 = PUT
            .key(self.keys().subscription(p, &subscription.id))
            .key(self.keys().subscriptions_of_tenant(p, tenant))
            .key(self.keys().subscriptions_by_expiry(p))
            .arg(&subscription.id)
            .arg(tenant)
            .arg(&subscription.resource)
            .arg(subscription.secret.expose_secret())
            .arg(subscription.expires_at.as_millisecond())
            .arg(has_vendor)
            .arg(vendor)
            .arg(has_cursor)
            .arg(cursor)
            .invoke_async(&mut conn)
            .instrument(span("put", &subscription.provider))
            .await
            .map_err(redis_err("put subscription"))?;
        Ok(())
    }

    async fn get(&self, provider: &ProviderId, id: &str) -> Result<Option<Subscription>> {
        let mut conn = self.connection();
        let fields: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(self.subscription_key(provider, id))
            .query_async(&mut conn)
            .instrument(span("get", provider))
            .await
            .map_err(redis_err("get subscription"))?;
        from_hash(provider, id, fields)
    }

    async fn for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>> {
        async {
            let mut conn = self.connection();
            let ids: Vec<String> = redis::cmd("SMEMBERS")
                .arg(
                    self.keys()
                        .subscriptions_of_tenant(provider.as_str(), tenant.as_str()),
                )
                .query_async(&mut conn)
                .await
                .map_err(redis_err("list subscriptions"))?;
            self.read_subscriptions(provider, ids, |s| s.tenant == *tenant)
                .await
        }
        .instrument(span("for_tenant", provider))
        .await
    }

    async fn expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>> {
        async {
            let at_ms = at.as_millisecond();
            let mut conn = self.connection();
            // `(` makes the bound exclusive: one expiring at `at` is not due yet.
            let ids: Vec<String> = redis::cmd("ZRANGE")
                .arg(self.keys().subscriptions_by_expiry(provider.as_str()))
                .arg("-inf")
                .arg(format!("({at_ms}"))
                .arg("BYSCORE")
                .query_async(&mut conn)
                .await
                .map_err(redis_err("list expiring subscriptions"))?;
            self.read_subscriptions(provider, ids, |s| s.expires_at.as_millisecond() < at_ms)
                .await
        }
        .instrument(span("expiring_before", provider))
        .await
    }

    async fn advance_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool> {
        let (has_expected, expected) = optional(expected);
        let (has_next, next) = optional(next);
        let mut conn = self.connection();
        let moved: i64 = ADVANCE
            .key(self.subscription_key(provider, id))
            .arg(has_expected)
            .arg(expected)
            .arg(has_next)
            .arg(next)
            .invoke_async(&mut conn)
            .instrument(span("advance_cursor", provider))
            .await
            .map_err(redis_err("advance subscription cursor"))?;
        Ok(moved == 1)
    }

    async fn remove(&self, provider: &ProviderId, id: &str) -> Result<bool> {
        let mut conn = self.connection();
        let removed: i64 = REMOVE
            .key(self.subscription_key(provider, id))
            .key(self.keys().subscriptions_by_expiry(provider.as_str()))
            .arg(id)
            .invoke_async(&mut conn)
            .instrument(span("remove", provider))
            .await
            .map_err(redis_err("remove subscription"))?;
        Ok(removed == 1)
    }
}
