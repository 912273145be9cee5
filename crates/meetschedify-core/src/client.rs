//! [`MeetSchedifyClient`]: one entry point over every registered provider.

use std::fmt;
use std::sync::Arc;

use tracing::Instrument;

use crate::connection::{ConnectionStatus, DisconnectOutcome};
use crate::error::{Error, ErrorCode, Operation, Result};
use crate::idempotency::{
    create_once, IdempotencyConfig, IdempotencyStore, MemoryIdempotencyStore,
};
use crate::ids::{ProviderId, TenantId};
use crate::meeting::{
    CancelOutcome, CreateMeetingRequest, CreatedMeeting, MeetingContext, UpdateMeetingRequest,
    UpdatedMeeting,
};
use crate::provider::{
    AuthorizationRequest, AuthorizationUrl, Capabilities, ConnectedAccount, MeetingProvider,
    OAuthCallback, OAuthConnect,
};
use crate::validate::{ValidatedCreate, ValidatedUpdate};

/// Schedules meetings through any registered provider.
///
/// Build it once at start-up and share it: it is a cheap `Arc` clone, `Send` and `Sync`.
/// Every call validates its input before any I/O and runs in a `tracing` span named after the
/// operation, with the provider and tenant as fields. Arguments follow one order: provider,
/// who (tenant or [`MeetingContext`]), which meeting, what.
///
/// ```
/// # use meetschedify_core::*;
/// # use async_trait::async_trait;
/// # #[derive(Debug)] struct Echo(ProviderId);
/// # #[async_trait] impl MeetingProvider for Echo {
/// #   fn id(&self) -> &ProviderId { &self.0 }
/// #   async fn create_meeting(&self, r: &ValidatedCreate) -> Result<CreatedMeeting> {
/// #     Ok(CreatedMeeting::new(self.0.clone(), "1", r.time().to_meeting_time())) }
/// #   async fn connection_status(&self, t: &TenantId) -> Result<ConnectionStatus> {
/// #     Ok(ConnectionStatus::connected(self.0.clone(), t.clone())) }
/// # }
/// # let my_provider = Echo(ProviderId::new("echo"));
/// let client = MeetSchedifyClient::builder().with_provider(my_provider).build()?;
/// assert_eq!(client.list_providers(), vec![ProviderId::new("echo")]);
///
/// let missing = ProviderId::new("webex");
/// let err = client.provider(&missing).unwrap_err();
/// assert_eq!(err.code(), ErrorCode::ProviderNotFound);
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Clone)]
pub struct MeetSchedifyClient {
    /// In registration order, as `list_providers` returns them; a handful of entries, so a
    /// linear search costs less than a map.
    providers: Arc<[Arc<dyn MeetingProvider>]>,
    idempotency: Arc<dyn IdempotencyStore>,
    idempotency_config: IdempotencyConfig,
}

impl fmt::Debug for MeetSchedifyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MeetSchedifyClient")
            .field("providers", &self.list_providers())
            .field("idempotency", &self.idempotency)
            .field("idempotency_config", &self.idempotency_config)
            .finish()
    }
}

/// Collects providers for a [`MeetSchedifyClient`].
#[derive(Default)]
pub struct ClientBuilder {
    providers: Vec<Arc<dyn MeetingProvider>>,
    idempotency: Option<Arc<dyn IdempotencyStore>>,
    idempotency_config: IdempotencyConfig,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<_> = self.providers.iter().map(|p| p.id().clone()).collect();
        f.debug_struct("ClientBuilder")
            .field("providers", &ids)
            .field("idempotency", &self.idempotency)
            .field("idempotency_config", &self.idempotency_config)
            .finish()
    }
}

impl ClientBuilder {
    /// Registers a provider.
    pub fn with_provider(mut self, provider: impl MeetingProvider) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }

    /// Registers a provider that is already shared.
    pub fn with_shared_provider(mut self, provider: Arc<dyn MeetingProvider>) -> Self {
        self.providers.push(provider);
        self
    }

    /// Where keyed creates record their outcome (see [`crate::idempotency`]). The default is a
    /// [`MemoryIdempotencyStore`] of this client's own (clones share it); instances that
    /// share work need a shared store, such as the SQL or Redis token stores.
    pub fn with_idempotency_store(mut self, store: Arc<dyn IdempotencyStore>) -> Self {
        self.idempotency = Some(store);
        self
    }

    /// How long records are kept and how long a repeat waits for a create in flight.
    pub fn with_idempotency_config(mut self, config: IdempotencyConfig) -> Self {
        self.idempotency_config = config;
        self
    }

    /// Builds the client. Two providers with one id, or an invalid id, is `INVALID_CONFIG`;
    /// so is an idempotency configuration whose durations are below a second.
    pub fn build(self) -> Result<MeetSchedifyClient> {
        self.idempotency_config.check()?;
        for (i, provider) in self.providers.iter().enumerate() {
            let id = provider.id();
            id.validate()?;
            if self.providers[..i].iter().any(|p| p.id() == id) {
                return Err(Error::invalid_config(
                    "providers",
                    format!("two providers are registered as `{id}`; give one a custom id"),
                ));
            }
        }
        Ok(MeetSchedifyClient {
            providers: self.providers.into(),
            idempotency: self
                .idempotency
                .unwrap_or_else(|| Arc::new(MemoryIdempotencyStore::new())),
            idempotency_config: self.idempotency_config,
        })
    }
}

