//! Google: OAuth (`/o/oauth2/v2/auth`, `/token`, `/revoke`) and Calendar v3 events (`/calendar/v3`).

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::state::Shared;

mod auth;
mod calendar;
mod conference;
mod errors;
mod event;
mod list;
mod oauth;
pub(crate) mod push;
pub(crate) mod store;

/// Routes of the Google endpoint families.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/o/oauth2/v2/auth", get(oauth::authorize))
        .route("/o/oauth2/v2/auth/decision", get(oauth::decision))
        .route("/token", post(oauth::token))
        .route("/revoke", post(oauth::revoke))
        .route(
            "/calendar/v3/calendars/{calendar_id}/events",
            post(calendar::insert).get(list::list),
        )
        .route(
            "/calendar/v3/calendars/{calendar_id}/events/watch",
            post(push::watch),
        )
        .route("/calendar/v3/channels/stop", post(push::stop))
        .route(
            "/calendar/v3/calendars/{calendar_id}/events/{event_id}",
            get(calendar::get)
                .patch(calendar::patch)
                .put(calendar::update)
                .delete(calendar::delete),
        )
}

pub(crate) use oauth::revoke_token;

/// Every event of every calendar as `events.get` would show it, without counting reads.
pub(crate) fn render_all(
    inner: &crate::state::Inner,
) -> std::collections::BTreeMap<String, Vec<serde_json::Value>> {
    inner
        .google
        .calendars
        .iter()
        .map(|(calendar_id, calendar)| {
            let events = calendar
                .order
                .iter()
                .filter_map(|id| {
                    let event = calendar.events.get(id)?;
                    let conference = event
                        .conference_request
                        .as_ref()
                        .and_then(|r| inner.google.conferences.get(r));
                    Some(event::render(calendar_id, id, event, conference))
                })
                .collect();
            (calendar_id.clone(), events)
        })
        .collect()
}
