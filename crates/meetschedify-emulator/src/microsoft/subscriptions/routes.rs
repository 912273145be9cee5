//! `POST /subscriptions`, `PATCH` and `DELETE /subscriptions/{id}`, `POST
//! /subscriptions/{id}/reauthorize` (reference `webhooks.md` §3.1, §3.2, §3.6).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

use super::handshake::validate;
use super::notify::graph_time;
use super::state::SubscriptionRec;
use crate::http::json;
use crate::ids::guid;
use crate::microsoft::graph::{begin, json_body, Call};
use crate::microsoft::graph_auth::EVENTS_READ;
use crate::microsoft::graph_error::RequestIds;
use crate::microsoft::store::Principal;
use crate::state::Shared;

type Shr = State<Arc<Shared>>;

/// The 403 code for a subscription the caller may not make (the emulator's choice).
const DENIED: &str = "ExtensionError";

/// Graph's longest lifetime for Outlook event subscriptions, in minutes (§3.1).
const MAX_LIFETIME_MINUTES: i64 = 4230;

/// `clientState` is at most 128 characters (§3.1).
const MAX_CLIENT_STATE: usize = 128;

fn render(rec: &SubscriptionRec) -> Value {
    json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
        "id": rec.id,
        "resource": rec.resource,
        "applicationId": rec.client_id,
        "changeType": rec.change_types.join(","),
        "clientState": rec.client_state,
        "notificationUrl": rec.notification_url,
        "lifecycleNotificationUrl": rec.lifecycle_url,
        "expirationDateTime": graph_time(rec.expires_at),
        "creatorId": rec.creator_id,
        "latestSupportedTlsVersion": rec.tls,
        "includeResourceData": false,
        "notificationContentType": null,
    })
}

/// The mailbox of an events resource: `Some(None)` for `me/events`, `Some(Some(user))` for
/// `users/{user}/events`, `None` for anything else (not emulated).
fn events_mailbox(resource: &str) -> Option<Option<&str>> {
    let path = resource.trim_start_matches('/');
    if path.eq_ignore_ascii_case("me/events") {
        return Some(None);
    }
    let rest = path.strip_prefix("users/")?;
    let user = rest.strip_suffix("/events")?;
    (!user.is_empty() && !user.contains('/')).then_some(Some(user))
}

/// A valid expiry: in the future and within the maximum lifetime, else the 400 to answer.
fn expiry(ids: &RequestIds, body: &Value, now: Timestamp) -> Result<Timestamp, Response> {
    let at = body
        .get("expirationDateTime")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Timestamp>().ok())
        .ok_or_else(|| {
            ids.bad_body("expirationDateTime is required and must be a UTC date-time.")
        })?;
    let latest = now
        .checked_add(SignedDuration::from_mins(MAX_LIFETIME_MINUTES))
        .unwrap_or(now);
    if at <= now {
        return Err(ids.bad_body("Subscription expiration can only be in the future."));
    }
    if at > latest {
        return Err(ids.bad_body(&format!(
            "Subscription expiration can only be {MAX_LIFETIME_MINUTES} minutes in the future."
        )));
    }
    Ok(at)
}

fn is_web_url(url: &str) -> bool {
    // Graph requires HTTPS; the emulator also accepts plain HTTP, as test endpoints listen
    // on loopback without TLS (its choice).
    url.starts_with("https://") || url.starts_with("http://")
}

/// What a create request asks for, checked before the handshake.
struct Wanted {
    rec: SubscriptionRec,
}

