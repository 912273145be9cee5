//! The provider conformance suite: what every [`MeetingProvider`] must do, whoever wrote it.
//!
//! The built-in providers run it against the emulator, `examples/jitsi-provider` runs it as it
//! is, and a third party runs it against its own fake (or a sandbox account). Checks of an
//! operation the provider does not offer, or of a promise it does not make, report
//! [`Outcome::Skipped`](crate::Outcome::Skipped) with the reason; what a provider offers is
//! read from [`Capabilities::of`], so the suite checks exactly what the provider declares.
//!
//! ```
//! use std::sync::Arc;
//!
//! use meetschedify_core::{
//!     async_trait, ConnectionStatus, CreatedMeeting, MeetingProvider, ProviderId, Result,
//!     TenantId, ValidatedCreate,
//! };
//! use meetschedify_testkit::provider::{run_provider_conformance, ProviderHarness};
//!
//! /// Makes a room per request; nothing else.
//! #[derive(Debug)]
//! struct Rooms(ProviderId);
//!
//! #[async_trait]
//! impl MeetingProvider for Rooms {
//!     fn id(&self) -> &ProviderId { &self.0 }
//!     async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
//!         let link = "https://rooms.example.org/r/42";
//!         Ok(CreatedMeeting::new(self.0.clone(), link.clone(), request.time().to_meeting_time())
//!             .with_title(request.title())
//!             .with_conference_link(link)
//!             .with_metadata(request.request().metadata.clone()))
//!     }
//!     async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
//!         Ok(ConnectionStatus::connected(self.0.clone(), tenant.clone()))
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let provider = Arc::new(Rooms(ProviderId::new("rooms")));
//! let report = run_provider_conformance(&ProviderHarness::new(provider, "org_1")).await;
//! report.assert_ok();
//! // Create-only: get, update, cancel and the promises are skipped, each with its reason.
//! assert!(report.skipped.iter().any(|(check, why)| {
//!     *check == "cancel_then_already_cancelled" && why == "provider offers no cancel"
//! }));
//! println!("{report}");
//! # });
//! ```

mod checks;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use meetschedify_core::{Capabilities, ErrorKind, MeetingProvider, TenantId};

use crate::outcome::Report;

/// The names of the checks [`run_provider_conformance`] runs, in order.
///
/// | check | what it proves |
/// |---|---|
/// | `create_returns_join_link` | create answers with the provider's id, a non-empty meeting id and an `https` join link |
/// | `create_returns_metadata` | the meeting create returns carries the request's metadata unchanged |
/// | `time_round_trips` | the meeting's time is in offset form (RFC 3339), at the requested instants, in the requested zone |
/// | `metadata_round_trip` | when declared: get returns the metadata given at create unchanged |
/// | `idempotent_create` | when declared: two creates with one idempotency key, by the provider alone (no client, no record), give one meeting; another key gives another |
/// | `get_returns_created` | get returns the meeting create made: id, join link, title, time |
/// | `update_changes_title_and_time` | update returns the new title and time for the same meeting id, `conference_link_changed` agrees with the links, and get (if offered) sees the change |
/// | `cancel_then_already_cancelled` | the first cancel is `Cancelled`, the second `AlreadyCancelled` |
/// | `get_after_cancel_is_gone` | get of a cancelled meeting is `MEETING_NOT_FOUND` or a meeting with status `cancelled` |
/// | `missing_meeting_is_not_found` | get and update of a missing id are `MEETING_NOT_FOUND` (kind `not_found`); cancel is that or `AlreadyCancelled` |
/// | `other_tenant_sees_nothing` | when an other tenant is given: its get and update of the harness tenant's meeting are `MEETING_NOT_FOUND`, its cancel answers what a cancel of a missing id answers, and the meeting is untouched for its owner |
/// | `failure_has_neutral_kind` | the failure the harness arms surfaces with the expected [`ErrorKind`] |
/// | `connected_tenant_is_connected` | the harness tenant's status is connected, for this provider and tenant |
/// | `disconnected_tenant_is_not_connected` | the disconnected tenant's status is not connected, consistently (`connected` agrees with `state`) |
/// | `unsupported_operations_refused` | through a client, each operation the provider does not offer is `OPERATION_NOT_SUPPORTED` |
/// | `client_routes_create` | a client holding the provider beside another routes a create to it, reports its capabilities, and refuses an invalid request as `INVALID_REQUEST` |
/// | `debug_shows_no_secret` | `Debug` of the provider, and `Debug` and `Display` of every error and meeting seen during the run, contain none of the secrets |
pub const CONFORMANCE_CHECKS: &[&str] = &[
    "create_returns_join_link",
    "create_returns_metadata",
    "time_round_trips",
    "metadata_round_trip",
    "idempotent_create",
    "get_returns_created",
    "update_changes_title_and_time",
    "cancel_then_already_cancelled",
    "get_after_cancel_is_gone",
    "missing_meeting_is_not_found",
    "other_tenant_sees_nothing",
    "failure_has_neutral_kind",
    "connected_tenant_is_connected",
    "disconnected_tenant_is_not_connected",
    "unsupported_operations_refused",
    "client_routes_create",
    "debug_shows_no_secret",
];

