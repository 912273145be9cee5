//! The one error type of meetschedify, with stable codes.
//!
//! Every provider converts its private errors into [`Error`] once, at its boundary, so an
//! application matches on [`ErrorCode`] whatever provider it called. The string form of each code
//! (`ErrorCode::as_str`) is public contract: it never changes once released.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::hosts::CapacityDetails;
use crate::ProviderId;

/// A `Result` whose error is meetschedify's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $text:literal, kind: $kind:ident, retryable: $retry:literal, http: $http:literal; )+) => {
        /// A stable, documented error code.
        ///
        /// Match on this rather than on messages: messages may be reworded, codes never are.
        /// The string form (`as_str`, `Display`, serde) is the same SCREAMING_SNAKE_CASE text the
        /// Node.js original used, so logs and dashboards keep working across languages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )+
        }

        impl ErrorCode {
            /// Every code, in declaration order (for documentation and exhaustive tests).
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )+ ];

            /// The stable string form, e.g. `"ZOOM_RATE_LIMIT"`.
            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $text, )+ }
            }

            /// The provider-neutral kind of failure: handle every provider, built-in or not,
            /// by matching on it.
            pub const fn kind(self) -> ErrorKind {
                match self { $( ErrorCode::$variant => ErrorKind::$kind, )+ }
            }

            /// Whether an error with this code is retryable by default.
            ///
            /// A single error may override this (a network failure after the request was sent is
            /// not retryable for a call that could create a duplicate); see [`Error::is_retryable`].
            pub const fn retryable_by_default(self) -> bool {
                match self { $( ErrorCode::$variant => $retry, )+ }
            }

            /// The HTTP status an application would typically answer its own caller with.
            ///
            /// This is advice for web handlers, not the status the provider returned (that one is
            /// [`Error::http_status`]).
            pub const fn suggested_http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $http, )+ }
            }

            /// A one-line description of when the code is used.
            pub fn description(self) -> &'static str {
                // Each `///` line starts with a space, so joining them as they are gives one line.
                match self { $( ErrorCode::$variant => concat!($($doc),+).trim_ascii(), )+ }
            }
        }

        impl std::str::FromStr for ErrorCode {
            type Err = UnknownErrorCode;

            fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
                match s {
                    $( $text => Ok(ErrorCode::$variant), )+
                    other => Err(UnknownErrorCode(other.to_owned())),
                }
            }
        }
    };
}

