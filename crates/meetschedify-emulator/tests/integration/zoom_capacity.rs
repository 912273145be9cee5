//! Zoom's capacity facts (reference `zoom-capacity.md` §3.2 and §3.3): licences and how many
//! meetings a host can run at once, starting and ending meetings through the control API, and the
//! per-host daily limit of creates plus updates.

use crate::common::{zoom_token, Http};
use meetschedify_emulator::{Emulator, EmulatorHandle, ZoomLicence};
use serde_json::{json, Value};

async fn setup() -> (EmulatorHandle, Http, String) {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    (emu, http, token)
}

#[test]
fn licences_map_to_zooms_concurrent_meeting_limits() {
    // Zoom KB0068522: Basic and Pro one meeting at a time; Business, Education, Enterprise two.
    let cases = [
        (ZoomLicence::Basic, 1, 1),
        (ZoomLicence::Pro, 1, 2),
        (ZoomLicence::Business, 2, 2),
        (ZoomLicence::Education, 2, 2),
        (ZoomLicence::Enterprise, 2, 2),
    ];
    for (licence, limit, user_type) in cases {
        assert_eq!(licence.concurrent_meeting_limit(), limit, "{licence:?}");
        assert_eq!(licence.user_type(), user_type, "{licence:?}");
    }
    assert_eq!(ZoomLicence::default(), ZoomLicence::Pro);
    let names: Vec<Value> = cases
        .iter()
        .map(|(l, _, _)| serde_json::to_value(l).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            json!("basic"),
            json!("pro"),
            json!("business"),
            json!("education"),
            json!("enterprise")
        ]
    );
}

#[tokio::test]
async fn users_get_a_licence_from_the_handle_and_the_control_api() {
    let emu = Emulator::start().await.unwrap();
    let account = emu.demo().zoom_account_id.clone();
    let plain = emu.add_zoom_user(&account, "plain@clinic.example").unwrap();
    assert_eq!(plain.licence, ZoomLicence::Pro);
    assert_eq!(plain.concurrent_meeting_limit(), 1);
    let ent = emu
        .add_zoom_user_with_licence(&account, "ent@clinic.example", ZoomLicence::Enterprise)
        .unwrap();
    assert_eq!(ent.concurrent_meeting_limit(), 2);
    // The same email (any case) is the same user; a licence given again replaces the old one.
    let again = emu
        .add_zoom_user_with_licence(&account, "PLAIN@clinic.example", ZoomLicence::Business)
        .unwrap();
    assert_eq!(
        (again.id.as_str(), again.licence),
        (plain.id.as_str(), ZoomLicence::Business)
    );
    assert_eq!(
        emu.add_zoom_user(&account, "plain@clinic.example")
            .unwrap()
            .licence,
        ZoomLicence::Business,
        "without a licence an existing user keeps its own"
    );

    let http = Http::default();
    let url = format!("{}/zoom/users", emu.control_base());
    let post = |body: Value| {
        let http = http.clone();
        let url = url.clone();
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
    let reply = post(json!({ "email": "edu@clinic.example", "licence": "education" })).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["licence"], "education");
    let reply = post(json!({ "email": "nolicence@clinic.example" })).await;
    assert_eq!(reply.json()["licence"], "pro");
    let reply = post(json!({ "email": "x@clinic.example", "licence": "platinum" })).await;
    assert!(
        reply.status >= 400,
        "an unknown licence is refused: {}",
        reply.status
    );
}

