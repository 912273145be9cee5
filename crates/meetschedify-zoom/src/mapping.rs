//! Zoom's meeting JSON (the `GET /meetings/{meetingId}` shape, which create also answers) to
//! [`CreatedMeeting`].

use meetschedify_core::jiff::tz::TimeZone;
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::{
    ConferenceLink, ConferenceLinkKind, CreatedMeeting, Error, MeetingTime, Metadata, ProviderId,
    Result,
};
use serde_json::Value;

use crate::errors::unexpected;

/// The meeting id as text: Zoom sends an int64 that may exceed 10 digits (kept exact; never
/// through a float).
pub(crate) fn meeting_id(meeting: &Value) -> Option<String> {
    match meeting.get("id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn text<'a>(meeting: &'a Value, key: &str) -> Option<&'a str> {
    meeting
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Start and end in the meeting's own zone. Zoom answers `start_time` in UTC and `duration` in
/// minutes; the end is that many elapsed minutes later.
fn meeting_time(meeting: &Value, provider: &ProviderId) -> Result<MeetingTime> {
    let start_text = text(meeting, "start_time")
        .or_else(|| text(meeting, "created_at"))
        .ok_or_else(|| unexpected("a meeting without start_time", provider))?;
    let start: Timestamp = start_text.parse().map_err(|_| {
        unexpected(
            &format!("an unreadable start_time `{start_text}`"),
            provider,
        )
    })?;
    let minutes = meeting
        .get("duration")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .max(0);
    let end = start
        .checked_add(SignedDuration::from_mins(minutes))
        .map_err(|_| unexpected("a duration out of range", provider))?;
    // An unknown zone name (Zoom knows a few IANA does not) falls back to UTC rather than failing
    // a read of a meeting that exists.
    let zone = text(meeting, "timezone")
        .and_then(|name| TimeZone::get(name).ok())
        .unwrap_or(TimeZone::UTC);
    Ok(MeetingTime::from_zoned(
        &start.to_zoned_datetime(zone.clone()),
        &end.to_zoned_datetime(zone),
    ))
}

/// The join URL, then one entry per dial-in number (one-tap `tel:` URIs with the meeting id).
fn links(meeting: &Value, id: &str) -> Vec<ConferenceLink> {
    let mut out = Vec::new();
    if let Some(join) = text(meeting, "join_url") {
        let mut video = ConferenceLink::new(ConferenceLinkKind::Video, join)
            .with_label(format!("Zoom meeting {id}"));
        if let Some(p) = text(meeting, "password") {
            video = video.with_passcode(p);
        }
        out.push(video);
    }
    // The passcode typed on a phone keypad is numeric: Zoom calls it `pstn_password` (older
    // answers `h323_password`).
    let phone_passcode = text(meeting, "pstn_password").or_else(|| text(meeting, "h323_password"));
    let numbers = meeting
        .get("settings")
        .and_then(|s| s.get("global_dial_in_numbers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    // Built with `push_str` into strings of the right size: four `format!`s per number were
    // most of the cost of mapping an answer.
    for n in numbers {
        let Some(number) = text(n, "number") else {
            continue;
        };
        let mut uri = String::with_capacity(4 + number.len() + 3 + id.len() + 16);
        uri.push_str("tel:");
        uri.extend(number.chars().filter(|c| c.is_ascii_digit() || *c == '+'));
        uri.push_str(",,");
        uri.push_str(id);
        uri.push('#');
        if let Some(p) = phone_passcode {
            uri.push_str(",,,,*");
            uri.push_str(p);
            uri.push('#');
        }
        let city = text(n, "city");
        let country = text(n, "country_name").or_else(|| text(n, "country"));
        let mut label = String::with_capacity(number.len() + 32);
        label.push_str(number);
        match (city, country) {
            (Some(city), Some(country)) => {
                label.push_str(" (");
                label.push_str(city);
                label.push_str(", ");
                label.push_str(country);
                label.push(')');
            }
            (Some(place), None) | (None, Some(place)) => {
                label.push_str(" (");
                label.push_str(place);
                label.push(')');
            }
            (None, None) => {}
        }
        if text(n, "type") == Some("tollfree") {
            label.push_str(" toll-free");
        }
        let mut link = ConferenceLink::new(ConferenceLinkKind::Phone, uri).with_label(label);
        if let Some(p) = phone_passcode {
            link = link.with_passcode(p);
        }
        out.push(link);
    }
    out
}

/// Maps a meeting; `metadata` is the caller's, returned unchanged (Zoom cannot store it).
pub(crate) fn to_created(
    meeting: Value,
    provider: &ProviderId,
    metadata: Metadata,
) -> Result<CreatedMeeting> {
    if !meeting.is_object() {
        return Err(unexpected("a meeting that is not a JSON object", provider));
    }
    let id = meeting_id(&meeting).ok_or_else(|| unexpected("a meeting without an id", provider))?;
    let time = meeting_time(&meeting, provider)?;
    let mut created = CreatedMeeting::new(provider.clone(), id.clone(), time)
        .with_conference_links(links(&meeting, &id))
        .with_metadata(metadata);
    if let Some(join) = text(&meeting, "join_url") {
        created = created.with_conference_link(join);
    }
    if let Some(topic) = text(&meeting, "topic") {
        created = created.with_title(topic);
    }
    Ok(created.with_raw(meeting))
}

/// Checks a meeting id before it goes into a URL: Zoom meeting ids are digits.
pub(crate) fn check_meeting_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_request(
            "meeting_id",
            format!("`{id}` is not a zoom meeting id (digits only)"),
        ));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "id": 85746065432_u64,
            "topic": "Consultation",
            "start_time": "2026-08-01T14:00:00Z",
            "duration": 30,
            "timezone": "America/Chicago",
            "join_url": "https://zoom.us/j/85746065432?pwd=abc",
            "password": "x1Y2z3",
            "h323_password": "123456",
            "settings": {"global_dial_in_numbers": [
                {"city": "New York", "country": "US", "country_name": "US", "number": "+1 646 558 8656", "type": "toll"},
                {"country": "US", "country_name": "US", "number": "+1 888 788 0099", "type": "tollfree"}
            ]}
        })
    }

    #[test]
    fn maps_id_time_links_and_raw() {
        let mut meta = Metadata::new();
        meta.insert("patient".into(), json!("p-1"));
        let m = to_created(sample(), &ProviderId::ZOOM, meta.clone()).unwrap();
        assert_eq!(m.provider_event_id, "85746065432");
        assert_eq!(
            m.conference_link.as_deref(),
            Some("https://zoom.us/j/85746065432?pwd=abc")
        );
        assert_eq!(m.calendar_url, None);
        assert_eq!(m.title.as_deref(), Some("Consultation"));
        assert_eq!(m.time.start, "2026-08-01T09:00:00-05:00");
        assert_eq!(m.time.end, "2026-08-01T09:30:00-05:00");
        assert_eq!(m.time.timezone, "America/Chicago");
        assert_eq!(m.metadata, meta);
        assert_eq!(m.raw, sample());
        assert_eq!(m.conference_links.len(), 3);
        assert_eq!(m.conference_links[0].kind, ConferenceLinkKind::Video);
        assert_eq!(m.conference_links[0].passcode.as_deref(), Some("x1Y2z3"));
        assert_eq!(
            m.conference_links[1].uri,
            "tel:+16465588656,,85746065432#,,,,*123456#"
        );
        assert_eq!(
            m.conference_links[1].label.as_deref(),
            Some("+1 646 558 8656 (New York, US)")
        );
        assert_eq!(
            m.conference_links[2].label.as_deref(),
            Some("+1 888 788 0099 (US) toll-free")
        );
    }

    #[test]
    fn huge_ids_stay_exact() {
        let v = json!({"id": 9_007_199_254_740_993_u64, "start_time": "2026-01-01T00:00:00Z"});
        assert_eq!(meeting_id(&v).as_deref(), Some("9007199254740993"));
    }

    #[test]
    fn malformed_meetings_are_provider_errors() {
        for bad in [
            json!([]),
            json!({"start_time": "2026-01-01T00:00:00Z"}),
            json!({"id": 1}),
            json!({"id": 1, "start_time": "soon"}),
        ] {
            let err = to_created(bad, &ProviderId::ZOOM, Metadata::new()).unwrap_err();
            assert_eq!(err.code(), meetschedify_core::ErrorCode::ProviderError);
        }
    }

    #[test]
    fn meeting_ids_are_digits() {
        assert_eq!(check_meeting_id(" 123 ").unwrap(), "123");
        for bad in ["", "12a", "../1", "1/2", &"9".repeat(21)] {
            assert_eq!(
                check_meeting_id(bad).unwrap_err().field(),
                Some("meeting_id")
            );
        }
    }
}
