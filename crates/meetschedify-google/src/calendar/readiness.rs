//! Waiting for Google to finish a Meet conference.
//!
//! Google generates conference data asynchronously: the insert answer often shows
//! `conferenceData.createRequest.status.statusCode` as `pending` and no entry points yet
//! (<https://developers.google.com/calendar/api/v3/reference/events#conferenceData.createRequest.status.statusCode>).
//! A create never reports success without a join URL: it polls `events.get` with backoff until
//! the status is `success` or the configured bound passes, then fails with
//! `CONFERENCE_PENDING`, carrying the event id, unless the caller opted in to a meeting without
//! a link. It never sends a second insert with a new `requestId` because of `pending`.
//!
//! The insert answer is read first: a conference already `success` there costs no poll, and
//! the first poll after a `pending` one goes out at once.

use std::time::Duration;

use meetschedify_core::{Error, ErrorCode, Operation, ProviderErrorDetails, Result, TenantId};
use serde_json::json;

use super::client::{Answer, Calendar};
use super::final_check;
use super::mapping;
use super::path;
use crate::provider::CalendarTokens;

/// The longest pause between two polls.
const MAX_POLL_PAUSE: Duration = Duration::from_secs(2);

impl Calendar {
    /// Polls until the conference is ready. `retryable` says whether repeating the create is
    /// safe (it had a caller's idempotency key), which is what `CONFERENCE_PENDING` reports.
    pub(crate) async fn await_conference<T: CalendarTokens>(
        &self,
        tokens: &T,
        tenant: &TenantId,
        mut answer: Answer,
        allow_pending: bool,
        retryable: bool,
    ) -> Result<Answer> {
        let started = tokio::time::Instant::now();
        let wait = self.options().conference_wait;
        let mut pause = Duration::ZERO;
        let mut polls = 0u32;
        loop {
            let event = answer.event()?;
            let id = event.id.clone().unwrap_or_default();
            let cancelled = event.status.as_deref() == Some("cancelled");
            match mapping::conference_status(event) {
                Some("pending") if !cancelled => {}
                Some("failure") => {
                    return Err(Error::new(
                        ErrorCode::GoogleCalendarError,
                        format!(
                            "google could not create a meet conference for event `{id}` \
                             (status failure); cancel it or add a link by hand"
                        ),
                    )
                    .with_retryable(false)
                    .with_provider(self.provider_id().clone())
                    .with_operation(Operation::CreateMeeting)
                    .with_details(event_details(&id)));
                }
                _ if cancelled || mapping::video_link(event).is_some() => {
                    if polls > 0 {
                        tracing::info!(
                            polls,
                            event_id = %id,
                            "meet conference ready"
                        );
                    }
                    return Ok(answer);
                }
                _ => {
                    return Err(Error::new(
                        ErrorCode::GoogleCalendarError,
                        format!("google created event `{id}` without a meet link"),
                    )
                    .with_retryable(false)
                    .with_provider(self.provider_id().clone())
                    .with_operation(Operation::CreateMeeting)
                    .with_details(event_details(&id)));
                }
            }
            if started.elapsed().saturating_add(pause) > wait {
                return self.still_pending(answer, &id, allow_pending, retryable);
            }
            pause_before_poll(pause).await;
            pause = if pause.is_zero() {
                self.options().conference_poll_interval
            } else {
                pause.saturating_mul(2).min(MAX_POLL_PAUSE)
            };
            polls += 1;
            let segment = path::segment(&id, "event_id")?;
            // The event exists: a failed poll must say so, or the caller has an orphan.
            answer = self
                .fetch(tokens, tenant, &segment, Operation::CreateMeeting)
                .await
                .map_err(|e| final_check::created_but_unread(e, &id, retryable))?;
        }
    }

    fn still_pending(
        &self,
        answer: Answer,
        id: &str,
        allow_pending: bool,
        retryable: bool,
    ) -> Result<Answer> {
        let wait = self.options().conference_wait;
        if allow_pending {
            tracing::warn!(
                event_id = %id,
                "meet conference still pending; returning the meeting without a link as asked"
            );
            return Ok(answer);
        }
        let hint = if retryable {
            "create again with the same idempotency key, or get the meeting later"
        } else {
            "get the meeting later by this id"
        };
        Err(Error::new(
            ErrorCode::ConferencePending,
            format!(
                "the meet conference for event `{id}` is still pending after {} ms; {hint}",
                wait.as_millis()
            ),
        )
        .with_retryable(retryable)
        .with_provider(self.provider_id().clone())
        .with_operation(Operation::CreateMeeting)
        .with_meeting_id(id)
        .with_details(event_details(id)))
    }
}

/// Waits `pause` before the next poll. No pause means no wait at all: a zero
/// `tokio::time::sleep` still parks the task until the timer's next 1 ms tick, which made every
/// create on a `pending` insert take at least a millisecond (`docs/performance.md`).
async fn pause_before_poll(pause: Duration) {
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
}

/// The event id in the error's details, so callers can find the meeting without parsing the
/// message.
fn event_details(id: &str) -> ProviderErrorDetails {
    ProviderErrorDetails::Other {
        details: json!({ "event_id": id }),
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    #[tokio::test]
    async fn no_pause_is_ready_without_the_timer() {
        let mut cx = Context::from_waker(Waker::noop());
        // Polled once, never awaited: a zero pause must not wait for a timer tick.
        let mut none = pin!(pause_before_poll(Duration::ZERO));
        assert_eq!(none.as_mut().poll(&mut cx), Poll::Ready(()));
        // A real pause still waits (its deadline is in the future on the first poll).
        let mut some = pin!(pause_before_poll(Duration::from_millis(50)));
        assert_eq!(some.as_mut().poll(&mut cx), Poll::Pending);
    }
}
