//! The traits a provider implements: [`MeetingProvider`] for meetings, one small trait per
//! optional operation ([`GetMeeting`], [`UpdateMeeting`], [`CancelMeeting`], [`OAuthConnect`]).
//!
//! All are object-safe: the client holds providers as `Arc<dyn MeetingProvider>`, so a crate
//! that depends on `meetschedify-core` alone can add a provider of its own.
//!
//! A provider offers an optional operation by implementing its trait and returning `Some(self)`
//! from the matching accessor ([`MeetingProvider::get`], [`update`](MeetingProvider::update),
//! [`cancel`](MeetingProvider::cancel), [`oauth`](MeetingProvider::oauth)). That accessor is the
//! one place support is declared: [`Capabilities`] is computed from it, so what a provider says
//! it can do and what it does cannot disagree.

use std::fmt::Debug;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::connection::{ConnectionStatus, DisconnectOutcome};
use crate::error::Result;
use crate::ids::{ProviderId, TenantId};
use crate::meeting::{CancelOutcome, CreatedMeeting, MeetingContext, UpdatedMeeting};
use crate::oauth_state::SessionBinding;
use crate::validate::{RequestLimits, ValidatedCreate, ValidatedUpdate};

/// Promises a provider makes beyond its operations; the provider conformance suite of
/// `meetschedify-testkit` checks each one a provider declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Guarantees {
    /// A create repeated with the same idempotency key never makes a second meeting at the
    /// provider, even from a client that kept no record of the first (a restart, another
    /// instance without a shared idempotency store).
    pub idempotent_create: bool,
    /// Metadata given at create comes back unchanged from get.
    pub metadata_round_trip: bool,
}

impl Guarantees {
    /// No promise beyond the operations.
    pub const NONE: Self = Self {
        idempotent_create: false,
        metadata_round_trip: false,
    };

    /// Sets [`idempotent_create`](Self::idempotent_create).
    pub const fn with_idempotent_create(mut self, yes: bool) -> Self {
        self.idempotent_create = yes;
        self
    }

    /// Sets [`metadata_round_trip`](Self::metadata_round_trip).
    pub const fn with_metadata_round_trip(mut self, yes: bool) -> Self {
        self.metadata_round_trip = yes;
        self
    }
}

/// What a provider can do, computed from the provider itself ([`Capabilities::of`]) so callers
/// can tell before they try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// Reading a meeting back ([`MeetingProvider::get`]).
    pub get: bool,
    /// Changing or rescheduling a meeting ([`MeetingProvider::update`]).
    pub update: bool,
    /// Cancelling a meeting ([`MeetingProvider::cancel`]).
    pub cancel: bool,
    /// The per-user OAuth connect flow ([`MeetingProvider::oauth`]).
    pub oauth_connect: bool,
    /// See [`Guarantees::idempotent_create`].
    pub idempotent_create: bool,
    /// See [`Guarantees::metadata_round_trip`].
    pub metadata_round_trip: bool,
    /// Request limits checked before any call ([`MeetingProvider::limits`]).
    pub limits: RequestLimits,
}

impl Capabilities {
    /// What `provider` offers and promises.
    pub fn of(provider: &dyn MeetingProvider) -> Self {
        let guarantees = provider.guarantees();
        Self {
            get: provider.get().is_some(),
            update: provider.update().is_some(),
            cancel: provider.cancel().is_some(),
            oauth_connect: provider.oauth().is_some(),
            idempotent_create: guarantees.idempotent_create,
            metadata_round_trip: guarantees.metadata_round_trip,
            limits: provider.limits(),
        }
    }
}

/// A meeting provider: Zoom, Google Meet, or one of your own.
///
/// Requests arrive validated against [`limits`](Self::limits). Create and connection status
/// are required; get, update, cancel and the OAuth connect flow are offered by implementing
/// their trait and returning `Some(self)` from the accessor. Arguments follow one order
/// everywhere: who ([`MeetingContext`] or tenant), which meeting, what.
///
/// ```
/// use async_trait::async_trait;
/// use meetschedify_core::{
///     CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting, MeetingContext,
///     MeetingProvider, ProviderId, Result, TenantId, ValidatedCreate,
/// };
///
/// /// Makes Jitsi rooms: no account, no API call.
/// #[derive(Debug)]
/// struct Jitsi { id: ProviderId }
///
/// #[async_trait]
/// impl MeetingProvider for Jitsi {
///     fn id(&self) -> &ProviderId { &self.id }
///     async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
///         let room = format!("https://meet.jit.si/{}", request.title().replace(' ', "-"));
///         Ok(CreatedMeeting::new(self.id.clone(), room.clone(), request.time().to_meeting_time())
///             .with_conference_link(room)
///             .with_metadata(request.request().metadata.clone()))
///     }
///     async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
///         Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
///     }
///     // Offers cancel; get and update keep their `None` default.
///     fn cancel(&self) -> Option<&dyn CancelMeeting> { Some(self) }
/// }
///
/// #[async_trait]
/// impl CancelMeeting for Jitsi {
///     async fn cancel_meeting(&self, _: &MeetingContext, _: &str) -> Result<CancelOutcome> {
///         // A Jitsi room has nothing to delete.
///         Ok(CancelOutcome::Cancelled)
///     }
/// }
///
/// let caps = meetschedify_core::Capabilities::of(&Jitsi { id: ProviderId::new("jitsi") });
/// assert!(caps.cancel && !caps.get && !caps.update && !caps.oauth_connect);
/// ```
#[async_trait]
pub trait MeetingProvider: Send + Sync + Debug + 'static {
    /// The id the provider is registered under.
    fn id(&self) -> &ProviderId;

    /// Request limits checked before any call: titles, descriptions, participants, metadata.
    fn limits(&self) -> RequestLimits {
        RequestLimits::DEFAULT
    }

    /// Promises beyond the operations (none by default).
    fn guarantees(&self) -> Guarantees {
        Guarantees::NONE
    }

    /// Creates a meeting.
    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting>;

    /// Whether `tenant` can schedule meetings now, and if not, why.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus>;

    /// Reading meetings back, when the provider offers it.
    fn get(&self) -> Option<&dyn GetMeeting> {
        None
    }

    /// Changing and rescheduling meetings, when the provider offers it.
    fn update(&self) -> Option<&dyn UpdateMeeting> {
        None
    }

    /// Cancelling meetings, when the provider offers it.
    fn cancel(&self) -> Option<&dyn CancelMeeting> {
        None
    }

    /// The OAuth connect flow, for providers where each tenant connects its own account.
    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        None
    }
}

/// Reads a meeting back by the provider's id.
#[async_trait]
pub trait GetMeeting: Send + Sync + Debug {
    /// The meeting as the provider has it now; a missing one is `MEETING_NOT_FOUND`.
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting>;
}

/// Changes or reschedules a meeting.
#[async_trait]
pub trait UpdateMeeting: Send + Sync + Debug {
    /// Applies `update` (only the fields it sets) and returns the meeting after the change.
    async fn update_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting>;
}

/// Cancels a meeting.
#[async_trait]
pub trait CancelMeeting: Send + Sync + Debug {
    /// Cancels it; a meeting already gone gives [`CancelOutcome::AlreadyCancelled`].
    async fn cancel_meeting(&self, ctx: &MeetingContext, meeting_id: &str)
        -> Result<CancelOutcome>;
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
