//! [`ZoomProvider`]: the [`MeetingProvider`] for Zoom.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use meetschedify_core::hosts::{HostPool, Rebuilt};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    with_retry, CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting, Error, ErrorCode,
    GetMeeting, Guarantees, MeetingContext, MeetingProvider, Operation, ProviderId, RequestLimits,
    Result, TenantId, TokenKey, TokenManager, UpdateMeeting, UpdatedMeeting, ValidatedCreate,
    ValidatedUpdate,
};
use reqwest::Method;
use serde_json::Value;

use crate::api::{Budget, Call, Reply, ZoomApi};
use crate::body::{create_body, update_body, ZoomOptions};
use crate::builder::ZoomProviderBuilder;
use crate::config::Settings;
use crate::create::Create;
use crate::errors::gave_up;
use crate::mapping::{check_meeting_id, to_created};
use crate::marker::{Marker, RESERVED_CHARS};
use crate::owner::{ensure_owned, OwnerTag};
use crate::pool::PoolState;
use crate::token::ZoomTokenRefresher;

/// Zoom's limits (`topic` at most 200 characters, `agenda` at most 2,000), with room in the
/// agenda for the marker (owner tag and duplicate-guard reference). With both the duplicate
/// guard and tenant ownership off the description may use all 2,000.
pub const ZOOM_LIMITS: RequestLimits = RequestLimits::DEFAULT
    .with_max_title_chars(MAX_TOPIC_CHARS)
    .with_max_description_chars(MAX_AGENDA_CHARS - RESERVED_CHARS);

const MAX_TOPIC_CHARS: usize = 200;
const MAX_AGENDA_CHARS: usize = 2000;

/// Schedules Zoom meetings through a Server-to-Server OAuth app.
///
/// Cheap to clone (one `Arc`); register it with a `MeetSchedifyClient` or call it directly.
/// Every tenant shares the app's account and its one access token; tenants scope idempotency
/// keys, and the client's span records them in logs. Each meeting is stamped with its tenant's tag, and by default get,
/// update and cancel answer `MEETING_NOT_FOUND` for a meeting that is not the caller's tenant's
/// (see [`ZoomProviderBuilder::with_tenant_ownership`]).
///
/// With a host pool ([`ZoomProviderBuilder::with_host_pool`]) each create picks a host that is
/// free at the meeting's time and has creates left today; see the crate docs, *Host pools*.
#[derive(Clone)]
pub struct ZoomProvider {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    api: ZoomApi,
    limits: RequestLimits,
    pool: Option<PoolState>,
}

impl ZoomProvider {
    /// A provider configured from the environment: [`ZoomProviderBuilder::from_env`], then
    /// [`build`](ZoomProviderBuilder::build). Fails with `INVALID_CONFIG` naming the variable
    /// (or setting) at fault.
    pub fn from_env() -> Result<Self> {
        ZoomProviderBuilder::from_env().build()
    }

    /// Starts building a provider.
    pub fn builder() -> ZoomProviderBuilder {
        ZoomProviderBuilder::new()
    }

    pub(crate) fn assemble(settings: Settings, api: ZoomApi, pool: Option<HostPool>) -> Self {
        let limits = if settings.marks_agenda() {
            ZOOM_LIMITS
        } else {
            ZOOM_LIMITS.with_max_description_chars(MAX_AGENDA_CHARS)
        };
        Self {
            inner: Arc::new(Inner {
                settings,
                api,
                limits,
                pool: pool.map(PoolState::new),
            }),
        }
    }

    /// The host pool, when one is configured: its hosts, padding and daily limit, and
    /// [`HostPool::status`] for operators.
    pub fn host_pool(&self) -> Option<&HostPool> {
        self.inner.pool.as_ref().map(PoolState::pool)
    }

    /// Makes the pool's bookings agree with Zoom: lists each pool host's upcoming meetings
    /// (`GET /users/{host}/meetings?type=upcoming`, every page) and books those the ledger
    /// lacks (made outside this library, or before a restart with a memory ledger), dropping
    /// bookings of meetings Zoom no longer lists. Returns what changed per host, in pool order;
    /// nothing without a pool.
    ///
    /// The first create or update of each provider instance runs it once (see the crate docs,
    /// *Host pools*); call it again whenever meetings may have been made or deleted elsewhere.
    /// Fails as the list calls or the ledger do; hosts before the failing one are already
    /// rebuilt.
    pub async fn rebuild_host_bookings(&self) -> Result<Vec<(String, Rebuilt)>> {
        match &self.inner.pool {
            Some(state) => self.rebuild(state.pool()).await,
            None => Ok(Vec::new()),
        }
    }

