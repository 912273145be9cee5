//! Create: `POST /users/{organizer}/onlineMeetings/createOrGet` (reference §2.3).

use std::sync::atomic::{AtomicBool, Ordering};

use meetschedify_core::{CreatedMeeting, Error, Result, ValidatedCreate};
use reqwest::Method;

use super::external_id::ExternalId;
use super::{body, mapping, Online};
use crate::api::Call;
use crate::errors::unexpected;

impl Online<'_> {
    /// Creates the meeting, or finds the one its `externalId` already made: Graph answers 201
    /// for a new meeting and 200 with the existing one as it is (its subject and times are not
    /// changed), like a Zoom create that finds its marker.
    pub(crate) async fn create(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let req = request.request();
        if !req.add_conference_link {
            // The meeting is the Teams link: there is nothing to make without one.
            return Err(Error::invalid_request(
                "add_conference_link",
                "a teams online meeting is its join link; use the calendar-events mode \
                 (MICROSOFT_TEAMS_MODE=events) for an event without one",
            ));
        }
        Self::refuse_notifications(req.notify_participants, req.participants().next().is_some())?;
        if req.description.is_some() {
            tracing::debug!("the description is not kept: an online meeting has no description");
        }
        let zone = request.time().timezone().to_owned();
        // Chosen once, before the first attempt: every retry sends the same id, so a create
        // whose answer was lost is found by the next attempt instead of made twice.
        let external_id = match &req.idempotency_key {
            Some(key) => ExternalId::derived(self.provider(), &req.tenant_id, key, &zone),
            None => ExternalId::random(self.provider(), &req.tenant_id, &zone),
        };
        let body = body::create_or_get(request, &external_id);
        let call = Call::new(
            Method::POST,
            "POST /users/{organizer}/onlineMeetings/createOrGet",
            format!("{}/createOrGet", self.meetings_path()),
        )
        .with_body(&body);
        let lost_answer = AtomicBool::new(false);
        let made = self
            .retrying(&call, &req.tenant_id, &lost_answer)
            .await
            .map_err(|e| crate::outcome::after_attempts(e, lost_answer.load(Ordering::SeqCst)))?;
        let meeting =
            made.ok_or_else(|| unexpected("an empty created online meeting", self.provider()))?;
        tracing::info!("teams online meeting created or found");
        mapping::to_created(meeting, Some(&zone), req.metadata.clone(), self.provider())
    }
}
