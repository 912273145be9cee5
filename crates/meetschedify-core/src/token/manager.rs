//! [`TokenManager`]: hands out access tokens, refreshing each key at most once at a time.
//!
//! The rules it keeps, in order of importance:
//! 1. **Persist before use.** A refreshed token is saved (compare-and-swap) before any caller
//!    sees it, so a crash can never lose a rotated refresh token.
//! 2. **Single flight.** However many tasks ask for an expired key at once, one refresh runs; the
//!    others wait for its result, success or failure. The next call after a failure tries again.
//! 3. **Re-read inside the critical section.** Before refreshing, the store is read again: another
//!    process may have refreshed already. With a store that supports leases, processes take a
//!    lease first, so only one of them refreshes.
//! 4. **Refresh ahead.** A token within `refresh_ahead` of expiry counts as expired, so calls
//!    never race the clock with a token about to die.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::{BoxFuture, FutureExt, Shared};
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::error::{Error, ErrorCode, Operation, Result};
use crate::token::store::{
    Revocation, SaveCondition, SaveOutcome, TokenKey, TokenRecord, TokenStore,
};

/// Gets new tokens from the provider: a refresh-token grant (Google) or a client-credentials
/// grant (Zoom).
#[async_trait]
pub trait TokenRefresher: Send + Sync + fmt::Debug + 'static {
    /// Obtains a new access token for `key`. `current` is the stored record, if any (holding the
    /// refresh token). Return a record with the new access token and expiry; leave
    /// `refresh_token` as `None` to keep the current one, or set it when the provider rotated it.
    async fn refresh(&self, key: &TokenKey, current: Option<&TokenRecord>) -> Result<TokenRecord>;
}

/// An access token ready to use, with its expiry.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    expires_at: Option<Timestamp>,
    scopes: Arc<[String]>,
}

impl AccessToken {
    fn from_record(record: &TokenRecord) -> Self {
        Self {
            secret: record.access_token.clone(),
            expires_at: record.expires_at,
            scopes: record.scopes.clone().into(),
        }
    }

    /// The bearer token. Expose it only to put it in an `Authorization` header.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// When it expires.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }

