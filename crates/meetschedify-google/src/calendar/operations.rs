//! Create, get, update and cancel, on top of [`Calendar::call`].

use std::sync::Arc;

use meetschedify_core::{
    CancelOutcome, CreatedMeeting, MeetingContext, Operation, Result, RetryConfig, TenantId,
    UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};

use super::client::{Answer, Calendar};
use super::errors::{self, Capture};
use super::final_check::{self, Check, InsertLog};
use super::ids;
use super::mapping::{self, RequestOptions};
use super::metadata;
use super::options::SendUpdates;
use super::ownership;
use super::path;
use crate::provider::CalendarTokens;

impl Calendar {
    /// Creates the event (with a Meet conference when the request asks for a link) and waits
    /// for the conference to be ready.
    ///
    /// The event id and the conference `requestId` are derived from the request's idempotency
    /// key (a fresh key when it has none), so retries after a lost answer can never make a
    /// second event: Google answers 409 `duplicate` and the existing event is read and
    /// returned instead. When every attempt failed and one of them may have made the event,
    /// a final read by id decides (see `final_check.rs`).
    pub(crate) async fn create<T: CalendarTokens>(
        &self,
        tokens: &T,
        request: &ValidatedCreate,
    ) -> Result<CreatedMeeting> {
        let req = request.request();
        let options = RequestOptions::from_request(&req.provider_options)?;
        let send = SendUpdates::resolve(
            self.options().send_updates,
            options.send_updates,
            req.notify_participants,
        );
        let keyed = req.idempotency_key.is_some();
        let event_id = match &req.idempotency_key {
            Some(key) => ids::event_id(self.provider_id(), &req.tenant_id, key),
            None => ids::event_id(self.provider_id(), &req.tenant_id, &ids::fresh_key()),
        };
        let event = mapping::event_for_create(request, &event_id);
        let calendar_id = self.calendar_segment();
        let log = Arc::new(InsertLog::default());
        let inserted = self
            .call(
                tokens,
                &req.tenant_id,
                Operation::CreateMeeting,
                false,
                |hub, dlg| {
                    // Owned: the future may not borrow from this call's stack.
                    let (event, calendar_id) = (event.clone(), calendar_id.to_owned());
                    let log = Arc::clone(&log);
                    Box::pin(async move {
                        // The bindings hold their delegate for the hub's whole lifetime, so
                        // the insert gets a capture of its own, read here for the log and
                        // then handed on to the caller's.
                        let mut capture = Capture::default();
                        log.sent();
                        let result = hub
                            .events()
                            .insert(event, &calendar_id)
                            // Without version 1 Google silently ignores conferenceData.
                            .conference_data_version(1)
                            .send_updates(send.as_str())
                            .delegate(&mut capture)
                            .doit()
                            .await;
                        log.finished(&result, &capture);
                        *dlg = capture;
                        result.map(|(r, e)| (r, Some(e)))
                    })
                },
            )
            .await;
        let answer = match inserted {
            Ok(answer) => answer,
            Err(e) if errors::is_duplicate(&e) => {
                tracing::info!(
                    event_id = %event_id,
                    "the event already exists (an earlier attempt went through); reading it"
                );
                self.fetch(tokens, &req.tenant_id, &event_id, Operation::CreateMeeting)
                    .await
                    .map_err(|e| final_check::created_but_unread(e, &event_id, keyed))?
            }
            Err(e) if log.maybe_applied() => {
                tracing::warn!(
                    event_id = %event_id,
                    code = %e.code(),
                    "create failed after an attempt that may have made the event; reading it by id"
                );
                match self.final_check(tokens, &req.tenant_id, &event_id).await {
                    Check::Found(answer) => {
                        tracing::info!(event_id = %event_id, "found the event after the last attempt; not an error");
                        *answer
                    }
                    Check::Absent => return Err(final_check::not_created(e)),
                    Check::Failed(read) => {
                        tracing::warn!(
                            event_id = %event_id,
                            code = %read.code(),
                            "the final check failed too: whether the event exists is unknown"
                        );
                        return Err(final_check::unknown(e, &event_id, keyed));
                    }
                }
            }
            Err(e) => return Err(e),
        };
        let answer = if req.add_conference_link {
            let allow_pending = options
                .allow_pending_conference
                .unwrap_or(self.options().allow_pending_conference);
            self.await_conference(tokens, &req.tenant_id, answer, allow_pending, keyed)
                .await?
        } else {
            answer
        };
        into_meeting(self, answer)
    }

    /// Reads a meeting by event id. A deleted event comes back with status `cancelled`. With
    /// the ownership check on, an event that is not the context tenant's is `MEETING_NOT_FOUND`.
    pub(crate) async fn get<T: CalendarTokens>(
        &self,
        tokens: &T,
        ctx: &MeetingContext,
        event_id: &str,
    ) -> Result<CreatedMeeting> {
        let event_id = path::segment(event_id, "meeting_id")?;
        let answer = self
            .fetch(tokens, &ctx.tenant_id, &event_id, Operation::GetMeeting)
            .await?;
        self.check_owner(&answer, &ctx.tenant_id)?;
        into_meeting(self, answer)
    }

