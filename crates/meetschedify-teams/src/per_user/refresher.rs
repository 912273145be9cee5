//! [`DelegatedRefresher`]: core's [`TokenRefresher`] over Microsoft's refresh grant.
//!
//! Core's [`TokenManager`](meetschedify_core::TokenManager) calls it single-flight per tenant
//! (and, with a store that offers leases, once across instances), re-reads the store first, and
//! saves the answer, whose rotated refresh token replaces the stored one, before anyone uses
//! it. A reconnect-required refusal makes the manager mark the record revoked, so the refused
//! token is not sent again and `connection_status` reports it.

use std::sync::Arc;

use async_trait::async_trait;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    Error, ErrorCode, Operation, Result, TokenKey, TokenRecord, TokenRefresher,
};

use super::oauth::DelegatedOAuth;

/// Refreshes a tenant's delegated token with the refresh token in its record.
#[derive(Debug)]
pub(crate) struct DelegatedRefresher {
    pub(crate) oauth: Arc<DelegatedOAuth>,
}

#[async_trait]
impl TokenRefresher for DelegatedRefresher {
    async fn refresh(&self, key: &TokenKey, current: Option<&TokenRecord>) -> Result<TokenRecord> {
        let Some(refresh_token) = current
            .and_then(|r| r.refresh_token.as_ref())
            .filter(|t| !t.expose_secret().is_empty())
        else {
            return Err(Error::new(
                ErrorCode::NotConnected,
                format!(
                    "tenant `{}` has not connected a microsoft account (no refresh token stored)",
                    key.tenant_id
                ),
            )
            .with_provider(key.provider_id.clone())
            .with_operation(Operation::AccessToken));
        };
        self.oauth.refresh(refresh_token).await
    }
}
