//! The traits a provider implements: [`MeetingProvider`] for meetings, [`OAuthConnect`] for the
//! per-user connect flow.
//!
//! Both are object-safe: the client holds providers as `Arc<dyn MeetingProvider>`, so a crate
//! that depends on `meetschedify-core` alone can add a provider of its own.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::connection::{ConnectionStatus, DisconnectOutcome};
use crate::error::{Error, Operation, Result};
use crate::ids::{ProviderId, TenantId};
use crate::meeting::{CancelOutcome, CreatedMeeting, MeetingContext, UpdatedMeeting};
use crate::oauth_state::SessionBinding;
use crate::validate::{RequestLimits, ValidatedCreate, ValidatedUpdate};

/// What a provider can do, so callers (and the client) can tell before they try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// Reading a meeting back.
    pub get: bool,
    /// Changing or rescheduling a meeting.
    pub update: bool,
    /// Cancelling a meeting.
    pub cancel: bool,
    /// The per-user OAuth connect flow ([`OAuthConnect`]).
    pub oauth_connect: bool,
    /// A create with the same idempotency key never makes a second meeting.
    pub idempotent_create: bool,
    /// Metadata is stored at the provider and comes back on `get`.
    pub metadata_on_get: bool,
    /// Request limits checked before any call.
    pub limits: RequestLimits,
}

impl Capabilities {
    /// Create only; every other capability off; default limits.
    pub const fn create_only() -> Self {
        Self {
            get: false,
            update: false,
            cancel: false,
            oauth_connect: false,
            idempotent_create: false,
            metadata_on_get: false,
            limits: RequestLimits::DEFAULT,
        }
    }

    /// Create, get, update and cancel; default limits.
    pub const fn full() -> Self {
        Self {
            get: true,
            update: true,
            cancel: true,
            ..Self::create_only()
        }
    }

    /// Sets `oauth_connect`.
    pub const fn with_oauth_connect(mut self, yes: bool) -> Self {
        self.oauth_connect = yes;
        self
    }

    /// Sets `idempotent_create`.
    pub const fn with_idempotent_create(mut self, yes: bool) -> Self {
        self.idempotent_create = yes;
        self
    }

    /// Sets `metadata_on_get`.
    pub const fn with_metadata_on_get(mut self, yes: bool) -> Self {
        self.metadata_on_get = yes;
        self
    }

    /// Sets the request limits.
    pub const fn with_limits(mut self, limits: RequestLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets whether get, update and cancel are supported.
    pub const fn with_operations(mut self, get: bool, update: bool, cancel: bool) -> Self {
        self.get = get;
        self.update = update;
        self.cancel = cancel;
        self
    }
}

/// A meeting provider: Zoom, Google Meet, or one of your own.
///
/// Requests arrive validated against [`capabilities().limits`](Capabilities::limits). Operations a
/// provider does not offer keep their default body, which fails with `OPERATION_NOT_SUPPORTED`;
/// declare them in [`Capabilities`] too.
///
/// ```
/// use async_trait::async_trait;
/// use meetschedify_core::{
///     Capabilities, ConnectionStatus, CreatedMeeting, MeetingProvider, ProviderId, Result,
///     TenantId, ValidatedCreate,
/// };
///
/// /// Makes Jitsi rooms: no account, no API call.
/// #[derive(Debug)]
/// struct Jitsi { id: ProviderId }
///
/// #[async_trait]
/// impl MeetingProvider for Jitsi {
///     fn id(&self) -> &ProviderId { &self.id }
///     fn capabilities(&self) -> Capabilities { Capabilities::create_only() }
///     async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
///         let room = format!("https://meet.jit.si/{}", request.title().replace(' ', "-"));
///         Ok(CreatedMeeting::new(self.id.clone(), room.clone(), request.time().to_meeting_time())
///             .with_conference_link(room)
///             .with_metadata(request.request().metadata.clone()))
///     }
///     async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
///         Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
///     }
/// }
/// ```
#[async_trait]
pub trait MeetingProvider: Send + Sync + Debug + 'static {
    /// The id the provider is registered under.
    fn id(&self) -> &ProviderId;

    /// What the provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Creates a meeting.
    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting>;

