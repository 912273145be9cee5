//! `GET /login/{tenant}/oauth2/v2.0/authorize` and the emulator's consent page (reference
//! `microsoft-teams.md` §1.3).
//!
//! Errors before the redirect URI is trusted (unknown app, unregistered redirect URI) are an HTML
//! page; later ones redirect back with `error` and `error_description`, as OAuth 2.0 has it. The
//! emulator is stricter than Microsoft in one place on purpose, as its Google side is: it requires
//! a PKCE `code_challenge`. AADSTS numbers used here that the reference does not list (50034,
//! 65004, 700054, 900144, 501491) are the emulator's choice.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};

use super::scopes::{self, Scope};
use super::store::{AuthCode, MicrosoftApp, PendingConsent};
use super::token::MULTI_TENANT;
use crate::http::parse_form;
use crate::ids::alnum;
use crate::settings::ConsentMode;
use crate::state::{Inner, Shared};

/// Authorization codes live about ten minutes (§1.3).
const CODE_LIFETIME: SignedDuration = SignedDuration::from_mins(10);

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(status: StatusCode, page: String) -> Response {
    let mut response = Response::new(Body::from(page));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn error_page(code: &str, message: &str) -> Response {
    html(
        StatusCode::BAD_REQUEST,
        format!(
            "<!doctype html><html><head><title>Sign in to your account (emulator)</title></head><body>\
             <h1>Sorry, but we're having trouble signing you in.</h1><p>{}: {}</p></body></html>",
            escape(code),
            escape(message)
        ),
    )
}

fn redirect(base: &str, params: &[(&str, &str)]) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        query.append_pair(k, v);
    }
    let separator = if base.contains('?') { '&' } else { '?' };
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::FOUND;
    if let Ok(value) = HeaderValue::from_str(&format!("{base}{separator}{}", query.finish())) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

fn redirect_error(pending: &PendingConsent, error: &str, description: &str) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(state) = pending.state.as_deref() {
        params.push(("state", state));
    }
    redirect(&pending.redirect_uri, &params)
}

/// The authorize endpoint.
pub(super) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = parse_form(query.unwrap_or_default().as_bytes());
    let param = |k: &str| q.get(k).map(String::as_str).unwrap_or_default();
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let multi = MULTI_TENANT.iter().any(|t| t.eq_ignore_ascii_case(&tenant));
    if !multi && !inner.microsoft.tenant_known(&tenant) {
        return error_page("AADSTS90002", &format!("Tenant '{tenant}' not found."));
    }
    let Some(app) = inner.microsoft.app(param("client_id")).cloned() else {
        return error_page(
            "AADSTS700016",
            &format!(
                "Application with identifier '{}' was not found in the directory.",
                param("client_id")
            ),
        );
    };
    // Apps are single-tenant here (the emulator's choice): another tenant does not know them.
    if !multi && !app.tenant_id.eq_ignore_ascii_case(&tenant) {
        return error_page(
            "AADSTS700016",
            &format!(
                "Application with identifier '{}' was not found in the directory '{tenant}'.",
                app.client_id
            ),
        );
    }
    if !app.redirect_uris.iter().any(|u| u == param("redirect_uri")) {
        return error_page(
            "AADSTS50011",
            "The redirect URI specified in the request does not match the redirect URIs configured for the application.",
        );
    }
    let mut pending = PendingConsent {
        client_id: app.client_id.clone(),
        user_id: String::new(),
        redirect_uri: param("redirect_uri").to_owned(),
        scopes: param("scope")
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        state: q.get("state").cloned(),
        code_challenge: param("code_challenge").to_owned(),
        // "plain assumed if omitted but challenge present" (§1.3).
        challenge_method: q
            .get("code_challenge_method")
            .cloned()
            .unwrap_or_else(|| "plain".to_owned()),
    };
    if param("response_type") != "code" {
        return redirect_error(
            &pending,
            "unsupported_response_type",
            "AADSTS700054: response_type 'code' is the only one the emulator supports.",
        );
    }
    if pending.scopes.is_empty() {
        return redirect_error(
            &pending,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    }
    let parsed = match scopes::parse_list(param("scope")) {
        Ok(parsed) => parsed,
        Err(bad) => {
            // `invalid_scope` is a token-endpoint error in §1.3; the emulator answers it here
            // too (its choice), with the reference's AADSTS70011.
            return redirect_error(
                &pending,
                "invalid_scope",
                &format!("AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope '{bad}' does not exist."),
            );
        }
    };
    let method_ok = ["S256", "plain"].contains(&pending.challenge_method.as_str());
    if pending.code_challenge.len() < 43 || !method_ok {
        return redirect_error(
            &pending,
            "invalid_request",
            "AADSTS501491: PKCE is required by the emulator: send code_challenge (43+ characters) with code_challenge_method=S256.",
        );
    }
    // `.default` asks for everything the app may use: the emulator grants its known delegated
    // permissions (its choice; Entra uses the app registration's configured permissions).
    if parsed.contains(&Scope::Default) {
        pending
            .scopes
            .retain(|s| scopes::parse(s) != Some(Scope::Default));
        pending
            .scopes
            .extend(scopes::DELEGATED.iter().map(|s| (*s).to_owned()));
    }
    let Some(user) = pick_user(&inner, &app, param("login_hint")) else {
        return redirect_error(
            &pending,
            "access_denied",
            "AADSTS50034: The user account does not exist in this directory.",
        );
    };
    pending.user_id = user;
    let prompt = param("prompt");
    let wanted =
        scopes::graph_of(&scopes::parse_list(&pending.scopes.join(" ")).unwrap_or_default());
    let covered = inner
        .microsoft
        .grants
        .get(&(app.client_id.clone(), pending.user_id.clone()))
        .is_some_and(|g| wanted.iter().all(|w| g.contains(w)));
    if prompt == "none" && !covered {
        return redirect_error(
            &pending,
            "interaction_required",
            "AADSTS65001: The user or administrator has not consented to use the application.",
        );
    }
    match inner.settings.microsoft_consent {
        ConsentMode::Auto => approve(&mut inner, now, pending),
        ConsentMode::Page if covered && prompt != "consent" => approve(&mut inner, now, pending),
        ConsentMode::Page => {
            let id = alnum(&mut inner.rng, 24);
            let page = consent_page(&tenant, &id, &app, &pending, &inner);
            inner.microsoft.pending.insert(id, pending);
            html(StatusCode::OK, page)
        }
    }
}

