//! The [`IdempotencyStore`] contract: where a keyed create records that it is running and,
//! once it finished, which meeting it made.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use crate::error::Result;
use crate::ids::{ProviderId, TenantId};

/// Which record: one idempotency key of one tenant at one provider.
///
/// Keys are scoped: tenant `a` and tenant `b` may both use the key `interview-42` and get two
/// meetings, and so may two providers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct IdempotencyKey {
    /// The tenant whose request it is.
    pub tenant_id: TenantId,
    /// The provider the meeting is made with.
    pub provider_id: ProviderId,
    /// The caller's idempotency key, as given.
    pub key: String,
}

impl IdempotencyKey {
    /// The record key for a tenant, a provider and a caller's key.
    pub fn new(
        tenant_id: impl Into<TenantId>,
        provider_id: impl Into<ProviderId>,
        key: impl Into<String>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            provider_id: provider_id.into(),
            key: key.into(),
        }
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.provider_id, self.tenant_id, self.key)
    }
}

/// What [`IdempotencyStore::claim`] found, and did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Nothing live was recorded for the key (or the record had expired, or its holder's lease
    /// lapsed with the same fingerprint): the caller now holds the key's lease and must end it
    /// with [`complete`](IdempotencyStore::complete) or [`release`](IdempotencyStore::release).
    Acquired,
    /// Another caller holds a live lease on the key: its create is running.
    InFlight {
        /// The fingerprint of the request that holder runs.
        fingerprint: String,
    },
    /// A create with this key finished.
    Completed {
        /// The fingerprint of the request that made the meeting.
        fingerprint: String,
        /// What [`complete`](IdempotencyStore::complete) stored, as given.
        outcome: String,
    },
}

/// Where keyed creates record their outcome, so a repeat with the same key returns the same
/// meeting and concurrent repeats wait for the first instead of making a second.
///
/// A record holds the request's fingerprint, either a lease (a create is running) or an
/// outcome (the create finished), and an expiry. Every method must be atomic against every
/// other caller of the same store, across processes where the store is shared: two claims of
/// one key never both return [`Claim::Acquired`] while the first lease is live.
///
/// The client calls it; providers never do. Core ships an in-memory store (the default, one
/// process); `meetschedify-store-sqlite`, `-postgres` and `-redis` implement it beside
/// `TokenStore` for instances that share a database. `meetschedify-testkit` has a conformance
/// suite for implementations.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + fmt::Debug + 'static {
    /// Claims `key` for a create whose request has `fingerprint`, as `holder` (a random value
    /// unique to this call).
    ///
    /// Atomically: when no record exists or it has expired, one is written with a lease of
    /// `lease` and an expiry of `ttl` from now, and the answer is [`Claim::Acquired`]. When a
    /// record holds a lease that has lapsed and its fingerprint equals `fingerprint`, `holder`
    /// takes it over ([`Claim::Acquired`]; the provider's own duplicate guard then finds a
    /// meeting the crashed holder may have made). Otherwise the record is left as it is and
    /// described: [`Claim::InFlight`] or [`Claim::Completed`].
    async fn claim(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim>;

    /// Extends `holder`'s lease on `key` to `lease` from now; `false` if `holder` no longer
    /// holds it (it lapsed and was taken over, or the record is gone).
    async fn renew(&self, key: &IdempotencyKey, holder: &str, lease: Duration) -> Result<bool>;

    /// Records the outcome of `holder`'s create and ends its lease; the record then lives for
    /// `ttl` from now. An outcome already recorded for the key is never overwritten.
    async fn complete(
        &self,
        key: &IdempotencyKey,
        holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()>;

    /// Removes `holder`'s unfinished record (its create failed), so the next claim acquires at
    /// once; does nothing when `holder` no longer holds the key or the create was completed.
    async fn release(&self, key: &IdempotencyKey, holder: &str) -> Result<()>;
}
