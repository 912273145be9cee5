//! The Microsoft part of the HTTP control API under `/_emulator/microsoft` (the emulator's own,
//! mirroring the Microsoft methods of [`crate::EmulatorHandle`]). Omitted ids default to the demo
//! tenant, app and organizer.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::store::MicrosoftApp;
use crate::error::EmulatorError;
use crate::state::Shared;

type SharedState = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/microsoft/apps", post(register_app))
        .route(
            "/_emulator/microsoft/apps/{client_id}/roles",
            post(set_roles),
        )
        .route(
            "/_emulator/microsoft/apps/{client_id}/secret-expired",
            post(secret_expired),
        )
        .route("/_emulator/microsoft/users", post(add_user))
        .route(
            "/_emulator/microsoft/users/{user}/revoke-tokens",
            post(revoke_tokens),
        )
        .route(
            "/_emulator/microsoft/users/{user}/mfa-required",
            post(mfa_required),
        )
        .route(
            "/_emulator/microsoft/policies",
            post(grant_policy).delete(revoke_policy),
        )
        .route("/_emulator/microsoft/app-tokens", post(app_token))
        .route("/_emulator/microsoft/user-tokens", post(user_token))
        .route("/_emulator/microsoft/refresh-tokens", post(refresh_token))
}

fn failed(error: &EmulatorError) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": error.to_string() })),
    )
        .into_response()
}

fn done(result: Result<(), EmulatorError>) -> Response {
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failed(&e),
    }
}

