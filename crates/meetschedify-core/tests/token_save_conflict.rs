//! A refresh whose save loses a compare-and-swap keeps the rotated refresh token when the other
//! writer left the spent one in place, and defers to the other writer when it brought its own.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    MemoryTokenStore, Result, SaveCondition, TokenKey, TokenManager, TokenManagerConfig,
    TokenRecord, TokenRefresher, TokenStore,
};

/// Rotates `spent` into `rotated`; while refreshing, another writer saves `interloper(current)`
/// over the record, as a concurrent process would between the manager's read and its save.
#[derive(Debug)]
struct RacingRefresher {
    store: Arc<MemoryTokenStore>,
    /// What the other writer stores: the record the refresh read, changed.
    interloper: fn(TokenRecord) -> TokenRecord,
}

#[async_trait]
impl TokenRefresher for RacingRefresher {
    async fn refresh(&self, key: &TokenKey, current: Option<&TokenRecord>) -> Result<TokenRecord> {
        let current = current.expect("a stored record").clone();
        let version = current.version;
        let changed = (self.interloper)(current);
        self.store
            .save(key, &changed, SaveCondition::Version(version))
            .await?;
        Ok(TokenRecord::new("access-rotated")
            .with_refresh_token("refresh-rotated")
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600)))
    }
}

fn key() -> TokenKey {
    TokenKey::new("tenant-1", "microsoft-teams")
}

async fn run(interloper: fn(TokenRecord) -> TokenRecord) -> (Result<String>, TokenRecord) {
    let store = Arc::new(MemoryTokenStore::new());
    let expired = TokenRecord::new("access-old")
        .with_refresh_token("refresh-spent")
        .with_expires_at(Timestamp::now() - SignedDuration::from_secs(10));
    store
        .save(&key(), &expired, SaveCondition::Always)
        .await
        .unwrap();
    let refresher = Arc::new(RacingRefresher {
        store: Arc::clone(&store),
        interloper,
    });
    let manager = TokenManager::new(store.clone(), refresher, TokenManagerConfig::default());
    let token = manager
        .access_token(&key())
        .await
        .map(|t| t.secret().expose_secret().to_owned());
    (token, store.get(&key()).await.unwrap().unwrap())
}

#[tokio::test]
async fn a_concurrent_write_that_keeps_the_spent_refresh_token_does_not_lose_the_rotated_one() {
    // The other writer only marked the token expired (the soak's expirer does exactly this).
    let (token, stored) = run(|r| r.with_expires_at(Timestamp::UNIX_EPOCH)).await;
    assert_eq!(token.unwrap(), "access-rotated");
    let refresh = stored.refresh_token.expect("a refresh token");
    assert_eq!(refresh.expose_secret(), "refresh-rotated");
    assert_eq!(stored.access_token.expose_secret(), "access-rotated");
}

#[tokio::test]
async fn a_concurrent_reconnect_wins_over_the_refresh() {
    let (token, stored) = run(|_| {
        TokenRecord::new("access-reconnected")
            .with_refresh_token("refresh-reconnected")
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600))
    })
    .await;
    assert_eq!(token.unwrap(), "access-reconnected");
    let refresh = stored.refresh_token.expect("a refresh token");
    assert_eq!(refresh.expose_secret(), "refresh-reconnected");
}
