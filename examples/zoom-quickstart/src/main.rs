//! Zoom quickstart: create, print and cancel one meeting.
//!
//! With `ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID` and `ZOOM_CLIENT_SECRET` set it talks to Zoom; with
//! `--emulator`, or when those variables are not set, it starts the local emulator in process.

use meetschedify::emulator::{Emulator, EmulatorHandle};
use meetschedify::zoom::ZoomProvider;
use meetschedify::{
    CreateMeetingRequest, CreatedMeeting, MeetSchedifyClient, MeetingContext, MeetingParticipant,
    MeetingTime, ProviderId,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let use_emulator =
        std::env::args().any(|a| a == "--emulator") || std::env::var_os("ZOOM_CLIENT_ID").is_none();
    // Keep the handle alive for the whole run: dropping it stops the emulator.
    let mut emulator = None;
    let zoom = if use_emulator {
        let emu = Emulator::start().await?;
        println!("using the Zoom emulator at {}", emu.base_url());
        let zoom = zoom_for_emulator(&emu)?;
        emulator = Some(emu);
        zoom
    } else {
        // Reads ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET (and the
        // MEETSCHEDIFY_ZOOM_*_BASE overrides, if any).
        ZoomProvider::from_env()?
    };
    let client = MeetSchedifyClient::builder().with_provider(zoom).build()?;

    let meeting = schedule(&client).await?;
    println!("meeting id: {}", meeting.provider_event_id);
    println!(
        "join link:  {}",
        meeting.conference_link.as_deref().unwrap_or("-")
    );

    let ctx = MeetingContext::new(TENANT);
    let outcome = client
        .cancel_meeting(&ProviderId::ZOOM, &ctx, &meeting.provider_event_id)
        .await?;
    println!("cancelled:  {outcome:?}");
    if let Some(emu) = emulator {
        emu.shutdown().await;
    }
    Ok(())
}

/// The tenant the meeting belongs to (with Server-to-Server OAuth, any label you like).
const TENANT: &str = "hospital_ward_4";

/// A Zoom provider with the emulator's demo app.
fn zoom_for_emulator(emu: &EmulatorHandle) -> meetschedify::Result<ZoomProvider> {
    let demo = emu.demo();
    ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .build()
}

/// Creates the meeting: validated before any call, retried without duplicates.
async fn schedule(client: &MeetSchedifyClient) -> meetschedify::Result<CreatedMeeting> {
    client
        .create_meeting(
            CreateMeetingRequest::new(
                TENANT,
                ProviderId::ZOOM,
                "Consultation — Dr. Rao",
                MeetingTime::new("2030-08-01T09:00:00", "2030-08-01T09:30:00")
                    .with_timezone("America/Chicago"),
            )
            .with_primary_participant(
                MeetingParticipant::new("patient@example.com").with_display_name("Pat"),
            )
            .with_metadata_entry("appointment_id", "visit-8812")
            .with_idempotency_key("visit-8812"),
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_quickstart_schedules_and_cancels_a_meeting_on_the_emulator() {
        let emu = Emulator::start().await.unwrap();
        let client = MeetSchedifyClient::builder()
            .with_provider(zoom_for_emulator(&emu).unwrap())
            .build()
            .unwrap();
        let meeting = schedule(&client).await.unwrap();
        let link = meeting.conference_link.clone().unwrap();
        assert!(link.starts_with("https://zoom.us/j/"), "{link}");
        assert_eq!(meeting.metadata["appointment_id"], "visit-8812");
        assert_eq!(
            emu.state()
                .zoom
                .meetings_by_host
                .values()
                .map(Vec::len)
                .sum::<usize>(),
            1
        );

        // The same idempotency key again: no second meeting.
        let again = schedule(&client).await.unwrap();
        assert_eq!(again.provider_event_id, meeting.provider_event_id);

        let ctx = MeetingContext::new(TENANT);
        client
            .cancel_meeting(&ProviderId::ZOOM, &ctx, &meeting.provider_event_id)
            .await
            .unwrap();
        assert_eq!(emu.zoom_token_requests(), 1);
    }
}
