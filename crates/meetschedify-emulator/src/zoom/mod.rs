//! Zoom: Server-to-Server OAuth (`/oauth/token`) and the Meetings API (`/v2`).

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, patch, post, MethodRouter};
use axum::Router;

use crate::state::Shared;

mod auth;
mod body_schema;
mod errors;
pub(crate) mod limits;
mod list;
mod meeting;
mod meetings;
mod oauth;
pub(crate) mod running;
pub(crate) mod scopes;
pub(crate) mod seed;
pub(crate) mod store;
mod validate;
pub(crate) mod webhooks;

/// Routes of both Zoom endpoint families; each Meetings route checks its token's scopes first.
pub(crate) fn router(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    let scoped = |route: MethodRouter<Arc<Shared>>, required: &'static [&'static str]| {
        route.layer(from_fn_with_state(
            (shared.clone(), required),
            scopes::enforce,
        ))
    };
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route(
            "/v2/users/{user_id}/meetings",
            scoped(post(meetings::create), scopes::CREATE)
                .merge(scoped(get(meetings::list), scopes::LIST)),
        )
        .route(
            "/v2/meetings/{meeting_id}",
            scoped(get(meetings::get), scopes::GET)
                .merge(scoped(patch(meetings::update), scopes::UPDATE))
                .merge(scoped(delete(meetings::delete), scopes::DELETE)),
        )
}
