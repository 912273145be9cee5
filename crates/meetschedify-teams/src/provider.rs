//! [`TeamsAppProvider`]: the [`MeetingProvider`] for Teams meetings on one organizer's
//! calendar, with application permissions.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting, Error, GetMeeting, Guarantees,
    MeetingContext, MeetingProvider, Operation, ProviderId, RequestLimits, Result, TenantId,
    TokenKey, TokenManager, UpdateMeeting, UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};

use crate::builder::TeamsAppProviderBuilder;
use crate::config::Settings;
use crate::events::EventCalendar;
use crate::mode::TeamsAppMode;
use crate::online::Online;

mod probe;

/// The limits of a Teams event: core's defaults. Outlook documents no subject or body maximum
/// for Graph; 100 participants stays at the size past which Teams links have been reported
/// missing from created events.
pub const TEAMS_LIMITS: RequestLimits = RequestLimits::DEFAULT;

/// Schedules Teams meetings as events on one organizer's Outlook calendar, through Microsoft
/// Graph with application permissions (client credentials).
///
/// Each meeting is a calendar event with a Teams meeting (`isOnlineMeeting`,
/// `teamsForBusiness`): attendees get Outlook invitations, updates and cancellations. Every
/// tenant of the application shares the organizer's calendar and one access token; each event
/// is stamped with its tenant, and by default get, update and cancel answer
/// `MEETING_NOT_FOUND` for an event that is not the caller's tenant's (see
/// [`TeamsAppProviderBuilder::with_tenant_ownership`]). With
/// [`TeamsAppMode::OnlineMeetings`] each meeting is a standalone Teams online meeting instead,
/// on no calendar and with no invitations (see the crate docs, *Two modes*).
///
/// Cheap to clone (one `Arc`); register it with a `MeetSchedifyClient` or call it directly.
#[derive(Clone)]
pub struct TeamsAppProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    /// The one client-credentials token every tenant uses.
    token_key: TokenKey,
    /// The event operations on the organizer's calendar (`/users/{organizer}`).
    events: EventCalendar,
    /// Where its Graph subscriptions are kept (see the builder's `with_subscription_store`).
    subscriptions: Arc<dyn SubscriptionStore>,
}

impl TeamsAppProvider {
    /// A provider configured from the environment: [`TeamsAppProviderBuilder::from_env`], then
    /// [`build`](TeamsAppProviderBuilder::build).
    pub fn from_env() -> Result<Self> {
        TeamsAppProviderBuilder::from_env().build()
    }

    /// Starts building a provider.
    pub fn builder() -> TeamsAppProviderBuilder {
        TeamsAppProviderBuilder::new()
    }

    pub(crate) fn assemble(
        settings: Settings,
        token_key: TokenKey,
        events: EventCalendar,
        subscriptions: Arc<dyn SubscriptionStore>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                token_key,
                events,
                subscriptions,
            }),
        }
    }

    /// Where its Graph subscriptions are kept (see
    /// [`TeamsAppProviderBuilder::with_subscription_store`]).
    pub fn subscription_store(&self) -> &Arc<dyn SubscriptionStore> {
        &self.inner.subscriptions
    }

    /// The token manager (shared by every clone of this provider).
    pub fn token_manager(&self) -> &TokenManager {
        self.inner.events.api.tokens().manager()
    }

    /// The key its access token is stored under: tenant = `{entra tenant}/{client id}`,
    /// provider = the provider id. All of the application's tenants share it.
    pub fn token_key(&self) -> &TokenKey {
        &self.inner.token_key
    }

    /// The organizer whose calendar holds the meetings, as configured.
    pub fn organizer(&self) -> &str {
        &self.inner.settings.organizer
    }

    /// Graph subscriptions to the organizer's `users/{organizer}/events`, kept in the
    /// provider's [`subscription_store`](Self::subscription_store) (feature `webhooks`).
    /// `OPERATION_NOT_SUPPORTED` in online-meetings mode: standalone online meetings are on no
    /// calendar. The app-only provider has no disconnect: delete them with
    /// [`unsubscribe`](crate::webhooks::GraphSubscriptions::unsubscribe).
    #[cfg(feature = "webhooks")]
    pub fn subscriptions(&self) -> Result<crate::webhooks::GraphSubscriptions> {
        if self.inner.settings.mode == TeamsAppMode::OnlineMeetings {
            return Err(Error::new(
                meetschedify_core::ErrorCode::OperationNotSupported,
                "graph subscriptions cover calendar events; online-meetings mode has none",
            )
            .with_provider(self.id_ref().clone()));
        }
        Ok(crate::webhooks::GraphSubscriptions::new(
            self.inner.events.clone(),
            Arc::clone(&self.inner.subscriptions),
        ))
    }

    /// The Entra tenant the application is registered in (`MICROSOFT_TENANT_ID`), which every
    /// Graph notification's `tenantId` names.
    pub fn entra_tenant_id(&self) -> &str {
        &self.inner.settings.tenant_id
    }

    /// The online-meetings operations, for [`TeamsAppMode::OnlineMeetings`].
    fn online(&self) -> Online<'_> {
        Online::new(&self.inner.settings, &self.inner.events.api)
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

    async fn status(&self, tenant: &TenantId) -> ConnectionStatus {
        let id = self.id_ref().clone();
        let organizer = self.inner.settings.organizer.clone();
        match self.token_manager().access_token(self.token_key()).await {
            Ok(token) => ConnectionStatus::connected(id, tenant.clone())
                .with_reason("access token obtained")
                .with_account(organizer)
                .with_scopes(token.scopes().to_vec())
                .with_expires_at(token.expires_at()),
            // Client credentials have no user to reconnect: whatever failed (credentials,
            // consent, the network) is for an operator to fix.
            Err(err) => ConnectionStatus::unavailable(
                id,
                tenant.clone(),
                format!("{}: {}", err.code(), err.message()),
            )
            .with_account(organizer),
        }
    }
}

