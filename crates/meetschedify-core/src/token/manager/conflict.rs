//! What a refresh does when its save loses a compare-and-swap: someone wrote the record between
//! the refresh's read and its save.
//!
//! The refresh has already spent the stored refresh token. With a provider that rotates refresh
//! tokens and makes each work once (Microsoft may; the emulator's strictest setting does), the
//! token in our answer is then the only live one: dropping it, as a plain "take theirs" would,
//! loses the tenant for good. So unless the other writer put a different refresh token there
//! (a reconnect, or another instance's refresh), ours is written onto their record.

use jiff::Timestamp;
use secrecy::{ExposeSecret, SecretString};

use super::{merge, AccessToken, TokenManager};
use crate::token::store::{SaveCondition, SaveOutcome};
use crate::{Error, ErrorCode, Operation, Result, TokenKey, TokenRecord};

/// Saves tried on top of a record that keeps changing before giving up.
const ATTEMPTS: usize = 3;

impl TokenManager {
    /// Resolves a lost compare-and-swap after a successful refresh that spent `spent`:
    /// persists `fresh` (already merged with the record it refreshed) over the stored record
    /// while that still holds `spent`, else takes the stored token if it is fresh.
    pub(super) async fn after_save_conflict(
        &self,
        key: &TokenKey,
        spent: Option<&SecretString>,
        fresh: TokenRecord,
        epoch: u64,
    ) -> Result<AccessToken> {
        for _ in 0..ATTEMPTS {
            let Some(stored) = self.inner.store.get(key).await? else {
                // Disconnected during the refresh: never bring the tenant back.
                return Err(changed(
                    "the tenant was disconnected during the token refresh",
                ));
            };
            let holds_spent = match (spent, stored.refresh_token.as_ref()) {
                (Some(spent), Some(held)) => spent.expose_secret() == held.expose_secret(),
                _ => false,
            };
            if !holds_spent || stored.revoked.is_some() {
                // The other writer brought its own refresh token (or a refusal): theirs wins.
                if stored.is_fresh(Timestamp::now(), self.inner.config.refresh_ahead) {
                    return Ok(self.remember(key, &stored, epoch));
                }
                return Err(changed(
                    "the token changed in the store during refresh and the stored one is not usable",
                ));
            }
            // Their change touched something else (an expiry, metadata): keep our token and
            // what they did not replace.
            let record = merge(Some(&stored), fresh.clone());
            let condition = SaveCondition::Version(stored.version);
            if let SaveOutcome::Saved { version } =
                self.inner.store.save(key, &record, condition).await?
            {
                tracing::info!(
                    version,
                    "access token refreshed and saved after a concurrent write"
                );
                return Ok(self.remember(key, &record.with_version(version), epoch));
            }
        }
        Err(changed(
            "the token record kept changing in the store during refresh",
        ))
    }
}

fn changed(message: &str) -> Error {
    Error::new(ErrorCode::TokenStoreError, message.to_owned())
        .with_operation(Operation::AccessToken)
}