    /// The scopes it carries.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    fn same_token(&self, other: &SecretString) -> bool {
        self.secret.expose_secret() == other.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Tuning for [`TokenManager`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenManagerConfig {
    /// Refresh this long before expiry (default 60 s).
    pub refresh_ahead: Duration,
    /// How long a cross-process refresh lease lasts if never released (default 30 s).
    pub lease_ttl: Duration,
    /// How long to wait for another process's refresh before giving up (default 15 s).
    pub lease_wait: Duration,
    /// How often to look again while another process holds the lease (default 100 ms, spread
    /// by ±50% so waiting instances do not poll in step).
    pub lease_poll: Duration,
}

impl Default for TokenManagerConfig {
    fn default() -> Self {
        Self {
            refresh_ahead: Duration::from_secs(60),
            lease_ttl: Duration::from_secs(30),
            lease_wait: Duration::from_secs(15),
            lease_poll: Duration::from_millis(100),
        }
    }
}

impl TokenManagerConfig {
    /// Sets how long before expiry to refresh.
    pub fn with_refresh_ahead(mut self, d: Duration) -> Self {
        self.refresh_ahead = d;
        self
    }

    /// Sets the lease lifetime.
    pub fn with_lease_ttl(mut self, d: Duration) -> Self {
        self.lease_ttl = d;
        self
    }

    /// Sets how long to wait for another process's refresh.
    pub fn with_lease_wait(mut self, d: Duration) -> Self {
        self.lease_wait = d;
        self
    }

    /// Sets the lease polling interval.
    pub fn with_lease_poll(mut self, d: Duration) -> Self {
        self.lease_poll = d;
        self
    }
}

type Flight = Shared<BoxFuture<'static, Result<AccessToken>>>;

struct Inner {
    store: Arc<dyn TokenStore>,
    refresher: Arc<dyn TokenRefresher>,
    config: TokenManagerConfig,
    cache: Mutex<HashMap<TokenKey, AccessToken>>,
    flights: Mutex<HashMap<TokenKey, Flight>>,
}

/// Hands out access tokens per [`TokenKey`], refreshing through a [`TokenRefresher`] and
/// persisting through a [`TokenStore`]. Cheap to clone; share one per provider.
#[derive(Clone)]
pub struct TokenManager {
    inner: Arc<Inner>,
}

impl fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenManager")
            .field("store", &self.inner.store)
            .field("refresher", &self.inner.refresher)
            .field("config", &self.inner.config)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps hold plain data that is valid after any panic, so poisoning is ignored.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl TokenManager {
    /// A manager over a store and a refresher.
    pub fn new(
        store: Arc<dyn TokenStore>,
        refresher: Arc<dyn TokenRefresher>,
        config: TokenManagerConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                refresher,
                config,
                cache: Mutex::new(HashMap::new()),
                flights: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The store tokens are kept in.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    /// A usable access token for `key`, refreshed if needed.
    pub async fn access_token(&self, key: &TokenKey) -> Result<AccessToken> {
        if let Some(token) = self.cached(key) {
            return Ok(token);
        }
        self.join_flight(key, None).await
    }

    /// A new access token after the provider rejected `rejected` (for example Zoom's 401 with
    /// code 124): drops it from the cache and refreshes once, even if its expiry says it is good.
    pub async fn refresh_after_rejection(
        &self,
        key: &TokenKey,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        {
            let mut cache = lock(&self.inner.cache);
            if cache
                .get(key)
                .is_some_and(|t| t.same_token(&rejected.secret))
            {
                cache.remove(key);
            }
        }
        if let Some(token) = self.cached(key) {
            // Someone already replaced the rejected token.
            return Ok(token);
        }
        self.join_flight(key, Some(rejected.secret.clone())).await
    }

    /// Forgets the cached token for `key` (after a disconnect). The store is not touched.
    pub fn forget(&self, key: &TokenKey) {
        lock(&self.inner.cache).remove(key);
    }

    /// How many keys have a cached token (for metrics and scale tests).
    pub fn cached_len(&self) -> usize {
        lock(&self.inner.cache).len()
    }

    fn cached(&self, key: &TokenKey) -> Option<AccessToken> {
        let cache = lock(&self.inner.cache);
        let token = cache.get(key)?;
        let fresh = token.expires_at.is_some_and(|exp| {
            let margin = jiff::SignedDuration::try_from(self.inner.config.refresh_ahead)
                .unwrap_or(jiff::SignedDuration::MAX);
            Timestamp::now()
                .checked_add(margin)
                .is_ok_and(|deadline| deadline < exp)
        });
        fresh.then(|| token.clone())
    }

    async fn join_flight(
        &self,
        key: &TokenKey,
        rejected: Option<SecretString>,
    ) -> Result<AccessToken> {
        let flight = {
            let mut flights = lock(&self.inner.flights);
            match flights.get(key) {
                Some(flight) => flight.clone(),
                None => {
                    let this = self.clone();
                    let owned_key = key.clone();
                    let fut = async move {
                        // Removes the entry however the flight ends, even if every waiter is
                        // dropped, so the next call always starts afresh.
                        let _guard = FlightGuard {
                            manager: &this,
                            key: &owned_key,
                        };
                        this.refresh_flow(&owned_key, rejected.as_ref()).await
                    }
                    .boxed()
                    .shared();
                    flights.insert(key.clone(), fut.clone());
                    fut
                }
            }
        };
        flight.await
    }

    async fn refresh_flow(
        &self,
        key: &TokenKey,
        rejected: Option<&SecretString>,
    ) -> Result<AccessToken> {
        let span = tracing::info_span!(
            "token_refresh",
            provider = %key.provider_id,
            tenant = %key.tenant_id,
        );
        async {
            let store = &self.inner.store;
            let current = store.get(key).await?;
            if let Some(token) = self.usable(key, current.as_ref(), rejected) {
                return Ok(token);
            }
            if !store.supports_leases() {
                return self.refresh_and_save(key, current).await;
            }
            let started = tokio::time::Instant::now();
            loop {
                if let Some(lease) = store.try_acquire_lease(key, self.inner.config.lease_ttl).await? {
                    // Another process may have finished its refresh just before we got the lease.
                    let result = match store.get(key).await {
                        Ok(current) => match self.usable(key, current.as_ref(), rejected) {
                            Some(token) => Ok(token),
                            None => self.refresh_and_save(key, current).await,
                        },
                        Err(e) => Err(e),
                    };
                    if let Err(e) = store.release_lease(&lease).await {
                        tracing::warn!(error = %e, "could not release the refresh lease; it will lapse");
                    }
                    return result;
                }
                if started.elapsed() >= self.inner.config.lease_wait {
                    return Err(Error::new(
                        ErrorCode::TokenStoreError,
                        "timed out waiting for another instance to refresh the token",
                    )
                    .with_operation(Operation::AccessToken));
                }
                tokio::time::sleep(jittered(self.inner.config.lease_poll)).await;
                if let Some(token) = self.usable(key, store.get(key).await?.as_ref(), rejected) {
                    return Ok(token);
                }
            }
        }
        .instrument(span)
        .await
    }

    /// A stored record's token, if it is fresh and not the one the provider rejected; cached.
    fn usable(
        &self,
        key: &TokenKey,
        record: Option<&TokenRecord>,
        rejected: Option<&SecretString>,
    ) -> Option<AccessToken> {
        let record = record?;
        if !record.is_fresh(Timestamp::now(), self.inner.config.refresh_ahead) {
            return None;
        }
        if rejected.is_some_and(|r| r.expose_secret() == record.access_token.expose_secret()) {
            return None;
        }
        Some(self.remember(key, record))
    }

    fn remember(&self, key: &TokenKey, record: &TokenRecord) -> AccessToken {
        let token = AccessToken::from_record(record);
        lock(&self.inner.cache).insert(key.clone(), token.clone());
        token
    }

    async fn refresh_and_save(
        &self,
        key: &TokenKey,
        current: Option<TokenRecord>,
    ) -> Result<AccessToken> {
        if let Some(revoked) = current.as_ref().and_then(|r| r.revoked.as_ref()) {
            // The provider already refused this refresh token; asking again only burns quota.
            return Err(Error::new(revoked.code, revoked.reason.clone())
                .with_retryable(false)
                .with_operation(Operation::AccessToken));
        }
        tracing::debug!(has_record = current.is_some(), "refreshing access token");
        let fresh = match self.inner.refresher.refresh(key, current.as_ref()).await {
            Ok(fresh) => fresh,
            Err(e) => {
                if let (true, Some(record)) = (e.code().needs_reconnect(), current.as_ref()) {
                    self.mark_revoked(key, record, &e).await;
                }
                return Err(e.with_operation(Operation::AccessToken));
            }
        };
        let merged = merge(current.as_ref(), fresh);
        let outcome = self
            .inner
            .store
            .save(key, &merged, SaveCondition::unchanged(current.as_ref()))
            .await?;
        match outcome {
            SaveOutcome::Saved { version } => {
                tracing::info!(version, "access token refreshed and saved");
                Ok(self.remember(key, &merged.with_version(version)))
            }
            SaveOutcome::Conflict => {
                // Someone else saved first. Their token is persisted; ours is not, so we must not
                // use ours. Take theirs if it is good.
                let stored = self.inner.store.get(key).await?;
                match stored.filter(|r| r.is_fresh(Timestamp::now(), self.inner.config.refresh_ahead)) {
                    Some(record) => Ok(self.remember(key, &record)),
                    None => Err(Error::new(
                        ErrorCode::TokenStoreError,
                        "the token changed in the store during refresh and the stored one is not usable",
                    )
                    .with_operation(Operation::AccessToken)),
                }
            }
        }
    }
}

impl TokenManager {
    /// Records a permanent refusal on the stored record so status checks can report it.
    async fn mark_revoked(&self, key: &TokenKey, record: &TokenRecord, err: &Error) {
        let marked = record
            .clone()
            .with_revoked(Revocation::new(err.code(), err.message()));
        let condition = SaveCondition::Version(record.version);
        match self.inner.store.save(key, &marked, condition).await {
            Ok(_) => {
                tracing::warn!(code = %err.code(), "refresh token refused; tenant must reconnect")
            }
            Err(e) => tracing::warn!(error = %e, "could not record the refused refresh token"),
        }
        self.forget(key);
    }
}

/// A poll interval spread over [d/2, 3d/2], so instances waiting on one lease do not all read
/// the store in the same instant.
fn jittered(d: Duration) -> Duration {
    use rand::Rng;
    d.mul_f64(rand::thread_rng().gen_range(0.5..1.5))
}

/// Keeps the stored refresh token and scopes when the provider did not send new ones.
fn merge(current: Option<&TokenRecord>, mut fresh: TokenRecord) -> TokenRecord {
    if let Some(current) = current {
        if fresh.refresh_token.is_none() {
            fresh.refresh_token.clone_from(&current.refresh_token);
        }
        if fresh.scopes.is_empty() {
            fresh.scopes.clone_from(&current.scopes);
        }
    }
    fresh
}

struct FlightGuard<'a> {
    manager: &'a TokenManager,
    key: &'a TokenKey,
}

impl Drop for FlightGuard<'_> {
    fn drop(&mut self) {
        lock(&self.manager.inner.flights).remove(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_polls_are_spread_around_the_interval() {
        let d = Duration::from_millis(100);
        let samples: Vec<_> = (0..200).map(|_| jittered(d)).collect();
        assert!(
            samples.iter().all(|s| *s >= d / 2 && *s <= d * 3 / 2),
            "{samples:?}"
        );
        assert!(samples.iter().any(|s| *s != samples[0]), "not constant");
    }
}