impl MeetSchedifyClient {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The ids of every registered provider, in the order they were registered (as the Node.js
    /// original's `listProviders()`).
    pub fn list_providers(&self) -> Vec<ProviderId> {
        self.providers.iter().map(|p| p.id().clone()).collect()
    }

    /// A registered provider, or `PROVIDER_NOT_FOUND`.
    pub fn provider(&self, id: &ProviderId) -> Result<&Arc<dyn MeetingProvider>> {
        self.providers.iter().find(|p| p.id() == id).ok_or_else(|| {
            let known: Vec<_> = self.providers.iter().map(|p| p.id().as_str()).collect();
            Error::new(
                ErrorCode::ProviderNotFound,
                format!(
                    "no provider `{id}` is registered (registered: {})",
                    known.join(", ")
                ),
            )
            .with_provider(id.clone())
        })
    }

    /// What a provider supports.
    pub fn capabilities(&self, provider_id: &ProviderId) -> Result<Capabilities> {
        Ok(Capabilities::of(self.provider(provider_id)?.as_ref()))
    }

    /// Whether `tenant` can schedule meetings with a provider now.
    pub async fn connection_status(
        &self,
        provider_id: &ProviderId,
        tenant_id: &TenantId,
    ) -> Result<ConnectionStatus> {
        let op = Operation::ConnectionStatus;
        let span = span(op, provider_id, tenant_id);
        async {
            tenant_id.validate("tenant_id")?;
            let provider = self.provider(provider_id)?;
            provider.connection_status(tenant_id).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, provider_id))
    }

    /// The consent URL a tenant visits to connect its account.
    pub async fn authorization_url(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<AuthorizationUrl> {
        let op = Operation::AuthorizationUrl;
        let span = span(op, &request.provider_id, &request.tenant_id);
        async {
            request.tenant_id.validate("tenant_id")?;
            let oauth = self.oauth(&request.provider_id, op)?;
            oauth.authorization_url(request).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, &request.provider_id))
    }

