use meetschedify_core::{
    CreateMeetingRequest, DstResolution, MeetingParticipant, MeetingTime, ProviderId,
    RequestLimits, UpdateMeetingRequest, ValidatedCreate, ValidatedUpdate,
};
use serde_json::json;

use super::*;

fn create(time: MeetingTime) -> ValidatedCreate {
    let request =
        CreateMeetingRequest::new("acme", ProviderId::MICROSOFT_TEAMS_APP, " Interview ", time)
            .with_description("Round 2 & <notes>")
            .with_primary_participant(
                MeetingParticipant::new("ada@example.com").with_display_name("Ada"),
            )
            .with_participant(MeetingParticipant::new("bob@example.com"))
            .with_metadata_entry("application_id", "app_42");
    ValidatedCreate::new(request, &RequestLimits::DEFAULT).unwrap()
}

fn kolkata() -> MeetingTime {
    MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00").with_timezone("Asia/Kolkata")
}

#[test]
fn a_create_is_a_teams_event_in_utc_with_its_stamp() {
    let request = create(kolkata());
    let mut stamp = Stamp::new(&"acme".into());
    stamp.timezone = Some("Asia/Kolkata".into());
    let body = create_body(&request, "7e163156-7762-4beb-a1c6-729ea81755a7", &stamp);
    assert_eq!(
        body,
        json!({
            "subject": "Interview",
            "start": {"dateTime": "2030-06-15T04:30:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-06-15T05:30:00", "timeZone": "UTC"},
            "transactionId": "7e163156-7762-4beb-a1c6-729ea81755a7",
            "singleValueExtendedProperties": stamp.to_properties(),
            "body": {"contentType": "text", "content": "Round 2 & <notes>"},
            "attendees": [
                {"emailAddress": {"address": "ada@example.com", "name": "Ada"}, "type": "required"},
                {"emailAddress": {"address": "bob@example.com"}, "type": "required"}
            ],
            "isOnlineMeeting": true,
            "onlineMeetingProvider": "teamsForBusiness"
        })
    );
}

#[test]
fn without_a_conference_link_the_event_is_plain() {
    let mut request = create(kolkata()).into_request();
    request.add_conference_link = false;
    let request = ValidatedCreate::new(request, &RequestLimits::DEFAULT).unwrap();
    let body = create_body(&request, "t", &Stamp::new(&"acme".into()));
    assert!(body.get("isOnlineMeeting").is_none());
    assert!(body.get("onlineMeetingProvider").is_none());
}

/// Clocks spring forward at 02:00 on 2026-03-08 in New York: 01:30 EST to 03:30 EDT is one
/// hour, and Graph gets the exact UTC instants (06:30Z and 07:30Z), not wall times it would
/// have to resolve itself.
#[test]
fn dst_transitions_send_the_exact_instants() {
    let spring = MeetingTime::new("2026-03-08T01:30:00", "2026-03-08T03:30:00")
        .with_timezone("America/New_York");
    let body = create_body(&create(spring), "t", &Stamp::new(&"acme".into()));
    assert_eq!(body["start"]["dateTime"], "2026-03-08T06:30:00");
    assert_eq!(body["end"]["dateTime"], "2026-03-08T07:30:00");
    // 01:30 happens twice on 2026-11-01; the caller's choice decides which one is sent.
    for (resolution, utc) in [
        (DstResolution::Earlier, "2026-11-01T05:30:00"),
        (DstResolution::Later, "2026-11-01T06:30:00"),
    ] {
        let fall = MeetingTime::new("2026-11-01T01:30:00", "2026-11-01T03:00:00")
            .with_timezone("America/New_York")
            .with_dst_resolution(resolution);
        let body = create_body(&create(fall), "t", &Stamp::new(&"acme".into()));
        assert_eq!(body["start"]["dateTime"], utc, "{resolution:?}");
        assert_eq!(body["end"]["dateTime"], "2026-11-01T08:00:00");
    }
}

