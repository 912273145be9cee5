//! [`ItemError`]: why one item of a Graph notification body was dropped.

use std::fmt;

use meetschedify_core::webhooks::RejectionReason;

/// Why one notification item was dropped. Graph batches items of several subscriptions in one
/// request, so each is checked on its own (reference `webhooks.md` §3.7).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemError {
    /// The `subscriptionId` names no subscription this application holds (a forgery, or one
    /// that was deleted).
    UnknownSubscription,
    /// The `clientState` is missing or not the subscription's.
    ClientStateMismatch,
    /// The `tenantId` is not the Entra tenant the verifier was configured for.
    TenantMismatch,
    /// A required field is missing: which.
    Malformed(String),
    /// This change was already delivered.
    Replayed,
    /// The subscription or replay store failed.
    StoreUnavailable,
}

impl ItemError {
    /// The provider-neutral reason: authenticity failures are one
    /// [`RejectionReason::BadSignature`] (a forger learns nothing finer; logs say which).
    pub fn reason(&self) -> RejectionReason {
        match self {
            Self::UnknownSubscription | Self::ClientStateMismatch | Self::TenantMismatch => {
                RejectionReason::BadSignature
            }
            Self::Malformed(what) => RejectionReason::Malformed(what.clone()),
            Self::Replayed => RejectionReason::Replayed,
            Self::StoreUnavailable => RejectionReason::StoreUnavailable,
        }
    }
}

impl fmt::Display for ItemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownSubscription => f.write_str("unknown subscription"),
            Self::ClientStateMismatch => f.write_str("clientState does not match"),
            Self::TenantMismatch => f.write_str("tenantId is not the configured tenant"),
            Self::Malformed(what) => write!(f, "malformed item: {what}"),
            Self::Replayed => f.write_str("change already delivered"),
            Self::StoreUnavailable => f.write_str("store unavailable"),
        }
    }
}

impl From<RejectionReason> for ItemError {
    fn from(reason: RejectionReason) -> Self {
        match reason {
            RejectionReason::Replayed => Self::Replayed,
            _ => Self::StoreUnavailable,
        }
    }
}
