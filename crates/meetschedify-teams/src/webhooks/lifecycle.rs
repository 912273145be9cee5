//! Graph's lifecycle notifications (reference `webhooks.md` §3.5): what they say and what the
//! library did about them.

use std::fmt;

use meetschedify_core::webhooks::Subscription;
use meetschedify_core::TenantId;

/// Which lifecycle event Graph announced.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LifecycleEvent {
    /// The subscription's token or lifetime is about to run out, or permissions changed:
    /// reauthorize or renew it, or deliveries pause.
    ReauthorizationRequired,
    /// Graph removed the subscription: create a new one, then resynchronise.
    SubscriptionRemoved,
    /// Some notifications were not delivered (for example under throttling): resynchronise.
    Missed,
    /// A lifecycle event this library does not know yet, by Graph's name.
    Other(String),
}

impl LifecycleEvent {
    pub(crate) fn parse(name: &str) -> Self {
        match name {
            "reauthorizationRequired" => Self::ReauthorizationRequired,
            "subscriptionRemoved" => Self::SubscriptionRemoved,
            "missed" => Self::Missed,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Graph's name for it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ReauthorizationRequired => "reauthorizationRequired",
            Self::SubscriptionRemoved => "subscriptionRemoved",
            Self::Missed => "missed",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified lifecycle notification (its `clientState` matched a held subscription), handed to
/// the application to act on after the answer, as Graph wants an answer within 3 seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LifecycleNotice {
    /// What happened.
    pub event: LifecycleEvent,
    /// The Graph subscription it is about.
    pub subscription_id: String,
    /// The tenant that holds the subscription.
    pub tenant: TenantId,
}

/// What [`GraphSubscriptions::handle_lifecycle`](super::GraphSubscriptions::handle_lifecycle)
/// did.
#[derive(Debug)]
#[non_exhaustive]
pub enum LifecycleAction {
    /// The subscription was renewed (which reauthorizes it too).
    Renewed(Subscription),
    /// The removed subscription was replaced by this new one. Changes made while none existed
    /// were not notified: read the tenant's meetings again.
    Recreated(Subscription),
    /// Notifications were lost: read the tenant's meetings again.
    ResyncNeeded,
    /// Nothing to do (an unknown lifecycle event, or a subscription no longer held).
    Ignored,
}
