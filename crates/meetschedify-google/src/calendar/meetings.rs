//! [`CalendarMeetings`]: the meeting operations of a provider built on the Calendar layer.

use meetschedify_core::{
    async_trait, CancelOutcome, Capabilities, CreatedMeeting, MeetingContext, Result, TenantId,
    UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};

use super::client::Calendar;
use super::token_source::TokenAccess;

/// How a provider built on the [`Calendar`] layer answers the meeting operations, written once
/// for both Google providers (and for a custom one): each call finds the token access of the
/// request's tenant, then hands the call to the Calendar layer. The providers differ only in
/// where a tenant's tokens are, which is [`token_access`](Self::token_access).
///
/// A provider implements it on its private state and forwards its
/// [`MeetingProvider`](meetschedify_core::MeetingProvider) methods to it. It cannot be a blanket
/// `MeetingProvider` implementation: Rust does not let this crate implement core's trait for
/// every type implementing one of its own, and `connection_status` differs per provider anyway.
/// Implement it on a type users do not see: its method names are `MeetingProvider`'s, and a
/// type implementing both would make calls ambiguous wherever both traits are imported.
#[async_trait]
pub trait CalendarMeetings: Send + Sync {
    /// Whether the provider has a per-user OAuth connect flow, as its capabilities declare.
    const OAUTH_CONNECT: bool;

    /// The Calendar layer the calls go through.
    fn calendar(&self) -> &Calendar;

    /// The tokens the calls of `tenant` use (an error here fails the call before any request).
    async fn token_access(&self, tenant: &TenantId) -> Result<TokenAccess>;

    /// Every operation, idempotent creates (event ids derive from the idempotency key) and
    /// metadata on get (kept in the event's private extended properties), plus the connect flow
    /// when [`OAUTH_CONNECT`](Self::OAUTH_CONNECT) says so.
    fn capabilities(&self) -> Capabilities {
        Capabilities::full()
            .with_oauth_connect(Self::OAUTH_CONNECT)
            .with_idempotent_create(true)
            .with_metadata_on_get(true)
    }

    /// [`Calendar::create`] with the tokens of the request's tenant.
    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let access = self.token_access(&request.request().tenant_id).await?;
        self.calendar().create(&access, request).await
    }

    /// [`Calendar::get`] with the tokens of the context's tenant.
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        let access = self.token_access(&ctx.tenant_id).await?;
        self.calendar().get(&access, ctx, meeting_id).await
    }

    /// [`Calendar::update`] with the tokens of the update's tenant.
    async fn update_meeting(
        &self,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let access = self.token_access(&update.request().tenant_id).await?;
        self.calendar().update(&access, meeting_id, update).await
    }

    /// [`Calendar::cancel`] with the tokens of the context's tenant.
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        let access = self.token_access(&ctx.tenant_id).await?;
        self.calendar().cancel(&access, ctx, meeting_id).await
    }
}