    /// Patches the fields the update names; the conference is kept. Reads the event first, to
    /// report whether the join link changed and to blank metadata chunks that would go stale,
    /// and, with the ownership check on, to refuse another tenant's event before the patch.
    pub(crate) async fn update<T: CalendarTokens>(
        &self,
        tokens: &T,
        ctx: &MeetingContext,
        event_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let tenant = &ctx.tenant_id;
        let event_id = &path::segment(event_id, "meeting_id")?;
        let before = self
            .fetch(tokens, tenant, event_id, Operation::UpdateMeeting)
            .await?;
        self.check_owner(&before, tenant)?;
        let before_event = before.event()?;
        let stale_parts = metadata::parts(
            before_event
                .extended_properties
                .as_ref()
                .and_then(|p| p.private.as_ref()),
        );
        let patch = mapping::event_for_patch(update, stale_parts);
        let send = SendUpdates::resolve(self.options().send_updates, None, ctx.notify_participants);
        let calendar_id = self.calendar_segment();
        let after = self
            .call(
                tokens,
                tenant,
                Operation::UpdateMeeting,
                true,
                |hub, dlg| {
                    let call = hub
                        .events()
                        .patch(patch.clone(), calendar_id, event_id)
                        // Version 1 copies the existing conference through the patch.
                        .conference_data_version(1)
                        .send_updates(send.as_str())
                        .delegate(dlg);
                    Box::pin(async move { call.doit().await.map(|(r, e)| (r, Some(e))) })
                },
            )
            .await?;
        let changed = mapping::video_link(before_event) != mapping::video_link(after.event()?);
        Ok(UpdatedMeeting::new(into_meeting(self, after)?, changed))
    }

    /// Deletes the event. An event already deleted (Google's 410 `deleted`) gives
    /// [`CancelOutcome::AlreadyCancelled`]; an id that never existed is `MEETING_NOT_FOUND`.
    /// When the answer to a delete is lost and the retry meets the 410, the outcome is also
    /// `AlreadyCancelled`: the meeting is gone either way. With the ownership check on, the
    /// event is read first, and one that is not the context tenant's (deleted or not) is
    /// `MEETING_NOT_FOUND`, and is not deleted.
    pub(crate) async fn cancel<T: CalendarTokens>(
        &self,
        tokens: &T,
        ctx: &MeetingContext,
        event_id: &str,
    ) -> Result<CancelOutcome> {
        let send = SendUpdates::resolve(self.options().send_updates, None, ctx.notify_participants);
        let event_id = &path::segment(event_id, "meeting_id")?;
        if self.tenant_ownership() {
            // A deleted event is still read (as a cancelled tombstone with its properties), so
            // its owner's repeated cancel goes on to the delete and its `AlreadyCancelled`.
            let event = self
                .fetch(tokens, &ctx.tenant_id, event_id, Operation::CancelMeeting)
                .await?;
            self.check_owner(&event, &ctx.tenant_id)?;
        }
        let calendar_id = self.calendar_segment();
        let deleted = self
            .call(
                tokens,
                &ctx.tenant_id,
                Operation::CancelMeeting,
                true,
                |hub, dlg| {
                    let call = hub
                        .events()
                        .delete(calendar_id, event_id)
                        .send_updates(send.as_str())
                        .delegate(dlg);
                    Box::pin(async move { call.doit().await.map(|r| (r, None)) })
                },
            )
            .await;
        match deleted {
            Ok(_) => Ok(CancelOutcome::Cancelled),
            Err(e) if errors::is_deleted(&e) => Ok(CancelOutcome::AlreadyCancelled),
            Err(e) => Err(e),
        }
    }

    /// `events.get`, retried. `event_id` must already be a path segment (see [`path`]); the
    /// ids this crate derives are base32hex, which encodes to itself.
    pub(crate) async fn fetch<T: CalendarTokens>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        event_id: &str,
        operation: Operation,
    ) -> Result<Answer> {
        self.fetch_with(&self.options().retry, tokens, tenant, event_id, operation)
            .await
    }

    /// [`fetch`](Self::fetch) under another retry policy (the create's final check).
    pub(crate) async fn fetch_with<T: CalendarTokens>(
        &self,
        retry: &RetryConfig,
        tokens: &T,
        tenant: &TenantId,
        event_id: &str,
        operation: Operation,
    ) -> Result<Answer> {
        let calendar_id = self.calendar_segment();
        self.call_with(retry, tokens, tenant, operation, true, |hub, dlg| {
            let call = hub.events().get(calendar_id, event_id).delegate(dlg);
            Box::pin(async move { call.doit().await.map(|(r, e)| (r, Some(e))) })
        })
        .await
    }
}

impl Calendar {
    /// With the ownership check on, refuses an event that is not `tenant`'s.
    fn check_owner(&self, answer: &Answer, tenant: &TenantId) -> Result<()> {
        if !self.tenant_ownership() {
            return Ok(());
        }
        ownership::ensure_owned(answer.event()?, tenant)
    }
}

fn into_meeting(calendar: &Calendar, answer: Answer) -> Result<CreatedMeeting> {
    let event = answer.event()?;
    let raw = if calendar.options().raw_event {
        answer.raw()
    } else {
        serde_json::Value::Null
    };
    mapping::to_meeting(calendar.provider_id(), event, raw)
}
