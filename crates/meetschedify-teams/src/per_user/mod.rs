//! [`TeamsProvider`]: Teams meetings on the calendar of the Microsoft account each tenant
//! connects (delegated permissions, authorization code with PKCE).

mod builder;
mod connect;
mod oauth;
mod pkce;
mod refresher;
mod scopes;

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting, Error, GetMeeting, Guarantees,
    MeetingContext, MeetingProvider, OAuthConnect, OAuthStateSealer, Operation, ProviderId,
    RequestLimits, Result, TenantId, TokenKey, TokenManager, UpdateMeeting, UpdatedMeeting,
    ValidatedCreate, ValidatedUpdate,
};

pub use builder::TeamsProviderBuilder;
pub use scopes::{SCOPE_CALENDARS_READ_WRITE, SCOPE_OFFLINE_ACCESS};

use crate::config::Settings;
use crate::events::EventCalendar;
use crate::provider::TEAMS_LIMITS;
use oauth::DelegatedOAuth;

/// Schedules Teams meetings on the Outlook calendar of the Microsoft work or school account
/// each tenant connects, through Microsoft Graph with delegated permissions (`/me/events`).
///
/// A tenant connects through [`OAuthConnect`] (offered by
/// [`MeetingProvider::oauth`] and implemented by the provider itself): an
/// [`authorization_url`](OAuthConnect::authorization_url) for the user's browser, then
/// [`handle_callback`](OAuthConnect::handle_callback) with the code, the state and the session
/// binding. Its tokens live in the [`TokenStore`](meetschedify_core::TokenStore) you give the
/// builder, one record per tenant; access tokens are refreshed single-flight through core's
/// [`TokenManager`] (across instances when the store offers leases), and each rotated refresh
/// token is saved before the new access token is used.
///
/// Meetings are calendar events with a Teams meeting, as with
/// [`TeamsAppProvider`](crate::TeamsAppProvider): invitations, idempotent keyed creates through
/// `transactionId`, metadata in an extended property. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct TeamsProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    sealer: OAuthStateSealer,
    oauth: Arc<DelegatedOAuth>,
    /// The event operations on the signed-in user's calendar (`/me`).
    events: EventCalendar,
    /// Where its Graph subscriptions are kept (see the builder's `with_subscription_store`);
    /// a disconnect deletes the tenant's from here.
    subscriptions: Arc<dyn SubscriptionStore>,
}

impl TeamsProvider {
    /// A provider configured from the environment: [`TeamsProviderBuilder::from_env`], then
    /// [`build`](TeamsProviderBuilder::build).
    pub fn from_env() -> Result<Self> {
        TeamsProviderBuilder::from_env().build()
    }

    /// Starts building a provider.
    pub fn builder() -> TeamsProviderBuilder {
        TeamsProviderBuilder::new()
    }

    /// The token manager (shared by every clone of this provider).
    pub fn token_manager(&self) -> &TokenManager {
        self.inner.events.api.tokens().manager()
    }

    /// The store key of a tenant's tokens: the tenant and the provider id.
    pub fn token_key(&self, tenant: &TenantId) -> TokenKey {
        self.inner.events.api.tokens().key(tenant)
    }

    /// Graph subscriptions to each tenant's `me/events`, kept in the provider's
    /// [`subscription_store`](Self::subscription_store) (feature `webhooks`). A
    /// [`disconnect`](OAuthConnect::disconnect) deletes the tenant's subscriptions first, with
    /// its own token, before its tokens are forgotten.
    #[cfg(feature = "webhooks")]
    pub fn subscriptions(&self) -> crate::webhooks::GraphSubscriptions {
        crate::webhooks::GraphSubscriptions::new(
            self.inner.events.clone(),
            Arc::clone(&self.inner.subscriptions),
        )
    }

    /// Where its Graph subscriptions are kept (see
    /// [`TeamsProviderBuilder::with_subscription_store`]).
    pub fn subscription_store(&self) -> &Arc<dyn SubscriptionStore> {
        &self.inner.subscriptions
    }

    /// The scopes the consent URL asks for.
    pub fn scopes(&self) -> &[String] {
        &self.inner.oauth.scopes
    }

