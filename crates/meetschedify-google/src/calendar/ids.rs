//! Event ids derived from idempotency keys, so a retried create can never make a second event.
//!
//! Google lets the client choose an event id: "characters allowed in the ID are those used in
//! base32hex encoding, i.e. lowercase letters a-v and digits 0-9 ... the length of the ID must
//! be between 5 and 1024 characters" and a reused id is answered with 409 `duplicate`
//! (<https://developers.google.com/calendar/api/v3/reference/events/insert>). An id that is a
//! digest of the key makes every retry of one logical create hit the same id.

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::{ProviderId, TenantId};

/// The purpose label of the event-id digest (see [`KeyDigest::derive`]).
const PURPOSE: &str = "meetschedify-google/event-id/v1";

/// The event id a create with idempotency key `key` of `tenant` on `provider` uses: 52
/// characters of lower-case base32hex (`[0-9a-v]`, Google's alphabet). The conference
/// `requestId` is the same value, so a retried insert asks for the same conference.
///
/// Tenant and provider are part of the digest, so two tenants that use the same key never
/// collide, even on a shared calendar. An application that lost a create's answer can read the
/// meeting by this id.
///
/// ```
/// use meetschedify_core::{ProviderId, TenantId};
///
/// let id = meetschedify_google::event_id(&ProviderId::GOOGLE_MEET, &TenantId::new("org_1"), "k");
/// assert_eq!(id.len(), 52);
/// assert!(id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)));
/// ```
pub fn event_id(provider: &ProviderId, tenant: &TenantId, key: &str) -> String {
    KeyDigest::derive(PURPOSE, provider, tenant, key).to_base32hex()
}

/// A fresh random key, for a create that came without one: retries inside this one call are
/// still safe, a second call makes a second meeting.
pub(crate) fn fresh_key() -> String {
    format!("fresh:{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(tenant: &str, key: &str) -> String {
        event_id(&ProviderId::GOOGLE_MEET, &TenantId::new(tenant), key)
    }

    #[test]
    fn ids_match_googles_rule() {
        let id = id("org_1", "interview-42");
        assert_eq!(id.len(), 52);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)),
            "{id}"
        );
    }

    #[test]
    fn same_inputs_same_id_and_tenants_never_collide() {
        assert_eq!(id("a", "k"), id("a", "k"));
        assert_ne!(id("a", "k"), id("b", "k"));
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        assert_ne!(id("ab", "c"), id("a", "bc"));
        let other = event_id(&ProviderId::GOOGLE_MEET_STATIC, &TenantId::new("a"), "k");
        assert_ne!(other, id("a", "k"));
        assert_ne!(fresh_key(), fresh_key());
    }

    #[test]
    fn the_id_is_cores_key_digest_with_this_purpose() {
        let (p, t) = (ProviderId::GOOGLE_MEET, TenantId::new("org_1"));
        assert_eq!(
            event_id(&p, &t, "k"),
            KeyDigest::derive("meetschedify-google/event-id/v1", &p, &t, "k").to_base32hex()
        );
    }
}
