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

/// What a ciphertext is bound to: a label naming what it holds, then parts naming whose it is,
/// then the key id, each length-prefixed so no two bindings produce the same bytes. A
/// ciphertext copied elsewhere, or relabelled with another key id, fails authentication.
pub(crate) struct Binding<'a> {
    /// What the envelope holds, with a format version.
    pub(crate) label: &'static [u8],
    /// Whose it is: a token's provider and tenant, a subscription's provider, id and tenant.
    pub(crate) parts: &'a [&'a str],
    /// How errors name it: `tenant-42/google-meet`, `subscription google-meet/ch-1`.
    pub(crate) name: &'a dyn std::fmt::Display,
}

/// A token record is bound to its provider and tenant.
const TOKEN_LABEL: &[u8] = b"meetschedify-token-v1";

fn associated_data(binding: &Binding<'_>, kid: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64 + binding.parts.iter().map(|p| p.len()).sum::<usize>());
    aad.extend_from_slice(binding.label);
    for part in binding.parts.iter().copied().chain([kid]) {
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
    let parts = [key.provider_id.as_str(), key.tenant_id.as_str()];
    seal_bytes(
        current,
        &Binding {
            label: TOKEN_LABEL,
            parts: &parts,
            name: key,
        },
        &plaintext,
    )
}

/// Encrypts `plaintext` with `current`, bound to `binding`.
pub(crate) fn seal_bytes(
    current: &NamedKey,
    binding: &Binding<'_>,
    plaintext: &[u8],
) -> Result<String> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let aad = associated_data(binding, &current.kid);
    let ciphertext = current
        .cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| failure(format!("could not encrypt the secret of {}", binding.name)))?;
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

/// Decrypts a token record's envelope; every way it can be wrong is a `TOKEN_STORE_ERROR`
/// naming the cause.
pub(crate) fn open(keys: &TokenKeys, key: &TokenKey, envelope: &str) -> Result<Opened> {
    let parts = [key.provider_id.as_str(), key.tenant_id.as_str()];
    let (plaintext, kid) = open_bytes(
        keys,
        &Binding {
            label: TOKEN_LABEL,
            parts: &parts,
            name: key,
        },
        envelope,
    )?;
    let record = TokenRecord::from_stored_json(key, &plaintext, 0)?;
    Ok(Opened { record, kid })
}

/// Decrypts an envelope bound to `binding`: the plaintext and the id of the key that sealed
/// it. Every way it can be wrong is a `TOKEN_STORE_ERROR` naming the cause, never a panic.
pub(crate) fn open_bytes(
    keys: &TokenKeys,
    binding: &Binding<'_>,
    envelope: &str,
) -> Result<(Vec<u8>, String)> {
    let name = binding.name;
    let parts: Vec<&str> = envelope.split(':').collect();
    let [prefix, kid, nonce, ciphertext] = parts.as_slice() else {
        return Err(if envelope.starts_with(PREFIX) {
            failure(format!("the stored envelope for {name} is malformed"))
        } else {
            failure(format!(
                "the stored record for {name} is not encrypted: refusing to read it"
            ))
        });
    };
    if *prefix != PREFIX {
        return Err(failure(format!(
            "the stored record for {name} is not encrypted: refusing to read it"
        )));
    }
    let Some(named) = keys.find(kid) else {
        return Err(failure(format!(
            "the stored record for {name} was encrypted with unknown key id `{kid}`"
        )));
    };
    let nonce = URL_SAFE_NO_PAD
        .decode(nonce)
        .ok()
        .filter(|n| n.len() == NONCE_LEN)
        .ok_or_else(|| {
            failure(format!(
                "the stored envelope for {name} has a malformed nonce"
            ))
        })?;
    let ciphertext = URL_SAFE_NO_PAD.decode(ciphertext).map_err(|_| {
        failure(format!(
            "the stored envelope for {name} has malformed ciphertext"
        ))
    })?;
    let aad = associated_data(binding, kid);
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
                "could not decrypt the stored record for {name} with key `{kid}`: wrong key, corrupted ciphertext, or a record copied from another tenant or provider"
            ))
        })?;
    Ok((plaintext, (*kid).to_owned()))
}
