//! The exact JSON sent to Zoom for create and update, with each preset, as the emulator
//! received it. These snapshots are the wire contract: a change to them is a change users see.

use meetschedify_core::{
    MeetingContext, MeetingParticipant, MeetingTime, ProviderId, UpdateMeetingRequest,
};
use meetschedify_emulator::EmulatorHandle;
use meetschedify_zoom::{MeetingDefaults, Preset};
use serde_json::Value;

use crate::common::{builder, client, emulator, request, sent};

fn body_of_last(emu: &EmulatorHandle, method: &str, suffix: &str) -> Value {
    let requests = sent(emu, method, suffix);
    let last = requests.last().expect("the request was sent");
    assert_eq!(last.header("content-type"), Some("application/json"));
    serde_json::from_str(&last.body).expect("a JSON body")
}

async fn create_and_update(defaults: MeetingDefaults, name: &str) {
    let emu = emulator().await;
    let client = client(
        builder(&emu)
            .with_meeting_defaults(defaults)
            .build()
            .unwrap(),
    );
    // A fixed idempotency key gives a fixed duplicate-guard marker.
    let created = client
        .create_meeting(request("Technical interview").with_idempotency_key("snapshot-key-1"))
        .await
        .unwrap();
    insta::assert_json_snapshot!(
        format!("create_{name}"),
        body_of_last(&emu, "POST", "/users/me/meetings")
    );

    let update = UpdateMeetingRequest::new()
        .with_title("Technical interview (rescheduled)")
        .with_description("Round 2, moved a day")
        .with_time(
            MeetingTime::new("2030-06-16T09:30:00", "2030-06-16T10:15:00")
                .with_timezone("Asia/Kolkata"),
        )
        .with_participants(vec![
            MeetingParticipant::new("candidate@example.com"),
            MeetingParticipant::new("panel@example.com"),
        ]);
    client
        .update_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new("acme-hr"),
            &created.provider_event_id,
            update,
        )
        .await
        .unwrap();
    insta::assert_json_snapshot!(
        format!("update_{name}"),
        body_of_last(
            &emu,
            "PATCH",
            &format!("/meetings/{}", created.provider_event_id)
        )
    );
}

#[tokio::test]
async fn request_bodies_without_a_preset() {
    create_and_update(MeetingDefaults::new(), "no_preset").await;
}

#[tokio::test]
async fn request_bodies_with_each_preset() {
    for preset in Preset::ALL {
        create_and_update(preset.defaults(), preset.as_str()).await;
    }
}

#[tokio::test]
async fn request_body_with_every_default_and_an_override() {
    use meetschedify_zoom::{AudioType, AutoRecording, EncryptionType};
    let defaults = MeetingDefaults::healthcare()
        .with_jbh_time(5)
        .with_watermark(true)
        .with_meeting_authentication(false)
        .with_private_meeting(true)
        .with_focus_mode(false)
        .with_email_notification(false)
        .with_audio(AudioType::Voip)
        .with_auto_recording(AutoRecording::None)
        .with_encryption_type(EncryptionType::EnhancedEncryption)
        .with_alternative_hosts(vec!["host2@emulator.example.com".into()]);
    let emu = emulator().await;
    let client = client(
        builder(&emu)
            .with_meeting_defaults(defaults)
            .build()
            .unwrap(),
    );
    let req = request("Consultation")
        .with_idempotency_key("snapshot-key-2")
        .with_provider_option(
            "zoom",
            serde_json::json!({"settings": {"waiting_room": false, "join_before_host": true}}),
        );
    client.create_meeting(req).await.unwrap();
    insta::assert_json_snapshot!(
        "create_all_defaults_with_override",
        body_of_last(&emu, "POST", "/users/me/meetings")
    );
}
