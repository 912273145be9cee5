//! Event ids derived from idempotency keys, so a retried create can never make a second event.
//!
//! Google lets the client choose an event id: "characters allowed in the ID are those used in
//! base32hex encoding, i.e. lowercase letters a-v and digits 0-9 ... the length of the ID must
//! be between 5 and 1024 characters" and a reused id is answered with 409 `duplicate`
//! (<https://developers.google.com/calendar/api/v3/reference/events/insert>). An id that is a
//! hash of the key makes every retry of one logical create hit the same id.

use meetschedify_core::{ProviderId, TenantId};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// base32hex (RFC 4648 §7) in lower case: exactly Google's allowed alphabet `[0-9a-v]`.
const BASE32HEX_LOWER: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// Separates this hash from any other use of SHA-256 over the same inputs.
const DOMAIN: &[u8] = b"meetschedify/google/event-id/v1";

/// The ids one create uses: the event id and the conference `requestId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventIds {
    /// The client-chosen event id (52 characters of base32hex).
    pub event_id: String,
    /// `conferenceData.createRequest.requestId`: the same value, so a retried insert asks for
    /// the same conference.
    pub request_id: String,
}

impl EventIds {
    /// The ids for `key` of `tenant` on `provider`. Tenant and provider are part of the hash
    /// (length-prefixed, so no two different triples share an input), so two tenants that use
    /// the same key never collide, even on a shared calendar.
    pub fn derive(provider: &ProviderId, tenant: &TenantId, key: &str) -> Self {
        let mut hash = Sha256::new();
        hash.update(DOMAIN);
        for part in [provider.as_str(), tenant.as_str(), key] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let event_id = base32hex_lower(&hash.finalize());
        Self {
            request_id: event_id.clone(),
            event_id,
        }
    }

    /// A fresh random key, for a create that came without one: retries inside this one call
    /// are still safe, a second call makes a second meeting.
    pub fn fresh_key() -> String {
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        format!("fresh:{}", base32hex_lower(&bytes))
    }
}

/// Encodes bytes as unpadded lower-case base32hex.
fn base32hex_lower(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(
                BASE32HEX_LOWER[((buffer >> bits) & 31) as usize],
            ));
        }
    }
    if bits > 0 {
        out.push(char::from(
            BASE32HEX_LOWER[((buffer << (5 - bits)) & 31) as usize],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(tenant: &str, key: &str) -> EventIds {
        EventIds::derive(&ProviderId::GOOGLE_MEET, &TenantId::new(tenant), key)
    }

    #[test]
    fn ids_match_googles_rule() {
        let id = ids("org_1", "interview-42").event_id;
        assert_eq!(id.len(), 52);
        assert!(id.bytes().all(|b| BASE32HEX_LOWER.contains(&b)), "{id}");
    }

    #[test]
    fn same_inputs_same_id_and_tenants_never_collide() {
        assert_eq!(ids("a", "k"), ids("a", "k"));
        assert_ne!(ids("a", "k").event_id, ids("b", "k").event_id);
        // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
        assert_ne!(ids("ab", "c").event_id, ids("a", "bc").event_id);
        let other = EventIds::derive(&ProviderId::GOOGLE_MEET_STATIC, &TenantId::new("a"), "k");
        assert_ne!(other.event_id, ids("a", "k").event_id);
        assert_ne!(EventIds::fresh_key(), EventIds::fresh_key());
    }

    #[test]
    fn base32hex_matches_rfc4648_vectors() {
        // RFC 4648 §10, lower-cased and unpadded.
        for (input, want) in [
            ("", ""),
            ("f", "co"),
            ("fo", "cpng"),
            ("foo", "cpnmu"),
            ("foob", "cpnmuog"),
            ("fooba", "cpnmuoj1"),
            ("foobar", "cpnmuoj1e8"),
        ] {
            assert_eq!(base32hex_lower(input.as_bytes()), want, "{input}");
        }
    }
}
