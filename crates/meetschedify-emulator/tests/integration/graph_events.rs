//! Graph calendar events with Teams meetings (reference §3, §4.1, §1.8).

use std::time::Duration;

use meetschedify_emulator::{Emulator, EmulatorHandle};
use serde_json::{json, Value};

use crate::common::{Http, Reply};
use crate::microsoft_identity::app_token;

const PROP: &str = "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name meetschedifyBooking";

pub(crate) fn events_url(emu: &EmulatorHandle, user: &str) -> String {
    format!("{}/users/{user}/events", emu.graph_api_base())
}

fn event_body(subject: &str) -> Value {
    json!({
        "subject": subject,
        "body": {"contentType": "HTML", "content": "Agenda"},
        "start": {"dateTime": "2030-01-15T10:00:00", "timeZone": "Pacific Standard Time"},
        "end": {"dateTime": "2030-01-15T10:30:00", "timeZone": "America/Los_Angeles"},
        "attendees": [{"emailAddress": {"address": "guest@example.com", "name": "Guest"}, "type": "required"}],
        "isOnlineMeeting": true,
        "onlineMeetingProvider": "teamsForBusiness",
        "singleValueExtendedProperties": [{"id": PROP, "value": "booking-1"}],
    })
}

/// Asserts Graph's error envelope and returns the code.
pub(crate) fn graph_error(reply: &Reply, status: u16) -> String {
    assert_eq!(reply.status, status, "{}", reply.text());
    let body = reply.json();
    let inner = &body["error"]["innerError"];
    let date = inner["date"].as_str().unwrap();
    assert_eq!(date.len(), "2024-02-20T23:12:03".len(), "{date}");
    assert!(inner["request-id"].is_string() && inner["client-request-id"].is_string());
    assert!(reply.header("request-id").is_some());
    assert!(body["error"]["message"].is_string());
    body["error"]["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn create_gives_a_teams_join_url_and_reads_back_in_utc() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let upn = &emu.demo().microsoft_organizer_upn;
    let reply = http
        .json("POST", &events_url(&emu, upn), &token, &event_body("Intro"))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let event = reply.json();
    assert_eq!(event["isOnlineMeeting"], true);
    assert_eq!(event["onlineMeetingProvider"], "teamsForBusiness");
    assert_eq!(event["onlineMeetingUrl"], Value::Null);
    let join = event["onlineMeeting"]["joinUrl"].as_str().unwrap();
    assert!(
        join.starts_with("https://teams.microsoft.com/l/meetup-join/19%3ameeting_"),
        "{join}"
    );
    assert!(event["body"]["content"].as_str().unwrap().contains(join));
    // 10:00 Pacific in January is 18:00 UTC; without Prefer, times come back in UTC.
    assert_eq!(
        event["start"],
        json!({"dateTime": "2030-01-15T18:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(event["originalStartTimeZone"], "Pacific Standard Time");
    assert_eq!(event["organizer"]["emailAddress"]["address"], upn.as_str());
    assert_eq!(event["attendees"][0]["status"]["response"], "none");
    assert_eq!(event["transactionId"], Value::Null);
    // §3.6: the extended property is not in the create answer, but $expand and $filter find it.
    assert!(event.get("singleValueExtendedProperties").is_none());
    let id = event["id"].as_str().unwrap();
    let by_id = format!(
        "{}/users/{}/events/{id}",
        emu.graph_api_base(),
        emu.demo().microsoft_organizer_id
    );
    let expand: String = url::form_urlencoded::byte_serialize(
        format!("singleValueExtendedProperties($filter=id eq '{PROP}')").as_bytes(),
    )
    .collect();
    let got = http
        .get(&format!("{by_id}?$expand={expand}"), &token)
        .await
        .json();
    assert_eq!(
        got["singleValueExtendedProperties"],
        json!([{"id": PROP, "value": "booking-1"}])
    );
    assert_eq!(got["onlineMeeting"]["joinUrl"], join);
    let filter: String = url::form_urlencoded::byte_serialize(
        format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq '{PROP}' and ep/value eq 'booking-1')"
        )
        .as_bytes(),
    )
    .collect();
    let listed = http
        .get(
            &format!("{}?$filter={filter}", events_url(&emu, upn)),
            &token,
        )
        .await
        .json();
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    let none: String = url::form_urlencoded::byte_serialize(
        format!("singleValueExtendedProperties/Any(ep: ep/id eq '{PROP}' and ep/value eq 'other')")
            .as_bytes(),
    )
    .collect();
    let listed = http
        .get(&format!("{}?$filter={none}", events_url(&emu, upn)), &token)
        .await
        .json();
    assert_eq!(listed["value"], json!([]));
    // $select, as the provider's "is the join URL there yet" check uses it (§3.2).
    let selected = http
        .get(
            &format!("{by_id}?$select=isOnlineMeeting,onlineMeeting"),
            &token,
        )
        .await
        .json();
    assert!(selected.get("subject").is_none());
    assert_eq!(selected["isOnlineMeeting"], true);
    // The state snapshot shows the event.
    let state = emu.state();
    assert_eq!(
        state.microsoft.events_by_user[&emu.demo().microsoft_organizer_id].len(),
        1
    );
}

#[tokio::test]
async fn prefer_outlook_timezone_takes_windows_and_iana_names() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = events_url(&emu, &emu.demo().microsoft_organizer_id);
    let auth = format!("Bearer {token}");
    let post = |prefer: &'static str| {
        let (http, url, auth) = (http.clone(), url.clone(), auth.clone());
        async move {
            http.send(
                "POST",
                &url,
                &[
                    ("authorization", &auth),
                    ("content-type", "application/json"),
                    ("prefer", prefer),
                ],
                event_body("tz").to_string().into_bytes(),
            )
            .await
            .json()
        }
    };
    let pst = post("outlook.timezone=\"Pacific Standard Time\"").await;
    assert_eq!(
        pst["start"],
        json!({"dateTime": "2030-01-15T10:00:00.0000000", "timeZone": "Pacific Standard Time"})
    );
    let berlin = post("outlook.timezone=\"Europe/Berlin\"").await;
    assert_eq!(
        berlin["end"],
        json!({"dateTime": "2030-01-15T19:30:00.0000000", "timeZone": "Europe/Berlin"})
    );
    // An unknown zone in the body is refused.
    let mut body = event_body("bad zone");
    body["start"]["timeZone"] = json!("Mars Standard Time");
    let reply = http.json("POST", &url, &token, &body).await;
    assert_eq!(graph_error(&reply, 400), "TimeZoneNotSupportedException");
}

