//! `NonceStore` for [`RedisTokenStore`]: `SET {prefix}nonce:{nonce} 1 NX PXAT expires_at`, so
//! an OAuth state is used once across every instance sharing the Redis, and the key vanishes by
//! itself when the state expires.

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{async_trait, NonceStore, Result};
use tracing::Instrument;

use crate::store::{redis_err, RedisTokenStore};

#[async_trait]
impl NonceStore for RedisTokenStore {
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        // PXAT needs a time in the future; a state that has expired was refused before.
        let at = expires_at
            .as_millisecond()
            .max(Timestamp::now().as_millisecond() + 1);
        let mut conn = self.connection();
        let set: Option<String> = redis::cmd("SET")
            .arg(self.nonce_key(nonce))
            .arg(1)
            .arg("NX")
            .arg("PXAT")
            .arg(at)
            .query_async(&mut conn)
            .instrument(tracing::debug_span!(
                "nonce_store",
                backend = "redis",
                operation = "consume"
            ))
            .await
            .map_err(redis_err("consume nonce"))?;
        Ok(set.is_some())
    }
}
