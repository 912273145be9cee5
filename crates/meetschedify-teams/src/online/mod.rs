//! The online-meetings mode ([`TeamsAppMode::OnlineMeetings`](crate::TeamsAppMode)): each
//! meeting is a standalone Teams meeting under `/users/{organizer}/onlineMeetings`, created
//! with `createOrGet` (reference §2).
//!
//! What differs from the calendar-events mode, and why:
//!
//! - **Idempotency** is Graph's documented one: `createOrGet` with an `externalId` derived
//!   from the idempotency key (see `external_id.rs`) returns the meeting that key already
//!   made, so a repeated create or a retry after a lost answer never makes a second one.
//! - **Tenant ownership** and the **time zone** live in that `externalId`, the one property an
//!   onlineMeeting lets a client choose and read back.
//! - **Metadata and the description** have nowhere to go: an onlineMeeting has no extended
//!   properties and no description (§2.5). A create's metadata is returned on the created
//!   meeting as core asks, but reads give none, and the provider declares no metadata round
//!   trip; a description is not kept.
//! - **Nobody is emailed**: online meetings are on no calendar and Graph sends no invitation
//!   (§2). `notify_participants: false` is what happens anyway; `true` with participants is
//!   refused (`INVALID_REQUEST`) rather than answered as if invitations went out.

mod body;
mod cancel;
mod create;
mod denied;
mod external_id;
mod mapping;
mod update;

use std::sync::atomic::{AtomicBool, Ordering};

use meetschedify_core::{
    with_retry, CreatedMeeting, Error, MeetingContext, Metadata, ProviderId, Result, TenantId,
};
use reqwest::Method;
use serde_json::Value;

use crate::api::{Call, GraphApi};
use crate::config::Settings;
use crate::errors::{graph_status, unexpected};
use crate::path::{check_event_id, segment};

use external_id::ExternalId;

/// The online-meetings operations over a provider's settings and Graph client.
pub(crate) struct Online<'a> {
    settings: &'a Settings,
    api: &'a GraphApi,
}

/// A meeting read for get, update or cancel, with the library's `externalId` when it has one.
struct Owned {
    meeting: Value,
    external_id: Option<ExternalId>,
}

impl Owned {
    fn zone(&self) -> Option<&str> {
        self.external_id.as_ref().map(ExternalId::zone)
    }
}

impl<'a> Online<'a> {
    pub(crate) fn new(settings: &'a Settings, api: &'a GraphApi) -> Self {
        Self { settings, api }
    }

    fn provider(&self) -> &ProviderId {
        &self.settings.provider_id
    }

    fn organizer(&self) -> &str {
        &self.settings.organizer
    }

    /// `/users/{organizer}/onlineMeetings`.
    fn meetings_path(&self) -> String {
        format!("/users/{}/onlineMeetings", segment(self.organizer()))
    }

    /// `/users/{organizer}/onlineMeetings/{id}`.
    fn meeting_path(&self, id: &str) -> String {
        format!("{}/{}", self.meetings_path(), segment(id))
    }

    /// Runs a call that is safe to repeat under the retry policy; `lost_answer` is set when an
    /// attempt may have taken effect although it failed. A 403 names the grants this mode needs.
    async fn retrying(
        &self,
        call: &Call<'_>,
        tenant: &TenantId,
        lost_answer: &AtomicBool,
    ) -> Result<Option<Value>> {
        with_retry(&self.settings.retry, |attempt| async move {
            self.api.call(call, tenant, attempt).await.map_err(|f| {
                if f.ambiguous {
                    lost_answer.store(true, Ordering::SeqCst);
                }
                f.error
            })
        })
        .await
        .map_err(|e| denied::explain(e, self.organizer(), &self.settings.client_id))
    }

    /// The meeting, whoever owns it.
    async fn read(&self, id: &str, tenant: &TenantId) -> Result<Value> {
        let call = Call::new(
            Method::GET,
            "GET /users/{organizer}/onlineMeetings/{id}",
            self.meeting_path(id),
        );
        self.retrying(&call, tenant, &AtomicBool::new(false))
            .await?
            .ok_or_else(|| unexpected("an empty online meeting", self.provider()))
    }

    /// The meeting, refused as `MEETING_NOT_FOUND` when the ownership check is on and its
    /// `externalId` is not `tenant`'s (another tenant's, or a meeting made outside this
    /// library: both answer alike, so a tenant learns nothing of meetings not its own).
    async fn owned(&self, id: &str, tenant: &TenantId) -> Result<Owned> {
        let meeting = self.read(id, tenant).await?;
        let external_id = mapping::external_id(&meeting).and_then(ExternalId::parse);
        let mine = external_id
            .as_ref()
            .is_some_and(|e| e.owned_by(self.provider(), tenant));
        if self.settings.tenant_ownership && !mine {
            tracing::info!(
                "refused: the online meeting belongs to another tenant or was made outside \
                 meetschedify"
            );
            return Err(self.not_found());
        }
        Ok(Owned {
            meeting,
            external_id,
        })
    }

    /// What Graph answers for a meeting id it does not know (`itemNotFound`, §4.1).
    fn not_found(&self) -> Error {
        let body = br#"{"error":{"code":"itemNotFound","message":"The requested online meeting was not found."}}"#;
        graph_status(
            404,
            &Default::default(),
            body,
            self.provider(),
            self.api.mailbox(),
        )
        .error
    }

    /// Online meetings email nobody (§2): asking for notifications with someone to notify is
    /// refused, so no caller believes invitations went out.
    fn refuse_notifications(notify: Option<bool>, has_participants: bool) -> Result<()> {
        if notify == Some(true) && has_participants {
            return Err(Error::invalid_request(
                "notify_participants",
                "teams online meetings send no invitations: share the join link with the \
                 participants, or use the calendar-events mode (MICROSOFT_TEAMS_MODE=events), \
                 which emails them",
            ));
        }
        Ok(())
    }

    /// `GET /users/{organizer}/onlineMeetings/{id}`: the meeting in its create's zone, without
    /// metadata (an onlineMeeting keeps none).
    pub(crate) async fn get(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CreatedMeeting> {
        let id = check_event_id(meeting_id)?;
        let owned = self.owned(id, &ctx.tenant_id).await?;
        let zone = owned.zone().map(str::to_owned);
        mapping::to_created(
            owned.meeting,
            zone.as_deref(),
            Metadata::new(),
            self.provider(),
        )
    }
}

/// Whether a meeting JSON lists attendees.
fn has_attendees(meeting: &Value) -> bool {
    meeting
        .pointer("/participants/attendees")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}
