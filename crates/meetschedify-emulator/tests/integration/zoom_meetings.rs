//! Conformance: Zoom Meetings API under `/v2`, driven with raw HTTP.

use std::time::Duration;

use crate::common::{zoom_token, Http};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use serde_json::{json, Value};

async fn setup() -> (EmulatorHandle, Http, String) {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    (emu, http, token)
}

fn create_url(emu: &EmulatorHandle, user: &str) -> String {
    format!("{}/users/{user}/meetings", emu.zoom_api_base())
}

fn meeting_url(emu: &EmulatorHandle, id: &Value) -> String {
    format!("{}/meetings/{id}", emu.zoom_api_base())
}

fn body() -> Value {
    json!({
        "topic": "Design review",
        "type": 2,
        "start_time": "2030-03-10T09:30:00",
        "timezone": "America/New_York",
        "duration": 45,
        "agenda": "Agenda",
        "settings": { "join_before_host": true, "waiting_room": false, "audio": "both" }
    })
}

#[tokio::test]
async fn create_answers_201_with_the_full_meeting() {
    let (emu, http, token) = setup().await;
    let reply = http
        .json("POST", &create_url(&emu, "me"), &token, &body())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let m = reply.json();
    let id = m["id"].as_u64().expect("int64 id");
    assert!(id > 9_999_999_999, "ids have more than 10 digits: {id}");
    assert_eq!(m["host_id"], emu.demo().zoom_host_id);
    assert!(m["uuid"].as_str().unwrap().ends_with("=="));
    assert_eq!(m["status"], "waiting");
    assert_eq!(m["topic"], "Design review");
    assert_eq!(m["type"], 2);
    assert_eq!(m["duration"], 45);
    assert_eq!(m["agenda"], "Agenda");
    assert_eq!(m["timezone"], "America/New_York");
    // 09:30 in New York on 2030-03-10 is after the DST switch (UTC-4).
    assert_eq!(m["start_time"], "2030-03-10T13:30:00Z");
    assert!(m["join_url"].as_str().unwrap().contains(&id.to_string()));
    assert!(m["start_url"].as_str().unwrap().contains("zak="));
    assert!(!m["password"].as_str().unwrap().is_empty());
    assert_eq!(m["settings"]["join_before_host"], true);
    assert_eq!(m["settings"]["audio"], "both");
    let dial_in = m["settings"]["global_dial_in_numbers"].as_array().unwrap();
    assert!(!dial_in.is_empty());
    // The same meeting is served by GET.
    let got = http.get(&meeting_url(&emu, &m["id"]), &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json(), m);
}

#[tokio::test]
async fn create_for_a_user_by_email_and_by_id() {
    let (emu, http, token) = setup().await;
    let email = emu.demo().zoom_host_email.clone();
    let id = emu.demo().zoom_host_id.clone();
    for user in [email.as_str(), id.as_str()] {
        let reply = http
            .json("POST", &create_url(&emu, user), &token, &body())
            .await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.json()["host_id"], id);
    }
    let other = emu
        .add_zoom_user(&emu.demo().zoom_account_id, "second@emulator.example.com")
        .unwrap();
    let reply = http
        .json("POST", &create_url(&emu, &other.email), &token, &body())
        .await;
    assert_eq!(reply.json()["host_id"], other.id);
}

#[tokio::test]
async fn unknown_user_is_404_code_1001() {
    let (emu, http, token) = setup().await;
    let reply = http
        .json(
            "POST",
            &create_url(&emu, "ghost@example.com"),
            &token,
            &body(),
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["code"], 1001);
    let reply = http
        .get(&create_url(&emu, "ghost@example.com"), &token)
        .await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (404, json!(1001))
    );
}

#[tokio::test]
async fn validation_errors_are_code_300_with_fields() {
    let (emu, http, token) = setup().await;
    let bad = json!({
        "topic": "x".repeat(201),
        "type": 5,
        "timezone": "Mars/Olympus",
        "password": "has spaces!",
        "settings": { "audio": "carrier-pigeon", "host_video": "yes" }
    });
    let reply = http
        .json("POST", &create_url(&emu, "me"), &token, &bad)
        .await;
    assert_eq!(reply.status, 400);
    let body = reply.json();
    assert_eq!(body["code"], 300);
    assert_eq!(body["message"], "Validation Failed.");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in [
        "topic",
        "type",
        "timezone",
        "password",
        "settings.audio",
        "settings.host_video",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let reply = http
        .send(
            "POST",
            &create_url(&emu, "me"),
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.json(),
        json!({"code":300,"message":"Request Body should be a valid JSON object."})
    );
    assert!(emu.state().zoom.meetings_by_host.is_empty());
}

#[tokio::test]
async fn patch_is_204_and_changes_the_meeting() {
    let (emu, http, token) = setup().await;
    let created = http
        .json("POST", &create_url(&emu, "me"), &token, &body())
        .await
        .json();
    let url = meeting_url(&emu, &created["id"]);
    let reply = http
        .json(
            "PATCH",
            &url,
            &token,
            &json!({"topic": "Renamed", "start_time": "2030-03-11T08:00:00Z", "settings": {"mute_upon_entry": true}}),
        )
        .await;
    assert_eq!(reply.status, 204);
    assert!(reply.body.is_empty());
    let got = http.get(&url, &token).await.json();
    assert_eq!(got["topic"], "Renamed");
    assert_eq!(got["start_time"], "2030-03-11T08:00:00Z");
    assert_eq!(got["settings"]["mute_upon_entry"], true);
    // Settings merge: what was set at create stays.
    assert_eq!(got["settings"]["join_before_host"], true);
    let reply = http
        .json("PATCH", &url, &token, &json!({"duration": -1}))
        .await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (400, json!(300))
    );
}

