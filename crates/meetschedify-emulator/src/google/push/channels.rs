//! `events.watch` and `channels.stop` (reference §2.1 and §2.5).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Map, Value};

use super::state::ChannelRec;
use super::sync::message;
use crate::google::auth::{authorize, Access};
use crate::google::calendar::resolve_calendar;
use crate::google::errors::{error, invalid, parse_error, required};
use crate::http::{json, no_content};
use crate::ids::alnum;
use crate::state::Shared;

/// Google's limits on a channel id and token (reference §2.1).
const MAX_ID_LEN: usize = 64;
const MAX_TOKEN_LEN: usize = 256;

/// The lifetime of a channel that asks for none: one hour, as a Google engineer describes it
/// (reference §2.1, unconfirmed).
const DEFAULT_LIFETIME_SECS: i64 = 3600;

/// `POST /calendar/v3/calendars/{calendarId}/events/watch`: opens a channel and sends its
/// `sync` message.
pub(crate) async fn watch(
    State(shared): State<Arc<Shared>>,
    Path(calendar_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Read) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return parse_error();
    };
    let request =
        match ChannelRequest::parse(&body, now, inner.settings.google_channel_max_lifetime_secs) {
            Ok(request) => request,
            Err(response) => return response,
        };
    if inner.google.push.used_ids.contains(&request.id) {
        return invalid_reason(
            "channelIdNotUnique",
            &format!("Channel id {} not unique", request.id),
        );
    }
    let calendar = resolve_calendar(&calendar_id, &user);
    let resource_id = match inner.google.push.resource_ids.get(&calendar) {
        Some(id) => id.clone(),
        None => {
            let id = alnum(&mut inner.rng, 27);
            inner
                .google
                .push
                .resource_ids
                .insert(calendar.clone(), id.clone());
            id
        }
    };
    let channel = ChannelRec {
        id: request.id.clone(),
        resource_id: resource_id.clone(),
        calendar: calendar.clone(),
        user,
        address: request.address,
        token: request.token.clone(),
        expiration: request.expiration,
        // The sync message is number 1 (reference §2.2).
        message_number: 1,
    };
    let root = shared.root_url().to_owned();
    let sync = message(&channel, &root, "sync");
    inner.google.push.used_ids.insert(request.id.clone());
    inner
        .google
        .push
        .channels
        .insert(request.id.clone(), channel);
    inner.google.push.pending.push(sync);
    // Queued before the answer is written, so the sync message may well arrive first, as
    // Google warns it can.
    shared.flush_google_push(inner);
    let mut answer = json!({
        "kind": "api#channel",
        "id": request.id,
        "resourceId": resource_id,
        "resourceUri": format!("{root}/calendar/v3/calendars/{calendar}/events?alt=json"),
        "expiration": request.expiration.as_millisecond().to_string(),
    });
    if let Some(token) = request.token {
        answer["token"] = json!(token);
    }
    json(StatusCode::OK, &answer)
}

/// `POST /calendar/v3/channels/stop {id, resourceId}`: 204; 404 unless the caller opened that
/// channel on that resource.
pub(crate) async fn stop(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Read) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return parse_error();
    };
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    let (id, resource_id) = (text("id"), text("resourceId"));
    let held = inner
        .google
        .push
        .channels
        .get(id)
        .is_some_and(|c| c.resource_id == resource_id && c.user == user);
    if !held {
        return error(
            StatusCode::NOT_FOUND,
            "global",
            "notFound",
            &format!("Channel '{id}' not found for project 'emulator'"),
        );
    }
    inner.google.push.channels.remove(id);
    no_content()
}

fn invalid_reason(reason: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "global", reason, message)
}

/// A `Channel` body, checked.
struct ChannelRequest {
    id: String,
    address: String,
    token: Option<String>,
    expiration: Timestamp,
}

impl ChannelRequest {
    fn parse(body: &Map<String, Value>, now: Timestamp, max_secs: u64) -> Result<Self, Response> {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let id = text("id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| required("Required channel id"))?;
        if id.len() > MAX_ID_LEN {
            return Err(invalid("Invalid channel id"));
        }
        match text("type").as_deref() {
            Some("web_hook" | "webhook") => {}
            Some(_) => return Err(invalid("Invalid channel type")),
            None => return Err(required("Required channel type")),
        }
        let address = text("address").ok_or_else(|| required("Required channel address"))?;
        check_address(&address)?;
        let token = text("token");
        if token.as_ref().is_some_and(|t| t.len() > MAX_TOKEN_LEN) {
            return Err(invalid("Invalid channel token"));
        }
        let max = now
            .saturating_add(SignedDuration::from_secs(
                i64::try_from(max_secs).unwrap_or(i64::MAX),
            ))
            .unwrap_or(Timestamp::MAX);
        let asked = match body.get("expiration") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let ms = value
                    .as_i64()
                    .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                    .ok_or_else(|| invalid("Invalid channel expiration"))?;
                Some(
                    Timestamp::from_millisecond(ms)
                        .map_err(|_| invalid("Invalid channel expiration"))?,
                )
            }
        };
        let ttl = body
            .get("params")
            .and_then(|p| p.get("ttl"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<i64>().ok());
        let asked = asked
            .or_else(|| ttl.and_then(|secs| now.checked_add(SignedDuration::from_secs(secs)).ok()))
            .unwrap_or_else(|| {
                now.saturating_add(SignedDuration::from_secs(DEFAULT_LIFETIME_SECS))
                    .unwrap_or(max)
            });
        if asked <= now {
            return Err(invalid("Invalid channel expiration"));
        }
        // The effective expiration is the earlier of the asked one and Google's limit.
        Ok(Self {
            id,
            address,
            token,
            expiration: asked.min(max),
        })
    }
}

/// Google delivers to HTTPS addresses only; the emulator also takes plain HTTP on loopback,
/// where receivers under test listen.
fn check_address(address: &str) -> Result<(), Response> {
    let url = url::Url::parse(address).map_err(|_| invalid("Invalid channel address"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        return Ok(());
    }
    Err(error(
        StatusCode::BAD_REQUEST,
        "global",
        "push.webhookUrlNotHttps",
        &format!("WebHook callback must be HTTPS: {address}"),
    ))
}
