//! Outlook's per-mailbox concurrency limit: "4 concurrent requests" per app ID and mailbox
//! (reference §4.3). Off unless `Settings::microsoft_mailbox_concurrency` is set (the emulator's
//! choice: its handlers answer in microseconds, so the limit only bites when a test holds requests
//! open with latency faults). A request over the limit gets 429 `TooManyRequests` with
//! `Retry-After: 1` (§5.6: code name unconfirmed, use `TooManyRequests`; the delay is the emulator's
//! choice). The count spans the whole request, fault delays included.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::graph_error::RequestIds;
use super::store::Principal;
use crate::http::{bearer, with_header};
use crate::state::Shared;

/// Holds one in-flight slot until dropped (also when the client goes away mid-request).
#[derive(Debug)]
pub(crate) struct Slot {
    shared: Arc<Shared>,
    key: (String, String),
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        if let Some(count) = inner.microsoft.in_flight.get_mut(&self.key) {
            *count = count.saturating_sub(1);
        }
    }
}

/// Takes a slot for a Graph mailbox request, or answers 429; `Ok(None)` when nothing is counted
/// (limit off, not a mailbox path, unknown token: authentication answers that one).
pub(crate) fn enter(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    path: &str,
) -> Result<Option<Slot>, Response> {
    let Some(rest) = path.strip_prefix(super::GRAPH_PREFIX) else {
        return Ok(None);
    };
    let now = shared.clock.now();
    let mut inner = shared.lock();
    let Some(limit) = inner.settings.microsoft_mailbox_concurrency else {
        return Ok(None);
    };
    let Some(access) = bearer(headers)
        .and_then(|t| inner.microsoft.access.get(t))
        .cloned()
    else {
        return Ok(None);
    };
    let mailbox = if let Some(users) = rest.strip_prefix("/users/") {
        let key = users.split('/').next().unwrap_or_default();
        let key = url::form_urlencoded::parse(format!("k={key}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        inner
            .microsoft
            .user_in(&access.tenant_id, &key)
            .map(|u| u.id.clone())
    } else if rest.starts_with("/me/") {
        match &access.principal {
            Principal::User { user_id, .. } => Some(user_id.clone()),
            Principal::App { .. } => None,
        }
    } else {
        None
    };
    let Some(mailbox) = mailbox else {
        return Ok(None);
    };
    let key = (access.client_id.clone(), mailbox);
    let count = inner.microsoft.in_flight.entry(key.clone()).or_insert(0);
    if *count >= limit {
        let ids = RequestIds::new(&mut inner.rng, now, headers);
        let response = ids.error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Application is over its MailboxConcurrency limit.",
        );
        return Err(with_header(response, "retry-after", "1"));
    }
    *count += 1;
    Ok(Some(Slot {
        shared: shared.clone(),
        key,
    }))
}