error_codes! {
    /// The tenant has no usable Google connection: nothing stored, or the connect callback
    /// failed (the code was refused, no refresh token came back, or the calendar scope was not
    /// granted).
    GoogleNotConnected = "GOOGLE_NOT_CONNECTED", kind: ReconnectRequired, retryable: false, http: 401;
    /// Refreshing the Google access token failed for a reason other than revocation.
    GoogleTokenRefreshFailed = "GOOGLE_TOKEN_REFRESH_FAILED", kind: Unavailable, retryable: true, http: 502;
    /// Google refused the refresh token (`invalid_grant`): the user must connect again.
    GoogleAuthRevoked = "GOOGLE_AUTH_REVOKED", kind: ReconnectRequired, retryable: false, http: 401;
    /// Google Calendar answered with an error that has no more specific code.
    GoogleCalendarError = "GOOGLE_CALENDAR_ERROR", kind: Provider, retryable: false, http: 502;
    /// Google rate limiting: 429 or 403 `rateLimitExceeded` / `userRateLimitExceeded`
    /// (retried), or 403 `quotaExceeded`, the daily quota (not retried; it lasts hours).
    GoogleRateLimit = "GOOGLE_RATE_LIMIT", kind: RateLimited, retryable: true, http: 429;
    /// Zoom rejected the Server-to-Server OAuth credentials (`invalid_client`).
    ZoomInvalidClient = "ZOOM_INVALID_CLIENT", kind: BadCredentials, retryable: false, http: 502;
    /// Obtaining a Zoom access token failed for a reason other than bad credentials.
    ZoomTokenError = "ZOOM_TOKEN_ERROR", kind: Provider, retryable: false, http: 502;
    /// The Zoom Meetings API answered with an error that has no more specific code.
    ZoomMeetingError = "ZOOM_MEETING_ERROR", kind: Provider, retryable: false, http: 502;
    /// Zoom rate limiting (429); the daily limit is not retryable.
    ZoomRateLimit = "ZOOM_RATE_LIMIT", kind: RateLimited, retryable: true, http: 429;
    /// Zoom could not be reached, or the request timed out.
    ZoomNetworkError = "ZOOM_NETWORK_ERROR", kind: Unavailable, retryable: true, http: 503;
    /// A Zoom call failed on every attempt the retry policy allowed.
    ZoomMaxRetriesExceeded = "ZOOM_MAX_RETRIES_EXCEEDED", kind: Unavailable, retryable: false, http: 503;
    /// No provider with the requested id is registered with the client.
    ProviderNotFound = "PROVIDER_NOT_FOUND", kind: InvalidRequest, retryable: false, http: 400;
    /// The configuration is missing a value or holds an invalid one.
    InvalidConfig = "INVALID_CONFIG", kind: InvalidConfig, retryable: false, http: 500;
    /// The provider does not support the requested operation.
    OperationNotSupported = "OPERATION_NOT_SUPPORTED", kind: NotSupported, retryable: false, http: 501;
    /// The request failed validation before any network call; the error names the field.
    InvalidRequest = "INVALID_REQUEST", kind: InvalidRequest, retryable: false, http: 400;
    /// The meeting does not exist at the provider.
    MeetingNotFound = "MEETING_NOT_FOUND", kind: NotFound, retryable: false, http: 404;
    /// The OAuth `state` is tampered, expired, replayed or meant for another provider.
    OAuthStateInvalid = "OAUTH_STATE_INVALID", kind: InvalidRequest, retryable: false, http: 400;
    /// The token store failed (backend unreachable, version conflict, decryption failure).
    TokenStoreError = "TOKEN_STORE_ERROR", kind: Storage, retryable: true, http: 503;
    /// Google has not finished creating the Meet conference within the configured bound.
    ConferencePending = "CONFERENCE_PENDING", kind: Pending, retryable: true, http: 503;
    /// A network failure or timeout talking to a provider other than Zoom (the original had no
    /// such code for Google: its network failures surfaced as `GOOGLE_CALENDAR_ERROR`).
    NetworkError = "NETWORK_ERROR", kind: Unavailable, retryable: true, http: 503;
    /// A provider answered with something the library could not understand.
    ProviderError = "PROVIDER_ERROR", kind: Provider, retryable: false, http: 502;
    /// An idempotency key already used for a different request (another title, time,
    /// participants or settings): nothing was changed at the provider; use a new key for a new
    /// request.
    IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED", kind: Conflict, retryable: false, http: 422;
    /// A create with the same idempotency key is still running (in this process or another
    /// sharing the idempotency store) and did not finish within the wait: repeating the call
    /// with the same key is safe.
    IdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE", kind: Pending, retryable: true, http: 409;
    /// The provider refused the call because the app or token lacks scopes it needs (Zoom error
    /// 4711, Google `ACCESS_TOKEN_SCOPE_INSUFFICIENT`): the message names the scopes to add.
    InsufficientScopes = "INSUFFICIENT_SCOPES", kind: PermissionDenied, retryable: false, http: 502;
    /// The tenant has no usable connection to the provider: nothing stored, or the connect
    /// callback failed. The neutral form of `GOOGLE_NOT_CONNECTED`, for any provider.
    NotConnected = "NOT_CONNECTED", kind: ReconnectRequired, retryable: false, http: 401;
    /// The provider refused the tenant's grant (revoked, expired or reset): the user must
    /// connect again. The neutral form of `GOOGLE_AUTH_REVOKED`, for any provider.
    AuthRevoked = "AUTH_REVOKED", kind: ReconnectRequired, retryable: false, http: 401;
    /// The provider refused the application's own credentials (client id or secret, app
    /// disabled). The neutral form of `ZOOM_INVALID_CLIENT`, for any provider.
    BadCredentials = "BAD_CREDENTIALS", kind: BadCredentials, retryable: false, http: 502;
    /// The provider is rate limiting the application or the user. The neutral form of
    /// `ZOOM_RATE_LIMIT` and `GOOGLE_RATE_LIMIT`, for any provider.
    RateLimited = "RATE_LIMITED", kind: RateLimited, retryable: true, http: 429;
    /// The provider answered that it is unavailable (a 5xx) on every attempt allowed.
    ProviderUnavailable = "PROVIDER_UNAVAILABLE", kind: Unavailable, retryable: true, http: 503;
    /// The provider refused the call for lack of a permission that is not an OAuth scope (an
    /// administrator policy, a role, a licence): the message names what to grant.
    PermissionDenied = "PERMISSION_DENIED", kind: PermissionDenied, retryable: false, http: 502;
    /// Every host of a host pool is busy over the meeting's time (padding included) or has no
    /// creates left today: `Error::capacity` names each host's state, the earliest time one
    /// frees up and when daily quotas reset.
    NoHostAvailable = "NO_HOST_AVAILABLE", kind: Capacity, retryable: false, http: 409;
    /// A rescheduled meeting no longer fits on its host (another of its meetings overlaps, or
    /// it has no updates left today) and the caller did not allow it to move to another host.
    HostBusy = "HOST_BUSY", kind: Capacity, retryable: false, http: 409;
}

