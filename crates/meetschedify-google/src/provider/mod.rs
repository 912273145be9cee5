//! [`GoogleMeetProvider`]: Google Meet with per-user OAuth.

mod builder;
mod connect;

use std::fmt;
use std::sync::Arc;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    async_trait, CancelOutcome, Capabilities, ConnectionStatus, CreatedMeeting, MeetingContext,
    MeetingProvider, OAuthConnect, OAuthStateSealer, ProviderId, Result, TenantId, TokenKey,
    TokenManager, UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};

pub use builder::{
    GoogleMeetBuilder, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI, ENV_STATE_KEY,
    SCOPE_CALENDAR, SCOPE_CALENDAR_EVENTS,
};

use crate::calendar::{Calendar, CalendarMeetings, TokenAccess};
use crate::oauth::GoogleOAuthClient;

/// Google Meet where each tenant connects its own Google account: meetings land on that
/// account's calendar.
///
/// Tokens live in the [`TokenStore`](meetschedify_core::TokenStore) you give it, one record per
/// tenant; access tokens are refreshed single-flight through core's
/// [`TokenManager`](meetschedify_core::TokenManager) and saved before use. Build it with
/// [`GoogleMeetProvider::builder`]; it is cheap to clone.
#[derive(Clone)]
pub struct GoogleMeetProvider {
    inner: Arc<Inner>,
}

struct Inner {
    id: ProviderId,
    calendar: Calendar,
    oauth: GoogleOAuthClient,
    tokens: TokenManager,
    sealer: OAuthStateSealer,
    scopes: Vec<String>,
    revoke_replaced_grant: bool,
}

impl fmt::Debug for GoogleMeetProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetProvider")
            .field("id", &self.inner.id)
            .field("oauth", &self.inner.oauth)
            .field("calendar", &self.inner.calendar)
            .field("scopes", &self.inner.scopes)
            .field("sealer", &self.inner.sealer)
            .field("tokens", &self.inner.tokens)
            .finish()
    }
}

impl GoogleMeetProvider {
    /// Starts a configuration.
    pub fn builder() -> GoogleMeetBuilder {
        GoogleMeetBuilder::new()
    }

    /// The shared Calendar layer this provider uses.
    pub fn calendar(&self) -> &Calendar {
        &self.inner.calendar
    }

    /// The token manager (for metrics, or to pre-warm a tenant's token).
    pub fn token_manager(&self) -> &TokenManager {
        &self.inner.tokens
    }

    /// The store key of a tenant's tokens.
    pub fn token_key(&self, tenant: &TenantId) -> TokenKey {
        self.inner.token_key(tenant)
    }
}

impl Inner {
    fn token_key(&self, tenant: &TenantId) -> TokenKey {
        TokenKey::new(tenant.clone(), self.id.clone())
    }
}

/// Each tenant's calls use that tenant's own tokens, from the store.
#[async_trait]
impl CalendarMeetings for Inner {
    const OAUTH_CONNECT: bool = true;

    fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    async fn token_access(&self, tenant: &TenantId) -> Result<TokenAccess> {
        Ok(TokenAccess::new(
            self.tokens.clone(),
            self.token_key(tenant),
        ))
    }
}

#[async_trait]
impl MeetingProvider for GoogleMeetProvider {
    fn id(&self) -> &ProviderId {
        &self.inner.id
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        self.inner.create_meeting(request).await
    }

    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        self.inner.get_meeting(ctx, meeting_id).await
    }

    async fn update_meeting(
        &self,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        self.inner.update_meeting(meeting_id, update).await
    }

    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        self.inner.cancel_meeting(ctx, meeting_id).await
    }

    /// Reads the tenant's record only (no call to Google): `NotConnected` without a record,
    /// `NeedsReconnect` when it was revoked (with Google's reason, recorded when a refresh was
    /// refused) or holds no refresh token, or `Connected` with the granted scopes and the access
    /// token's expiry.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        let id = self.inner.id.clone();
        let record = self
            .inner
            .tokens
            .store()
            .get(&self.token_key(tenant))
            .await?;
        let Some(record) = record else {
            return Ok(ConnectionStatus::disconnected(
                id,
                tenant.clone(),
                "not connected: no google account has been connected for this tenant",
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
            .with_scopes(record.scopes.clone())
            .with_expires_at(record.expires_at))
    }

    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        Some(self)
    }
}
