//! `POST /login/{tenant}/oauth2/v2.0/token`: client credentials, authorization code with PKCE,
//! and refresh with rotation (reference `microsoft-teams.md` §1.2–§1.7, §5.1–§5.2).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::aad_error::{self as aad, Aadsts};
use super::mint::{access_token, id_token};
use super::scopes::{self, Scope, GRAPH};
use super::store::{MicrosoftApp, Principal, RefreshRec};
use crate::http::{basic_auth, content_type, json as json_response, parse_form};
use crate::ids::alnum;
use crate::state::{Inner, Shared};

/// Refresh tokens of non-SPA apps expire after 90 days; each use gives a fresh one (§1.4, DOC RT).
const REFRESH_LIFETIME: SignedDuration = SignedDuration::from_hours(90 * 24);

/// Tenants that name no directory (§1.1).
pub(crate) const MULTI_TENANT: &[&str] = &["common", "organizations", "consumers"];

type Form = HashMap<String, String>;

/// One request's context: the emulator state and the clock.
struct Ctx<'a> {
    inner: &'a mut Inner,
    now: Timestamp,
}

impl Ctx<'_> {
    fn fail(&mut self, err: Aadsts, message: &str) -> Response {
        aad::respond(&mut self.inner.rng, self.now, err, message)
    }
}

/// The token endpoint.
pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let mut ctx = Ctx {
        inner: &mut inner,
        now,
    };
    // "body application/x-www-form-urlencoded" (§1.1): anything else reads as a body without
    // parameters (the emulator's choice of answer: the malformed-request code).
    if !content_type(&headers).starts_with("application/x-www-form-urlencoded") {
        return ctx.fail(
            aad::MALFORMED,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    }
    let form = parse_form(&body);
    let multi = MULTI_TENANT.iter().any(|t| t.eq_ignore_ascii_case(&tenant));
    if !multi && !ctx.inner.microsoft.tenant_known(&tenant) {
        let message = format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        );
        return ctx.fail(aad::UNKNOWN_TENANT, &message);
    }
    let app = match authenticate(&mut ctx, &headers, &form) {
        Ok(app) => app,
        Err(response) => return response,
    };
    if !multi && !app.tenant_id.eq_ignore_ascii_case(&tenant) {
        let message = format!(
            "Application with identifier '{}' was not found in the directory '{tenant}'.",
            app.client_id
        );
        return ctx.fail(aad::UNKNOWN_APP, &message);
    }
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") if multi => ctx.fail(
            aad::NEEDS_TENANT,
            "The client_credentials grant is not supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        ),
        Some("client_credentials") => client_credentials(&mut ctx, &app, &form),
        Some("authorization_code") => redeem_code(&mut ctx, &app, &form),
        Some("refresh_token") => refresh(&mut ctx, &app, &form),
        None => ctx.fail(
            aad::MALFORMED,
            "The request body must contain the following parameter: 'grant_type'.",
        ),
        Some(other) => {
            let message = format!("The provided value for the input parameter 'grant_type' is not valid: {other}.");
            ctx.fail(aad::UNSUPPORTED_GRANT, &message)
        }
    }
}

/// Client authentication: `client_secret` in the body or HTTP Basic (§1.2, RFC 6749 §2.3.1).
fn authenticate(
    ctx: &mut Ctx<'_>,
    headers: &HeaderMap,
    form: &Form,
) -> Result<MicrosoftApp, Response> {
    let (client_id, secret) = match basic_auth(headers) {
        Some((id, secret)) => (form_decode(&id), Some(form_decode(&secret))),
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned(),
        ),
    };
    let Some(app) = ctx.inner.microsoft.app(&client_id).cloned() else {
        let message = format!(
            "Application with identifier '{client_id}' was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
        );
        return Err(ctx.fail(aad::UNKNOWN_APP, &message));
    };
    let Some(secret) = secret else {
        // Every app the emulator knows is a confidential client (its choice): no public clients.
        return Err(ctx.fail(
            aad::MISSING_SECRET,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    };
    if secret != app.client_secret {
        let message = format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
            app.client_id
        );
        return Err(ctx.fail(aad::INVALID_SECRET, &message));
    }
    if app.secret_expired {
        let message = format!(
            "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.",
            app.client_id
        );
        return Err(ctx.fail(aad::EXPIRED_SECRET, &message));
    }
    Ok(app)
}

