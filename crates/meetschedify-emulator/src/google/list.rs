//! `events.list`: filters, ordering and paging.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::auth::{authorize, Access};
use super::calendar::{resolve_calendar, serve};
use super::errors::invalid;
use super::event::time_range;
use super::push::{sync_token, SyncCheck};
use crate::http::{json, parse_form, query_all, rfc3339_millis};
use crate::state::Shared;

const DEFAULT_MAX_RESULTS: usize = 250;
const MAX_MAX_RESULTS: usize = 2500;

/// Parameters Google refuses beside `syncToken` (reference §2.4).
const SYNC_FORBIDDEN: &[&str] = &[
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
];

/// Does an event match the list filters?
fn matches_filters(
    event: &Map<String, Value>,
    id: &str,
    query: &HashMap<String, String>,
    private: &[String],
    shared_props: &[String],
) -> bool {
    let prop_matches = |scope: &str, filters: &[String]| {
        filters.iter().all(|filter| {
            let (key, value) = filter.split_once('=').unwrap_or((filter, ""));
            event
                .get("extendedProperties")
                .and_then(|p| p.get(scope))
                .and_then(|p| p.get(key))
                .and_then(Value::as_str)
                == Some(value)
        })
    };
    if !prop_matches("private", private) || !prop_matches("shared", shared_props) {
        return false;
    }
    if let Some(uid) = query.get("iCalUID") {
        if *uid != format!("{id}@google.com") {
            return false;
        }
    }
    if let Some(q) = query.get("q") {
        let text = |k: &str| {
            event
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_lowercase()
        };
        let needle = q.to_lowercase();
        if !text("summary").contains(&needle) && !text("description").contains(&needle) {
            return false;
        }
    }
    if query.contains_key("timeMin") || query.contains_key("timeMax") {
        let Ok((start, end)) = time_range(event) else {
            return false;
        };
        let bound = |k: &str| query.get(k).and_then(|t| t.parse::<Timestamp>().ok());
        if bound("timeMin").is_some_and(|min| end <= min)
            || bound("timeMax").is_some_and(|max| start >= max)
        {
            return false;
        }
    }
    true
}

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(calendar_id): Path<String>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = parse_form(raw_query.as_deref().unwrap_or_default().as_bytes());
    let private = query_all(raw_query.as_deref(), "privateExtendedProperty");
    let shared_props = query_all(raw_query.as_deref(), "sharedExtendedProperty");
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Read) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let max_results = match query.get("maxResults").map(|m| m.parse::<usize>()) {
        None => DEFAULT_MAX_RESULTS,
        Some(Ok(n)) if n >= 1 => n.min(MAX_MAX_RESULTS),
        Some(_) => return invalid("Invalid value for: maxResults"),
    };
    let (offset, snapshot) = match query.get("pageToken") {
        None => (0, inner.google.push.change_seq),
        Some(token) => match decode_page_token(token) {
            Some(page) => page,
            None => return invalid("Invalid page token value."),
        },
    };
    // An incremental sync: only events changed since the token, deleted ones included
    // (reference §2.4).
    let since = match query.get("syncToken") {
        None => None,
        Some(token) => {
            if let Some(bad) = SYNC_FORBIDDEN.iter().find(|k| query.contains_key(**k)) {
                return invalid(&format!("{bad} is not allowed with syncToken"));
            }
            if query.get("showDeleted").map(String::as_str) == Some("false") {
                return invalid("showDeleted=false is not allowed with syncToken");
            }
            match SyncCheck::since(inner, token) {
                Ok(seq) => Some(seq),
                Err(response) => return response,
            }
        }
    };
    let show_deleted =
        since.is_some() || query.get("showDeleted").map(String::as_str) == Some("true");
    let calendar = resolve_calendar(&calendar_id, &user);
    let order_by = query.get("orderBy").map(String::as_str);
    let single_events = query.get("singleEvents").map(String::as_str) == Some("true");
    match order_by {
        None | Some("updated") => {}
        // Google only orders by start time once recurring events are expanded.
        Some("startTime") if single_events => {}
        Some("startTime") => {
            return invalid("The requested ordering is not available for the particular query.")
        }
        Some(other) => return invalid(&format!("Invalid value for: orderBy={other}")),
    }
    let mut ids: Vec<String> = inner
        .google
        .calendars
        .get(&calendar)
        .map(|c| {
            c.order
                .iter()
                .filter(|id| {
                    c.events.get(*id).is_some_and(|e| {
                        (show_deleted || e.status != "cancelled")
                            && since.is_none_or(|seq| e.changed > seq)
                            && matches_filters(&e.fields, id, &query, &private, &shared_props)
                    })
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if let Some(cal) = inner.google.calendars.get(&calendar) {
        // Stable sorts: events that tie keep their insertion order.
        match order_by {
            Some("startTime") => ids.sort_by_key(|id| {
                cal.events
                    .get(id)
                    .and_then(|e| time_range(&e.fields).ok())
                    .map(|(start, _)| start)
            }),
            Some("updated") => ids.sort_by_key(|id| cal.events.get(id).map(|e| e.updated)),
            _ => {}
        }
    }
    let items: Vec<Value> = ids
        .iter()
        .skip(offset)
        .take(max_results)
        .filter_map(|id| serve(inner, &calendar, id, false))
        .collect();
    let mut body = json!({
        "kind": "calendar#events",
        "etag": format!("\"{}\"", now.as_millisecond().unsigned_abs()),
        "summary": calendar,
        "updated": rfc3339_millis(now),
        "timeZone": "UTC",
        "accessRole": "owner",
        "defaultReminders": [],
        "items": items,
    });
    let next = offset + max_results;
    if next < ids.len() {
        body["nextPageToken"] =
            json!(URL_SAFE_NO_PAD.encode(format!("offset:{next}:seq:{snapshot}")));
    } else {
        // The change number when the first page was read: a change made while paging comes
        // back again in the next sync rather than being lost.
        body["nextSyncToken"] = json!(sync_token(snapshot));
    }
    json(StatusCode::OK, &body)
}

/// The offset and the change number of the first page a page token continues.
fn decode_page_token(token: &str) -> Option<(usize, u64)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (offset, seq) = raw.strip_prefix("offset:")?.split_once(":seq:")?;
    Some((offset.parse().ok()?, seq.parse().ok()?))
}
