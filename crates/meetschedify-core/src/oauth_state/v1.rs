//! The v1 token: the plaintext it carries and its AES-256-GCM encryption (the layout is
//! described in the module docs).

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Nonce;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::Timestamp;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::key::OAuthStateKey;
use super::payload::StatePayload;
use crate::error::{Error, ErrorCode, Result};
use crate::ids::{ProviderId, TenantId};

pub(super) const VERSION_V1: u8 = 1;
pub(super) const AEAD_NONCE_LEN: usize = 12;
pub(super) const AEAD_TAG_LEN: usize = 16;
const ASSOCIATED_DATA: &[u8] = b"meetschedify/oauth-state/v1";

/// The plaintext inside a v1 token, borrowed for sealing. Short field names keep the state, and
/// so the authorization URL, short.
#[derive(Serialize)]
pub(super) struct SealRef<'a> {
    pub(super) t: &'a TenantId,
    pub(super) p: &'a ProviderId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) r: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) v: Option<&'a str>,
    pub(super) n: &'a str,
    pub(super) e: Timestamp,
    pub(super) b: &'a str,
}

/// The plaintext inside a v1 token, owned after unsealing.
#[derive(Deserialize)]
pub(super) struct Unsealed {
    t: TenantId,
    p: ProviderId,
    #[serde(default)]
    r: Option<String>,
    #[serde(default)]
    v: Option<SecretString>,
    n: String,
    e: Timestamp,
    #[serde(default)]
    b: Option<String>,
}

impl From<Unsealed> for StatePayload {
    fn from(u: Unsealed) -> Self {
        Self {
            tenant_id: u.t,
            provider_id: u.p,
            return_url: u.r,
            pkce_verifier: u.v,
            nonce: u.n,
            expires_at: u.e,
            binding: u.b,
        }
    }
}

pub(super) fn encrypt_v1(key: &OAuthStateKey, plaintext: &[u8]) -> Result<String> {
    // A random 96-bit AEAD nonce per state: safe for far more states than one key will seal
    // between rotations (NIST SP 800-38D bounds random nonces at 2^32 messages per key).
    let mut iv = [0u8; AEAD_NONCE_LEN];
    OsRng.fill_bytes(&mut iv);
    let ciphertext = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: plaintext,
                aad: ASSOCIATED_DATA,
            },
        )
        .map_err(|_| {
            Error::new(
                ErrorCode::InvalidRequest,
                "oauth state is too large to seal",
            )
        })?;
    let mut blob = Vec::with_capacity(1 + AEAD_NONCE_LEN + ciphertext.len());
    blob.push(VERSION_V1);
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&ciphertext);
    Ok(URL_SAFE_NO_PAD.encode(blob))
}

pub(super) fn decrypt_v1(
    key: &OAuthStateKey,
    iv: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    key.cipher()
        .decrypt(
            Nonce::from_slice(iv),
            Payload {
                msg: ciphertext,
                aad: ASSOCIATED_DATA,
            },
        )
        .ok()
        .map(Zeroizing::new)
}
