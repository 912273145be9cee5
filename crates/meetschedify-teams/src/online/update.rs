//! Update: `PATCH /users/{organizer}/onlineMeetings/{id}` (reference §2.4).

use std::sync::atomic::AtomicBool;

use meetschedify_core::{MeetingContext, Result, UpdatedMeeting, ValidatedUpdate};
use reqwest::Method;
use serde_json::Value;

use super::{body, has_attendees, mapping, Online};
use crate::api::Call;
use crate::path::check_event_id;

impl Online<'_> {
    /// Changes the subject, the times and the attendees. The meeting keeps its id and Graph
    /// keeps its join link; `conference_link_changed` compares the links before and after all
    /// the same, so it stays true to what Graph answered.
    pub(crate) async fn update(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let id = check_event_id(meeting_id)?;
        let req = update.request();
        // Read and checked before anything is sent: another tenant's meeting is never patched.
        let owned = self.owned(id, &ctx.tenant_id).await?;
        let participants = req.participants.as_ref().map(|p| !p.is_empty());
        Self::refuse_notifications(
            ctx.notify_participants,
            participants.unwrap_or_else(|| has_attendees(&owned.meeting)),
        )?;
        if req.description.is_some() || req.metadata.is_some() {
            tracing::debug!("the description and metadata are not kept on an online meeting");
        }
        let patch = body::patch(update);
        let after = if patch.is_empty() {
            owned.meeting.clone()
        } else {
            let body = Value::Object(patch);
            let call = Call::new(
                Method::PATCH,
                "PATCH /users/{organizer}/onlineMeetings/{id}",
                self.meeting_path(id),
            )
            .with_body(&body);
            // Setting fields to values is idempotent: a PATCH whose answer was lost is sent again.
            match self
                .retrying(&call, &ctx.tenant_id, &AtomicBool::new(false))
                .await?
            {
                Some(after) if after.get("id").is_some() => after,
                // 200 with the meeting is documented; older descriptions said 204 (§6).
                _ => self.read(id, &ctx.tenant_id).await?,
            }
        };
        let changed = mapping::join_web_url(&owned.meeting) != mapping::join_web_url(&after);
        // Times in the update's zone when it moved the meeting; reads later give the create's
        // zone (the externalId holding it cannot change), at the same instants.
        let zone = update
            .time()
            .map(|t| t.timezone().to_owned())
            .or_else(|| owned.zone().map(str::to_owned));
        let metadata = req.metadata.clone().unwrap_or_default();
        let meeting = mapping::to_created(after, zone.as_deref(), metadata, self.provider())?;
        tracing::info!(link_changed = changed, "teams online meeting updated");
        Ok(UpdatedMeeting::new(meeting, changed))
    }
}
