//! Graph events to meetings: times back in the meeting's zone, the join link, the stamp.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use meetschedify_core::{
    ConferenceLink, ConferenceLinkKind, CreatedMeeting, Error, MeetingStatus, MeetingTime,
    Metadata, ProviderId, Result,
};
use serde_json::Value;

use crate::errors::unexpected;
use crate::mailbox::Mailbox;

/// The Teams join link of an event: `onlineMeeting.joinUrl` (never the deprecated
/// `onlineMeetingUrl`, which is null for Teams).
pub(crate) fn join_url(event: &Value) -> Option<&str> {
    event
        .get("onlineMeeting")
        .and_then(|m| m.get("joinUrl"))
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
}

/// The instant of a `dateTimeTimeZone`. Answers are asked for in UTC; an IANA zone is read as
/// well, in case a proxy or the mailbox ignored the `Prefer` header.
pub(crate) fn instant(value: Option<&Value>, provider: &ProviderId) -> Result<Timestamp> {
    let bad = || unexpected("an event time that is not a dateTimeTimeZone", provider);
    let value = value.ok_or_else(bad)?;
    let text = value
        .get("dateTime")
        .and_then(Value::as_str)
        .ok_or_else(bad)?;
    let zone = value
        .get("timeZone")
        .and_then(Value::as_str)
        .unwrap_or("UTC");
    // Graph writes seven fractional digits (`2019-11-20T13:00:00.0000000`); jiff reads nine.
    let civil: DateTime = text.trim_end_matches('Z').parse().map_err(|_| bad())?;
    let tz = if zone.eq_ignore_ascii_case("UTC") || zone.is_empty() {
        TimeZone::UTC
    } else {
        TimeZone::get(zone).map_err(|_| {
            unexpected(
                &format!("an event time in the zone `{zone}`, which is not UTC or IANA"),
                provider,
            )
        })?
    };
    Ok(civil.to_zoned_datetime(tz).map_err(|_| bad())?.timestamp())
}

/// The event's time in `zone` (an IANA name; UTC when unknown).
pub(crate) fn meeting_time(
    event: &Value,
    zone: Option<&str>,
    provider: &ProviderId,
) -> Result<MeetingTime> {
    let start = instant(event.get("start"), provider)?;
    let end = instant(event.get("end"), provider)?;
    let tz = zone
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or(TimeZone::UTC);
    Ok(MeetingTime::from_zoned(
        &start.to_zoned_datetime(tz.clone()),
        &end.to_zoned_datetime(tz),
    ))
}

/// The meeting for a Graph event.
pub(crate) fn to_created(
    event: Value,
    zone: Option<&str>,
    metadata: Metadata,
    provider: &ProviderId,
) -> Result<CreatedMeeting> {
    let id = event
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| unexpected("an event without an id", provider))?
        .to_owned();
    let time = meeting_time(&event, zone, provider)?;
    let mut meeting = CreatedMeeting::new(provider.clone(), id, time).with_metadata(metadata);
    if let Some(subject) = event.get("subject").and_then(Value::as_str) {
        meeting = meeting.with_title(subject);
    }
    if let Some(link) = join_url(&event) {
        meeting = meeting.with_conference_link(link);
        meeting = meeting.with_conference_links(links(&event, link));
    }
    if let Some(web) = event.get("webLink").and_then(Value::as_str) {
        meeting = meeting.with_calendar_url(web);
    }
    if event.get("isCancelled").and_then(Value::as_bool) == Some(true) {
        meeting = meeting.with_status(MeetingStatus::Cancelled);
    }
    Ok(meeting.with_raw(event))
}

/// The video link and, when Teams gave one, the dial-in number with its conference id.
fn links(event: &Value, join: &str) -> Vec<ConferenceLink> {
    let mut links = vec![ConferenceLink::new(ConferenceLinkKind::Video, join)];
    let online = event.get("onlineMeeting");
    let text = |key: &str| online.and_then(|m| m.get(key)).and_then(Value::as_str);
    if let Some(number) = text("tollNumber").filter(|n| !n.is_empty()) {
        let tel: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        let mut phone = ConferenceLink::new(ConferenceLinkKind::Phone, format!("tel:{tel}"));
        if let Some(id) = text("conferenceId") {
            phone = phone.with_passcode(id);
        }
        links.push(phone);
    }
    links
}

