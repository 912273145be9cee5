//! Zoom's signature and URL-validation token, computed as Zoom documents them (never through
//! the library under test: the emulator is the vendor's side of the wire).

use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hex_mac(secret: &str, parts: &[&[u8]]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `x-zm-signature` for `body` sent with `x-zm-request-timestamp: {timestamp}`.
pub(crate) fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    format!(
        "v0={}",
        hex_mac(secret, &[b"v0:", timestamp.as_bytes(), b":", body])
    )
}

/// The `encryptedToken` an endpoint must answer for `plain_token`.
pub(crate) fn encrypted_token(secret: &str, plain_token: &str) -> String {
    hex_mac(secret, &[plain_token.as_bytes()])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of the wire reference, §1.8.
    #[test]
    fn reference_vectors() {
        assert_eq!(
            encrypted_token("secret", "qgg8vlvZRS6UYooatFL8Aw"),
            "72cef096bfd47c0b8664df30d07721641e4abd7e885ba432204260db477a9a3e"
        );
        let body = br#"{"event":"session.started","payload":{"account_id":"{ACCOUNT_ID}","object":{"start_time":"2022-07-27T16:56:34Z","id":"{SESSION_ID}"}},"event_ts":1658940994914}"#;
        assert_eq!(
            signature("secret", "1658940994", body),
            "v0=eeaeb1ba8f71fd6bb227dd02461f89ec0e90cbd809901e0eaa40e2a86edc9601"
        );
    }
}
