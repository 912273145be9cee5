//! Zoom's `x-zm-signature` and the URL-validation token, exactly as Zoom documents them
//! (<https://developers.zoom.us/docs/api/webhooks/>, "Verify webhook events" and "Validate your
//! webhook endpoint"):
//!
//! * signature = `v0=` + lower-case hex HMAC-SHA256(secret token, `v0:{timestamp}:{raw body}`),
//!   where `{timestamp}` is the `x-zm-request-timestamp` header as sent;
//! * `encryptedToken` = lower-case hex HMAC-SHA256(secret token, `plainToken`).
//!
//! Unlike Zoom's own sample and its rivet-javascript receiver, the body is the raw bytes (never
//! a re-serialised parse) and the comparison is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::WebhookSecrets;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The version prefix of the signature header and of the signed message.
const VERSION: &str = "v0";

/// An HMAC keyed with `secret`. HMAC takes keys of any length, so this cannot fail.
fn mac(secret: &SecretString) -> HmacSha256 {
    HmacSha256::new_from_slice(secret.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

/// The MAC over `v0:{timestamp}:{body}`.
fn signed_message(secret: &SecretString, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = mac(secret);
    mac.update(VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The `x-zm-signature` value Zoom sends for `body` at `timestamp` under `secret`.
pub(crate) fn sign(secret: &SecretString, timestamp: &str, body: &[u8]) -> String {
    let tag = signed_message(secret, timestamp, body)
        .finalize()
        .into_bytes();
    format!("{VERSION}={}", to_hex(&tag))
}

/// Which secret (index, newest first) signed `body` at `timestamp`, if any.
///
/// Secrets are tried in order. Each comparison is constant-time, so timing reveals at most
/// which secret matched, never how much of a forged tag was right; a malformed header matches
/// nothing.
pub(crate) fn verify(
    secrets: &WebhookSecrets,
    timestamp: &str,
    body: &[u8],
    header: &str,
) -> Option<usize> {
    let tag = header
        .strip_prefix(VERSION)
        .and_then(|rest| rest.strip_prefix('='))
        .and_then(from_hex)?;
    secrets.iter().position(|secret| {
        signed_message(secret, timestamp, body)
            .verify_slice(&tag)
            .is_ok()
    })
}

/// The URL-validation answer's `encryptedToken` for `plain_token` under `secret`.
pub(crate) fn encrypt_token(secret: &SecretString, plain_token: &str) -> String {
    let mut mac = mac(secret);
    mac.update(plain_token.as_bytes());
    to_hex(&mac.finalize().into_bytes())
}

fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Decodes exactly 64 hex digits (a SHA-256 tag) in either case; anything else is `None`.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    let digit = |c: u8| char::from(c).to_digit(16);
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    //! The test vectors of the webhook reference, §1.8 (computed with Python's `hmac`).

    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn url_validation_vector() {
        assert_eq!(
            encrypt_token(&secret("secret"), "qgg8vlvZRS6UYooatFL8Aw"),
            "72cef096bfd47c0b8664df30d07721641e4abd7e885ba432204260db477a9a3e"
        );
    }

    #[test]
    fn documented_body_vector() {
        let body = br#"{"event":"session.started","payload":{"account_id":"{ACCOUNT_ID}","object":{"start_time":"2022-07-27T16:56:34Z","id":"{SESSION_ID}"}},"event_ts":1658940994914}"#;
        assert_eq!(body.len(), 159);
        let expected = "v0=eeaeb1ba8f71fd6bb227dd02461f89ec0e90cbd809901e0eaa40e2a86edc9601";
        assert_eq!(sign(&secret("secret"), "1658940994", body), expected);
        let secrets = WebhookSecrets::parse("secret").unwrap();
        assert_eq!(verify(&secrets, "1658940994", body, expected), Some(0));
    }

    /// A re-serialising verifier (Zoom's rivet-javascript) computes the second value and
    /// wrongly rejects; ours signs the bytes on the wire.
    #[test]
    fn raw_body_vector_with_spacing_and_escapes() {
        let body = br#"{"event":"meeting.started", "event_ts":1626230691572,"payload":{"account_id":"AbC","object":{"id":"85746065432","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"z8yBXksBTWG4pE1Gc6VH8A","topic":"Caf\u00e9 sync","type":2,"start_time":"2021-07-13T21:44:51Z","timezone":"Europe/Paris","duration":30}}}"#;
        assert_eq!(body.len(), 293);
        let secrets = WebhookSecrets::parse("secret").unwrap();
        let raw = "v0=5d82e96a73cbce75c3053b7ee027a9245487770415226ba7cdbef385d9acd96b";
        let reserialised = "v0=7ebd1dccf4baa7fe43a7f457e7aae33f991a694aeaacbd979277823b59e5bc89";
        assert_eq!(verify(&secrets, "1626230691", body, raw), Some(0));
        assert_eq!(verify(&secrets, "1626230691", body, reserialised), None);
    }

    #[test]
    fn rotation_reports_which_secret_matched_and_malformed_headers_match_nothing() {
        let secrets = WebhookSecrets::parse("new,old").unwrap();
        let body = b"{}";
        assert_eq!(
            verify(&secrets, "1", body, &sign(&secret("old"), "1", body)),
            Some(1)
        );
        assert_eq!(
            verify(&secrets, "1", body, &sign(&secret("new"), "1", body)),
            Some(0)
        );
        let good = sign(&secret("new"), "1", body);
        assert_eq!(verify(&secrets, "1", body, &good.to_uppercase()), None);
        assert_eq!(
            verify(&secrets, "1", body, &good.replace("v0=", "v1=")),
            None
        );
        assert_eq!(verify(&secrets, "1", body, &good[..good.len() - 2]), None);
        assert_eq!(verify(&secrets, "1", body, "v0=zz"), None);
        assert_eq!(verify(&secrets, "2", body, &good), None);
    }
}
