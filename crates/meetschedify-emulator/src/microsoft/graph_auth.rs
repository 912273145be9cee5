//! Who is calling Graph, for which mailbox, and whether they may (reference §1.8, §2.1, §3.1, §3.9).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::graph_error::RequestIds;
use super::store::{MicrosoftUser, Principal};
use crate::http::bearer;
use crate::state::Inner;

/// A caller with a valid token.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) tenant_id: String,
    pub(crate) client_id: String,
    pub(crate) principal: Principal,
}

impl Caller {
    pub(crate) fn is_app(&self) -> bool {
        matches!(self.principal, Principal::App { .. })
    }
}

/// What an operation needs: application permissions (any of) and delegated scopes (any of).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Needs {
    pub(crate) roles: &'static [&'static str],
    pub(crate) scopes: &'static [&'static str],
}

/// Reading events: `Calendars.Read` or `Calendars.ReadWrite` (§3.1).
pub(crate) const EVENTS_READ: Needs = Needs {
    roles: &["Calendars.Read", "Calendars.ReadWrite"],
    scopes: &["Calendars.Read", "Calendars.ReadWrite"],
};
/// Writing events: `Calendars.ReadWrite` (§3.1).
pub(crate) const EVENTS_WRITE: Needs = Needs {
    roles: &["Calendars.ReadWrite"],
    scopes: &["Calendars.ReadWrite"],
};
/// Reading online meetings (§2.1).
pub(crate) const MEETINGS_READ: Needs = Needs {
    roles: &["OnlineMeetings.Read.All", "OnlineMeetings.ReadWrite.All"],
    scopes: &["OnlineMeetings.Read", "OnlineMeetings.ReadWrite"],
};
/// Writing online meetings (§2.1).
pub(crate) const MEETINGS_WRITE: Needs = Needs {
    roles: &["OnlineMeetings.ReadWrite.All"],
    scopes: &["OnlineMeetings.ReadWrite"],
};

/// The caller behind the bearer token, or 401 `InvalidAuthenticationToken` (§1.8).
pub(crate) fn authenticate(
    inner: &Inner,
    headers: &HeaderMap,
    ids: &RequestIds,
) -> Result<Caller, Response> {
    // The messages for a missing and an unknown token are the emulator's choice; the expired one
    // is the newer observed text of §1.8.
    let Some(token) = bearer(headers) else {
        return Err(ids.unauthenticated("Access token is empty."));
    };
    let Some(record) = inner.microsoft.access.get(token) else {
        return Err(ids.unauthenticated("Access token validation failure."));
    };
    if record.expires_at <= ids.now {
        return Err(ids.unauthenticated("Lifetime validation failed, the token is expired."));
    }
    Ok(Caller {
        tenant_id: record.tenant_id.clone(),
        client_id: record.client_id.clone(),
        principal: record.principal.clone(),
    })
}

/// The mailbox a path names: `/users/{id|upn}` (`Some`) or `/me` (`None`, delegated only).
pub(crate) fn mailbox(
    inner: &Inner,
    caller: &Caller,
    path_user: Option<&str>,
    ids: &RequestIds,
) -> Result<MicrosoftUser, Response> {
    let found = match (path_user, &caller.principal) {
        (Some(key), _) => inner.microsoft.user_in(&caller.tenant_id, key),
        (None, Principal::User { user_id, .. }) => inner.microsoft.user_by_id(user_id),
        (None, Principal::App { .. }) => {
            // Graph's answer to `/me` with an app-only token; the text is the emulator's choice.
            return Err(ids.error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "/me request is only valid with delegated authentication flow.",
            ));
        }
    };
    // 404 `ResourceNotFound` "Resource could not be discovered." is the observed answer for an
    // unknown user path (§3.9, OBS).
    found.cloned().ok_or_else(|| {
        ids.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "Resource could not be discovered.",
        )
    })
}

/// Checks the permission: app tokens need one of the roles, delegated tokens one of the scopes and
/// may only reach their own mailbox (shared calendars are out of the emulator's scope).
/// `denied_code` is the family's 403 code.
pub(crate) fn permit(
    caller: &Caller,
    user: &MicrosoftUser,
    needs: Needs,
    denied_code: &str,
    ids: &RequestIds,
) -> Result<(), Response> {
    let allowed = match &caller.principal {
        Principal::App { roles } => roles.iter().any(|r| needs.roles.contains(&r.as_str())),
        Principal::User { user_id, scopes } => {
            *user_id == user.id && scopes.iter().any(|s| needs.scopes.contains(&s.as_str()))
        }
    };
    if allowed {
        Ok(())
    } else {
        // §3.9: 403 `ErrorAccessDenied` "Access is denied. Check credentials and try again."
        // (text unconfirmed there).
        Err(ids.error(
            StatusCode::FORBIDDEN,
            denied_code,
            "Access is denied. Check credentials and try again.",
        ))
    }
}
