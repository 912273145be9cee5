//! Meeting requests to Calendar events and back.
//!
//! This is the only place where times cross between jiff (ours) and chrono (the bindings'):
//! the bindings model `dateTime` as a UTC instant, so an event is sent as that instant plus the
//! IANA `timeZone`, and read back by placing the instant in the event's `timeZone`.

use std::collections::HashMap;

use google_calendar3::api::{
    ConferenceData, ConferenceSolutionKey, CreateConferenceRequest, EntryPoint, Event,
    EventAttendee, EventDateTime, EventExtendedProperties,
};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use meetschedify_core::{
    ConferenceLink, ConferenceLinkKind, CreatedMeeting, Error, ErrorCode, MeetingParticipant,
    MeetingStatus, MeetingTime, ProviderId, ResolvedTime, Result, ValidatedCreate, ValidatedUpdate,
};

use super::metadata;
use super::options::SendUpdates;
use super::ownership;

/// Google Meet's conference solution (`conferenceSolutionKey.type`).
pub(crate) const HANGOUTS_MEET: &str = "hangoutsMeet";

/// Options a request may carry for Google under `provider_options["google"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RequestOptions {
    pub(crate) send_updates: Option<SendUpdates>,
    pub(crate) allow_pending_conference: Option<bool>,
}

impl RequestOptions {
    /// Reads `provider_options.google.{send_updates, allow_pending_conference}`; other keys
    /// are ignored, wrong types are an `INVALID_REQUEST` naming the field.
    pub(crate) fn from_request(options: &meetschedify_core::Metadata) -> Result<Self> {
        let Some(google) = options.get("google") else {
            return Ok(Self::default());
        };
        let google = google.as_object().ok_or_else(|| {
            Error::invalid_request("provider_options.google", "must be a json object")
        })?;
        let send_updates = match google.get("send_updates") {
            None => None,
            Some(v) => Some(SendUpdates::parse(
                v.as_str().unwrap_or_default(),
                "provider_options.google.send_updates",
            )?),
        };
        let allow_pending_conference = match google.get("allow_pending_conference") {
            None => None,
            Some(v) => Some(v.as_bool().ok_or_else(|| {
                Error::invalid_request(
                    "provider_options.google.allow_pending_conference",
                    "must be true or false",
                )
            })?),
        };
        Ok(Self {
            send_updates,
            allow_pending_conference,
        })
    }
}

/// The event an `events.insert` sends for a create, with the client-chosen `event_id`, which is
/// also the conference `requestId` (so a retried insert asks for the same conference).
pub(crate) fn event_for_create(request: &ValidatedCreate, event_id: &str) -> Event {
    let req = request.request();
    let attendees: Vec<EventAttendee> = req.participants().map(attendee).collect();
    let (start, end) = event_times(request.time());
    Event {
        id: Some(event_id.to_owned()),
        summary: Some(request.title().to_owned()),
        description: req.description.clone(),
        start: Some(start),
        end: Some(end),
        attendees: (!attendees.is_empty()).then_some(attendees),
        conference_data: req.add_conference_link.then(|| ConferenceData {
            create_request: Some(CreateConferenceRequest {
                request_id: Some(event_id.to_owned()),
                conference_solution_key: Some(ConferenceSolutionKey {
                    type_: Some(HANGOUTS_MEET.to_owned()),
                }),
                status: None,
            }),
            ..ConferenceData::default()
        }),
        extended_properties: Some(EventExtendedProperties {
            private: Some(private_properties(req)),
            shared: None,
        }),
        ..Event::default()
    }
}

/// The private properties of a new event: its owner (see `ownership.rs`), and the metadata when
/// there is some.
fn private_properties(req: &meetschedify_core::CreateMeetingRequest) -> HashMap<String, String> {
    let mut private = if req.metadata.is_empty() {
        HashMap::new()
    } else {
        metadata::encode(&req.metadata, 0)
    };
    ownership::stamp(&mut private, &req.tenant_id);
    private
}