#[tokio::test]
async fn each_user_of_an_account_is_a_host_by_id_or_email_in_any_case() {
    let (emu, http, token) = setup().await;
    let account = emu.demo().zoom_account_id.clone();
    let a = emu.add_zoom_user(&account, "Ann@Clinic.example").unwrap();
    let b = emu
        .add_zoom_user_with_licence(&account, "ben@clinic.example", ZoomLicence::Business)
        .unwrap();
    for (user, host) in [
        ("ann@clinic.example", &a.id),
        ("ANN@CLINIC.EXAMPLE", &a.id),
        (a.id.as_str(), &a.id),
        ("Ben@Clinic.Example", &b.id),
        (b.id.as_str(), &b.id),
    ] {
        let reply = http
            .json(
                "POST",
                &format!("{}/users/{user}/meetings", emu.zoom_api_base()),
                &token,
                &json!({ "topic": "pool" }),
            )
            .await;
        assert_eq!(reply.status, 201, "{user}: {}", reply.text());
        assert_eq!(reply.json()["host_id"], host.as_str(), "{user}");
    }
}

#[tokio::test]
async fn the_demo_account_has_a_pro_and_a_business_user_after_its_owner() {
    let (emu, http, token) = setup().await;
    let demo = emu.demo().clone();
    assert_eq!(demo.zoom_pro_user_email, "alice@clinic.example");
    assert_eq!(demo.zoom_business_user_email, "bob@clinic.example");
    let alice = emu.zoom_user(&demo.zoom_pro_user_email).unwrap();
    let bob = emu.zoom_user("BOB@clinic.example").unwrap();
    assert_eq!(
        (
            alice.id.as_str(),
            alice.licence,
            alice.concurrent_meeting_limit()
        ),
        (demo.zoom_pro_user_id.as_str(), ZoomLicence::Pro, 1)
    );
    assert_eq!(
        (bob.id.as_str(), bob.licence, bob.concurrent_meeting_limit()),
        (
            demo.zoom_business_user_id.as_str(),
            ZoomLicence::Business,
            2
        )
    );
    assert_eq!(alice.account_id, demo.zoom_account_id);
    assert_eq!(bob.account_id, demo.zoom_account_id);
    // `me` is still the owner.
    let url = |user: &str| format!("{}/users/{user}/meetings", emu.zoom_api_base());
    let created = http
        .json("POST", &url("me"), &token, &json!({ "topic": "owner" }))
        .await
        .json();
    assert_eq!(created["host_id"], demo.zoom_host_id);
    for (user, id) in [
        (demo.zoom_pro_user_email.as_str(), &demo.zoom_pro_user_id),
        (
            demo.zoom_business_user_id.as_str(),
            &demo.zoom_business_user_id,
        ),
    ] {
        let created = http
            .json("POST", &url(user), &token, &json!({ "topic": "pool" }))
            .await;
        assert_eq!(created.json()["host_id"], id.as_str());
    }
    // Stable across a reset.
    emu.reset();
    assert_eq!(emu.zoom_user(&demo.zoom_pro_user_id).unwrap(), alice);
    assert_eq!(emu.zoom_user(&demo.zoom_business_user_id).unwrap(), bob);
    assert!(emu.zoom_user("nobody@clinic.example").is_none());
}

