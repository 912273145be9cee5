//! Whether a tenant can schedule with a provider now, and if not, what would fix it.
//!
//! A dashboard needs more than yes or no: "connect your Google account" (never connected),
//! "reconnect" (the grant was revoked or lost its refresh token) and "ask your administrator"
//! (the app's own credentials are refused, or the provider cannot be reached) are different
//! buttons. [`ConnectionState`] names them, so nobody has to parse [`ConnectionStatus::reason`].
//! [`DisconnectOutcome`] says what ending a connection did.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::ids::{ProviderId, TenantId};

/// Where a tenant stands with a provider, as a state a program can branch on.
///
/// Serialized in snake_case (`"connected"`, `"not_connected"`, `"needs_reconnect"`,
/// `"unavailable"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConnectionState {
    /// Meetings can be scheduled.
    Connected,
    /// The tenant has never connected an account (or disconnected it): show "connect".
    NotConnected,
    /// The tenant connected once, but the grant no longer works (revoked by the user or an
    /// administrator, expired, or stored without a refresh token): show "connect again". The
    /// OAuth flow is the fix; retrying is not.
    NeedsReconnect,
    /// Nothing the tenant can fix: the application's own credentials were refused, or the
    /// provider could not be asked. An operator has to look (see the reason).
    Unavailable,
}

impl ConnectionState {
    /// Whether meetings can be scheduled in this state.
    pub fn is_connected(self) -> bool {
        matches!(self, ConnectionState::Connected)
    }

    /// Whether sending the tenant through the OAuth flow would fix it.
    pub fn needs_user_consent(self) -> bool {
        matches!(
            self,
            ConnectionState::NotConnected | ConnectionState::NeedsReconnect
        )
    }

    /// The snake_case name, as serialized (`"needs_reconnect"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Connected => "connected",
            ConnectionState::NotConnected => "not_connected",
            ConnectionState::NeedsReconnect => "needs_reconnect",
            ConnectionState::Unavailable => "unavailable",
        }
    }
}

impl std::fmt::Display for ConnectionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a tenant can use a provider now.
///
/// `connected` is kept beside [`state`](Self::state) (it is what the Node.js original returns,
/// and the simplest check); the constructors keep the two in step, and `connected` is true
/// exactly when `state` is [`ConnectionState::Connected`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConnectionStatus {
    /// The provider asked about.
    pub provider_id: ProviderId,
    /// The tenant asked about.
    pub tenant_id: TenantId,
    /// Whether meetings can be scheduled.
    pub connected: bool,
    /// Where the tenant stands, and so what would fix it.
    pub state: ConnectionState,
    /// Why not, or a note (e.g. "access token obtained"), for people; branch on `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The account meetings are made under, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Scopes granted, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// When the current access token expires, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

impl ConnectionStatus {
    /// Meetings can be scheduled.
    pub fn connected(provider_id: ProviderId, tenant_id: TenantId) -> Self {
        Self {
            provider_id,
            tenant_id,
            connected: true,
            state: ConnectionState::Connected,
            reason: None,
            account: None,
            scopes: Vec::new(),
            expires_at: None,
        }
    }

    /// Not connected, for `reason`, in the given state (anything but `Connected`, which
    /// [`connected`](Self::connected) builds; passing it here still yields a consistent,
    /// connected status).
    pub fn not_ready(
        provider_id: ProviderId,
        tenant_id: TenantId,
        state: ConnectionState,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            connected: state.is_connected(),
            state,
            reason: Some(reason.into()),
            ..Self::connected(provider_id, tenant_id)
        }
    }

    /// Never connected (or disconnected): [`ConnectionState::NotConnected`], with the reason.
    pub fn disconnected(
        provider_id: ProviderId,
        tenant_id: TenantId,
        reason: impl Into<String>,
    ) -> Self {
        Self::not_ready(
            provider_id,
            tenant_id,
            ConnectionState::NotConnected,
            reason,
        )
    }

    /// Connected once, but the grant no longer works: [`ConnectionState::NeedsReconnect`].
    pub fn needs_reconnect(
        provider_id: ProviderId,
        tenant_id: TenantId,
        reason: impl Into<String>,
    ) -> Self {
        Self::not_ready(
            provider_id,
            tenant_id,
            ConnectionState::NeedsReconnect,
            reason,
        )
    }

    /// Not usable for a reason the tenant cannot fix: [`ConnectionState::Unavailable`].
    pub fn unavailable(
        provider_id: ProviderId,
        tenant_id: TenantId,
        reason: impl Into<String>,
    ) -> Self {
        Self::not_ready(provider_id, tenant_id, ConnectionState::Unavailable, reason)
    }

    /// Adds a note or reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Records the account.
    pub fn with_account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }

    /// Records the scopes.
    pub fn with_scopes(mut self, scopes: Vec<String>) -> Self {
        self.scopes = scopes;
        self
    }

    /// Records the token expiry.
    pub fn with_expires_at(mut self, expires_at: Option<Timestamp>) -> Self {
        self.expires_at = expires_at;
        self
    }
}

