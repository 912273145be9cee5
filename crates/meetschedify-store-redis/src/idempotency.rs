//! `IdempotencyStore` for [`RedisTokenStore`]: one hash per key (`f` the fingerprint, `h` the
//! holder, `l` the lease's end in the server's Unix milliseconds, `o` the outcome once done),
//! expiring by `PEXPIRE` after the record's time to live.

use std::sync::LazyLock;
use std::time::Duration;

use meetschedify_core::{async_trait, Claim, Error, IdempotencyKey, IdempotencyStore, Result};
use redis::{Script, Value};
use tracing::Instrument;

use crate::store::{redis_err, RedisTokenStore};

/// Claim, atomically (a script runs alone): acquire when the key is absent (never used, or
/// expired by `PEXPIRE`) or when its lease lapsed and the fingerprint is the same; otherwise
/// describe it. Leases are judged by the server's clock (`TIME`), one clock for every client.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local f = redis.call('HGET', KEYS[1], 'f')
if f then
  local o = redis.call('HGET', KEYS[1], 'o')
  if o then return {'done', f, o} end
  local l = tonumber(redis.call('HGET', KEYS[1], 'l')) or 0
  if l > now or f ~= ARGV[1] then return {'running', f} end
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'f', ARGV[1], 'h', ARGV[2], 'l', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {'acquired'}
",
    )
});

/// Renew: only the holder of a running create, and never past the record's own life.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HGET', KEYS[1], 'h') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'o') == 1 then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'l', now + tonumber(ARGV[2]))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
",
    )
});

/// Complete: the first outcome recorded stays.
static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'o') == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'o', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
",
    )
});

/// Release: only the holder's running create.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HGET', KEYS[1], 'h') == ARGV[1] and redis.call('HEXISTS', KEYS[1], 'o') == 0 then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX / 4).max(1)
}

fn span(operation: &'static str, key: &IdempotencyKey) -> tracing::Span {
    tracing::debug_span!(
        "idempotency_store",
        backend = "redis",
        operation,
        provider = %key.provider_id,
        tenant = %key.tenant_id,
    )
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// Reads the claim script's answer.
fn read_claim(key: &IdempotencyKey, answer: &[Value]) -> Result<Claim> {
    let parts: Vec<Option<String>> = answer.iter().map(|v| text(Some(v))).collect();
    match parts.as_slice() {
        [Some(tag)] if tag == "acquired" => Ok(Claim::Acquired),
        [Some(tag), Some(fingerprint)] if tag == "running" => Ok(Claim::InFlight {
            fingerprint: fingerprint.clone(),
        }),
        [Some(tag), Some(fingerprint), Some(outcome)] if tag == "done" => Ok(Claim::Completed {
            fingerprint: fingerprint.clone(),
            outcome: outcome.clone(),
        }),
        _ => Err(Error::token_store(
            format!("the idempotency record for {key} is not valid"),
            std::io::Error::other("unexpected claim answer"),
        )
        .with_retryable(false)),
    }
}

#[async_trait]
impl IdempotencyStore for RedisTokenStore {
    async fn claim(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim> {
        let mut conn = self.connection();
        let answer: Vec<Value> = CLAIM
            .key(self.idempotency_key(key))
            .arg(fingerprint)
            .arg(holder)
            .arg(millis(lease))
            .arg(millis(ttl))
            .invoke_async(&mut conn)
            .instrument(span("claim", key))
            .await
            .map_err(redis_err("claim"))?;
        read_claim(key, &answer)
    }

    async fn renew(&self, key: &IdempotencyKey, holder: &str, lease: Duration) -> Result<bool> {
        let mut conn = self.connection();
        let renewed: i64 = RENEW
            .key(self.idempotency_key(key))
            .arg(holder)
            .arg(millis(lease))
            .invoke_async(&mut conn)
            .instrument(span("renew", key))
            .await
            .map_err(redis_err("renew"))?;
        Ok(renewed == 1)
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        _holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()> {
        // Any holder's outcome is the key's meeting (see `IdempotencyStore::complete`).
        let mut conn = self.connection();
        let _: i64 = COMPLETE
            .key(self.idempotency_key(key))
            .arg(outcome)
            .arg(millis(ttl))
            .invoke_async(&mut conn)
            .instrument(span("complete", key))
            .await
            .map_err(redis_err("complete"))?;
        Ok(())
    }

    async fn release(&self, key: &IdempotencyKey, holder: &str) -> Result<()> {
        let mut conn = self.connection();
        let _: i64 = RELEASE
            .key(self.idempotency_key(key))
            .arg(holder)
            .invoke_async(&mut conn)
            .instrument(span("release", key))
            .await
            .map_err(redis_err("release"))?;
        Ok(())
    }
}