/// The user who signs in: the `login_hint` user of the app's tenant, else its first user.
fn pick_user(inner: &Inner, app: &MicrosoftApp, hint: &str) -> Option<String> {
    let users = || {
        inner
            .microsoft
            .users
            .iter()
            .filter(|u| u.tenant_id == app.tenant_id)
    };
    if hint.is_empty() {
        users().next().map(|u| u.id.clone())
    } else {
        users()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(hint))
            .map(|u| u.id.clone())
    }
}

fn consent_page(
    tenant: &str,
    id: &str,
    app: &MicrosoftApp,
    pending: &PendingConsent,
    inner: &Inner,
) -> String {
    let scopes: String = pending
        .scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let user = inner
        .microsoft
        .user_by_id(&pending.user_id)
        .map(|u| u.user_principal_name.clone())
        .unwrap_or_default();
    format!(
        "<!doctype html><html><head><title>Permissions requested (emulator)</title></head><body>\
         <h1>Permissions requested</h1><p>{client} wants to:</p><ul>{scopes}</ul><p>{user}</p>\
         <form method=\"get\" action=\"/login/{tenant}/oauth2/v2.0/consent\">\
         <input type=\"hidden\" name=\"consent_id\" value=\"{id}\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Accept</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>\
         </form></body></html>",
        client = escape(&app.client_id),
        user = escape(&user),
        tenant = escape(tenant),
    )
}

/// Records the consent, issues a one-time code and redirects back.
fn approve(inner: &mut Inner, now: Timestamp, pending: PendingConsent) -> Response {
    let graph =
        scopes::graph_of(&scopes::parse_list(&pending.scopes.join(" ")).unwrap_or_default());
    let granted = inner
        .microsoft
        .grants
        .entry((pending.client_id.clone(), pending.user_id.clone()))
        .or_default();
    for scope in graph {
        if !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    let code = format!("1.AXkA{}", alnum(&mut inner.rng, 200));
    inner.microsoft.codes.insert(
        code.clone(),
        AuthCode {
            client_id: pending.client_id,
            user_id: pending.user_id,
            redirect_uri: pending.redirect_uri.clone(),
            scopes: pending.scopes,
            code_challenge: pending.code_challenge,
            challenge_method: pending.challenge_method,
            expires_at: now.saturating_add(CODE_LIFETIME).unwrap_or(now),
            redeemed: false,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = pending.state.as_deref() {
        params.push(("state", state));
    }
    redirect(&pending.redirect_uri, &params)
}

/// `GET /login/{tenant}/oauth2/v2.0/consent`: the consent page's buttons (emulator only).
pub(super) async fn decision(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let q = parse_form(query.unwrap_or_default().as_bytes());
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let Some(pending) = q
        .get("consent_id")
        .and_then(|id| inner.microsoft.pending.remove(id))
    else {
        return error_page(
            "invalid_request",
            "This consent page has expired or was already used.",
        );
    };
    if q.get("decision").map(String::as_str) == Some("allow") {
        approve(&mut inner, now, pending)
    } else {
        redirect_error(
            &pending,
            "access_denied",
            "AADSTS65004: User declined to consent to access the app.",
        )
    }
}
