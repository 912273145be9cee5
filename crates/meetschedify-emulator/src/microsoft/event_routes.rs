//! Route adapters of the events family: `/users/{user}/events...` and `/me/events...` call the
//! same operations, with the mailbox from the path or from the delegated token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::event_removal::{cancel, delete};
use super::events::{create, get_one, list, patch};
use crate::state::Shared;

type Shr = State<Arc<Shared>>;

pub(super) async fn create_for(
    State(s): Shr,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create(&s, &headers, Some(&user), &body)
}
pub(super) async fn create_me(State(s): Shr, headers: HeaderMap, body: Bytes) -> Response {
    create(&s, &headers, None, &body)
}
pub(super) async fn list_for(
    State(s): Shr,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let path = format!("/graph/v1.0/users/{user}/events");
    list(&s, &headers, Some(&user), q.as_deref(), &path)
}
pub(super) async fn list_me(State(s): Shr, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    list(&s, &headers, None, q.as_deref(), "/graph/v1.0/me/events")
}
pub(super) async fn get_for(
    State(s): Shr,
    Path((user, id)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    get_one(&s, &headers, Some(&user), &id, q.as_deref())
}
pub(super) async fn get_me(
    State(s): Shr,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    get_one(&s, &headers, None, &id, q.as_deref())
}
pub(super) async fn patch_for(
    State(s): Shr,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    patch(&s, &headers, Some(&user), &id, &body)
}
pub(super) async fn patch_me(
    State(s): Shr,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    patch(&s, &headers, None, &id, &body)
}
pub(super) async fn delete_for(
    State(s): Shr,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    delete(&s, &headers, Some(&user), &id)
}
pub(super) async fn delete_me(
    State(s): Shr,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    delete(&s, &headers, None, &id)
}
pub(super) async fn cancel_for(
    State(s): Shr,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    cancel(&s, &headers, Some(&user), &id, &body)
}
pub(super) async fn cancel_me(
    State(s): Shr,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    cancel(&s, &headers, None, &id, &body)
}
