//! The routes. The OAuth ones are written once for every provider: `/auth/{provider}/...`
//! looks its provider up in the table of enabled ones (`providers.rs`), and any other segment is
//! `404`.

use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use meetschedify::{
    AuthorizationRequest, ConnectionStatus, CreateMeetingRequest, DisconnectOutcome, Error,
    ErrorCode, MeetSchedifyClient, MeetingTime, OAuthCallback, SessionBinding,
};
use serde::Deserialize;

use crate::cookies::{Cookie, CookiePolicy};
use crate::csrf;
use crate::page::{self, Notice};
use crate::providers::{Connectable, Enabled};
use crate::session::{self, Session, Sessions};

/// What every route shares.
#[derive(Debug)]
pub(crate) struct AppState {
    pub(crate) client: MeetSchedifyClient,
    pub(crate) sessions: Sessions,
    pub(crate) cookies: CookiePolicy,
    pub(crate) providers: Enabled,
}

type Shared = Arc<AppState>;

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/auth/{provider}/connect", get(connect))
        .route("/auth/{provider}/callback", get(callback))
        .route("/auth/{provider}/disconnect", post(disconnect))
        .route("/meetings", post(schedule))
        .with_state(Arc::new(state))
}

impl AppState {
    /// The enabled provider a route's path segment names.
    fn provider(&self, segment: &str) -> Option<&'static Connectable> {
        self.providers.by_segment(segment)
    }

    /// The request's session, if its cookie names one this app issued.
    fn session(&self, headers: &HeaderMap) -> Option<Session> {
        self.sessions.find(self.cookies, headers)
    }

    /// The request's session, or a new one and the `Set-Cookie` that starts it. A cookie the app
    /// did not issue is never adopted: it gets a new id and a new tenant.
    fn session_or_start(&self, headers: &HeaderMap) -> (Session, Option<HeaderValue>) {
        match self.session(headers) {
            Some(s) => (s, None),
            None => {
                let s = self.sessions.start();
                let cookie = self.cookies.set(Cookie::Session, &s.id, None);
                (s, Some(cookie))
            }
        }
    }

    /// The session of a POST whose form carried that session's CSRF token; `None` otherwise
    /// (no session, an unknown one, a missing or wrong token), and then the route must do nothing.
    fn session_for_post(&self, headers: &HeaderMap, token: Option<&str>) -> Option<Session> {
        self.session(headers)
            .filter(|session| csrf::token_matches(session, token))
    }

    /// The session binding this browser keeps for its connect in progress, if any.
    fn connect_binding(&self, headers: &HeaderMap) -> Option<SessionBinding> {
        self.cookies
            .read(headers, Cookie::Binding)
            .find(|value| {
                value.len() <= 64
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
            .map(SessionBinding::new)
    }
}

/// The answer to a POST without the session's CSRF token: nothing was done.
fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(
            "<!doctype html><title>403</title><p id=\"error\">This form is out of date or did \
             not come from this app, so nothing was done. <a href=\"/\">Reload the page</a> \
             and try again.</p>",
        ),
    )
        .into_response()
}

/// The answer to an OAuth route of a provider this app does not offer.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><title>404</title><p id=\"error\">No such provider.</p>"),
    )
        .into_response()
}