/// The provider-neutral kind of an error: what an application does about it, whichever
/// provider failed.
///
/// Every [`ErrorCode`] has one kind ([`ErrorCode::kind`]); built-in and third-party providers
/// alike map their failures onto codes, so matching on the kind handles a provider the
/// application has never seen.
///
/// ```
/// use meetschedify_core::{ErrorCode, ErrorKind};
///
/// assert_eq!(ErrorCode::ZoomRateLimit.kind(), ErrorKind::RateLimited);
/// assert_eq!(ErrorCode::GoogleRateLimit.kind(), ErrorKind::RateLimited);
/// assert_eq!(ErrorCode::GoogleAuthRevoked.kind(), ErrorKind::ReconnectRequired);
/// assert_eq!(ErrorCode::ZoomInvalidClient.kind(), ErrorKind::BadCredentials);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's request is wrong (a field, an unknown provider, a bad OAuth callback):
    /// fix the request; repeating it unchanged fails the same way.
    InvalidRequest,
    /// The application's configuration is wrong or incomplete.
    InvalidConfig,
    /// The provider does not offer the operation.
    NotSupported,
    /// The meeting does not exist at the provider.
    NotFound,
    /// The provider refused the application's own credentials: an operator must fix them.
    BadCredentials,
    /// The tenant must connect its account again (never connected, revoked, expired).
    ReconnectRequired,
    /// A scope, role or policy is missing: an administrator must grant it.
    PermissionDenied,
    /// The provider is rate limiting; wait ([`Error::retry_after`]) and repeat.
    RateLimited,
    /// The provider or the network is down or timed out; repeating later may succeed.
    Unavailable,
    /// The request clashes with an earlier one (an idempotency key reused for another request).
    Conflict,
    /// The work is under way (a conference being made, a create with the same key in flight);
    /// ask again shortly.
    Pending,
    /// The token, idempotency or nonce store failed.
    Storage,
    /// The provider answered with an error that fits no other kind.
    Provider,
    /// No host can take the meeting at that time (every host of a pool busy or out of its
    /// daily quota): pick another time, allow a move, or add hosts.
    Capacity,
}

