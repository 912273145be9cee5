//! Creating a meeting without ever creating two.
//!
//! A create whose outcome is unknown (timeout, connection lost after sending, 500/502/504, a
//! success body cut short) is not simply re-sent: the next attempt first looks among the host's
//! meetings around the start time for the create's marker (see `marker.rs` and `lookup.rs`). Found, that meeting is the
//! answer; not found, the create is sent again. A create with an idempotency key also looks
//! before its first attempt, so repeating a call with the same key returns the same meeting.
//! If the retry budget runs out after an ambiguous failure, one last look (tried again, a few
//! times at most, if it fails in a way worth retrying) decides between
//! returning the meeting and reporting that none was made; if that look fails too, the error
//! says the meeting may have been created, is never retryable and carries
//! `Error::outcome_unknown`. A lookup answer that is not a
//! list page, or more meetings around the start than the lookup reads, counts as a failed
//! lookup, never as "not found".

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{with_retry, ProviderId, RetryConfig};
use reqwest::Method;
use serde_json::Value;

use crate::api::{Budget, Call, ZoomApi};
use crate::errors::{gave_up, unexpected, Failure};
use crate::lookup::Lookup;
use crate::mapping::meeting_id;
use crate::marker::Marker;

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

/// The last look is tried at most this many times (fewer if the retry policy allows fewer
/// attempts): a lookup only reads, so repeating it is safe, and each failed one leaves the
/// caller not knowing whether a meeting exists. Only a retryable failure is tried again (not
/// "more meetings than the lookup reads", which reading again cannot change).
const FINAL_LOOKS: u32 = 3;

/// What a create needs.
pub(crate) struct Create<'a> {
    pub(crate) api: &'a ZoomApi,
    pub(crate) retry: &'a RetryConfig,
    /// One request's timeout: the last look's tries are bounded by a few of them.
    pub(crate) request_timeout: Duration,
    pub(crate) provider: &'a ProviderId,
    pub(crate) host: &'a str,
    pub(crate) body: &'a Value,
    /// `None` when the duplicate guard is off.
    pub(crate) marker: Option<&'a Marker>,
    /// Whether the marker comes from an idempotency key (look before the first POST).
    pub(crate) keyed: bool,
    /// The `topic` of `body`, as sent: the lookup's first filter on listed meetings.
    pub(crate) topic: &'a str,
    /// The instant `body`'s `start_time` names: the lookup reads the days around it only.
    pub(crate) start: Timestamp,
}

/// A created (or found) meeting.
#[derive(Debug)]
pub(crate) struct Made {
    /// Zoom's meeting JSON.
    pub(crate) meeting: Value,
    /// The rate-limit figures of the create's answer (none when an earlier attempt's meeting
    /// was found instead: a lookup spends no create).
    pub(crate) budget: Budget,
}

impl Create<'_> {
    /// Runs the create.
    ///
    /// A daily-limit 429 is not retried: [`rate_limited`](crate::errors::rate_limited) makes it
    /// non-retryable, so the loop stops at once and the caller (the host pool) can move on to
    /// another host.
    pub(crate) async fn run(&self) -> meetschedify_core::Result<Made> {
        let look_first = AtomicBool::new(self.marker.is_some() && self.keyed);
        let path = format!("/users/{}/meetings", self.host);
        let result = with_retry(self.retry, |attempt| {
            let look_first = &look_first;
            let path = path.clone();
            async move {
                if let (true, Some(marker)) = (look_first.load(Ordering::SeqCst), self.marker) {
                    if let Some(found) = self.find(marker, attempt).await.map_err(|f| f.error)? {
                        tracing::info!(attempt, "found the meeting an earlier attempt created; not sending again");
                        return Ok(Made { meeting: found, budget: Budget::default() });
                    }
                    look_first.store(false, Ordering::SeqCst);
                }
                let call = Call::new(Method::POST, "POST /users/{userId}/meetings", path)
                    .with_body(self.body);
                let failure = match self.api.call(&call, attempt).await {
                    Ok(reply) => match reply.body {
                        Some(json) if meeting_id(&json).is_some() => {
                            return Ok(Made { meeting: json, budget: reply.budget })
                        }
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
                    Err(failure
                        .error
                        .with_retryable(false)
                        .with_note("the meeting may have been created (the duplicate guard is off)")
                        .with_outcome_unknown(true))
                }
            }
        })
        .await;
        let err = match result {
            Ok(made) => return Ok(made),
            Err(err) => err,
        };
        let Some(marker) = self.marker.filter(|_| look_first.load(Ordering::SeqCst)) else {
            return Err(gave_up(err, self.retry, None));
        };
        let attempt = err.attempts().unwrap_or(self.retry.max_attempts) + 1;
        // Each look is a list page and a read, so two request timeouts per try bound it.
        let looks = self
            .retry
            .clone()
            .with_max_attempts(self.retry.max_attempts.clamp(1, FINAL_LOOKS))
            .with_deadline(self.request_timeout.saturating_mul(2 * FINAL_LOOKS));
        let last_look = with_retry(&looks, |n| async move {
            self.find(marker, attempt + n - 1)
                .await
                .map_err(|f| f.error)
        })
        .await;
        match last_look {
            Ok(Some(found)) => {
                tracing::info!("found the meeting after the last attempt; not an error");
                Ok(Made {
                    meeting: found,
                    budget: Budget::default(),
                })
            }
            Ok(None) => Err(gave_up(err, self.retry, Some(NOT_CREATED))),
            // The meeting may exist: `gave_up` makes the error non-retryable, so a caller that
            // re-sends on `is_retryable()` cannot make a second one.
            // The flag lets applications tell this apart without reading the message.
            Err(_) if self.keyed => {
                Err(gave_up(err, self.retry, Some(UNKNOWN_KEYED)).with_outcome_unknown(true))
            }
            Err(_) => Err(gave_up(err, self.retry, Some(UNKNOWN)).with_outcome_unknown(true)),
        }
    }

    /// Looks for the meeting `marker` tags (see `lookup.rs`).
    async fn find(&self, marker: &Marker, attempt: u32) -> Result<Option<Value>, Failure> {
        Lookup {
            api: self.api,
            provider: self.provider,
            host: self.host,
            marker,
            topic: self.topic,
            start: self.start,
        }
        .find(attempt)
        .await
    }
}