fn form_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// App-only: `scope` must be one resource with `/.default` (§1.2); no refresh token.
fn client_credentials(ctx: &mut Ctx<'_>, app: &MicrosoftApp, form: &Form) -> Response {
    let scope = form.get("scope").map(String::as_str).unwrap_or_default();
    if scope.is_empty() {
        return ctx.fail(
            aad::MALFORMED,
            "The request body must contain the following parameter: 'scope'.",
        );
    }
    let items: Vec<&str> = scope.split_whitespace().collect();
    if items.len() != 1 || !items[0].ends_with("/.default") {
        let message = format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
        );
        return ctx.fail(aad::SCOPE_NOT_DEFAULT, &message);
    }
    if items[0] != format!("{GRAPH}/.default") {
        let message = format!(
            "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
        );
        return ctx.fail(aad::INVALID_SCOPE, &message);
    }
    let principal = Principal::App {
        roles: app.roles.clone(),
    };
    let body = issue(ctx, app, principal);
    json_response(StatusCode::OK, &body)
}

/// PKCE: S256 or plain (plain when the method was omitted, §1.3).
fn pkce_matches(verifier: &str, challenge: &str, method: &str) -> bool {
    if method.eq_ignore_ascii_case("plain") {
        verifier == challenge
    } else {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
    }
}