/// Creates a meeting for `user` through the API; its id.
async fn create(emu: &EmulatorHandle, http: &Http, token: &str, user: &str) -> u64 {
    let reply = http
        .json(
            "POST",
            &format!("{}/users/{user}/meetings", emu.zoom_api_base()),
            token,
            &json!({ "topic": "consultation", "start_time": "2030-05-01T09:00:00Z" }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_u64().unwrap()
}

async fn status(emu: &EmulatorHandle, http: &Http, token: &str, id: u64) -> Value {
    let reply = http
        .get(&format!("{}/meetings/{id}", emu.zoom_api_base()), token)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["status"].clone()
}

/// `POST /_emulator/zoom/meetings/{id}/{action}[?query]` with an empty JSON body.
async fn control(
    emu: &EmulatorHandle,
    http: &Http,
    id: &str,
    action: &str,
) -> crate::common::Reply {
    http.send(
        "POST",
        &format!("{}/zoom/meetings/{id}/{action}", emu.control_base()),
        &[],
        vec![],
    )
    .await
}

#[tokio::test]
async fn a_pro_host_cannot_start_a_second_meeting_and_the_first_goes_on() {
    let (emu, http, token) = setup().await;
    let alice = emu.demo().zoom_pro_user_email.clone();
    let first = create(&emu, &http, &token, &alice).await;
    let second = create(&emu, &http, &token, &alice).await;
    let reply = control(&emu, &http, &first.to_string(), "start").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["status"], "started");
    assert_eq!(reply.json()["ended"], json!([]));
    assert_eq!(status(&emu, &http, &token, first).await, "started");

    let reply = control(&emu, &http, &second.to_string(), "start").await;
    assert_eq!(reply.status, 409, "{}", reply.text());
    let body = reply.json();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("host has another meeting in progress"),
        "{body}"
    );
    assert_eq!(body["host_id"], emu.demo().zoom_pro_user_id.as_str());
    assert_eq!(body["limit"], 1);
    assert_eq!(body["running"], json!([first]));
    assert_eq!(status(&emu, &http, &token, first).await, "started");
    assert_eq!(status(&emu, &http, &token, second).await, "waiting");

    // The handle refuses it the same way.
    let err = emu.start_zoom_meeting(second).unwrap_err();
    assert!(matches!(
        err,
        meetschedify_emulator::EmulatorError::ZoomHostBusy { limit: 1, ref running, .. } if running == &[first]
    ));
    // Another host of the account is not affected.
    let other = create(&emu, &http, &token, "me").await;
    emu.start_zoom_meeting(other).unwrap();
    assert_eq!(status(&emu, &http, &token, other).await, "started");
}

#[tokio::test]
async fn a_business_host_runs_two_meetings_and_not_a_third() {
    let (emu, http, token) = setup().await;
    let bob = emu.demo().zoom_business_user_id.clone();
    let ids = [
        create(&emu, &http, &token, &bob).await,
        create(&emu, &http, &token, &bob).await,
        create(&emu, &http, &token, &bob).await,
    ];
    emu.start_zoom_meeting(ids[0]).unwrap();
    emu.start_zoom_meeting(ids[1]).unwrap();
    let reply = control(&emu, &http, &ids[2].to_string(), "start").await;
    assert_eq!(reply.status, 409, "{}", reply.text());
    assert_eq!(reply.json()["limit"], 2);
    assert_eq!(reply.json()["running"], json!([ids[0], ids[1]]));
    let statuses = [
        status(&emu, &http, &token, ids[0]).await,
        status(&emu, &http, &token, ids[1]).await,
        status(&emu, &http, &token, ids[2]).await,
    ];
    assert_eq!(
        statuses,
        [json!("started"), json!("started"), json!("waiting")]
    );
}

#[tokio::test]
async fn end_others_ends_the_earliest_started_meeting_of_the_host() {
    let (emu, http, token) = setup().await;
    let bob = emu.demo().zoom_business_user_id.clone();
    let ids = [
        create(&emu, &http, &token, &bob).await,
        create(&emu, &http, &token, &bob).await,
        create(&emu, &http, &token, &bob).await,
        create(&emu, &http, &token, &bob).await,
    ];
    // Started in the order 1, 0: the earliest-started is ids[1], although created later.
    emu.start_zoom_meeting(ids[1]).unwrap();
    emu.advance_clock(std::time::Duration::from_secs(60));
    emu.start_zoom_meeting(ids[0]).unwrap();
    emu.advance_clock(std::time::Duration::from_secs(60));
    let reply = control(&emu, &http, &format!("{}", ids[2]), "start?end_others=true").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["ended"], json!([ids[1]]));
    assert_eq!(status(&emu, &http, &token, ids[1]).await, "waiting");
    assert_eq!(status(&emu, &http, &token, ids[0]).await, "started");
    assert_eq!(status(&emu, &http, &token, ids[2]).await, "started");
    // Through the handle: now ids[0] is the earliest.
    emu.advance_clock(std::time::Duration::from_secs(60));
    assert_eq!(
        emu.start_zoom_meeting_ending_others(ids[3]).unwrap(),
        [ids[0]]
    );
    assert_eq!(status(&emu, &http, &token, ids[0]).await, "waiting");
    // With room, nothing is ended.
    emu.end_zoom_meeting(ids[2]).unwrap();
    assert_eq!(
        emu.start_zoom_meeting_ending_others(ids[1]).unwrap(),
        Vec::<u64>::new()
    );
    assert_eq!(status(&emu, &http, &token, ids[3]).await, "started");
}

