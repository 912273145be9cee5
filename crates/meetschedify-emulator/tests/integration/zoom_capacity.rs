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