fn redeem_code(ctx: &mut Ctx<'_>, app: &MicrosoftApp, form: &Form) -> Response {
    let now = ctx.now;
    let param = form.get("code").cloned().unwrap_or_default();
    let Some(code) = ctx.inner.microsoft.codes.get(&param).cloned() else {
        return ctx.fail(aad::BAD_GRANT, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
    };
    if code.redeemed {
        return ctx.fail(aad::CODE_REDEEMED, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
    }
    if code.expires_at <= now || code.client_id != app.client_id {
        return ctx.fail(aad::BAD_GRANT, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
    }
    if form.get("redirect_uri") != Some(&code.redirect_uri) {
        return ctx.fail(aad::REDIRECT_MISMATCH, "The redirect URI specified in the request does not match the redirect URIs configured for the application.");
    }
    let verifier = form
        .get("code_verifier")
        .map(String::as_str)
        .unwrap_or_default();
    if !pkce_matches(verifier, &code.code_challenge, &code.challenge_method) {
        return ctx.fail(aad::BAD_VERIFIER, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
    }
    // One-time: a second redemption fails with AADSTS54005 (§1.3), even after a failed one.
    if let Some(stored) = ctx.inner.microsoft.codes.get_mut(&param) {
        stored.redeemed = true;
    }
    let requested = match redemption_scopes(ctx, form, &code.scopes) {
        Ok(scopes) => scopes,
        Err(response) => return response,
    };
    let parsed = scopes::parse_list(&code.scopes.join(" ")).unwrap_or_default();
    let refresh = scopes::has_oidc(&parsed, "offline_access")
        .then(|| new_refresh(ctx, &app.client_id, &code.user_id, &code.scopes));
    let mut body = delegated(ctx, app, &code.user_id, &requested, refresh);
    if scopes::has_oidc(&parsed, "openid") {
        body["id_token"] = json!(id_token(ctx.inner, app, &code.user_id));
    }
    json_response(StatusCode::OK, &body)
}

/// The Graph scopes of the new access token: the redemption's `scope` when given (it must be a
/// subset of the consented ones, §1.3/§1.4), else every consented Graph scope.
fn redemption_scopes(
    ctx: &mut Ctx<'_>,
    form: &Form,
    consented: &[String],
) -> Result<Vec<String>, Response> {
    let consented_graph =
        scopes::graph_of(&scopes::parse_list(&consented.join(" ")).unwrap_or_default());
    let Some(asked) = form.get("scope").filter(|s| !s.trim().is_empty()) else {
        return Ok(consented_graph);
    };
    let parsed = match scopes::parse_list(asked) {
        Ok(parsed) => parsed,
        Err(bad) => {
            let message = format!("The provided value for the input parameter 'scope' is not valid. The scope '{bad}' does not exist.");
            return Err(ctx.fail(aad::INVALID_SCOPE, &message));
        }
    };
    if parsed.contains(&Scope::Default) {
        return Ok(consented_graph);
    }
    let wanted = scopes::graph_of(&parsed);
    if let Some(missing) = wanted.iter().find(|w| !consented_graph.contains(w)) {
        let message = format!(
            "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource. Missing scope: {missing}."
        );
        return Err(aad::respond_sub(
            &mut ctx.inner.rng,
            ctx.now,
            aad::NO_CONSENT,
            &message,
            "consent_required",
        ));
    }
    Ok(if wanted.is_empty() {
        consented_graph
    } else {
        wanted
    })
}

fn refresh(ctx: &mut Ctx<'_>, app: &MicrosoftApp, form: &Form) -> Response {
    let now = ctx.now;
    let token = form.get("refresh_token").cloned().unwrap_or_default();
    let single_use = ctx.inner.settings.microsoft_single_use_refresh_tokens;
    let record = match ctx.inner.microsoft.refresh.get(&token) {
        Some(r) if r.client_id == app.client_id && !(single_use && r.used) => r.clone(),
        _ => {
            return ctx.fail(aad::BAD_GRANT, "Provided grant is invalid or malformed.");
        }
    };
    if let Some(valid_from) = ctx
        .inner
        .microsoft
        .tokens_valid_from
        .get(&record.user_id)
        .copied()
    {
        if record.issued_at < valid_from {
            let message = format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                aad::aad_timestamp(record.issued_at),
                aad::aad_timestamp(valid_from)
            );
            return ctx.fail(aad::REVOKED, &message);
        }
    }
    if ctx.inner.microsoft.mfa_required.contains(&record.user_id) {
        return aad::respond_mfa(&mut ctx.inner.rng, now);
    }
    if record
        .issued_at
        .saturating_add(REFRESH_LIFETIME)
        .unwrap_or(now)
        <= now
    {
        let message = format!(
            "The refresh token has expired due to inactivity. The token was issued on {} and was inactive for 90.00:00:00.",
            aad::aad_timestamp(record.issued_at)
        );
        return aad::respond_sub(
            &mut ctx.inner.rng,
            now,
            aad::INACTIVE,
            &message,
            "bad_token",
        );
    }
    let requested = match redemption_scopes(ctx, form, &record.scopes) {
        Ok(scopes) => scopes,
        Err(response) => return response,
    };
    if single_use {
        if let Some(stored) = ctx.inner.microsoft.refresh.get_mut(&token) {
            stored.used = true;
        }
    }
    // Rotation: every refresh returns a new refresh token; the old one stays valid unless the
    // single-use setting is on (§1.4).
    let rotated = new_refresh(ctx, &app.client_id, &record.user_id, &record.scopes);
    let body = delegated(ctx, app, &record.user_id, &requested, Some(rotated));
    json_response(StatusCode::OK, &body)
}

fn new_refresh(ctx: &mut Ctx<'_>, client_id: &str, user_id: &str, scopes: &[String]) -> String {
    let token = format!("1.AXkA{}", alnum(&mut ctx.inner.rng, 300));
    ctx.inner.microsoft.refresh.insert(
        token.clone(),
        RefreshRec {
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
            scopes: scopes.to_vec(),
            issued_at: ctx.now,
            used: false,
        },
    );
    token
}

/// A delegated token answer: the client-credentials shape plus `scope` and `refresh_token` (§1.6).
fn delegated(
    ctx: &mut Ctx<'_>,
    app: &MicrosoftApp,
    user_id: &str,
    graph_scopes: &[String],
    refresh: Option<String>,
) -> Value {
    let principal = Principal::User {
        user_id: user_id.to_owned(),
        scopes: graph_scopes.to_vec(),
    };
    let mut body = issue(ctx, app, principal);
    // Granted Graph scopes written in full; leaving out the OIDC scopes is the emulator's choice.
    body["scope"] = json!(graph_scopes
        .iter()
        .map(|s| format!("{GRAPH}/{s}"))
        .collect::<Vec<_>>()
        .join(" "));
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    body
}

/// Stores a new access token and returns `{token_type, expires_in, ext_expires_in, access_token}`
/// (§1.2, §5.1).
fn issue(ctx: &mut Ctx<'_>, app: &MicrosoftApp, principal: Principal) -> Value {
    let lifetime = ctx.inner.settings.access_token_lifetime_secs;
    let token = access_token(ctx.inner, app, &principal, ctx.now, lifetime);
    json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    })
}

#[cfg(test)]
mod tests {
    use super::pkce_matches;

    #[test]
    fn pkce_s256_and_plain() {
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "S256"
        ));
        assert!(pkce_matches("abc", "abc", "plain"));
        assert!(!pkce_matches("abc", "abd", "plain"));
    }
}