    /// The token manager (shared by every clone of this provider).
    pub fn token_manager(&self) -> &TokenManager {
        self.inner.api.tokens()
    }

    /// The key its access token is stored under: tenant = the Zoom account id, provider = the
    /// provider id. All tenants share it.
    pub fn token_key(&self) -> &TokenKey {
        self.inner.api.token_key()
    }

    /// The scopes the Zoom app lacks for the calls this provider makes (create, get, update,
    /// cancel), empty when it has them all: what `meetschedify doctor` reports.
    ///
    /// It asks the token endpoint for a new token and reads the `scope` of the answer, because a
    /// cached or stored token keeps the scopes of the moment it was issued. The new token is
    /// neither cached nor stored. Any one scope of an endpoint is enough (`meeting:write:admin`,
    /// `meeting:write`, or the granular `meeting:write:meeting:admin`, ...); a missing need is
    /// named by its account-level scope, the kind a Server-to-Server app takes.
    ///
    /// Fails as the token request does (`ZOOM_INVALID_CLIENT`, `ZOOM_TOKEN_ERROR`, ...).
    pub async fn missing_scopes(&self) -> Result<Vec<String>> {
        let refresher =
            ZoomTokenRefresher::new(&self.inner.settings, self.inner.api.http().clone());
        let token = refresher.fetch().await?;
        Ok(crate::scopes::missing(&token.scopes))
    }

