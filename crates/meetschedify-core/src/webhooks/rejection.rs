//! [`WebhookRejection`]: why a request was refused, with the HTTP status to answer.

use std::fmt;

use crate::ids::ProviderId;

/// Why a notification was refused. Every variant has a stable [`code`](Self::code).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectionReason {
    /// A header the vendor always sends is absent (or empty): its name.
    MissingHeader(&'static str),
    /// The signature does not match the body under any configured secret (tampered body, a
    /// forgery, or a secret that was rotated out); for a vendor that echoes a shared secret
    /// instead of signing (Google's channel token), the secret does not match.
    BadSignature,
    /// The signed timestamp is older than the tolerance allows (or is not a number).
    StaleTimestamp,
    /// The signed timestamp lies further in the future than the tolerance allows.
    FutureTimestamp,
    /// This notification was already delivered once.
    Replayed,
    /// The body is larger than the verifier's limit (in bytes).
    BodyTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The body is authentic but not a notification this verifier understands: what is wrong.
    Malformed(String),
    /// The replay store failed, so the request could not be checked; the vendor should retry.
    StoreUnavailable,
    /// The notification names a push subscription this application does not hold (never
    /// made, stopped, or forgotten): Google's `X-Goog-Channel-ID`, Graph's `subscriptionId`.
    UnknownSubscription,
    /// The notification's resource is not the one the subscription watches (Google's
    /// `X-Goog-Resource-ID`).
    ResourceMismatch,
    /// The notification is authentic but the follow-up read of what changed (Google's
    /// incremental sync) failed; the vendor should retry.
    FollowUpFailed,
}

impl RejectionReason {
    /// A stable, upper-case code for logs, metrics and the rejection body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader(_) => "WEBHOOK_MISSING_HEADER",
            Self::BadSignature => "WEBHOOK_BAD_SIGNATURE",
            Self::StaleTimestamp => "WEBHOOK_STALE_TIMESTAMP",
            Self::FutureTimestamp => "WEBHOOK_FUTURE_TIMESTAMP",
            Self::Replayed => "WEBHOOK_REPLAYED",
            Self::BodyTooLarge { .. } => "WEBHOOK_BODY_TOO_LARGE",
            Self::Malformed(_) => "WEBHOOK_MALFORMED",
            Self::StoreUnavailable => "WEBHOOK_STORE_UNAVAILABLE",
            Self::UnknownSubscription => "WEBHOOK_UNKNOWN_SUBSCRIPTION",
            Self::ResourceMismatch => "WEBHOOK_RESOURCE_MISMATCH",
            Self::FollowUpFailed => "WEBHOOK_FOLLOW_UP_FAILED",
        }
    }

    /// The HTTP status to answer: 401 when authenticity could not be established (vendors do
    /// not retry a 4xx, and a forger learns nothing finer), 413 for an oversized body, 400 for
    /// an authentic but unreadable one, 503 when the fault is ours (so the vendor retries).
    pub fn http_status(&self) -> u16 {
        match self {
            Self::MissingHeader(_)
            | Self::BadSignature
            | Self::StaleTimestamp
            | Self::FutureTimestamp
            | Self::Replayed
            | Self::UnknownSubscription
            | Self::ResourceMismatch => 401,
            Self::BodyTooLarge { .. } => 413,
            Self::Malformed(_) => 400,
            Self::StoreUnavailable | Self::FollowUpFailed => 503,
        }
    }
}

impl fmt::Display for RejectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader(name) => write!(f, "missing header `{name}`"),
            Self::BadSignature => f.write_str("signature does not match"),
            Self::StaleTimestamp => f.write_str("timestamp outside the tolerance (too old)"),
            Self::FutureTimestamp => f.write_str("timestamp outside the tolerance (in the future)"),
            Self::Replayed => f.write_str("notification already delivered"),
            Self::BodyTooLarge { limit } => write!(f, "body larger than {limit} bytes"),
            Self::Malformed(what) => write!(f, "malformed notification: {what}"),
            Self::StoreUnavailable => f.write_str("replay store unavailable"),
            Self::UnknownSubscription => f.write_str("no such subscription"),
            Self::ResourceMismatch => f.write_str("resource does not match the subscription's"),
            Self::FollowUpFailed => f.write_str("reading the changes failed"),
        }
    }
}

/// A refused notification: which provider's verifier refused it and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRejection {
    provider: ProviderId,
    reason: RejectionReason,
}

impl WebhookRejection {
    /// A rejection by `provider`'s verifier.
    pub fn new(provider: ProviderId, reason: RejectionReason) -> Self {
        Self { provider, reason }
    }

    /// The provider whose verifier refused the request.
    pub fn provider(&self) -> &ProviderId {
        &self.provider
    }

    /// Why.
    pub fn reason(&self) -> &RejectionReason {
        &self.reason
    }

    /// The reason's stable code.
    pub fn code(&self) -> &'static str {
        self.reason.code()
    }

    /// The HTTP status to answer with.
    pub fn http_status(&self) -> u16 {
        self.reason.http_status()
    }

    /// The JSON body to answer with: `{"error": code, "message": text}`. It names the reason
    /// only, never a header value or the body.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.code(), "message": self.to_string() })
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} webhook rejected: {}", self.provider, self.reason)
    }
}

impl std::error::Error for WebhookRejection {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticity_failures_are_401_and_codes_are_stable() {
        let table: Vec<(RejectionReason, &str, u16)> = vec![
            (
                RejectionReason::MissingHeader("x-zm-signature"),
                "WEBHOOK_MISSING_HEADER",
                401,
            ),
            (RejectionReason::BadSignature, "WEBHOOK_BAD_SIGNATURE", 401),
            (
                RejectionReason::StaleTimestamp,
                "WEBHOOK_STALE_TIMESTAMP",
                401,
            ),
            (
                RejectionReason::FutureTimestamp,
                "WEBHOOK_FUTURE_TIMESTAMP",
                401,
            ),
            (RejectionReason::Replayed, "WEBHOOK_REPLAYED", 401),
            (
                RejectionReason::BodyTooLarge { limit: 10 },
                "WEBHOOK_BODY_TOO_LARGE",
                413,
            ),
            (
                RejectionReason::Malformed("x".into()),
                "WEBHOOK_MALFORMED",
                400,
            ),
            (
                RejectionReason::StoreUnavailable,
                "WEBHOOK_STORE_UNAVAILABLE",
                503,
            ),
            (
                RejectionReason::UnknownSubscription,
                "WEBHOOK_UNKNOWN_SUBSCRIPTION",
                401,
            ),
            (
                RejectionReason::ResourceMismatch,
                "WEBHOOK_RESOURCE_MISMATCH",
                401,
            ),
            (
                RejectionReason::FollowUpFailed,
                "WEBHOOK_FOLLOW_UP_FAILED",
                503,
            ),
        ];
        for (reason, code, status) in table {
            assert_eq!((reason.code(), reason.http_status()), (code, status));
        }
        let rejection = WebhookRejection::new(ProviderId::ZOOM, RejectionReason::BadSignature);
        assert_eq!(
            rejection.to_string(),
            "zoom webhook rejected: signature does not match"
        );
        assert_eq!(rejection.to_json()["error"], "WEBHOOK_BAD_SIGNATURE");
    }
}
