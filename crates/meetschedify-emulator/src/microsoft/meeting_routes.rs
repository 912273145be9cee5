//! Route adapters of the onlineMeetings family: `/users/{userId}/onlineMeetings...` and
//! `/me/onlineMeetings...` call the same operations.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::online_meetings::{create, create_or_get, delete, find, get_one, patch};
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
pub(super) async fn create_or_get_for(
    State(s): Shr,
    Path(user): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_or_get(&s, &headers, Some(&user), &body)
}
pub(super) async fn create_or_get_me(State(s): Shr, headers: HeaderMap, body: Bytes) -> Response {
    create_or_get(&s, &headers, None, &body)
}
pub(super) async fn find_for(
    State(s): Shr,
    Path(user): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    find(&s, &headers, Some(&user), q.as_deref())
}
pub(super) async fn find_me(State(s): Shr, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    find(&s, &headers, None, q.as_deref())
}
pub(super) async fn get_for(
    State(s): Shr,
    Path((user, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    get_one(&s, &headers, Some(&user), &id)
}
pub(super) async fn get_me(State(s): Shr, Path(id): Path<String>, headers: HeaderMap) -> Response {
    get_one(&s, &headers, None, &id)
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