    fn id_ref(&self) -> &ProviderId {
        &self.inner.settings.provider_id
    }

    fn tag(&self, err: Error, op: Operation) -> Error {
        let err = err.with_operation(op);
        if err.provider_id().is_some() {
            err
        } else {
            err.with_provider(self.id_ref().clone())
        }
    }

    async fn create(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        self.inner.events.create(request).await
    }

    async fn fetch(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        self.inner.events.fetch(ctx, meeting_id).await
    }

    async fn apply_update(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        self.inner
            .events
            .apply_update(ctx, meeting_id, update)
            .await
    }

    async fn remove(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CancelOutcome> {
        self.inner.events.remove(ctx, meeting_id).await
    }

    /// Reads the tenant's record only (no call to Microsoft): `NotConnected` without a record,
    /// `NeedsReconnect` when a refresh was refused (with Microsoft's reason) or it holds no
    /// refresh token, else `Connected` with the granted scopes and the access token's expiry.
    async fn status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        let id = self.id_ref().clone();
        let record = self
            .token_manager()
            .store()
            .get(&self.token_key(tenant))
            .await?;
        let Some(record) = record else {
            return Ok(ConnectionStatus::disconnected(
                id,
                tenant.clone(),
                "not connected: no microsoft account has been connected for this tenant",
            ));
        };
        if let Some(revoked) = &record.revoked {
            return Ok(ConnectionStatus::needs_reconnect(
                id,
                tenant.clone(),
                format!(
                    "revoked: {} (at {}); connect again",
                    revoked.reason, revoked.at
                ),
            )
            .with_scopes(record.scopes.clone()));
        }
        let has_refresh = record
            .refresh_token
            .as_ref()
            .is_some_and(|t| !t.expose_secret().is_empty());
        if !has_refresh {
            return Ok(ConnectionStatus::needs_reconnect(
                id,
                tenant.clone(),
                "the stored record has no refresh token; connect again",
            ));
        }
        Ok(ConnectionStatus::connected(id, tenant.clone())
            .with_scopes(record.scopes)
            .with_expires_at(record.expires_at))
    }
}

// The client opens one span per operation with the provider, operation and tenant; the
// provider adds only `graph_http` per request (route, attempt, HTTP status).
#[async_trait]
impl MeetingProvider for TeamsProvider {
    fn id(&self) -> &ProviderId {
        self.id_ref()
    }

    fn limits(&self) -> RequestLimits {
        TEAMS_LIMITS
    }

    /// A keyed create is idempotent through Graph's `transactionId`, derived from the provider,
    /// tenant and key; metadata round-trips in the event's extended property.
    fn guarantees(&self) -> Guarantees {
        Guarantees::NONE
            .with_idempotent_create(true)
            .with_metadata_round_trip(true)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        self.create(request)
            .await
            .map_err(|e| self.tag(e, Operation::CreateMeeting))
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        self.status(tenant).await
    }

    fn get(&self) -> Option<&dyn GetMeeting> {
        Some(self)
    }

    fn update(&self) -> Option<&dyn UpdateMeeting> {
        Some(self)
    }

    fn cancel(&self) -> Option<&dyn CancelMeeting> {
        Some(self)
    }

    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        Some(self)
    }
}

#[async_trait]
impl GetMeeting for TeamsProvider {
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        self.fetch(ctx, meeting_id)
            .await
            .map_err(|e| self.tag(e, Operation::GetMeeting))
    }
}

#[async_trait]
impl UpdateMeeting for TeamsProvider {
    async fn update_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        self.apply_update(ctx, meeting_id, update)
            .await
            .map_err(|e| self.tag(e, Operation::UpdateMeeting))
    }
}

#[async_trait]
impl CancelMeeting for TeamsProvider {
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        self.remove(ctx, meeting_id)
            .await
            .map_err(|e| self.tag(e, Operation::CancelMeeting))
    }
}

impl fmt::Debug for TeamsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsProvider")
            .field("oauth", &self.inner.oauth)
            .field("settings", &self.inner.settings)
            .field("sealer", &self.inner.sealer)
            .field("token_manager", self.token_manager())
            .field("subscriptions", &self.inner.subscriptions)
            .finish()
    }
}