#[tokio::test]
async fn end_puts_a_meeting_back_to_waiting_and_it_can_start_again() {
    let (emu, http, token) = setup().await;
    let alice = emu.demo().zoom_pro_user_id.clone();
    let a = create(&emu, &http, &token, &alice).await;
    let b = create(&emu, &http, &token, &alice).await;
    emu.start_zoom_meeting(a).unwrap();
    // Starting a running meeting is a no-op success (no second event).
    let reply = control(&emu, &http, &a.to_string(), "start").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let reply = control(&emu, &http, &a.to_string(), "end").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["status"], "waiting");
    assert_eq!(status(&emu, &http, &token, a).await, "waiting");
    // Ending again is a no-op success.
    assert_eq!(
        control(&emu, &http, &a.to_string(), "end").await.status,
        200
    );
    emu.end_zoom_meeting(a).unwrap();
    // The host has room again.
    emu.start_zoom_meeting(b).unwrap();
    emu.end_zoom_meeting(b).unwrap();
    emu.start_zoom_meeting(a).unwrap();
    assert_eq!(status(&emu, &http, &token, a).await, "started");
    // Unknown ids are 404, like the other control routes, and errors from the handle.
    for raw in ["12345678901", "not-a-meeting"] {
        for action in ["start", "end"] {
            let reply = control(&emu, &http, raw, action).await;
            assert_eq!(reply.status, 404, "{raw} {action}");
            assert!(reply.json()["error"].as_str().unwrap().contains(raw));
        }
    }
    assert!(emu.start_zoom_meeting(12_345_678_901).is_err());
    assert!(emu.end_zoom_meeting(12_345_678_901).is_err());
}

