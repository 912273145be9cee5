//! Exit codes: one per kind of failure, so scripts can tell "fix your input" from "try later".
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | a check failed (`doctor`) or an unexpected error |
//! | 2 | usage: unknown command or flag, missing argument |
//! | 3 | invalid request: the input failed validation (nothing was sent) |
//! | 4 | configuration: a missing or invalid setting or credential variable |
//! | 5 | authorization: not connected, revoked, bad client credentials, bad OAuth state |
//! | 6 | rate limited: try again after the `retry_after` the error carries |
//! | 7 | provider: the provider refused or failed the call (not found, calendar error, ...) |
//! | 8 | network: the provider could not be reached, or retries ran out |

use std::process::ExitCode;

use meetschedify::{ErrorCode, ErrorKind};

/// Why the command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exit {
    /// Everything worked.
    Success,
    /// A check failed, or something unexpected happened.
    Failure,
    /// The command line was wrong.
    Usage,
    /// The request failed validation; nothing was sent.
    InvalidRequest,
    /// A setting or credential is missing or invalid.
    Config,
    /// Not authorized: connect again, or fix the client credentials.
    Auth,
    /// Rate limited.
    RateLimit,
    /// The provider refused or failed the call.
    Provider,
    /// The provider could not be reached.
    Network,
    /// No host of a host pool is free at that time (busy, or out of its daily quota).
    Capacity,
}

impl Exit {
    /// Every exit, in code order (for the documentation table).
    pub const ALL: [Exit; 10] = [
        Exit::Success,
        Exit::Failure,
        Exit::Usage,
        Exit::InvalidRequest,
        Exit::Config,
        Exit::Auth,
        Exit::RateLimit,
        Exit::Provider,
        Exit::Network,
        Exit::Capacity,
    ];

    /// The numeric process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::InvalidRequest => 3,
            Exit::Config => 4,
            Exit::Auth => 5,
            Exit::RateLimit => 6,
            Exit::Provider => 7,
            Exit::Network => 8,
            Exit::Capacity => 9,
        }
    }

    /// A short description, as in the documentation table.
    pub const fn meaning(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "a check failed (doctor) or an unexpected error",
            Exit::Usage => "usage: unknown command or flag, missing argument",
            Exit::InvalidRequest => {
                "invalid request: the input failed validation; nothing was sent"
            }
            Exit::Config => "configuration: a missing or invalid setting or credential",
            Exit::Auth => {
                "authorization: not connected, revoked, bad client credentials or OAuth state"
            }
            Exit::RateLimit => "rate limited: retry after the error's retry_after",
            Exit::Provider => "provider: the provider refused or failed the call",
            Exit::Network => "network: the provider could not be reached, or retries ran out",
            Exit::Capacity => {
                "capacity: no host of the pool is free then (busy or out of its daily quota); \
                 the error names when one frees up: pick another time"
            }
        }
    }

    /// The exit for a library error code.
    pub fn for_error(code: ErrorCode) -> Exit {
        use ErrorCode as C;
        match code {
            C::InvalidRequest | C::IdempotencyKeyReused => Exit::InvalidRequest,
            C::InvalidConfig | C::ProviderNotFound => Exit::Config,
            C::GoogleNotConnected
            | C::GoogleAuthRevoked
            | C::GoogleTokenRefreshFailed
            | C::ZoomInvalidClient
            | C::ZoomTokenError
            | C::InsufficientScopes
            | C::OAuthStateInvalid => Exit::Auth,
            C::GoogleRateLimit | C::ZoomRateLimit | C::IdempotencyKeyInUse => Exit::RateLimit,
            C::ZoomNetworkError | C::NetworkError | C::ZoomMaxRetriesExceeded => Exit::Network,
            C::ConferencePending | C::TokenStoreError | C::MeetingNotFound => Exit::Provider,
            // Every other code (the neutral ones, and codes added later, whichever provider
            // reports them) exits by its kind.
            _ => match code.kind() {
                ErrorKind::InvalidRequest | ErrorKind::Conflict => Exit::InvalidRequest,
                ErrorKind::InvalidConfig => Exit::Config,
                ErrorKind::BadCredentials
                | ErrorKind::ReconnectRequired
                | ErrorKind::PermissionDenied => Exit::Auth,
                ErrorKind::RateLimited => Exit::RateLimit,
                ErrorKind::Unavailable => Exit::Network,
                ErrorKind::Capacity => Exit::Capacity,
                _ => Exit::Provider,
            },
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_in_order() {
        for (i, exit) in Exit::ALL.iter().enumerate() {
            assert_eq!(usize::from(exit.code()), i);
        }
    }

    #[test]
    fn every_error_code_has_an_exit_other_than_success_and_usage() {
        for code in ErrorCode::ALL {
            let exit = Exit::for_error(*code);
            assert!(!matches!(exit, Exit::Success | Exit::Usage), "{code}");
        }
        assert_eq!(Exit::for_error(ErrorCode::InvalidRequest).code(), 3);
        assert_eq!(Exit::for_error(ErrorCode::ZoomRateLimit).code(), 6);
        assert_eq!(Exit::for_error(ErrorCode::GoogleAuthRevoked).code(), 5);
        assert_eq!(Exit::for_error(ErrorCode::NoHostAvailable).code(), 9);
        assert_eq!(Exit::for_error(ErrorCode::HostBusy).code(), 9);
    }

    #[test]
    fn neutral_codes_exit_like_the_vendor_codes_of_their_kind() {
        for (neutral, vendor) in [
            (ErrorCode::RateLimited, ErrorCode::ZoomRateLimit),
            (ErrorCode::AuthRevoked, ErrorCode::GoogleAuthRevoked),
            (ErrorCode::NotConnected, ErrorCode::GoogleNotConnected),
            (ErrorCode::BadCredentials, ErrorCode::ZoomInvalidClient),
            (ErrorCode::ProviderUnavailable, ErrorCode::ZoomNetworkError),
            (ErrorCode::PermissionDenied, ErrorCode::InsufficientScopes),
        ] {
            assert_eq!(
                Exit::for_error(neutral),
                Exit::for_error(vendor),
                "{neutral}"
            );
        }
    }
}