impl ErrorKind {
    /// The snake_case name used in JSON and logs, e.g. `"rate_limited"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::NotSupported => "not_supported",
            ErrorKind::NotFound => "not_found",
            ErrorKind::BadCredentials => "bad_credentials",
            ErrorKind::ReconnectRequired => "reconnect_required",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Pending => "pending",
            ErrorKind::Storage => "storage",
            ErrorKind::Provider => "provider",
            ErrorKind::Capacity => "capacity",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ErrorCode {
    /// Whether an application should send the user through the OAuth connect flow again
    /// (the kind is [`ErrorKind::ReconnectRequired`]).
    pub const fn needs_reconnect(self) -> bool {
        matches!(self.kind(), ErrorKind::ReconnectRequired)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The text given to `ErrorCode::from_str` names no known code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code `{0}`")]
pub struct UnknownErrorCode(pub String);

/// The operation during which an error happened, for logs and error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Operation {
    /// Creating a meeting.
    CreateMeeting,
    /// Reading a meeting.
    GetMeeting,
    /// Updating or rescheduling a meeting.
    UpdateMeeting,
    /// Cancelling a meeting.
    CancelMeeting,
    /// Checking whether a tenant is connected.
    ConnectionStatus,
    /// Building an OAuth authorization URL.
    AuthorizationUrl,
    /// Handling an OAuth callback.
    OAuthCallback,
    /// Disconnecting a tenant.
    Disconnect,
    /// Obtaining or refreshing an access token.
    AccessToken,
    /// Reading or writing the token store.
    TokenStore,
    /// Building a client or provider.
    Configure,
}

impl Operation {
    /// The snake_case name used in logs and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::CreateMeeting => "create_meeting",
            Operation::GetMeeting => "get_meeting",
            Operation::UpdateMeeting => "update_meeting",
            Operation::CancelMeeting => "cancel_meeting",
            Operation::ConnectionStatus => "connection_status",
            Operation::AuthorizationUrl => "authorization_url",
            Operation::OAuthCallback => "oauth_callback",
            Operation::Disconnect => "disconnect",
            Operation::AccessToken => "access_token",
            Operation::TokenStore => "token_store",
            Operation::Configure => "configure",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What Google said when a call failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GoogleErrorDetails {
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// The first `error.errors[].reason` (e.g. `rateLimitExceeded`), or the OAuth `error` field
    /// (e.g. `invalid_grant`).
    pub reason: Option<String>,
    /// Google's human-readable message.
    pub message: Option<String>,
}

impl GoogleErrorDetails {
    /// Details with a status, a reason and a message.
    pub fn new(http_status: u16, reason: Option<String>, message: Option<String>) -> Self {
        Self {
            http_status,
            reason,
            message,
        }
    }
}

/// What Zoom said when a call failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ZoomErrorDetails {
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// Zoom's numeric error `code` (e.g. 124 for an invalid token, 3001 for a missing meeting).
    pub code: Option<i64>,
    /// The OAuth `error` string of a failed token request (e.g. `"invalid_client"`): what the
    /// Node.js original exposed as `err.zoomErrorCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_error: Option<String>,
    /// The body as Zoom sent it (truncated to a few kilobytes).
    pub body: Option<String>,
}

impl ZoomErrorDetails {
    /// Details with a status, a Zoom code and the body.
    pub fn new(http_status: u16, code: Option<i64>, body: Option<String>) -> Self {
        Self {
            http_status,
            code,
            oauth_error: None,
            body,
        }
    }

    /// Records the OAuth `error` string of a failed token request.
    pub fn with_oauth_error(mut self, error: impl Into<String>) -> Self {
        self.oauth_error = Some(error.into());
        self
    }
}

/// What any other provider's API said when a call failed: the neutral form of the Google and
/// Zoom details, for third-party providers (and new built-in ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HttpErrorDetails {
    /// The HTTP status of the answer.
    pub http_status: u16,
    /// The vendor's own error code (e.g. Graph's `ErrorItemNotFound`, an OAuth `invalid_grant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_code: Option<String>,
    /// The vendor's human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The vendor's id for the request, to quote to its support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl HttpErrorDetails {
    /// Details with a status only.
    pub fn new(http_status: u16) -> Self {
        Self {
            http_status,
            vendor_code: None,
            message: None,
            request_id: None,
        }
    }

    /// Records the vendor's error code.
    pub fn with_vendor_code(mut self, code: impl Into<String>) -> Self {
        self.vendor_code = Some(code.into());
        self
    }

    /// Records the vendor's message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Records the vendor's request id.
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }
}

