#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod base_url;
mod cause;
pub mod client;
pub mod connection;
mod env;
pub mod error;
pub mod hosts;
pub mod idempotency;
pub mod ids;
pub mod meeting;
pub mod oauth_state;
pub mod provider;
pub mod retry;
pub mod time;
pub mod token;
pub mod validate;
pub mod webhooks;

pub use base_url::check_base_url;
pub use cause::cause_chain;
pub use client::{ClientBuilder, MeetSchedifyClient};
pub use connection::{ConnectionState, ConnectionStatus, DisconnectOutcome};
pub use env::EnvVars;
pub use error::{
    Error, ErrorCode, ErrorKind, GoogleErrorDetails, HttpErrorDetails, Operation,
    ProviderErrorDetails, Result, ZoomErrorDetails,
};
pub use idempotency::{
    Claim, IdempotencyConfig, IdempotencyKey, IdempotencyStore, MemoryIdempotencyStore,
};
pub use ids::{ProviderId, TenantId};
pub use meeting::{
    CancelOutcome, ConferenceLink, ConferenceLinkKind, CreateMeetingRequest, CreatedMeeting,
    MeetingContext, MeetingLocation, MeetingParticipant, MeetingStatus, Metadata,
    UpdateMeetingRequest, UpdatedMeeting,
};
pub use oauth_state::{
    MemoryNonceStore, NonceStore, OAuthStateKey, OAuthStateSealer, ReturnUrlPolicy, SessionBinding,
    StatePayload,
};
pub use provider::{
    AuthorizationRequest, AuthorizationUrl, CancelMeeting, Capabilities, ConnectedAccount,
    GetMeeting, Guarantees, MeetingProvider, OAuthCallback, OAuthConnect, UpdateMeeting,
};
pub use retry::{
    parse_retry_after, with_retry, RetryConfig, DEFAULT_DEADLINE, DEFAULT_MAX_RETRY_AFTER,
};
pub use time::{DstResolution, MeetingTime, ResolvedTime};
pub use token::{
    AccessToken, DeleteOutcome, Lease, MemoryTokenStore, Revocation, SaveCondition, SaveOutcome,
    TokenKey, TokenLeases, TokenManager, TokenManagerConfig, TokenRecord, TokenRefresher,
    TokenStore, DEFAULT_REVALIDATE_EVERY,
};
pub use validate::{RequestLimits, ValidatedCreate, ValidatedUpdate};

/// Re-exported so providers and applications name one version of these crates.
pub use async_trait::async_trait;
pub use jiff;
pub use secrecy;
