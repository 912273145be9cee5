//! `meeting.updated`, `meeting.deleted` and `recording.completed` from the emulator, checked
//! against the wire reference (`webhooks.md` §1.6, §1.9): numeric meeting ids, `operator`,
//! `time_stamp`, `old_object` with only the changed fields, the top-level `download_token`;
//! event subscriptions; and the id-type fault.

use std::time::Duration;

use meetschedify_emulator::{Emulator, EmulatorError, EmulatorHandle, ZoomWebhookFault};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::common::{zoom_token, Http};
use crate::zoom_webhooks::{endpoint, logged, meeting, next, Received, SECRET};

async fn registered() -> (EmulatorHandle, mpsc::UnboundedReceiver<Received>, u64) {
    let emu = Emulator::start().await.unwrap();
    let (url, mut rx) = endpoint(SECRET).await;
    emu.register_zoom_webhook(&url, SECRET).await.unwrap();
    next(&mut rx).await;
    let id = meeting(&emu).await;
    (emu, rx, id)
}

/// PATCHes meeting `id` with `body` through the Meetings API.
async fn patch(emu: &EmulatorHandle, id: u64, body: &Value) {
    let http = Http::default();
    let token = zoom_token(&http, emu).await;
    let url = format!("{}/meetings/{id}", emu.zoom_api_base());
    let reply = http.json("PATCH", &url, &token, body).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
}

async fn delete(emu: &EmulatorHandle, id: u64) {
    let http = Http::default();
    let token = zoom_token(&http, emu).await;
    let url = format!("{}/meetings/{id}", emu.zoom_api_base());
    assert_eq!(http.delete(&url, &token).await.status, 204);
}

/// Nothing more arrives within 300 ms.
async fn quiet(rx: &mut mpsc::UnboundedReceiver<Received>) {
    tokio::time::sleep(Duration::from_millis(300)).await;
    if let Ok(extra) = rx.try_recv() {
        panic!("unexpected {}", extra.event());
    }
}

#[tokio::test]
async fn a_patch_sends_meeting_updated_with_only_the_changed_fields_and_their_old_values() {
    let (emu, mut rx, id) = registered().await;
    patch(
        &emu,
        id,
        &json!({"topic": "Café sync, moved", "start_time": "2030-01-02T09:00:00Z", "duration": 30,
                "settings": {"waiting_room": true, "auto_recording": "none"}}),
    )
    .await;
    let updated = next(&mut rx).await;
    assert!(updated.genuine());
    let envelope = updated.json();
    assert_eq!(envelope["event"], "meeting.updated");
    let payload = &envelope["payload"];
    assert_eq!(payload["account_id"], emu.demo().zoom_account_id.as_str());
    let owner = emu
        .zoom_user("me")
        .or_else(|| emu.zoom_user(&emu.demo().zoom_host_id));
    let owner = owner.unwrap();
    assert_eq!(payload["operator"], owner.email.as_str());
    assert_eq!(payload["operator_id"], owner.id.as_str());
    assert_eq!(payload["time_stamp"], envelope["event_ts"]);
    assert!(payload["time_stamp"].is_i64());
    // The id is a number here; the duration and auto_recording did not change: not reported.
    assert_eq!(
        payload["object"],
        json!({"id": id, "topic": "Café sync, moved", "start_time": "2030-01-02T09:00:00Z",
               "settings": {"waiting_room": true}})
    );
    assert_eq!(
        payload["old_object"],
        json!({"id": id, "topic": "Café sync", "start_time": "2030-01-01T10:00:00Z",
               "settings": {"waiting_room": false}})
    );

    // The same values again change nothing, so nothing is sent.
    patch(
        &emu,
        id,
        &json!({"topic": "Café sync, moved", "duration": 30}),
    )
    .await;
    quiet(&mut rx).await;
    assert_eq!(logged(&emu, 1).await, 1);
}

#[tokio::test]
async fn a_delete_sends_meeting_deleted_with_a_numeric_id_after_a_running_meeting_ends() {
    let (emu, mut rx, id) = registered().await;
    delete(&emu, id).await;
    let deleted = next(&mut rx).await;
    assert!(deleted.genuine());
    let envelope = deleted.json();
    assert_eq!(envelope["event"], "meeting.deleted");
    let object = &envelope["payload"]["object"];
    assert_eq!(object["id"], id);
    assert_eq!(object["topic"], "Café sync");
    assert_eq!(object["start_time"], "2030-01-01T10:00:00Z");
    assert!(object["uuid"].is_string() && object["host_id"].is_string());
    assert!(envelope["payload"]["operator"].is_string());

    // A running meeting ends first, then is deleted.
    let id = meeting(&emu).await;
    emu.start_zoom_meeting(id).unwrap();
    delete(&emu, id).await;
    let names: Vec<String> = [
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
    ]
    .iter()
    .map(Received::event)
    .collect();
    assert_eq!(
        names,
        ["meeting.started", "meeting.ended", "meeting.deleted"]
    );
}

