//! The routes.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use meetschedify::{
    AuthorizationRequest, ConnectionStatus, CreateMeetingRequest, Error, ErrorCode,
    MeetSchedifyClient, MeetingTime, OAuthCallback, ProviderId,
};
use serde::Deserialize;

use crate::page::{self, Notice};
use crate::session;

/// The OAuth redirect URI's path.
pub(crate) const CALLBACK_PATH: &str = "/auth/google/callback";

type Shared = Arc<MeetSchedifyClient>;

pub(crate) fn router(client: Shared) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/auth/google/connect", get(connect))
        .route(CALLBACK_PATH, get(callback))
        .route("/auth/google/disconnect", post(disconnect))
        .route("/meetings", post(schedule))
        .with_state(client)
}

/// Renders the page for the session's tenant (starting a session if there is none).
async fn page_for(
    client: &MeetSchedifyClient,
    headers: &HeaderMap,
    notice: Notice,
    code: StatusCode,
) -> Response {
    let (tenant, cookie) = match session::tenant(headers) {
        Some(t) => (t, None),
        None => {
            let (t, c) = session::start();
            (t, Some(c))
        }
    };
    let status = match client
        .connection_status(&tenant, &ProviderId::GOOGLE_MEET)
        .await
    {
        Ok(s) => s,
        Err(e) => ConnectionStatus::unavailable(
            ProviderId::GOOGLE_MEET,
            tenant.clone(),
            format!("status unavailable: {}", e.code()),
        ),
    };
    let mut response = (
        code,
        Html(page::render(&status, &notice, &session::form_key())),
    )
        .into_response();
    if let Some(cookie) = cookie {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Debug, Deserialize)]
struct IndexQuery {
    error: Option<String>,
}

async fn index(
    State(client): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<IndexQuery>,
) -> Response {
    let notice = match query.error {
        // Google's own error from the consent page (access_denied when the user said no).
        Some(e) => Notice {
            meeting: None,
            error: Some((e, "Google did not connect: consent was not given".into())),
        },
        None => Notice::default(),
    };
    page_for(&client, &headers, notice, StatusCode::OK).await
}

/// Sends the user to Google's consent page.
async fn connect(State(client): State<Shared>, headers: HeaderMap) -> Response {
    // No session yet: the page starts one.
    let Some(tenant) = session::tenant(&headers) else {
        return Redirect::to("/").into_response();
    };
    let request = AuthorizationRequest::new(tenant, ProviderId::GOOGLE_MEET).with_return_url("/");
    match client.authorization_url(&request).await {
        // 303: the browser must GET the consent page whatever method brought it here.
        Ok(url) => {
            let mut response = Redirect::to(&url.url).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                session::keep_binding(&url.session_binding),
            );
            response
        }
        Err(e) => {
            page_for(
                &client,
                &headers,
                Notice::error(&e),
                StatusCode::BAD_GATEWAY,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Google sends the user back here with `code` and `state` (or `error`).
async fn callback(
    State(client): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    if let Some(error) = query.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        return Redirect::to(&format!("/?error={error}")).into_response();
    }
    let Some(session_tenant) = session::tenant(&headers) else {
        let err = Error::new(
            ErrorCode::OAuthStateInvalid,
            "no session: start again from the page",
        );
        return page_for(
            &client,
            &headers,
            Notice::error(&err),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let mut callback = OAuthCallback::new(
        query.code.unwrap_or_default(),
        query.state.unwrap_or_default(),
    );
    // The binding lives in this browser only; a callback brought by any other browser (a
    // consent link sent to a victim, a leaked URL) has none or another, and the library refuses
    // it before the code is exchanged: nothing is connected.
    if let Some(binding) = session::connect_binding(&headers) {
        callback = callback.with_session_binding(binding);
    }
    let mut response = match client
        .handle_oauth_callback(&ProviderId::GOOGLE_MEET, &callback)
        .await
    {
        // The tenant comes from the sealed state, never from this request; the binding proved
        // this browser started the flow, so it is this session's tenant (checked all the same).
        Ok(account) if account.tenant_id == session_tenant => {
            Redirect::to(account.return_url.as_deref().unwrap_or("/")).into_response()
        }
        Ok(_) => {
            let err = Error::new(
                ErrorCode::OAuthStateInvalid,
                "this consent was started in another session",
            );
            page_for(
                &client,
                &headers,
                Notice::error(&err),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.code().suggested_http_status())
                .unwrap_or(StatusCode::BAD_REQUEST);
            page_for(&client, &headers, Notice::error(&e), status).await
        }
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::forget_binding());
    response
}

/// Revokes the grant and deletes the tokens.
async fn disconnect(State(client): State<Shared>, headers: HeaderMap) -> Response {
    // No session yet: the page starts one.
    let Some(tenant) = session::tenant(&headers) else {
        return Redirect::to("/").into_response();
    };
    match client
        .disconnect_provider(&tenant, &ProviderId::GOOGLE_MEET)
        .await
    {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => {
            page_for(
                &client,
                &headers,
                Notice::error(&e),
                StatusCode::BAD_GATEWAY,
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct ScheduleForm {
    title: String,
    start: String,
    end: String,
    timezone: String,
    idempotency_key: String,
}

/// Books the meeting on the tenant's calendar and shows its link.
async fn schedule(
    State(client): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ScheduleForm>,
) -> Response {
    // No session yet: the page starts one.
    let Some(tenant) = session::tenant(&headers) else {
        return Redirect::to("/").into_response();
    };
    let request = CreateMeetingRequest::new(
        tenant,
        ProviderId::GOOGLE_MEET,
        form.title,
        MeetingTime::new(form.start.trim(), form.end.trim()).with_timezone(form.timezone.trim()),
    )
    .with_idempotency_key(form.idempotency_key);
    match client.create_meeting(request).await {
        Ok(meeting) => {
            let notice = Notice {
                meeting: Some(meeting),
                error: None,
            };
            page_for(&client, &headers, notice, StatusCode::OK).await
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.code().suggested_http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            page_for(&client, &headers, Notice::error(&e), status).await
        }
    }
}