#[tokio::test]
async fn live_listings_follow_starts_and_ends() {
    let (emu, http, token) = setup().await;
    let bob = emu.demo().zoom_business_user_email.clone();
    let a = create(&emu, &http, &token, &bob).await;
    let b = create(&emu, &http, &token, &bob).await;
    let live = || {
        let url = format!("{}/users/{bob}/meetings?type=live", emu.zoom_api_base());
        let (http, token) = (http.clone(), token.clone());
        async move {
            let reply = http.get(&url, &token).await;
            assert_eq!(reply.status, 200, "{}", reply.text());
            reply.json()["meetings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(live().await, Vec::<u64>::new());
    emu.start_zoom_meeting(b).unwrap();
    assert_eq!(live().await, [b]);
    emu.start_zoom_meeting(a).unwrap();
    assert_eq!(live().await, [a, b]);
    emu.end_zoom_meeting(b).unwrap();
    assert_eq!(live().await, [a]);
}

#[tokio::test]
async fn starts_and_ends_are_recorded_on_the_emulator_clock_and_deletion_ends() {
    use meetschedify_emulator::ZoomMeetingEventKind::{Ended, Started};
    let (emu, http, token) = setup().await;
    let demo = emu.demo().clone();
    let alice = demo.zoom_pro_user_id.clone();
    let a = create(&emu, &http, &token, &alice).await;
    let b = create(&emu, &http, &token, &alice).await;
    // A day ahead of the wall clock: events must carry the emulator's time.
    emu.advance_clock(std::time::Duration::from_secs(86_400));
    let token = zoom_token(&http, &emu).await;
    let t0 = emu.now();
    emu.start_zoom_meeting(a).unwrap();
    emu.start_zoom_meeting(a).unwrap();
    emu.start_zoom_meeting_ending_others(b).unwrap();
    let reply = http
        .delete(&format!("{}/meetings/{b}", emu.zoom_api_base()), &token)
        .await;
    assert_eq!(reply.status, 204);
    let events = emu.zoom_meeting_events();
    let seen: Vec<(u64, &str, _)> = events
        .iter()
        .map(|e| (e.meeting_id, e.host_id.as_str(), e.kind))
        .collect();
    assert_eq!(
        seen,
        [
            (a, alice.as_str(), Started),
            (a, alice.as_str(), Ended),
            (b, alice.as_str(), Started),
            (b, alice.as_str(), Ended),
        ]
    );
    for event in &events {
        assert!(event.at >= t0, "{event:?} before {t0}");
        assert!(event.at <= emu.now());
    }
    // Deleting ended it, so the host has room again.
    emu.start_zoom_meeting(a).unwrap();
    // Served over HTTP and in the state snapshot too.
    let reply = http
        .get(
            &format!("{}/zoom/meeting-events", emu.control_base()),
            "unused",
        )
        .await;
    let listed = reply.json();
    assert_eq!(listed.as_array().unwrap().len(), 5);
    assert_eq!(listed[0]["kind"], "started");
    assert_eq!(listed[1]["kind"], "ended");
    assert_eq!(listed[0]["meeting_id"], a);
    assert_eq!(emu.state().zoom.meeting_events, emu.zoom_meeting_events());
    emu.reset();
    assert!(emu.zoom_meeting_events().is_empty());
}

const DAILY_429: &str = "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.";

/// The next 00:00 UTC after the emulator's now, RFC 3339 to the second.
fn next_utc_midnight(emu: &EmulatorHandle) -> String {
    let day = emu.now().as_second().div_euclid(86_400);
    jiff::Timestamp::from_second((day + 1) * 86_400)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[tokio::test]
async fn a_host_at_its_daily_limit_gets_zooms_429_while_another_host_still_creates() {
    let (emu, http, token) = setup().await;
    let demo = emu.demo().clone();
    let alice = demo.zoom_pro_user_email.clone();
    let id = create(&emu, &http, &token, &alice).await;
    emu.set_zoom_daily_count(&alice, 99).unwrap();
    assert_eq!(emu.zoom_daily_count(&demo.zoom_pro_user_id).unwrap(), 99);
    // The 100th request of the day passes, with nothing left.
    let patch_url = format!("{}/meetings/{id}", emu.zoom_api_base());
    let reply = http
        .json("PATCH", &patch_url, &token, &json!({ "topic": "moved" }))
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(emu.zoom_daily_count(&alice).unwrap(), 100);

    let create_url = format!("{}/users/{alice}/meetings", emu.zoom_api_base());
    for (method, url, category) in [
        ("POST", &create_url, "Medium"),
        ("PATCH", &patch_url, "Light"),
    ] {
        let reply = http
            .json(method, url, &token, &json!({ "topic": "one too many" }))
            .await;
        assert_eq!(reply.status, 429, "{method}: {}", reply.text());
        assert_eq!(reply.json(), json!({ "code": 429, "message": DAILY_429 }));
        assert_eq!(reply.header("x-ratelimit-type"), Some("Daily-limit"));
        assert_eq!(reply.header("x-ratelimit-category"), Some(category));
        assert_eq!(reply.header("x-ratelimit-limit"), Some("100"));
        assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(
            reply.header("retry-after"),
            Some(next_utc_midnight(&emu).as_str())
        );
    }
    assert_eq!(
        emu.zoom_daily_count(&alice).unwrap(),
        100,
        "a 429 does not count"
    );
    // The limit is per host: the other users of the same account are not held back.
    for other in [&demo.zoom_business_user_email, &demo.zoom_host_email] {
        let reply = http
            .json(
                "POST",
                &format!("{}/users/{other}/meetings", emu.zoom_api_base()),
                &token,
                &json!({ "topic": "still fine" }),
            )
            .await;
        assert_eq!(reply.status, 201, "{other}: {}", reply.text());
        assert_eq!(reply.header("x-ratelimit-remaining"), Some("99"));
    }
    // The next UTC day starts from zero.
    emu.advance_clock(std::time::Duration::from_secs(86_400));
    assert_eq!(emu.zoom_daily_count(&alice).unwrap(), 0);
}

#[tokio::test]
async fn successful_creates_and_updates_count_down_the_hosts_daily_budget() {
    let (emu, http, token) = setup().await;
    let bob = emu.demo().zoom_business_user_id.clone();
    let create_url = format!("{}/users/{bob}/meetings", emu.zoom_api_base());
    let mut seen = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let reply = http
            .json("POST", &create_url, &token, &json!({ "topic": "t" }))
            .await;
        assert_eq!(reply.status, 201);
        assert_eq!(reply.header("x-ratelimit-limit"), Some("100"));
        seen.push(reply.header("x-ratelimit-remaining").unwrap().to_owned());
        ids.push(reply.json()["id"].as_u64().unwrap());
    }
    let reply = http
        .json(
            "PATCH",
            &format!("{}/meetings/{}", emu.zoom_api_base(), ids[0]),
            &token,
            &json!({ "topic": "u" }),
        )
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("x-ratelimit-limit"), Some("100"));
    seen.push(reply.header("x-ratelimit-remaining").unwrap().to_owned());
    assert_eq!(seen, ["99", "98", "97"]);
    assert_eq!(emu.zoom_daily_count(&bob).unwrap(), 3);
    // Reads count against nothing and show no daily budget.
    let reply = http
        .get(
            &format!("{}/meetings/{}", emu.zoom_api_base(), ids[0]),
            &token,
        )
        .await;
    assert_eq!(reply.header("x-ratelimit-remaining"), None);
    // With the limit off, successes carry no daily headers.
    emu.update_settings(|s| s.zoom_daily_limit = None);
    let reply = http
        .json("POST", &create_url, &token, &json!({ "topic": "t" }))
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("x-ratelimit-limit"), None);
    assert_eq!(reply.header("x-ratelimit-remaining"), None);
}

#[tokio::test]
async fn deletes_do_not_count_against_the_daily_limit() {
    let (emu, http, token) = setup().await;
    let alice = emu.demo().zoom_pro_user_id.clone();
    let a = create(&emu, &http, &token, &alice).await;
    let b = create(&emu, &http, &token, &alice).await;
    assert_eq!(emu.zoom_daily_count(&alice).unwrap(), 2);
    let reply = http
        .delete(&format!("{}/meetings/{a}", emu.zoom_api_base()), &token)
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("x-ratelimit-remaining"), None);
    assert_eq!(emu.zoom_daily_count(&alice).unwrap(), 2);
    // Even at the limit a host can still delete.
    emu.set_zoom_daily_count(&alice, 100).unwrap();
    let reply = http
        .delete(&format!("{}/meetings/{b}", emu.zoom_api_base()), &token)
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(emu.zoom_daily_count(&alice).unwrap(), 100);
}

#[tokio::test]
async fn the_daily_count_is_read_and_set_over_the_control_api() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let url = format!(
        "{}/zoom/users/{}/daily-count",
        emu.control_base(),
        "Alice@Clinic.example"
    );
    let reply = http.get(&url, "unused").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({ "user_id": emu.demo().zoom_pro_user_id, "count": 0, "limit": 100 })
    );
    let reply = http
        .send(
            "POST",
            &url,
            &[("content-type", "application/json")],
            json!({ "count": 42 }).to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["count"], 42);
    assert_eq!(
        emu.zoom_daily_count(&emu.demo().zoom_pro_user_email)
            .unwrap(),
        42
    );
    let reply = http
        .get(
            &format!(
                "{}/zoom/users/ghost@example.com/daily-count",
                emu.control_base()
            ),
            "unused",
        )
        .await;
    assert_eq!(reply.status, 404);
    assert!(emu.zoom_daily_count("ghost@example.com").is_err());
    assert!(emu.set_zoom_daily_count("ghost@example.com", 1).is_err());
}
