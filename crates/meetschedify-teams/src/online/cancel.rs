//! Cancel: `DELETE /users/{organizer}/onlineMeetings/{id}` (204, reference §2.4).

use std::sync::atomic::{AtomicBool, Ordering};

use meetschedify_core::{CancelOutcome, ErrorCode, MeetingContext, Result};
use reqwest::Method;

use super::{has_attendees, Online};
use crate::api::Call;
use crate::path::check_event_id;

impl Online<'_> {
    /// Deletes the meeting; attendees are not told (Graph sends nothing). A meeting already
    /// gone, or not the caller's to see, is `AlreadyCancelled`, unless an earlier attempt
    /// whose answer was lost is what deleted it.
    pub(crate) async fn cancel(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        let id = check_event_id(meeting_id)?;
        // Read first: ownership, and the `AlreadyCancelled` a repeated cancel must give.
        let owned = match self.owned(id, &ctx.tenant_id).await {
            Ok(owned) => owned,
            Err(e) if e.code() == ErrorCode::MeetingNotFound => {
                return Ok(CancelOutcome::AlreadyCancelled)
            }
            Err(e) => return Err(e),
        };
        Self::refuse_notifications(ctx.notify_participants, has_attendees(&owned.meeting))?;
        let call = Call::new(
            Method::DELETE,
            "DELETE /users/{organizer}/onlineMeetings/{id}",
            self.meeting_path(id),
        );
        let lost_answer = AtomicBool::new(false);
        let outcome = match self.retrying(&call, &ctx.tenant_id, &lost_answer).await {
            Ok(_) => CancelOutcome::Cancelled,
            Err(e) if e.code() == ErrorCode::MeetingNotFound => {
                if lost_answer.load(Ordering::SeqCst) {
                    CancelOutcome::Cancelled
                } else {
                    CancelOutcome::AlreadyCancelled
                }
            }
            Err(e) => return Err(e),
        };
        tracing::info!(outcome = ?outcome, "teams online meeting deleted");
        Ok(outcome)
    }
}
