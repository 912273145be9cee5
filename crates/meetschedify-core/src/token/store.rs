//! The [`TokenStore`] contract and the records it keeps.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use crate::error::{ErrorCode, Result};
use crate::ids::{ProviderId, TenantId};
use crate::oauth_state::NonceStore;

/// Which tokens: one tenant's, for one provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenKey {
    /// The tenant.
    pub tenant_id: TenantId,
    /// The provider.
    pub provider_id: ProviderId,
}

impl TokenKey {
    /// The key for a tenant and provider.
    pub fn new(tenant_id: impl Into<TenantId>, provider_id: impl Into<ProviderId>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            provider_id: provider_id.into(),
        }
    }
}

impl fmt::Display for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider_id, self.tenant_id)
    }
}

/// One tenant's OAuth tokens for one provider, as stored.
///
/// The tokens are [`SecretString`]s: they never appear in `Debug` output or logs. `version`
/// is the store's counter for compare-and-swap; it is 0 for a record not yet saved.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TokenRecord {
    /// The bearer token for API calls.
    #[serde(serialize_with = "expose")]
    pub access_token: SecretString,
    /// The long-lived token used to get new access tokens (absent for Zoom S2S).
    #[serde(default, serialize_with = "expose_opt")]
    pub refresh_token: Option<SecretString>,
    /// When the access token stops working, in UTC.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The store's version, for compare-and-swap.
    #[serde(default)]
    pub version: u64,
    /// Set when the provider refused the refresh token for good (for example Google's
    /// `invalid_grant`): the record is kept so that connection status can say why, and no
    /// refresh is attempted until the tenant connects again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Revocation>,
}

/// Why and when a provider refused a stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Revocation {
    /// The error code to report until the tenant reconnects (e.g. `GOOGLE_AUTH_REVOKED`).
    pub code: ErrorCode,
    /// The provider's reason, for connection status and logs.
    pub reason: String,
    /// When the refusal was seen.
    pub at: Timestamp,
}

impl Revocation {
    /// A revocation seen now.
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            at: Timestamp::now(),
        }
    }
}

// The serde form is for stores that persist records; it must carry the real values. Stores that
// keep them at rest should wrap themselves in an encrypting decorator.
fn expose<S: serde::Serializer>(
    secret: &SecretString,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(secret.expose_secret())
}

fn expose_opt<S: serde::Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match secret {
        Some(v) => s.serialize_some(v.expose_secret()),
        None => s.serialize_none(),
    }
}

impl TokenRecord {
    /// A record with an access token and nothing else.
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            access_token: SecretString::from(access_token.into()),
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
            version: 0,
            revoked: None,
        }
    }

    /// Marks the record as refused by the provider.
    pub fn with_revoked(mut self, revocation: Revocation) -> Self {
        self.revoked = Some(revocation);
        self
    }

    /// Sets the refresh token.
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(token.into()));
        self
    }

    /// Sets the expiry.
    pub fn with_expires_at(mut self, at: Timestamp) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// Sets the scopes.
    pub fn with_scopes(mut self, scopes: Vec<String>) -> Self {
        self.scopes = scopes;
        self
    }

    /// Sets the version.
    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version;
        self
    }

    /// The JSON a store persists: every field with its real token values, the version left out
    /// (a store keeps its own). Wear `meetschedify-store-encrypted` to keep it encrypted at rest.
    pub fn to_stored_json(&self) -> Result<String> {
        serde_json::to_string(&self.clone().with_version(0))
            .map_err(|e| crate::Error::token_store("could not encode the token record", e))
    }

    /// Reads back what [`to_stored_json`](Self::to_stored_json) wrote, with the store's
    /// `version`. Unreadable data is a non-retryable `TOKEN_STORE_ERROR` naming the key.
    pub fn from_stored_json(key: &TokenKey, data: &[u8], version: u64) -> Result<TokenRecord> {
        let record: TokenRecord = serde_json::from_slice(data).map_err(|e| {
            crate::Error::token_store(format!("the stored record for {key} is not valid"), e)
                .with_retryable(false)
        })?;
        Ok(record.with_version(version))
    }

    /// Whether the access token is still good at `now` plus `margin`. A record without an
    /// expiry is treated as expired, so it gets refreshed rather than trusted forever.
    pub fn is_fresh(&self, now: Timestamp, margin: Duration) -> bool {
        if self.revoked.is_some() {
            return false;
        }
        let Some(expires_at) = self.expires_at else {
            return false;
        };
        let margin = jiff::SignedDuration::try_from(margin).unwrap_or(jiff::SignedDuration::MAX);
        now.checked_add(margin)
            .is_ok_and(|deadline| deadline < expires_at)
    }
}

impl PartialEq for TokenRecord {
    fn eq(&self, other: &Self) -> bool {
        self.access_token.expose_secret() == other.access_token.expose_secret()
            && self.refresh_token.as_ref().map(ExposeSecret::expose_secret)
                == other
                    .refresh_token
                    .as_ref()
                    .map(ExposeSecret::expose_secret)
            && self.expires_at == other.expires_at
            && self.scopes == other.scopes
            && self.version == other.version
            && self.revoked == other.revoked
    }
}

impl fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRecord")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("version", &self.version)
            .field("revoked", &self.revoked)
            .finish()
    }
}