    pub(crate) fn id_ref(&self) -> &ProviderId {
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

    /// Runs an idempotent call under the retry policy.
    pub(crate) async fn retrying(&self, call: &Call<'_>) -> Result<Reply> {
        let retry = &self.inner.settings.retry;
        with_retry(retry, |attempt| async move {
            self.inner
                .api
                .call(call, attempt)
                .await
                .map_err(|f| f.error)
        })
        .await
        .map_err(|e| gave_up(e, retry, None))
    }

    async fn get_json(&self, meeting_id: &str) -> Result<Value> {
        let call = Call::new(
            Method::GET,
            "GET /meetings/{meetingId}",
            format!("/meetings/{meeting_id}"),
        );
        self.retrying(&call)
            .await?
            .body
            .ok_or_else(|| crate::errors::unexpected("an empty meeting", self.id_ref()))
    }

    /// The meeting as Zoom has it, refused as `MEETING_NOT_FOUND` when the ownership check is
    /// on and it is not `tenant`'s.
    async fn owned_json(&self, meeting_id: &str, tenant: &TenantId) -> Result<Value> {
        let json = self.get_json(meeting_id).await?;
        self.check_owner(&json, meeting_id, tenant)?;
        Ok(json)
    }

    fn check_owner(&self, meeting: &Value, meeting_id: &str, tenant: &TenantId) -> Result<()> {
        if !self.inner.settings.tenant_ownership {
            return Ok(());
        }
        let owner = OwnerTag::of(self.id_ref(), tenant);
        ensure_owned(meeting, &owner, meeting_id, self.id_ref())
    }

    async fn create(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let settings = &self.inner.settings;
        let req = request.request();
        let options = ZoomOptions::from_request(&req.provider_options)?;
        // A pool picks the host, unless the request names a user outside it.
        let pool = self
            .inner
            .pool
            .as_ref()
            .and_then(|state| match options.user_id.as_deref() {
                None => Some((state, None)),
                Some(user) => state
                    .pool()
                    .host(user)
                    .map(|host| (state, Some(host.clone()))),
            });
        let host = options.user_id.as_deref().unwrap_or(&settings.host_user);
        // The marker carries the owner's tag whenever it is written, so meetings made while
        // the ownership check is off still belong to their tenant when it is turned on.
        let marker = settings.marks_agenda().then(|| {
            match (&req.idempotency_key, settings.duplicate_guard) {
                (Some(key), true) => Marker::derived(self.id_ref(), &req.tenant_id, key),
                _ => Marker::random(self.id_ref(), &req.tenant_id),
            }
        });
        let body = create_body(
            request,
            &settings.meeting_defaults,
            &options,
            marker.as_ref(),
        );
        if let Some((state, pinned)) = pool {
            return self
                .create_in_pool(state, request, &body, marker.as_ref(), pinned.as_ref())
                .await;
        }
        let json = self
            .create_call(
                host,
                &body,
                marker.as_ref(),
                req.idempotency_key.is_some(),
                request.title(),
                request.time().start_utc(),
            )
            .run()
            .await?
            .meeting;
        // The client logs the created meeting, inside its span: nothing to add here.
        to_created(json, self.id_ref(), req.metadata.clone())
    }

    /// A create of `body` on `host`, with this provider's API, retry policy and timeouts; the
    /// marker is used for the duplicate guard only while the guard is on.
    pub(crate) fn create_call<'a>(
        &'a self,
        host: &'a str,
        body: &'a Value,
        marker: Option<&'a Marker>,
        keyed: bool,
        topic: &'a str,
        start: Timestamp,
    ) -> Create<'a> {
        let settings = &self.inner.settings;
        Create {
            api: &self.inner.api,
            retry: &settings.retry,
            request_timeout: settings.request_timeout,
            provider: self.id_ref(),
            host,
            body,
            marker: marker.filter(|_| settings.duplicate_guard),
            keyed,
            topic,
            start,
        }
    }

    /// Zoom's `PATCH /meetings/{meetingId}` has no switch for participant emails, so
    /// `ctx.notify_participants` changes nothing here.
    async fn apply_update(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let id = check_meeting_id(meeting_id)?;
        // Read and checked before anything is sent: another tenant's meeting is never patched.
        let before = self.owned_json(id, &ctx.tenant_id).await?;
        if let Some(state) = &self.inner.pool {
            if let Some(host) = state.host_of(&before) {
                return self
                    .update_in_pool(state, &host, ctx, id, update, before)
                    .await;
            }
        }
        self.patch(id, update, before)
            .await
            .map(|(updated, _)| updated)
    }

    /// Whether an update sends Zoom anything (metadata alone is not stored there).
    pub(crate) fn sends_patch(update: &ValidatedUpdate) -> bool {
        !update_body(update, None).is_empty()
    }

    /// `PATCH /meetings/{id}` with the update's fields (none for metadata alone), then the
    /// meeting as Zoom has it afterwards, and the rate-limit figures of the PATCH's answer.
    pub(crate) async fn patch(
        &self,
        id: &str,
        update: &ValidatedUpdate,
        before: Value,
    ) -> Result<(UpdatedMeeting, Budget)> {
        let marker = before
            .get("agenda")
            .and_then(Value::as_str)
            .and_then(Marker::find_in);
        let body = Value::Object(update_body(update, marker.as_ref()));
        let mut budget = Budget::default();
        let after = if body.as_object().is_some_and(|b| b.is_empty()) {
            // Only metadata changed, which Zoom does not store: nothing to send.
            before.clone()
        } else {
            let patch = Call::new(
                Method::PATCH,
                "PATCH /meetings/{meetingId}",
                format!("/meetings/{id}"),
            )
            .with_body(&body);
            // Setting fields to values is idempotent, so a PATCH whose answer was lost is
            // simply sent again.
            budget = self.retrying(&patch).await?.budget;
            self.get_json(id).await?
        };
        let link = |m: &Value| m.get("join_url").and_then(Value::as_str).map(str::to_owned);
        let changed = link(&before) != link(&after);
        let metadata = update.request().metadata.clone().unwrap_or_default();
        let meeting = to_created(after, self.id_ref(), metadata)?;
        tracing::info!(meeting_id = %id, link_changed = changed, "zoom meeting updated");
        Ok((UpdatedMeeting::new(meeting, changed), budget))
    }

    async fn delete(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CancelOutcome> {
        let id = check_meeting_id(meeting_id)?;
        let Some(outcome) = self.delete_owned(ctx, id).await? else {
            // Another tenant's meeting answers what an unknown id answers (Zoom cannot tell
            // "never existed" from "deleted", so that is `AlreadyCancelled`): a different
            // answer would tell the caller which ids exist. Nothing was sent, and the pool
            // keeps the owner's booking.
            return Ok(CancelOutcome::AlreadyCancelled);
        };
        if let Some(state) = &self.inner.pool {
            // Gone either way: its slot is free.
            state.forget(id).await;
        }
        Ok(outcome)
    }

    /// Deletes the meeting if it is `ctx`'s tenant's; `None` (nothing sent) when it is
    /// another tenant's or made outside the library.
    async fn delete_owned(&self, ctx: &MeetingContext, id: &str) -> Result<Option<CancelOutcome>> {
        if self.inner.settings.tenant_ownership {
            // Read and checked before the delete. A meeting already gone is the same
            // `AlreadyCancelled` the delete itself would give.
            match self.get_json(id).await {
                Ok(meeting) => match self.check_owner(&meeting, id, &ctx.tenant_id) {
                    Ok(()) => {}
                    Err(e) if e.code() == ErrorCode::MeetingNotFound => return Ok(None),
                    Err(e) => return Err(e),
                },
                Err(e) if e.code() == ErrorCode::MeetingNotFound => {
                    return Ok(Some(CancelOutcome::AlreadyCancelled))
                }
                Err(e) => return Err(e),
            }
        }
        self.delete_call(id, ctx.notify_participants)
            .await
            .map(Some)
    }

    /// `DELETE /meetings/{id}`, retried; a meeting already gone is `AlreadyCancelled`.
    pub(crate) async fn delete_call(
        &self,
        id: &str,
        notify_participants: Option<bool>,
    ) -> Result<CancelOutcome> {
        let mut call = Call::new(
            Method::DELETE,
            "DELETE /meetings/{meetingId}",
            format!("/meetings/{id}"),
        );
        if let Some(notify) = notify_participants {
            // Zoom emails registrants about the cancellation only when asked.
            call = call.with_query("cancel_meeting_reminder", notify.to_string());
        }
        let retry = &self.inner.settings.retry;
        // If an attempt's answer is lost and the retry finds the meeting gone, that attempt
        // is what deleted it.
        let lost_answer = AtomicBool::new(false);
        let result = with_retry(retry, |attempt| {
            let (call, lost_answer) = (&call, &lost_answer);
            async move {
                match self.inner.api.call(call, attempt).await {
                    Ok(_) => Ok(CancelOutcome::Cancelled),
                    Err(f) if f.error.code() == ErrorCode::MeetingNotFound => {
                        Ok(if lost_answer.load(Ordering::SeqCst) {
                            CancelOutcome::Cancelled
                        } else {
                            CancelOutcome::AlreadyCancelled
                        })
                    }
                    Err(f) => {
                        if f.ambiguous {
                            lost_answer.store(true, Ordering::SeqCst);
                        }
                        Err(f.error)
                    }
                }
            }
        })
        .await
        .map_err(|e| gave_up(e, retry, None))?;
        tracing::info!(meeting_id = %id, outcome = ?result, "zoom meeting cancelled");
        Ok(result)
    }

    async fn status(&self, tenant: &TenantId) -> ConnectionStatus {
        let id = self.id_ref().clone();
        match self.token_manager().access_token(self.token_key()).await {
            Ok(token) => ConnectionStatus::connected(id, tenant.clone())
                .with_reason("access token obtained")
                .with_account(self.inner.settings.account_id.clone())
                .with_scopes(token.scopes().to_vec())
                .with_expires_at(token.expires_at()),
            // Server-to-Server OAuth has no user to reconnect: whatever failed (credentials,
            // scopes, the network) is for an operator to fix.
            Err(err) => ConnectionStatus::unavailable(
                id,
                tenant.clone(),
                format!("{}: {}", err.code(), err.message()),
            )
            .with_account(self.inner.settings.account_id.clone()),
        }
    }
}

