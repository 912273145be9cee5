//! The JSON sent to Graph's `onlineMeetings`: the `createOrGet` of a create and the PATCH of an
//! update (reference §2.3, §2.4).
//!
//! Times are instants in UTC (`2030-06-15T04:30:00Z`): `startDateTime` and `endDateTime` are
//! date-times with an offset, and core has already resolved the request's local times in its
//! IANA zone (DST gaps and folds decided explicitly), so the instants are exact whatever the
//! zone. Attendees are `meetingParticipantInfo`s: Graph resolves a user by `upn` (an
//! attendee's `identity.user.id` would be an Entra object id, which a caller does not have).

use jiff::Timestamp;
use meetschedify_core::{MeetingParticipant, ValidatedCreate, ValidatedUpdate};
use serde_json::{json, Map, Value};

use crate::online::external_id::ExternalId;

/// An instant as Graph's `DateTimeOffset`, in UTC.
pub(crate) fn utc(at: Timestamp) -> Value {
    json!(at.to_string())
}

fn attendee(p: &MeetingParticipant) -> Value {
    let mut info = json!({ "upn": p.email, "role": "attendee" });
    if let Some(name) = &p.display_name {
        info["identity"] = json!({ "user": { "displayName": name } });
    }
    info
}

fn participants<'a>(people: impl Iterator<Item = &'a MeetingParticipant>) -> Value {
    json!({ "attendees": people.map(attendee).collect::<Vec<_>>() })
}

/// The `createOrGet` body of a create.
pub(crate) fn create_or_get(request: &ValidatedCreate, external_id: &ExternalId) -> Value {
    let time = request.time();
    let mut body = json!({
        "externalId": external_id.to_string(),
        "subject": request.title(),
        "startDateTime": utc(time.start_utc()),
        "endDateTime": utc(time.end_utc()),
    });
    let mut people = request.request().participants().peekable();
    if people.peek().is_some() {
        body["participants"] = participants(people);
    }
    body
}

/// The PATCH of an update (empty when nothing Graph keeps changes). Both times are sent
/// together, as Graph asks; a participant list replaces the attendees, as Graph asks for the
/// full list.
pub(crate) fn patch(update: &ValidatedUpdate) -> Map<String, Value> {
    let req = update.request();
    let mut body = Map::new();
    if let Some(title) = &req.title {
        body.insert("subject".into(), json!(title.trim()));
    }
    if let Some(time) = update.time() {
        body.insert("startDateTime".into(), utc(time.start_utc()));
        body.insert("endDateTime".into(), utc(time.end_utc()));
    }
    if let Some(people) = &req.participants {
        body.insert("participants".into(), participants(people.iter()));
    }
    body
}

#[cfg(test)]
mod tests {
    use meetschedify_core::{
        CreateMeetingRequest, MeetingTime, ProviderId, RequestLimits, UpdateMeetingRequest,
    };

    use super::*;

    #[test]
    fn a_create_is_sent_in_utc_with_upn_attendees() {
        let request = CreateMeetingRequest::new(
            "acme",
            ProviderId::MICROSOFT_TEAMS_APP,
            "Interview",
            // The evening before Berlin springs forward: UTC+1.
            MeetingTime::new("2030-03-30T23:30:00", "2030-03-31T03:30:00")
                .with_timezone("Europe/Berlin"),
        )
        .with_primary_participant(
            MeetingParticipant::new("ada@example.com").with_display_name("Ada"),
        )
        .with_participant(MeetingParticipant::new("bob@example.com"));
        let validated = ValidatedCreate::new(request, &RequestLimits::DEFAULT).unwrap();
        let id = ExternalId::derived(
            &ProviderId::MICROSOFT_TEAMS_APP,
            &"acme".into(),
            "k",
            "Europe/Berlin",
        );
        let body = create_or_get(&validated, &id);
        assert_eq!(body["externalId"], id.to_string());
        assert_eq!(body["subject"], "Interview");
        assert_eq!(body["startDateTime"], "2030-03-30T22:30:00Z");
        // 23:30 + 1 h, then 02:00 to 03:00 does not exist: three hours, not four.
        assert_eq!(body["endDateTime"], "2030-03-31T01:30:00Z");
        assert_eq!(
            body["participants"]["attendees"],
            json!([
                {"upn": "ada@example.com", "role": "attendee", "identity": {"user": {"displayName": "Ada"}}},
                {"upn": "bob@example.com", "role": "attendee"},
            ])
        );
    }

    #[test]
    fn a_patch_has_only_what_changes() {
        let update = |u: UpdateMeetingRequest| {
            patch(&ValidatedUpdate::new(u, &RequestLimits::DEFAULT).unwrap())
        };
        assert!(update(UpdateMeetingRequest::new().with_description("x")).is_empty());
        let moved = update(
            UpdateMeetingRequest::new()
                .with_title(" Moved ")
                .with_time(MeetingTime::new(
                    "2030-06-16T09:00:00",
                    "2030-06-16T10:00:00",
                ))
                .with_participants(vec![]),
        );
        assert_eq!(moved["subject"], "Moved");
        assert_eq!(moved["startDateTime"], "2030-06-16T09:00:00Z");
        assert_eq!(moved["endDateTime"], "2030-06-16T10:00:00Z");
        assert_eq!(moved["participants"], json!({"attendees": []}));
    }
}