/// `POST /_emulator/microsoft/apps` with a [`MicrosoftApp`]: registers or replaces it.
async fn register_app(State(shared): SharedState, Json(app): Json<MicrosoftApp>) -> StatusCode {
    shared.register_microsoft_app(app);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct RolesRequest {
    roles: Vec<String>,
}

/// `POST /_emulator/microsoft/apps/{client_id}/roles {"roles": [...]}`.
async fn set_roles(
    State(shared): SharedState,
    Path(client_id): Path<String>,
    Json(request): Json<RolesRequest>,
) -> Response {
    match shared.set_microsoft_app_roles(&client_id, &request.roles) {
        Ok(()) => Json(json!({ "client_id": client_id, "roles": request.roles })).into_response(),
        Err(e) => failed(&e),
    }
}

#[derive(Deserialize)]
struct ExpiredRequest {
    expired: bool,
}

/// `POST /_emulator/microsoft/apps/{client_id}/secret-expired {"expired": true}`.
async fn secret_expired(
    State(shared): SharedState,
    Path(client_id): Path<String>,
    Json(request): Json<ExpiredRequest>,
) -> Response {
    done(shared.set_microsoft_secret_expired(&client_id, request.expired))
}

#[derive(Deserialize)]
struct UserRequest {
    tenant_id: Option<String>,
    user_principal_name: String,
    id: Option<String>,
    display_name: Option<String>,
}

/// `POST /_emulator/microsoft/users {"user_principal_name", "tenant_id"?, "id"?, "display_name"?}`:
/// 201 with the user.
async fn add_user(State(shared): SharedState, Json(request): Json<UserRequest>) -> Response {
    let tenant = request
        .tenant_id
        .unwrap_or_else(|| shared.demo.microsoft_tenant_id.clone());
    let user = shared.add_microsoft_user(
        &tenant,
        &request.user_principal_name,
        request.id.as_deref(),
        request.display_name.as_deref(),
    );
    (StatusCode::CREATED, Json(user)).into_response()
}

/// `POST /_emulator/microsoft/users/{user}/revoke-tokens`: AADSTS50173 for its refresh tokens.
async fn revoke_tokens(State(shared): SharedState, Path(user): Path<String>) -> Response {
    done(shared.revoke_microsoft_user_tokens(&user))
}

#[derive(Deserialize)]
struct MfaRequest {
    required: bool,
}

/// `POST /_emulator/microsoft/users/{user}/mfa-required {"required": true}`: AADSTS50076 on refresh.
async fn mfa_required(
    State(shared): SharedState,
    Path(user): Path<String>,
    Json(request): Json<MfaRequest>,
) -> Response {
    done(shared.set_microsoft_mfa_required(&user, request.required))
}

#[derive(Deserialize)]
struct PolicyRequest {
    client_id: Option<String>,
    /// Object id or UPN; absent or null for the tenant-wide (`-Global`) grant.
    user: Option<String>,
}

/// `POST /_emulator/microsoft/policies {"client_id"?, "user"?}`: grants the application access policy.
async fn grant_policy(State(shared): SharedState, Json(request): Json<PolicyRequest>) -> Response {
    let client = request
        .client_id
        .unwrap_or_else(|| shared.demo.microsoft_client_id.clone());
    done(shared.grant_microsoft_access_policy(&client, request.user.as_deref()))
}

/// `DELETE /_emulator/microsoft/policies {"client_id"?, "user"?}`: takes a grant back.
async fn revoke_policy(State(shared): SharedState, Json(request): Json<PolicyRequest>) -> Response {
    let client = request
        .client_id
        .unwrap_or_else(|| shared.demo.microsoft_client_id.clone());
    done(shared.revoke_microsoft_access_policy(&client, request.user.as_deref()))
}

#[derive(Deserialize)]
struct TokenRequest {
    client_id: Option<String>,
    user: Option<String>,
    scopes: Option<Vec<String>>,
}

/// `POST /_emulator/microsoft/app-tokens {"client_id"?}`: `{"access_token"}` with the app's roles.
async fn app_token(State(shared): SharedState, Json(request): Json<TokenRequest>) -> Response {
    let client = request
        .client_id
        .unwrap_or_else(|| shared.demo.microsoft_client_id.clone());
    match shared.issue_microsoft_app_token(&client) {
        Ok(token) => Json(json!({ "access_token": token })).into_response(),
        Err(e) => failed(&e),
    }
}

/// `POST /_emulator/microsoft/user-tokens {"client_id"?, "user"?, "scopes"?}`: a delegated access
/// token (default scopes `Calendars.ReadWrite` and `OnlineMeetings.ReadWrite`).
async fn user_token(State(shared): SharedState, Json(request): Json<TokenRequest>) -> Response {
    let (client, user, scopes) = resolve(
        &shared,
        request,
        &["Calendars.ReadWrite", "OnlineMeetings.ReadWrite"],
    );
    match shared.issue_microsoft_user_token(&client, &user, &scopes) {
        Ok(token) => Json(json!({ "access_token": token })).into_response(),
        Err(e) => failed(&e),
    }
}

/// `POST /_emulator/microsoft/refresh-tokens {"client_id"?, "user"?, "scopes"?}`: a refresh token
/// as after a consent (default `offline_access Calendars.ReadWrite OnlineMeetings.ReadWrite`).
async fn refresh_token(State(shared): SharedState, Json(request): Json<TokenRequest>) -> Response {
    let defaults = [
        "offline_access",
        "Calendars.ReadWrite",
        "OnlineMeetings.ReadWrite",
    ];
    let (client, user, scopes) = resolve(&shared, request, &defaults);
    match shared.issue_microsoft_refresh_token(&client, &user, &scopes) {
        Ok(token) => Json(json!({ "refresh_token": token })).into_response(),
        Err(e) => failed(&e),
    }
}

fn resolve(
    shared: &Shared,
    request: TokenRequest,
    defaults: &[&str],
) -> (String, String, Vec<String>) {
    (
        request
            .client_id
            .unwrap_or_else(|| shared.demo.microsoft_client_id.clone()),
        request
            .user
            .unwrap_or_else(|| shared.demo.microsoft_organizer_id.clone()),
        request
            .scopes
            .unwrap_or_else(|| defaults.iter().map(|s| (*s).to_owned()).collect()),
    )
}
