//! Control operations on the Microsoft side, shared by [`crate::EmulatorHandle`] and the HTTP
//! control API: apps, users, application access policies, revocation and tokens.

use super::mint::access_token;
use super::store::{MicrosoftApp, MicrosoftUser, Principal};
use crate::error::EmulatorError;
use crate::ids::{alnum, guid};
use crate::state::Shared;

/// The user id of a global application access policy grant.
pub(crate) const GLOBAL: &str = "*";

impl Shared {
    /// Registers (or replaces) an app registration.
    pub(crate) fn register_microsoft_app(&self, app: MicrosoftApp) {
        let mut inner = self.lock();
        inner
            .microsoft
            .apps
            .retain(|a| a.client_id != app.client_id);
        inner.microsoft.apps.push(app);
    }

    fn with_app<T>(
        &self,
        client_id: &str,
        change: impl FnOnce(&mut MicrosoftApp) -> T,
    ) -> Result<T, EmulatorError> {
        let mut inner = self.lock();
        inner
            .microsoft
            .apps
            .iter_mut()
            .find(|a| a.client_id == client_id)
            .map(change)
            .ok_or_else(|| EmulatorError::UnknownMicrosoftApp(client_id.to_owned()))
    }

    /// Replaces an app's admin-consented application permissions; tokens issued before keep theirs.
    pub(crate) fn set_microsoft_app_roles(
        &self,
        client_id: &str,
        roles: &[String],
    ) -> Result<(), EmulatorError> {
        self.with_app(client_id, |app| app.roles = roles.to_vec())
    }

    /// Marks an app's secret expired (AADSTS7000222) or valid again.
    pub(crate) fn set_microsoft_secret_expired(
        &self,
        client_id: &str,
        expired: bool,
    ) -> Result<(), EmulatorError> {
        self.with_app(client_id, |app| app.secret_expired = expired)
    }

    /// Adds a user to a tenant (a new object id unless `id` is given), or returns the tenant's user
    /// with that UPN.
    pub(crate) fn add_microsoft_user(
        &self,
        tenant_id: &str,
        upn: &str,
        id: Option<&str>,
        display_name: Option<&str>,
    ) -> MicrosoftUser {
        let mut inner = self.lock();
        if let Some(user) = inner.microsoft.user_in(tenant_id, upn) {
            return user.clone();
        }
        let user = MicrosoftUser {
            tenant_id: tenant_id.to_owned(),
            id: id.map_or_else(|| guid(&mut inner.rng), str::to_owned),
            user_principal_name: upn.to_owned(),
            display_name: display_name.map_or_else(
                || upn.split('@').next().unwrap_or(upn).to_owned(),
                str::to_owned,
            ),
        };
        inner.microsoft.users.push(user.clone());
        user
    }

    /// A user by object id or UPN, in any tenant.
    pub(crate) fn microsoft_user(&self, key: &str) -> Option<MicrosoftUser> {
        self.lock().microsoft.user(key).cloned()
    }

    fn user_id(&self, key: &str) -> Result<String, EmulatorError> {
        self.microsoft_user(key)
            .map(|u| u.id)
            .ok_or_else(|| EmulatorError::UnknownMicrosoftUser(key.to_owned()))
    }

    /// Grants an app the Teams application access policy for one user (object id or UPN), or for
    /// the whole tenant with `None` (`Grant-CsApplicationAccessPolicy -Global`, §2.1).
    pub(crate) fn grant_microsoft_access_policy(
        &self,
        client_id: &str,
        user: Option<&str>,
    ) -> Result<(), EmulatorError> {
        let user_id = match user {
            Some(user) => self.user_id(user)?,
            None => GLOBAL.to_owned(),
        };
        self.with_app(client_id, |_| ())?;
        self.lock()
            .microsoft
            .policies
            .insert((client_id.to_owned(), user_id));
        Ok(())
    }

    /// Takes a policy grant back (a user's, or the global one with `None`).
    pub(crate) fn revoke_microsoft_access_policy(
        &self,
        client_id: &str,
        user: Option<&str>,
    ) -> Result<(), EmulatorError> {
        let user_id = match user {
            Some(user) => self.user_id(user)?,
            None => GLOBAL.to_owned(),
        };
        self.lock()
            .microsoft
            .policies
            .remove(&(client_id.to_owned(), user_id));
        Ok(())
    }

