//! [`GoogleMeetStaticProvider`]: one Google account, one refresh token, every meeting.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    async_trait, CancelOutcome, Capabilities, ConnectionStatus, CreatedMeeting, MeetingContext,
    MeetingProvider, ProviderId, Result, SaveCondition, TenantId, TokenKey, TokenManager,
    TokenRecord, UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};
use meetschedify_google::{Calendar, CalendarMeetings, TokenAccess};
use tokio::sync::OnceCell;

use crate::builder::GoogleMeetStaticBuilder;

/// Google Meet where one Google account (the one that granted the refresh token) owns every
/// meeting, whatever the tenant: internal tools, hospitals, schools, recruiting.
///
/// The access token lives in memory and is refreshed single-flight through core's
/// [`TokenManager`]: however many requests arrive together, one refresh runs. There is no
/// per-user connect flow: [`Capabilities::oauth_connect`] is `false` and the client answers the
/// connect operations with `OPERATION_NOT_SUPPORTED`. The tenant of each request still keeps
/// idempotency keys apart (two tenants' equal keys make two meetings) and appears in logs, and
/// it owns the meetings it creates: by default another tenant's get, update or cancel of one is
/// `MEETING_NOT_FOUND` (see [`GoogleMeetStaticBuilder::with_tenant_ownership`]).
#[derive(Clone)]
pub struct GoogleMeetStaticProvider {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    id: ProviderId,
    calendar: Calendar,
    tokens: TokenManager,
    key: TokenKey,
    refresh_token: SecretString,
    seeded: OnceCell<()>,
}

impl Inner {
    pub(crate) fn new(
        id: ProviderId,
        calendar: Calendar,
        tokens: TokenManager,
        key: TokenKey,
        refresh_token: SecretString,
    ) -> Self {
        Self {
            id,
            calendar,
            tokens,
            key,
            refresh_token,
            seeded: OnceCell::new(),
        }
    }
}

impl fmt::Debug for GoogleMeetStaticProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetStaticProvider")
            .field("id", &self.inner.id)
            .field("calendar", &self.inner.calendar)
            .field("refresh_token", &"[redacted]")
            .field("tokens", &self.inner.tokens)
            .finish()
    }
}

impl GoogleMeetStaticProvider {
    /// Starts a configuration.
    pub fn builder() -> GoogleMeetStaticBuilder {
        GoogleMeetStaticBuilder::new()
    }

    /// The configuration from the environment (see [`GoogleMeetStaticBuilder::from_env`]),
    /// built.
    pub fn from_env() -> Result<Self> {
        GoogleMeetStaticBuilder::from_env()?.build()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The shared Calendar layer this provider uses.
    pub fn calendar(&self) -> &Calendar {
        &self.inner.calendar
    }

    /// The token manager (for metrics).
    pub fn token_manager(&self) -> &TokenManager {
        &self.inner.tokens
    }
}

/// One account serves every tenant: whatever the tenant, a call uses the account's tokens.
#[async_trait]
impl CalendarMeetings for Inner {
    const OAUTH_CONNECT: bool = false;

    fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// Puts the configured refresh token in the memory store, once, so that the token manager
    /// can refresh from it and record a refusal on it.
    async fn token_access(&self, _tenant: &TenantId) -> Result<TokenAccess> {
        self.seeded
            .get_or_try_init(|| async {
                let record = TokenRecord::new(String::new())
                    .with_refresh_token(self.refresh_token.expose_secret().to_owned());
                self.tokens
                    .store()
                    .save(&self.key, &record, SaveCondition::Absent)
                    .await
                    .map(|_| ())
            })
            .await?;
        Ok(TokenAccess::new(self.tokens.clone(), self.key.clone()))
    }
}

#[async_trait]
impl MeetingProvider for GoogleMeetStaticProvider {
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

    /// A health probe of the one account, the same for every tenant: obtains an access token
    /// (refreshing if needed, so at most one token request per hour). A refused refresh token
    /// is reported as `NeedsReconnect` with Google's reason and the fix; any other failure (a
    /// refused client secret, Google unreachable) as `Unavailable` with its code and message,
    /// as Zoom does: no tenant can fix it, an operator has to look.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        let access = self.inner.token_access(tenant).await?;
        match access.manager().access_token(access.key()).await {
            Ok(token) => Ok(
                ConnectionStatus::connected(self.inner.id.clone(), tenant.clone())
                    .with_reason("one google account serves every tenant")
                    .with_scopes(token.scopes().to_vec())
                    .with_expires_at(token.expires_at()),
            ),
            Err(e) if e.code().needs_reconnect() => Ok(ConnectionStatus::needs_reconnect(
                self.inner.id.clone(),
                tenant.clone(),
                format!("revoked: {}", e.message()),
            )),
            Err(e) => Ok(ConnectionStatus::unavailable(
                self.inner.id.clone(),
                tenant.clone(),
                format!("{}: {}", e.code(), e.message()),
            )),
        }
    }
}
