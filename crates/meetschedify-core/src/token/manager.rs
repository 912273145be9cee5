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
//! 5. **A refresh finishes or is cleanly abandoned.** The refresh runs in its own spawned task,
//!    which owns the store lease and always releases it; callers only wait for its answer. When
//!    every waiter goes away (a request timeout around token acquisition), the task still runs
//!    to its end, saves, releases the lease and clears its entry, so the next caller never
//!    resumes a half-run refresh. The lease-holding part is bounded by `lease_ttl`: a refresh
//!    slower than its own lease is abandoned (the lease released) rather than left hanging.
//! 6. **Bounded staleness across instances.** A cached token is trusted without a store read
//!    for at most `revalidate_every` (default 10 s); after that the next call re-reads the
//!    store (one single-flight `get`) and takes the stored record if its version moved. So when
//!    another instance reconnects or disconnects a tenant, this one stops using the old
//!    account's access token within `revalidate_every`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// How long a cached token is handed out without reading the store again (default 10 s).
    /// This bounds how long an instance keeps using an access token after another instance
    /// replaced or deleted the record (a reconnect, a disconnect); each key then costs one store
    /// `get` per `revalidate_every` per instance while it is in use.
    pub revalidate_every: Duration,
}

impl Default for TokenManagerConfig {
    fn default() -> Self {
        Self {
            refresh_ahead: Duration::from_secs(60),
            lease_ttl: Duration::from_secs(30),
            lease_wait: Duration::from_secs(15),
            lease_poll: Duration::from_millis(100),
            revalidate_every: DEFAULT_REVALIDATE_EVERY,
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

    /// Sets how long a cached token is trusted before the store is read again.
    pub fn with_revalidate_every(mut self, d: Duration) -> Self {
        self.revalidate_every = d;
        self
    }
}

/// The default of [`TokenManagerConfig::revalidate_every`]: the longest an instance keeps
/// using an access token after another instance replaced or deleted the stored record.
pub const DEFAULT_REVALIDATE_EVERY: Duration = Duration::from_secs(10);

/// A cached token and when it was last read from (or written to) the store.
#[derive(Clone)]
struct Cached {
    token: AccessToken,
    checked: tokio::time::Instant,
}

type Flight = Shared<BoxFuture<'static, Result<AccessToken>>>;

struct Inner {
    store: Arc<dyn TokenStore>,
    refresher: Arc<dyn TokenRefresher>,
    config: TokenManagerConfig,
    cache: Mutex<HashMap<TokenKey, Cached>>,
    flights: Mutex<HashMap<TokenKey, Flight>>,
    /// Bumped by every `forget`: a flight that started before a forget (a disconnect, a
    /// reconnect) must not put what it read back into the cache.
    epoch: AtomicU64,
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
                epoch: AtomicU64::new(0),
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
                .is_some_and(|c| c.token.same_token(&rejected.secret))
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

    /// Forgets the cached token for `key` (after a connect or disconnect). The store is not
    /// touched. A refresh already in flight will not cache what it read before this call.
    pub fn forget(&self, key: &TokenKey) {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        lock(&self.inner.cache).remove(key);
    }

    /// How many keys have a cached token (for metrics and scale tests).
    pub fn cached_len(&self) -> usize {
        lock(&self.inner.cache).len()
    }

    /// The cached token, if it is fresh and was confirmed against the store within
    /// `revalidate_every`; otherwise the caller goes through a flight, which reads the store.
    fn cached(&self, key: &TokenKey) -> Option<AccessToken> {
        let cache = lock(&self.inner.cache);
        let cached = cache.get(key)?;
        if cached.checked.elapsed() >= self.inner.config.revalidate_every {
            return None;
        }
        let token = &cached.token;
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
                    let epoch = self.inner.epoch.load(Ordering::SeqCst);
                    let work = async move {
                        // Removes the entry when the refresh ends, so the next call starts
                        // afresh. The entry is inserted below while the map is locked, so this
                        // removal (which takes the same lock) always comes after it.
                        let _guard = FlightGuard {
                            manager: &this,
                            key: &owned_key,
                        };
                        this.refresh_flow(&owned_key, rejected.as_ref(), epoch)
                            .await
                    }
                    .in_current_span();
                    let fut = match tokio::runtime::Handle::try_current() {
                        // The refresh runs in its own task: it is polled to its end (lease
                        // released, entry removed) even when every waiter is dropped.
                        Ok(runtime) => {
                            let task = runtime.spawn(work);
                            async move {
                                task.await.unwrap_or_else(|e| {
                                    Err(Error::new(
                                        ErrorCode::TokenStoreError,
                                        format!(
                                            "the token refresh task ended without an answer: {e}"
                                        ),
                                    )
                                    .with_operation(Operation::AccessToken))
                                })
                            }
                            .boxed()
                        }
                        // Outside a Tokio runtime there is nothing to spawn on: run inline.
                        Err(_) => work.boxed(),
                    }
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
        epoch: u64,
    ) -> Result<AccessToken> {
        let span = tracing::info_span!(
            "token_refresh",
            provider = %key.provider_id,
            tenant = %key.tenant_id,
        );
        async {
            let store = &self.inner.store;
            let current = store.get(key).await?;
            if let Some(token) = self.usable(key, current.as_ref(), rejected, epoch) {
                return Ok(token);
            }
            let Some(leases) = store.leases() else {
                return self.refresh_and_save(key, current, epoch).await;
            };
            let started = tokio::time::Instant::now();
            loop {
                let ttl = self.inner.config.lease_ttl;
                if let Some(lease) = leases.try_acquire_lease(key, ttl).await? {
                    // Another process may have finished its refresh just before we got the lease.
                    let work = async {
                        let current = store.get(key).await?;
                        match self.usable(key, current.as_ref(), rejected, epoch) {
                            Some(token) => Ok(token),
                            None => self.refresh_and_save(key, current, epoch).await,
                        }
                    };
                    // Past its ttl the lease protects nothing: give up rather than hold the key.
                    let result = tokio::time::timeout(ttl, work).await.unwrap_or_else(|_| {
                        Err(Error::new(
                            ErrorCode::TokenStoreError,
                            "the token refresh took longer than its lease and was abandoned",
                        )
                        .with_operation(Operation::AccessToken))
                    });
                    if let Err(e) = leases.release_lease(&lease).await {
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
                if let Some(token) =
                    self.usable(key, store.get(key).await?.as_ref(), rejected, epoch)
                {
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
        epoch: u64,
    ) -> Option<AccessToken> {
        let record = record?;
        if !record.is_fresh(Timestamp::now(), self.inner.config.refresh_ahead) {
            return None;
        }
        if rejected.is_some_and(|r| r.expose_secret() == record.access_token.expose_secret()) {
            return None;
        }
        Some(self.remember(key, record, epoch))
    }

    /// Caches `record`'s token, unless a `forget` happened since the flight began at `epoch`
    /// (the record may be the account that was just disconnected or replaced).
    fn remember(&self, key: &TokenKey, record: &TokenRecord, epoch: u64) -> AccessToken {
        let token = AccessToken::from_record(record);
        let mut cache = lock(&self.inner.cache);
        if self.inner.epoch.load(Ordering::SeqCst) == epoch {
            cache.insert(
                key.clone(),
                Cached {
                    token: token.clone(),
                    checked: tokio::time::Instant::now(),
                },
            );
        }
        token
    }

    async fn refresh_and_save(
        &self,
        key: &TokenKey,
        current: Option<TokenRecord>,
        epoch: u64,
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
                Ok(self.remember(key, &merged.with_version(version), epoch))
            }
            SaveOutcome::Conflict => {
                // Someone else saved first; ours is not persisted yet, so it is not used yet.
                let spent = current.as_ref().and_then(|r| r.refresh_token.as_ref());
                self.after_save_conflict(key, spent, merged, epoch).await
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

mod conflict;

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
