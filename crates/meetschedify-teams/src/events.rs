//! [`EventCalendar`]: Teams meetings as Outlook calendar events, whoever's calendar it is.
//!
//! Create, read, update and cancel of an event with a Teams meeting, the retry wrapper around
//! each Graph call, the ownership stamp and the mapping back to meetings. Both providers use it:
//! the app-only one on `/users/{organizer}` with its client-credentials token, the per-user one
//! on `/me` with each tenant's delegated token ([`GraphApi`] carries which).

use std::sync::atomic::{AtomicBool, Ordering};

use meetschedify_core::{
    with_retry, CancelOutcome, CreatedMeeting, Error, ErrorCode, MeetingContext, ProviderId,
    Result, RetryConfig, TenantId, UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::api::{Call, GraphApi};
use crate::body::{create_body, update_body};
use crate::errors::{graph_status, unexpected};
use crate::mailbox::Route;
use crate::mapping::{join_url, no_teams_link, to_created};
use crate::path::check_event_id;
use crate::props::{expand, Stamp};
use crate::transaction;

/// The event operations of one provider. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct EventCalendar {
    pub(crate) api: GraphApi,
    pub(crate) retry: RetryConfig,
    pub(crate) provider_id: ProviderId,
    /// Refuse events that are not the caller's tenant's (see the builders' `with_tenant_ownership`).
    pub(crate) tenant_ownership: bool,
}

impl EventCalendar {
    fn id_ref(&self) -> &ProviderId {
        &self.provider_id
    }

    /// Runs a call that is safe to repeat under the retry policy; `lost_answer` is set when an
    /// attempt may have taken effect although it failed.
    async fn retrying(
        &self,
        call: &Call<'_>,
        tenant: &TenantId,
        lost_answer: &AtomicBool,
    ) -> Result<Option<Value>> {
        with_retry(&self.retry, |attempt| async move {
            self.api.call(call, tenant, attempt).await.map_err(|f| {
                if f.ambiguous {
                    lost_answer.store(true, Ordering::SeqCst);
                }
                f.error
            })
        })
        .await
    }

    /// Reads at most one event id from the calendar (`GET {events}?$top=1&$select=id`) with
    /// `tenant`'s token: proves the grant reaches the calendar, writes nothing. A read has no
    /// outcome to lose, so whether an attempt's answer got through is irrelevant.
    pub(crate) async fn probe(&self, tenant: &TenantId) -> Result<()> {
        let mailbox = self.api.mailbox();
        let call = Call::new(Method::GET, mailbox.route(Route::List), mailbox.events())
            .with_query("$top", "1")
            .with_query("$select", "id");
        self.retrying(&call, tenant, &AtomicBool::new(false))
            .await
            .map(drop)
    }

    /// The event with the library's property, whoever owns it.
    async fn read(&self, id: &str, tenant: &TenantId) -> Result<Value> {
        let mailbox = self.api.mailbox();
        let call = Call::new(Method::GET, mailbox.route(Route::Read), mailbox.event(id))
            .with_query("$expand", expand());
        self.retrying(&call, tenant, &AtomicBool::new(false))
            .await?
            .ok_or_else(|| unexpected("an empty event", self.id_ref()))
    }

    /// The event and its stamp, refused as `MEETING_NOT_FOUND` when the ownership check is on
    /// and it is not `tenant`'s (another tenant's, or made outside this library: both answer
    /// alike, so a tenant learns nothing about events that are not its own).
    async fn owned(&self, id: &str, tenant: &TenantId) -> Result<(Value, Stamp)> {
        let event = self.read(id, tenant).await?;
        let stamp = Stamp::of_event(&event);
        if !self.tenant_ownership {
            return Ok((event, stamp.unwrap_or_else(|| Stamp::new(tenant))));
        }
        match stamp {
            Some(stamp) if stamp.owned_by(tenant) => Ok((event, stamp)),
            _ => {
                tracing::info!(
                    "refused: the event belongs to another tenant or was made outside meetschedify"
                );
                Err(self.not_found())
            }
        }
    }