/// The partial event an `events.patch` sends for an update; only the changed fields are set
/// (the bindings drop the unset ones from the JSON). `stale_parts` is how many metadata chunks
/// the event holds now.
pub(crate) fn event_for_patch(update: &ValidatedUpdate, stale_parts: usize) -> Event {
    let req = update.request();
    let mut event = Event {
        summary: req.title.as_ref().map(|t| t.trim().to_owned()),
        description: req.description.clone(),
        ..Event::default()
    };
    if let Some(time) = update.time() {
        let (start, end) = event_times(time);
        event.start = Some(start);
        event.end = Some(end);
    }
    if let Some(list) = &req.participants {
        // An empty list is sent as `[]`, which removes every attendee.
        event.attendees = Some(list.iter().map(attendee).collect());
    }
    if let Some(meta) = &req.metadata {
        event.extended_properties = Some(EventExtendedProperties {
            private: Some(metadata::encode(meta, stale_parts)),
            shared: None,
        });
    }
    event
}

fn attendee(p: &MeetingParticipant) -> EventAttendee {
    EventAttendee {
        email: Some(p.email.trim().to_owned()),
        display_name: p.display_name.clone(),
        ..EventAttendee::default()
    }
}

fn event_times(time: &ResolvedTime) -> (EventDateTime, EventDateTime) {
    let at = |ts: Timestamp| EventDateTime {
        date: None,
        date_time: Some(to_chrono(ts)),
        time_zone: Some(time.timezone().to_owned()),
    };
    (at(time.start_utc()), at(time.end_utc()))
}

fn to_chrono(ts: Timestamp) -> chrono::DateTime<chrono::Utc> {
    let nanos = u32::try_from(ts.subsec_nanosecond()).unwrap_or(0);
    chrono::DateTime::from_timestamp(ts.as_second(), nanos).unwrap_or_default()
}

fn from_chrono(dt: &chrono::DateTime<chrono::Utc>) -> Option<Timestamp> {
    let nanos = i32::try_from(dt.timestamp_subsec_nanos()).ok()?;
    Timestamp::new(dt.timestamp(), nanos).ok()
}

/// The conference's `createRequest.status.statusCode` (`pending`, `success`, `failure`).
pub(crate) fn conference_status(event: &Event) -> Option<&str> {
    event
        .conference_data
        .as_ref()?
        .create_request
        .as_ref()?
        .status
        .as_ref()?
        .status_code
        .as_deref()
}

/// The Meet video entry point, or the legacy `hangoutLink`.
pub(crate) fn video_link(event: &Event) -> Option<String> {
    entry_points(event)
        .iter()
        .find(|e| e.entry_point_type.as_deref() == Some("video"))
        .and_then(|e| e.uri.clone())
        .or_else(|| event.hangout_link.clone())
}

fn entry_points(event: &Event) -> &[EntryPoint] {
    event
        .conference_data
        .as_ref()
        .and_then(|c| c.entry_points.as_deref())
        .unwrap_or_default()
}

fn link_kind(kind: Option<&str>) -> ConferenceLinkKind {
    match kind {
        Some("video") => ConferenceLinkKind::Video,
        Some("phone") => ConferenceLinkKind::Phone,
        Some("sip") => ConferenceLinkKind::Sip,
        _ => ConferenceLinkKind::More,
    }
}