#[tokio::test]
async fn without_teams_the_event_has_no_join_url() {
    let emu = Emulator::builder()
        .with_microsoft_teams_available(false)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let reply = http
        .json(
            "POST",
            &events_url(&emu, &emu.demo().microsoft_organizer_id),
            &token,
            &event_body("x"),
        )
        .await;
    let event = reply.json();
    assert_eq!(reply.status, 201);
    assert_eq!(event["isOnlineMeeting"], false);
    assert_eq!(event["onlineMeetingProvider"], "unknown");
    assert_eq!(event["onlineMeeting"], Value::Null);
}

#[tokio::test]
async fn transaction_id_makes_a_retry_return_the_first_event() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = events_url(&emu, &emu.demo().microsoft_organizer_id);
    let mut body = event_body("Once");
    body["transactionId"] = json!("7E163156-7762-4BEB-A1C6-729EA81755A7");
    let first = http.json("POST", &url, &token, &body).await;
    assert_eq!(first.status, 201);
    assert_eq!(
        first.json()["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );
    let again = http.json("POST", &url, &token, &body).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json()["id"], first.json()["id"]);
    body["subject"] = json!("Something else");
    let clash = http.json("POST", &url, &token, &body).await;
    assert_eq!(graph_error(&clash, 400), "ErrorDuplicateTransactionId");
    let listed = http.get(&url, &token).await.json();
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bodies_are_checked_against_the_schema() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = events_url(&emu, &emu.demo().microsoft_organizer_id);
    let mut typo = event_body("x");
    typo["isOnlineMeting"] = json!(true);
    let reply = http.json("POST", &url, &token, &typo).await;
    assert_eq!(graph_error(&reply, 400), "RequestBodyRead");
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'isOnlineMeting' does not exist on type 'microsoft.graph.event'"));
    for (field, value) in [
        ("isOnlineMeeting", json!("yes")),
        ("onlineMeetingProvider", json!("zoom")),
        ("attendees", json!([{"emailAddress": "a@b.c"}])),
        (
            "start",
            json!({"dateTime": "2030-01-15T10:00:00", "timeZone": "UTC", "zone": "x"}),
        ),
    ] {
        let mut body = event_body("x");
        body[field] = value;
        let reply = http.json("POST", &url, &token, &body).await;
        assert_eq!(graph_error(&reply, 400), "RequestBodyRead", "{field}");
    }
    let reply = http
        .send(
            "POST",
            &url,
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(graph_error(&reply, 400), "RequestBodyRead");
    let mut no_end = event_body("x");
    no_end.as_object_mut().unwrap().remove("end");
    assert_eq!(
        graph_error(&http.json("POST", &url, &token, &no_end).await, 400),
        "ErrorInvalidRequest"
    );
    // Nothing was created.
    assert_eq!(http.get(&url, &token).await.json()["value"], json!([]));
}

#[tokio::test]
async fn bad_tokens_get_401_with_www_authenticate() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let url = events_url(&emu, &emu.demo().microsoft_organizer_id);
    let check = |reply: Reply| {
        assert_eq!(graph_error(&reply, 401), "InvalidAuthenticationToken");
        let header = reply.header("www-authenticate").unwrap();
        assert!(header.starts_with("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\""), "{header}");
        reply
    };
    check(http.send("GET", &url, &[], vec![]).await);
    check(http.get(&url, "not-a-token").await);
    let token = app_token(&http, &emu).await;
    assert_eq!(http.get(&url, &token).await.status, 200);
    emu.advance_clock(Duration::from_secs(3600));
    let expired = check(http.get(&url, &token).await);
    assert!(expired.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));
}

