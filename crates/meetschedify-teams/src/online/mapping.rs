//! Graph onlineMeetings to meetings: times in the create's zone, the join link, dial-in.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use meetschedify_core::{
    ConferenceLink, ConferenceLinkKind, CreatedMeeting, MeetingTime, Metadata, ProviderId, Result,
};
use serde_json::Value;

use crate::errors::unexpected;

/// The Teams join link of an online meeting: `joinWebUrl` (an onlineMeeting has no `joinUrl`;
/// that is the calendar event's field, reference §2.2).
pub(crate) fn join_web_url(meeting: &Value) -> Option<&str> {
    meeting
        .get("joinWebUrl")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
}

/// The meeting's `externalId`, when it has one.
pub(crate) fn external_id(meeting: &Value) -> Option<&str> {
    meeting.get("externalId").and_then(Value::as_str)
}

fn instant(meeting: &Value, key: &str, provider: &ProviderId) -> Result<Timestamp> {
    meeting
        .get(key)
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            unexpected(
                &format!("an online meeting without a valid {key}"),
                provider,
            )
        })
}

/// The meeting for a Graph onlineMeeting, its times given in `zone` (an IANA name; UTC when
/// unknown).
pub(crate) fn to_created(
    meeting: Value,
    zone: Option<&str>,
    metadata: Metadata,
    provider: &ProviderId,
) -> Result<CreatedMeeting> {
    let id = meeting
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| unexpected("an online meeting without an id", provider))?
        .to_owned();
    let tz = zone
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or(TimeZone::UTC);
    let start = instant(&meeting, "startDateTime", provider)?.to_zoned_datetime(tz.clone());
    let end = instant(&meeting, "endDateTime", provider)?.to_zoned_datetime(tz);
    let time = MeetingTime::from_zoned(&start, &end);
    let mut made = CreatedMeeting::new(provider.clone(), id, time).with_metadata(metadata);
    if let Some(subject) = meeting.get("subject").and_then(Value::as_str) {
        made = made.with_title(subject);
    }
    if let Some(link) = join_web_url(&meeting) {
        made = made
            .with_conference_link(link)
            .with_conference_links(links(&meeting, link));
    }
    Ok(made.with_raw(meeting))
}

/// The video link and, when the organizer has audio conferencing, the dial-in number with its
/// conference id.
fn links(meeting: &Value, join: &str) -> Vec<ConferenceLink> {
    let mut links = vec![ConferenceLink::new(ConferenceLinkKind::Video, join)];
    let audio = meeting.get("audioConferencing");
    let text = |key: &str| audio.and_then(|a| a.get(key)).and_then(Value::as_str);
    if let Some(number) = text("tollNumber").filter(|n| !n.is_empty()) {
        let tel: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        let mut phone = ConferenceLink::new(ConferenceLinkKind::Phone, format!("tel:{tel}"));
        // The schema says `conferenceId`; a documentation example spells it `ConferenceId`.
        if let Some(id) = text("conferenceId").or_else(|| text("ConferenceId")) {
            phone = phone.with_passcode(id);
        }
        links.push(phone);
    }
    links
}

#[cfg(test)]
mod tests {
    use meetschedify_core::MeetingStatus;
    use serde_json::json;

    use super::*;

    const P: ProviderId = ProviderId::MICROSOFT_TEAMS_APP;

    #[test]
    fn an_online_meeting_maps_to_a_meeting() {
        let meeting = json!({
            "id": "MSo0Yjc1MTg5Yi0qMCoqMTk6bWVldGluZ19P",
            "subject": "Interview",
            "startDateTime": "2030-06-15T04:30:00.0000000Z",
            "endDateTime": "2030-06-15T05:30:00.0000000Z",
            "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
            "audioConferencing": {"tollNumber": "+1 252 578", "ConferenceId": "24999"},
        });
        let m = to_created(meeting, Some("Asia/Kolkata"), Metadata::new(), &P).unwrap();
        assert_eq!(m.provider_event_id, "MSo0Yjc1MTg5Yi0qMCoqMTk6bWVldGluZ19P");
        assert_eq!(m.title.as_deref(), Some("Interview"));
        assert_eq!(m.time.start, "2030-06-15T10:00:00+05:30");
        assert_eq!(m.time.timezone, "Asia/Kolkata");
        assert_eq!(m.conference_links.len(), 2);
        assert_eq!(m.conference_links[1].uri, "tel:+1252578");
        assert_eq!(m.conference_links[1].passcode.as_deref(), Some("24999"));
        assert_eq!(m.status, MeetingStatus::Scheduled);
        assert_eq!(m.calendar_url, None);
    }

    #[test]
    fn unreadable_meetings_are_provider_errors() {
        let no_id =
            json!({"startDateTime": "2030-06-15T04:30:00Z", "endDateTime": "2030-06-15T05:30:00Z"});
        assert!(to_created(no_id, None, Metadata::new(), &P).is_err());
        let bad_time =
            json!({"id": "x", "startDateTime": "soon", "endDateTime": "2030-06-15T05:30:00Z"});
        assert!(to_created(bad_time, None, Metadata::new(), &P).is_err());
        let utc = json!({"id": "x", "startDateTime": "2030-06-15T04:30:00Z", "endDateTime": "2030-06-15T05:30:00Z"});
        let m = to_created(utc, None, Metadata::new(), &P).unwrap();
        assert_eq!(m.time.timezone, "UTC");
        assert_eq!(m.conference_link, None);
    }
}
