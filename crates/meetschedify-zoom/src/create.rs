//! Creating a meeting without ever creating two.
//!
//! A create whose outcome is unknown (timeout, connection lost after sending, 500/502/504, a
//! success body cut short) is not simply re-sent: the next attempt first lists the host's
//! meetings and looks for the create's marker (see `marker.rs`). Found, that meeting is the
//! answer; not found, the create is sent again. A create with an idempotency key also looks
//! before its first attempt, so repeating a call with the same key returns the same meeting.
//! If the retry budget runs out after an ambiguous failure, one last look decides between
//! returning the meeting and reporting that none was made; if that look fails too, the error
//! says the meeting may have been created and is never retryable. A lookup answer that is not a
//! list page counts as a failed lookup, never as "not found".

use std::sync::atomic::{AtomicBool, Ordering};

use meetschedify_core::{with_retry, ErrorCode, ProviderId, RetryConfig};
use reqwest::Method;
use serde_json::Value;

use crate::api::{Call, ZoomApi};
use crate::errors::{annotate, gave_up, unexpected, Failure};
use crate::mapping::meeting_id;
use crate::marker::Marker;

/// Zoom's largest page (`page_size` maximum 300).
const PAGE_SIZE: &str = "300";
/// A bound on the pages one lookup reads (90,000 meetings), so a misbehaving cursor cannot
/// loop forever.
const MAX_PAGES: usize = 300;

/// The guard's verdict when the last lookup found no marked meeting.
const NOT_CREATED: &str = "no meeting was created";
/// The guard's verdict when the last lookup failed too.
const UNKNOWN: &str = "whether a meeting was created is unknown: the meeting may have been \
                       created, so check before sending it again";
/// As [`UNKNOWN`], for a create whose idempotency key makes repeating it safe (the repeat
/// looks for the key's marker before sending).
const UNKNOWN_KEYED: &str = "whether a meeting was created is unknown: the meeting may have \
                             been created; repeating the call with the same idempotency key is \
                             safe";

/// What a create needs.
pub(crate) struct Create<'a> {
    pub(crate) api: &'a ZoomApi,
    pub(crate) retry: &'a RetryConfig,
    pub(crate) provider: &'a ProviderId,
    pub(crate) host: &'a str,
    pub(crate) body: &'a Value,
    /// `None` when the duplicate guard is off.
    pub(crate) marker: Option<&'a Marker>,
    /// Whether the marker comes from an idempotency key (look before the first POST).
    pub(crate) keyed: bool,
}

