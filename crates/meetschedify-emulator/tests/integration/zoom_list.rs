//! Conformance of `GET /users/{userId}/meetings` with Zoom's spec (`meetings` operation,
//! <https://developers.zoom.us/docs/api/meetings/#tag/meetings/GET/users/{userId}/meetings>):
//! each test fails if the emulator answered more leniently than the spec says Zoom does.

use std::time::Duration;

use crate::common::{zoom_token, Http};
use jiff::{SignedDuration, Timestamp};
use meetschedify_emulator::{Emulator, EmulatorHandle, ZoomMeetingSeed};
use serde_json::{json, Value};

async fn setup() -> (EmulatorHandle, Http, String) {
    let emu = Emulator::builder()
        .with_zoom_daily_limit(None)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    (emu, http, token)
}

fn list_url(emu: &EmulatorHandle, query: &str) -> String {
    format!("{}/users/me/meetings?{query}", emu.zoom_api_base())
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn ids(page: &Value) -> Vec<u64> {
    page["meetings"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect()
}

/// The `errors[].field` names of a 400 validation failure (code 300).
fn invalid_fields(reply: &crate::common::Reply) -> Vec<String> {
    assert_eq!(reply.status, 400, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["code"], 300, "{body}");
    assert_eq!(body["message"], "Validation Failed.", "{body}");
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_listed_agenda_is_cut_to_250_characters_and_get_keeps_it_whole() {
    let (emu, http, token) = setup().await;
    // Multi-byte characters: a cut at 250 bytes, or one that splits a character, fails here.
    let agenda: String = "Ré".repeat(1000);
    let create = format!("{}/users/me/meetings", emu.zoom_api_base());
    let body = json!({ "topic": "Long", "type": 2, "start_time": "2030-06-15T10:00:00Z", "agenda": agenda });
    let created = http.json("POST", &create, &token, &body).await.json();
    let short = json!({ "topic": "Short", "type": 2, "start_time": "2030-06-15T11:00:00Z", "agenda": "Brief" });
    http.json("POST", &create, &token, &short).await;

    let page = http.get(&list_url(&emu, ""), &token).await.json();
    let listed = &page["meetings"][0]["agenda"];
    let expected: String = agenda.chars().take(250).collect();
    assert_eq!(listed.as_str().unwrap(), expected);
    assert_eq!(
        page["meetings"][1]["agenda"], "Brief",
        "short agendas are whole"
    );

    let url = format!("{}/meetings/{}", emu.zoom_api_base(), created["id"]);
    assert_eq!(http.get(&url, &token).await.json()["agenda"], agenda);
}

#[tokio::test]
async fn page_size_defaults_to_30_and_allows_at_most_300() {
    let (emu, http, token) = setup().await;
    emu.seed_zoom_meetings(ZoomMeetingSeed::new(301, at("2030-06-15T10:00:00Z")))
        .unwrap();
    let page = http.get(&list_url(&emu, ""), &token).await.json();
    assert_eq!(ids(&page).len(), 30);
    assert_eq!(page["page_size"], 30);
    assert_eq!(page["total_records"], 301);
    assert_eq!(page["page_count"], 11);
    assert_eq!(page["page_number"], 1);

    let page = http
        .get(&list_url(&emu, "page_size=300"), &token)
        .await
        .json();
    assert_eq!(ids(&page).len(), 300);
    assert_eq!(page["page_count"], 2);

    for bad in ["301", "1000", "0", "-1", "ten", "2.5", ""] {
        let reply = http
            .get(&list_url(&emu, &format!("page_size={bad}")), &token)
            .await;
        assert_eq!(invalid_fields(&reply), ["page_size"], "page_size={bad}");
    }
}

#[tokio::test]
async fn next_page_token_is_opaque_and_pages_through_every_meeting_once() {
    let (emu, http, token) = setup().await;
    let seeded = emu
        .seed_zoom_meetings(
            ZoomMeetingSeed::new(7, at("2030-06-15T10:00:00Z")).spacing(Duration::from_secs(60)),
        )
        .unwrap();
    let mut seen = Vec::new();
    let mut tokens = Vec::new();
    let mut query = "page_size=3".to_owned();
    for expected_page in 1.. {
        let page = http.get(&list_url(&emu, &query), &token).await.json();
        assert_eq!(page["page_number"], expected_page, "{page}");
        assert_eq!(page["page_count"], 3);
        assert_eq!(page["total_records"], 7);
        seen.extend(ids(&page));
        let next = page["next_page_token"].as_str().unwrap().to_owned();
        if next.is_empty() {
            break;
        }
        // Not an offset a client could compute or forge.
        assert!(next.len() >= 20, "{next}");
        assert!(next.parse::<u64>().is_err(), "{next}");
        tokens.push(next.clone());
        query = format!("page_size=3&next_page_token={next}");
    }
    assert_eq!(seen, seeded);
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1]);

    // A made-up token, an offset in disguise, and a page number are not cursors.
    for forged in ["bogus", "3", "6", "0"] {
        let reply = http
            .get(
                &list_url(&emu, &format!("next_page_token={forged}")),
                &token,
            )
            .await;
        assert_eq!(reply.status, 400, "{forged}: {}", reply.text());
        assert_eq!(reply.json()["code"], 300);
    }
}

#[tokio::test]
async fn next_page_token_expires_after_15_minutes_of_the_emulator_clock() {
    let (emu, http, token) = setup().await;
    emu.seed_zoom_meetings(ZoomMeetingSeed::new(3, at("2030-06-15T10:00:00Z")))
        .unwrap();
    let first = |http: Http, token: String, url: String| async move {
        let page = http.get(&url, &token).await.json();
        page["next_page_token"].as_str().unwrap().to_owned()
    };
    let url = list_url(&emu, "page_size=1");
    let fresh = first(http.clone(), token.clone(), url.clone()).await;
    emu.advance_clock(Duration::from_secs(14 * 60));
    let page = http
        .get(&list_url(&emu, &format!("next_page_token={fresh}")), &token)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(page.json()["page_number"], 2);

    let stale = first(http.clone(), token.clone(), url).await;
    emu.advance_clock(Duration::from_secs(15 * 60));
    let reply = http
        .get(&list_url(&emu, &format!("next_page_token={stale}")), &token)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.json()["code"], 300);
    assert!(reply.json()["message"]
        .as_str()
        .unwrap()
        .contains("next page token"));
}

