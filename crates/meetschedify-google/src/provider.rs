//! [`CalendarProvider`]: Google Meet through Google Calendar, over any [`CalendarTokens`].
//!
//! Both Google providers are this one type: they differ only in where a tenant's access token
//! comes from. [`GoogleMeetProvider`](crate::GoogleMeetProvider) reads each tenant's own tokens
//! from a token store ([`PerUserTokens`](crate::PerUserTokens)); the static provider of
//! `meetschedify-google-static` uses one account's refresh token for every tenant. The meeting
//! operations are written once, here.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    async_trait, AccessToken, CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting,
    GetMeeting, Guarantees, MeetingContext, MeetingProvider, OAuthConnect, ProviderId, Result,
    TenantId, UpdateMeeting, UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};

use crate::builder::{CalendarProviderBuilder, TokenSourceConfig};
use crate::calendar::{Calendar, CalendarOptions};
use crate::endpoints::GoogleEndpoints;

/// Where a [`CalendarProvider`]'s access tokens come from.
///
/// A source answers for a tenant: it hands out a usable access token, replaces one Google
/// refused with a 401, says whether the tenant can schedule meetings, and, when tenants connect
/// their own accounts, offers the OAuth connect flow.
#[async_trait]
pub trait CalendarTokens: Send + Sync + fmt::Debug + 'static {
    /// What a [`CalendarProviderBuilder`] collects to build this source.
    type Config: TokenSourceConfig<Source = Self>;

    /// A usable access token for `tenant`'s calls (refreshed when needed). An error here fails
    /// the call before any request is sent.
    async fn access_token(&self, tenant: &TenantId) -> Result<AccessToken>;

    /// A new access token after Google refused `rejected` (a 401): the call is then repeated
    /// once with it.
    async fn refresh_after_rejection(
        &self,
        tenant: &TenantId,
        rejected: &AccessToken,
    ) -> Result<AccessToken>;

    /// Whether `tenant` can schedule meetings now, and if not, why.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus>;

    /// The per-user OAuth connect flow, when tenants connect their own accounts.
    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        None
    }
}

/// Google Meet: meetings are Google Calendar events with a Meet conference, on the calendar of
/// the account the token source `S` gives for each tenant.
///
/// Offers every operation (create, get, update, cancel), idempotent creates (the event id is
/// derived from the idempotency key) and metadata that comes back on get (kept in the event's
/// private extended properties). Build it with [`CalendarProvider::builder`]; it is cheap to
/// clone.
pub struct CalendarProvider<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    calendar: Calendar,
    tokens: S,
    /// The push channels opened on the tenants' calendars (feature `webhooks`), kept here so
    /// a disconnect can stop them: every watch, verifier and disconnect of this provider and
    /// its clones reads the same store.
    subscriptions: Arc<dyn SubscriptionStore>,
}

impl<S> Clone for CalendarProvider<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for CalendarProvider<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalendarProvider")
            .field("calendar", &self.inner.calendar)
            .field("tokens", &self.inner.tokens)
            .field("subscriptions", &self.inner.subscriptions)
            .finish()
    }
}

impl<S: CalendarTokens> CalendarProvider<S> {
    /// Starts a configuration with the defaults of the token source `S`.
    pub fn builder() -> CalendarProviderBuilder<S> {
        CalendarProviderBuilder::new()
    }

    /// The configuration from the environment (see [`CalendarProviderBuilder::from_env`]),
    /// built. Fails, naming it, when the source needs something the environment cannot give
    /// (the per-user source needs a token store).
    pub fn from_env() -> Result<Self> {
        CalendarProviderBuilder::from_env().build()
    }

    pub(crate) fn new(
        calendar: Calendar,
        tokens: S,
        subscriptions: Arc<dyn SubscriptionStore>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                calendar,
                tokens,
                subscriptions,
            }),
        }
    }

    /// The Calendar layer, for the push channels.
    pub(crate) fn calendar(&self) -> &Calendar {
        &self.inner.calendar
    }

    /// Where this provider keeps its push channels (see
    /// [`CalendarProviderBuilder::with_subscription_store`]): the store a
    /// `GoogleWatch` and a `GoogleWebhookVerifier` over this provider use, and the one a
    /// disconnect stops a tenant's channels from.
    pub fn subscription_store(&self) -> &Arc<dyn SubscriptionStore> {
        &self.inner.subscriptions
    }

    /// The token source.
    pub fn tokens(&self) -> &S {
        &self.inner.tokens
    }

    /// The Calendar settings it was built with.
    pub fn options(&self) -> &CalendarOptions {
        self.inner.calendar.options()
    }

    /// The endpoints it calls.
    pub fn endpoints(&self) -> &GoogleEndpoints {
        self.inner.calendar.endpoints()
    }

    /// Whether get, update and cancel refuse events of other tenants (see
    /// [`CalendarProviderBuilder::with_tenant_ownership`]).
    pub fn tenant_ownership(&self) -> bool {
        self.inner.calendar.tenant_ownership()
    }
}

#[async_trait]
impl<S: CalendarTokens> MeetingProvider for CalendarProvider<S> {
    fn id(&self) -> &ProviderId {
        self.inner.calendar.provider_id()
    }

    /// Idempotent creates (the event id derives from the idempotency key, and Google refuses a
    /// second event with it) and metadata that comes back on get (kept in the event's private
    /// extended properties).
    fn guarantees(&self) -> Guarantees {
        Guarantees::NONE
            .with_idempotent_create(true)
            .with_metadata_round_trip(true)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        self.inner
            .calendar
            .create(&self.inner.tokens, request)
            .await
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        self.inner.tokens.connection_status(tenant).await
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

    /// The provider itself when its token source has a connect flow: its disconnect stops the
    /// tenant's push channels before the source revokes the grant (see `disconnect.rs`).
    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        self.inner.tokens.oauth().map(|_| self as &dyn OAuthConnect)
    }
}

#[async_trait]
impl<S: CalendarTokens> GetMeeting for CalendarProvider<S> {
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        self.inner
            .calendar
            .get(&self.inner.tokens, ctx, meeting_id)
            .await
    }
}

#[async_trait]
impl<S: CalendarTokens> UpdateMeeting for CalendarProvider<S> {
    async fn update_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        self.inner
            .calendar
            .update(&self.inner.tokens, ctx, meeting_id, update)
            .await
    }
}

#[async_trait]
impl<S: CalendarTokens> CancelMeeting for CalendarProvider<S> {
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        self.inner
            .calendar
            .cancel(&self.inner.tokens, ctx, meeting_id)
            .await
    }
}