#[tokio::test]
async fn roles_and_scopes_are_enforced() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let url = events_url(&emu, &demo.microsoft_organizer_id);
    emu.set_microsoft_app_roles(&demo.microsoft_client_id, &["OnlineMeetings.ReadWrite.All"])
        .unwrap();
    let token = app_token(&http, &emu).await;
    assert_eq!(
        graph_error(&http.get(&url, &token).await, 403),
        "ErrorAccessDenied"
    );
    // Delegated: Calendars.Read reads but cannot write; /me is the signed-in user.
    let reader = emu
        .issue_microsoft_user_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_upn,
            &["Calendars.Read"],
        )
        .unwrap();
    let me = format!("{}/me/events", emu.graph_api_base());
    assert_eq!(http.get(&me, &reader).await.status, 200);
    assert_eq!(
        graph_error(
            &http.json("POST", &me, &reader, &event_body("x")).await,
            403
        ),
        "ErrorAccessDenied"
    );
    let writer = emu
        .issue_microsoft_user_token(
            &demo.microsoft_client_id,
            &demo.microsoft_organizer_upn,
            &["Calendars.ReadWrite"],
        )
        .unwrap();
    assert_eq!(
        http.json("POST", &me, &writer, &event_body("mine"))
            .await
            .status,
        201
    );
    // Another user's mailbox is not reachable with a delegated token.
    let other = emu.add_microsoft_user(&demo.microsoft_tenant_id, "other@emulator.onmicrosoft.com");
    assert_eq!(
        graph_error(&http.get(&events_url(&emu, &other.id), &writer).await, 403),
        "ErrorAccessDenied"
    );
    // App tokens have no /me; unknown users are not found.
    assert_eq!(graph_error(&http.get(&me, &token).await, 400), "BadRequest");
    let admin = emu
        .issue_microsoft_app_token(&demo.microsoft_client_id)
        .unwrap();
    assert_eq!(
        graph_error(
            &http
                .get(&events_url(&emu, "nobody@example.com"), &admin)
                .await,
            404
        ),
        "ResourceNotFound"
    );
}

#[tokio::test]
async fn cancel_is_for_organizers_and_delete_also_notifies() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let token = app_token(&http, &emu).await;
    let colleague = emu.add_microsoft_user(
        &demo.microsoft_tenant_id,
        "colleague@emulator.onmicrosoft.com",
    );
    let mut body = event_body("Team sync");
    body["attendees"] =
        json!([{"emailAddress": {"address": colleague.user_principal_name}, "type": "required"}]);
    let url = events_url(&emu, &demo.microsoft_organizer_id);
    let first = http.json("POST", &url, &token, &body).await.json();
    let first_id = first["id"].as_str().unwrap();
    // The colleague's calendar got a copy, which they cannot cancel.
    let theirs = http
        .get(&events_url(&emu, &colleague.id), &token)
        .await
        .json();
    let copy = &theirs["value"][0];
    assert_eq!(copy["isOrganizer"], false);
    assert_eq!(
        copy["onlineMeeting"]["joinUrl"],
        first["onlineMeeting"]["joinUrl"]
    );
    let copy_url = format!(
        "{}/{}",
        events_url(&emu, &colleague.id),
        copy["id"].as_str().unwrap()
    );
    let refused = http
        .json(
            "POST",
            &format!("{copy_url}/cancel"),
            &token,
            &json!({"Comment": "no"}),
        )
        .await;
    assert_eq!(graph_error(&refused, 400), "ErrorInvalidRequest");
    // The organizer cancels with a comment: 202, the event is gone, the copy is cancelled.
    let cancel_url = format!("{url}/{first_id}/cancel");
    let cancelled = http
        .json(
            "POST",
            &cancel_url,
            &token,
            &json!({"Comment": "Sorry, double-booked"}),
        )
        .await;
    assert_eq!(cancelled.status, 202, "{}", cancelled.text());
    assert!(cancelled.body.is_empty());
    assert_eq!(
        graph_error(&http.get(&format!("{url}/{first_id}"), &token).await, 404),
        "ErrorItemNotFound"
    );
    assert_eq!(
        http.get(&copy_url, &token).await.json()["isCancelled"],
        true
    );
    // A cancel body with an unknown parameter is refused.
    let second = http.json("POST", &url, &token, &body).await.json();
    let second_url = format!("{url}/{}", second["id"].as_str().unwrap());
    assert_eq!(
        graph_error(
            &http
                .json(
                    "POST",
                    &format!("{second_url}/cancel"),
                    &token,
                    &json!({"reason": "x"})
                )
                .await,
            400
        ),
        "RequestBodyRead"
    );
    // Delete: 204 and a cancellation without text.
    let deleted = http.delete(&second_url, &token).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        graph_error(&http.delete(&second_url, &token).await, 404),
        "ErrorItemNotFound"
    );
    let sent = emu.state().microsoft.cancellations;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].operation, "cancel");
    assert_eq!(sent[0].comment.as_deref(), Some("Sorry, double-booked"));
    assert_eq!(
        sent[0].recipients,
        vec![colleague.user_principal_name.clone()]
    );
    assert_eq!(sent[1].operation, "delete");
    assert_eq!(sent[1].comment, None);
}