/// Renders the page for the session's tenant (starting a session if there is none).
async fn page_for(
    state: &AppState,
    headers: &HeaderMap,
    notice: Notice,
    code: StatusCode,
) -> Response {
    let (session, cookie) = state.session_or_start(headers);
    let tenant = session.tenant;
    let mut statuses = Vec::new();
    for provider in state.providers.all() {
        let status = match state.client.connection_status(&provider.id, &tenant).await {
            Ok(s) => s,
            Err(e) => ConnectionStatus::unavailable(
                provider.id.clone(),
                tenant.clone(),
                format!("status unavailable: {}", e.code()),
            ),
        };
        statuses.push((*provider, status));
    }
    let mut response = (
        code,
        Html(page::render(
            &tenant,
            &statuses,
            &notice,
            &session::form_key(),
            &session.csrf_token,
        )),
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
    provider: Option<String>,
    forgotten: Option<String>,
}

async fn index(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<IndexQuery>,
) -> Response {
    let vendor = |segment: Option<&str>| {
        segment
            .and_then(|segment| state.provider(segment))
            .map_or("The provider", |p| p.vendor)
    };
    let notice = if let Some(e) = query.error {
        // The provider's own error from its consent page (access_denied when the user said no).
        let vendor = vendor(query.provider.as_deref());
        Notice {
            error: Some((
                e,
                format!("{vendor} did not connect: consent was not given"),
            )),
            ..Notice::default()
        }
    } else if let Some(provider) = query.forgotten.as_deref().and_then(|s| state.provider(s)) {
        // Say what a disconnect did and did not do: the grant outlives it at this provider.
        let info =
            format!(
            "{vendor} is disconnected: its tokens were deleted here. {vendor} keeps your consent \
             until you remove the app at {at}.",
            vendor = provider.vendor,
            at = provider.remove_access_at.unwrap_or("your account's settings"),
        );
        Notice {
            info: Some(info),
            ..Notice::default()
        }
    } else {
        Notice::default()
    };
    page_for(&state, &headers, notice, StatusCode::OK).await
}

/// Sends the user to the provider's consent page.
///
/// A GET, so it carries no CSRF token: a forged one only starts a connect whose binding lands in
/// the victim's own browser, which the victim then has to approve on the provider's page
/// themselves.
async fn connect(
    State(state): State<Shared>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = state.provider(&segment) else {
        return not_found();
    };
    // No session yet: the page starts one.
    let Some(session) = state.session(&headers) else {
        return Redirect::to("/").into_response();
    };
    let request =
        AuthorizationRequest::new(session.tenant, provider.id.clone()).with_return_url("/");
    match state.client.authorization_url(&request).await {
        // 303: the browser must GET the consent page whatever method brought it here.
        Ok(url) => {
            let mut response = Redirect::to(&url.url).into_response();
            // Only this browser can complete the connect it started (a consent link sent to
            // someone else, or leaked, is refused). Ten minutes, the life of the sealed state.
            let binding = url.session_binding.as_str();
            response.headers_mut().append(
                header::SET_COOKIE,
                state.cookies.set(Cookie::Binding, binding, Some(600)),
            );
            response
        }
        Err(e) => page_for(&state, &headers, Notice::error(&e), StatusCode::BAD_GATEWAY).await,
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider sends the user back here with `code` and `state` (or `error`).
async fn callback(
    State(state): State<Shared>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let Some(provider) = state.provider(&segment) else {
        return not_found();
    };
    if let Some(error) = query.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        // The segment is one of the table's, so it needs no escaping.
        let to = format!("/?error={error}&provider={}", provider.segment);
        return Redirect::to(&to).into_response();
    }
    let Some(session) = state.session(&headers) else {
        let err = Error::new(
            ErrorCode::OAuthStateInvalid,
            "no session: start again from the page",
        );
        return page_for(
            &state,
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
    if let Some(binding) = state.connect_binding(&headers) {
        callback = callback.with_session_binding(binding);
    }
    let mut response = match state
        .client
        .handle_oauth_callback(&provider.id, &callback)
        .await
    {
        // The tenant comes from the sealed state, never from this request; the binding proved
        // this browser started the flow, so it is this session's tenant (checked all the same).
        Ok(account) if account.tenant_id == session.tenant => {
            // The session now reaches a calendar: give it a new id, so an id planted in this
            // browser before the connect (session fixation) is worth nothing afterwards.
            let fresh = state.sessions.rotate(&session);
            let mut response =
                Redirect::to(account.return_url.as_deref().unwrap_or("/")).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                state.cookies.set(Cookie::Session, &fresh.id, None),
            );
            response
        }
        Ok(_) => {
            let err = Error::new(
                ErrorCode::OAuthStateInvalid,
                "this consent was started in another session",
            );
            page_for(&state, &headers, Notice::error(&err), StatusCode::FORBIDDEN).await
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.code().suggested_http_status())
                .unwrap_or(StatusCode::BAD_REQUEST);
            page_for(&state, &headers, Notice::error(&e), status).await
        }
    };
    response
        .headers_mut()
        .append(header::SET_COOKIE, state.cookies.clear(Cookie::Binding));
    response
}

/// The disconnect form: only its CSRF token.
#[derive(Debug, Deserialize)]
struct DisconnectForm {
    csrf_token: Option<String>,
}

/// Deletes the tokens, and revokes the grant where the provider can (Google; Microsoft offers
/// no per-grant revocation, so there the user removes the app at Microsoft).
async fn disconnect(
    State(state): State<Shared>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    form: Result<Form<DisconnectForm>, FormRejection>,
) -> Response {
    let Some(provider) = state.provider(&segment) else {
        return not_found();
    };
    // A body that is not a form carries no token either.
    let token = form.as_ref().ok().and_then(|f| f.csrf_token.as_deref());
    let Some(session) = state.session_for_post(&headers, token) else {
        return forbidden();
    };
    match state
        .client
        .disconnect_provider(&provider.id, &session.tenant)
        .await
    {
        Ok(DisconnectOutcome::Forgotten) => {
            Redirect::to(&format!("/?forgotten={}", provider.segment)).into_response()
        }
        Ok(_) => Redirect::to("/").into_response(),
        Err(e) => page_for(&state, &headers, Notice::error(&e), StatusCode::BAD_GATEWAY).await,
    }
}

/// The scheduling form. Every field may be missing, so that a form without its token is read
/// (and refused as a CSRF failure) rather than rejected for another field; the library names
/// any missing meeting field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScheduleForm {
    title: String,
    start: String,
    end: String,
    timezone: String,
    idempotency_key: String,
    /// The path segment of the provider to book with (`google`, `microsoft`).
    provider: String,
    csrf_token: Option<String>,
}

/// Books the meeting on the tenant's calendar and shows its link.
async fn schedule(
    State(state): State<Shared>,
    headers: HeaderMap,
    form: Result<Form<ScheduleForm>, FormRejection>,
) -> Response {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let Some(session) = state.session_for_post(&headers, form.csrf_token.as_deref()) else {
        return forbidden();
    };
    let Some(provider) = state.provider(form.provider.trim()) else {
        let err = Error::new(
            ErrorCode::InvalidRequest,
            "choose one of the providers offered on the page",
        )
        .with_field("provider");
        return page_for(
            &state,
            &headers,
            Notice::error(&err),
            StatusCode::BAD_REQUEST,
        )
        .await;
    };
    let request = CreateMeetingRequest::new(
        session.tenant,
        provider.id.clone(),
        form.title,
        MeetingTime::new(form.start.trim(), form.end.trim()).with_timezone(form.timezone.trim()),
    )
    .with_idempotency_key(form.idempotency_key);
    match state.client.create_meeting(request).await {
        Ok(meeting) => {
            let notice = Notice {
                meeting: Some(meeting),
                ..Notice::default()
            };
            page_for(&state, &headers, notice, StatusCode::OK).await
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.code().suggested_http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            page_for(&state, &headers, Notice::error(&e), status).await
        }
    }
}
