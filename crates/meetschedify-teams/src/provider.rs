//! [`TeamsAppProvider`]: the [`MeetingProvider`] for Teams meetings on one organizer's
//! calendar, with application permissions.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use meetschedify_core::{
    with_retry, CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting, Error, ErrorCode,
    GetMeeting, Guarantees, MeetingContext, MeetingProvider, Operation, ProviderId, RequestLimits,
    Result, TenantId, TokenKey, TokenManager, UpdateMeeting, UpdatedMeeting, ValidatedCreate,
    ValidatedUpdate,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::api::{Call, GraphApi};
use crate::body::{create_body, update_body};
use crate::builder::TeamsAppProviderBuilder;
use crate::config::Settings;
use crate::errors::{graph_status, unexpected};
use crate::mapping::{join_url, no_teams_link, to_created};
use crate::path::{self, check_event_id};
use crate::props::{expand, Stamp};
use crate::transaction;

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
/// [`TeamsAppProviderBuilder::with_tenant_ownership`]).
///
/// Cheap to clone (one `Arc`); register it with a `MeetSchedifyClient` or call it directly.
#[derive(Clone)]
pub struct TeamsAppProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    api: GraphApi,
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

    pub(crate) fn assemble(settings: Settings, api: GraphApi) -> Self {
        Self {
            inner: Arc::new(Inner { settings, api }),
        }
    }

    /// The token manager (shared by every clone of this provider).
    pub fn token_manager(&self) -> &TokenManager {
        self.inner.api.tokens()
    }

    /// The key its access token is stored under: tenant = `{entra tenant}/{client id}`,
    /// provider = the provider id. All of the application's tenants share it.
    pub fn token_key(&self) -> &TokenKey {
        self.inner.api.token_key()
    }

    /// The organizer whose calendar holds the meetings, as configured.
    pub fn organizer(&self) -> &str {
        &self.inner.settings.organizer
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

    /// Runs a call that is safe to repeat under the retry policy; `lost_answer` is set when an
    /// attempt may have taken effect although it failed.
    async fn retrying(&self, call: &Call<'_>, lost_answer: &AtomicBool) -> Result<Option<Value>> {
        with_retry(&self.inner.settings.retry, |attempt| async move {
            self.inner.api.call(call, attempt).await.map_err(|f| {
                if f.ambiguous {
                    lost_answer.store(true, Ordering::SeqCst);
                }
                f.error
            })
        })
        .await
    }

    /// The event with the library's property, whoever owns it.
    async fn read(&self, id: &str) -> Result<Value> {
        let call = Call::new(
            Method::GET,
            "GET /users/{organizer}/events/{id}",
            path::event(&self.inner.settings.organizer, id),
        )
        .with_query("$expand", expand());
        self.retrying(&call, &AtomicBool::new(false))
            .await?
            .ok_or_else(|| unexpected("an empty event", self.id_ref()))
    }

    /// The event and its stamp, refused as `MEETING_NOT_FOUND` when the ownership check is on
    /// and it is not `tenant`'s (another tenant's, or made outside this library: both answer
    /// alike, so a tenant learns nothing about events that are not its own).
    async fn owned(&self, id: &str, tenant: &TenantId) -> Result<(Value, Stamp)> {
        let event = self.read(id).await?;
        let stamp = Stamp::of_event(&event);
        if !self.inner.settings.tenant_ownership {
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
            &self.inner.settings.organizer,
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

    async fn create(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let settings = &self.inner.settings;
        let req = request.request();
        Self::refuse_silence(req.notify_participants, req.participants().next().is_some())?;
        let zone = request.time().timezone().to_owned();
        let mut stamp = Stamp::new(&req.tenant_id);
        stamp.timezone = Some(zone.clone());
        stamp.description = req.description.clone();
        stamp.metadata = req.metadata.clone();
        // Chosen once, before the first attempt: every retry sends the same id, so a create
        // whose answer was lost never makes a second event.
        let transaction_id = match &req.idempotency_key {
            Some(key) => transaction::derived(self.id_ref(), &req.tenant_id, key),
            None => transaction::random(),
        };
        let body = create_body(request, &transaction_id, &stamp);
        let call = Call::new(
            Method::POST,
            "POST /users/{organizer}/events",
            path::events(&settings.organizer),
        )
        .with_body(&body);
        let lost_answer = AtomicBool::new(false);
        let created = self.retrying(&call, &lost_answer).await.map_err(|e| {
            // Only a failure that may have created the event is ambiguous; a later attempt with
            // the same transactionId would have returned it.
            let unknown = lost_answer.load(Ordering::SeqCst) && e.is_retryable();
            e.with_outcome_unknown(unknown)
        })?;
        let mut event =
            created.ok_or_else(|| unexpected("an empty created event", self.id_ref()))?;
        if req.add_conference_link && join_url(&event).is_none() {
            event = self.await_link(event).await?;
        }
        tracing::info!(transaction_id = %transaction_id, "teams event created");
        to_created(event, Some(&zone), req.metadata.clone(), self.id_ref())
    }

    /// A create answer without `onlineMeeting.joinUrl`: read the online-meeting fields once
    /// (Graph's documented `$select`), and fail naming the event if Teams is still missing.
    async fn await_link(&self, mut event: Value) -> Result<Value> {
        let id = event
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| unexpected("an event without an id", self.id_ref()))?
            .to_owned();
        let call = Call::new(
            Method::GET,
            "GET /users/{organizer}/events/{id}",
            path::event(&self.inner.settings.organizer, &id),
        )
        .with_query(
            "$select",
            "isOnlineMeeting,onlineMeetingProvider,onlineMeeting",
        );
        let fields = self
            .retrying(&call, &AtomicBool::new(false))
            .await?
            .unwrap_or(Value::Null);
        if join_url(&fields).is_none() {
            return Err(no_teams_link(
                &id,
                &self.inner.settings.organizer,
                self.id_ref(),
            ));
        }
        for key in ["isOnlineMeeting", "onlineMeetingProvider", "onlineMeeting"] {
            if let Some(value) = fields.get(key) {
                event[key] = value.clone();
            }
        }
        Ok(event)
    }

    async fn fetch(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        let id = check_event_id(meeting_id)?;
        let (event, stamp) = self.owned(id, &ctx.tenant_id).await?;
        to_created(
            event,
            stamp.timezone.as_deref(),
            stamp.metadata,
            self.id_ref(),
        )
    }

    async fn apply_update(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let id = check_event_id(meeting_id)?;
        // Read and checked before anything is sent: another tenant's event is never patched.
        let (before, stamp) = self.owned(id, &ctx.tenant_id).await?;
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
            let patch = Call::new(
                Method::PATCH,
                "PATCH /users/{organizer}/events/{id}",
                path::event(&self.inner.settings.organizer, id),
            )
            .with_body(&body);
            // Setting fields to values is idempotent, so a PATCH whose answer was lost is
            // simply sent again.
            let answer = self.retrying(&patch, &AtomicBool::new(false)).await?;
            match answer {
                Some(after) if after.get("id").is_some() && join_url(&after).is_some() => after,
                // 200 with the event is documented; an answer without it (or without the
                // online meeting) is completed by a read.
                _ => self.read(id).await?,
            }
        };
        let changed = join_url(&before) != join_url(&after);
        let meeting = to_created(after, zone.as_deref(), metadata, self.id_ref())?;
        tracing::info!(link_changed = changed, "teams event updated");
        Ok(UpdatedMeeting::new(meeting, changed))
    }

    async fn remove(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CancelOutcome> {
        let id = check_event_id(meeting_id)?;
        // Read before the cancel: ownership, and an event already cancelled or gone is the
        // `AlreadyCancelled` a repeated cancel must give.
        let event = match self.owned(id, &ctx.tenant_id).await {
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
        let organizer = &self.inner.settings.organizer;
        let body = json!({});
        // `cancel` sends attendees a cancellation and is the organizer's own action (the
        // organizer is the one mailbox this provider writes to).
        let cancel = Call::new(
            Method::POST,
            "POST /users/{organizer}/events/{id}/cancel",
            format!("{}/cancel", path::event(organizer, id)),
        )
        .with_body(&body);
        let outcome = match self.gone_after(&cancel).await {
            // Graph refuses `cancel` on an event that is not a meeting the organizer sent
            // (400): deleting it is the documented way, and it still notifies attendees.
            Err(e) if e.http_status() == Some(400) => {
                tracing::info!("graph refused cancel; deleting the event instead");
                let delete = Call::new(
                    Method::DELETE,
                    "DELETE /users/{organizer}/events/{id}",
                    path::event(organizer, id),
                );
                self.gone_after(&delete).await?
            }
            other => other?,
        };
        tracing::info!(outcome = ?outcome, "teams event cancelled");
        Ok(outcome)
    }

    /// Runs a cancel or delete; an event already gone is `AlreadyCancelled`, unless an earlier
    /// attempt whose answer was lost is what removed it.
    async fn gone_after(&self, call: &Call<'_>) -> Result<CancelOutcome> {
        let lost_answer = AtomicBool::new(false);
        match self.retrying(call, &lost_answer).await {
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

    /// A keyed create is idempotent through Graph's `transactionId`, derived from the key (see
    /// the crate docs, *Idempotent create*); metadata round-trips in the event's extended
    /// property.
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
        self.fetch(ctx, meeting_id)
            .await
            .map_err(|e| self.tag(e, Operation::GetMeeting))
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
        self.apply_update(ctx, meeting_id, update)
            .await
            .map_err(|e| self.tag(e, Operation::UpdateMeeting))
    }
}

#[async_trait]
impl CancelMeeting for TeamsAppProvider {
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

impl fmt::Debug for TeamsAppProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsAppProvider")
            .field("settings", &self.inner.settings)
            .field("token_manager", self.inner.api.tokens())
            .finish()
    }
}
