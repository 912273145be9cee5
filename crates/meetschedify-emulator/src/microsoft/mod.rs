//! Microsoft: the identity platform under `/login` (`MEETSCHEDIFY_MICROSOFT_LOGIN_BASE`) and Graph
//! v1.0 calendar events and Teams online meetings under `/graph/v1.0`
//! (`MEETSCHEDIFY_GRAPH_API_BASE`).
//!
//! Every behaviour comes from `shared/reference/microsoft-teams.md` (cited by section as "§n");
//! what the reference does not settle is marked as the emulator's choice where it is made.

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::state::Shared;

mod aad_error;
mod authorize;
pub(crate) mod control;
pub(crate) mod control_api;
mod event_removal;
mod event_routes;
mod event_view;
mod event_write;
mod events;
mod graph;
mod graph_auth;
mod graph_error;
mod meeting_model;
mod meeting_routes;
mod mint;
mod odata_query;
mod online_meetings;
mod schema;
mod scopes;
pub(crate) mod store;
pub(crate) mod subscriptions;
pub(crate) mod throttle;
mod timezone;
pub(crate) mod token;

/// Path prefix of the identity platform (`https://login.microsoftonline.com` in production).
pub(crate) const LOGIN_PREFIX: &str = "/login";
/// Path prefix of Graph v1.0 (`https://graph.microsoft.com/v1.0` in production).
pub(crate) const GRAPH_PREFIX: &str = "/graph/v1.0";

/// Routes of the identity platform and Graph.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/login/{tenant}/oauth2/v2.0/token", post(token::token))
        .route(
            "/login/{tenant}/oauth2/v2.0/authorize",
            get(authorize::authorize),
        )
        .route(
            "/login/{tenant}/oauth2/v2.0/consent",
            get(authorize::decision),
        )
        .route(
            "/graph/v1.0/users/{user}/events",
            post(event_routes::create_for).get(event_routes::list_for),
        )
        .route(
            "/graph/v1.0/users/{user}/events/{event_id}",
            get(event_routes::get_for)
                .patch(event_routes::patch_for)
                .delete(event_routes::delete_for),
        )
        .route(
            "/graph/v1.0/users/{user}/events/{event_id}/cancel",
            post(event_routes::cancel_for),
        )
        .route(
            "/graph/v1.0/users/{user}/onlineMeetings",
            post(meeting_routes::create_for).get(meeting_routes::find_for),
        )
        .route(
            "/graph/v1.0/users/{user}/onlineMeetings/createOrGet",
            post(meeting_routes::create_or_get_for),
        )
        .route(
            "/graph/v1.0/users/{user}/onlineMeetings/{meeting_id}",
            get(meeting_routes::get_for)
                .patch(meeting_routes::patch_for)
                .delete(meeting_routes::delete_for),
        )
        .route(
            "/graph/v1.0/me/onlineMeetings",
            post(meeting_routes::create_me).get(meeting_routes::find_me),
        )
        .route(
            "/graph/v1.0/me/onlineMeetings/createOrGet",
            post(meeting_routes::create_or_get_me),
        )
        .route(
            "/graph/v1.0/me/onlineMeetings/{meeting_id}",
            get(meeting_routes::get_me)
                .patch(meeting_routes::patch_me)
                .delete(meeting_routes::delete_me),
        )
        .route(
            "/graph/v1.0/me/events",
            post(event_routes::create_me).get(event_routes::list_me),
        )
        .route(
            "/graph/v1.0/me/events/{event_id}",
            get(event_routes::get_me)
                .patch(event_routes::patch_me)
                .delete(event_routes::delete_me),
        )
        .route(
            "/graph/v1.0/me/events/{event_id}/cancel",
            post(event_routes::cancel_me),
        )
        .merge(subscriptions::router())
}

/// The Microsoft half of the state snapshot.
pub(crate) fn snapshot(inner: &crate::state::Inner) -> crate::snapshot::MicrosoftSnapshot {
    crate::snapshot::MicrosoftSnapshot {
        token_requests: inner.microsoft.token_requests,
        events_by_user: events::render_all(inner),
        online_meetings_by_user: online_meetings::render_all(inner),
        cancellations: inner.microsoft.cancellations.clone(),
    }
}
