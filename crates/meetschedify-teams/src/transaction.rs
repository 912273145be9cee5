//! Graph's `transactionId`: the event create's own duplicate guard.
//!
//! Graph documents `transactionId` as a client-chosen id "for the server to avoid redundant
//! POST operations in case of client retries to create the same event". Every create sends
//! one, chosen before the first attempt, so a create retried after a lost answer (a timeout, a
//! 504) never makes a second event:
//!
//! - with an idempotency key, the id derives from the key, scoped to the provider and tenant
//!   ([`KeyDigest::derive`]): the same key always sends the same id, from any process, so a
//!   repeated create gives the first event. The same key with a different request is refused
//!   by Graph (`ErrorDuplicateTransactionId`), which maps to `IDEMPOTENCY_KEY_REUSED`;
//! - without one, it is random, and shared by that call's retries only.
//!
//! The id has a GUID's shape (Graph's own example is a GUID; no maximum length is documented).

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::{ProviderId, TenantId};
use rand::RngCore;

/// The versioned purpose label: a new scheme gets a new label, never reuses this one.
const PURPOSE: &str = "meetschedify-teams/transaction-id/v1";

/// The `transactionId` of a create made with idempotency key `key` by `tenant`.
pub(crate) fn derived(provider: &ProviderId, tenant: &TenantId, key: &str) -> String {
    guid(KeyDigest::derive(PURPOSE, provider, tenant, key).as_bytes())
}

/// A fresh random `transactionId`, for a create without an idempotency key.
pub(crate) fn random() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    guid(&bytes)
}

/// The first 16 bytes as lower-case hex in the 8-4-4-4-12 grouping of a GUID.
fn guid(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_scoped() {
        let p = ProviderId::MICROSOFT_TEAMS_APP;
        let a = derived(&p, &"acme".into(), "booking-42");
        assert_eq!(a, derived(&p, &"acme".into(), "booking-42"));
        assert_ne!(a, derived(&p, &"globex".into(), "booking-42"));
        assert_ne!(a, derived(&p, &"acme".into(), "booking-43"));
        assert_ne!(a, derived(&"teams-eu".into(), &"acme".into(), "booking-42"));
        assert_eq!(a.len(), 36);
        let groups: Vec<usize> = a.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert!(!a.contains("booking"));
    }

    #[test]
    fn derived_ids_are_pinned() {
        // Pinned: a key must send the same id from one release to the next, or a retry across
        // an upgrade would make a second event.
        let id = derived(
            &ProviderId::MICROSOFT_TEAMS_APP,
            &"acme".into(),
            "booking-42",
        );
        assert_eq!(id, PINNED);
    }

    // Checked with Python's hashlib over the same length-prefixed parts.
    const PINNED: &str = "de8f64b0-1653-e99e-9538-95e407f3f40b";

    #[test]
    fn random_ids_differ() {
        let a = random();
        assert_ne!(a, random());
        assert_eq!(a.len(), 36);
    }
}