#[tokio::test]
async fn patch_reschedules_keeping_the_join_url_unless_the_body_drops_it() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = events_url(&emu, &emu.demo().microsoft_organizer_id);
    let created = http
        .json("POST", &url, &token, &event_body("Move me"))
        .await
        .json();
    let event_url = format!("{url}/{}", created["id"].as_str().unwrap());
    let moved = http
        .json("PATCH", &event_url, &token, &json!({"start": {"dateTime": "2030-02-01T09:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-02-01T10:00:00", "timeZone": "UTC"}}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let moved = moved.json();
    assert_eq!(moved["start"]["dateTime"], "2030-02-01T09:00:00.0000000");
    assert_eq!(
        moved["onlineMeeting"]["joinUrl"],
        created["onlineMeeting"]["joinUrl"]
    );
    assert_eq!(moved["subject"], "Move me");
    assert_ne!(moved["changeKey"], created["changeKey"]);
    // End before start is refused.
    let backwards = http
        .json(
            "PATCH",
            &event_url,
            &token,
            &json!({"end": {"dateTime": "2030-01-01T00:00:00", "timeZone": "UTC"}}),
        )
        .await;
    assert_eq!(graph_error(&backwards, 400), "ErrorInvalidRequest");
    assert_eq!(
        graph_error(
            &http
                .json("PATCH", &event_url, &token, &json!({"subjet": "x"}))
                .await,
            400
        ),
        "RequestBodyRead"
    );
    // A new body without the Teams blob disables the online meeting (§3.1).
    let replaced = http
        .json(
            "PATCH",
            &event_url,
            &token,
            &json!({"body": {"contentType": "text", "content": "new agenda"}}),
        )
        .await
        .json();
    assert_eq!(replaced["onlineMeeting"], Value::Null);
    assert_eq!(replaced["isOnlineMeeting"], false);
    // PATCHing isOnlineMeeting back on attaches a new Teams meeting.
    let again = http
        .json(
            "PATCH",
            &event_url,
            &token,
            &json!({"isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness"}),
        )
        .await
        .json();
    assert!(again["onlineMeeting"]["joinUrl"].is_string());
}

#[tokio::test]
async fn all_day_events_start_and_end_at_midnight_and_reset_forgets_everything() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = events_url(&emu, &emu.demo().microsoft_organizer_id);
    let day = |start: &str, end: &str| {
        json!({
            "subject": "Offsite",
            "isAllDay": true,
            "start": {"dateTime": start, "timeZone": "Europe/Berlin"},
            "end": {"dateTime": end, "timeZone": "Europe/Berlin"},
        })
    };
    let ok = http
        .json(
            "POST",
            &url,
            &token,
            &day("2030-03-01T00:00:00", "2030-03-02T00:00:00"),
        )
        .await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(ok.json()["isAllDay"], true);
    let noon = http
        .json(
            "POST",
            &url,
            &token,
            &day("2030-03-01T12:00:00", "2030-03-02T00:00:00"),
        )
        .await;
    assert_eq!(graph_error(&noon, 400), "ErrorInvalidRequest");
    assert_eq!(emu.state().microsoft.events_by_user.len(), 1);
    emu.reset();
    assert!(emu.state().microsoft.events_by_user.is_empty());
    // Tokens are gone too; the demo app and organizer are back.
    assert_eq!(
        graph_error(&http.get(&url, &token).await, 401),
        "InvalidAuthenticationToken"
    );
    assert!(emu
        .microsoft_user(&emu.demo().microsoft_organizer_upn)
        .is_some());
}
