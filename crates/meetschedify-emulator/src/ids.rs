//! Identifiers and tokens in the shapes the real services use, drawn from the seeded RNG.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rand::Rng;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE32HEX: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

/// `len` characters drawn from `alphabet`.
pub(crate) fn from_alphabet(rng: &mut impl Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// Alphanumeric string, for opaque tokens.
pub(crate) fn alnum(rng: &mut impl Rng, len: usize) -> String {
    from_alphabet(rng, ALNUM, len)
}

/// Decimal digits, for PINs and passcodes.
pub(crate) fn digits(rng: &mut impl Rng, len: usize) -> String {
    from_alphabet(rng, b"0123456789", len)
}

/// A Zoom meeting id: 11 digits, so a client that stores it in 32 bits breaks here, not in production.
pub(crate) fn zoom_meeting_id(rng: &mut impl Rng) -> u64 {
    rng.gen_range(10_000_000_000..100_000_000_000)
}

/// A Zoom meeting UUID: base64 of 16 bytes (may contain `/` and `+`, which clients must double-encode).
pub(crate) fn zoom_uuid(rng: &mut impl Rng) -> String {
    STANDARD.encode(rng.gen::<[u8; 16]>())
}

fn random_bytes(rng: &mut impl Rng, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// A JWT-shaped Zoom access token (opaque to clients, but as long as the real ones).
pub(crate) fn zoom_access_token(rng: &mut impl Rng) -> String {
    let header =
        URL_SAFE_NO_PAD.encode(br#"{"sv":"00000001","alg":"HS512","v":"2.0","kid":"emu"}"#);
    let payload = URL_SAFE_NO_PAD.encode(random_bytes(rng, 48));
    let signature = URL_SAFE_NO_PAD.encode(random_bytes(rng, 64));
    format!("{header}.{payload}.{signature}")
}

/// A GUID in the 8-4-4-4-12 lower-case hex shape Entra uses for tenants, apps, users and trace ids.
pub(crate) fn guid(rng: &mut impl Rng) -> String {
    let hex = from_alphabet(rng, b"0123456789abcdef", 32);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A Google event id: base32hex, 26 characters (what Google generates).
pub(crate) fn google_event_id(rng: &mut impl Rng) -> String {
    from_alphabet(rng, BASE32HEX, 26)
}

/// A Meet code in the `abc-defg-hij` shape.
pub(crate) fn meet_code(rng: &mut impl Rng) -> String {
    format!(
        "{}-{}-{}",
        from_alphabet(rng, LOWER, 3),
        from_alphabet(rng, LOWER, 4),
        from_alphabet(rng, LOWER, 3)
    )
}

/// Is `id` a valid client-chosen Google event id (`^[a-v0-9]{5,1024}$`)?
pub(crate) fn is_valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.bytes().all(|b| BASE32HEX.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn shapes_match_the_real_services() {
        let mut rng = StdRng::seed_from_u64(3);
        let id = zoom_meeting_id(&mut rng);
        assert_eq!(id.to_string().len(), 11);
        let code = meet_code(&mut rng);
        assert_eq!(code.len(), 12);
        assert_eq!(code.matches('-').count(), 2);
        assert!(is_valid_event_id(&google_event_id(&mut rng)));
        assert!(!is_valid_event_id("abcd"));
        assert!(!is_valid_event_id("abcdw"));
        assert!(!is_valid_event_id("ABCDE"));
        assert!(is_valid_event_id("0123456789abcdefghijklmnopqrstuv"));
    }
}
