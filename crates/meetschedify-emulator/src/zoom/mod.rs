//! Zoom: Server-to-Server OAuth (`/oauth/token`) and the Meetings API (`/v2`).

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::state::Shared;

mod auth;
mod errors;
mod limits;
mod list;
mod meeting;
mod meetings;
mod oauth;
pub(crate) mod seed;
pub(crate) mod store;

/// Routes of both Zoom endpoint families.
pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route(
            "/v2/users/{user_id}/meetings",
            post(meetings::create).get(meetings::list),
        )
        .route(
            "/v2/meetings/{meeting_id}",
            get(meetings::get)
                .patch(meetings::update)
                .delete(meetings::delete),
        )
}