fn parse_create(
    shared: &Shared,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Wanted, RequestIds), Response> {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let ids = RequestIds::new(&mut inner.rng, now, headers);
    let body = json_body(&ids, body)?;
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let resource = text("resource").ok_or_else(|| ids.bad_body("resource is required."))?;
    let mailbox = events_mailbox(&resource).ok_or_else(|| {
        ids.bad_body("Only calendar events (me/events, users/{id}/events) are emulated.")
    })?;
    let Call { caller, user, .. } = begin(inner, headers, now, mailbox, EVENTS_READ, DENIED)?;
    let change_types: Vec<String> = text("changeType")
        .unwrap_or_default()
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    if change_types.is_empty()
        || change_types
            .iter()
            .any(|c| !matches!(c.as_str(), "created" | "updated" | "deleted"))
    {
        return Err(ids.bad_body(
            "changeType must be a comma-separated subset of created, updated, deleted.",
        ));
    }
    let notification_url = text("notificationUrl")
        .filter(|u| is_web_url(u))
        .ok_or_else(|| ids.bad_body("notificationUrl must be an https URL."))?;
    let lifecycle_url = match text("lifecycleNotificationUrl") {
        Some(u) if !is_web_url(&u) => {
            return Err(ids.bad_body("lifecycleNotificationUrl must be an https URL."))
        }
        other => other,
    };
    let client_state = text("clientState");
    if client_state
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_CLIENT_STATE)
    {
        return Err(ids.bad_body("clientState must be at most 128 characters."));
    }
    let expires_at = expiry(&ids, &body, now)?;
    let creator_id = match &caller.principal {
        Principal::App { .. } => caller.client_id.clone(),
        _ => user.id.clone(),
    };
    let rec = SubscriptionRec {
        id: guid(&mut inner.rng),
        client_id: caller.client_id.clone(),
        creator_id,
        tenant_id: user.tenant_id.clone(),
        user_id: user.id.clone(),
        resource,
        change_types,
        notification_url,
        lifecycle_url,
        client_state,
        expires_at,
        tls: text("latestSupportedTlsVersion").unwrap_or_else(|| "v1_2".to_owned()),
    };
    Ok((Wanted { rec }, ids))
}

/// `POST /subscriptions`: 201 once both URLs answered the validation handshake, 400 when
/// either did not (§3.2).
pub(crate) async fn create(State(shared): Shr, headers: HeaderMap, body: Bytes) -> Response {
    let (Wanted { rec }, ids) = match parse_create(&shared, &headers, &body) {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    // Outside the lock: the endpoint may be slow, and it may call the emulator meanwhile.
    let token = format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        guid(&mut shared.lock().rng)
    );
    let urls = std::iter::once(&rec.notification_url).chain(rec.lifecycle_url.as_ref());
    for url in urls {
        if let Err(reason) = validate(url, &token).await {
            return ids.bad_body(&format!("Subscription validation request failed. {reason}"));
        }
    }
    let value = render(&rec);
    shared
        .lock()
        .microsoft
        .subscriptions
        .subscriptions
        .insert(rec.id.clone(), rec);
    ids.stamp(json(StatusCode::CREATED, &value))
}

/// The caller and the caller's own subscription `id`, or the 401/404 to answer.
fn owned(
    shared: &Shared,
    headers: &HeaderMap,
    id: &str,
) -> Result<(RequestIds, SubscriptionRec), Response> {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let ids = RequestIds::new(&mut inner.rng, now, headers);
    let caller = crate::microsoft::graph_auth::authenticate(inner, headers, &ids)?;
    let subs = &mut inner.microsoft.subscriptions.subscriptions;
    subs.retain(|_, s| s.expires_at > now);
    match subs.get(id) {
        Some(rec) if rec.client_id == caller.client_id => Ok((ids, rec.clone())),
        _ => Err(ids.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("The object '{id}' doesn't exist."),
        )),
    }
}

/// `PATCH /subscriptions/{id}` `{"expirationDateTime": ...}`: 200 with the subscription.
pub(crate) async fn patch(
    State(shared): Shr,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (ids, mut rec) = match owned(&shared, &headers, &id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let body = match json_body(&ids, &body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    rec.expires_at = match expiry(&ids, &body, shared.clock.now()) {
        Ok(at) => at,
        Err(response) => return response,
    };
    let value = render(&rec);
    shared
        .lock()
        .microsoft
        .subscriptions
        .subscriptions
        .insert(id, rec);
    ids.stamp(json(StatusCode::OK, &value))
}

/// `DELETE /subscriptions/{id}`: 204.
pub(crate) async fn delete(
    State(shared): Shr,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (ids, _) = match owned(&shared, &headers, &id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    shared
        .lock()
        .microsoft
        .subscriptions
        .subscriptions
        .remove(&id);
    ids.stamp(no_content())
}

/// `POST /subscriptions/{id}/reauthorize`: 204, nothing else changes.
pub(crate) async fn reauthorize(
    State(shared): Shr,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match owned(&shared, &headers, &id) {
        Ok((ids, _)) => ids.stamp(no_content()),
        Err(response) => response,
    }
}

fn no_content() -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

#[cfg(test)]
mod tests {
    use super::events_mailbox;

    #[test]
    fn only_event_resources_are_emulated() {
        assert_eq!(events_mailbox("me/events"), Some(None));
        assert_eq!(
            events_mailbox("/users/adele@x/events"),
            Some(Some("adele@x"))
        );
        assert_eq!(events_mailbox("users/a/messages"), None);
        assert_eq!(events_mailbox("users//events"), None);
    }
}