#[tokio::test]
async fn a_token_only_continues_the_listing_of_its_own_host() {
    let (emu, http, token) = setup().await;
    let demo = emu.demo().clone();
    let other = emu
        .add_zoom_user(&demo.zoom_account_id, "other@example.com")
        .unwrap();
    emu.seed_zoom_meetings(ZoomMeetingSeed::new(2, at("2030-06-15T10:00:00Z")))
        .unwrap();
    let page = http
        .get(&list_url(&emu, "page_size=1"), &token)
        .await
        .json();
    let next = page["next_page_token"].as_str().unwrap();
    let url = format!(
        "{}/users/{}/meetings?next_page_token={next}",
        emu.zoom_api_base(),
        other.id
    );
    assert_eq!(http.get(&url, &token).await.status, 400);
}

#[tokio::test]
async fn type_selects_live_upcoming_and_previous_meetings() {
    let (emu, http, token) = setup().await;
    let now = emu.now();
    let hours = |h: i64| now.checked_add(SignedDuration::from_hours(h)).unwrap();
    let seed = |n, start| {
        emu.seed_zoom_meetings(ZoomMeetingSeed::new(n, start))
            .unwrap()
    };
    let previous = seed(2, hours(-48));
    let live = emu
        .seed_zoom_meetings(ZoomMeetingSeed::new(1, hours(-1)).started())
        .unwrap();
    let upcoming = seed(3, hours(48));
    // Expired (a non-recurring meeting 31 days past its start) and instant: never listed.
    seed(1, hours(-31 * 24));
    let create = format!("{}/users/me/meetings", emu.zoom_api_base());
    let instant = http
        .json(
            "POST",
            &create,
            &token,
            &json!({ "topic": "now", "type": 1 }),
        )
        .await;
    assert_eq!(instant.status, 201);

    let listed = |query: &'static str| {
        let (http, token, url) = (http.clone(), token.clone(), list_url(&emu, query));
        async move { ids(&http.get(&url, &token).await.json()) }
    };
    let all: Vec<u64> = [previous.clone(), live.clone(), upcoming.clone()].concat();
    assert_eq!(listed("").await, all, "scheduled is the default");
    assert_eq!(listed("type=scheduled").await, all);
    assert_eq!(listed("type=live").await, live);
    let live_and_upcoming = [live.clone(), upcoming.clone()].concat();
    assert_eq!(listed("type=upcoming").await, live_and_upcoming);
    assert_eq!(listed("type=upcoming_meetings").await, live_and_upcoming);
    assert_eq!(listed("type=previous_meetings").await, previous);

    let reply = http.get(&list_url(&emu, "type=someday"), &token).await;
    assert_eq!(invalid_fields(&reply), ["type"]);
}

#[tokio::test]
async fn a_token_keeps_the_type_and_dates_of_the_first_page() {
    let (emu, http, token) = setup().await;
    let now = emu.now();
    emu.seed_zoom_meetings(
        ZoomMeetingSeed::new(2, now.checked_sub(SignedDuration::from_hours(1)).unwrap()).started(),
    )
    .unwrap();
    emu.seed_zoom_meetings(ZoomMeetingSeed::new(
        2,
        now.checked_add(SignedDuration::from_hours(5)).unwrap(),
    ))
    .unwrap();
    let page = http
        .get(&list_url(&emu, "type=live&page_size=1"), &token)
        .await
        .json();
    assert_eq!(page["total_records"], 2);
    let next = page["next_page_token"].as_str().unwrap();
    let page = http
        .get(&list_url(&emu, &format!("next_page_token={next}")), &token)
        .await
        .json();
    assert_eq!(page["total_records"], 2, "still the live listing: {page}");
    assert_eq!(page["page_size"], 1);
    assert_eq!(page["next_page_token"], "");
}