/// An event as a meeting: conference link = the video entry point, calendar URL = `htmlLink`,
/// every entry point, the metadata from the private properties, and `raw` as Google sent it.
pub(crate) fn to_meeting(
    provider: &ProviderId,
    event: &Event,
    raw: serde_json::Value,
) -> Result<CreatedMeeting> {
    let id = event.id.clone().ok_or_else(|| {
        Error::new(
            ErrorCode::ProviderError,
            "google calendar returned an event without an id",
        )
    })?;
    let time = meeting_time(event)?;
    let links: Vec<ConferenceLink> = entry_points(event)
        .iter()
        .filter_map(|e| {
            let uri = e.uri.clone()?;
            let mut link = ConferenceLink::new(link_kind(e.entry_point_type.as_deref()), uri);
            if let Some(label) = &e.label {
                link = link.with_label(label.clone());
            }
            let passcode = [
                &e.pin,
                &e.passcode,
                &e.access_code,
                &e.password,
                &e.meeting_code,
            ]
            .into_iter()
            .find_map(Clone::clone);
            if let Some(code) = passcode {
                link = link.with_passcode(code);
            }
            Some(link)
        })
        .collect();
    let mut meeting = CreatedMeeting::new(provider.clone(), id, time)
        .with_conference_links(links)
        .with_metadata(metadata::decode(
            event
                .extended_properties
                .as_ref()
                .and_then(|p| p.private.as_ref()),
        ))
        .with_raw(raw);
    if let Some(link) = video_link(event) {
        meeting = meeting.with_conference_link(link);
    }
    if let Some(url) = &event.html_link {
        meeting = meeting.with_calendar_url(url.clone());
    }
    if let Some(title) = &event.summary {
        meeting = meeting.with_title(title.clone());
    }
    if event.status.as_deref() == Some("cancelled") {
        meeting = meeting.with_status(MeetingStatus::Cancelled);
    }
    Ok(meeting)
}

