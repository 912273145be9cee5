//! Bearer-token check of the Zoom API: 401 code 124, with the expired/invalid wording Zoom uses.
//! The scope check that follows is in [`super::scopes`].

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;

use super::errors::error;
use super::store::ZoomStore;
use crate::http::bearer;

/// The account a valid token belongs to and the scopes it carries, or Zoom's 401.
pub(super) fn account_for(
    store: &ZoomStore,
    headers: &HeaderMap,
    now: Timestamp,
) -> Result<(String, Vec<String>), Response> {
    let invalid = || error(StatusCode::UNAUTHORIZED, 124, "Invalid access token.");
    let token = bearer(headers).ok_or_else(invalid)?;
    let record = store.tokens.get(token).ok_or_else(invalid)?;
    if record.expires_at <= now {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            124,
            "Access token is expired.",
        ));
    }
    Ok((record.account_id.clone(), record.scopes.clone()))
}
