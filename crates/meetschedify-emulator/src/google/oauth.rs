//! Google OAuth 2.0 web-server flow: authorization (consent page or automatic), token endpoint
//! (`authorization_code` with PKCE, `refresh_token`) and revocation.
//!
//! Error bodies are the ones observed at `oauth2.googleapis.com`, in the shape of RFC 6749
//! section 5.2 (<https://www.rfc-editor.org/rfc/rfc6749#section-5.2>); the flow is Google's
//! (<https://developers.google.com/identity/protocols/oauth2/web-server>). The emulator is stricter
//! than Google in one place on purpose: it requires PKCE with `S256`, so a client that forgets PKCE
//! fails here rather than in a security review.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::store::{AccessRec, AuthCode, PendingConsent, RefreshRec};
use crate::http::{basic_auth, json, parse_form};
use crate::ids::alnum;
use crate::settings::ConsentMode;
use crate::state::{Inner, Shared};

/// Scopes the emulator knows; anything else is `invalid_scope`.
const KNOWN_SCOPES: &[&str] = &[
    "openid",
    "email",
    "profile",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.events.readonly",
    "https://www.googleapis.com/auth/calendar.readonly",
    "https://www.googleapis.com/auth/calendar.settings.readonly",
];

/// Authorization codes live ten minutes at Google.
const CODE_LIFETIME: SignedDuration = SignedDuration::from_mins(10);

/// Google's HTML error page for a bad authorization request (it never redirects those).
fn error_page(status: StatusCode, error: &str, detail: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><title>Error {code}: {error}</title></head><body>\
         <h1>Access blocked: authorization error</h1><p>Error {code}: {error}</p><p>{detail}</p>\
         </body></html>",
        code = status.as_u16(),
        error = escape(error),
        detail = escape(detail),
    );
    html_response(status, html)
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn redirect(location: &str) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// `redirect_uri` with extra query parameters appended.
fn with_params(base: &str, params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}", query.finish())
}

/// `GET /o/oauth2/v2/auth`.
pub(super) async fn authorize(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = parse_form(query.unwrap_or_default().as_bytes());
    let param = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let mut inner = shared.lock();
    let Some(client) = inner.google.client(param("client_id")).cloned() else {
        return error_page(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The OAuth client was not found.",
        );
    };
    if !client
        .redirect_uris
        .iter()
        .any(|u| u == param("redirect_uri"))
    {
        return error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. \
             The redirect_uri is not registered for this client.",
        );
    }
    if param("response_type") != "code" {
        return error_page(
            StatusCode::BAD_REQUEST,
            "unsupported_response_type",
            "Invalid response_type: only `code` is supported.",
        );
    }
    let scopes: Vec<String> = param("scope")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: scope",
        );
    }
    if let Some(bad) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("Some requested scopes were invalid: {bad}"),
        );
    }
    let challenge = param("code_challenge");
    if challenge.len() < 43 || param("code_challenge_method") != "S256" {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "PKCE is required: send code_challenge (43+ characters) with code_challenge_method=S256.",
        );
    }
    let hint = param("login_hint");
    let user = inner
        .google
        .users
        .iter()
        .find(|u| u.eq_ignore_ascii_case(hint))
        .or_else(|| inner.google.users.first())
        .cloned()
        .unwrap_or_default();
    let prompt_consent = param("prompt").split_whitespace().any(|p| p == "consent");
    let first_grant = !inner
        .google
        .grants
        .contains(&(client.client_id.clone(), user.clone()));
    let pending = PendingConsent {
        client_id: client.client_id,
        redirect_uri: param("redirect_uri").to_owned(),
        scopes,
        state: q.get("state").cloned(),
        offline: param("access_type") == "offline",
        user,
        code_challenge: challenge.to_owned(),
    };
    match inner.settings.consent {
        // Automatic consent counts as a consent screen: Google returns a refresh token after one.
        ConsentMode::Auto => approve(&mut inner, &shared, pending, true),
        ConsentMode::Page if !first_grant && !prompt_consent => {
            // Google skips the screen for a client the user already allowed: no refresh token then.
            approve(&mut inner, &shared, pending, false)
        }
        ConsentMode::Page => {
            let id = alnum(&mut inner.rng, 24);
            let page = consent_page(&id, &pending);
            inner.google.pending.insert(id, pending);
            html_response(StatusCode::OK, page)
        }
    }
}