    /// Completes the connect flow: checks `state` and that the callback comes from the browser
    /// session that asked for the authorization url (its
    /// [`session_binding`](OAuthCallback::with_session_binding)), exchanges `code`, stores the
    /// tokens.
    pub async fn handle_oauth_callback(
        &self,
        provider_id: &ProviderId,
        callback: &OAuthCallback,
    ) -> Result<ConnectedAccount> {
        let op = Operation::OAuthCallback;
        let span =
            tracing::info_span!("meetschedify", operation = op.as_str(), provider = %provider_id);
        async {
            if callback.code.is_empty() {
                return Err(Error::invalid_request(
                    "code",
                    "the callback has no authorization code",
                ));
            }
            if callback.state.is_empty() {
                return Err(
                    Error::new(ErrorCode::OAuthStateInvalid, "the callback has no state")
                        .with_field("state"),
                );
            }
            if callback.session_binding.is_none() {
                // Login CSRF: a callback must come back through the browser session that asked
                // for the authorization url; refused here for every provider, built-in or not.
                return Err(crate::oauth_state::missing_session_binding());
            }
            let oauth = self.oauth(provider_id, op)?;
            oauth.handle_callback(callback).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, provider_id))
    }

    /// Revokes and forgets a tenant's connection, and says what the provider was told.
    pub async fn disconnect_provider(
        &self,
        provider_id: &ProviderId,
        tenant_id: &TenantId,
    ) -> Result<DisconnectOutcome> {
        let op = Operation::Disconnect;
        let span = span(op, provider_id, tenant_id);
        async {
            tenant_id.validate("tenant_id")?;
            let oauth = self.oauth(provider_id, op)?;
            oauth.disconnect(tenant_id).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, provider_id))
    }

    /// Validates and creates a meeting.
    ///
    /// With an idempotency key, the meeting is made at most once per key (within the record
    /// time, [`IdempotencyConfig::record_ttl`]): a repeat of the same request returns the same
    /// meeting, a repeat while the first is still running waits for it, and the same key with a
    /// different request is refused with `IDEMPOTENCY_KEY_REUSED` (see [`crate::idempotency`]).
    pub async fn create_meeting(&self, request: CreateMeetingRequest) -> Result<CreatedMeeting> {
        let op = Operation::CreateMeeting;
        let provider_id = request.provider_id.clone();
        let span = span(op, &provider_id, &request.tenant_id);
        async {
            let provider = self.provider(&provider_id)?;
            let valid = ValidatedCreate::new(request, &provider.limits())?;
            let meeting = match valid.request().idempotency_key.as_deref() {
                Some(key) => {
                    create_once(
                        &self.idempotency,
                        &self.idempotency_config,
                        provider,
                        &valid,
                        key,
                    )
                    .await?
                }
                None => provider.create_meeting(&valid).await?,
            };
            tracing::info!(meeting_id = %meeting.provider_event_id, "meeting created");
            Ok(meeting)
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, &provider_id))
    }

    /// Reads a meeting.
    pub async fn get_meeting(
        &self,
        provider_id: &ProviderId,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CreatedMeeting> {
        let op = Operation::GetMeeting;
        let span = span(op, provider_id, &ctx.tenant_id);
        async {
            let provider = self.provider(provider_id)?;
            let get = provider
                .get()
                .ok_or_else(|| Error::not_supported(provider_id, op))?;
            check_context(ctx, meeting_id)?;
            get.get_meeting(ctx, meeting_id).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, provider_id))
    }

    /// Validates and applies a change to a meeting; `ctx` says whose meeting it is and whether
    /// participants should be told.
    pub async fn update_meeting(
        &self,
        provider_id: &ProviderId,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: UpdateMeetingRequest,
    ) -> Result<UpdatedMeeting> {
        let op = Operation::UpdateMeeting;
        let span = span(op, provider_id, &ctx.tenant_id);
        async {
            let provider = self.provider(provider_id)?;
            let updater = provider
                .update()
                .ok_or_else(|| Error::not_supported(provider_id, op))?;
            check_context(ctx, meeting_id)?;
            let valid = ValidatedUpdate::new(update, &provider.limits())?;
            updater.update_meeting(ctx, meeting_id, &valid).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, provider_id))
    }

    /// Cancels a meeting. Cancelling one already gone succeeds with
    /// [`CancelOutcome::AlreadyCancelled`].
    pub async fn cancel_meeting(
        &self,
        provider_id: &ProviderId,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        let op = Operation::CancelMeeting;
        let span = span(op, provider_id, &ctx.tenant_id);
        async {
            let provider = self.provider(provider_id)?;
            let cancel = provider
                .cancel()
                .ok_or_else(|| Error::not_supported(provider_id, op))?;
            check_context(ctx, meeting_id)?;
            cancel.cancel_meeting(ctx, meeting_id).await
        }
        .instrument(span)
        .await
        .map_err(|e| tag(e, op, provider_id))
    }

    fn oauth(&self, provider_id: &ProviderId, op: Operation) -> Result<&dyn OAuthConnect> {
        self.provider(provider_id)?
            .oauth()
            .ok_or_else(|| Error::not_supported(provider_id, op))
    }
}

fn span(op: Operation, provider: &ProviderId, tenant: &TenantId) -> tracing::Span {
    tracing::info_span!("meetschedify", operation = op.as_str(), provider = %provider, tenant = %tenant)
}

/// Fills in the operation and provider on errors that lack them, and logs the failure once.
fn tag(err: Error, op: Operation, provider: &ProviderId) -> Error {
    let err = err.with_operation(op);
    let err = if err.provider_id().is_none() {
        err.with_provider(provider.clone())
    } else {
        err
    };
    tracing::warn!(code = %err.code(), retryable = err.is_retryable(), "{err}");
    err
}

fn check_meeting_id(meeting_id: &str) -> Result<()> {
    if meeting_id.trim().is_empty() {
        return Err(Error::invalid_request(
            "meeting_id",
            "meeting id must not be empty",
        ));
    }
    if meeting_id.len() > 1024 || meeting_id.chars().any(char::is_control) {
        return Err(Error::invalid_request(
            "meeting_id",
            "meeting id must be at most 1024 bytes without control characters",
        ));
    }
    Ok(())
}

fn check_context(ctx: &MeetingContext, meeting_id: &str) -> Result<()> {
    ctx.tenant_id.validate("tenant_id")?;
    check_meeting_id(meeting_id)
}
