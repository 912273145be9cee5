//! The last word on a create whose answers were lost.
//!
//! An insert carries its event id (derived from the idempotency key, or drawn fresh per call),
//! so a retry that meets 409 `duplicate` finds the event an earlier attempt made. When the
//! retry budget runs out instead, and some attempt may have taken effect (a 5xx, a timeout, a
//! reset after sending, a body that does not decode), the event may exist although the caller
//! is about to get an error, with its attendees invited. So one bounded check reads the event
//! by its id:
//!
//! * found (not cancelled): the create succeeded; the event is returned, as on the 409 path;
//! * not found: the error says that no meeting was created;
//! * the read fails too: the error says the outcome is unknown, carries the event id
//!   ([`Error::meeting_id`]) and the flag ([`Error::outcome_unknown`]), and says whether
//!   repeating the call is safe: with an idempotency key it is (the repeat derives the same id
//!   and meets 409), without one it is not (a new call draws a new id), so it is then never
//!   retryable.
//!
//! The wording is the Zoom crate's (`create.rs`), so both providers say the same things.

use std::sync::atomic::{AtomicU32, Ordering};

use google_calendar3::common;
use meetschedify_core::{Error, ErrorCode, Operation, TenantId};

use super::client::{Answer, Calendar};
use super::errors::{self, Capture};
use crate::provider::CalendarTokens;

/// The verdict when the check found no event.
const NOT_CREATED: &str = "no meeting was created";

/// The check reads at most this many times: a read is safe to repeat, and each read that
/// fails leaves the caller not knowing whether a meeting exists. Its time is bounded too: as
/// many request timeouts, so a long `Retry-After` ends the check instead of stretching it.
const FINAL_READS: u32 = 3;

/// Counts the insert requests one create sent, and those that certainly changed nothing.
///
/// A request whose future was dropped (the per-request timeout) is sent but never cleared:
/// Google may have processed it.
#[derive(Debug, Default)]
pub(crate) struct InsertLog {
    sent: AtomicU32,
    clear: AtomicU32,
}

impl InsertLog {
    /// An insert request is about to go out.
    pub(crate) fn sent(&self) {
        self.sent.fetch_add(1, Ordering::SeqCst);
    }

    /// An insert request ended with `result`.
    pub(crate) fn finished<T>(&self, result: &common::Result<T>, capture: &Capture) {
        if let Err(e) = result {
            if errors::certainly_not_applied(e, capture) {
                self.clear.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// Whether some insert may have made the event although none said so.
    pub(crate) fn maybe_applied(&self) -> bool {
        self.sent.load(Ordering::SeqCst) > self.clear.load(Ordering::SeqCst)
    }
}

/// What the final check saw.
pub(crate) enum Check {
    /// The event exists: the create succeeded. Boxed: an event is large, and the other
    /// variants are small.
    Found(Box<Answer>),
    /// No such event (404, 410, or cancelled).
    Absent,
    /// The read failed too.
    Failed(Error),
}

impl Calendar {
    /// Reads the event `event_id` (a path segment) once, with at most [`FINAL_READS`] tries.
    pub(crate) async fn final_check<T: CalendarTokens>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        event_id: &str,
    ) -> Check {
        let timeout = self.options().request_timeout;
        let retry = self
            .options()
            .retry
            .clone()
            .with_max_attempts(self.options().retry.max_attempts.clamp(1, FINAL_READS))
            .with_deadline(timeout.saturating_mul(FINAL_READS));
        let read = self
            .fetch_with(&retry, tokens, tenant, event_id, Operation::CreateMeeting)
            .await;
        match read {
            Ok(answer) => match answer.event() {
                Ok(event) if event.status.as_deref() == Some("cancelled") => Check::Absent,
                Ok(_) => Check::Found(Box::new(answer)),
                Err(e) => Check::Failed(e),
            },
            Err(e) if e.code() == ErrorCode::MeetingNotFound || errors::is_deleted(&e) => {
                Check::Absent
            }
            Err(e) => Check::Failed(e),
        }
    }
}

/// The insert's last error, after a check that found no event.
pub(crate) fn not_created(err: Error) -> Error {
    err.with_note(NOT_CREATED).with_outcome_unknown(false)
}

/// The insert's last error, after a check that could not read the event either.
pub(crate) fn unknown(err: Error, event_id: &str, keyed: bool) -> Error {
    let note = if keyed {
        format!(
            "whether a meeting was created is unknown: the event may exist with id {event_id}; \
             repeating the call with the same idempotency key is safe"
        )
    } else {
        format!(
            "whether a meeting was created is unknown: the event may exist with id {event_id}, \
             so check before sending it again; repeating the call is not safe: without an \
             idempotency key a new call draws a new event id"
        )
    };
    let err = err
        .with_note(&note)
        .with_meeting_id(event_id)
        .with_outcome_unknown(true);
    // With a key a repeat meets 409 on the same id, so it cannot make a second meeting; the
    // last error says whether it may succeed. Without one it could.
    let retryable = keyed && err.is_retryable();
    err.with_retryable(retryable)
}

/// A read after the event was certainly made (a 409 `duplicate`, a conference poll) failed:
/// the meeting exists, so the error names it, and a repeat without a key would make another.
pub(crate) fn created_but_unread(err: Error, event_id: &str, keyed: bool) -> Error {
    let note = if keyed {
        format!(
            "the event was created with id {event_id} but could not be read back; repeating \
             the call with the same idempotency key is safe"
        )
    } else {
        format!(
            "the event was created with id {event_id} but could not be read back; get it by \
             this id rather than creating it again"
        )
    };
    let err = err.with_note(&note).with_meeting_id(event_id);
    let retryable = keyed && err.is_retryable();
    err.with_retryable(retryable)
}