#[tokio::test]
async fn from_and_to_select_by_the_utc_start_date_inclusive() {
    let (emu, http, token) = setup().await;
    let mut by_start = Vec::new();
    for start in [
        "2030-06-14T23:59:59Z",
        "2030-06-15T00:00:00Z",
        "2030-06-16T23:59:59Z",
        "2030-06-17T00:00:00Z",
    ] {
        by_start.push(
            emu.seed_zoom_meetings(ZoomMeetingSeed::new(1, at(start)))
                .unwrap()[0],
        );
    }
    let listed = |query: &'static str| {
        let (http, token, url) = (http.clone(), token.clone(), list_url(&emu, query));
        async move { ids(&http.get(&url, &token).await.json()) }
    };
    assert_eq!(
        listed("from=2030-06-15&to=2030-06-16").await,
        by_start[1..3]
    );
    assert_eq!(listed("from=2030-06-16").await, by_start[2..]);
    assert_eq!(listed("to=2030-06-14").await, by_start[..1]);
    assert!(listed("from=2030-06-18&to=2030-06-17").await.is_empty());

    for (query, field) in [
        ("from=2030-6-15", "from"),
        ("from=2030-06-15T00:00:00Z", "from"),
        ("to=2030-02-30", "to"),
        ("to=15/06/2030", "to"),
        ("from=tomorrow", "from"),
    ] {
        let reply = http.get(&list_url(&emu, query), &token).await;
        assert_eq!(invalid_fields(&reply), [field], "{query}");
    }
}

#[tokio::test]
async fn page_number_selects_a_page_and_is_checked() {
    let (emu, http, token) = setup().await;
    let seeded = emu
        .seed_zoom_meetings(ZoomMeetingSeed::new(5, at("2030-06-15T10:00:00Z")))
        .unwrap();
    let page = http
        .get(&list_url(&emu, "page_size=2&page_number=3"), &token)
        .await
        .json();
    assert_eq!(ids(&page), seeded[4..]);
    assert_eq!(page["page_number"], 3);
    assert_eq!(page["next_page_token"], "");
    for bad in ["0", "-2", "x"] {
        let reply = http
            .get(&list_url(&emu, &format!("page_number={bad}")), &token)
            .await;
        assert_eq!(invalid_fields(&reply), ["page_number"], "{bad}");
    }
}

#[tokio::test]
async fn seeding_is_test_support_through_the_handle_and_the_control_api() {
    let (emu, http, token) = setup().await;
    emu.clear_requests();
    let started = std::time::Instant::now();
    let ids_seeded = emu
        .seed_zoom_meetings(
            ZoomMeetingSeed::new(SEEDED, at("2030-01-01T08:00:00Z"))
                .spacing(Duration::from_secs(3600))
                .topic("Busy host")
                .agenda("Seeded"),
        )
        .unwrap();
    eprintln!("seeded {SEEDED} meetings in {:?}", started.elapsed());
    assert_eq!(ids_seeded.len(), SEEDED);
    assert!(emu.requests().is_empty(), "seeding is not a Zoom request");
    let page = http
        .get(&list_url(&emu, "page_size=1"), &token)
        .await
        .json();
    assert_eq!(page["total_records"], SEEDED);
    assert_eq!(page["meetings"][0]["topic"], "Busy host");
    assert_eq!(page["meetings"][0]["start_time"], "2030-01-01T08:00:00Z");
    let url = format!("{}/meetings/{}", emu.zoom_api_base(), ids_seeded[1]);
    let got = http.get(&url, &token).await.json();
    assert_eq!(got["start_time"], "2030-01-01T09:00:00Z");
    assert_eq!(got["agenda"], "Seeded");

    let seed_url = format!("{}/zoom/meetings/seed", emu.control_base());
    let post = |body: Value| {
        let (http, url) = (http.clone(), seed_url.clone());
        async move {
            http.send(
                "POST",
                &url,
                &[("content-type", "application/json")],
                body.to_string().into_bytes(),
            )
            .await
        }
    };
    let reply =
        post(json!({ "count": 2, "first_start": "2031-01-01T00:00:00Z", "started": true })).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["count"], 2);
    let reply = post(
        json!({ "count": 1, "first_start": "2031-01-01T00:00:00Z", "user": "nobody@example.com" }),
    )
    .await;
    assert_eq!(reply.status, 404, "{}", reply.text());
    let reply = post(
        json!({ "count": 1, "first_start": "2031-01-01T00:00:00Z", "agenda": "x".repeat(2001) }),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
}

/// Meetings the seeding test inserts: 10,000 seed in well under a second here. (100,000 took
/// 6.6 s and 1.4 GB: every stored meeting is a full GET-shaped object, dial-in numbers
/// included.)
const SEEDED: usize = 10_000;