/// An id no provider is expected to hold: eleven digits, so it is also well formed as a Zoom
/// meeting id and a Google event id (base32hex).
pub const DEFAULT_MISSING_MEETING_ID: &str = "99999999999";

type ArmFn = dyn Fn() -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync;

/// The call [`FailureCase`] expects to fail once armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailingCall {
    /// `create_meeting` (the default).
    Create,
    /// `connection_status` of the harness tenant.
    ConnectionStatus,
}

/// How to make the provider's next call fail, and the neutral kind the failure must carry.
///
/// Against the emulator, arming injects a fault (`emulator.inject_fault(FaultRule::once(..))`);
/// against a fake, it sets a flag the fake reads.
pub struct FailureCase {
    kind: ErrorKind,
    call: FailingCall,
    arm: Box<ArmFn>,
}

impl FailureCase {
    /// After `arm` has run, the next `create_meeting` must fail with `kind`.
    pub fn new<F, Fut>(kind: ErrorKind, arm: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Self {
            kind,
            call: FailingCall::Create,
            arm: Box::new(move || Box::pin(arm())),
        }
    }

    /// Like [`new`](Self::new), for arming that needs no `.await` (the emulator's
    /// `inject_fault`, a flag).
    pub fn armed_by(kind: ErrorKind, arm: impl Fn() + Send + Sync + 'static) -> Self {
        Self::new(kind, move || {
            arm();
            std::future::ready(())
        })
    }

    /// Expects the failure on `call` instead of `create_meeting`.
    pub fn on(mut self, call: FailingCall) -> Self {
        self.call = call;
        self
    }

    /// The kind the failure must carry.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The call expected to fail.
    pub fn call(&self) -> FailingCall {
        self.call
    }
}

impl fmt::Debug for FailureCase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FailureCase")
            .field("kind", &self.kind)
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

/// A provider and what the suite needs to know to check it.
///
/// ```
/// # use std::sync::Arc;
/// # use meetschedify_core::{ErrorKind, MeetingProvider};
/// # use meetschedify_testkit::provider::{FailureCase, ProviderHarness};
/// # fn f(provider: Arc<dyn MeetingProvider>) -> ProviderHarness {
/// ProviderHarness::new(provider, "org_1")
///     .with_secrets(["client-secret-value"])
///     .with_missing_meeting_id("12345678901")
///     .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, || { /* inject a 429 */ }))
///     .with_disconnected_tenant("org_never_connected")
/// # }
/// ```
pub struct ProviderHarness {
    provider: Arc<dyn MeetingProvider>,
    tenant: TenantId,
    secrets: Vec<String>,
    missing_meeting_id: String,
    failure: Option<FailureCase>,
    disconnected_tenant: Option<TenantId>,
    other_tenant: Option<TenantId>,
}

impl ProviderHarness {
    /// The provider under test, and a tenant that is connected to it.
    pub fn new(provider: Arc<dyn MeetingProvider>, tenant: impl Into<TenantId>) -> Self {
        Self {
            provider,
            tenant: tenant.into(),
            secrets: Vec::new(),
            missing_meeting_id: DEFAULT_MISSING_MEETING_ID.to_owned(),
            failure: None,
            disconnected_tenant: None,
            other_tenant: None,
        }
    }

    /// Strings that must never appear in `Debug` of the provider or of any error or meeting
    /// (client secrets, refresh tokens, room secrets). Empty strings are ignored.
    pub fn with_secrets<I, S>(mut self, secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.secrets.extend(
            secrets
                .into_iter()
                .map(Into::into)
                .filter(|s| !s.is_empty()),
        );
        self
    }