/// What disconnecting a tenant did. In every case the tenant's tokens are gone from the store
/// afterwards; the variants say what the provider was told.
///
/// Serialized in snake_case (`"revoked"`, `"already_invalid"`, `"forgotten"`,
/// `"not_connected"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DisconnectOutcome {
    /// The provider revoked the grant, then the tokens were deleted.
    Revoked,
    /// The provider said the token was already invalid (the user revoked access elsewhere, or it
    /// expired); the tokens were deleted anyway.
    AlreadyInvalid,
    /// The tokens were deleted, but the provider offers no way for one app to revoke one
    /// user's grant (Microsoft's identity platform has no revocation endpoint): the grant stays
    /// valid at the provider until the user or an administrator removes the app. Nothing this
    /// library stored can use it any more.
    Forgotten,
    /// Nothing was stored for the tenant, so there was nothing to revoke.
    NotConnected,
}

impl DisconnectOutcome {
    /// The snake_case name, as serialized (`"already_invalid"`).
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectOutcome::Revoked => "revoked",
            DisconnectOutcome::AlreadyInvalid => "already_invalid",
            DisconnectOutcome::Forgotten => "forgotten",
            DisconnectOutcome::NotConnected => "not_connected",
        }
    }
}

impl std::fmt::Display for DisconnectOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (ProviderId, TenantId) {
        (ProviderId::GOOGLE_MEET, TenantId::new("org_1"))
    }

    #[test]
    fn every_constructor_keeps_connected_and_state_in_step() {
        let (p, t) = ids();
        let all = [
            ConnectionStatus::connected(p.clone(), t.clone()),
            ConnectionStatus::disconnected(p.clone(), t.clone(), "never"),
            ConnectionStatus::needs_reconnect(p.clone(), t.clone(), "revoked"),
            ConnectionStatus::unavailable(p.clone(), t.clone(), "bad secret"),
            ConnectionStatus::not_ready(p, t, ConnectionState::Connected, "odd"),
        ];
        let states: Vec<_> = all.iter().map(|s| (s.state, s.connected)).collect();
        assert_eq!(
            states,
            [
                (ConnectionState::Connected, true),
                (ConnectionState::NotConnected, false),
                (ConnectionState::NeedsReconnect, false),
                (ConnectionState::Unavailable, false),
                (ConnectionState::Connected, true),
            ]
        );
    }

    #[test]
    fn the_state_serializes_in_snake_case_beside_connected() {
        let (p, t) = ids();
        let status = ConnectionStatus::needs_reconnect(p, t, "revoked: invalid_grant");
        let json = serde_json::to_value(&status).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "provider_id": "google-meet",
                "tenant_id": "org_1",
                "connected": false,
                "state": "needs_reconnect",
                "reason": "revoked: invalid_grant",
            })
        );
        let back: ConnectionStatus = serde_json::from_value(json).unwrap();
        assert_eq!(back, status);
        for state in [
            ConnectionState::Connected,
            ConnectionState::NotConnected,
            ConnectionState::NeedsReconnect,
            ConnectionState::Unavailable,
        ] {
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::from(state.as_str())
            );
        }
    }

    #[test]
    fn disconnect_outcomes_serialize_as_their_names() {
        for outcome in [
            DisconnectOutcome::Revoked,
            DisconnectOutcome::AlreadyInvalid,
            DisconnectOutcome::Forgotten,
            DisconnectOutcome::NotConnected,
        ] {
            let json = serde_json::to_value(outcome).unwrap();
            assert_eq!(json, serde_json::Value::from(outcome.as_str()));
            assert_eq!(
                serde_json::from_value::<DisconnectOutcome>(json).unwrap(),
                outcome
            );
        }
    }

    #[test]
    fn only_the_consent_states_are_fixed_by_the_oauth_flow() {
        assert!(ConnectionState::NotConnected.needs_user_consent());
        assert!(ConnectionState::NeedsReconnect.needs_user_consent());
        assert!(!ConnectionState::Unavailable.needs_user_consent());
        assert!(!ConnectionState::Connected.needs_user_consent());
    }
}