fn meeting_time(event: &Event) -> Result<MeetingTime> {
    let (Some(start), Some(end)) = (&event.start, &event.end) else {
        // A cancelled event may come back with nothing but its id.
        return Ok(MeetingTime::new("", ""));
    };
    let zone_name = start.time_zone.as_deref().unwrap_or("UTC");
    let tz = TimeZone::get(zone_name).unwrap_or(TimeZone::UTC);
    let point = |edt: &EventDateTime| -> Option<jiff::ZonedDateTime> {
        if let Some(dt) = &edt.date_time {
            return Some(from_chrono(dt)?.to_zoned_datetime(tz.clone()));
        }
        // All-day events (never made here) start at midnight in the calendar's zone.
        let date = edt.date?;
        let civil = jiff::civil::date(
            i16::try_from(chrono::Datelike::year(&date)).ok()?,
            i8::try_from(chrono::Datelike::month(&date)).ok()?,
            i8::try_from(chrono::Datelike::day(&date)).ok()?,
        );
        civil.to_zoned_datetime(tz.clone()).ok()
    };
    match (point(start), point(end)) {
        (Some(s), Some(e)) => Ok(MeetingTime::from_zoned(&s, &e)),
        _ => Err(Error::new(
            ErrorCode::ProviderError,
            "google calendar returned an event whose start or end cannot be read",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meetschedify_core::{CreateMeetingRequest, RequestLimits, TenantId};
    use serde_json::json;

    fn create() -> ValidatedCreate {
        let r = CreateMeetingRequest::new(
            "org_1",
            ProviderId::GOOGLE_MEET,
            "  Interview  ",
            MeetingTime::new("2026-06-15T10:00:00", "2026-06-15T11:00:00")
                .with_timezone("Asia/Kolkata"),
        )
        .with_description("Round 2")
        .with_primary_participant(MeetingParticipant::new("a@example.com").with_display_name("Ann"))
        .with_metadata_entry("app", "x");
        ValidatedCreate::new(r, &RequestLimits::DEFAULT).unwrap()
    }

    #[test]
    fn create_maps_every_field() {
        let id =
            super::super::ids::event_id(&ProviderId::GOOGLE_MEET, &TenantId::new("org_1"), "k");
        let e = event_for_create(&create(), &id);
        assert_eq!(e.id.as_deref(), Some(id.as_str()));
        assert_eq!(e.summary.as_deref(), Some("Interview"));
        let start = e.start.as_ref().unwrap();
        assert_eq!(start.time_zone.as_deref(), Some("Asia/Kolkata"));
        assert_eq!(
            start.date_time.unwrap().to_rfc3339(),
            "2026-06-15T04:30:00+00:00"
        );
        let a = &e.attendees.as_ref().unwrap()[0];
        assert_eq!(a.display_name.as_deref(), Some("Ann"));
        let cr = e
            .conference_data
            .as_ref()
            .unwrap()
            .create_request
            .as_ref()
            .unwrap();
        assert_eq!(cr.request_id.as_deref(), Some(id.as_str()));
        let private = e
            .extended_properties
            .as_ref()
            .unwrap()
            .private
            .as_ref()
            .unwrap();
        assert_eq!(private[ownership::TENANT_KEY], "org_1");
        assert_eq!(private[metadata::PARTS_KEY], "1");
    }

    #[test]
    fn no_link_no_conference_data_and_empty_patch_fields_stay_unset() {
        let r = create().into_request().with_conference_link(false);
        let v = ValidatedCreate::new(r, &RequestLimits::DEFAULT).unwrap();
        assert!(event_for_create(&v, "k0000").conference_data.is_none());

        let u = ValidatedUpdate::new(
            meetschedify_core::UpdateMeetingRequest::new().with_title("New"),
            &RequestLimits::DEFAULT,
        )
        .unwrap();
        let p = event_for_patch(&u, 0);
        assert_eq!(p.summary.as_deref(), Some("New"));
        assert!(p.start.is_none() && p.attendees.is_none() && p.extended_properties.is_none());
    }

    #[test]
    fn an_event_reads_back_in_its_zone() {
        let raw = json!({
            "id": "abc123",
            "status": "confirmed",
            "htmlLink": "https://www.google.com/calendar/event?eid=x",
            "summary": "Interview",
            "start": {"dateTime": "2026-06-15T10:00:00+05:30", "timeZone": "Asia/Kolkata"},
            "end": {"dateTime": "2026-06-15T11:00:00+05:30", "timeZone": "Asia/Kolkata"},
            "hangoutLink": "https://meet.google.com/aaa-bbbb-ccc",
            "conferenceData": {
                "createRequest": {"requestId": "r", "status": {"statusCode": "success"}},
                "entryPoints": [
                    {"entryPointType": "video", "uri": "https://meet.google.com/aaa-bbbb-ccc", "label": "meet.google.com/aaa-bbbb-ccc"},
                    {"entryPointType": "phone", "uri": "tel:+1-555-0100", "pin": "123456"},
                    {"entryPointType": "more", "uri": "https://tel.meet/aaa-bbbb-ccc?pin=1"}
                ]
            }
        });
        let event: Event = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(conference_status(&event), Some("success"));
        let m = to_meeting(&ProviderId::GOOGLE_MEET, &event, raw.clone()).unwrap();
        assert_eq!(m.provider_event_id, "abc123");
        assert_eq!(
            m.conference_link.as_deref(),
            Some("https://meet.google.com/aaa-bbbb-ccc")
        );
        assert_eq!(
            m.calendar_url.as_deref(),
            Some("https://www.google.com/calendar/event?eid=x")
        );
        assert_eq!(m.conference_links.len(), 3);
        assert_eq!(m.conference_links[1].kind, ConferenceLinkKind::Phone);
        assert_eq!(m.conference_links[1].passcode.as_deref(), Some("123456"));
        assert_eq!(m.time.start, "2026-06-15T10:00:00+05:30");
        assert_eq!(m.time.timezone, "Asia/Kolkata");
        assert_eq!(m.raw, raw);
        assert_eq!(m.status, MeetingStatus::Scheduled);
    }

    #[test]
    fn provider_options_are_read_and_checked() {
        let mut o = meetschedify_core::Metadata::new();
        assert_eq!(
            RequestOptions::from_request(&o).unwrap(),
            RequestOptions::default()
        );
        o.insert(
            "google".into(),
            json!({"send_updates": "externalOnly", "allow_pending_conference": true}),
        );
        let r = RequestOptions::from_request(&o).unwrap();
        assert_eq!(r.send_updates, Some(SendUpdates::ExternalOnly));
        assert_eq!(r.allow_pending_conference, Some(true));
        o.insert("google".into(), json!({"send_updates": 3}));
        assert_eq!(
            RequestOptions::from_request(&o).unwrap_err().field(),
            Some("provider_options.google.send_updates")
        );
        o.insert("google".into(), json!({"allow_pending_conference": "yes"}));
        assert!(RequestOptions::from_request(&o).is_err());
    }
}