    /// Reads a meeting by the provider's id.
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        let _ = (ctx, meeting_id);
        Err(Error::not_supported(self.id(), Operation::GetMeeting))
    }

    /// Changes or reschedules a meeting.
    async fn update_meeting(
        &self,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let _ = (meeting_id, update);
        Err(Error::not_supported(self.id(), Operation::UpdateMeeting))
    }

    /// Cancels a meeting; a meeting already gone gives [`CancelOutcome::AlreadyCancelled`].
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        let _ = (ctx, meeting_id);
        Err(Error::not_supported(self.id(), Operation::CancelMeeting))
    }

    /// Whether `tenant` can schedule meetings now, and if not, why.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus>;

    /// The OAuth connect flow, for providers where each tenant connects its own account.
    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        None
    }
}

/// What to put in an authorization URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// The tenant that is connecting.
    pub tenant_id: TenantId,
    /// The provider to connect.
    pub provider_id: ProviderId,
    /// Where to send the user afterwards: a relative path, or a URL on the allowlist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// An email to pre-fill on the consent screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
}

impl AuthorizationRequest {
    /// A request for a tenant and provider.
    pub fn new(tenant_id: impl Into<TenantId>, provider_id: impl Into<ProviderId>) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            provider_id: provider_id.into(),
            return_url: None,
            login_hint: None,
        }
    }

    /// Sets where to send the user afterwards.
    pub fn with_return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Sets the login hint.
    pub fn with_login_hint(mut self, email: impl Into<String>) -> Self {
        self.login_hint = Some(email.into());
        self
    }
}

/// An authorization URL to redirect the user to, and the session binding to keep meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationUrl {
    /// The consent page URL, with `state` and PKCE already in it.
    pub url: String,
    /// The sealed state in the URL.
    pub state: String,
    /// Keep this in the session of the browser you redirect (server-side, or an `HttpOnly`,
    /// `Secure`, `SameSite=Lax` cookie) and pass it back with the callback
    /// ([`OAuthCallback::with_session_binding`]): a callback from any other browser is refused.
    pub session_binding: SessionBinding,
}

impl AuthorizationUrl {
    /// A URL, its state, and the binding the state was sealed with.
    pub fn new(
        url: impl Into<String>,
        state: impl Into<String>,
        session_binding: SessionBinding,
    ) -> Self {
        Self {
            url: url.into(),
            state: state.into(),
            session_binding,
        }
    }
}

/// The query parameters of the OAuth redirect back to the application.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthCallback {
    /// The authorization code.
    pub code: String,
    /// The state from the authorization URL.
    pub state: String,
    /// The binding kept in the session of the browser that brought the callback; it never
    /// comes from the query string.
    #[serde(skip)]
    pub session_binding: Option<SessionBinding>,
}

impl OAuthCallback {
    /// A callback with a code and state, as the redirect's query carries them. Add the session
    /// binding with [`with_session_binding`](Self::with_session_binding): without it the
    /// callback is refused.
    pub fn new(code: impl Into<String>, state: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            state: state.into(),
            session_binding: None,
        }
    }

    /// The binding this browser's session holds (from [`AuthorizationUrl::session_binding`]).
    pub fn with_session_binding(mut self, binding: SessionBinding) -> Self {
        self.session_binding = Some(binding);
        self
    }
}

impl Debug for OAuthCallback {
    // The code is a credential until it is exchanged: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthCallback")
            .field("code", &"[redacted]")
            .field("state", &"[redacted]")
            .finish()
    }
}

/// What a successful callback connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectedAccount {
    /// The tenant now connected.
    pub tenant_id: TenantId,
    /// The provider it is connected to.
    pub provider_id: ProviderId,
    /// Where to send the user (checked against the allowlist when the URL was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
}

impl ConnectedAccount {
    /// A connected tenant.
    pub fn new(tenant_id: TenantId, provider_id: ProviderId, return_url: Option<String>) -> Self {
        Self {
            tenant_id,
            provider_id,
            return_url,
        }
    }
}

/// The per-user OAuth connect flow.
#[async_trait]
pub trait OAuthConnect: Send + Sync + Debug {
    /// Builds the consent URL for a tenant.
    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<AuthorizationUrl>;

    /// Checks the state, exchanges the code and stores the tokens.
    async fn handle_callback(&self, callback: &OAuthCallback) -> Result<ConnectedAccount>;

    /// Revokes the tenant's grant at the provider, then forgets its tokens, and says which of
    /// the two happened. Disconnecting a tenant that is not connected is not an error
    /// ([`DisconnectOutcome::NotConnected`]).
    ///
    /// If the provider cannot be reached, keep the tokens and return the (retryable) error, so
    /// a retry can still revoke them: deleting without revoking would leave the grant alive.
    async fn disconnect(&self, tenant: &TenantId) -> Result<DisconnectOutcome>;
}
