//! [`KeyDigest`]: the one way providers derive ids from an idempotency key.
//!
//! A provider that can choose an id at the vendor (Google's event ids) or mark what it made
//! (the Zoom agenda marker) turns the idempotency key into that id, so every retry of one
//! logical create lands on the same meeting. The key alone is not enough: two tenants, or two
//! providers, may use the same key. The digest therefore covers a purpose, the provider, the
//! tenant and the key, each length-prefixed so no two different inputs share a hash input.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::ids::{ProviderId, TenantId};

/// Lower-case hex digits.
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// base32hex (RFC 4648 §7) in lower case: the alphabet `[0-9a-v]`.
const BASE32HEX_LOWER: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A SHA-256 digest of an idempotency key in its scope, to derive stable ids from.
///
/// ```
/// use meetschedify_core::idempotency::KeyDigest;
/// use meetschedify_core::{ProviderId, TenantId};
///
/// let provider = ProviderId::new("jitsi");
/// let a = KeyDigest::derive("jitsi/room/v1", &provider, &TenantId::new("org_1"), "visit-42");
/// let b = KeyDigest::derive("jitsi/room/v1", &provider, &TenantId::new("org_2"), "visit-42");
/// assert_ne!(a, b, "tenants never share an id");
/// assert_eq!(a.to_hex(12).len(), 12);
/// assert_eq!(a.to_base32hex().len(), 52);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    /// The digest of `key` used by `tenant` on `provider`, for `purpose` (a versioned label
    /// such as `"acme/room-name/v1"`, so two uses of one key never produce related ids).
    pub fn derive(purpose: &str, provider: &ProviderId, tenant: &TenantId, key: &str) -> Self {
        Self::of_parts(&[purpose, provider.as_str(), tenant.as_str(), key])
    }

    /// SHA-256 over `parts`, each prefixed by its length (8 bytes, big endian), so
    /// (`"ab"`, `"c"`) and (`"a"`, `"bc"`) differ.
    pub fn of_parts(parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        Self(hash.finalize().into())
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first `chars` lower-case hex digits (at most 64).
    pub fn to_hex(&self, chars: usize) -> String {
        // By table, not `write!("{b:02x}")`: formatting 32 bytes one at a time was most of the
        // cost of a Zoom marker (every create makes one).
        let mut out = String::with_capacity(chars.min(64) + 1);
        for b in self.0 {
            if out.len() >= chars {
                break;
            }
            out.push(char::from(HEX_LOWER[usize::from(b >> 4)]));
            out.push(char::from(HEX_LOWER[usize::from(b & 15)]));
        }
        out.truncate(chars);
        out
    }

    /// All 256 bits as 52 characters of unpadded lower-case base32hex (`[0-9a-v]`).
    pub fn to_base32hex(&self) -> String {
        base32hex_lower(&self.0)
    }
}

impl fmt::Debug for KeyDigest {
    // A digest is not a secret, but a short form is all a log needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({}…)", self.to_hex(12))
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

    #[test]
    fn length_prefixes_keep_parts_apart() {
        assert_ne!(
            KeyDigest::of_parts(&["ab", "c"]),
            KeyDigest::of_parts(&["a", "bc"])
        );
        let p = ProviderId::new("p");
        let t = TenantId::new("t");
        assert_eq!(
            KeyDigest::derive("x/v1", &p, &t, "k"),
            KeyDigest::derive("x/v1", &p, &t, "k")
        );
        assert_ne!(
            KeyDigest::derive("x/v1", &p, &t, "k"),
            KeyDigest::derive("y/v1", &p, &t, "k")
        );
    }

    #[test]
    fn hex_is_a_prefix_of_the_full_digest() {
        let d = KeyDigest::of_parts(&["k"]);
        assert_eq!(d.to_hex(64).len(), 64);
        assert!(d.to_hex(64).starts_with(&d.to_hex(24)));
    }

    #[test]
    fn hex_is_what_formatting_each_byte_gives() {
        let d = KeyDigest::of_parts(&["k"]);
        let formatted: String = d.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        for chars in [0, 1, 12, 13, 16, 24, 63, 64, 65, 100] {
            assert_eq!(d.to_hex(chars), formatted[..chars.min(64)], "{chars}");
        }
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
        let all = KeyDigest::of_parts(&["k"]).to_base32hex();
        assert_eq!(all.len(), 52);
        assert!(all.bytes().all(|b| BASE32HEX_LOWER.contains(&b)));
    }
}
