//! Conformance: Google Calendar v3 events, driven with raw HTTP.

use crate::common::{event_body, events_url, google_token, with_meet, Http};
use meetschedify_emulator::{Emulator, EmulatorHandle, QuotaStatus};
use serde_json::{json, Value};

async fn setup(emu: EmulatorHandle) -> (EmulatorHandle, Http, String) {
    let http = Http::default();
    let token = google_token(&http, &emu).await;
    (emu, http, token)
}

async fn default_setup() -> (EmulatorHandle, Http, String) {
    setup(Emulator::start().await.unwrap()).await
}

fn event_url(emu: &EmulatorHandle, calendar: &str, id: &str) -> String {
    format!("{}/{id}", events_url(emu, calendar))
}

fn error_reason(body: &Value) -> (&str, &str) {
    let e = &body["error"]["errors"][0];
    (e["domain"].as_str().unwrap(), e["reason"].as_str().unwrap())
}

#[tokio::test]
async fn insert_get_update_patch_list_round_trip() {
    let (emu, http, token) = default_setup().await;
    let mut body = event_body("Planning");
    body["attendees"] = json!([{ "email": "a@example.com" }]);
    body["extendedProperties"] = json!({ "private": { "meetschedify_key": "k1" } });
    let reply = http
        .json("POST", &events_url(&emu, "primary"), &token, &body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let event = reply.json();
    let id = event["id"].as_str().unwrap().to_owned();
    let user = emu.demo().google_user_email.clone();
    assert_eq!(event["kind"], "calendar#event");
    assert_eq!(event["status"], "confirmed");
    assert_eq!(event["summary"], "Planning");
    assert_eq!(event["organizer"], json!({ "email": user, "self": true }));
    assert_eq!(event["creator"]["email"], user);
    assert_eq!(event["iCalUID"], format!("{id}@google.com"));
    assert!(event["htmlLink"].as_str().unwrap().contains("eid="));
    assert!(event["etag"].as_str().unwrap().starts_with('"'));
    assert_eq!(event["attendees"][0]["responseStatus"], "needsAction");
    assert_eq!(
        event["extendedProperties"]["private"]["meetschedify_key"],
        "k1"
    );
    assert!(event.get("conferenceData").is_none());

    let got = http.get(&event_url(&emu, "primary", &id), &token).await;
    assert_eq!(got.json(), event);

    let patched = http
        .json(
            "PATCH",
            &event_url(&emu, "primary", &id),
            &token,
            &json!({ "summary": "Planning v2", "extendedProperties": { "private": { "other": "x" } } }),
        )
        .await
        .json();
    assert_eq!(patched["summary"], "Planning v2");
    assert_eq!(
        patched["start"], event["start"],
        "patch keeps what it does not name"
    );
    assert_eq!(
        patched["extendedProperties"]["private"]["meetschedify_key"],
        "k1"
    );
    assert_ne!(patched["etag"], event["etag"]);

    let mut full = event_body("Replaced");
    full["end"] = json!({ "dateTime": "2030-01-15T11:00:00-05:00" });
    let updated = http
        .json("PUT", &event_url(&emu, "primary", &id), &token, &full)
        .await
        .json();
    assert_eq!(updated["summary"], "Replaced");
    assert!(
        updated.get("attendees").is_none(),
        "update replaces the whole event"
    );
    assert_eq!(updated["sequence"], 1, "the time changed");

    let list = http.get(&events_url(&emu, "primary"), &token).await.json();
    assert_eq!(list["kind"], "calendar#events");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
}

#[tokio::test]
async fn any_calendar_id_works_url_encoded() {
    let (emu, http, token) = default_setup().await;
    let calendar = "team@group.calendar.google.com";
    let event = http
        .json(
            "POST",
            &events_url(&emu, calendar),
            &token,
            &event_body("Team"),
        )
        .await
        .json();
    assert_eq!(event["organizer"]["email"], calendar);
    assert_eq!(event["organizer"]["self"], false);
    let state = emu.state();
    assert_eq!(state.google.events_by_calendar[calendar].len(), 1);
    let got = http
        .get(
            &event_url(&emu, calendar, event["id"].as_str().unwrap()),
            &token,
        )
        .await;
    assert_eq!(got.status, 200);
    // Not visible on the user's primary calendar.
    let primary = http.get(&events_url(&emu, "primary"), &token).await.json();
    assert!(primary["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn conference_data_is_ignored_without_conference_data_version_1() {
    let (emu, http, token) = default_setup().await;
    let body = with_meet(event_body("No meet"), "req-0");
    for url in [
        events_url(&emu, "primary"),
        format!("{}?conferenceDataVersion=0", events_url(&emu, "primary")),
    ] {
        let event = http.json("POST", &url, &token, &body).await.json();
        assert!(event.get("conferenceData").is_none());
        assert!(event.get("hangoutLink").is_none());
    }
}

#[tokio::test]
async fn meet_conference_is_pending_then_success_after_the_configured_reads() {
    let emu = Emulator::builder()
        .with_conference_pending_reads(2)
        .start()
        .await
        .unwrap();
    let (emu, http, token) = setup(emu).await;
    let url = format!("{}?conferenceDataVersion=1", events_url(&emu, "primary"));
    let event = http
        .json(
            "POST",
            &url,
            &token,
            &with_meet(event_body("Meet"), "req-1"),
        )
        .await
        .json();
    let status = |e: &Value| e["conferenceData"]["createRequest"]["status"]["statusCode"].clone();
    assert_eq!(status(&event), "pending");
    assert!(event.get("hangoutLink").is_none());
    let id = event["id"].as_str().unwrap();
    for _ in 0..2 {
        let read = http
            .get(&event_url(&emu, "primary", id), &token)
            .await
            .json();
        assert_eq!(status(&read), "pending");
    }
    let read = http
        .get(&event_url(&emu, "primary", id), &token)
        .await
        .json();
    assert_eq!(status(&read), "success");
    let code = read["conferenceData"]["conferenceId"].as_str().unwrap();
    let shape: Vec<usize> = code.split('-').map(str::len).collect();
    assert_eq!(shape, vec![3, 4, 3], "{code}");
    assert_eq!(
        read["hangoutLink"],
        format!("https://meet.google.com/{code}")
    );
    let kinds: Vec<&str> = read["conferenceData"]["entryPoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entryPointType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["video", "more", "phone"]);
    assert_eq!(
        read["conferenceData"]["conferenceSolution"]["key"]["type"],
        "hangoutsMeet"
    );
}

#[tokio::test]
async fn success_on_insert_when_configured() {
    let emu = Emulator::builder()
        .with_conference_pending_on_insert(false)
        .start()
        .await
        .unwrap();
    let (emu, http, token) = setup(emu).await;
    let url = format!("{}?conferenceDataVersion=1", events_url(&emu, "primary"));
    let event = http
        .json(
            "POST",
            &url,
            &token,
            &with_meet(event_body("Meet"), "req-2"),
        )
        .await
        .json();
    assert_eq!(
        event["conferenceData"]["createRequest"]["status"]["statusCode"],
        "success"
    );
    assert!(event["hangoutLink"].is_string());
}

#[tokio::test]
async fn a_reused_request_id_gives_the_same_conference() {
    let emu = Emulator::builder()
        .with_conference_pending_on_insert(false)
        .start()
        .await
        .unwrap();
    let (emu, http, token) = setup(emu).await;
    let url = format!("{}?conferenceDataVersion=1", events_url(&emu, "primary"));
    let first = http
        .json(
            "POST",
            &url,
            &token,
            &with_meet(event_body("A"), "same-request"),
        )
        .await
        .json();
    let second = http
        .json(
            "POST",
            &url,
            &token,
            &with_meet(event_body("B"), "same-request"),
        )
        .await
        .json();
    let other = http
        .json(
            "POST",
            &url,
            &token,
            &with_meet(event_body("C"), "other-request"),
        )
        .await
        .json();
    assert_eq!(
        first["conferenceData"]["conferenceId"],
        second["conferenceData"]["conferenceId"]
    );
    assert_ne!(
        first["conferenceData"]["conferenceId"],
        other["conferenceData"]["conferenceId"]
    );
}

#[tokio::test]
async fn patch_with_a_create_request_adds_a_meet_link() {
    let emu = Emulator::builder()
        .with_conference_pending_on_insert(false)
        .start()
        .await
        .unwrap();
    let (emu, http, token) = setup(emu).await;
    let event = http
        .json(
            "POST",
            &events_url(&emu, "primary"),
            &token,
            &event_body("Later"),
        )
        .await
        .json();
    let url = format!(
        "{}?conferenceDataVersion=1",
        event_url(&emu, "primary", event["id"].as_str().unwrap())
    );
    let patched = http
        .json("PATCH", &url, &token, &with_meet(json!({}), "req-patch"))
        .await
        .json();
    assert!(patched["hangoutLink"].is_string(), "{patched}");
}

#[tokio::test]
async fn unsupported_conference_type_is_400_invalid() {
    let (emu, http, token) = default_setup().await;
    let mut body = with_meet(event_body("x"), "r");
    body["conferenceData"]["createRequest"]["conferenceSolutionKey"]["type"] =
        json!("eventHangout");
    let url = format!("{}?conferenceDataVersion=1", events_url(&emu, "primary"));
    let reply = http.json("POST", &url, &token, &body).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json()["error"]["message"],
        "Invalid conference type value."
    );
}

#[tokio::test]
async fn client_ids_are_validated_and_duplicates_are_409_even_after_delete() {
    let (emu, http, token) = default_setup().await;
    let url = events_url(&emu, "primary");
    for bad in [
        "abcd",
        "ABCDEF",
        "abcdw",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
    ] {
        let mut body = event_body("x");
        body["id"] = json!(bad);
        let reply = http.json("POST", &url, &token, &body).await;
        assert_eq!(reply.status, 400, "{bad}");
        let envelope = reply.json();
        assert_eq!(error_reason(&envelope), ("global", "invalid"));
        assert_eq!(envelope["error"]["message"], "Invalid resource id value.");
        assert_eq!(envelope["error"]["status"], "INVALID_ARGUMENT");
    }
    let mut both = event_body("x");
    both["id"] = json!("abcdef0123");
    both["iCalUID"] = json!("x@example.com");
    assert_eq!(http.json("POST", &url, &token, &both).await.status, 400);

    let id = "0f8fad5bd9cb469fa16570867728950e";
    let mut body = event_body("Idempotent");
    body["id"] = json!(id);
    let created = http.json("POST", &url, &token, &body).await;
    assert_eq!(created.status, 200);
    assert_eq!(created.json()["id"], id);
    let duplicate = http.json("POST", &url, &token, &body).await;
    assert_eq!(duplicate.status, 409);
    assert_eq!(
        duplicate.json()["error"]["message"],
        "The requested identifier already exists."
    );
    assert_eq!(error_reason(&duplicate.json()), ("global", "duplicate"));
    assert_eq!(
        http.delete(&event_url(&emu, "primary", id), &token)
            .await
            .status,
        204
    );
    assert_eq!(http.json("POST", &url, &token, &body).await.status, 409);
}

#[tokio::test]
async fn delete_leaves_a_cancelled_tombstone_and_a_second_delete_is_410() {
    let (emu, http, token) = default_setup().await;
    let event = http
        .json(
            "POST",
            &events_url(&emu, "primary"),
            &token,
            &event_body("Doomed"),
        )
        .await
        .json();
    let url = event_url(&emu, "primary", event["id"].as_str().unwrap());
    let reply = http.delete(&format!("{url}?sendUpdates=all"), &token).await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    let got = http.get(&url, &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["status"], "cancelled");
    let again = http.delete(&url, &token).await;
    assert_eq!(again.status, 410);
    assert_eq!(error_reason(&again.json()), ("global", "deleted"));
    assert_eq!(
        again.json()["error"]["message"],
        "Resource has been deleted"
    );
    // list hides it unless showDeleted=true.
    let list = http.get(&events_url(&emu, "primary"), &token).await.json();
    assert!(list["items"].as_array().unwrap().is_empty());
    let list = http
        .get(
            &format!("{}?showDeleted=true", events_url(&emu, "primary")),
            &token,
        )
        .await
        .json();
    assert_eq!(list["items"][0]["status"], "cancelled");
    let missing = http
        .get(&event_url(&emu, "primary", "nosuchevent"), &token)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(error_reason(&missing.json()), ("global", "notFound"));
}

#[tokio::test]
async fn send_updates_is_recorded_and_validated() {
    let (emu, http, token) = default_setup().await;
    let url = format!("{}?sendUpdates=externalOnly", events_url(&emu, "primary"));
    let event = http
        .json("POST", &url, &token, &event_body("x"))
        .await
        .json();
    let id = event["id"].as_str().unwrap();
    http.json(
        "PATCH",
        &event_url(&emu, "primary", id),
        &token,
        &json!({"summary": "y"}),
    )
    .await;
    let records = emu.state().google.send_updates;
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].operation, "insert");
    assert_eq!(records[0].send_updates.as_deref(), Some("externalOnly"));
    assert_eq!(records[0].calendar_id, emu.demo().google_user_email);
    assert_eq!(records[1].operation, "patch");
    assert_eq!(records[1].send_updates, None);
    let bad = format!("{}?sendUpdates=everyone", events_url(&emu, "primary"));
    assert_eq!(
        http.json("POST", &bad, &token, &event_body("x"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn list_filters_by_private_extended_property_and_pages() {
    let (emu, http, token) = default_setup().await;
    let url = events_url(&emu, "primary");
    for i in 0..5 {
        let mut body = event_body(&format!("e{i}"));
        body["extendedProperties"] =
            json!({ "private": { "k": if i == 3 { "hit" } else { "miss" } } });
        http.json("POST", &url, &token, &body).await;
    }
    let found = http
        .get(&format!("{url}?privateExtendedProperty=k%3Dhit"), &token)
        .await
        .json();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["summary"], "e3");
    let mut summaries = Vec::new();
    let mut page_url = format!("{url}?maxResults=2");
    loop {
        let page = http.get(&page_url, &token).await.json();
        for item in page["items"].as_array().unwrap() {
            summaries.push(item["summary"].as_str().unwrap().to_owned());
        }
        match page["nextPageToken"].as_str() {
            Some(next) => page_url = format!("{url}?maxResults=2&pageToken={next}"),
            None => {
                assert!(page["nextSyncToken"].is_string());
                break;
            }
        }
    }
    assert_eq!(summaries, ["e0", "e1", "e2", "e3", "e4"]);
}

#[tokio::test]
async fn times_are_checked() {
    let (emu, http, token) = default_setup().await;
    let url = events_url(&emu, "primary");
    let mut backwards = event_body("x");
    backwards["end"] = json!({ "dateTime": "2030-01-15T09:00:00-05:00" });
    let reply = http.json("POST", &url, &token, &backwards).await;
    assert_eq!(reply.status, 400);
    assert_eq!(error_reason(&reply.json()), ("calendar", "timeRangeEmpty"));
    let reply = http
        .json("POST", &url, &token, &json!({ "summary": "no times" }))
        .await;
    assert_eq!(
        (reply.status, error_reason(&reply.json()).1.to_owned()),
        (400, "required".to_owned())
    );
    let no_zone = json!({ "start": { "dateTime": "2030-01-15T10:00:00" }, "end": { "dateTime": "2030-01-15T11:00:00" } });
    assert_eq!(http.json("POST", &url, &token, &no_zone).await.status, 400);
    let all_day = json!({ "start": { "date": "2030-01-15" }, "end": { "date": "2030-01-16" } });
    assert_eq!(http.json("POST", &url, &token, &all_day).await.status, 200);
}

#[tokio::test]
async fn auth_errors_use_googles_envelope() {
    let (emu, http, _token) = default_setup().await;
    let url = events_url(&emu, "primary");
    let missing = http.send("GET", &url, &[], vec![]).await;
    assert_eq!(missing.status, 401);
    assert_eq!(error_reason(&missing.json()), ("global", "required"));
    let invalid = http.get(&url, "ya29.bogus").await;
    assert_eq!(invalid.status, 401);
    let body = invalid.json();
    assert_eq!(body["error"]["code"], 401);
    assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
    assert_eq!(error_reason(&body), ("global", "authError"));
    assert!(invalid
        .header("www-authenticate")
        .unwrap()
        .contains("invalid_token"));
    // A read-only token cannot write.
    let read_only = emu
        .issue_google_access_token(
            &emu.demo().google_user_email,
            &["https://www.googleapis.com/auth/calendar.readonly"],
        )
        .unwrap();
    assert_eq!(http.get(&url, &read_only).await.status, 200);
    let reply = http.json("POST", &url, &read_only, &event_body("x")).await;
    assert_eq!(reply.status, 403);
    assert_eq!(error_reason(&reply.json()).1, "insufficientPermissions");
}

#[tokio::test]
async fn per_user_quota_is_403_rate_limit_exceeded_or_429() {
    for (status, code) in [
        (QuotaStatus::Forbidden, 403),
        (QuotaStatus::TooManyRequests, 429),
    ] {
        let emu = Emulator::builder()
            .with_google_quota_per_minute(Some(5))
            .with_google_quota_status(status)
            .start()
            .await
            .unwrap();
        let (emu, http, token) = setup(emu).await;
        let url = events_url(&emu, "primary");
        // The window is a clock minute: stop at the first rejection (it comes within 2 windows).
        let mut rejected = None;
        for _ in 0..11 {
            let reply = http.get(&url, &token).await;
            if reply.status != 200 {
                rejected = Some(reply);
                break;
            }
        }
        let reply = rejected.expect("quota reached");
        assert_eq!(reply.status, code);
        assert_eq!(
            error_reason(&reply.json()),
            ("usageLimits", "rateLimitExceeded")
        );
        emu.advance_clock(std::time::Duration::from_secs(60));
        // The window follows the emulator clock: a minute later the user may call again.
        assert_eq!(http.get(&url, &token).await.status, 200);
    }
}

#[tokio::test]
async fn list_filters_by_time_window_and_text() {
    let (emu, http, token) = default_setup().await;
    let url = events_url(&emu, "primary");
    // event_body is 2030-01-15 15:00-15:30 UTC.
    http.json("POST", &url, &token, &event_body("Quarterly review"))
        .await;
    let window = |min: &str, max: &str| format!("{url}?timeMin={min}&timeMax={max}");
    let count = |body: Value| body["items"].as_array().unwrap().len();
    let hit = http
        .get(
            &window("2030-01-15T15:10:00Z", "2030-01-15T16:00:00Z"),
            &token,
        )
        .await;
    assert_eq!(count(hit.json()), 1);
    let before = http
        .get(
            &window("2030-01-15T14:00:00Z", "2030-01-15T15:00:00Z"),
            &token,
        )
        .await;
    assert_eq!(count(before.json()), 0, "timeMax is exclusive");
    let after = http
        .get(
            &window("2030-01-15T15:30:00Z", "2030-01-15T17:00:00Z"),
            &token,
        )
        .await;
    assert_eq!(count(after.json()), 0, "timeMin is compared with the end");
    assert_eq!(
        count(http.get(&format!("{url}?q=quarterly"), &token).await.json()),
        1
    );
    assert_eq!(
        count(http.get(&format!("{url}?q=weekly"), &token).await.json()),
        0
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_parse_error() {
    let (emu, http, token) = default_setup().await;
    let auth = format!("Bearer {token}");
    let reply = http
        .send(
            "POST",
            &events_url(&emu, "primary"),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            b"{\"summary\":".to_vec(),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(error_reason(&reply.json()), ("global", "parseError"));
}

#[tokio::test]
async fn list_orders_by_start_time_only_for_single_events() {
    let (emu, http, token) = default_setup().await;
    let url = events_url(&emu, "primary");
    for (summary, day) in [("late", "20"), ("early", "10"), ("middle", "15")] {
        let body = json!({
            "summary": summary,
            "start": { "dateTime": format!("2030-01-{day}T10:00:00Z") },
            "end": { "dateTime": format!("2030-01-{day}T11:00:00Z") },
        });
        http.json("POST", &url, &token, &body).await;
    }
    let summaries = |body: Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["summary"].as_str().unwrap().to_owned())
            .collect()
    };
    let sorted = http
        .get(
            &format!("{url}?orderBy=startTime&singleEvents=true"),
            &token,
        )
        .await;
    assert_eq!(summaries(sorted.json()), ["early", "middle", "late"]);
    let unsorted = http.get(&url, &token).await;
    assert_eq!(summaries(unsorted.json()), ["late", "early", "middle"]);
    let refused = http.get(&format!("{url}?orderBy=startTime"), &token).await;
    assert_eq!(refused.status, 400);
    assert_eq!(error_reason(&refused.json()), ("global", "invalid"));
}
