//! Minting tokens: JWT-shaped access tokens stored for Graph to look up, and unsigned ID tokens
//! (reference §1.6: `access_token` is a JWT, `id_token` only with `openid`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::scopes::GRAPH;
use super::store::{AccessRec, MicrosoftApp, Principal};
use crate::ids::alnum;
use crate::state::Inner;

/// Mints and stores an access token (also used by the control API).
pub(crate) fn access_token(
    inner: &mut Inner,
    app: &MicrosoftApp,
    principal: &Principal,
    now: Timestamp,
    lifetime_secs: u64,
) -> String {
    let lifetime = SignedDuration::from_secs(i64::try_from(lifetime_secs).unwrap_or(i64::MAX));
    let expires_at = now.saturating_add(lifetime).unwrap_or(now);
    // JWT-shaped with the claims a client may peek at; unsigned for real (the signature is
    // random bytes) — the emulator looks tokens up, it never verifies them.
    let mut claims = json!({
        "aud": GRAPH,
        "iss": format!("https://sts.windows.net/{}/", app.tenant_id),
        "tid": app.tenant_id,
        "appid": app.client_id,
        "iat": now.as_second(),
        "exp": expires_at.as_second(),
        "uti": alnum(&mut inner.rng, 22),
    });
    match principal {
        Principal::App { roles } => claims["roles"] = json!(roles),
        Principal::User { user_id, scopes } => {
            claims["oid"] = json!(user_id);
            claims["scp"] = json!(scopes.join(" "));
        }
    }
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256","kid":"emulator"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signature = alnum(&mut inner.rng, 86);
    let token = format!("{header}.{payload}.{signature}");
    inner.microsoft.access.insert(
        token.clone(),
        AccessRec {
            tenant_id: app.tenant_id.clone(),
            client_id: app.client_id.clone(),
            principal: principal.clone(),
            expires_at,
        },
    );
    token
}

/// An unsigned ID token for `openid` (enough for clients that only read `oid`/`tid`/`preferred_username`).
pub(crate) fn id_token(inner: &Inner, app: &MicrosoftApp, user_id: &str) -> String {
    let user = inner.microsoft.user_by_id(user_id).cloned();
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"none"}"#);
    let claims = json!({
        "aud": app.client_id,
        "iss": format!("https://login.microsoftonline.com/{}/v2.0", app.tenant_id),
        "tid": app.tenant_id,
        "oid": user_id,
        "preferred_username": user.as_ref().map(|u| u.user_principal_name.clone()),
        "name": user.as_ref().map(|u| u.display_name.clone()),
    });
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims.to_string()))
}