// The client opens one span per operation with the provider, operation and tenant; the
// provider adds only `graph_http` per request (route, attempt, HTTP status).
#[async_trait]
impl MeetingProvider for TeamsAppProvider {
    fn id(&self) -> &ProviderId {
        self.id_ref()
    }

    fn limits(&self) -> RequestLimits {
        TEAMS_LIMITS
    }

    /// A keyed create is idempotent in both modes: through Graph's `transactionId` for events,
    /// `createOrGet`'s `externalId` for online meetings (see the crate docs). Metadata
    /// round-trips in the event's extended property; an online meeting has no place for it.
    fn guarantees(&self) -> Guarantees {
        let metadata = match self.inner.settings.mode {
            TeamsAppMode::CalendarEvents => true,
            TeamsAppMode::OnlineMeetings => false,
        };
        Guarantees::NONE
            .with_idempotent_create(true)
            .with_metadata_round_trip(metadata)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let made = match self.inner.settings.mode {
            TeamsAppMode::CalendarEvents => self.create(request).await,
            TeamsAppMode::OnlineMeetings => self.online().create(request).await,
        };
        made.map_err(|e| self.tag(e, Operation::CreateMeeting))
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        Ok(self.status(tenant).await)
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
}

#[async_trait]
impl GetMeeting for TeamsAppProvider {
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        let got = match self.inner.settings.mode {
            TeamsAppMode::CalendarEvents => self.fetch(ctx, meeting_id).await,
            TeamsAppMode::OnlineMeetings => self.online().get(ctx, meeting_id).await,
        };
        got.map_err(|e| self.tag(e, Operation::GetMeeting))
    }
}

#[async_trait]
impl UpdateMeeting for TeamsAppProvider {
    async fn update_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let updated = match self.inner.settings.mode {
            TeamsAppMode::CalendarEvents => self.apply_update(ctx, meeting_id, update).await,
            TeamsAppMode::OnlineMeetings => self.online().update(ctx, meeting_id, update).await,
        };
        updated.map_err(|e| self.tag(e, Operation::UpdateMeeting))
    }
}

#[async_trait]
impl CancelMeeting for TeamsAppProvider {
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        let outcome = match self.inner.settings.mode {
            TeamsAppMode::CalendarEvents => self.remove(ctx, meeting_id).await,
            TeamsAppMode::OnlineMeetings => self.online().cancel(ctx, meeting_id).await,
        };
        outcome.map_err(|e| self.tag(e, Operation::CancelMeeting))
    }
}

impl fmt::Debug for TeamsAppProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsAppProvider")
            .field("settings", &self.inner.settings)
            .field("token_manager", self.token_manager())
            .field("subscriptions", &self.inner.subscriptions)
            .finish()
    }
}
