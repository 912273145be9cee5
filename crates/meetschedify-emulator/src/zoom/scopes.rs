//! OAuth scopes of Zoom apps and of the Meetings endpoints.
//!
//! Each endpoint's list is its `security[].openapi_oauth` in `zoom-meeting-openapi.json` (also the
//! "**Scopes:**" line of its description); holding any one of them is enough. A token lacking all of
//! them gets 400 code 4711, with the body observed on the real API (Zoom lists 4711 among its OAuth
//! errors, <https://developers.zoom.us/docs/integrations/oauth-error-messages/>, and documents the
//! "does not contain scopes" wording under 4700, <https://developers.zoom.us/docs/api/errors/>).
//! The `schemas` test reads the same lists from the spec, so these cannot drift from it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

use super::auth::account_for;
use super::errors::error;
use crate::state::Shared;

/// What the scope check of one route needs: the state and the route's scope list.
pub(super) type ScopeState = (Arc<Shared>, &'static [&'static str]);

/// Middleware in front of one Meetings route: Zoom's 401 for a bad token, then 4711 for a token
/// without the route's scopes, before the handler (and its rate limits) sees the request.
///
/// A layer rather than a line in each handler, so that every route of the family is checked the
/// same way and a new handler cannot forget it.
pub(super) async fn enforce(
    State((shared, required)): State<ScopeState>,
    request: Request,
    next: Next,
) -> Response {
    let now = shared.clock.now();
    let granted = {
        let inner = shared.lock();
        match account_for(&inner.zoom, request.headers(), now) {
            Ok((_, scopes)) => scopes,
            Err(response) => return response,
        }
    };
    if let Err(response) = require(&granted, required) {
        return response;
    }
    next.run(request).await
}

/// The scopes a correctly configured Server-to-Server app of the emulator has until a test
/// changes them: everything meetschedify needs, plus the user scope Zoom's S2S template adds.
pub const DEFAULT_ZOOM_SCOPES: &[&str] = &[
    "meeting:read:admin",
    "meeting:write:admin",
    "user:read:admin",
];

/// `POST /users/{userId}/meetings` (operationId `meetingCreate`).
pub(super) const CREATE: &[&str] = &["meeting:write", "meeting:write:admin"];
/// `GET /users/{userId}/meetings` (operationId `meetings`).
pub(super) const LIST: &[&str] = &["meeting:read", "meeting:read:admin"];
/// `GET /meetings/{meetingId}` (operationId `meeting`).
pub(super) const GET: &[&str] = &["meeting:read", "meeting:read:admin"];
/// `PATCH /meetings/{meetingId}` (operationId `meetingUpdate`).
pub(super) const UPDATE: &[&str] = &["meeting:write", "meeting:write:admin"];
/// `DELETE /meetings/{meetingId}` (operationId `meetingDelete`).
pub(super) const DELETE: &[&str] = &["meeting:write:admin", "meeting:write"];

/// Zoom's answer to a token that holds none of `required`, or `None` when it holds one.
///
/// The message names the account-level (`:admin`) alternatives, as the observed answer to a
/// Server-to-Server app does (`does not contain scopes:[user:read:list_users:admin].`): an S2S app
/// is an account-level app, so those are the scopes its owner can add.
pub(super) fn require(granted: &[String], required: &[&str]) -> Result<(), Response> {
    if required.iter().any(|r| granted.iter().any(|g| g == r)) {
        return Ok(());
    }
    let admin: Vec<&str> = required
        .iter()
        .copied()
        .filter(|s| s.ends_with(":admin"))
        .collect();
    let named = if admin.is_empty() {
        required.to_vec()
    } else {
        admin
    };
    Err(error(
        StatusCode::BAD_REQUEST,
        4711,
        &format!(
            "Invalid access token, does not contain scopes:[{}].",
            named.join(",")
        ),
    ))
}

/// Splits a scope list given as one space-separated string or as separate items.
pub(crate) fn normalise<S: AsRef<str>>(scopes: &[S]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in scopes.iter().flat_map(|s| s.as_ref().split_whitespace()) {
        if !out.iter().any(|s| s == scope) {
            out.push(scope.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_one_listed_scope_is_enough() {
        assert!(require(&["meeting:write".into()], CREATE).is_ok());
        assert!(require(&["meeting:write:admin".into()], DELETE).is_ok());
        assert!(require(&["meeting:read:admin".into()], CREATE).is_err());
        assert!(require(&[], GET).is_err());
    }

    #[test]
    fn lists_are_split_and_deduplicated() {
        assert_eq!(
            normalise(&["a b", "b", " c "]),
            vec!["a".to_owned(), "b".into(), "c".into()]
        );
    }
}