    /// What Graph answers for an event id it does not know.
    fn not_found(&self) -> Error {
        let body = br#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store."}}"#;
        graph_status(
            404,
            &Default::default(),
            body,
            self.id_ref(),
            self.api.mailbox(),
        )
        .error
    }

    /// Graph emails attendees of every create, update and cancel, and offers no switch
    /// (`user-post-events`: invitations "cannot be switched off"): a caller asking for silence
    /// is refused rather than surprised.
    fn refuse_silence(notify: Option<bool>, has_attendees: bool) -> Result<()> {
        if notify == Some(false) && has_attendees {
            return Err(Error::invalid_request(
                "notify_participants",
                "microsoft graph always emails the attendees of a teams calendar event; \
                 notifications cannot be switched off",
            ));
        }
        Ok(())
    }

    /// Creates the event; a keyed create is idempotent through a derived `transactionId`.
    pub(crate) async fn create(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let req = request.request();
        let tenant = &req.tenant_id;
        Self::refuse_silence(req.notify_participants, req.participants().next().is_some())?;
        let zone = request.time().timezone().to_owned();
        let mut stamp = Stamp::new(tenant);
        stamp.timezone = Some(zone.clone());
        stamp.description = req.description.clone();
        stamp.metadata = req.metadata.clone();
        // Chosen once, before the first attempt: every retry sends the same id, so a create
        // whose answer was lost never makes a second event.
        let transaction_id = match &req.idempotency_key {
            Some(key) => transaction::derived(self.id_ref(), tenant, key),
            None => transaction::random(),
        };
        let body = create_body(request, &transaction_id, &stamp);
        let mailbox = self.api.mailbox();
        let call = Call::new(Method::POST, mailbox.route(Route::Create), mailbox.events())
            .with_body(&body);
        let lost_answer = AtomicBool::new(false);
        let created = self
            .retrying(&call, tenant, &lost_answer)
            .await
            .map_err(|e| crate::outcome::after_attempts(e, lost_answer.load(Ordering::SeqCst)))?;
        let mut event =
            created.ok_or_else(|| unexpected("an empty created event", self.id_ref()))?;
        if req.add_conference_link && join_url(&event).is_none() {
            event = self.await_link(event, tenant).await?;
        }
        tracing::info!(transaction_id = %transaction_id, "teams event created");
        to_created(event, Some(&zone), req.metadata.clone(), self.id_ref())
    }

