//! Choosing a provider for a tenant.

use std::collections::HashMap;

use meetschedify::{ErrorCode, MeetSchedifyClient, ProviderId, Result, TenantId};

/// Each tenant's providers, most preferred first, as an application keeps them in its database.
#[derive(Debug, Default, Clone)]
pub(crate) struct Preferences {
    by_tenant: HashMap<TenantId, Vec<ProviderId>>,
    fallback: Vec<ProviderId>,
}

/// The provider chosen for a tenant, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// Where to create the meeting.
    pub(crate) provider: ProviderId,
    /// The preferences passed over, each with its reason.
    pub(crate) skipped: Vec<(ProviderId, String)>,
}

impl Preferences {
    /// Preferences whose tenants fall back to `fallback` (tried in order after their own).
    pub(crate) fn new(fallback: Vec<ProviderId>) -> Self {
        Self {
            by_tenant: HashMap::new(),
            fallback,
        }
    }

    /// Sets a tenant's preference list.
    pub(crate) fn set(&mut self, tenant: impl Into<TenantId>, providers: Vec<ProviderId>) {
        self.by_tenant.insert(tenant.into(), providers);
    }

    /// The first provider in the tenant's list, then the fallback list, that is registered
    /// and that the tenant can use now.
    pub(crate) async fn route(
        &self,
        client: &MeetSchedifyClient,
        tenant: &TenantId,
    ) -> Result<Route> {
        let own = self
            .by_tenant
            .get(tenant)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut skipped = Vec::new();
        for provider in own.iter().chain(&self.fallback) {
            if skipped.iter().any(|(p, _)| p == provider) {
                continue;
            }
            match client.connection_status(provider, tenant).await {
                Ok(status) if status.connected => {
                    return Ok(Route {
                        provider: provider.clone(),
                        skipped,
                    })
                }
                Ok(status) => skipped.push((
                    provider.clone(),
                    status.reason.unwrap_or_else(|| "not connected".into()),
                )),
                Err(e) if e.code() == ErrorCode::ProviderNotFound => {
                    skipped.push((provider.clone(), "not registered".into()));
                }
                // A provider that cannot even say whether it is connected (network down, bad
                // credentials) is passed over too; the reason keeps the error code.
                Err(e) => {
                    skipped.push((provider.clone(), format!("{}: {}", e.code(), e.message())))
                }
            }
        }
        Err(meetschedify::Error::new(
            ErrorCode::ProviderNotFound,
            format!("no usable provider for tenant {tenant}"),
        ))
    }
}