#[tokio::test]
async fn a_cloud_recorded_meeting_that_ends_sends_recording_completed_with_its_download_token() {
    let (emu, mut rx, plain) = registered().await;
    let id = meeting(&emu).await;
    patch(&emu, id, &json!({"settings": {"auto_recording": "cloud"}})).await;
    assert_eq!(next(&mut rx).await.event(), "meeting.updated");
    // Not recorded to the cloud: no recording.
    emu.start_zoom_meeting(plain).unwrap();
    emu.end_zoom_meeting(plain).unwrap();
    emu.start_zoom_meeting(id).unwrap();
    emu.end_zoom_meeting(id).unwrap();
    let names: Vec<String> = [
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
    ]
    .iter()
    .map(Received::event)
    .collect();
    assert_eq!(
        names,
        [
            "meeting.started",
            "meeting.ended",
            "meeting.started",
            "meeting.ended"
        ]
    );
    let recording = next(&mut rx).await;
    assert!(recording.genuine());
    let envelope = recording.json();
    assert_eq!(envelope["event"], "recording.completed");
    let token = envelope["download_token"].as_str().unwrap();
    assert!(token.len() > 100, "a JWT-shaped token: {token}");
    assert!(
        envelope["payload"].get("download_token").is_none(),
        "top level only"
    );
    let object = &envelope["payload"]["object"];
    assert_eq!(object["id"], id);
    assert_eq!(object["account_id"], emu.demo().zoom_account_id.as_str());
    assert_eq!(object["topic"], "Café sync");
    assert!(object["host_email"].as_str().unwrap().contains('@'));
    assert!(object["duration"].as_u64().unwrap() >= 1);
    let files = object["recording_files"].as_array().unwrap();
    assert_eq!(object["recording_count"], files.len());
    let total: u64 = files.iter().map(|f| f["file_size"].as_u64().unwrap()).sum();
    assert_eq!(object["total_size"], total);
    for file in files {
        for field in [
            "id",
            "recording_start",
            "recording_end",
            "file_type",
            "file_extension",
            "download_url",
            "status",
            "recording_type",
        ] {
            assert!(file[field].is_string(), "{field} in {file}");
        }
        assert_eq!(file["meeting_id"], object["uuid"], "the instance's uuid");
        assert_eq!(file["status"], "completed");
    }
    quiet(&mut rx).await;
}

#[tokio::test]
async fn an_endpoint_gets_only_the_events_its_subscription_lists() {
    let emu = Emulator::start().await.unwrap();
    let (all_url, mut all) = endpoint(SECRET).await;
    let (some_url, mut some) = endpoint(SECRET).await;
    emu.register_zoom_webhook(&all_url, SECRET).await.unwrap();
    emu.register_zoom_webhook_for(&some_url, SECRET, &["meeting.deleted", "meeting.ended"])
        .await
        .unwrap();
    next(&mut all).await;
    next(&mut some).await;
    let id = meeting(&emu).await;
    patch(&emu, id, &json!({"topic": "Renamed"})).await;
    emu.start_zoom_meeting(id).unwrap();
    emu.end_zoom_meeting(id).unwrap();
    delete(&emu, id).await;
    let mut everything = Vec::new();
    for _ in 0..4 {
        everything.push(next(&mut all).await.event());
    }
    assert_eq!(
        everything,
        [
            "meeting.updated",
            "meeting.started",
            "meeting.ended",
            "meeting.deleted"
        ]
    );
    assert_eq!(next(&mut some).await.event(), "meeting.ended");
    assert_eq!(next(&mut some).await.event(), "meeting.deleted");
    quiet(&mut some).await;

    // Zoom saves no subscription without events or with one outside its catalogue; nothing
    // is sent to such an endpoint, not even the validation.
    let (url, mut rx) = endpoint(SECRET).await;
    for events in [&[][..], &["meeting.sharing_started"][..]] {
        let err = emu
            .register_zoom_webhook_for(&url, SECRET, events)
            .await
            .unwrap_err();
        assert!(
            matches!(err, EmulatorError::UnknownZoomWebhookEvent(_)),
            "{err}"
        );
    }
    quiet(&mut rx).await;
}

#[tokio::test]
async fn the_control_api_registers_a_subscription_and_refuses_an_unknown_event() {
    let emu = Emulator::start().await.unwrap();
    let (url, mut rx) = endpoint(SECRET).await;
    let http = Http::default();
    let control = emu.control_base();
    let register = |events: Value| {
        let (http, control, url) = (&http, &control, &url);
        async move {
            http.json(
                "POST",
                &format!("{control}/zoom/webhooks"),
                "",
                &json!({"url": url, "secret": SECRET, "events": events}),
            )
            .await
        }
    };
    let reply = register(json!(["meeting.sharing_started"])).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    let reply = register(json!(["meeting.deleted"])).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    next(&mut rx).await;
    let id = meeting(&emu).await;
    emu.start_zoom_meeting(id).unwrap();
    delete(&emu, id).await;
    assert_eq!(next(&mut rx).await.event(), "meeting.deleted");
    quiet(&mut rx).await;
}

#[tokio::test]
async fn the_id_type_fault_swaps_number_and_string_and_the_other_faults_apply_to_new_events() {
    let (emu, mut rx, id) = registered().await;
    emu.inject_zoom_webhook_fault(ZoomWebhookFault::IdTypeSwapped);
    patch(&emu, id, &json!({"topic": "One"})).await;
    let swapped = next(&mut rx).await;
    assert!(swapped.genuine(), "signed over the swapped body");
    assert_eq!(swapped.json()["payload"]["object"]["id"], id.to_string());

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::IdTypeSwapped);
    emu.start_zoom_meeting(id).unwrap();
    assert_eq!(next(&mut rx).await.json()["payload"]["object"]["id"], id);

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::Duplicate);
    patch(&emu, id, &json!({"topic": "Two"})).await;
    let (first, second) = (next(&mut rx).await, next(&mut rx).await);
    assert_eq!(first.event(), "meeting.updated");
    assert_eq!(
        (first.body.clone(), first.timestamp.clone()),
        (second.body, second.timestamp)
    );

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::TamperedBody);
    delete(&emu, id).await;
    // The delete ends the running meeting first: the fault hits `meeting.ended`.
    let tampered = next(&mut rx).await;
    assert_eq!(tampered.event(), "meeting.ended");
    assert!(!tampered.genuine());
    let deleted = next(&mut rx).await;
    assert_eq!(deleted.event(), "meeting.deleted");
    assert!(deleted.genuine());
}