fn consent_page(id: &str, pending: &PendingConsent) -> String {
    let scopes: String = pending
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    format!(
        "<!doctype html><html><head><title>Sign in - Google Accounts (emulator)</title></head><body>\
         <h1>{client} wants to access your Google Account</h1><p>{user}</p><ul>{scopes}</ul>\
         <form method=\"get\" action=\"/o/oauth2/v2/auth/decision\">\
         <input type=\"hidden\" name=\"consent_id\" value=\"{id}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form></body></html>",
        client = escape(&pending.client_id),
        user = escape(&pending.user),
    )
}

/// Issues a code and redirects back to the client.
fn approve(
    inner: &mut Inner,
    shared: &Shared,
    pending: PendingConsent,
    consented: bool,
) -> Response {
    let code = format!("4/0A{}", alnum(&mut inner.rng, 60));
    let now = shared.clock.now();
    inner
        .google
        .grants
        .insert((pending.client_id.clone(), pending.user.clone()));
    inner.google.codes.insert(
        code.clone(),
        AuthCode {
            client_id: pending.client_id,
            redirect_uri: pending.redirect_uri.clone(),
            scopes: pending.scopes.clone(),
            user: pending.user,
            code_challenge: pending.code_challenge,
            issue_refresh: pending.offline && consented,
            expires_at: now.saturating_add(CODE_LIFETIME).unwrap_or(now),
            redeemed: false,
        },
    );
    let scope = pending.scopes.join(" ");
    let mut params = vec![("code", code.as_str()), ("scope", scope.as_str())];
    if let Some(state) = pending.state.as_deref() {
        params.push(("state", state));
    }
    redirect(&with_params(&pending.redirect_uri, &params))
}

/// `GET /o/oauth2/v2/auth/decision`: the target of the consent page's buttons (emulator only).
pub(super) async fn decision(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = parse_form(query.unwrap_or_default().as_bytes());
    let mut inner = shared.lock();
    let Some(pending) = q
        .get("consent_id")
        .and_then(|id| inner.google.pending.remove(id))
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "This consent screen has expired or was already used.",
        );
    };
    if q.get("decision").map(String::as_str) == Some("allow") {
        approve(&mut inner, &shared, pending, true)
    } else {
        let mut params = vec![("error", "access_denied")];
        if let Some(state) = pending.state.as_deref() {
            params.push(("state", state));
        }
        redirect(&with_params(&pending.redirect_uri, &params))
    }
}

fn form_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = json(
        status,
        &json!({ "error": error, "error_description": description }),
    );
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn invalid_grant(description: &str) -> Response {
    token_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// PKCE S256: `BASE64URL(SHA256(verifier)) == challenge`.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// `POST /token`.
pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = parse_form(&body);
    // Client authentication: secret in the body (Google's default) or HTTP Basic.
    let (client_id, client_secret) = match basic_auth(&headers) {
        // RFC 6749 2.3.1 has clients form-encode both parts before Basic encoding (oauth2-rs does).
        Some((id, secret)) => (form_decode(&id), form_decode(&secret)),
        None => (
            form.get("client_id").cloned().unwrap_or_default(),
            form.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    let now = shared.clock.now();
    let mut inner = shared.lock();
    match inner.google.client(&client_id) {
        None => {
            return token_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "The OAuth client was not found.",
            )
        }
        Some(c) if c.client_secret != client_secret => {
            return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized")
        }
        Some(_) => {}
    }
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(&mut inner, &form, &client_id, now),
        Some("refresh_token") => refresh(&mut inner, &form, &client_id, now),
        other => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {}", other.unwrap_or_default()),
        ),
    }
}