impl Create<'_> {
    /// Runs the create; the answer is Zoom's meeting JSON.
    pub(crate) async fn run(&self) -> meetschedify_core::Result<Value> {
        let look_first = AtomicBool::new(self.marker.is_some() && self.keyed);
        let path = format!("/users/{}/meetings", self.host);
        let result = with_retry(self.retry, |attempt| {
            let look_first = &look_first;
            let path = path.clone();
            async move {
                if let (true, Some(marker)) = (look_first.load(Ordering::SeqCst), self.marker) {
                    if let Some(found) = self.find(marker, attempt).await.map_err(|f| f.error)? {
                        tracing::info!(attempt, "found the meeting an earlier attempt created; not sending again");
                        return Ok(found);
                    }
                    look_first.store(false, Ordering::SeqCst);
                }
                let call = Call::new(Method::POST, "POST /users/{userId}/meetings", path)
                    .with_body(self.body);
                let failure = match self.api.call(&call, attempt).await {
                    Ok(reply) => match reply.body {
                        Some(json) if meeting_id(&json).is_some() => return Ok(json),
                        _ => Failure {
                            error: unexpected("a create answer without a meeting id", self.provider),
                            ambiguous: true,
                        },
                    },
                    Err(failure) => failure,
                };
                if !failure.ambiguous {
                    return Err(failure.error);
                }
                if self.marker.is_some() {
                    tracing::warn!(
                        attempt,
                        code = %failure.error.code(),
                        "create outcome unknown; the next attempt looks for its marker before sending again"
                    );
                    look_first.store(true, Ordering::SeqCst);
                    Err(failure.error.with_retryable(true))
                } else {
                    // Without a marker there is no way to tell, and re-sending could make a
                    // second meeting: hand the decision to the caller.
                    Err(annotate(
                        failure.error.with_retryable(false),
                        "the meeting may have been created (the duplicate guard is off)",
                    ))
                }
            }
        })
        .await;
        let err = match result {
            Ok(json) => return Ok(json),
            Err(err) => err,
        };
        let Some(marker) = self.marker.filter(|_| look_first.load(Ordering::SeqCst)) else {
            return Err(gave_up(err, self.retry, None));
        };
        let attempt = err.attempts().unwrap_or(self.retry.max_attempts) + 1;
        match self.find(marker, attempt).await {
            Ok(Some(found)) => {
                tracing::info!("found the meeting after the last attempt; not an error");
                Ok(found)
            }
            Ok(None) => Err(gave_up(err, self.retry, Some(NOT_CREATED))),
            // The meeting may exist: `gave_up` makes the error non-retryable, so a caller that
            // re-sends on `is_retryable()` cannot make a second one.
            Err(_) if self.keyed => Err(gave_up(err, self.retry, Some(UNKNOWN_KEYED))),
            Err(_) => Err(gave_up(err, self.retry, Some(UNKNOWN))),
        }
    }

    /// Looks through the host's unexpired meetings for `marker`; the full meeting if found.
    ///
    /// `type=scheduled` is "all valid previous (unexpired) meetings, live meetings, and upcoming
    /// scheduled meetings": unlike `upcoming`, it still finds a meeting whose start time has
    /// passed.
    async fn find(&self, marker: &Marker, attempt: u32) -> Result<Option<Value>, Failure> {
        let mut cursor: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut call = Call::new(
                Method::GET,
                "GET /users/{userId}/meetings",
                format!("/users/{}/meetings", self.host),
            )
            .with_query("type", "scheduled")
            .with_query("page_size", PAGE_SIZE);
            if let Some(token) = &cursor {
                call = call.with_query("next_page_token", token.clone());
            }
            let page = self.api.call(&call, attempt).await?.body;
            // Fail closed: an answer that is not a list page (empty, 204, `null`, `{}`, `[]`,
            // `{"meetings": 5}`) says nothing about whether the meeting exists, so it must not
            // read as "not found" (which would send the create again). Retrying the lookup is
            // safe; re-sending the create is not.
            let Some(listed) = page
                .as_ref()
                .and_then(|p| p.get("meetings"))
                .and_then(Value::as_array)
            else {
                return Err(unreadable_lookup(
                    "a meeting list that is not a page",
                    self.provider,
                ));
            };
            let hit = listed.iter().find(|m| {
                m.get("agenda")
                    .and_then(Value::as_str)
                    .is_some_and(|a| marker.is_in(a))
            });
            if let Some(id) = hit.and_then(meeting_id) {
                let get = Call::new(
                    Method::GET,
                    "GET /meetings/{meetingId}",
                    format!("/meetings/{id}"),
                );
                return match self.api.call(&get, attempt).await {
                    Ok(reply) => Ok(reply.body),
                    // Deleted since it was listed: as good as never created.
                    Err(f) if f.error.code() == ErrorCode::MeetingNotFound => Ok(None),
                    Err(f) => Err(f),
                };
            }
            cursor = page
                .as_ref()
                .and_then(|p| p.get("next_page_token"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if cursor.is_none() {
                return Ok(None);
            }
        }
        // Pages left unread may hold the meeting: as unknown as an unreadable page.
        Err(unreadable_lookup(
            "more meeting list pages than the lookup reads",
            self.provider,
        ))
    }
}

/// A lookup answer that cannot tell whether the meeting exists: retryable (looking again is
/// safe) and ambiguous, never "not found".
fn unreadable_lookup(what: &str, provider: &ProviderId) -> Failure {
    Failure {
        error: unexpected(what, provider).with_retryable(true),
        ambiguous: true,
    }
}