/// When a save may happen: the compare in compare-and-swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaveCondition {
    /// Always (overwrite whatever is there). Used by the OAuth callback: a new consent wins.
    Always,
    /// Only if nothing is stored for the key.
    Absent,
    /// Only if the stored record has exactly this version.
    Version(u64),
}

impl SaveCondition {
    /// The condition that a record read as `current` is still what is stored.
    pub fn unchanged(current: Option<&TokenRecord>) -> Self {
        current.map_or(SaveCondition::Absent, |r| SaveCondition::Version(r.version))
    }
}

/// What a conditional save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SaveOutcome {
    /// Saved; the record now has this version.
    Saved {
        /// The new version.
        version: u64,
    },
    /// Not saved: the stored record did not match the condition (someone else saved first).
    Conflict,
}

/// What a conditional delete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeleteOutcome {
    /// The record is gone (or there was none and the condition allowed that).
    Deleted,
    /// Not deleted: the stored record did not match the condition (someone saved since it was
    /// read).
    Conflict,
}

/// A held refresh lease: while it is held, no other process refreshes the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lease {
    /// The key the lease is on.
    pub key: TokenKey,
    /// A random value identifying this holder, so only the holder can release it.
    pub holder: String,
    /// When the lease lapses by itself if never released (a crashed holder cannot block
    /// refresh forever).
    pub expires_at: Timestamp,
}

impl Lease {
    /// A lease record.
    pub fn new(key: TokenKey, holder: impl Into<String>, expires_at: Timestamp) -> Self {
        Self {
            key,
            holder: holder.into(),
            expires_at,
        }
    }
}

/// Where OAuth tokens live, keyed by tenant and provider.
///
/// Implementations must make `save` and `delete_if` with a [`SaveCondition`] atomic
/// (compare-and-swap): of many concurrent writes against one version, exactly one succeeds.
///
/// **Versions never repeat for a key, across deletes.** Every successful save or delete moves
/// the key to a version it never had before (a delete typically leaves a tombstone holding the
/// last version, and the next save continues from it). Otherwise a writer that read version 1
/// before a disconnect and a reconnect would find the new account's record at version 1 again
/// and overwrite it (the ABA problem). `get` never returns a tombstone.
///
/// Leases are optional: a store that can coordinate several processes implements
/// [`TokenLeases`] and returns it from [`leases`](Self::leases).
///
/// The `meetschedify-testkit` crate has a conformance suite every store should pass.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The stored record, or `None`.
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>>;

    /// Saves a record if `condition` holds. The record's own `version` is ignored: the store
    /// assigns the next one.
    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome>;

    /// Deletes the record if `condition` holds, leaving the key's version behind so the next
    /// save gets a higher one (see the trait docs). With [`SaveCondition::Always`] a missing
    /// record is fine; with [`SaveCondition::Version`] it is a conflict; with
    /// [`SaveCondition::Absent`] the call deletes nothing and reports `Deleted` only if nothing
    /// is stored.
    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome>;

    /// Deletes the record whatever its version; deleting a missing one is fine. Prefer
    /// [`delete_if`](Self::delete_if) with the version you read, so a record saved since (a
    /// refresh, a reconnect) is not lost unseen.
    async fn delete(&self, key: &TokenKey) -> Result<()> {
        self.delete_if(key, SaveCondition::Always).await.map(|_| ())
    }

    /// Refresh leases across processes, for stores that several instances share (a SQL
    /// database, Redis): only the holder of a key's lease refreshes its token. `None` (the
    /// default) for stores that live in one process: refresh is then coordinated only inside
    /// the process.
    fn leases(&self) -> Option<&dyn TokenLeases> {
        None
    }

    /// A [`NonceStore`] on the same backend, for stores that several instances share (a SQL
    /// database, Redis): a per-user OAuth provider built over this store then refuses a replayed
    /// OAuth state on every instance, not only on the one that saw it first. `None` (the
    /// default) for stores that live in one process.
    fn nonce_store(&self) -> Option<Arc<dyn NonceStore>> {
        None
    }

    /// A [`HostLedger`](crate::hosts::HostLedger) on the same backend, for stores that several
    /// instances share: a provider with a host pool built over this store then never gives one
    /// slot twice across instances. `None` (the default) for stores that live in one process.
    fn host_ledger(&self) -> Option<Arc<dyn crate::hosts::HostLedger>> {
        None
    }

    /// A [`SubscriptionStore`](crate::webhooks::SubscriptionStore) on the same backend, for
    /// stores that several instances share: push subscriptions (Google channels, Graph
    /// subscriptions) made by one instance are then recognised by every instance a notification
    /// may reach. `None` (the default) for stores that live in one process.
    fn subscription_store(&self) -> Option<Arc<dyn crate::webhooks::SubscriptionStore>> {
        None
    }
}

/// Refresh leases: at most one holder per key at a time, across every process sharing the
/// store. A lease lapses after its time to live, so a crashed holder blocks nobody for long.
#[async_trait]
pub trait TokenLeases: Send + Sync + fmt::Debug {
    /// Tries to take the refresh lease on `key` for `ttl`; `None` if someone else holds it.
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>>;

    /// Releases a lease this holder took; releasing a lapsed or foreign lease does nothing.
    async fn release_lease(&self, lease: &Lease) -> Result<()>;
}