    /// An id the provider answers "not found" for (default [`DEFAULT_MISSING_MEETING_ID`]).
    pub fn with_missing_meeting_id(mut self, id: impl Into<String>) -> Self {
        self.missing_meeting_id = id.into();
        self
    }

    /// How to make a call fail, and the kind expected; without it `failure_has_neutral_kind`
    /// is skipped.
    pub fn with_failure(mut self, failure: FailureCase) -> Self {
        self.failure = Some(failure);
        self
    }

    /// A tenant whose status must be not connected; without it
    /// `disconnected_tenant_is_not_connected` is skipped.
    pub fn with_disconnected_tenant(mut self, tenant: impl Into<TenantId>) -> Self {
        self.disconnected_tenant = Some(tenant.into());
        self
    }

    /// A second tenant, connected to the provider (for a shared account, any other tenant id;
    /// for per-user OAuth, one connected to its own account or to the same one), which must not
    /// see, change or cancel the harness tenant's meetings; without it
    /// `other_tenant_sees_nothing` is skipped.
    pub fn with_other_tenant(mut self, tenant: impl Into<TenantId>) -> Self {
        self.other_tenant = Some(tenant.into());
        self
    }

    /// The provider under test.
    pub fn provider(&self) -> &Arc<dyn MeetingProvider> {
        &self.provider
    }

    /// What the provider offers and promises, as the suite reads it.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities::of(self.provider.as_ref())
    }
}

// Hand-written: the secrets are the one thing this type must never print.
impl fmt::Debug for ProviderHarness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderHarness")
            .field("provider", &self.provider.id())
            .field("tenant", &self.tenant)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("missing_meeting_id", &self.missing_meeting_id)
            .field("failure", &self.failure)
            .field("disconnected_tenant", &self.disconnected_tenant)
            .field("other_tenant", &self.other_tenant)
            .finish()
    }
}

/// Runs every check of [`CONFORMANCE_CHECKS`] against the harness's provider, in order, and
/// reports each one (the report's `suite` is [`CONFORMANCE_CHECKS`]).
///
/// Each check makes its own meetings (titles and metadata carry a random run id), so checks do
/// not depend on each other and a rerun against the same backend never collides. The failure
/// is armed once, just before `failure_has_neutral_kind`; `debug_shows_no_secret` runs last,
/// over everything the run saw.
pub async fn run_provider_conformance(harness: &ProviderHarness) -> Report {
    let run = checks::Run::new(harness);
    let mut report = Report {
        suite: CONFORMANCE_CHECKS,
        ..Report::default()
    };
    report.record(
        "create_returns_join_link",
        checks::create_returns_join_link(&run).await,
    );
    report.record(
        "create_returns_metadata",
        checks::create_returns_metadata(&run).await,
    );
    report.record("time_round_trips", checks::time_round_trips(&run).await);
    report.record(
        "metadata_round_trip",
        checks::metadata_round_trip(&run).await,
    );
    report.record("idempotent_create", checks::idempotent_create(&run).await);
    report.record(
        "get_returns_created",
        checks::get_returns_created(&run).await,
    );
    report.record(
        "update_changes_title_and_time",
        checks::update_changes_title_and_time(&run).await,
    );
    report.record(
        "cancel_then_already_cancelled",
        checks::cancel_then_already_cancelled(&run).await,
    );
    report.record(
        "get_after_cancel_is_gone",
        checks::get_after_cancel_is_gone(&run).await,
    );
    report.record(
        "missing_meeting_is_not_found",
        checks::missing_meeting_is_not_found(&run).await,
    );
    report.record(
        "other_tenant_sees_nothing",
        checks::other_tenant_sees_nothing(&run).await,
    );
    report.record(
        "failure_has_neutral_kind",
        checks::failure_has_neutral_kind(&run).await,
    );
    report.record(
        "connected_tenant_is_connected",
        checks::connected_tenant_is_connected(&run).await,
    );
    report.record(
        "disconnected_tenant_is_not_connected",
        checks::disconnected_tenant_is_not_connected(&run).await,
    );
    report.record(
        "unsupported_operations_refused",
        checks::unsupported_operations_refused(&run).await,
    );
    report.record(
        "client_routes_create",
        checks::client_routes_create(&run).await,
    );
    report.record("debug_shows_no_secret", checks::debug_shows_no_secret(&run));
    report
}