#[tokio::test]
async fn delete_is_204_records_reminders_and_then_404_code_3001() {
    let (emu, http, token) = setup().await;
    let created = http
        .json("POST", &create_url(&emu, "me"), &token, &body())
        .await
        .json();
    let url = meeting_url(&emu, &created["id"]);
    let reply = http
        .delete(
            &format!("{url}?schedule_for_reminder=true&cancel_meeting_reminder=false"),
            &token,
        )
        .await;
    assert_eq!(reply.status, 204);
    let deleted = &emu.state().zoom.deleted_meetings;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].id, created["id"].as_u64().unwrap());
    assert_eq!(deleted[0].schedule_for_reminder, Some(true));
    assert_eq!(deleted[0].cancel_meeting_reminder, Some(false));
    for reply in [
        http.get(&url, &token).await,
        http.delete(&url, &token).await,
    ] {
        assert_eq!(reply.status, 404);
        assert_eq!(reply.json()["code"], 3001);
    }
    let reply = http
        .json("PATCH", &url, &token, &json!({"topic": "x"}))
        .await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (404, json!(3001))
    );
    let reply = http
        .delete(
            &format!("{}/meetings/not-a-number", emu.zoom_api_base()),
            &token,
        )
        .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn list_pages_with_next_page_token() {
    let (emu, http, token) = setup().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut b = body();
        b["topic"] = json!(format!("m{i}"));
        ids.push(
            http.json("POST", &create_url(&emu, "me"), &token, &b)
                .await
                .json()["id"]
                .clone(),
        );
    }
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let url = format!(
            "{}?page_size=2&next_page_token={next}",
            create_url(&emu, "me")
        );
        let page = http.get(&url, &token).await.json();
        assert_eq!(page["page_size"], 2);
        assert_eq!(page["total_records"], 5);
        for m in page["meetings"].as_array().unwrap() {
            assert!(m.get("settings").is_none(), "list items are summaries");
            seen.push(m["id"].clone());
        }
        next = page["next_page_token"].as_str().unwrap().to_owned();
        if next.is_empty() {
            break;
        }
    }
    assert_eq!(seen, ids);
    let reply = http
        .get(
            &format!("{}?next_page_token=bogus", create_url(&emu, "me")),
            &token,
        )
        .await;
    assert_eq!(reply.status, 400);
    let reply = http
        .get(&format!("{}?type=someday", create_url(&emu, "me")), &token)
        .await;
    assert_eq!(
        (reply.status, reply.json()["code"].clone()),
        (400, json!(300))
    );
    let reply = http
        .get(&format!("{}?type=upcoming", create_url(&emu, "me")), &token)
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn the_101st_create_or_update_of_a_day_is_429_until_midnight_utc() {
    let (emu, http, token) = setup().await;
    let created = http
        .json("POST", &create_url(&emu, "me"), &token, &body())
        .await
        .json();
    let url = meeting_url(&emu, &created["id"]);
    for _ in 0..99 {
        let reply = http
            .json("PATCH", &url, &token, &json!({"topic": "again"}))
            .await;
        assert_eq!(reply.status, 204);
    }
    let reply = http
        .json("POST", &create_url(&emu, "me"), &token, &body())
        .await;
    assert_eq!(reply.status, 429);
    assert_eq!(
        reply.json(),
        json!({"code":429,"message":"You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."})
    );
    assert_eq!(reply.header("x-ratelimit-type"), Some("Daily-limit"));
    assert_eq!(reply.header("x-ratelimit-limit"), Some("100"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
    let retry_after: jiff::Timestamp = reply.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(retry_after.as_second() % 86_400, 0, "next 00:00 UTC");
    // Reads are not limited; a new UTC day resets the count.
    assert_eq!(http.get(&url, &token).await.status, 200);
    emu.advance_clock(Duration::from_secs(86_400));
    let token = zoom_token(&http, &emu).await;
    let reply = http
        .json("POST", &create_url(&emu, "me"), &token, &body())
        .await;
    assert_eq!(reply.status, 201);
}

#[tokio::test]
async fn per_second_limit_answers_429_with_rate_limit_headers() {
    let emu = Emulator::builder()
        .with_zoom_per_second_limit(Some(3))
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let url = create_url(&emu, "me");
    // The clock may tick over a second boundary during the loop: keep going until a 429 shows up,
    // which must happen within 2 * limit + 1 requests.
    let mut limited = None;
    for _ in 0..7 {
        let reply = http.get(&url, &token).await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 200);
    }
    let reply = limited.expect("a 429 within the window");
    assert_eq!(reply.json()["code"], 429);
    assert_eq!(reply.header("x-ratelimit-category"), Some("Medium"));
    assert_eq!(reply.header("x-ratelimit-type"), Some("QPS"));
    assert_eq!(reply.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(reply.header("retry-after"), Some("1"));
}
