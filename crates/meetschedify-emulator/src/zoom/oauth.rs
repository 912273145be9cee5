//! `POST /oauth/token`: Zoom Server-to-Server OAuth (`grant_type=account_credentials`).
//!
//! Bodies are the ones observed on the real endpoint (the request and the answer are documented at
//! <https://developers.zoom.us/docs/internal-apps/s2s-oauth/>): errors are 400 with
//! `{"reason", "error"}`, also for bad client credentials. Every token issued stays valid until it
//! expires, as Zoom does since June 2023 ("You can generate and use multiple access tokens", same
//! page).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::SignedDuration;
use serde_json::json;

use super::store::TokenRec;
use crate::http::{basic_auth, json, parse_form};
use crate::ids::zoom_access_token;
use crate::state::Shared;

fn oauth_error(error: &str, reason: &str) -> Response {
    json(
        StatusCode::BAD_REQUEST,
        &json!({ "reason": reason, "error": error }),
    )
}

pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Parameters count only in the form body: Zoom answers 400 to query-string-only requests now.
    let form = parse_form(&body);
    if form.get("grant_type").map(String::as_str) != Some("account_credentials") {
        return oauth_error("unsupported_grant_type", "unsupported grant type");
    }
    let invalid_client = || oauth_error("invalid_client", "Invalid client_id or client_secret");
    let Some((client_id, client_secret)) = basic_auth(&headers) else {
        return invalid_client();
    };
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let lifetime = inner.settings.access_token_lifetime_secs;
    let Some(account) = inner
        .zoom
        .accounts
        .iter()
        .find(|a| a.client_id == client_id && a.client_secret == client_secret)
        .cloned()
    else {
        return invalid_client();
    };
    if form.get("account_id") != Some(&account.account_id) {
        return oauth_error("invalid_request", "Invalid account_id");
    }
    if inner.settings.zoom_single_token {
        inner
            .zoom
            .tokens
            .retain(|_, t| t.account_id != account.account_id);
    }
    let token = zoom_access_token(&mut inner.rng);
    let scopes = inner.zoom.scopes_of(&account.account_id);
    let scope = scopes.join(" ");
    let lifetime_i64 = i64::try_from(lifetime).unwrap_or(i64::MAX);
    inner.zoom.tokens.insert(
        token.clone(),
        TokenRec {
            account_id: account.account_id,
            expires_at: now
                .saturating_add(SignedDuration::from_secs(lifetime_i64))
                .unwrap_or(now),
            scopes,
        },
    );
    drop(inner);
    json(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": scope,
            // The regional cluster URL points back at the emulator, so a client that follows it
            // stays here.
            "api_url": shared.root_url(),
        }),
    )
}