    /// "Admin revokes all refresh tokens for a user" (§1.4–§1.5): every refresh token issued
    /// before now fails with AADSTS50173. Access tokens already issued stay valid until they
    /// expire (the emulator's choice: the reference says nothing about them).
    pub(crate) fn revoke_microsoft_user_tokens(&self, user: &str) -> Result<(), EmulatorError> {
        let user_id = self.user_id(user)?;
        // One tick later than now, so that a token issued in this same instant is revoked too.
        let now = self.clock.now();
        let cut = now
            .saturating_add(jiff::SignedDuration::from_millis(1))
            .unwrap_or(now);
        self.lock().microsoft.tokens_valid_from.insert(user_id, cut);
        Ok(())
    }

    /// Turns Conditional Access's MFA requirement on or off for a user: while on, refreshing a
    /// token fails with AADSTS50076 (`suberror: basic_action`, with `claims`).
    pub(crate) fn set_microsoft_mfa_required(
        &self,
        user: &str,
        required: bool,
    ) -> Result<(), EmulatorError> {
        let user_id = self.user_id(user)?;
        let mut inner = self.lock();
        if required {
            inner.microsoft.mfa_required.insert(user_id);
        } else {
            inner.microsoft.mfa_required.remove(&user_id);
        }
        Ok(())
    }

    /// An app-only Graph token carrying the app's current roles, without a token request.
    pub(crate) fn issue_microsoft_app_token(
        &self,
        client_id: &str,
    ) -> Result<String, EmulatorError> {
        let now = self.clock.now();
        let mut inner = self.lock();
        let app = inner
            .microsoft
            .app(client_id)
            .cloned()
            .ok_or_else(|| EmulatorError::UnknownMicrosoftApp(client_id.to_owned()))?;
        let lifetime = inner.settings.access_token_lifetime_secs;
        let principal = Principal::App {
            roles: app.roles.clone(),
        };
        Ok(access_token(&mut inner, &app, &principal, now, lifetime))
    }

    /// A delegated Graph token for `user` with `scopes` (short names), without OAuth.
    pub(crate) fn issue_microsoft_user_token(
        &self,
        client_id: &str,
        user: &str,
        scopes: &[String],
    ) -> Result<String, EmulatorError> {
        let user_id = self.user_id(user)?;
        let now = self.clock.now();
        let mut inner = self.lock();
        let app = inner
            .microsoft
            .app(client_id)
            .cloned()
            .ok_or_else(|| EmulatorError::UnknownMicrosoftApp(client_id.to_owned()))?;
        let lifetime = inner.settings.access_token_lifetime_secs;
        let principal = Principal::User {
            user_id,
            scopes: scopes.to_vec(),
        };
        Ok(access_token(&mut inner, &app, &principal, now, lifetime))
    }

    /// A refresh token as if `user` had consented to `scopes` (items as in an authorize request,
    /// e.g. `offline_access Calendars.ReadWrite`) for `client_id`.
    pub(crate) fn issue_microsoft_refresh_token(
        &self,
        client_id: &str,
        user: &str,
        scopes: &[String],
    ) -> Result<String, EmulatorError> {
        let user_id = self.user_id(user)?;
        let now = self.clock.now();
        let mut inner = self.lock();
        if inner.microsoft.app(client_id).is_none() {
            return Err(EmulatorError::UnknownMicrosoftApp(client_id.to_owned()));
        }
        let parsed = super::scopes::parse_list(&scopes.join(" ")).unwrap_or_default();
        inner.microsoft.grants.insert(
            (client_id.to_owned(), user_id.clone()),
            super::scopes::graph_of(&parsed),
        );
        let token = format!("1.AXkA{}", alnum(&mut inner.rng, 300));
        inner.microsoft.refresh.insert(
            token.clone(),
            super::store::RefreshRec {
                client_id: client_id.to_owned(),
                user_id,
                scopes: scopes.to_vec(),
                issued_at: now,
                used: false,
            },
        );
        Ok(token)
    }

    /// Calls to the token endpoint since start or reset, whatever their outcome.
    pub(crate) fn microsoft_token_requests(&self) -> u64 {
        self.lock().microsoft.token_requests
    }
}
