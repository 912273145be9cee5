//! [`GraphTokens`]: where a Graph call's access token comes from.
//!
//! The app-only provider has one client-credentials token for every tenant of the application;
//! the per-user provider has one record per tenant, written by its connect flow. Both go
//! through core's [`TokenManager`] (single-flight refresh, persisted before use, a store lease
//! across instances); only the key differs.

use std::fmt;

use meetschedify_core::{AccessToken, ProviderId, Result, TenantId, TokenKey, TokenManager};

/// How a tenant maps to its token's store key.
#[derive(Debug, Clone)]
enum Keying {
    /// One key for every tenant (the application's own token).
    Shared(TokenKey),
    /// `{tenant, provider}`: each tenant's own grant.
    PerTenant(ProviderId),
}

/// A token manager and the rule that picks a tenant's key. Cheap to clone.
#[derive(Clone)]
pub(crate) struct GraphTokens {
    manager: TokenManager,
    keying: Keying,
}

impl GraphTokens {
    /// Every tenant uses the token under `key`.
    pub(crate) fn shared(manager: TokenManager, key: TokenKey) -> Self {
        Self {
            manager,
            keying: Keying::Shared(key),
        }
    }

    /// Each tenant uses its own record, keyed by the tenant and `provider`.
    pub(crate) fn per_tenant(manager: TokenManager, provider: ProviderId) -> Self {
        Self {
            manager,
            keying: Keying::PerTenant(provider),
        }
    }

    /// The token manager.
    pub(crate) fn manager(&self) -> &TokenManager {
        &self.manager
    }

    /// The store key of `tenant`'s token.
    pub(crate) fn key(&self, tenant: &TenantId) -> TokenKey {
        match &self.keying {
            Keying::Shared(key) => key.clone(),
            Keying::PerTenant(provider) => TokenKey::new(tenant.clone(), provider.clone()),
        }
    }

    /// A usable access token for `tenant`, refreshed if needed.
    pub(crate) async fn access_token(&self, tenant: &TenantId) -> Result<AccessToken> {
        self.manager.access_token(&self.key(tenant)).await
    }

    /// A new access token after Graph refused `rejected` (one refresh for every waiting caller).
    pub(crate) async fn refresh_after_rejection(
        &self,
        tenant: &TenantId,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        self.manager
            .refresh_after_rejection(&self.key(tenant), rejected)
            .await
    }
}

impl fmt::Debug for GraphTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphTokens")
            .field("keying", &self.keying)
            .field("manager", &self.manager)
            .finish()
    }
}