/// The error of a create whose event came back without a Teams meeting: the mailbox has no
/// Teams licence, or its calendar does not allow `teamsForBusiness`. The event exists (and its
/// invitations went out), so it is named rather than created again.
pub(crate) fn no_teams_link(event_id: &str, mailbox: &Mailbox, provider: &ProviderId) -> Error {
    Error::new(
        meetschedify_core::ErrorCode::ProviderError,
        format!(
            "graph created the event without a Teams meeting: {} needs a Teams licence and a \
             calendar that allows teamsForBusiness; the event was left in place",
            mailbox.describe()
        ),
    )
    .with_retryable(false)
    .with_meeting_id(event_id)
    .with_provider(provider.clone())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const P: ProviderId = ProviderId::MICROSOFT_TEAMS_APP;

    #[test]
    fn graph_times_read_back_in_the_meetings_zone() {
        let event = json!({
            "start": {"dateTime": "2030-06-15T04:30:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2030-06-15T05:30:00.0000000", "timeZone": "UTC"},
        });
        let t = meeting_time(&event, Some("Asia/Kolkata"), &P).unwrap();
        assert_eq!(t.start, "2030-06-15T10:00:00+05:30");
        assert_eq!(t.end, "2030-06-15T11:00:00+05:30");
        assert_eq!(t.timezone, "Asia/Kolkata");
        let utc = meeting_time(&event, None, &P).unwrap();
        assert_eq!(utc.start, "2030-06-15T04:30:00+00:00");
        assert_eq!(utc.timezone, "UTC");
    }

    #[test]
    fn an_iana_zone_in_the_answer_is_read_too() {
        let v = json!({"dateTime": "2026-03-08T03:30:00", "timeZone": "America/New_York"});
        assert_eq!(
            instant(Some(&v), &P).unwrap().to_string(),
            "2026-03-08T07:30:00Z"
        );
        let windows =
            json!({"dateTime": "2026-03-08T03:30:00", "timeZone": "Pacific Standard Time"});
        assert_eq!(
            instant(Some(&windows), &P).unwrap_err().code(),
            meetschedify_core::ErrorCode::ProviderError
        );
        assert!(instant(None, &P).is_err());
    }

    #[test]
    fn an_event_maps_to_a_meeting() {
        let event = json!({
            "id": "AAMkAD=",
            "subject": "Interview",
            "start": {"dateTime": "2030-06-15T04:30:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2030-06-15T05:30:00.0000000", "timeZone": "UTC"},
            "webLink": "https://outlook.office365.com/owa/?itemid=AAMkAD%3D",
            "isCancelled": false,
            "onlineMeeting": {
                "joinUrl": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0",
                "conferenceId": "291633251",
                "tollNumber": "+1 323-555-0166"
            }
        });
        let mut metadata = Metadata::new();
        metadata.insert("k".into(), json!("v"));
        let m = to_created(event, Some("Asia/Kolkata"), metadata.clone(), &P).unwrap();
        assert_eq!(m.provider_event_id, "AAMkAD=");
        assert_eq!(m.title.as_deref(), Some("Interview"));
        assert!(m
            .conference_link
            .as_deref()
            .unwrap()
            .contains("meetup-join"));
        assert_eq!(m.conference_links.len(), 2);
        assert_eq!(m.conference_links[1].uri, "tel:+1323-555-0166");
        assert_eq!(
            m.calendar_url.as_deref(),
            Some("https://outlook.office365.com/owa/?itemid=AAMkAD%3D")
        );
        assert_eq!(m.status, MeetingStatus::Scheduled);
        assert_eq!(m.metadata, metadata);
        assert_eq!(m.time.start, "2030-06-15T10:00:00+05:30");
    }

    #[test]
    fn cancelled_and_linkless_events() {
        let event = json!({
            "id": "e1",
            "start": {"dateTime": "2030-06-15T04:30:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-06-15T05:30:00", "timeZone": "UTC"},
            "isCancelled": true,
            "onlineMeetingUrl": "https://example.invalid/not-this",
        });
        assert_eq!(join_url(&event), None);
        let m = to_created(event, None, Metadata::new(), &P).unwrap();
        assert_eq!(m.status, MeetingStatus::Cancelled);
        assert_eq!(m.conference_link, None);
        let no_id = json!({"start": {}, "end": {}});
        assert!(to_created(no_id, None, Metadata::new(), &P).is_err());
    }
}
