//! Google Meet with one static refresh token: create, reschedule and cancel an interview.
//!
//! With `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI` and
//! `GOOGLE_REFRESH_TOKEN` set it talks to Google; with `--emulator`, or when
//! `GOOGLE_REFRESH_TOKEN` is not set, it starts the local emulator in process.

use std::collections::HashMap;

use meetschedify::emulator::Emulator;
use meetschedify::google_static::{GoogleMeetStaticBuilder, GoogleMeetStaticProvider};
use meetschedify::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingContext, MeetingParticipant, MeetingTime,
    ProviderId, UpdateMeetingRequest,
};

/// The tenant label: one Google account owns every meeting, but the tenant still keeps
/// idempotency keys apart and shows up in logs.
const TENANT: &str = "acme-hr";

/// What one run did, for printing and for the test.
#[derive(Debug)]
struct Outcome {
    event_id: String,
    join_link: String,
    calendar_url: Option<String>,
    link_kept: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let use_emulator = std::env::args().any(|a| a == "--emulator")
        || std::env::var_os("GOOGLE_REFRESH_TOKEN").is_none();
    let mut emulator = None;
    let provider = if use_emulator {
        let emu = Emulator::start().await?;
        println!("using the Google emulator at {}", emu.base_url());
        // The emulator's exports are the very variables a real deployment sets.
        let env: HashMap<String, String> = emu.env_exports().into_iter().collect();
        emulator = Some(emu);
        GoogleMeetStaticBuilder::from_lookup(|name| env.get(name).cloned()).build()?
    } else {
        GoogleMeetStaticProvider::from_env()?
    };

    let outcome = run(provider).await?;
    println!("event id:     {}", outcome.event_id);
    println!("join link:    {}", outcome.join_link);
    println!(
        "calendar:     {}",
        outcome.calendar_url.as_deref().unwrap_or("-")
    );
    println!("link kept after the reschedule: {}", outcome.link_kept);
    if let Some(emu) = emulator {
        emu.shutdown().await;
    }
    Ok(())
}

/// Create, move by an hour, cancel.
async fn run(provider: GoogleMeetStaticProvider) -> meetschedify::Result<Outcome> {
    let client = MeetSchedifyClient::builder()
        .with_provider(provider)
        .build()?;
    let id = ProviderId::GOOGLE_MEET_STATIC;
    let created = client
        .create_meeting(
            CreateMeetingRequest::new(
                TENANT,
                id.clone(),
                "Interview — Backend Engineer",
                MeetingTime::new("2030-06-20T10:00:00", "2030-06-20T11:00:00")
                    .with_timezone("Asia/Kolkata"),
            )
            .with_primary_participant(
                MeetingParticipant::new("candidate@example.com").with_display_name("Candidate"),
            )
            .with_idempotency_key("interview-app_42-round-2"),
        )
        .await?;

    let ctx = MeetingContext::new(TENANT);
    let moved = client
        .update_meeting(
            &id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new().with_time(
                MeetingTime::new("2030-06-20T11:00:00", "2030-06-20T12:00:00")
                    .with_timezone("Asia/Kolkata"),
            ),
        )
        .await?;

    client
        .cancel_meeting(&id, &ctx, &created.provider_event_id)
        .await?;
    Ok(Outcome {
        event_id: created.provider_event_id,
        join_link: created.conference_link.unwrap_or_default(),
        calendar_url: created.calendar_url,
        link_kept: !moved.conference_link_changed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_example_creates_moves_and_cancels_on_the_emulator() {
        let emu = Emulator::start().await.unwrap();
        let env: HashMap<String, String> = emu.env_exports().into_iter().collect();
        let provider = GoogleMeetStaticBuilder::from_lookup(|name| env.get(name).cloned())
            .build()
            .unwrap();
        let outcome = run(provider).await.unwrap();
        assert!(
            outcome.join_link.starts_with("https://meet.google.com/"),
            "{outcome:?}"
        );
        assert!(outcome.calendar_url.is_some());
        assert!(outcome.link_kept);
        assert_eq!(emu.google_token_requests(), 1);
    }
}
