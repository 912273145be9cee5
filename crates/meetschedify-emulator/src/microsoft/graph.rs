//! The start of every Graph request: request ids, the caller, the mailbox and the permission check.

use axum::http::HeaderMap;
use axum::response::Response;

use super::graph_auth::{authenticate, mailbox, permit, Caller, Needs};
use super::graph_error::RequestIds;
use super::store::MicrosoftUser;
use crate::state::Inner;

/// A Graph request that passed authentication and authorization.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) ids: RequestIds,
    pub(crate) caller: Caller,
    pub(crate) user: MicrosoftUser,
}

/// Checks the token, finds the mailbox (`None` is `/me`) and checks `needs`; errors carry the
/// family's 403 code `denied`.
pub(crate) fn begin(
    inner: &mut Inner,
    headers: &HeaderMap,
    now: jiff::Timestamp,
    path_user: Option<&str>,
    needs: Needs,
    denied: &str,
) -> Result<Call, Response> {
    let ids = RequestIds::new(&mut inner.rng, now, headers);
    let caller = authenticate(inner, headers, &ids)?;
    let user = mailbox(inner, &caller, path_user, &ids)?;
    permit(&caller, &user, needs, denied, &ids)?;
    Ok(Call { ids, caller, user })
}

/// Parses a JSON body, or Graph's 400.
pub(crate) fn json_body(ids: &RequestIds, body: &[u8]) -> Result<serde_json::Value, Response> {
    if body.is_empty() {
        return Err(ids.bad_body("Empty Payload, JSON content expected."));
    }
    serde_json::from_slice(body).map_err(|e| ids.bad_body(&format!("Invalid JSON. {e}")))
}