fn exchange_code(
    inner: &mut Inner,
    form: &HashMap<String, String>,
    client_id: &str,
    now: Timestamp,
) -> Response {
    let code_param = form.get("code").map(String::as_str).unwrap_or_default();
    let Some(code) = inner.google.codes.get_mut(code_param) else {
        return invalid_grant("Malformed auth code.");
    };
    if code.redeemed || code.expires_at <= now || code.client_id != client_id {
        // Google does not say which; a reused code is the usual cause.
        return invalid_grant("Bad Request");
    }
    if form.get("redirect_uri") != Some(&code.redirect_uri) {
        return token_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            "Bad Request",
        );
    }
    let Some(verifier) = form.get("code_verifier") else {
        return invalid_grant("Missing code verifier.");
    };
    if !pkce_matches(verifier, &code.code_challenge) {
        return invalid_grant("Invalid code verifier.");
    }
    code.redeemed = true;
    let code = code.clone();
    let refresh_token = code.issue_refresh.then(|| {
        let token = format!("1//0{}", alnum(&mut inner.rng, 100));
        inner.google.refresh.insert(
            token.clone(),
            RefreshRec {
                client_id: client_id.to_owned(),
                user: code.user.clone(),
                scopes: code.scopes.clone(),
                revoked: false,
            },
        );
        token
    });
    let mut body = issue_access(inner, &code.user, &code.scopes, refresh_token.clone(), now);
    if let Some(token) = refresh_token {
        body["refresh_token"] = json!(token);
    }
    json(StatusCode::OK, &body)
}

fn refresh(
    inner: &mut Inner,
    form: &HashMap<String, String>,
    client_id: &str,
    now: Timestamp,
) -> Response {
    let token = form.get("refresh_token").cloned().unwrap_or_default();
    let record = match inner.google.refresh.get(&token) {
        Some(r) if !r.revoked && r.client_id == client_id => r.clone(),
        _ => return invalid_grant("Token has been expired or revoked."),
    };
    // No refresh_token in a refresh answer: clients keep the one they have.
    let body = issue_access(inner, &record.user, &record.scopes, Some(token), now);
    json(StatusCode::OK, &body)
}

/// Stores a new access token and returns the token response body (without `refresh_token`).
fn issue_access(
    inner: &mut Inner,
    user: &str,
    scopes: &[String],
    refresh_token: Option<String>,
    now: Timestamp,
) -> Value {
    let lifetime = inner.settings.access_token_lifetime_secs;
    let token = format!("ya29.a0{}", alnum(&mut inner.rng, 120));
    inner.google.access.insert(
        token.clone(),
        AccessRec {
            user: user.to_owned(),
            scopes: scopes.to_vec(),
            expires_at: now
                .saturating_add(SignedDuration::from_secs(
                    i64::try_from(lifetime).unwrap_or(i64::MAX),
                ))
                .unwrap_or(now),
            refresh_token,
            revoked: false,
        },
    );
    let mut body = json!({
        "access_token": token,
        "expires_in": lifetime,
        "scope": scopes.join(" "),
        "token_type": "Bearer",
    });
    if scopes.iter().any(|s| s == "openid") {
        // A structurally valid but unsigned JWT: enough for clients that only store it.
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let claims = URL_SAFE_NO_PAD.encode(
            json!({ "iss": "https://accounts.google.com", "email": user, "sub": user }).to_string(),
        );
        body["id_token"] = json!(format!("{header}.{claims}."));
    }
    body
}

/// `POST /revoke` with `token` in the query or the form body.
pub(super) async fn revoke(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params = parse_form(query.unwrap_or_default().as_bytes());
    params.extend(parse_form(&body));
    let token = params.get("token").cloned().unwrap_or_default();
    if revoke_token(&mut shared.lock(), &token) {
        json(StatusCode::OK, &json!({}))
    } else {
        token_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token expired or revoked",
        )
    }
}

/// Revokes an access or refresh token; revoking one side revokes the other, as at Google.
/// Returns whether the token was known and live.
pub(crate) fn revoke_token(inner: &mut Inner, token: &str) -> bool {
    let refresh = if let Some(access) = inner.google.access.get_mut(token) {
        if access.revoked {
            return false;
        }
        access.revoked = true;
        access.refresh_token.clone()
    } else if inner.google.refresh.get(token).is_some_and(|r| !r.revoked) {
        Some(token.to_owned())
    } else {
        return false;
    };
    if let Some(refresh) = refresh {
        if let Some(record) = inner.google.refresh.get_mut(&refresh) {
            record.revoked = true;
        }
        for access in inner.google.access.values_mut() {
            if access.refresh_token.as_deref() == Some(refresh.as_str()) {
                access.revoked = true;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_uses_the_rfc_7636_example() {
        // RFC 7636 appendix B.
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "other",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn redirect_parameters_are_appended() {
        assert_eq!(
            with_params("http://x/cb", &[("code", "a b"), ("state", "s")]),
            "http://x/cb?code=a+b&state=s"
        );
        assert_eq!(
            with_params("http://x/cb?k=1", &[("c", "d")]),
            "http://x/cb?k=1&c=d"
        );
    }
}
