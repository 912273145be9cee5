//! The envelope: `mse1:{kid}:{nonce}:{ciphertext}` (base64url without padding), stored where the
//! inner store keeps the access token.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::Nonce;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use meetschedify_core::{Error, ErrorCode, Result, TokenKey, TokenRecord};
use rand::RngCore;

use crate::keys::{NamedKey, TokenKeys};

/// Marks format version 1.
const PREFIX: &str = "mse1";
/// AES-GCM's standard 96-bit nonce, random per save (a key would need billions of saves before
/// random nonces risk a repeat; NIST SP 800-38D §8.3).
const NONCE_LEN: usize = 12;

/// The bytes the ciphertext is bound to: format, provider, tenant and key id, each
/// length-prefixed so no two keys produce the same bytes. A record copied to another tenant or
/// provider, or relabelled with another key id, fails authentication.
fn associated_data(key: &TokenKey, kid: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + key.tenant_id.as_str().len());
    aad.extend_from_slice(b"meetschedify-token-v1");
    for part in [key.provider_id.as_str(), key.tenant_id.as_str(), kid] {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

fn failure(message: String) -> Error {
    // Retrying cannot fix a record this store cannot read.
    Error::new(ErrorCode::TokenStoreError, message)
        .with_retryable(false)
        .with_operation(meetschedify_core::Operation::TokenStore)
}

/// Encrypts the whole record (tokens, expiry, scopes, revocation) with `current`.
pub(crate) fn seal(current: &NamedKey, key: &TokenKey, record: &TokenRecord) -> Result<String> {
    let plaintext = record.to_stored_json()?.into_bytes();
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let aad = associated_data(key, &current.kid);
    let ciphertext = current
        .cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| failure(format!("could not encrypt the token record for {key}")))?;
    Ok(format!(
        "{PREFIX}:{}:{}:{}",
        current.kid,
        URL_SAFE_NO_PAD.encode(nonce),
        URL_SAFE_NO_PAD.encode(ciphertext)
    ))
}

/// What [`open`] found: the record and the id of the key it was sealed with.
pub(crate) struct Opened {
    pub(crate) record: TokenRecord,
    pub(crate) kid: String,
}

/// The id of the key an envelope names, if it is an envelope at all.
pub(crate) fn kid_of(envelope: &str) -> Option<&str> {
    let mut parts = envelope.splitn(3, ':');
    (parts.next() == Some(PREFIX))
        .then(|| parts.next())
        .flatten()
}

/// Decrypts an envelope; every way it can be wrong is a `TOKEN_STORE_ERROR` naming the cause.
pub(crate) fn open(keys: &TokenKeys, key: &TokenKey, envelope: &str) -> Result<Opened> {
    let parts: Vec<&str> = envelope.split(':').collect();
    let [prefix, kid, nonce, ciphertext] = parts.as_slice() else {
        return Err(if envelope.starts_with(PREFIX) {
            failure(format!("the stored envelope for {key} is malformed"))
        } else {
            failure(format!(
                "the stored record for {key} is not encrypted: refusing to read it"
            ))
        });
    };
    if *prefix != PREFIX {
        return Err(failure(format!(
            "the stored record for {key} is not encrypted: refusing to read it"
        )));
    }
    let Some(named) = keys.find(kid) else {
        return Err(failure(format!(
            "the stored record for {key} was encrypted with unknown key id `{kid}`"
        )));
    };
    let nonce = URL_SAFE_NO_PAD
        .decode(nonce)
        .ok()
        .filter(|n| n.len() == NONCE_LEN)
        .ok_or_else(|| {
            failure(format!(
                "the stored envelope for {key} has a malformed nonce"
            ))
        })?;
    let ciphertext = URL_SAFE_NO_PAD.decode(ciphertext).map_err(|_| {
        failure(format!(
            "the stored envelope for {key} has malformed ciphertext"
        ))
    })?;
    let aad = associated_data(key, kid);
    let plaintext = named
        .cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: &aad,
            },
        )
        .map_err(|_| {
            failure(format!(
                "could not decrypt the stored record for {key} with key `{kid}`: wrong key, corrupted ciphertext, or a record copied from another tenant or provider"
            ))
        })?;
    let record = TokenRecord::from_stored_json(key, &plaintext, 0)?;
    Ok(Opened {
        record,
        kid: (*kid).to_owned(),
    })
}