fn update(request: UpdateMeetingRequest) -> ValidatedUpdate {
    ValidatedUpdate::new(request, &RequestLimits::DEFAULT).unwrap()
}

#[test]
fn an_update_sends_only_what_changes() {
    let stamp = Stamp::new(&"acme".into());
    let before = json!({"id": "e1"});
    assert!(update_body(
        &update(UpdateMeetingRequest::new().with_title("x")),
        &before,
        &stamp
    )
    .get("singleValueExtendedProperties")
    .is_none());
    let moved = update(
        UpdateMeetingRequest::new().with_time(
            MeetingTime::new("2030-06-16T09:00:00", "2030-06-16T10:00:00")
                .with_timezone("Europe/Berlin"),
        ),
    );
    let body = update_body(&moved, &before, &stamp);
    assert_eq!(
        body["start"],
        json!({"dateTime": "2030-06-16T07:00:00", "timeZone": "UTC"})
    );
    assert_eq!(
        body["end"],
        json!({"dateTime": "2030-06-16T08:00:00", "timeZone": "UTC"})
    );
    let mut expected = stamp.clone();
    expected.timezone = Some("Europe/Berlin".into());
    assert_eq!(
        body["singleValueExtendedProperties"],
        expected.to_properties()
    );
    assert!(body.get("subject").is_none() && body.get("body").is_none());
    let people = update(
        UpdateMeetingRequest::new()
            .with_participants(vec![MeetingParticipant::new("c@example.com")]),
    );
    assert_eq!(
        update_body(&people, &before, &stamp)["attendees"],
        json!([{"emailAddress": {"address": "c@example.com"}, "type": "required"}])
    );
    let mut metadata = meetschedify_core::Metadata::new();
    metadata.insert("k".into(), json!(1));
    let meta = update_body(
        &update(UpdateMeetingRequest::new().with_metadata(metadata.clone())),
        &before,
        &stamp,
    );
    let mut expected = stamp.clone();
    expected.metadata = metadata;
    assert_eq!(
        meta["singleValueExtendedProperties"],
        expected.to_properties()
    );
    assert_eq!(meta.len(), 1);
}

/// The join block Exchange added must survive a description change.
#[test]
fn a_description_change_keeps_the_teams_join_block() {
    let mut stamp = Stamp::new(&"acme".into());
    stamp.description = Some("Round 2 & co".into());
    let join = "<div>Microsoft Teams meeting <a href=\"https://teams.microsoft.com/l/meetup-join/x\">Join</a></div>";
    let before = json!({"body": {"contentType": "html",
        "content": format!("<html><body><p>Round 2 &amp; co</p>{join}</body></html>")}});
    let change = update(UpdateMeetingRequest::new().with_description("Round <3>"));
    let body = update_body(&change, &before, &stamp);
    assert_eq!(
        body["body"],
        json!({"contentType": "html",
               "content": format!("<html><body><p>Round &lt;3&gt;</p>{join}</body></html>")})
    );
    // The old text is not found (none was sent, or Exchange reformatted it): the new one goes
    // first, the join block stays.
    stamp.description = None;
    let body = update_body(&change, &before, &stamp);
    let content = body["body"]["content"].as_str().unwrap();
    assert!(
        content.starts_with("<html><body><p>Round &lt;3&gt;</p>"),
        "{content}"
    );
    assert!(content.contains(join));
    // Plain text bodies and empty ones.
    let text = json!({"body": {"contentType": "text", "content": "old\n\nJoin: https://teams/x"}});
    stamp.description = Some("old".into());
    assert_eq!(
        update_body(&change, &text, &stamp)["body"]["content"],
        "Round <3>\n\nJoin: https://teams/x"
    );
    let empty = json!({"body": {"contentType": "html", "content": ""}});
    assert_eq!(
        update_body(&change, &empty, &stamp)["body"],
        json!({"contentType": "text", "content": "Round <3>"})
    );
}