/// Typed details from the provider that produced an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProviderErrorDetails {
    /// Google OAuth or Calendar.
    Google(GoogleErrorDetails),
    /// Zoom OAuth or Meetings.
    Zoom(ZoomErrorDetails),
    /// Any other provider's HTTP API, in neutral form.
    Http(HttpErrorDetails),
    /// A third-party provider's own details.
    Other {
        /// Free-form details.
        details: serde_json::Value,
    },
}

type Source = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// The error every meetschedify operation returns.
///
/// It carries a stable [`ErrorCode`], a one-line lower-case message, whether it is worth
/// retrying, how long the provider asked to wait, and where it happened. It is cheap to clone
/// (one allocation), so a failed token refresh can be handed to every caller that waited on it.
///
/// ```
/// use meetschedify_core::{Error, ErrorCode};
///
/// let err = Error::invalid_request("time.end", "end must be after start");
/// assert_eq!(err.code(), ErrorCode::InvalidRequest);
/// assert_eq!(err.field(), Some("time.end"));
/// assert_eq!(err.to_string(), "INVALID_REQUEST: time.end: end must be after start");
/// ```
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    code: ErrorCode,
    message: String,
    field: Option<String>,
    retryable: bool,
    retry_after: Option<Duration>,
    http_status: Option<u16>,
    provider_id: Option<ProviderId>,
    operation: Option<Operation>,
    attempts: Option<u32>,
    meeting_id: Option<String>,
    outcome_unknown: bool,
    details: Option<ProviderErrorDetails>,
    capacity: Option<CapacityDetails>,
    source: Option<Source>,
}