// The client opens one span per operation with the provider, operation and tenant; the
// provider adds none of its own on top of it, only `zoom_http` per request (route, attempt,
// HTTP status), which says what the client's span cannot.
#[async_trait]
impl MeetingProvider for ZoomProvider {
    fn id(&self) -> &ProviderId {
        self.id_ref()
    }

    fn limits(&self) -> RequestLimits {
        self.inner.limits
    }

    /// A keyed create is idempotent while the duplicate guard is on: its agenda marker derives
    /// from the key and the bounded lookup finds an earlier attempt's meeting. Metadata never
    /// round-trips: Zoom has nowhere to keep it, so get answers none.
    fn guarantees(&self) -> Guarantees {
        Guarantees::NONE
            .with_idempotent_create(self.inner.settings.duplicate_guard)
            .with_metadata_round_trip(false)
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
impl GetMeeting for ZoomProvider {
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        async {
            let id = check_meeting_id(meeting_id)?;
            let json = self.owned_json(id, &ctx.tenant_id).await?;
            to_created(json, self.id_ref(), Default::default())
        }
        .await
        .map_err(|e| self.tag(e, Operation::GetMeeting))
    }
}

#[async_trait]
impl UpdateMeeting for ZoomProvider {
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
impl CancelMeeting for ZoomProvider {
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        self.delete(ctx, meeting_id)
            .await
            .map_err(|e| self.tag(e, Operation::CancelMeeting))
    }
}

impl fmt::Debug for ZoomProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomProvider")
            .field("settings", &self.inner.settings)
            .field("token_manager", self.inner.api.tokens())
            .finish()
    }
}