    /// A create answer without `onlineMeeting.joinUrl`: read the online-meeting fields once
    /// (Graph's documented `$select`), and fail naming the event if Teams is still missing.
    async fn await_link(&self, mut event: Value, tenant: &TenantId) -> Result<Value> {
        let id = event
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| unexpected("an event without an id", self.id_ref()))?
            .to_owned();
        let mailbox = self.api.mailbox();
        let call = Call::new(Method::GET, mailbox.route(Route::Read), mailbox.event(&id))
            .with_query(
                "$select",
                "isOnlineMeeting,onlineMeetingProvider,onlineMeeting",
            );
        let fields = self
            .retrying(&call, tenant, &AtomicBool::new(false))
            .await?
            .unwrap_or(Value::Null);
        if join_url(&fields).is_none() {
            return Err(no_teams_link(&id, mailbox, self.id_ref()));
        }
        for key in ["isOnlineMeeting", "onlineMeetingProvider", "onlineMeeting"] {
            if let Some(value) = fields.get(key) {
                event[key] = value.clone();
            }
        }
        Ok(event)
    }

    /// The tenant's meeting, with its time zone and metadata from the stamp.
    pub(crate) async fn fetch(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CreatedMeeting> {
        let id = check_event_id(meeting_id)?;
        let (event, stamp) = self.owned(id, &ctx.tenant_id).await?;
        to_created(
            event,
            stamp.timezone.as_deref(),
            stamp.metadata,
            self.id_ref(),
        )
    }

    /// Patches what changed; the stamp keeps the time zone, description and metadata.
    pub(crate) async fn apply_update(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let id = check_event_id(meeting_id)?;
        let tenant = &ctx.tenant_id;
        // Read and checked before anything is sent: another tenant's event is never patched.
        let (before, stamp) = self.owned(id, tenant).await?;
        let has_attendees = before
            .get("attendees")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
            || update
                .request()
                .participants
                .as_ref()
                .is_some_and(|p| !p.is_empty());
        Self::refuse_silence(ctx.notify_participants, has_attendees)?;
        let body = update_body(update, &before, &stamp);
        let zone = update
            .time()
            .map(|t| t.timezone().to_owned())
            .or_else(|| stamp.timezone.clone());
        let metadata = update
            .request()
            .metadata
            .clone()
            .unwrap_or_else(|| stamp.metadata.clone());
        let after = if body.is_empty() {
            before.clone()
        } else {
            let body = Value::Object(body);
            let mailbox = self.api.mailbox();
            let patch = Call::new(
                Method::PATCH,
                mailbox.route(Route::Patch),
                mailbox.event(id),
            )
            .with_body(&body);
            // Setting fields to values is idempotent, so a PATCH whose answer was lost is
            // simply sent again.
            let answer = self
                .retrying(&patch, tenant, &AtomicBool::new(false))
                .await?;
            match answer {
                Some(after) if after.get("id").is_some() && join_url(&after).is_some() => after,
                // 200 with the event is documented; an answer without it (or without the
                // online meeting) is completed by a read.
                _ => self.read(id, tenant).await?,
            }
        };
        let changed = join_url(&before) != join_url(&after);
        let meeting = to_created(after, zone.as_deref(), metadata, self.id_ref())?;
        tracing::info!(link_changed = changed, "teams event updated");
        Ok(UpdatedMeeting::new(meeting, changed))
    }

    /// Cancels the event (attendees get a cancellation); a repeated cancel is
    /// `AlreadyCancelled`.
    pub(crate) async fn remove(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        let id = check_event_id(meeting_id)?;
        let tenant = &ctx.tenant_id;
        // Read before the cancel: ownership, and an event already cancelled or gone is the
        // `AlreadyCancelled` a repeated cancel must give.
        let event = match self.owned(id, tenant).await {
            Ok((event, _)) => event,
            Err(e) if e.code() == ErrorCode::MeetingNotFound => {
                return Ok(CancelOutcome::AlreadyCancelled)
            }
            Err(e) => return Err(e),
        };
        if event.get("isCancelled").and_then(Value::as_bool) == Some(true) {
            return Ok(CancelOutcome::AlreadyCancelled);
        }
        let has_attendees = event
            .get("attendees")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
        Self::refuse_silence(ctx.notify_participants, has_attendees)?;
        let mailbox = self.api.mailbox();
        let body = json!({});
        // `cancel` sends attendees a cancellation and is the organizer's own action (the
        // mailbox this provider writes to is the organizer of every event it made).
        let cancel = Call::new(
            Method::POST,
            mailbox.route(Route::Cancel),
            format!("{}/cancel", mailbox.event(id)),
        )
        .with_body(&body);
        let outcome = match self.gone_after(&cancel, tenant).await {
            // Graph refuses `cancel` on an event that is not a meeting the organizer sent
            // (400): deleting it is the documented way, and it still notifies attendees.
            Err(e) if e.http_status() == Some(400) => {
                tracing::info!("graph refused cancel; deleting the event instead");
                let delete = Call::new(
                    Method::DELETE,
                    mailbox.route(Route::Delete),
                    mailbox.event(id),
                );
                self.gone_after(&delete, tenant).await?
            }
            other => other?,
        };
        tracing::info!(outcome = ?outcome, "teams event cancelled");
        Ok(outcome)
    }

    /// Runs a cancel or delete; an event already gone is `AlreadyCancelled`, unless an earlier
    /// attempt whose answer was lost is what removed it.
    async fn gone_after(&self, call: &Call<'_>, tenant: &TenantId) -> Result<CancelOutcome> {
        let lost_answer = AtomicBool::new(false);
        match self.retrying(call, tenant, &lost_answer).await {
            Ok(_) => Ok(CancelOutcome::Cancelled),
            Err(e) if e.code() == ErrorCode::MeetingNotFound => {
                Ok(if lost_answer.load(Ordering::SeqCst) {
                    CancelOutcome::Cancelled
                } else {
                    CancelOutcome::AlreadyCancelled
                })
            }
            Err(e) => Err(e),
        }
    }
}