impl Error {
    /// A new error with a code and a message (lower case, no trailing period).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                code,
                message: message.into(),
                field: None,
                retryable: code.retryable_by_default(),
                retry_after: None,
                http_status: None,
                provider_id: None,
                operation: None,
                attempts: None,
                meeting_id: None,
                outcome_unknown: false,
                details: None,
                capacity: None,
                source: None,
            }),
        }
    }

    /// An `INVALID_REQUEST` error about one field (dotted path, e.g. `time.start`).
    pub fn invalid_request(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message).with_field(field)
    }

    /// An `INVALID_CONFIG` error about one setting (e.g. `ZOOM_CLIENT_ID` or `client_id`).
    pub fn invalid_config(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfig, message).with_field(field)
    }

    /// An `OPERATION_NOT_SUPPORTED` error for a provider that lacks an operation.
    pub fn not_supported(provider_id: &ProviderId, operation: Operation) -> Self {
        Self::new(
            ErrorCode::OperationNotSupported,
            format!("provider `{provider_id}` does not support {operation}"),
        )
        .with_provider(provider_id.clone())
        .with_operation(operation)
    }

    /// A `TOKEN_STORE_ERROR` wrapping a backend error.
    pub fn token_store(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::new(ErrorCode::TokenStoreError, message)
            .with_source(source)
            .with_operation(Operation::TokenStore)
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.inner.code
    }

    /// The provider-neutral kind of failure (from the code).
    pub fn kind(&self) -> ErrorKind {
        self.inner.code.kind()
    }

    /// Whether the tenant must go through the OAuth connect flow again.
    pub fn needs_reconnect(&self) -> bool {
        self.inner.code.needs_reconnect()
    }

    /// The message, without the code or field.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The request or config field at fault, as a dotted path.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// Whether repeating the same call may succeed and cannot cause a duplicate.
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    /// How long the provider asked the caller to wait (`Retry-After`), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The HTTP status the provider answered with, if the error came from an answer.
    pub fn http_status(&self) -> Option<u16> {
        self.inner.http_status
    }

    /// The provider that produced the error.
    pub fn provider_id(&self) -> Option<&ProviderId> {
        self.inner.provider_id.as_ref()
    }

    /// The operation that failed.
    pub fn operation(&self) -> Option<Operation> {
        self.inner.operation
    }

    /// How many attempts were made before giving up, when a retry loop gave up.
    pub fn attempts(&self) -> Option<u32> {
        self.inner.attempts
    }

    /// The provider's id of the meeting the error is about, when one exists although the call
    /// failed. `CONFERENCE_PENDING` carries the Calendar event that was created: fetch it later
    /// with `get_meeting`, whose answer has the link once Google has made the conference.
    pub fn meeting_id(&self) -> Option<&str> {
        self.inner.meeting_id.as_deref()
    }

    /// Whether the call may have made its change at the provider although it failed: a create
    /// whose every attempt ended ambiguously (a timeout, a connection lost after sending, a 5xx)
    /// and whose final check could not tell either. The meeting may exist; the message says
    /// whether repeating the call is safe, [`is_retryable`](Self::is_retryable) says it too, and
    /// [`meeting_id`](Self::meeting_id) names the meeting to look for when the provider chose
    /// its id in advance (Google). Applications should check for the meeting, or repeat the
    /// call with the same idempotency key, before telling anyone that nothing was scheduled.
    ///
    /// An error that certainly changed nothing (a validation error, a 400, a failure followed
    /// by a check that found no meeting) is `false`.
    pub fn outcome_unknown(&self) -> bool {
        self.inner.outcome_unknown
    }

    /// Typed details from the provider.
    pub fn details(&self) -> Option<&ProviderErrorDetails> {
        self.inner.details.as_ref()
    }

    /// Google's details, when the error came from Google.
    pub fn google_details(&self) -> Option<&GoogleErrorDetails> {
        match &self.inner.details {
            Some(ProviderErrorDetails::Google(d)) => Some(d),
            _ => None,
        }
    }

    /// The neutral HTTP details, when a provider reported them that way.
    pub fn http_details(&self) -> Option<&HttpErrorDetails> {
        match &self.inner.details {
            Some(ProviderErrorDetails::Http(d)) => Some(d),
            _ => None,
        }
    }

    /// Zoom's details, when the error came from Zoom.
    pub fn zoom_details(&self) -> Option<&ZoomErrorDetails> {
        match &self.inner.details {
            Some(ProviderErrorDetails::Zoom(d)) => Some(d),
            _ => None,
        }
    }

    /// Records the id of the meeting the error is about (see [`meeting_id`](Self::meeting_id)).
    pub fn with_meeting_id(mut self, meeting_id: impl Into<String>) -> Self {
        self.inner.meeting_id = Some(meeting_id.into());
        self
    }

    /// Records whether the outcome is unknown (see [`outcome_unknown`](Self::outcome_unknown)).
    pub fn with_outcome_unknown(mut self, unknown: bool) -> Self {
        self.inner.outcome_unknown = unknown;
        self
    }

    /// Appends `note` to the message (`"<message>; <note>"`), keeping everything else: how a
    /// provider says what a failure means for the caller (for example that the meeting may
    /// exist although the create failed).
    pub fn with_note(mut self, note: &str) -> Self {
        self.inner.message.push_str("; ");
        self.inner.message.push_str(note);
        self
    }

    /// Names the field at fault.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.inner.field = Some(field.into());
        self
    }

    /// Overrides whether the error is retryable.
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    /// Records how long the provider asked to wait.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    /// Records the provider's HTTP status.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.inner.http_status = Some(status);
        self
    }

    /// Records the provider.
    pub fn with_provider(mut self, provider_id: ProviderId) -> Self {
        self.inner.provider_id = Some(provider_id);
        self
    }

    /// Records the operation, unless one is already recorded (the innermost one wins).
    pub fn with_operation(mut self, operation: Operation) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    /// Records how many attempts were made.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = Some(attempts);
        self
    }

    /// Attaches typed provider details; also records their HTTP status.
    pub fn with_details(mut self, details: ProviderErrorDetails) -> Self {
        let status = match &details {
            ProviderErrorDetails::Google(d) => Some(d.http_status),
            ProviderErrorDetails::Zoom(d) => Some(d.http_status),
            ProviderErrorDetails::Http(d) => Some(d.http_status),
            ProviderErrorDetails::Other { .. } => None,
        };
        if let Some(status) = status {
            self.inner.http_status = Some(status);
        }
        self.inner.details = Some(details);
        self
    }

    /// Why a host pool refused (`NO_HOST_AVAILABLE`, `HOST_BUSY`): each host's state and when
    /// one frees up.
    pub fn capacity(&self) -> Option<&CapacityDetails> {
        self.inner.capacity.as_ref()
    }

    /// Attaches a host pool's reasons.
    pub fn with_capacity(mut self, details: CapacityDetails) -> Self {
        self.inner.capacity = Some(details);
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Arc::new(source));
        self
    }

    /// A JSON view for APIs and the CLI's `--json` output: code, message and context, never the
    /// source chain (which may quote a provider body). `outcome_unknown` appears (as `true`)
    /// only on an error whose outcome is unknown.
    pub fn to_json(&self) -> serde_json::Value {
        let i = &self.inner;
        let mut map = serde_json::Map::new();
        map.insert("code".into(), i.code.as_str().into());
        map.insert("kind".into(), i.code.kind().as_str().into());
        map.insert("message".into(), i.message.clone().into());
        map.insert("retryable".into(), i.retryable.into());
        if let Some(field) = &i.field {
            map.insert("field".into(), field.clone().into());
        }
        if let Some(after) = i.retry_after {
            map.insert(
                "retry_after_ms".into(),
                u64::try_from(after.as_millis()).unwrap_or(u64::MAX).into(),
            );
        }
        if let Some(status) = i.http_status {
            map.insert("http_status".into(), status.into());
        }
        if let Some(p) = &i.provider_id {
            map.insert("provider_id".into(), p.as_str().into());
        }
        if let Some(op) = i.operation {
            map.insert("operation".into(), op.as_str().into());
        }
        if let Some(n) = i.attempts {
            map.insert("attempts".into(), n.into());
        }
        if let Some(id) = &i.meeting_id {
            map.insert("meeting_id".into(), id.clone().into());
        }
        // Only when set, so the JSON of every other error stays as it was.
        if i.outcome_unknown {
            map.insert("outcome_unknown".into(), true.into());
        }
        if let Some(d) = &i.details {
            map.insert(
                "details".into(),
                serde_json::to_value(d).unwrap_or_default(),
            );
        }
        if let Some(c) = &i.capacity {
            map.insert(
                "capacity".into(),
                serde_json::to_value(c).unwrap_or_default(),
            );
        }
        serde_json::Value::Object(map)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.inner.code)?;
        if let Some(field) = &self.inner.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("code", &i.code).field("message", &i.message);
        if let Some(v) = &i.field {
            d.field("field", v);
        }
        d.field("retryable", &i.retryable);
        if let Some(v) = &i.retry_after {
            d.field("retry_after", v);
        }
        if let Some(v) = &i.http_status {
            d.field("http_status", v);
        }
        if let Some(v) = &i.provider_id {
            d.field("provider_id", v);
        }
        if let Some(v) = &i.operation {
            d.field("operation", v);
        }
        if let Some(v) = &i.attempts {
            d.field("attempts", v);
        }
        if let Some(v) = &i.meeting_id {
            d.field("meeting_id", v);
        }
        if i.outcome_unknown {
            d.field("outcome_unknown", &true);
        }
        if let Some(v) = &i.details {
            d.field("details", v);
        }
        if let Some(v) = &i.capacity {
            d.field("capacity", v);
        }
        if let Some(v) = &i.source {
            d.field("source", &format_args!("{v}"));
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
